/* internal/gc.h: the collector's per-object header and list helpers.
 *
 * Objects of PYM_TYPE_GC types carry a pym_gc_head immediately in front of
 * their pym_object.  Outside a collection every tracked object is on exactly
 * one generation's (or the permanent generation's) doubly linked list, and an
 * untracked object has next == NULL.  During a collection `prev` is borrowed
 * to hold the object's gc_refs; runtime/gc.c restores it before user code
 * runs (the invariants are written out there and in docs/gc.md). */
#ifndef PYM_INTERNAL_GC_H
#define PYM_INTERNAL_GC_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include "pym.h"
#include "internal/thread.h"

typedef struct pym_gc_head {
    struct pym_gc_head *next;
    union {
        struct pym_gc_head *prev;  /* outside the counting passes */
        intptr_t refs;             /* gc_refs, during them */
    };
} pym_gc_head;

static inline pym_gc_head *pym_gc_head_of(const pym_object *o)
{
    return (pym_gc_head *)o - 1;
}
static inline pym_object *pym_gc_object_of(pym_gc_head *g)
{
    return (pym_object *)(g + 1);
}
static inline bool pym_is_gc(const pym_object *o)
{
    return (o->ob_type->flags & PYM_TYPE_GC) != 0;
}

/* Type flag for runtime-internal types (list storage, weakref registry):
 * not counted by pym_live_objects and not listed by pym_gc_get_objects. */
#define PYM_TYPE_HIDDEN (1u << 31)
/* Type flag: born untracked; its owner tracks it once it is shared (list
 * storage, see runtime/objects/list.c). */
#define PYM_TYPE_TRACK_LATER (1u << 30)

/* One generation.  gens[0].count is allocations minus deaths since the
 * last collection; an older one's count is collections of the younger. */
typedef struct pym_gc_generation {
    pym_gc_head head;
    int threshold;
    int count;
} pym_gc_generation;
extern pym_gc_generation pym__gc_gens[3];

void pym__gc_link_new_slow(pym_object *o);
void pym__gc_unlink_slow(pym_object *o);

static inline void pym__gc_append(pym_gc_head *h, pym_gc_head *g)
{
    g->prev = h->prev;
    g->next = h;
    h->prev->next = g;
    h->prev = g;
}

/* Link a new GC object into the youngest generation (counts an allocation,
 * may start an automatic collection first).  Inline, because every
 * container birth takes it: the call is only for threads, runtime-internal
 * objects and a full generation 0. */
static inline void pym_gc_link_new(pym_object *o)
{
    pym_gc_generation *g0 = &pym__gc_gens[0];
    if (PYM_UNLIKELY(pym_threads_active() || (o->ob_type->flags & PYM_TYPE_HIDDEN) ||
                     g0->count >= g0->threshold)) {
        pym__gc_link_new_slow(o);
        return;
    }
    g0->count++;
    pym__gc_append(&g0->head, pym_gc_head_of(o));
}

/* At death: unlinks if tracked, and uncounts the allocation (every GC
 * allocation but the runtime's own counted, tracked or not).  Collector
 * flags are left as they are: the memory is about to be freed. */
static inline void pym_gc_unlink(pym_object *o)
{
    if (PYM_UNLIKELY(pym_threads_active())) {
        pym__gc_unlink_slow(o);
        return;
    }
    pym_gc_generation *g0 = &pym__gc_gens[0];
    pym_gc_head *g = pym_gc_head_of(o);
    if (g->next != NULL) {
        g->prev->next = g->next;
        g->next->prev = g->prev;
        g->next = NULL;
    }
    if (!(o->ob_type->flags & PYM_TYPE_HIDDEN) && g0->count > 0) g0->count--;
}

void pym_gc_init(void);
void pym_gc_fini(void);   /* collects everything and breaks what is left */

/* True while a collection runs on any thread (user code then runs only in
 * finalizers and weakref callbacks). */
bool pym_gc_collecting(void);

#endif
