/* finalize.c: pym_finalize_new, the equivalent of Python's weakref.finalize.
 *
 * A finalizer calls callable(*args) once: when its object dies, when it is
 * called directly, or at pym_fini, whichever comes first.  A registry (a
 * list owned by this file) keeps every pending finalizer alive, so the
 * program need not hold it.  The finalizer is its own weakref's callback;
 * weakref callbacks run newest first, so siblings on one object run LIFO,
 * and so do the ones left at pym_fini. */
#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"
#include "internal/weakref.h"

typedef struct pym_finalizer {
    PYM_OBJECT_HEAD
    pym_object *ref;        /* weakref to the object, with this as callback */
    pym_object *callable;
    pym_object *args;       /* tuple */
    struct pym_finalizer *prev, *next;  /* registry, newest first */
} pym_finalizer;

static pym_finalizer *registry;  /* each entry holds a reference */

static void registry_remove(pym_finalizer *f)
{
    if (f->prev != NULL) f->prev->next = f->next;
    else registry = f->next;
    if (f->next != NULL) f->next->prev = f->prev;
    f->prev = f->next = NULL;
}

static bool registered(const pym_finalizer *f) { return f->prev != NULL || registry == f; }

static int finalizer_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    pym_finalizer *f = (pym_finalizer *)self;
    PYM_VISIT(f->ref);
    PYM_VISIT(f->callable);
    PYM_VISIT(f->args);
    return 0;
}

static void finalizer_clear(pym_object *self)
{
    pym_finalizer *f = (pym_finalizer *)self;
    pym_object *ref = f->ref, *callable = f->callable, *args = f->args;
    f->ref = f->callable = f->args = NULL;
    pym_xdecref(ref);
    pym_xdecref(callable);
    pym_xdecref(args);
}

/* Runs the finalizer if it has not run: unregisters it, then calls
 * callable(*args).  Returns the call's result, or None if it already ran. */
static pym_object *finalizer_call(pym_object *self, pym_object *args)
{
    (void)args;
    pym_finalizer *f = (pym_finalizer *)self;
    if (!registered(f)) return pym_none();
    pym_object *callable = f->callable, *cargs = f->args, *ref = f->ref;
    f->callable = f->args = f->ref = NULL;
    registry_remove(f);
    pym_object *r = pym_call(callable, cargs);
    pym_decref(callable);
    pym_decref(cargs);
    pym_xdecref(ref);
    pym_decref(self);  /* the registry's reference */
    return r;
}

const pym_type pym_finalizer_type = {
    .name = "finalize",
    .size = sizeof(pym_finalizer),
    .flags = PYM_TYPE_GC,
    .traverse = finalizer_traverse,
    .clear = finalizer_clear,
    .destroy = finalizer_clear,
    .call = finalizer_call,
};

pym_object *pym_finalize_new(pym_object *obj, pym_object *callable, pym_object *args)
{
    if (callable == NULL || callable->ob_type->call == NULL)
        return pym_err_badtype("callable", callable);
    if (args == NULL) args = pym_empty_tuple();
    if (!pym_is_tuple(args)) return pym_err_badtype("tuple of arguments", args);
    if (obj == NULL || !pym_is_weakrefable(obj)) return pym_weakref_new(obj, NULL);
    pym_finalizer *f = (pym_finalizer *)pym_object_alloc(&pym_finalizer_type, 0);
    if (f == NULL) return NULL;
    f->ref = pym_weakref_new(obj, &f->ob_base);
    if (f->ref == NULL) {
        pym_decref(&f->ob_base);
        return NULL;
    }
    f->callable = pym_incref(callable);
    f->args = pym_incref(args);
    f->next = registry;
    if (registry != NULL) registry->prev = f;
    registry = f;
    pym_incref(&f->ob_base);
    return &f->ob_base;
}

bool pym_finalize_alive(pym_object *f)
{
    return f != NULL && f->ob_type == &pym_finalizer_type && registered((pym_finalizer *)f);
}

pym_object *pym_finalize_detach(pym_object *f)
{
    if (!pym_finalize_alive(f)) return NULL;
    pym_finalizer *fin = (pym_finalizer *)f;
    pym_object *obj = pym_weakref_get(fin->ref);
    if (obj == NULL) return NULL;
    registry_remove(fin);
    finalizer_clear(f);
    pym_decref(f);
    return obj;
}

void pym_weakref_run_exit_finalizers(void)
{
    while (registry != NULL) {
        pym_object *r = finalizer_call(&registry->ob_base, NULL);
        pym_xdecref(r);
        pym_err_print_unraisable("finalize at exit");
    }
}
