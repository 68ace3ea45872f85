/* weakref.c: weak references, and finalizers built on them.
 *
 * A weak-referenceable object has a list head in front of it (see
 * internal/object.h).  The list is in CPython's order: the shared
 * callback-less weakref first, then weakrefs with callbacks, newest first.
 * Callbacks therefore run newest first, each once, with the weakref as
 * their argument, after every weakref to the object has been cleared.
 *
 * pym_finalize_new objects are weakref.finalize: a registry keeps each
 * alive until it runs (when its object dies, when called, or at pym_fini,
 * newest first). */
#include <stdio.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"
#include "internal/thread.h"
#include "internal/weakref.h"

typedef struct pym_weakref {
    PYM_OBJECT_HEAD
    pym_object *referent;         /* borrowed; NULL once cleared */
    pym_object *callback;         /* owned, or NULL */
    struct pym_weakref *prev;     /* the referent's list */
    struct pym_weakref *next;     /* the referent's list, or a callback chain */
    int64_t hash;                 /* -1 until computed */
} pym_weakref;

/* Guards every weakref list in the threaded modes. */
static pym_mutex wr_lock = PYM_MUTEX_INIT;

static inline pym_weakref *as_ref(pym_object *o) { return (pym_weakref *)o; }
static inline pym_weakref **head_of(pym_object *referent)
{
    return (pym_weakref **)pym_weaklist_of(referent);
}

/* ---- the referent's list ---------------------------------------------- */

static void unlink_ref(pym_weakref *wr)
{
    if (wr->referent == NULL) return;
    pym_weakref **head = head_of(wr->referent);
    if (wr->prev != NULL) wr->prev->next = wr->next;
    else *head = wr->next;
    if (wr->next != NULL) wr->next->prev = wr->prev;
    wr->prev = wr->next = NULL;
    wr->referent = NULL;
}

static void insert_after(pym_weakref **head, pym_weakref *prev, pym_weakref *wr)
{
    wr->prev = prev;
    wr->next = prev ? prev->next : *head;
    if (wr->next != NULL) wr->next->prev = wr;
    if (prev != NULL) prev->next = wr;
    else *head = wr;
}

/* The shared callback-less weakref of `referent`, or NULL. */
static pym_weakref *basic_ref(pym_object *referent)
{
    pym_weakref *h = *head_of(referent);
    return h != NULL && h->callback == NULL ? h : NULL;
}

/* ---- the weakref type -------------------------------------------------- */

static int weakref_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(as_ref(self)->callback);
    return 0;
}

static void weakref_clear(pym_object *self)
{
    pym_weakref *wr = as_ref(self);
    pym_rt_lock(&wr_lock);
    unlink_ref(wr);
    pym_rt_unlock(&wr_lock);
    pym_object *cb = wr->callback;
    wr->callback = NULL;
    pym_xdecref(cb);
}

static pym_object *weakref_call(pym_object *self, pym_object *args)
{
    (void)args;
    pym_object *o = pym_weakref_get(self);
    return o != NULL ? o : pym_none();
}

static pym_object *weakref_repr(pym_object *self)
{
    pym_object *o = as_ref(self)->referent;
    if (o == NULL) return pym_str_from_format("<weakref at %p; dead>", (void *)self);
    return pym_str_from_format("<weakref at %p; to '%s' at %p>", (void *)self,
                               pym_type_name(o), (void *)o);
}

static int weakref_hash(pym_object *self, int64_t *out)
{
    pym_weakref *wr = as_ref(self);
    if (wr->hash == -1) {
        if (wr->referent == NULL) {
            pym_err_set(PYM_ERR_TYPE, "weak object has gone away");
            return -1;
        }
        if (pym_hash(wr->referent, &wr->hash) < 0) return -1;
    }
    *out = wr->hash;
    return 0;
}

/* Two live weakrefs are equal when their referents are; dead ones only
 * when they are the same weakref. */
static int weakref_equal(pym_object *a, pym_object *b)
{
    pym_object *x = as_ref(a)->referent, *y = as_ref(b)->referent;
    if (x == NULL || y == NULL) return a == b;
    return pym_equal(x, y);
}

const pym_type pym_weakref_type = {
    .name = "weakref",
    .size = sizeof(pym_weakref),
    .flags = PYM_TYPE_GC,
    .traverse = weakref_traverse,
    .clear = weakref_clear,
    .destroy = weakref_clear,
    .call = weakref_call,
    .repr = weakref_repr,
    .equal = weakref_equal,
    .hash = weakref_hash,
};

/* ---- public API ---------------------------------------------------------- */

static pym_object *not_weakrefable(pym_object *o)
{
    pym_err_set(PYM_ERR_TYPE, "cannot create weak reference to '%s' object",
                o ? pym_type_name(o) : "NULL");
    return NULL;
}

/* Links a new weakref in, or returns the shared one if a callback-less
 * ref was asked for and one exists. */
static pym_object *attach(pym_weakref *wr, pym_object *referent, pym_object *callback)
{
    pym_rt_lock(&wr_lock);
    pym_weakref *basic = basic_ref(referent);
    if (callback == NULL && basic != NULL) {
        pym_incref(&basic->ob_base);
        pym_rt_unlock(&wr_lock);
        pym_decref(&wr->ob_base);
        return &basic->ob_base;
    }
    wr->referent = referent;
    wr->callback = callback ? pym_incref(callback) : NULL;
    wr->hash = -1;
    /* The referent's list reaches wr without a reference: a dying
     * referent on another thread takes one with pym__try_incref. */
    pym__set_maybe_weak(&wr->ob_base);
    insert_after(head_of(referent), callback ? basic : NULL, wr);
    pym_rt_unlock(&wr_lock);
    return &wr->ob_base;
}

pym_object *pym_weakref_new(pym_object *referent, pym_object *callback)
{
    if (referent == NULL || !pym_is_weakrefable(referent)) return not_weakrefable(referent);
    if (callback == pym_none()) callback = NULL;
    if (callback == NULL) {
        pym_rt_lock(&wr_lock);
        pym_weakref *basic = basic_ref(referent);
        if (basic != NULL) pym_incref(&basic->ob_base);
        pym_rt_unlock(&wr_lock);
        if (basic != NULL) return &basic->ob_base;
    }
    pym_weakref *wr = (pym_weakref *)pym_object_alloc(&pym_weakref_type, 0);
    return wr == NULL ? NULL : attach(wr, referent, callback);
}

static bool is_weakref(const pym_object *o) { return o != NULL && o->ob_type == &pym_weakref_type; }

pym_object *pym_weakref_get(pym_object *ref)
{
    if (!is_weakref(ref)) return pym_err_badtype("weakref", ref);
    pym_rt_lock(&wr_lock);
    pym_object *o = as_ref(ref)->referent;
    if (o != NULL && !pym__try_incref(o)) o = NULL;  /* dying on another thread */
    pym_rt_unlock(&wr_lock);
    return o;
}

size_t pym_weakref_count(pym_object *referent)
{
    if (referent == NULL || !pym_is_weakrefable(referent)) return 0;
    size_t n = 0;
    pym_rt_lock(&wr_lock);
    for (pym_weakref *wr = *head_of(referent); wr != NULL; wr = wr->next) n++;
    pym_rt_unlock(&wr_lock);
    return n;
}

pym_object *pym_weakref_list(pym_object *referent)
{
    pym_object *l = pym_list_new();
    if (l == NULL || referent == NULL || !pym_is_weakrefable(referent)) return l;
    int rc = 0;
    pym_rt_lock(&wr_lock);
    for (pym_weakref *wr = *head_of(referent); wr != NULL && rc == 0; wr = wr->next)
        rc = pym_list_append(l, &wr->ob_base);
    pym_rt_unlock(&wr_lock);
    if (rc < 0) {
        pym_decref(l);
        return NULL;
    }
    return l;
}

/* ---- clearing and callbacks ------------------------------------------------ */

void pym_weakref_detach(pym_object *o, pym_weakref_chain *chain,
                        bool (*is_garbage)(const pym_object *wr))
{
    pym_weakref **head = head_of(o);
    pym_rt_lock(&wr_lock);
    while (*head != NULL) {
        pym_weakref *wr = *head;
        unlink_ref(wr);
        if (wr->callback == NULL || (is_garbage != NULL && is_garbage(&wr->ob_base))) continue;
        /* A weakref whose own count is zero is being destroyed on another
         * thread, blocked on this lock: it gets no callback. */
        if (!pym__try_incref(&wr->ob_base)) continue;
        if (chain->tail != NULL) as_ref(chain->tail)->next = wr;
        else chain->head = &wr->ob_base;
        chain->tail = &wr->ob_base;
    }
    pym_rt_unlock(&wr_lock);
}

static void call_callback(pym_weakref *wr)
{
    pym_object *cb = wr->callback;
    wr->callback = NULL;
    if (cb == NULL) return;
    pym_err_state saved;
    pym_err_save(&saved);
    pym_object *args = pym_tuple_pack(1, &wr->ob_base);
    pym_object *r = args ? pym_call(cb, args) : NULL;
    pym_xdecref(r);
    pym_xdecref(args);
    pym_decref(cb);
    pym_err_print_unraisable("weakref callback");
    pym_err_restore(&saved);
}

size_t pym_weakref_run_chain(pym_weakref_chain *chain)
{
    size_t freed = 0;
    pym_weakref *wr = (pym_weakref *)chain->head;
    chain->head = chain->tail = NULL;
    while (wr != NULL) {
        pym_weakref *next = wr->next;
        wr->next = NULL;
        call_callback(wr);
        if (pym_refcount(&wr->ob_base) == 1) freed++;
        pym_decref(&wr->ob_base);
        wr = next;
    }
    return freed;
}

void pym_weakref_forget(pym_object *o)
{
    if (!is_weakref(o)) return;
    pym_rt_lock(&wr_lock);
    unlink_ref(as_ref(o));
    pym_rt_unlock(&wr_lock);
}

void pym_weakref_on_death(pym_object *o)
{
    pym_weakref_chain chain = {NULL, NULL};
    pym_weakref_detach(o, &chain, NULL);
    pym_weakref_run_chain(&chain);
}
