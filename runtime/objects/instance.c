/* instance.c: instances of named classes, the objects a toy language's
 * `class Foo: pass; Foo()` produces.  Each holds its class name and an
 * attribute dict created on the first attribute set; instances are
 * GC-tracked and weak-referenceable, like CPython's plain class instances. */
#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"

typedef struct pym_instance {
    PYM_OBJECT_HEAD
    pym_object *class_name;  /* interned str */
    pym_object *dict;        /* attributes, NULL until the first set */
} pym_instance;

static int instance_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((pym_instance *)self)->dict);
    return 0;
}

static void instance_clear(pym_object *self)
{
    pym_instance *in = (pym_instance *)self;
    pym_object *d = in->dict;
    in->dict = NULL;
    pym_xdecref(d);
}

static void instance_destroy(pym_object *self)
{
    instance_clear(self);
    pym_xdecref(((pym_instance *)self)->class_name);
}

static pym_object *instance_repr(pym_object *self)
{
    return pym_str_from_format("<%s object at %p>", pym_type_name(self), (void *)self);
}

const pym_type pym_instance_type = {
    .name = "instance",
    .size = sizeof(pym_instance),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = instance_traverse,
    .clear = instance_clear,
    .destroy = instance_destroy,
    .repr = instance_repr,
};

const char *pym_instance_class_name(const pym_object *inst)
{
    const pym_object *name = ((const pym_instance *)inst)->class_name;
    return name ? pym_str_cstr((pym_object *)name) : "instance";
}

pym_object *pym_instance_new(const char *class_name)
{
    if (class_name == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_instance_new: class name is NULL");
        return NULL;
    }
    pym_object *name = pym_str_intern_cstr(class_name);
    if (name == NULL) return NULL;
    pym_instance *in = (pym_instance *)pym_object_alloc(&pym_instance_type, 0);
    if (in == NULL) {
        pym_decref(name);
        return NULL;
    }
    in->class_name = name;
    return &in->ob_base;
}

static pym_instance *as_instance(pym_object *o, const char *name)
{
    if (o != NULL && o->ob_type == &pym_instance_type) return (pym_instance *)o;
    pym_err_set(PYM_ERR_ATTRIBUTE, "'%s' object has no attribute '%s'",
                o ? pym_type_name(o) : "NULL", name ? name : "");
    return NULL;
}

static void *no_attribute(pym_object *o, const char *name)
{
    pym_err_set(PYM_ERR_ATTRIBUTE, "'%s' object has no attribute '%s'", pym_type_name(o), name);
    return NULL;
}

int pym_setattr(pym_object *o, const char *name, pym_object *v)
{
    if (name == NULL || v == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_setattr: NULL name or value");
        return -1;
    }
    pym_instance *in = as_instance(o, name);
    if (in == NULL) return -1;
    if (in->dict != NULL) return pym_dict_set_str(in->dict, name, v);
    /* The first attribute: build the dict with it, then install it, so a
     * failure leaves the instance as it was.  Allocating may run a
     * collection whose finalizer gives this instance a dict meanwhile. */
    pym_object *d = pym_dict_new();
    if (d == NULL) return -1;
    if (pym_dict_set_str(d, name, v) < 0) {
        pym_decref(d);
        return -1;
    }
    if (in->dict == NULL) {
        in->dict = d;
        return 0;
    }
    pym_decref(d);
    return pym_dict_set_str(in->dict, name, v);
}

pym_object *pym_getattr(pym_object *o, const char *name)
{
    if (name == NULL) return pym_err_badtype("attribute name", NULL);
    pym_instance *in = as_instance(o, name);
    if (in == NULL) return NULL;
    pym_object *v = in->dict ? pym_dict_get_str(in->dict, name) : NULL;
    if (v == NULL) return pym_err_occurred() ? NULL : no_attribute(o, name);
    return pym_incref(v);
}

int pym_delattr(pym_object *o, const char *name)
{
    if (name == NULL) {
        pym_err_badtype("attribute name", NULL);
        return -1;
    }
    pym_instance *in = as_instance(o, name);
    if (in == NULL) return -1;
    pym_object *v = in->dict ? pym_dict_get_str(in->dict, name) : NULL;
    if (v == NULL) {
        if (!pym_err_occurred()) no_attribute(o, name);
        return -1;
    }
    pym_object *key = pym_str_new(name);
    if (key == NULL) return -1;
    int rc = pym_dict_del(in->dict, key);
    pym_decref(key);
    return rc;
}
