/* pym/object.h: the object header, the type struct and the refcount inlines.
 *
 * This header is the one seam between threading modes: the header layout and
 * pym_incref/pym_decref change with PYM_MODE_*, nothing else in the public API
 * does.  Everything a mode needs beyond these inlines (locks, queues) lives in
 * runtime/thread.c behind the functions declared at the bottom. */
#ifndef PYM_OBJECT_H
#define PYM_OBJECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct pym_object pym_object;
typedef struct pym_type pym_type;

/* The header every object starts with (PYM_OBJECT_HEAD).  Counts are 32 bits,
 * as in CPython 3.12 on 64-bit builds: a count with its top bit set is
 * immortal, so an object that somehow gains 2^31 references saturates into
 * immortality instead of wrapping.  ob_flags holds per-object bits (interned,
 * finalized, collector state); the runtime writes them only while it owns the
 * object (GIL held, or the world stopped). */
struct pym_object {
#if defined(PYM_MODE_BIASED)
    uintptr_t ob_tid;            /* owning thread, 0 once merged */
    uint32_t ob_ref_local;       /* owner's count, written without atomics */
    uint32_t ob_flags;
    int64_t ob_ref_shared;       /* other threads' count << 2 | state bits */
#else
    uint32_t ob_refcnt;
    uint32_t ob_flags;
#endif
    const pym_type *ob_type;
};

typedef int (*pym_visit_fn)(pym_object *o, void *arg);

/* A type.  Any slot may be NULL.  `size` is sizeof the instance struct with
 * its PYM_OBJECT_HEAD; the runtime adds the collector's and the weakref
 * list's words in front of it when the flags ask for them. */
struct pym_type {
    const char *name;
    size_t size;
    unsigned flags;
    int (*traverse)(pym_object *self, pym_visit_fn visit, void *arg);
    void (*clear)(pym_object *self);     /* drop references that may form cycles */
    void (*finalize)(pym_object *self);  /* at most once per object; may resurrect */
    void (*destroy)(pym_object *self);   /* release what it owns; memory freed after */
    pym_object *(*call)(pym_object *self, pym_object *args);
    pym_object *(*repr)(pym_object *self);
    int (*equal)(pym_object *a, pym_object *b);
    int (*hash)(pym_object *self, int64_t *out);
    /* Built-in variable-size types only: bytes allocated beyond `size`.
     * User types leave it NULL and get exactly `size`. */
    size_t (*extra_size)(const pym_object *self);
    /* Built-in types only: keeps a destroyed object's memory for reuse
     * (a free list) and takes its bytes off pym_allocated_bytes; true if
     * it did.  User types leave it NULL. */
    bool (*recycle)(pym_object *self);
};

#define PYM_TYPE_GC          (1u << 0)  /* tracked by the cyclic collector */
#define PYM_TYPE_WEAKREFABLE (1u << 1)  /* pym_weakref_new accepts it */
#define PYM_TYPE_IMMUTABLE   (1u << 2)  /* hashable value that never changes:
                                           may be an item of an interned tuple */

#define PYM_OBJECT_HEAD pym_object ob_base;
#define PYM_VISIT(o)                                        \
    do {                                                    \
        pym_object *pym__v = (pym_object *)(o);             \
        if (pym__v != NULL) {                               \
            int pym__r = visit(pym__v, arg);                \
            if (pym__r != 0) return pym__r;                 \
        }                                                   \
    } while (0)

/* pym_refcount() of every immortal object. */
#define PYM_IMMORTAL_REFCOUNT INT64_C(0xC0000000)

/* Out-of-line parts of the refcount operations (runtime/object.c). */
void pym__dealloc(pym_object *o);
#if PYM_DEBUG
void pym__debug_check(const pym_object *o);    /* aborts on a freed object */
void pym__fatal_negative(const pym_object *o); /* aborts: count below zero */
#define PYM__CHECK(o) pym__debug_check(o)
#else
#define PYM__CHECK(o) ((void)0)
#endif
#if defined(PYM_MODE_BIASED)
void pym__decref_shared(pym_object *o);
/* A number unique to each running thread, read without a call: the
 * thread-pointer register on the platforms that have one. */
static inline uintptr_t pym__thread_id(void)
{
    uintptr_t tid;
#if defined(__x86_64__)
    __asm__("movq %%fs:0, %0" : "=r"(tid));
#elif defined(__aarch64__)
    __asm__("mrs %0, tpidr_el0" : "=r"(tid));
#else
    tid = (uintptr_t)__builtin_thread_pointer();
#endif
    return tid;
}
#endif

/* ---- the mode seam ---------------------------------------------------- */
#if defined(PYM_BACKEND_BOEHM)

static inline bool pym__immortal(const pym_object *o) { return (int32_t)o->ob_refcnt < 0; }
static inline void pym__incref(pym_object *o) { (void)o; }
static inline void pym__decref(pym_object *o) { (void)o; }
static inline int64_t pym__count(const pym_object *o) { return o->ob_refcnt; }
static inline bool pym__try_incref(pym_object *o) { (void)o; return true; }

#elif defined(PYM_MODE_GIL)

static inline bool pym__immortal(const pym_object *o) { return (int32_t)o->ob_refcnt < 0; }
static inline void pym__incref(pym_object *o)
{
    if (PYM_UNLIKELY(pym__immortal(o))) return;
    o->ob_refcnt++;
}
static inline void pym__decref(pym_object *o)
{
    if (PYM_UNLIKELY(pym__immortal(o))) return;
#if PYM_DEBUG
    if (o->ob_refcnt == 0) pym__fatal_negative(o);
#endif
    if (--o->ob_refcnt == 0) pym__dealloc(o);
}
static inline int64_t pym__count(const pym_object *o) { return o->ob_refcnt; }
static inline bool pym__try_incref(pym_object *o)
{
    if (o->ob_refcnt == 0) return false;
    pym__incref(o);
    return true;
}

#elif defined(PYM_MODE_ATOMIC)

static inline bool pym__immortal(const pym_object *o)
{
    return (int32_t)__atomic_load_n(&o->ob_refcnt, __ATOMIC_RELAXED) < 0;
}
static inline void pym__incref(pym_object *o)
{
    if (PYM_UNLIKELY(pym__immortal(o))) return;
    __atomic_fetch_add(&o->ob_refcnt, 1, __ATOMIC_RELAXED);
}
static inline void pym__decref(pym_object *o)
{
    if (PYM_UNLIKELY(pym__immortal(o))) return;
    /* Release, so that this thread's writes happen before the destroy;
     * the thread that drops the last reference then acquires them all. */
#if PYM_TSAN
    uint32_t old = __atomic_fetch_sub(&o->ob_refcnt, 1, __ATOMIC_ACQ_REL);
#else
    uint32_t old = __atomic_fetch_sub(&o->ob_refcnt, 1, __ATOMIC_RELEASE);
#endif
#if PYM_DEBUG
    if (old == 0) pym__fatal_negative(o);
#endif
    if (old == 1) {
#if !PYM_TSAN
        __atomic_thread_fence(__ATOMIC_ACQUIRE);
#endif
        pym__dealloc(o);
    }
}
static inline int64_t pym__count(const pym_object *o)
{
    return __atomic_load_n(&o->ob_refcnt, __ATOMIC_RELAXED);
}
/* Increments unless the count is already zero (the object is dying). */
static inline bool pym__try_incref(pym_object *o)
{
    uint32_t rc = __atomic_load_n(&o->ob_refcnt, __ATOMIC_RELAXED);
    do {
        if (rc == 0) return false;
        if ((int32_t)rc < 0) return true;
    } while (!__atomic_compare_exchange_n(&o->ob_refcnt, &rc, rc + 1, true,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    return true;
}

#elif defined(PYM_MODE_BIASED)

static inline bool pym__immortal(const pym_object *o)
{
    return (int32_t)__atomic_load_n(&o->ob_ref_local, __ATOMIC_RELAXED) < 0;
}
/* ob_tid is written by other threads when they merge an object whose owner
 * has gone, so it is read with a relaxed load (a plain move). */
static inline bool pym__owned(const pym_object *o)
{
    return __atomic_load_n(&o->ob_tid, __ATOMIC_RELAXED) == pym__thread_id();
}
/* The local count is loaded once and reused: only the owner writes it
 * while it owns the object, so the value cannot change under it. */
static inline void pym__incref(pym_object *o)
{
    uint32_t local = __atomic_load_n(&o->ob_ref_local, __ATOMIC_RELAXED);
    if (PYM_UNLIKELY((int32_t)local < 0)) return;  /* immortal */
    if (PYM_LIKELY(pym__owned(o)))
        __atomic_store_n(&o->ob_ref_local, local + 1, __ATOMIC_RELAXED);
    else
        __atomic_fetch_add(&o->ob_ref_shared, 4, __ATOMIC_RELAXED);
}
void pym__decref_local_zero(pym_object *o);
static inline void pym__decref(pym_object *o)
{
    uint32_t local = __atomic_load_n(&o->ob_ref_local, __ATOMIC_RELAXED);
    if (PYM_UNLIKELY((int32_t)local < 0)) return;  /* immortal */
    if (PYM_LIKELY(pym__owned(o))) {
#if PYM_DEBUG
        if (local == 0) pym__fatal_negative(o);
#endif
        __atomic_store_n(&o->ob_ref_local, local - 1, __ATOMIC_RELAXED);
        /* No other thread holds or can take a reference: dead. */
        if (local == 1) {
            if (__atomic_load_n(&o->ob_ref_shared, __ATOMIC_ACQUIRE) == 0) pym__dealloc(o);
            else pym__decref_local_zero(o);
        }
    } else {
        pym__decref_shared(o);
    }
}
static inline int64_t pym__count(const pym_object *o)
{
    return (int64_t)__atomic_load_n(&o->ob_ref_local, __ATOMIC_RELAXED) +
           (__atomic_load_n(&o->ob_ref_shared, __ATOMIC_RELAXED) >> 2);
}
bool pym__try_incref(pym_object *o);

#endif
/* Header helpers for the runtime (mode-specific, so they live here too). */
#if defined(PYM_MODE_BIASED)
#define PYM__STATIC_HEAD(type_ptr, flags) \
    { .ob_tid = 0, .ob_ref_local = 0xC0000000u, .ob_flags = (flags), \
      .ob_ref_shared = 0, .ob_type = (type_ptr) }
/* Low bits of ob_ref_shared (runtime/thread.c explains them). */
#define PYM__SHARED_QUEUED 1
#define PYM__SHARED_MERGED 2
#define PYM__SHARED_MAYBE_WEAK 3  /* other threads may take a reference
                                     without holding one (weakref, intern) */
/* Stores are relaxed atomics (plain moves): a weakref on another thread
 * may read the count of an object being revived for its finalizer. */
static inline void pym__set_count(pym_object *o, uint32_t n)
{
    int64_t shared = (o->ob_type->flags & PYM_TYPE_WEAKREFABLE) ? PYM__SHARED_MAYBE_WEAK : 0;
    __atomic_store_n(&o->ob_tid, pym__thread_id(), __ATOMIC_RELAXED);
    __atomic_store_n(&o->ob_ref_local, n, __ATOMIC_RELAXED);
    __atomic_store_n(&o->ob_ref_shared, shared, __ATOMIC_RELAXED);
}
void pym__set_maybe_weak(pym_object *o);
static inline void pym__set_immortal(pym_object *o)
{
    __atomic_store_n(&o->ob_ref_local, 0xC0000000u, __ATOMIC_RELAXED);
}
bool pym__drop_temp(pym_object *o);
#else
#define PYM__STATIC_HEAD(type_ptr, flags) \
    { .ob_refcnt = 0xC0000000u, .ob_flags = (flags), .ob_type = (type_ptr) }
/* A relaxed store (a plain move): a weakref on another thread may read the
 * count of an object being revived for its finalizer. */
static inline void pym__set_count(pym_object *o, uint32_t n)
{
    __atomic_store_n(&o->ob_refcnt, n, __ATOMIC_RELAXED);
}
/* Marks `o` as reachable without a reference (an intern table entry); only
 * biased counting needs to know. */
static inline void pym__set_maybe_weak(pym_object *o) { (void)o; }
static inline void pym__set_immortal(pym_object *o)
{
    __atomic_store_n(&o->ob_refcnt, 0xC0000000u, __ATOMIC_RELAXED);
}
/* Drops a reference the runtime itself took (to keep an object alive while
 * its finalizer runs) without destroying it; true when that was the last. */
static inline bool pym__drop_temp(pym_object *o)
{
    return __atomic_sub_fetch(&o->ob_refcnt, 1, __ATOMIC_ACQ_REL) == 0;
}
#endif

/* ---- end of the mode seam --------------------------------------------- */

/* pym_incref: adds a strong reference to `o` and returns `o`. */
static inline pym_object *pym_incref(pym_object *o)
{
    PYM__CHECK(o);
    pym__incref(o);
    return o;
}

/* pym_decref: drops a strong reference; the last one destroys `o` at once. */
static inline void pym_decref(pym_object *o)
{
    PYM__CHECK(o);
    pym__decref(o);
}

/* NULL-tolerant forms. */
static inline void pym_xincref(pym_object *o) { if (o != NULL) pym_incref(o); }
static inline void pym_xdecref(pym_object *o) { if (o != NULL) pym_decref(o); }

/* The exact strong count, or PYM_IMMORTAL_REFCOUNT. */
static inline int64_t pym_refcount(const pym_object *o)
{
    PYM__CHECK(o);
    return pym__immortal(o) ? PYM_IMMORTAL_REFCOUNT : pym__count(o);
}
static inline bool pym_is_immortal(const pym_object *o) { return pym__immortal(o); }
static inline uintptr_t pym_id(const pym_object *o) { return (uintptr_t)o; }
static inline bool pym_is(const pym_object *a, const pym_object *b) { return a == b; }
static inline const pym_type *pym_type_of(const pym_object *o) { return o->ob_type; }

/* Makes `o` immortal: never freed, refcount operations skip it.  What it
 * references is kept alive for the rest of the runtime. */
void pym_immortalize(pym_object *o);

/* The type's name; for instances, the class name (borrowed, static or owned
 * by the object). */
const char *pym_type_name(const pym_object *o);

/* A new zero-filled object of a user type: refcount 1, tracked if the type
 * has PYM_TYPE_GC.  NULL with MemoryError on failure. */
pym_object *pym_new(const pym_type *type);

#endif /* PYM_OBJECT_H */
