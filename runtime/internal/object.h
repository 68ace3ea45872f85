/* internal/object.h: object flags, the memory layout in front of an object,
 * allocation of objects, and the built-in types (runtime/object.c).
 *
 * Layout of one allocation, lowest address first:
 *
 *     [weakref list head]   if the type is PYM_TYPE_WEAKREFABLE (one pointer)
 *     [pym_gc_head]         if the type is PYM_TYPE_GC (two pointers)
 *     pym_object ...        what pym_object * points at; type->size bytes
 *     [extra]               variable part of built-in types (type->extra_size)
 *
 * The words in front are found from the type's flags alone, so objects pay
 * only for the services their type asks for. */
#ifndef PYM_INTERNAL_OBJECT_H
#define PYM_INTERNAL_OBJECT_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include "pym.h"
#include "internal/gc.h"

/* ob_flags bits. */
#define PYM_OBF_STATIC      (1u << 0)  /* statically allocated, never freed */
#define PYM_OBF_INTERNED    (1u << 1)  /* in the str or tuple intern table */
#define PYM_OBF_FINALIZED   (1u << 2)  /* type->finalize has run */
#define PYM_OBF_UNREACHABLE (1u << 3)  /* collector: tentatively unreachable */
#define PYM_OBF_COLLECTING  (1u << 4)  /* collector: in the generation being collected */
#define PYM_OBF_UNTRACKED_T (1u << 5)  /* tuple: seen by the collector with only
                                          untracked items (may stay untracked) */


#define PYM_STATIC_OBJECT(type_ptr) PYM__STATIC_HEAD(type_ptr, PYM_OBF_STATIC)

static inline size_t pym_gc_prefix(const pym_type *t)
{
    return (t->flags & PYM_TYPE_GC) ? sizeof(pym_gc_head) : 0;
}
static inline size_t pym_prefix_size(const pym_type *t)
{
    return pym_gc_prefix(t) + ((t->flags & PYM_TYPE_WEAKREFABLE) ? sizeof(void *) : 0);
}
static inline bool pym_is_weakrefable(const pym_object *o)
{
    return (o->ob_type->flags & PYM_TYPE_WEAKREFABLE) != 0;
}
/* The weakref list head of a weak-referenceable object. */
static inline pym_object **pym_weaklist_of(const pym_object *o)
{
    return (pym_object **)((char *)o - pym_gc_prefix(o->ob_type)) - 1;
}
/* Flags are written by the thread that owns the object's state (GIL held,
 * world stopped, or the object's only reference), except PYM_OBF_INTERNED,
 * which other threads read without the table's lock: it is set with
 * pym_flag_publish, and every read is a (free) relaxed load. */
static inline bool pym_flag(const pym_object *o, uint32_t f)
{
    return (__atomic_load_n(&o->ob_flags, __ATOMIC_RELAXED) & f) != 0;
}
static inline void pym_flag_set(pym_object *o, uint32_t f) { o->ob_flags |= f; }
static inline void pym_flag_clear(pym_object *o, uint32_t f) { o->ob_flags &= ~f; }
static inline void pym_flag_publish(pym_object *o, uint32_t f)
{
    __atomic_fetch_or(&o->ob_flags, f, __ATOMIC_RELAXED);
}

/* A new object of `t` with `extra` bytes after type->size: zero-filled,
 * refcount 1, tracked if GC.  NULL with MemoryError. */
PYM_MUST_CHECK pym_object *pym_object_alloc(const pym_type *t, size_t extra);
/* Returns an object's memory; the object must be untracked and destroyed.
 * A type with a `recycle` slot may keep the memory instead (release
 * builds only: debug builds quarantine every freed block). */
void pym_object_free(pym_object *o);
/* A recycled object of `size` bytes (pym_object_size) made new again:
 * refcount 1, flags clear, counted live, tracked if GC.  Its own fields
 * are the type's to reset.  `recycle` takes the bytes off the count. */
void pym_object_revive(pym_object *o, size_t size);
/* Returns the memory of a recycled object for good. */
void pym_object_discard(pym_object *o);
/* Bytes one object occupies, the words in front included. */
size_t pym_object_size(const pym_object *o);
void pym_object_init(void);
void pym_object_release_immortals(void); /* pym_fini, after the collections */
const char *pym_instance_class_name(const pym_object *inst);
void pym_object_fini(void);

/* Runs a type's finalizer once, keeping the object alive while it runs;
 * errors it leaves are reported as unraisable. */
void pym_object_finalize(pym_object *o);

/* The built-in types. */
extern const pym_type pym_none_type, pym_bool_type, pym_int_type, pym_float_type;
extern const pym_type pym_str_type, pym_tuple_type, pym_list_type, pym_dict_type;
extern const pym_type pym_instance_type, pym_cfunc_type;
extern const pym_type pym_weakref_type;

/* Static singletons shared between files. */
pym_object *pym_empty_tuple(void);   /* borrowed, immortal */
pym_object *pym_str_char(unsigned char c); /* borrowed one-ASCII-char string or NULL */

/* Init/fini hooks of the subsystems, in runtime/lifecycle.c's order. */
void pym_int_init(void);
void pym_str_init(void);
void pym_str_fini(void);
void pym_tuple_init(void);
void pym_tuple_fini(void);
void pym_tuple_clear_freelists(void);  /* this thread's kept tuples */

/* Removes a dying interned object from its table (str.c, tuple.c). */
void pym_str_unintern(pym_object *s);
void pym_tuple_unintern(pym_object *t);

/* Hash helpers shared by str, tuple, float and int (Python's numeric hash). */
int64_t pym_hash_int(int64_t v);
/* Numeric equality across int, bool and float (1 == 1.0 == True). */
int pym_number_equal(pym_object *a, pym_object *b);
int64_t pym_hash_double(double v);
uint64_t pym_hash_bytes(const void *p, size_t n);

/* ---- helpers for repr (runtime/protocol.c) ------------------------------ */
/* A growing byte buffer for building reprs; allocation failures are
 * remembered (with MemoryError pending) and make pym_strbuf_finish fail. */
typedef struct pym_strbuf {
    char *buf;
    size_t len, cap;
    bool failed;
} pym_strbuf;
void pym_strbuf_put(pym_strbuf *b, const char *s, size_t n);
void pym_strbuf_puts(pym_strbuf *b, const char *s);
void pym_strbuf_put_repr(pym_strbuf *b, pym_object *o); /* appends repr(o) */
pym_object *pym_strbuf_finish(pym_strbuf *b);  /* new str; frees the buffer */
/* Guards reprs of containers that may contain themselves: returns true if
 * `o` is already being repr'd on this thread (print "[...]"), else marks it. */
bool pym_repr_enter(pym_object *o);
void pym_repr_leave(pym_object *o);

#endif
