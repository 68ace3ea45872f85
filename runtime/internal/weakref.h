/* internal/weakref.h: what object death and the collector need from
 * runtime/weakref.c. */
#ifndef PYM_INTERNAL_WEAKREF_H
#define PYM_INTERNAL_WEAKREF_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include "internal/object.h"

/* True when some weakref still points at `o`. */
static inline bool pym_has_weakrefs(const pym_object *o)
{
    return pym_is_weakrefable(o) && *pym_weaklist_of(o) != NULL;
}

/* Weakrefs whose callbacks are due, linked through their list fields; the
 * chain owns a reference to each. */
typedef struct pym_weakref_chain {
    pym_object *head, *tail;
} pym_weakref_chain;

/* Detaches every weakref to `o` (each then returns NULL).  Those with a
 * callback join `chain`, in list order (newest first), unless
 * `is_garbage(wr)` says the weakref is itself garbage: its callback never
 * runs.  `is_garbage` may be NULL. */
void pym_weakref_detach(pym_object *o, pym_weakref_chain *chain,
                        bool (*is_garbage)(const pym_object *wr));
/* Calls each chained callback once as callback(wr), reporting errors as
 * unraisable, and drops the chain's references.  Returns how many of the
 * weakrefs that released. */
size_t pym_weakref_run_chain(pym_weakref_chain *chain);
/* Detaches `o` from its referent if `o` is a weakref (a weakref that is
 * garbage must not fire when its referent dies later in the collection). */
void pym_weakref_forget(pym_object *o);
/* Refcount death of `o`: detach all its weakrefs, then run the callbacks. */
void pym_weakref_on_death(pym_object *o);
/* pym_fini: runs the pym_finalize_new finalizers still registered. */
void pym_weakref_run_exit_finalizers(void);

#endif
