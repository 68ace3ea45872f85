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

/* Link a new GC object into the youngest generation (counts an allocation,
 * may start an automatic collection first). */
void pym_gc_link_new(pym_object *o);
/* At death: unlinks if tracked, and uncounts the allocation. */
void pym_gc_unlink(pym_object *o);
void pym_gc_init(void);
void pym_gc_fini(void);   /* collects everything and breaks what is left */

/* True while a collection runs on any thread (user code then runs only in
 * finalizers and weakref callbacks). */
bool pym_gc_collecting(void);

#endif
