/* weakdict.c: a dictionary whose values are held weakly, for caches.
 *
 * An entry disappears when its value dies.  Each entry is stored as
 * key -> weakref(value, remover); the remover knows its dictionary (weakly,
 * so the cache can die first) and its key, and deletes the entry only if
 * the entry still holds the very weakref that fired: a stale removal never
 * deletes a newer value stored under the same key (CPython issue 28427). */
#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"

typedef struct pym_weakdict {
    PYM_OBJECT_HEAD
    pym_object *dict;   /* key -> weakref */
} pym_weakdict;

typedef struct wd_remover {
    PYM_OBJECT_HEAD
    pym_object *owner;  /* weakref to the pym_weakdict */
    pym_object *key;
} wd_remover;

extern const pym_type pym_weakdict_type;

/* ---- the remover: the callback of every entry's weakref ------------------ */

static int remover_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((wd_remover *)self)->owner);
    PYM_VISIT(((wd_remover *)self)->key);
    return 0;
}

static void remover_clear(pym_object *self)
{
    wd_remover *r = (wd_remover *)self;
    pym_object *owner = r->owner, *key = r->key;
    r->owner = r->key = NULL;
    pym_xdecref(owner);
    pym_xdecref(key);
}

/* Called as callback(wr) when an entry's value dies. */
static pym_object *remover_call(pym_object *self, pym_object *args)
{
    wd_remover *r = (wd_remover *)self;
    pym_object *fired = pym_tuple_len(args) == 1 ? pym_tuple_get(args, 0) : NULL;
    pym_object *owner = r->owner ? pym_weakref_get(r->owner) : NULL;
    if (owner != NULL && fired != NULL) {
        pym_object *d = ((pym_weakdict *)owner)->dict;
        if (pym_dict_get(d, r->key) == fired) pym_dict_del(d, r->key);
    }
    pym_xdecref(owner);
    return pym_err_occurred() ? NULL : pym_none();
}

static const pym_type remover_type = {
    .name = "weakdict_remover",
    .size = sizeof(wd_remover),
    .flags = PYM_TYPE_GC | PYM_TYPE_HIDDEN,
    .traverse = remover_traverse,
    .clear = remover_clear,
    .destroy = remover_clear,
    .call = remover_call,
};

/* ---- the dictionary ---------------------------------------------------------- */

static int weakdict_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((pym_weakdict *)self)->dict);
    return 0;
}

static void weakdict_clear(pym_object *self)
{
    pym_weakdict *w = (pym_weakdict *)self;
    pym_object *d = w->dict;
    w->dict = NULL;
    pym_xdecref(d);
}

const pym_type pym_weakdict_type = {
    .name = "WeakValueDictionary",
    .size = sizeof(pym_weakdict),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = weakdict_traverse,
    .clear = weakdict_clear,
    .destroy = weakdict_clear,
};

pym_object *pym_weakdict_new(void)
{
    pym_object *d = pym_dict_new();
    if (d == NULL) return NULL;
    pym_weakdict *w = (pym_weakdict *)pym_object_alloc(&pym_weakdict_type, 0);
    if (w == NULL) {
        pym_decref(d);
        return NULL;
    }
    w->dict = d;
    return &w->ob_base;
}

static pym_weakdict *as_weakdict(pym_object *o)
{
    if (o != NULL && o->ob_type == &pym_weakdict_type && ((pym_weakdict *)o)->dict) return (pym_weakdict *)o;
    pym_err_badtype("WeakValueDictionary", o);
    return NULL;
}

/* A weakref to `value` whose callback removes `key` from `w`. */
static pym_object *entry_ref(pym_weakdict *w, pym_object *key, pym_object *value)
{
    pym_object *owner = pym_weakref_new(&w->ob_base, NULL);
    if (owner == NULL) return NULL;
    wd_remover *r = (wd_remover *)pym_object_alloc(&remover_type, 0);
    if (r == NULL) {
        pym_decref(owner);
        return NULL;
    }
    r->owner = owner;
    r->key = pym_incref(key);
    pym_object *ref = pym_weakref_new(value, &r->ob_base);
    pym_decref(&r->ob_base);
    return ref;
}

int pym_weakdict_set(pym_object *d, pym_object *key, pym_object *value)
{
    pym_weakdict *w = as_weakdict(d);
    if (w == NULL) return -1;
    int64_t h;
    if (pym_hash(key, &h) < 0) return -1;
    pym_object *ref = entry_ref(w, key, value);
    if (ref == NULL) return -1;
    int rc = pym_dict_set(w->dict, key, ref);
    pym_decref(ref);
    return rc;
}

pym_object *pym_weakdict_get(pym_object *d, pym_object *key)
{
    pym_weakdict *w = as_weakdict(d);
    if (w == NULL) return NULL;
    pym_object *ref = pym_dict_get(w->dict, key);
    return ref != NULL ? pym_weakref_get(ref) : NULL;
}

int pym_weakdict_del(pym_object *d, pym_object *key)
{
    pym_weakdict *w = as_weakdict(d);
    return w == NULL ? -1 : pym_dict_del(w->dict, key);
}

size_t pym_weakdict_len(pym_object *d)
{
    pym_weakdict *w = as_weakdict(d);
    if (w == NULL) return 0;
    size_t n = 0, pos = 0;
    pym_object *k, *ref;
    while (pym_dict_next(w->dict, &pos, &k, &ref)) {
        pym_object *v = pym_weakref_get(ref);
        if (v != NULL) n++;
        pym_xdecref(v);
    }
    return n;
}
