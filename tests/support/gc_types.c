/* gc_types.c: the user-defined test types of gc_types.h (nodes with
 * finalizers, bound-method-like callables, loggers) and their counters. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support/gc_types.h"

gct_stats gct_count;
void (*gct_fin_hook)(pym_object *self);
bool gct_log_events;

static long fin_by_id[GCT_MAX_IDS], destroy_by_id[GCT_MAX_IDS], clear_by_id[GCT_MAX_IDS];
static char event_log[8192];
static size_t log_len;

static bool small_id(long id) { return id >= 0 && id < GCT_MAX_IDS; }

long gct_fin_count(long id) { return small_id(id) ? fin_by_id[id] : -1; }
long gct_destroy_count(long id) { return small_id(id) ? destroy_by_id[id] : -1; }
long gct_clear_count(long id) { return small_id(id) ? clear_by_id[id] : -1; }

void gct_note(const char *fmt, ...)
{
    if (log_len + 1 >= sizeof event_log) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(event_log + log_len, sizeof event_log - log_len, fmt, ap);
    va_end(ap);
    if (n > 0) log_len += (size_t)n;
    if (log_len >= sizeof event_log) log_len = sizeof event_log - 1;
}

const char *gct_log(void) { return event_log; }

/* ---- survivors -------------------------------------------------------------- */

#define MAX_SURVIVORS 1024
static pym_object *survivors[MAX_SURVIVORS];
static size_t n_survivors;

void gct_survive(pym_object *o)
{
    if (n_survivors == MAX_SURVIVORS) {
        fprintf(stderr, "gc_types: too many survivors\n");
        abort();
    }
    survivors[n_survivors++] = pym_incref(o);
}

size_t gct_survivor_count(void) { return n_survivors; }
pym_object *gct_survivor(size_t i) { return i < n_survivors ? survivors[i] : NULL; }

/* Pops one at a time: releasing a survivor may run code that adds more. */
void gct_clear_survivors(void)
{
    while (n_survivors > 0) {
        pym_object *o = survivors[--n_survivors];
        survivors[n_survivors] = NULL;
        pym_decref(o);
    }
}

void gct_reset(void)
{
    memset(&gct_count, 0, sizeof gct_count);
    memset(fin_by_id, 0, sizeof fin_by_id);
    memset(destroy_by_id, 0, sizeof destroy_by_id);
    memset(clear_by_id, 0, sizeof clear_by_id);
    event_log[0] = '\0';
    log_len = 0;
    gct_fin_hook = NULL;
    gct_log_events = false;
    /* Survivors left by a failed test belonged to a runtime the fixture
     * has torn down since: forget them. */
    memset(survivors, 0, sizeof survivors);
    n_survivors = 0;
}

/* ---- the node types ------------------------------------------------------------ */

static int node_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    for (int i = 0; i < GCT_SLOTS; i++) PYM_VISIT(gct(self)->slot[i]);
    return 0;
}

/* Empties every slot before releasing anything: code run by a released
 * object must see this node consistent. */
static void drop_slots(gct_node *n)
{
    pym_object *old[GCT_SLOTS];
    for (int i = 0; i < GCT_SLOTS; i++) {
        old[i] = n->slot[i];
        n->slot[i] = NULL;
    }
    for (int i = 0; i < GCT_SLOTS; i++) pym_xdecref(old[i]);
}

static void node_clear(pym_object *self)
{
    gct_count.cleared++;
    if (small_id(gct(self)->id)) clear_by_id[gct(self)->id]++;
    drop_slots(gct(self));
}

static void node_destroy(pym_object *self)
{
    gct_node *n = gct(self);
    gct_count.destroyed++;
    if (small_id(n->id)) destroy_by_id[n->id]++;
    if (gct_log_events) gct_note("D%ld ", n->id);
    drop_slots(n);
}

static void node_finalize(pym_object *self)
{
    gct_node *n = gct(self);
    if (++n->fin_calls > 1) gct_count.double_finalized++;
    gct_count.finalized++;
    if (small_id(n->id)) fin_by_id[n->id]++;
    if (gct_log_events) gct_note("F%ld ", n->id);
    if (gct_fin_hook != NULL) gct_fin_hook(self);
    switch (n->action) {
    case GCT_RESURRECT:
        gct_survive(self);
        break;
    case GCT_SUICIDE:
        n->suicided = true;
        drop_slots(n);
        break;
    case GCT_COLLECT17:
        if (gct_count.finalized % 17 == 0) pym_gc_collect(2);
        break;
    default:
        break;
    }
}

const pym_type gct_plain_type = {
    .name = "Plain",
    .size = sizeof(gct_node),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = node_traverse,
    .clear = node_clear,
    .destroy = node_destroy,
};

const pym_type gct_fin_type = {
    .name = "WithDel",
    .size = sizeof(gct_node),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = node_traverse,
    .clear = node_clear,
    .finalize = node_finalize,
    .destroy = node_destroy,
};

const pym_type gct_noclear_type = {
    .name = "NoClear",
    .size = sizeof(gct_node),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = node_traverse,
    .destroy = node_destroy,
};

const pym_type gct_nongc_fin_type = {
    .name = "NonGC",
    .size = sizeof(gct_node),
    .flags = PYM_TYPE_WEAKREFABLE,
    .finalize = node_finalize,
    .destroy = node_destroy,
};

pym_object *gct_new(const pym_type *type, long id)
{
    pym_object *o = pym_new(type);
    if (o != NULL) gct(o)->id = id;
    return o;
}

pym_object *gct_self_cycle(const pym_type *type, long id)
{
    pym_object *o = gct_new(type, id);
    if (o != NULL) gct_set(o, 0, o);
    return o;
}

void gct_set(pym_object *o, int i, pym_object *v)
{
    gct_node *n = gct(o);
    pym_object *old = n->slot[i];
    n->slot[i] = v;
    pym_xincref(v);
    pym_xdecref(old);
}

/* ---- callables ------------------------------------------------------------------ */

typedef struct gct_method {
    PYM_OBJECT_HEAD
    pym_object *self;
    pym_cfunc fn;
} gct_method;

static int method_traverse(pym_object *o, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((gct_method *)o)->self);
    return 0;
}

static void method_clear(pym_object *o)
{
    gct_method *m = (gct_method *)o;
    pym_object *self = m->self;
    m->self = NULL;
    pym_xdecref(self);
}

static pym_object *method_call(pym_object *o, pym_object *args)
{
    gct_method *m = (gct_method *)o;
    return m->fn(m->self, args);
}

static const pym_type method_type = {
    .name = "method",
    .size = sizeof(gct_method),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = method_traverse,
    .clear = method_clear,
    .destroy = method_clear,
    .call = method_call,
};

pym_object *gct_method_new(pym_object *self, pym_cfunc fn)
{
    pym_object *o = pym_new(&method_type);
    if (o == NULL) return NULL;
    ((gct_method *)o)->self = self ? pym_incref(self) : NULL;
    ((gct_method *)o)->fn = fn;
    return o;
}

static pym_object *logger_fn(pym_object *tag, pym_object *args)
{
    (void)args;
    gct_note("%s ", pym_str_cstr(tag));
    return pym_none();
}

pym_object *gct_logger(const char *tag)
{
    pym_object *s = pym_str_new(tag);
    if (s == NULL) return NULL;
    pym_object *f = pym_cfunc_new("log", logger_fn, s);
    pym_decref(s);
    return f;
}

static pym_object *appender_fn(pym_object *list, pym_object *args)
{
    if (pym_tuple_len(args) != 1) {
        pym_err_set(PYM_ERR_TYPE, "append() takes exactly one argument");
        return NULL;
    }
    if (pym_list_append(list, pym_tuple_get(args, 0)) < 0) return NULL;
    return pym_none();
}

pym_object *gct_appender(pym_object *list) { return pym_cfunc_new("append", appender_fn, list); }

static pym_object *raiser_fn(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    pym_err_set(PYM_ERR_VALUE, "raised on purpose by a test callback");
    return NULL;
}

pym_object *gct_raiser(void) { return pym_cfunc_new("raiser", raiser_fn, NULL); }

/* ---- helpers ---------------------------------------------------------------------- */

pym_object *gct_instance_cycle(const char *cls)
{
    pym_object *o = pym_instance_new(cls);
    if (o != NULL && pym_setattr(o, "me", o) < 0) {
        pym_decref(o);
        return NULL;
    }
    return o;
}

size_t gct_list_count(pym_object *list, pym_object *o)
{
    size_t n = 0;
    for (size_t i = 0; i < pym_list_len(list); i++) n += pym_list_get(list, i) == o;
    return n;
}

bool gct_list_contains(pym_object *list, pym_object *o) { return gct_list_count(list, o) > 0; }

bool gct_quick(void) { return getenv("PYM_TEST_QUICK") != NULL; }
