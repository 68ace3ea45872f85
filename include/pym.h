/* pym.h: the public API of pym, a C runtime with CPython's memory model.
 *
 * Ownership: a function returning pym_object * returns a NEW reference unless
 * marked BORROWED.  No function steals a reference passed to it.  On failure
 * functions return NULL (or -1, or false where stated) and leave a pending
 * error on the calling thread (see Errors); a NULL documented as "no error"
 * means absence.  docs/api.md lists every function with its ownership. */
#ifndef PYM_H
#define PYM_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pym/config.h"
#include "pym/object.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lifecycle --------------------------------------------------------- */
int pym_init(void);               /* 0 on success; the calling thread is attached */
void pym_fini(void);              /* full collection, clears weakrefs, frees what is left */
const char *pym_mode(void);       /* "gil", "atomic", "biased" or "boehm" */
size_t pym_live_objects(void);    /* objects allocated and not yet freed; static
                                     singletons excluded */
typedef void *(*pym_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);
/* Before pym_init.  Realloc-like: ptr==NULL allocates, new_size==0 frees; a
 * NULL return is a failure and leaves the old block as it was.  While set,
 * every block pym uses comes from it (no pooling), so a failing allocator
 * sees every allocation.  fn==NULL restores the built-in allocator. */
void pym_set_allocator(pym_alloc_fn fn, void *ud);
size_t pym_allocated_bytes(void); /* bytes currently allocated through pym */

/* ---- Generic protocol -------------------------------------------------- */
int pym_equal(pym_object *a, pym_object *b);      /* 1, 0, or -1 with error */
int pym_hash(pym_object *o, int64_t *out);        /* 0, or -1 TypeError if unhashable */
pym_object *pym_repr(pym_object *o);              /* new str, Python-like */
pym_object *pym_call(pym_object *callable, pym_object *args); /* args: tuple or NULL */

/* ---- Singletons and numbers -------------------------------------------- */
#define PYM_SMALL_INT_MIN (-5)
#define PYM_SMALL_INT_MAX 256
pym_object *pym_none(void);       /* the immortal singletons; a new reference */
pym_object *pym_true(void);       /* to an immortal costs nothing to drop */
pym_object *pym_false(void);
pym_object *pym_bool(bool v);
pym_object *pym_int_new(int64_t v);        /* -5..256: the same immortal object */
int64_t pym_int_value(pym_object *o);      /* int or bool; TypeError -> -1 */
pym_object *pym_int_add(pym_object *a, pym_object *b); /* OverflowError past int64 */
pym_object *pym_int_sub(pym_object *a, pym_object *b);
pym_object *pym_int_mul(pym_object *a, pym_object *b);
pym_object *pym_float_new(double v);
double pym_float_value(pym_object *o);     /* float, int or bool; TypeError -> -1.0 */
bool pym_is_int(const pym_object *o);      /* exact int (not bool) */
bool pym_is_float(const pym_object *o);
bool pym_is_bool(const pym_object *o);

/* ---- Strings (immutable UTF-8) ----------------------------------------- */
pym_object *pym_str_new(const char *utf8);
pym_object *pym_str_new_len(const char *utf8, size_t nbytes);
pym_object *pym_str_from_format(const char *fmt, ...) PYM_PRINTF(1, 2);
const char *pym_str_cstr(pym_object *s);   /* BORROWED, NUL-terminated; TypeError -> NULL */
size_t pym_str_len(pym_object *s);         /* bytes; TypeError -> 0 */
pym_object *pym_str_intern(pym_object *s); /* the canonical equal string */
pym_object *pym_str_intern_cstr(const char *utf8);
bool pym_str_is_interned(pym_object *s);
bool pym_is_str(const pym_object *o);

/* ---- Tuples (immutable) ------------------------------------------------ */
pym_object *pym_tuple_new(size_t n, pym_object *const *items); /* n==0: the singleton */
pym_object *pym_tuple_pack(size_t n, ...);
size_t pym_tuple_len(pym_object *t);               /* TypeError -> 0 */
pym_object *pym_tuple_get(pym_object *t, size_t i); /* BORROWED; IndexError -> NULL */
pym_object *pym_tuple_intern(pym_object *t); /* canonical equal tuple; TypeError if
                                                an item is not immutable */
bool pym_tuple_is_interned(pym_object *t);
bool pym_is_tuple(const pym_object *o);

/* ---- Lists (mutable, copy-on-demand) ----------------------------------- */
pym_object *pym_list_new(void);
size_t pym_list_len(pym_object *l);                 /* TypeError -> 0 */
pym_object *pym_list_get(pym_object *l, size_t i);  /* BORROWED; IndexError -> NULL */
pym_object *pym_list_get_ref(pym_object *l, size_t i); /* new reference */
int pym_list_set(pym_object *l, size_t i, pym_object *v);
int pym_list_append(pym_object *l, pym_object *v);
int pym_list_insert(pym_object *l, size_t i, pym_object *v); /* i > len: appends */
pym_object *pym_list_pop(pym_object *l, size_t i);  /* new reference; IndexError */
pym_object *pym_list_copy(pym_object *l); /* O(1): storage shared until either
                                             side is mutated, then that side copies */
bool pym_list_shares_storage(pym_object *a, pym_object *b);
bool pym_is_list(const pym_object *o);

/* ---- Dicts (insertion-ordered) ----------------------------------------- */
pym_object *pym_dict_new(void);
int pym_dict_set(pym_object *d, pym_object *key, pym_object *value);
pym_object *pym_dict_get(pym_object *d, pym_object *key); /* BORROWED; missing: NULL,
                                  no error; unhashable key: NULL with TypeError */
pym_object *pym_dict_get_ref(pym_object *d, pym_object *key); /* NEW reference, as
                                  dict_get otherwise: safe across threads */
int pym_dict_del(pym_object *d, pym_object *key);  /* KeyError if missing */
size_t pym_dict_len(pym_object *d);
bool pym_dict_next(pym_object *d, size_t *pos, pym_object **key, pym_object **value);
                                  /* BORROWED; *pos starts at 0 */
pym_object *pym_dict_get_str(pym_object *d, const char *key); /* BORROWED, as dict_get */
int pym_dict_set_str(pym_object *d, const char *key, pym_object *value);
void pym_dict_clear(pym_object *d);
bool pym_is_dict(const pym_object *o);

/* ---- Instances and C functions ----------------------------------------- */
pym_object *pym_instance_new(const char *class_name); /* GC-tracked, weak-referenceable,
                                                          holds an attribute dict */
int pym_setattr(pym_object *o, const char *name, pym_object *v);
pym_object *pym_getattr(pym_object *o, const char *name); /* new ref; AttributeError */
int pym_delattr(pym_object *o, const char *name);          /* AttributeError if missing */
typedef pym_object *(*pym_cfunc)(pym_object *self, pym_object *args);
pym_object *pym_cfunc_new(const char *name, pym_cfunc fn, pym_object *self /* may be NULL */);

/* ---- Errors ------------------------------------------------------------ */
typedef enum {
    PYM_ERR_NONE = 0, PYM_ERR_MEMORY, PYM_ERR_TYPE, PYM_ERR_VALUE,
    PYM_ERR_INDEX, PYM_ERR_KEY, PYM_ERR_OVERFLOW, PYM_ERR_ATTRIBUTE,
    PYM_ERR_RUNTIME
} pym_error;
pym_error pym_err_occurred(void);
const char *pym_err_message(void);         /* BORROWED; "" when none */
const char *pym_err_name(pym_error kind);  /* "TypeError", ... */
void pym_err_clear(void);
void pym_err_set(pym_error kind, const char *fmt, ...) PYM_PRINTF(2, 3);
void pym_err_print_unraisable(const char *where); /* prints and clears */

/* ---- Cyclic garbage collector ------------------------------------------ */
size_t pym_gc_collect(int generation); /* 0..2; returns objects found unreachable */
void pym_gc_enable(void);
void pym_gc_disable(void);
bool pym_gc_is_enabled(void);
void pym_gc_set_threshold(int t0, int t1, int t2);
void pym_gc_get_threshold(int out[3]);
void pym_gc_get_count(int out[3]);
typedef struct {
    size_t collections, collected, uncollectable;
    double seconds;
} pym_gc_stats;
void pym_gc_get_stats(int generation, pym_gc_stats *out);
bool pym_gc_is_tracked(pym_object *o);
bool pym_gc_is_finalized(pym_object *o);
pym_object *pym_gc_get_referents(pym_object *o);
pym_object *pym_gc_get_referrers(pym_object *o);
pym_object *pym_gc_get_objects(int generation);   /* -1: all generations */
void pym_gc_freeze(void);
void pym_gc_unfreeze(void);
size_t pym_gc_get_freeze_count(void);
int pym_gc_add_callback(pym_object *callable); /* called with ("start"|"stop", info) */
void pym_gc_track(pym_object *o);   /* for user types that untrack themselves */
void pym_gc_untrack(pym_object *o);

/* ---- Weak references --------------------------------------------------- */
pym_object *pym_weakref_new(pym_object *referent, pym_object *callback);
pym_object *pym_weakref_get(pym_object *ref);  /* new ref, or NULL (no error) */
size_t pym_weakref_count(pym_object *referent);
pym_object *pym_weakref_list(pym_object *referent);
pym_object *pym_finalize_new(pym_object *obj, pym_object *callable, pym_object *args);
                            /* like weakref.finalize: calls callable(*args) once, when
                               obj dies, when called (pym_call), or at pym_fini; a
                               registry keeps it alive; siblings run newest first */
bool pym_finalize_alive(pym_object *f);       /* true until it has run or been detached */
pym_object *pym_finalize_detach(pym_object *f); /* unregisters without calling; returns a
                                                   new ref to the object, or NULL */

/* ---- Weak-value dictionaries (caches) ----------------------------------- */
/* A dict whose values are held weakly: an entry vanishes when its value
 * dies.  Values must be weak-referenceable (TypeError otherwise); keys must
 * be hashable.  A value that died and was replaced under the same key never
 * takes the newer value with it. */
pym_object *pym_weakdict_new(void);
int pym_weakdict_set(pym_object *d, pym_object *key, pym_object *value);
pym_object *pym_weakdict_get(pym_object *d, pym_object *key); /* new ref, or NULL (no
                                      error) if missing or dead */
int pym_weakdict_del(pym_object *d, pym_object *key);          /* KeyError if missing */
size_t pym_weakdict_len(pym_object *d);                        /* live entries */

/* ---- Threads ----------------------------------------------------------- */
int pym_thread_attach(void);
void pym_thread_detach(void);
void pym_allow_threads_begin(void);
void pym_allow_threads_end(void);
void pym_safepoint(void);
void pym_set_switch_interval(double seconds);
double pym_get_switch_interval(void);
/* Biased mode's bookkeeping (zeros in the other modes): objects another
 * thread queued to their owner because their shared count would have gone
 * negative, and merges of local and shared counts (queue merges and owners
 * giving an object up). */
typedef struct {
    size_t queued, merged;
} pym_refcount_stats;
void pym_get_refcount_stats(pym_refcount_stats *out);

#ifdef __cplusplus
}
#endif
#endif /* PYM_H */
