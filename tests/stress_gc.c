/* stress_gc.c: a randomized stress test of the cyclic collector, weak
 * references and finalizers (runtime/gc.c, weakref.c, finalize.c,
 * object.c), standalone (no cmocka).
 *
 *   stress_gc [seed] [objects] [steps]      defaults: 1 100000 20
 *
 * It builds a random graph of `objects` nodes of a user GC type with K
 * edge slots, keeps a C-side model of it (every node's edges by serial
 * number, and the program's roots: a root array, a working set, and the
 * list finalizers resurrect into), and then, step after step, mutates it
 * at random (new nodes, edges rewired, roots replaced, weakrefs with and
 * without callbacks, weakref.finalize entries, objects revived through
 * their weakrefs), with automatic collections on and explicit ones in
 * random generations.  After each phase it computes reachability over the
 * model and checks:
 *   - every reachable node is alive and intact (serial, checksum, edges
 *     exactly as modelled, never cleared);
 *   - after a full collection every unreachable node is gone, and the
 *     collection returned what it freed in its clear phase plus the
 *     finalize weakrefs its callbacks released (CPython's count);
 *   - no node is destroyed twice, no finalizer runs twice, and every dead
 *     node with a finalizer had it run;
 *   - no weakref returns a dead or wrong object; a weakref is dead only if
 *     its referent is dead or was unreachable at some collection's start
 *     (cleared, then resurrected); callbacks run at most once, only on dead
 *     weakrefs, with the weakref as argument, and always for dead referents;
 *   - weakref.finalize entries run at most once, and exactly once for dead
 *     objects.
 * Any violation is printed and the exit status is 1.  The last line is a
 * summary.  With 10,000 objects it runs in seconds under Valgrind. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pym.h>

#define K 4
#define MAGIC 0x5eed1e55u
#define MAX_REPORTS 20

/* ---- randomness (xorshift64*, reproducible from the seed) ------------------ */

static uint64_t rng_state;
static uint64_t rnd64(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1DULL;
}
static size_t rnd(size_t n) { return n ? (size_t)(rnd64() % n) : 0; }
static bool chance(unsigned percent) { return rnd(100) < percent; }
static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

/* ---- growable arrays of serials ---------------------------------------------- */

typedef struct ivec {
    int32_t *v;
    size_t n, cap;
} ivec;

static void ivec_push(ivec *a, int32_t x)
{
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 256;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (a->v == NULL) {
            fprintf(stderr, "stress_gc: out of memory\n");
            exit(2);
        }
    }
    a->v[a->n++] = x;
}

/* ---- the model --------------------------------------------------------------- */

typedef struct snode {
    PYM_OBJECT_HEAD
    pym_object *edge[K];
    int64_t serial;
    uint64_t check;
    uint32_t magic;
} snode;

enum { FK_NONE, FK_PLAIN, FK_RESURRECT, FK_SUICIDE };

typedef struct rec {
    snode *obj;            /* while alive */
    int32_t edge[K];       /* serial of each edge's target, -1: none */
    uint32_t reach;        /* == reach_stamp: reachable at the last walk */
    uint32_t garbage_at;   /* collection whose start found it unreachable */
    uint8_t kind, fin_count, destroyed, cleared, revenant;
} rec;

static rec *recs;
static size_t n_recs, cap_recs;
static ivec roots;         /* -1 or a serial holding a strong reference */
static ivec wset;          /* working set: strong references */
static ivec resurrected;   /* strong references taken by finalizers */
static uint32_t reach_stamp;

typedef struct wref {
    pym_object *ref;       /* NULL once dropped */
    int32_t serial;
    uint8_t has_cb, cb_calls;
} wref;
static wref *wrefs;
static size_t n_wrefs, max_wrefs;

typedef struct fentry {
    int32_t serial;
    uint8_t calls;
} fentry;
static fentry *fentries;
static size_t n_fentries, max_fentries;

static struct {
    size_t created, destroyed, finalized, resurrections, cb_calls, fentry_calls;
    size_t collections, explicit_collections, full_checks, revived, violations;
} st;

/* Collection bookkeeping, maintained by the gc callback. */
static struct {
    bool running;
    uint32_t number;
    int64_t generation;
    bool clearing;            /* a clear ran in this collection */
    size_t delete_destroyed;  /* nodes destroyed after the first clear */
    size_t fentries_fired;
    size_t last_collected;
    int64_t last_generation;
} col;

static int step_no = -1;

static void violation(const char *fmt, ...) PYM_PRINTF(1, 2);
static void violation(const char *fmt, ...)
{
    if (st.violations++ < MAX_REPORTS) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "stress_gc: VIOLATION at step %d: ", step_no);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
}

static void fatal(const char *what)
{
    fprintf(stderr, "stress_gc: %s failed: %s\n", what, pym_err_message());
    exit(2);
}

/* ---- the node type ------------------------------------------------------------- */

static int32_t serial_of(pym_object *o) { return (int32_t)((snode *)o)->serial; }

static int snode_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    for (int i = 0; i < K; i++) PYM_VISIT(((snode *)self)->edge[i]);
    return 0;
}

static void drop_edges(snode *n)
{
    pym_object *old[K];
    for (int i = 0; i < K; i++) {
        old[i] = n->edge[i];
        n->edge[i] = NULL;
    }
    for (int i = 0; i < K; i++) pym_xdecref(old[i]);
}

static void snode_clear(pym_object *self)
{
    recs[serial_of(self)].cleared = 1;
    if (col.running) col.clearing = true;
    drop_edges((snode *)self);
}

static void snode_destroy(pym_object *self)
{
    snode *n = (snode *)self;
    if (n->magic != MAGIC) {
        violation("destroy of a corrupt node (magic %x)", n->magic);
        return;
    }
    rec *r = &recs[n->serial];
    if (r->destroyed) violation("node %lld destroyed twice", (long long)n->serial);
    if (r->kind != FK_NONE && r->fin_count != 1)
        violation("node %lld destroyed with %d finalizer runs", (long long)n->serial, r->fin_count);
    r->destroyed = 1;
    r->obj = NULL;
    st.destroyed++;
    if (col.running && col.clearing) col.delete_destroyed++;
    n->magic = 0;
    drop_edges(n);
}

static void snode_finalize(pym_object *self)
{
    int32_t s = serial_of(self);
    rec *r = &recs[s];
    st.finalized++;
    if (++r->fin_count > 1) violation("finalizer of node %d ran %d times", s, r->fin_count);
    if (r->destroyed) violation("finalizer of destroyed node %d", s);
    /* in a full collection, weakrefs to garbage are cleared before any
     * finalizer runs (at refcount death they still work) */
    if (col.running && col.generation == 2 && r->garbage_at == col.number &&
        pym_weakref_count(self) != 0)
        violation("finalizer of garbage node %d ran before its weakrefs were cleared", s);
    if (r->kind == FK_RESURRECT) {
        ivec_push(&resurrected, s);
        pym_incref(self);
        st.resurrections++;
    } else if (r->kind == FK_SUICIDE) {
        for (int i = 0; i < K; i++) r->edge[i] = -1;
        drop_edges((snode *)self);
    }
}

static const pym_type plain_type = {
    .name = "snode",
    .size = sizeof(snode),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = snode_traverse,
    .clear = snode_clear,
    .destroy = snode_destroy,
};

static const pym_type fin_type = {
    .name = "snode_fin",
    .size = sizeof(snode),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = snode_traverse,
    .clear = snode_clear,
    .finalize = snode_finalize,
    .destroy = snode_destroy,
};

/* A new node, owned by the working set; returns its serial. */
static int32_t create(void)
{
    uint8_t kind = FK_NONE;
    if (chance(40)) kind = chance(5) ? FK_RESURRECT : chance(12) ? FK_SUICIDE : FK_PLAIN;
    pym_object *o = pym_new(kind == FK_NONE ? &plain_type : &fin_type);
    if (o == NULL) fatal("pym_new");
    if (n_recs == cap_recs) {
        cap_recs = cap_recs ? cap_recs * 2 : 1024;
        recs = realloc(recs, cap_recs * sizeof *recs);
        if (recs == NULL) fatal("realloc");
    }
    int32_t s = (int32_t)n_recs++;
    rec *r = &recs[s];
    memset(r, 0, sizeof *r);
    for (int i = 0; i < K; i++) r->edge[i] = -1;
    r->kind = kind;
    r->obj = (snode *)o;
    r->obj->serial = s;
    r->obj->check = mix((uint64_t)s);
    r->obj->magic = MAGIC;
    ivec_push(&wset, s);
    st.created++;
    return s;
}

/* a.edge[i] = b (b < 0: None).  Both alive; the model changes first, so
 * finalizers run by the release of the old target see it current. */
static void set_edge(int32_t a, int i, int32_t b)
{
    recs[a].edge[i] = b;
    snode *n = recs[a].obj;
    pym_object *old = n->edge[i];
    n->edge[i] = b >= 0 ? pym_incref(&recs[b].obj->ob_base) : NULL;
    pym_xdecref(old);
}

static void release(int32_t s) { pym_decref(&recs[s].obj->ob_base); }

/* ---- reachability over the model ----------------------------------------------- */

static ivec stack;

static void walk_from(int32_t s)
{
    if (s < 0 || recs[s].reach == reach_stamp) return;
    recs[s].reach = reach_stamp;
    ivec_push(&stack, s);
    while (stack.n > 0) {
        rec *r = &recs[stack.v[--stack.n]];
        for (int i = 0; i < K; i++) {
            int32_t t = r->edge[i];
            if (t >= 0 && recs[t].reach != reach_stamp) {
                recs[t].reach = reach_stamp;
                ivec_push(&stack, t);
            }
        }
    }
}

/* Marks what the program can reach: roots, working set, resurrected. */
static void compute_reachable(void)
{
    reach_stamp++;
    for (size_t i = 0; i < roots.n; i++) walk_from(roots.v[i]);
    for (size_t i = 0; i < wset.n; i++) walk_from(wset.v[i]);
    for (size_t i = 0; i < resurrected.n; i++) walk_from(resurrected.v[i]);
}

static bool reachable(int32_t s) { return recs[s].reach == reach_stamp; }

/* ---- callbacks ---------------------------------------------------------------------- */

static pym_object *weakref_callback(pym_object *self, pym_object *args)
{
    size_t idx = (size_t)pym_int_value(self);
    wref *w = &wrefs[idx];
    st.cb_calls++;
    if (++w->cb_calls > 1) violation("callback of weakref %zu ran twice", idx);
    if (pym_tuple_len(args) != 1 || pym_tuple_get(args, 0) != w->ref)
        violation("callback of weakref %zu not called with its weakref", idx);
    pym_object *v = pym_weakref_get(w->ref);
    if (v != NULL) {
        violation("callback of weakref %zu runs while the ref is alive", idx);
        pym_decref(v);
    }
    return pym_none();
}

static pym_object *fentry_callback(pym_object *self, pym_object *args)
{
    (void)args;
    size_t idx = (size_t)pym_int_value(self);
    st.fentry_calls++;
    if (col.running) col.fentries_fired++;
    if (++fentries[idx].calls > 1) violation("finalize entry %zu ran twice", idx);
    return pym_none();
}

static void collection_start(int64_t generation)
{
    col.running = true;
    col.generation = generation;
    col.number++;
    col.clearing = false;
    col.delete_destroyed = col.fentries_fired = 0;
    st.collections++;
    compute_reachable();
    for (size_t s = 0; s < n_recs; s++)
        if (!recs[s].destroyed && !reachable((int32_t)s)) recs[s].garbage_at = col.number;
}

static void collection_stop(int64_t generation, int64_t collected, int64_t uncollectable)
{
    col.running = false;
    col.last_collected = (size_t)collected;
    col.last_generation = generation;
    if (uncollectable != 0) violation("%lld uncollectable objects", (long long)uncollectable);
    /* what survived being garbage was resurrected: its weakrefs may be dead */
    for (size_t s = 0; s < n_recs; s++)
        if (!recs[s].destroyed && recs[s].garbage_at == col.number) recs[s].revenant = 1;
    if (generation == 2 && (size_t)collected != col.delete_destroyed + col.fentries_fired)
        violation("full collection returned %lld; %zu nodes freed by clear + %zu finalize refs",
                  (long long)collected, col.delete_destroyed, col.fentries_fired);
}

static int64_t info_int(pym_object *info, const char *key)
{
    pym_object *v = pym_dict_get_str(info, key);
    return v ? pym_int_value(v) : -1;
}

static pym_object *gc_callback(pym_object *self, pym_object *args)
{
    (void)self;
    const char *phase = pym_str_cstr(pym_tuple_get(args, 0));
    pym_object *info = pym_tuple_get(args, 1);
    if (strcmp(phase, "start") == 0) collection_start(info_int(info, "generation"));
    else collection_stop(info_int(info, "generation"), info_int(info, "collected"),
                         info_int(info, "uncollectable"));
    return pym_none();
}

/* ---- the program's actions ---------------------------------------------------------- */

static pym_object *bound_int_cfunc(const char *name, pym_cfunc fn, size_t idx)
{
    pym_object *i = pym_int_new((int64_t)idx);
    if (i == NULL) fatal("pym_int_new");
    pym_object *f = pym_cfunc_new(name, fn, i);
    pym_decref(i);
    if (f == NULL) fatal("pym_cfunc_new");
    return f;
}

static void add_weakref(int32_t s)
{
    if (n_wrefs == max_wrefs) return;
    size_t idx = n_wrefs;
    bool cb = chance(60);
    pym_object *callback = cb ? bound_int_cfunc("cb", weakref_callback, idx) : NULL;
    pym_object *ref = pym_weakref_new(&recs[s].obj->ob_base, callback);
    if (ref == NULL) fatal("pym_weakref_new");
    pym_xdecref(callback);
    wrefs[idx] = (wref){ref, s, cb, 0};
    n_wrefs++;
}

static void add_fentry(int32_t s)
{
    if (n_fentries == max_fentries) return;
    size_t idx = n_fentries;
    pym_object *fn = bound_int_cfunc("fin", fentry_callback, idx);
    fentries[idx] = (fentry){s, 0};
    n_fentries++;
    pym_object *f = pym_finalize_new(&recs[s].obj->ob_base, fn, NULL);
    if (f == NULL) fatal("pym_finalize_new");
    pym_decref(fn);
    pym_decref(f);   /* the registry keeps it */
}

/* Checks one weakref: a live answer must be its own, live node. */
static void check_weakref(size_t idx)
{
    wref *w = &wrefs[idx];
    if (w->ref == NULL) return;
    pym_object *v = pym_weakref_get(w->ref);
    rec *r = &recs[w->serial];
    if (v != NULL) {
        if (r->destroyed || v != &r->obj->ob_base || serial_of(v) != w->serial)
            violation("weakref %zu returned a dead or wrong object", idx);
        pym_decref(v);
        if (w->cb_calls) violation("weakref %zu alive after its callback ran", idx);
    } else {
        if (!r->destroyed && !r->revenant)
            violation("weakref %zu dead while node %d lives and was never garbage", idx, w->serial);
        if (w->has_cb && r->destroyed && w->cb_calls != 1)
            violation("weakref %zu: node %d died, callback ran %d times", idx, w->serial, w->cb_calls);
    }
}

/* A weakref's object joins the working set if it is still alive. */
static void revive(size_t idx)
{
    if (wrefs[idx].ref == NULL) return;
    pym_object *v = pym_weakref_get(wrefs[idx].ref);
    if (v == NULL) return;
    if (serial_of(v) != wrefs[idx].serial) violation("weakref %zu revived the wrong node", idx);
    ivec_push(&wset, serial_of(v));   /* takes over the reference */
    st.revived++;
}

static void drop_wset(void)
{
    while (wset.n > 0) release(wset.v[--wset.n]);
}

/* Strong references to a random sample of what is reachable now. */
static void take_working_set(size_t want)
{
    compute_reachable();
    ivec live = {NULL, 0, 0};
    for (size_t s = 0; s < n_recs; s++)
        if (reachable((int32_t)s)) ivec_push(&live, (int32_t)s);
    for (size_t i = 0; i < want && live.n > 0; i++) {
        int32_t s = live.v[rnd(live.n)];
        pym_incref(&recs[s].obj->ob_base);
        ivec_push(&wset, s);
    }
    free(live.v);
}

static int32_t wset_pick(void) { return wset.v[rnd(wset.n)]; }

static void mutate(size_t n_objects)
{
    take_working_set(n_objects / 50 + 50);
    size_t creations = n_objects / 20 + 1, mutations = n_objects / 5 + 1;
    for (size_t i = 0; i < creations; i++) create();
    for (size_t i = 0; i < mutations; i++) {
        int32_t a = wset_pick();
        set_edge(a, (int)rnd(K), chance(15) ? -1 : wset_pick());
    }
    for (size_t i = 0; i < roots.n / 10 + 1; i++) {
        size_t j = rnd(roots.n);
        int32_t old = roots.v[j];
        roots.v[j] = chance(10) ? -1 : wset_pick();
        if (roots.v[j] >= 0) pym_incref(&recs[roots.v[j]].obj->ob_base);
        if (old >= 0) release(old);
    }
    for (size_t i = 0; i < n_objects / 100 + 1; i++) add_weakref(wset_pick());
    for (size_t i = 0; i < n_objects / 400 + 1; i++) add_fentry(wset_pick());
    for (size_t i = 0; i < n_wrefs / 50 + 1 && n_wrefs > 0; i++) {
        size_t idx = rnd(n_wrefs);
        if (chance(20) && wrefs[idx].ref != NULL) {
            pym_object *r = wrefs[idx].ref;   /* the program forgets a weakref */
            wrefs[idx].ref = NULL;
            pym_decref(r);
        } else {
            revive(idx);
        }
    }
    /* link some revived nodes back in */
    for (size_t i = 0; i < wset.n / 20; i++) set_edge(wset_pick(), (int)rnd(K), wset_pick());
    drop_wset();
}

/* ---- checks ------------------------------------------------------------------------ */

static void check_node(int32_t s)
{
    rec *r = &recs[s];
    snode *n = r->obj;
    if (r->destroyed || n == NULL) {
        violation("reachable node %d was destroyed", s);
        return;
    }
    if (n->magic != MAGIC || n->serial != s || n->check != mix((uint64_t)s))
        violation("reachable node %d corrupted", s);
    if (r->cleared) violation("reachable node %d was cleared", s);
    for (int i = 0; i < K; i++) {
        int32_t t = r->edge[i];
        pym_object *want = t >= 0 && recs[t].obj ? &recs[t].obj->ob_base : NULL;
        if (n->edge[i] != want || (t >= 0 && want == NULL))
            violation("reachable node %d: edge %d is not as modelled", s, i);
    }
}

static void check(const char *when, bool full)
{
    compute_reachable();
    for (size_t s = 0; s < n_recs; s++) {
        rec *r = &recs[s];
        if (reachable((int32_t)s)) check_node((int32_t)s);
        else if (full && !r->destroyed) violation("%s: unreachable node %zu survived a full collection", when, s);
        if (r->fin_count > 1) violation("node %zu finalized %d times", s, r->fin_count);
    }
    for (size_t i = 0; i < n_wrefs; i++) check_weakref(i);
    for (size_t i = 0; i < n_fentries; i++) {
        fentry *f = &fentries[i];
        rec *r = &recs[f->serial];
        if (r->destroyed && f->calls != 1)
            violation("finalize entry %zu: node %d died, ran %d times", i, f->serial, f->calls);
        if (!r->destroyed && f->calls && !r->revenant)
            violation("finalize entry %zu ran while node %d lives", i, f->serial);
    }
    if (full) st.full_checks++;
}

static void release_resurrected(void)
{
    while (resurrected.n > 0) release(resurrected.v[--resurrected.n]);
}

static void explicit_collect(int generation)
{
    size_t found = pym_gc_collect(generation);
    st.explicit_collections++;
    if (found != col.last_collected || col.last_generation != generation)
        violation("collect(%d) returned %zu, its stop callback said %zu (gen %lld)", generation,
                  found, col.last_collected, (long long)col.last_generation);
    char when[32];
    snprintf(when, sizeof when, "collect(%d)", generation);
    check(when, generation == 2);
}

/* ---- the run -------------------------------------------------------------------------- */

static void build(size_t n_objects)
{
    for (size_t i = 0; i < n_objects; i++) create();
    for (size_t i = 0; i < n_objects; i++) {
        for (int k = 0; k < K; k++)
            if (chance(45)) set_edge(wset.v[i], k, wset_pick());
    }
    size_t n_roots = n_objects / 50 + 8;
    for (size_t i = 0; i < n_roots; i++) {
        int32_t s = wset_pick();
        pym_incref(&recs[s].obj->ob_base);
        ivec_push(&roots, s);
    }
    for (size_t i = 0; i < n_objects / 20 + 1; i++) add_weakref(wset_pick());
    for (size_t i = 0; i < n_objects / 100 + 1; i++) add_fentry(wset_pick());
    drop_wset();
}

static void teardown(void)
{
    for (size_t i = 0; i < roots.n; i++)
        if (roots.v[i] >= 0) release(roots.v[i]);
    roots.n = 0;
    for (int round = 0; round < 10; round++) {
        release_resurrected();
        explicit_collect(2);
        if (resurrected.n == 0) break;
    }
    for (size_t s = 0; s < n_recs; s++)
        if (!recs[s].destroyed) violation("node %zu alive after teardown", s);
    for (size_t i = 0; i < n_wrefs; i++) {
        wref *w = &wrefs[i];
        if (w->ref != NULL && w->has_cb && w->cb_calls != 1)
            violation("weakref %zu: callback ran %d times by the end", i, w->cb_calls);
        if (w->ref != NULL) pym_decref(w->ref);
        w->ref = NULL;
    }
    for (size_t i = 0; i < n_fentries; i++)
        if (fentries[i].calls != 1) violation("finalize entry %zu ran %d times by the end", i, fentries[i].calls);
}

int main(int argc, char **argv)
{
    uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    size_t n_objects = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
    int steps = argc > 3 ? atoi(argv[3]) : 20;
    if (n_objects < 10) n_objects = 10;
    rng_state = mix(seed + 0x9E3779B97F4A7C15ULL) | 1;
    max_wrefs = n_objects / 4 + 64;
    max_fentries = n_objects / 20 + 64;
    wrefs = calloc(max_wrefs, sizeof *wrefs);
    fentries = calloc(max_fentries, sizeof *fentries);
    if (wrefs == NULL || fentries == NULL || pym_init() != 0) fatal("start-up");
    pym_object *cb = pym_cfunc_new("gc_callback", gc_callback, NULL);
    if (cb == NULL || pym_gc_add_callback(cb) < 0) fatal("pym_gc_add_callback");
    pym_decref(cb);
    size_t live0 = pym_live_objects();

    build(n_objects);
    check("build", false);
    for (step_no = 0; step_no < steps; step_no++) {
        mutate(n_objects);
        check("mutation", false);
        int gen = step_no % 4 == 3 ? 2 : (int)rnd(3);
        explicit_collect(gen);
        if (chance(40)) release_resurrected();
        if (step_no % 5 == 4) explicit_collect(2);
    }
    teardown();
    size_t live1 = pym_live_objects();
    if (live1 != live0) violation("%zu live objects at the end, %zu at the start", live1, live0);
    pym_gc_stats s2;
    pym_gc_get_stats(2, &s2);
    printf("stress_gc: seed=%llu objects=%zu steps=%d nodes=%zu destroyed=%zu finalized=%zu "
           "resurrections=%zu weakrefs=%zu callbacks=%zu finalize=%zu/%zu revived=%zu "
           "collections=%zu (explicit %zu, full checks %zu) violations=%zu %s\n",
           (unsigned long long)seed, n_objects, steps, st.created, st.destroyed, st.finalized,
           st.resurrections, n_wrefs, st.cb_calls, st.fentry_calls, n_fentries, st.revived,
           st.collections, st.explicit_collections, st.full_checks, st.violations,
           st.violations ? "FAILED" : "OK");
    pym_fini();
    free(recs);
    free(roots.v);
    free(wset.v);
    free(resurrected.v);
    free(stack.v);
    free(wrefs);
    free(fentries);
    return st.violations ? 1 : 0;
}
