/* object.c: birth and death of objects.
 *
 * Birth: pym_object_alloc lays out the words a type asks for (see
 * internal/object.h), counts the object and links GC objects into the
 * collector's youngest generation.
 *
 * Death, when the last strong reference goes (pym__dealloc), in CPython's
 * order: the finalizer runs once with the object kept alive (it may
 * resurrect, and weakrefs still work inside it), then the object leaves the
 * collector's lists (so no collection started by a callback can see a
 * count-zero object), then every weakref is cleared and their callbacks run,
 * then `destroy` releases what it owns and the memory is returned.  Destroying a million-deep chain would
 * recurse a million times; past PYM_TRASHCAN_DEPTH nested destroys, objects
 * are queued and destroyed iteratively by the outermost level instead
 * (CPython's "trashcan"), for every type, with no per-type code. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/gc.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"
#include "internal/weakref.h"

/* ---- counting ----------------------------------------------------------- */

static inline void live_add(const pym_type *t, int d)
{
    if (t->flags & PYM_TYPE_HIDDEN) return;
    pym_count_add(PYM_COUNT_LIVE, (size_t)(ptrdiff_t)d);
}

size_t pym_live_objects(void) { return pym_count_read(PYM_COUNT_LIVE); }

/* ---- debug registry and quarantine -------------------------------------- */
#if PYM_DEBUG
/* Debug builds put two more words in front of every object, linking all
 * live objects so pym_fini can list survivors, and keep freed blocks in a
 * quarantine ring (their type swapped for `freed_type`) so a later use of a
 * freed object is caught and reported with its original type. */
typedef struct debug_links {
    struct debug_links *prev, *next;
    pym_object *self;
    void *pad; /* keeps the object 16-byte aligned */
} debug_links;
static debug_links all_objects = {&all_objects, &all_objects, NULL, NULL};
static pym_mutex debug_lock = PYM_MUTEX_INIT;
static const pym_type freed_type = {.name = "<freed object>", .size = sizeof(pym_object)};
#define QUARANTINE 4096
static struct { void *block; size_t size; } quarantine[QUARANTINE];
static size_t quarantine_next;
#define DEBUG_PREFIX sizeof(debug_links)
#else
#define DEBUG_PREFIX 0
#endif

static inline size_t front_size(const pym_type *t) { return DEBUG_PREFIX + pym_prefix_size(t); }

static inline size_t object_size(const pym_object *o)
{
    const pym_type *t = o->ob_type;
    return front_size(t) + t->size + (t->extra_size ? t->extra_size(o) : 0);
}

size_t pym_object_size(const pym_object *o) { return object_size(o); }

#if PYM_DEBUG
static const pym_type *freed_original(const pym_object *o)
{
    const pym_type *t;
    memcpy(&t, o, sizeof t);
    return t;
}

void pym__debug_check(const pym_object *o)
{
    if (o == NULL) {
        fprintf(stderr, "pym: fatal: reference operation on NULL\n");
        abort();
    }
    if (o->ob_type == &freed_type) {
        fprintf(stderr, "pym: fatal: use of freed %s object at %p\n",
                freed_original(o)->name, (const void *)o);
        abort();
    }
}

void pym__fatal_negative(const pym_object *o)
{
    fprintf(stderr, "pym: fatal: refcount of %s object at %p went below zero\n",
            pym_type_name(o), (const void *)o);
    abort();
}

static debug_links *links_of(const pym_object *o)
{
    return (debug_links *)((char *)o - pym_prefix_size(o->ob_type)) - 1;
}

static void debug_register(pym_object *o)
{
    debug_links *l = links_of(o);
    pym_mutex_lock(&debug_lock);
    l->self = o;
    l->next = all_objects.next;
    l->prev = &all_objects;
    all_objects.next->prev = l;
    all_objects.next = l;
    pym_mutex_unlock(&debug_lock);
}

static void debug_unregister(pym_object *o)
{
    debug_links *l = links_of(o);
    pym_mutex_lock(&debug_lock);
    l->prev->next = l->next;
    l->next->prev = l->prev;
    pym_mutex_unlock(&debug_lock);
}

/* Poisons the object and parks its block; the oldest parked block is freed. */
static void debug_quarantine(pym_object *o, void *block, size_t size)
{
    const pym_type *t = o->ob_type;
    memcpy(o, &t, sizeof t);
    o->ob_type = &freed_type;
    pym_mutex_lock(&debug_lock);
    size_t i = quarantine_next++ % QUARANTINE;
    void *old = quarantine[i].block;
    size_t old_size = quarantine[i].size;
    quarantine[i].block = block;
    quarantine[i].size = size;
    pym_mutex_unlock(&debug_lock);
    pym_mem_free(old, old_size);
}

static void debug_report_survivors(void)
{
    size_t n = 0;
    for (debug_links *l = all_objects.next; l != &all_objects; l = l->next) n++;
    if (n == 0) return;
    fprintf(stderr, "pym_fini: %zu object(s) still alive:\n", n);
    size_t shown = 0;
    for (debug_links *l = all_objects.next; l != &all_objects && shown < 32; l = l->next, shown++)
        fprintf(stderr, "  %s object at %p, refcount %lld\n", pym_type_name(l->self),
                (void *)l->self, (long long)pym_refcount(l->self));
    if (n > shown) fprintf(stderr, "  ... and %zu more\n", n - shown);
}
#endif

/* ---- birth -------------------------------------------------------------- */

pym_object *pym_object_alloc(const pym_type *t, size_t extra)
{
    size_t front = front_size(t);
    char *block = pym_mem_calloc(front + t->size + extra);
    if (block == NULL) return NULL;
    pym_object *o = (pym_object *)(block + front);
    o->ob_type = t;
    pym__set_count(o, 1);
    live_add(t, 1);
#if PYM_DEBUG
    debug_register(o);
#endif
    if ((t->flags & (PYM_TYPE_GC | PYM_TYPE_TRACK_LATER)) == PYM_TYPE_GC) pym_gc_link_new(o);
    return o;
}

pym_object *pym_new(const pym_type *type)
{
    if (type == NULL || type->size < sizeof(pym_object)) {
        pym_err_set(PYM_ERR_VALUE, "pym_new: type size smaller than the object header");
        return NULL;
    }
    return pym_object_alloc(type, 0);
}

void pym_object_free(pym_object *o)
{
#if !PYM_DEBUG
    if (o->ob_type->recycle != NULL && o->ob_type->recycle(o)) {
        live_add(o->ob_type, -1);
        return;
    }
#endif
    size_t size = object_size(o);
    void *block = (char *)o - front_size(o->ob_type);
    live_add(o->ob_type, -1);
#if PYM_DEBUG
    debug_unregister(o);
    /* A user allocator (a fault injector, say) must see every free. */
    if (!pym_mem_has_user_allocator()) {
        debug_quarantine(o, block, size);
        return;
    }
    pym_mem_free(block, size);
#else
    pym_mem_free(block, size);
#endif
}

void pym_object_revive(pym_object *o, size_t size)
{
    const pym_type *t = o->ob_type;
    o->ob_flags = 0;
    pym__set_count(o, 1);
    live_add(t, 1);
    pym_count_add(PYM_COUNT_BYTES, size);
    if (t->flags & PYM_TYPE_GC) pym_gc_link_new(o);
}

void pym_object_discard(pym_object *o)
{
    size_t size = object_size(o);
    pym_count_add(PYM_COUNT_BYTES, size);  /* pym_mem_free takes it off again */
    pym_mem_free((char *)o - front_size(o->ob_type), size);
}

/* ---- death -------------------------------------------------------------- */

/* Objects whose destroy was deferred by the trashcan, and how deep the
 * current chain of nested destroys is. */
typedef struct trashcan {
    pym_object **items;
    size_t len, cap;
    int depth;
} trashcan;
static PYM_TLS trashcan trash;

static void destroy_now(pym_object *o)
{
    if (o->ob_type->destroy) o->ob_type->destroy(o);
    pym_object_free(o);
}

/* Queues `o`; false only when the queue cannot grow (then the caller
 * destroys it recursively: deeper stack under memory pressure, never a
 * leak).  The queue uses the system allocator: it is the runtime's own
 * bookkeeping, sized by chain depth / PYM_TRASHCAN_DEPTH, not by objects. */
static bool trash_push(pym_object *o)
{
    if (trash.len == trash.cap) {
        size_t cap = trash.cap ? trash.cap * 2 : 64;
        pym_object **items = realloc(trash.items, cap * sizeof *items);
        if (items == NULL) return false;
        trash.items = items;
        trash.cap = cap;
    }
    trash.items[trash.len++] = o;
    return true;
}

static void destroy_and_free(pym_object *o)
{
    if (trash.depth >= PYM_TRASHCAN_DEPTH && trash_push(o)) return;
    trash.depth++;
    destroy_now(o);
    trash.depth--;
    if (trash.depth > 0) return;
    while (trash.len > 0) {
        pym_object *next = trash.items[--trash.len];
        trash.depth++;
        destroy_now(next);
        trash.depth--;
    }
}

void pym_object_finalize(pym_object *o)
{
    pym_err_state saved;
    pym_err_save(&saved);
    pym_flag_set(o, PYM_OBF_FINALIZED);
    o->ob_type->finalize(o);
    pym_err_print_unraisable(pym_type_name(o));
    pym_err_restore(&saved);
}

void pym__dealloc(pym_object *o)
{
    const pym_type *t = o->ob_type;
    /* Leaf objects (ints, floats): nothing to run, nothing to unlink. */
    if (t->destroy == NULL && t->finalize == NULL &&
        !(t->flags & (PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE))) {
        pym_object_free(o);
        return;
    }
    if (t->finalize != NULL && !pym_flag(o, PYM_OBF_FINALIZED)) {
        pym__set_count(o, 1);
        pym_object_finalize(o);
        if (!pym__drop_temp(o)) return; /* resurrected */
    }
    if (t->flags & PYM_TYPE_GC) pym_gc_unlink(o);
    if (pym_has_weakrefs(o)) pym_weakref_on_death(o);
    destroy_and_free(o);
}

/* ---- immortality, names, lifecycle --------------------------------------- */

/* Objects made immortal at run time: still owned by the runtime, which
 * frees them at pym_fini. */
static pym_object **immortals;
static size_t n_immortals, cap_immortals;

void pym_immortalize(pym_object *o)
{
    if (pym_is_immortal(o)) return;
    if (n_immortals == cap_immortals) {
        size_t cap = cap_immortals ? cap_immortals * 2 : 16;
        pym_object **a = realloc(immortals, cap * sizeof *a);
        if (a == NULL) return; /* stays mortal: still correct, just counted */
        immortals = a;
        cap_immortals = cap;
    }
    immortals[n_immortals++] = o;
    if (pym_is_gc(o)) pym__gc_unlink_slow(o);  /* clears collector flags too */
    pym__set_immortal(o);
}

const char *pym_type_name(const pym_object *o)
{
    if (o->ob_type == &pym_instance_type) return pym_instance_class_name(o);
    return o->ob_type->name;
}

void pym_object_init(void) {}

/* Frees the run-time immortals at pym_fini, after the last collection.
 * They may refer to one another, so every one is destroyed while all are
 * still immortal (their decrefs of each other change nothing), and only
 * then is any memory returned.  Their finalizers run first, once each.  Oldest first: a program usually makes its
 * long-lived roots immortal before what it hangs off them. */
void pym_object_release_immortals(void)
{
    for (size_t i = 0; i < n_immortals; i++) {
        pym_object *o = immortals[i];
        if (o->ob_type->finalize != NULL && !pym_flag(o, PYM_OBF_FINALIZED)) pym_object_finalize(o);
    }
    for (size_t i = 0; i < n_immortals; i++) {
        pym_object *o = immortals[i];
        if (pym_has_weakrefs(o)) pym_weakref_on_death(o);
        if (o->ob_type->destroy) o->ob_type->destroy(o);
    }
    for (size_t i = n_immortals; i-- > 0;) pym_object_free(immortals[i]);
    free(immortals);
    immortals = NULL;
    n_immortals = cap_immortals = 0;
}

void pym_object_fini(void)
{
#if PYM_DEBUG
    debug_report_survivors();
    for (size_t i = 0; i < QUARANTINE; i++) {
        pym_mem_free(quarantine[i].block, quarantine[i].size);
        quarantine[i].block = NULL;
    }
    all_objects.next = all_objects.prev = &all_objects;
#endif
    free(trash.items);
    memset(&trash, 0, sizeof trash);
}
