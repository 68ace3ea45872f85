/* cfunc.c: C functions as callable objects, optionally bound to a `self`
 * object they keep alive (a bound method, a closure's environment). */
#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"

typedef struct pym_cfunc_object {
    PYM_OBJECT_HEAD
    pym_cfunc fn;
    pym_object *name;   /* str */
    pym_object *self;   /* may be NULL */
} pym_cfunc_object;

static int cfunc_traverse(pym_object *o, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((pym_cfunc_object *)o)->self);
    return 0;
}

static void cfunc_clear(pym_object *o)
{
    pym_cfunc_object *f = (pym_cfunc_object *)o;
    pym_object *self = f->self;
    f->self = NULL;
    pym_xdecref(self);
}

static void cfunc_destroy(pym_object *o)
{
    cfunc_clear(o);
    pym_xdecref(((pym_cfunc_object *)o)->name);
}

static pym_object *cfunc_call(pym_object *o, pym_object *args)
{
    pym_cfunc_object *f = (pym_cfunc_object *)o;
    return f->fn(f->self, args);
}

static pym_object *cfunc_repr(pym_object *o)
{
    return pym_str_from_format("<built-in function %s>",
                               pym_str_cstr(((pym_cfunc_object *)o)->name));
}

const pym_type pym_cfunc_type = {
    .name = "builtin_function",
    .size = sizeof(pym_cfunc_object),
    .flags = PYM_TYPE_GC,
    .traverse = cfunc_traverse,
    .clear = cfunc_clear,
    .destroy = cfunc_destroy,
    .call = cfunc_call,
    .repr = cfunc_repr,
};

pym_object *pym_cfunc_new(const char *name, pym_cfunc fn, pym_object *self)
{
    if (fn == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_cfunc_new: function pointer is NULL");
        return NULL;
    }
    pym_object *n = pym_str_new(name ? name : "<anonymous>");
    if (n == NULL) return NULL;
    pym_cfunc_object *f = (pym_cfunc_object *)pym_object_alloc(&pym_cfunc_type, 0);
    if (f == NULL) {
        pym_decref(n);
        return NULL;
    }
    f->fn = fn;
    f->name = n;
    f->self = self ? pym_incref(self) : NULL;
    return &f->ob_base;
}
