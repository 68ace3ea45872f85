/* test_threads.c: pym under several threads, in every threading mode
 * (gil, atomic, biased); runtime/thread.c and the locking of the objects.
 *
 *   - many threads hammering shared and private objects, lists, dicts,
 *     weakrefs and the intern table while another thread collects;
 *   - biased counting (PEP 703): objects queued to their owner and merged at
 *     its safepoint, an owner dropping its last local reference while one of
 *     its objects is queued, objects whose owner has exited;
 *   - the GIL: switch interval, forced switching between CPU-bound threads,
 *     allow-threads;
 *   - why the GIL exists: a plain counter loses updates without it, the same
 *     work through pym_incref loses none;
 *   - stop-the-world: collections while workers churn, finalizers that reach
 *     a safepoint inside a collection.
 *
 * Worker threads attach first and detach last, reach pym_safepoint often,
 * and never call cmocka's asserts (they longjmp): they record failures with
 * CHECK, which the main thread asserts on after joining.  The main thread
 * joins only inside pym_allow_threads_begin/end.  Tests assert behaviour; the
 * only clock is a hang guard that aborts a wait that can never finish. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "support/pym_test.h"

#define UNDER_TSAN PYM_TSAN

#define NWORKERS 4

static bool quick(void) { return getenv("PYM_TEST_QUICK") != NULL; }
static bool mode_is(const char *m) { return strcmp(pym_mode(), m) == 0; }

static int load(const int *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static void store(int *p, int v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static long bump(long *p) { return __atomic_add_fetch(p, 1, __ATOMIC_ACQ_REL); }
static long get(const long *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }

/* ---- failures seen on worker threads ---------------------------------------- */

static long n_failures;
static char first_failure[160];

static void note_failure(const char *what, int line)
{
    if (bump(&n_failures) == 1)
        snprintf(first_failure, sizeof first_failure, "line %d: CHECK(%s)", line, what);
}
#define CHECK(c) do { if (!(c)) note_failure(#c, __LINE__); } while (0)

/* Called by the main thread after the workers are joined. */
static void assert_no_failures(void)
{
    if (get(&n_failures) != 0) print_error("%ld worker check(s) failed, first: %s\n",
                                           get(&n_failures), first_failure);
    assert_int_equal(get(&n_failures), 0);
}

/* ---- waiting ----------------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* A wait that cannot finish is a bug; abort with a message rather than hang. */
static void hang_guard(double start, const char *what)
{
    if (now() - start < 120.0) return;
    fprintf(stderr, "test_threads: gave up waiting for %s\n", what);
    abort();
}

/* Lets other threads run: gives up the GIL (gil) or reaches a safepoint. */
static void pause_attached(void)
{
    if (mode_is("gil")) {
        pym_allow_threads_begin();
        sched_yield();
        pym_allow_threads_end();
    } else {
        pym_safepoint();
        sched_yield();
    }
}

/* Lets other threads run without merging this thread's biased queue (the
 * biased tests look at objects while they sit in it).  Only for tests that
 * keep the collector off: nothing here parks for a stop-the-world. */
static void pause_keep_queue(void)
{
    if (mode_is("gil")) {
        pym_allow_threads_begin();
        sched_yield();
        pym_allow_threads_end();
    } else {
        sched_yield();
    }
}

static void wait_step(const int *step, int want, void (*pause)(void))
{
    double t0 = now();
    while (load(step) < want) {
        pause();
        hang_guard(t0, "a step of a two-thread scenario");
    }
}

/* ---- worker threads ------------------------------------------------------------ */

typedef struct worker {
    pthread_t th;
    void (*fn)(void *arg, int id);
    void *arg;
    int id;
} worker;

static void *worker_main(void *p)
{
    worker *w = p;
    if (pym_thread_attach() != 0) {
        note_failure("pym_thread_attach() == 0", __LINE__);
        return NULL;
    }
    w->fn(w->arg, w->id);
    if (pym_err_occurred() != PYM_ERR_NONE) {
        fprintf(stderr, "worker %d ended with %s: %s\n", w->id,
                pym_err_name(pym_err_occurred()), pym_err_message());
        note_failure("no error pending at the end of a worker", __LINE__);
    }
    pym_thread_detach();
    return NULL;
}

static void start_workers(worker *ws, int n, void (*fn)(void *, int), void *arg)
{
    for (int i = 0; i < n; i++) {
        ws[i] = (worker){.fn = fn, .arg = arg, .id = i};
        assert_int_equal(pthread_create(&ws[i].th, NULL, worker_main, &ws[i]), 0);
    }
}

/* Joins with the GIL released (and this thread parked for the collector). */
static void join_workers(worker *ws, int n)
{
    pym_allow_threads_begin();
    for (int i = 0; i < n; i++) pthread_join(ws[i].th, NULL);
    pym_allow_threads_end();
    assert_no_failures();
}

/* A barrier for attached threads: blocks with the GIL released. */
static void barrier_wait(pthread_barrier_t *b)
{
    pym_allow_threads_begin();
    pthread_barrier_wait(b);
    pym_allow_threads_end();
}

/* ---- user types ------------------------------------------------------------------ */

#define MAGIC_LIVE 0x11AE11AEu
#define MAGIC_DEAD 0xDEADDEADu

/* counted: plain (not GC) objects whose deaths are counted. */
typedef struct counted {
    PYM_OBJECT_HEAD
    unsigned magic;
} counted;

static long n_counted_dead;

static void counted_destroy(pym_object *self)
{
    CHECK(((counted *)self)->magic == MAGIC_LIVE);
    ((counted *)self)->magic = MAGIC_DEAD;
    bump(&n_counted_dead);
}

static const pym_type counted_type = {
    .name = "counted",
    .size = sizeof(counted),
    .destroy = counted_destroy,
};

static pym_object *counted_new(void)
{
    pym_object *o = pym_new(&counted_type);
    if (o != NULL) ((counted *)o)->magic = MAGIC_LIVE;
    return o;
}

/* probe: GC, weak-referenceable, with one reference that can close a cycle. */
typedef struct probe {
    PYM_OBJECT_HEAD
    unsigned magic;
    pym_object *other;
} probe;

static long n_probes_dead;

static int probe_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((probe *)self)->other);
    return 0;
}

static void probe_clear(pym_object *self)
{
    pym_object *other = ((probe *)self)->other;
    ((probe *)self)->other = NULL;
    pym_xdecref(other);
}

static void probe_destroy(pym_object *self)
{
    CHECK(((probe *)self)->magic == MAGIC_LIVE);
    ((probe *)self)->magic = MAGIC_DEAD;
    probe_clear(self);
    bump(&n_probes_dead);
}

static const pym_type probe_type = {
    .name = "probe",
    .size = sizeof(probe),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = probe_traverse,
    .clear = probe_clear,
    .destroy = probe_destroy,
};

static pym_object *probe_new(void)
{
    pym_object *o = pym_new(&probe_type);
    if (o != NULL) ((probe *)o)->magic = MAGIC_LIVE;
    return o;
}

static bool probe_alive(pym_object *o)
{
    return o != NULL && pym_type_of(o) == &probe_type && ((probe *)o)->magic == MAGIC_LIVE &&
           pym_refcount(o) >= 1;
}

/* Two probes referring to each other, dropped: garbage only the collector frees. */
static void make_probe_cycle(void)
{
    pym_object *a = probe_new(), *b = probe_new();
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL) {
        pym_xdecref(a);
        pym_xdecref(b);
        return;
    }
    ((probe *)a)->other = pym_incref(b);
    ((probe *)b)->other = pym_incref(a);
    pym_decref(a);
    pym_decref(b);
}

/* A weakref callback that counts its calls. */
static long n_callbacks;

static pym_object *count_callback(pym_object *self, pym_object *args)
{
    (void)self;
    CHECK(args != NULL && pym_tuple_len(args) == 1);
    bump(&n_callbacks);
    return pym_none();
}

static void reset_counters(void)
{
    n_failures = 0;
    n_counted_dead = n_probes_dead = n_callbacks = 0;
}

/* ---- 1. many threads on shared objects, with a collector thread ----------------- */

#define NNAMES 32
#define NOVERLAP 16

typedef struct hammer {
    int n;                          /* iterations per worker */
    pym_object *shared;             /* counted: increfed and decrefed by all */
    pym_object *list;               /* every worker appends n ints */
    pym_object *dict;               /* disjoint and overlapping keys */
    pym_object *shared_probe;       /* weak-referenced by every worker */
    pym_object *shared_ref;         /* its callback-less weakref */
    pym_object *slots;              /* list of NWORKERS weakrefs to dying probes */
    pym_object *callback;
    pym_object *names[NWORKERS][NNAMES];   /* interned strings each worker got */
    long cycles;                    /* probes put into garbage cycles */
    int workers_done;
    long collections;               /* by the collector thread */
    pthread_barrier_t barrier;
} hammer;

static int64_t hammer_value(const hammer *h, int id, int k)
{
    return 1000 + (int64_t)id * h->n + k;
}

static void hammer_private(int k)
{
    pym_object *i = pym_int_new(100000 + k), *f = pym_float_new(k * 0.5);
    pym_object *t = pym_tuple_pack(2, i, f);
    pym_object *l = pym_list_new(), *d = pym_dict_new();
    CHECK(i && f && t && l && d);
    CHECK(pym_list_append(l, t) == 0 && pym_list_append(l, l) == 0);  /* a cycle too */
    CHECK(pym_dict_set(d, i, f) == 0 && pym_dict_get(d, i) == f);
    pym_object *c = pym_list_copy(l);
    CHECK(c != NULL && pym_list_len(c) == 2);
    pym_xdecref(c);
    pym_xdecref(d);
    pym_xdecref(l);
    pym_xdecref(t);
    pym_xdecref(f);
    pym_xdecref(i);
}

static void hammer_list(hammer *h, int id, int k)
{
    pym_object *v = pym_int_new(hammer_value(h, id, k));
    CHECK(v != NULL && pym_list_append(h->list, v) == 0);
    pym_xdecref(v);
    size_t len = pym_list_len(h->list);
    CHECK(len >= 1);
    pym_object *r = pym_list_get_ref(h->list, ((size_t)k * 7919u) % len);
    CHECK(r != NULL && pym_int_value(r) >= 1000);
    pym_xdecref(r);
}

static void hammer_dict(hammer *h, int id, int k)
{
    pym_object *key = pym_str_from_format("w%d-%d", id, k);
    pym_object *v = pym_int_new(k);
    CHECK(key != NULL && v != NULL && pym_dict_set(h->dict, key, v) == 0);
    if (k % 2 == 1) CHECK(pym_dict_del(h->dict, key) == 0);
    pym_xdecref(key);
    pym_xdecref(v);
    pym_object *shared_key = pym_str_from_format("shared-%d", k % NOVERLAP);
    CHECK(shared_key != NULL && pym_dict_set(h->dict, shared_key, pym_int_new(id)) == 0);
    pym_xdecref(shared_key);
}

/* Weakrefs to the shared probe (always alive), to a private one (dies
 * here, its callback runs once), and to probes other workers are killing
 * right now (pym_weakref_get may say NULL but never a dead object). */
static void hammer_weakrefs(hammer *h, int id)
{
    pym_object *w = pym_weakref_new(h->shared_probe, h->callback);
    pym_object *g = w ? pym_weakref_get(w) : NULL;
    CHECK(g == h->shared_probe && probe_alive(g));
    pym_xdecref(g);
    pym_xdecref(w);  /* dies before its referent: its callback never runs */
    g = pym_weakref_get(h->shared_ref);
    CHECK(g == h->shared_probe && probe_alive(g));
    pym_xdecref(g);

    pym_object *p = probe_new();
    w = p ? pym_weakref_new(p, h->callback) : NULL;
    CHECK(w != NULL && pym_weakref_get(w) == p && pym_refcount(p) == 2);
    pym_xdecref(p);    /* the reference pym_weakref_get returned */
    pym_xdecref(p);    /* the last one: the callback runs now, on this thread */
    CHECK(w != NULL && pym_weakref_get(w) == NULL);
    pym_xdecref(w);

    p = probe_new();
    pym_object *plain = p ? pym_weakref_new(p, NULL) : NULL;
    CHECK(plain != NULL && pym_list_set(h->slots, (size_t)id, plain) == 0);
    pym_xdecref(plain);
    pym_xdecref(p);    /* dies while other workers may be reading its weakref */
    pym_object *other = pym_list_get_ref(h->slots, (size_t)(id + 1) % NWORKERS);
    g = other && other != pym_none() ? pym_weakref_get(other) : NULL;
    CHECK(g == NULL || probe_alive(g));
    pym_xdecref(g);
    pym_xdecref(other);
}

static void hammer_interning(hammer *h, int id, int k)
{
    char name[32];
    int j = k % NNAMES;
    snprintf(name, sizeof name, "thread-name-%d", j);
    pym_object *s = (k & 2) ? pym_str_intern_cstr(name) : NULL;
    if (s == NULL) {
        pym_object *fresh = pym_str_new(name);
        s = fresh ? pym_str_intern(fresh) : NULL;
        pym_xdecref(fresh);
    }
    CHECK(s != NULL && pym_str_is_interned(s));
    if (h->names[id][j] == NULL) h->names[id][j] = s;  /* kept until the end */
    else {
        CHECK(s == h->names[id][j]);
        pym_xdecref(s);
    }
    snprintf(name, sizeof name, "short-lived-%d", k % 8);  /* interned, then dies */
    s = pym_str_intern_cstr(name);
    CHECK(s != NULL && strcmp(pym_str_cstr(s), name) == 0);
    pym_xdecref(s);
}

static void hammer_worker(void *arg, int id)
{
    hammer *h = arg;
    for (int k = 0; k < h->n; k++) {
        pym_incref(h->shared);
        hammer_private(k);
        hammer_list(h, id, k);
        hammer_dict(h, id, k);
        hammer_weakrefs(h, id);
        hammer_interning(h, id, k);
        make_probe_cycle();
        __atomic_add_fetch(&h->cycles, 2, __ATOMIC_RELAXED);
        if (k % 100 == 99) pym_safepoint();
    }
    double t0 = now();
    while (get(&h->collections) < 2) {   /* make sure collections overlapped the work */
        pause_attached();
        hang_guard(t0, "the collector thread");
    }
    barrier_wait(&h->barrier);
    CHECK(pym_refcount(h->shared) == 1 + (int64_t)NWORKERS * h->n);
    barrier_wait(&h->barrier);
    for (int k = 0; k < h->n; k++) {
        pym_decref(h->shared);
        if (k % 100 == 99) pym_safepoint();
    }
    __atomic_add_fetch(&h->workers_done, 1, __ATOMIC_RELEASE);
}

static void collector_thread(void *arg, int id)
{
    (void)id;
    hammer *h = arg;
    for (int g = 0; load(&h->workers_done) < NWORKERS; g++) {
        pym_gc_collect(g % 3);
        __atomic_add_fetch(&h->collections, 1, __ATOMIC_RELAXED);
        pause_attached();
    }
}

static void hammer_setup(hammer *h)
{
    memset(h, 0, sizeof *h);
    reset_counters();
    h->n = quick() ? 300 : 2000;
    h->shared = counted_new();
    h->list = pym_list_new();
    h->dict = pym_dict_new();
    h->shared_probe = probe_new();
    h->shared_ref = pym_weakref_new(h->shared_probe, NULL);
    h->slots = pym_list_new();
    h->callback = pym_cfunc_new("count_callback", count_callback, NULL);
    assert_non_null(h->callback);
    assert_non_null(h->slots);
    assert_non_null(h->shared_ref);
    for (int i = 0; i < NWORKERS; i++) assert_int_equal(pym_list_append(h->slots, pym_none()), 0);
    assert_int_equal(pthread_barrier_init(&h->barrier, NULL, NWORKERS), 0);
}

static void hammer_check_list(hammer *h)
{
    size_t n = (size_t)NWORKERS * (size_t)h->n;
    assert_int_equal(pym_list_len(h->list), n);
    int64_t sum = 0, want = 0;
    for (size_t i = 0; i < n; i++) {
        sum += pym_int_value(pym_list_get(h->list, i));
        want += 1000 + (int64_t)i;
    }
    assert_int_equal(sum, want);   /* every value exactly once */
}

static void hammer_check_names(hammer *h)
{
    for (int j = 0; j < NNAMES && j < h->n; j++) {
        for (int i = 0; i < NWORKERS; i++) {
            assert_true(pym_is(h->names[i][j], h->names[0][j]));
            assert_true(pym_str_is_interned(h->names[i][j]));
        }
        /* every worker holds one reference, so the count is exact */
        assert_int_equal(pym_refcount(h->names[0][j]), NWORKERS);
    }
    for (int i = 0; i < NWORKERS; i++)
        for (int j = 0; j < NNAMES; j++) pym_xdecref(h->names[i][j]);
}

static void hammer_teardown(hammer *h)
{
    pthread_barrier_destroy(&h->barrier);
    pym_decref(h->shared_ref);
    pym_decref(h->shared_probe);
    pym_decref(h->slots);
    pym_decref(h->callback);
    pym_decref(h->dict);
    pym_decref(h->list);
    pym_decref(h->shared);
}

static void test_hammer_shared_objects(void **state)
{
    (void)state;
    hammer h;
    hammer_setup(&h);
    worker ws[NWORKERS + 1];
    start_workers(ws, NWORKERS, hammer_worker, &h);
    start_workers(&ws[NWORKERS], 1, collector_thread, &h);
    join_workers(ws, NWORKERS + 1);

    assert_true(get(&h.collections) >= 2);
    assert_int_equal(pym_refcount(h.shared), 1);
    assert_int_equal(n_counted_dead, 0);
    hammer_check_list(&h);
    size_t even_ks = ((size_t)h.n + 1) / 2;
    assert_int_equal(pym_dict_len(h.dict), NWORKERS * even_ks + NOVERLAP);
    assert_int_equal(get(&n_callbacks), (long)NWORKERS * h.n);
    hammer_check_names(&h);
    assert_true(probe_alive(h.shared_probe));
    pym_gc_collect(2);
    /* every probe is dead but the shared one: private, slot and cycle probes */
    assert_int_equal(get(&n_probes_dead), 2L * NWORKERS * h.n + get(&h.cycles));
    hammer_teardown(&h);
    assert_int_equal(n_counted_dead, 1);
}

/* ---- weakrefs and interning across threads ---------------------------------------- */

/* Weakrefs with callbacks made on other threads (one still attached, one
 * finished or gone) to an object that dies on the main thread: every
 * callback runs, once, on the thread that dropped the last reference.
 * Biased mode: the weakrefs are owned by the other threads, and the dying
 * referent must still be able to take a reference to each of them. */
typedef struct cross_refs {
    pym_object *target, *refs, *callback;
    int step;
} cross_refs;

static void make_weakrefs(void *arg, int id)
{
    cross_refs *c = arg;
    for (int i = 0; i < 10; i++) {
        pym_object *w = pym_weakref_new(c->target, c->callback);
        CHECK(w != NULL && pym_list_append(c->refs, w) == 0);
        pym_xdecref(w);
    }
    if (id == 1) {   /* stays attached while the target dies */
        __atomic_add_fetch(&c->step, 1, __ATOMIC_RELEASE);
        wait_step(&c->step, 10, pause_attached);
    } else {
        __atomic_add_fetch(&c->step, 1, __ATOMIC_RELEASE);
    }
}

static void test_weakref_callbacks_from_other_threads(void **state)
{
    (void)state;
    reset_counters();
    cross_refs c = {probe_new(), pym_list_new(),
                    pym_cfunc_new("count_callback", count_callback, NULL), 0};
    assert_non_null(c.target);
    assert_non_null(c.refs);
    assert_non_null(c.callback);
    worker ws[2];
    start_workers(ws, 2, make_weakrefs, &c);
    wait_step(&c.step, 2, pause_attached);
    size_t count = pym_weakref_count(c.target);
    pym_decref(c.target);
    long callbacks = get(&n_callbacks);
    store(&c.step, 10);
    join_workers(ws, 2);
    assert_int_equal(count, 20);
    assert_int_equal(callbacks, 20);
    assert_int_equal(get(&n_probes_dead), 1);
    for (size_t i = 0; i < 20; i++) assert_null(pym_weakref_get(pym_list_get(c.refs, i)));
    pym_decref(c.refs);
    pym_decref(c.callback);
}

/* An object with a finalizer dies on one thread while another keeps
 * asking its weakref for it.  As in CPython the finalizer runs with the
 * object alive and its weakrefs intact, so the other thread may get (and
 * so resurrect) it meanwhile; either way the finalizer runs once, the
 * object is destroyed once, and the weakref ends up dead. */
static long n_phoenix_finalized;

static void phoenix_finalize(pym_object *self)
{
    (void)self;
    bump(&n_phoenix_finalized);
    for (int i = 0; i < 20; i++) sched_yield();   /* a wide window */
}

static const pym_type phoenix_type = {
    .name = "phoenix",
    .size = sizeof(probe),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = probe_traverse,
    .clear = probe_clear,
    .finalize = phoenix_finalize,
    .destroy = probe_destroy,
};

typedef struct phoenix_race {
    pym_object *ref;
    int started;
    long got;
} phoenix_race;

static void weakref_poller(void *arg, int id)
{
    (void)id;
    phoenix_race *r = arg;
    double t0 = now();
    for (long k = 0;; k++) {
        pym_object *o = pym_weakref_get(r->ref);
        if (o == NULL) break;
        CHECK(((probe *)o)->magic == MAGIC_LIVE);
        bump(&r->got);
        store(&r->started, 1);
        pym_decref(o);
        if (k % 64 == 0) {
            pym_safepoint();
            hang_guard(t0, "the weakref to die");
        }
    }
}

static void test_weakref_get_while_finalizer_runs(void **state)
{
    (void)state;
    reset_counters();
    n_phoenix_finalized = 0;
    for (int round = 0; round < (quick() ? 5 : 30); round++) {
        pym_object *o = pym_new(&phoenix_type);
        assert_non_null(o);
        ((probe *)o)->magic = MAGIC_LIVE;
        phoenix_race r = {pym_weakref_new(o, NULL), 0, 0};
        assert_non_null(r.ref);
        worker w;
        start_workers(&w, 1, weakref_poller, &r);
        wait_step(&r.started, 1, pause_attached);
        pym_decref(o);
        join_workers(&w, 1);
        assert_null(pym_weakref_get(r.ref));
        pym_decref(r.ref);
        assert_int_equal(get(&n_phoenix_finalized), round + 1);
        assert_int_equal(get(&n_probes_dead), round + 1);
    }
}

/* Many threads intern the same string and tuple objects at once (and
 * equal fresh strings): all get the one canonical object. */
typedef struct intern_race {
    pym_object *shared, *tuple;
    pym_object *got[NWORKERS][3];
    pthread_barrier_t barrier;
} intern_race;

static void intern_one(void *arg, int id)
{
    intern_race *r = arg;
    barrier_wait(&r->barrier);
    r->got[id][0] = pym_str_intern(r->shared);
    r->got[id][1] = pym_str_intern_cstr("one string for all threads");
    r->got[id][2] = pym_tuple_intern(r->tuple);
}

static void test_intern_one_string_from_many_threads(void **state)
{
    (void)state;
    for (int round = 0; round < (quick() ? 5 : 50); round++) {
        intern_race r;
        memset(&r, 0, sizeof r);
        r.shared = pym_str_new("one string for all threads");
        assert_non_null(r.shared);
        pym_object *big = pym_int_new(1000000 + round);
        r.tuple = pym_tuple_pack(2, big, r.shared);
        pym_decref(big);
        assert_non_null(r.tuple);
        assert_int_equal(pthread_barrier_init(&r.barrier, NULL, NWORKERS), 0);
        worker ws[NWORKERS];
        start_workers(ws, NWORKERS, intern_one, &r);
        join_workers(ws, NWORKERS);
        pthread_barrier_destroy(&r.barrier);
        pym_object *canon = r.got[0][0];
        assert_true(pym_str_is_interned(canon));
        assert_true(pym_tuple_is_interned(r.got[0][2]));
        for (int i = 0; i < NWORKERS; i++) {
            assert_true(r.got[i][0] == canon && r.got[i][1] == canon);
            assert_true(r.got[i][2] == r.got[0][2]);
        }
        for (int i = 0; i < NWORKERS; i++)
            for (int j = 0; j < 3; j++) pym_decref(r.got[i][j]);
        pym_decref(r.tuple);
        pym_decref(r.shared);
    }
}

/* ---- 2. biased counting: queues, merges, owners that exit ------------------------ */

/* Two attached threads, A (id 0, the owner) and B (id 1), taking turns. */
typedef struct duo {
    int step;
    pym_object *l1, *l2;       /* lists the objects travel through */
    long dead_seen;            /* n_counted_dead as A saw it */
    pym_refcount_stats before;
} duo;

static void duo_setup(duo *d)
{
    memset(d, 0, sizeof *d);
    reset_counters();
    pym_gc_disable();   /* no stop-the-world while a thread waits in pause_keep_queue */
    d->l1 = pym_list_new();
    d->l2 = pym_list_new();
    assert_non_null(d->l1);
    assert_non_null(d->l2);
    pym_get_refcount_stats(&d->before);
}

static void duo_run(duo *d, void (*fn)(void *, int))
{
    worker ws[2];
    start_workers(ws, 2, fn, d);
    join_workers(ws, 2);
    pym_gc_enable();
}

static void duo_teardown(duo *d)
{
    assert_int_equal(pym_list_len(d->l1), 0);
    assert_int_equal(pym_list_len(d->l2), 0);
    pym_decref(d->l1);
    pym_decref(d->l2);
}

/* Refcount bookkeeping: grew by at least (queued, merged) in biased mode,
 * all zeros elsewhere. */
static void assert_stats_grew(const pym_refcount_stats *before, size_t queued, size_t merged)
{
    pym_refcount_stats now;
    pym_get_refcount_stats(&now);
    if (mode_is("biased")) {
        assert_true(now.queued >= before->queued + queued);
        assert_true(now.merged >= before->merged + merged);
    } else {
        assert_int_equal(now.queued, 0);
        assert_int_equal(now.merged, 0);
    }
}

/* B takes and drops references many times (its shared count goes up and
 * down, never below zero), then drops the one A put in l1. */
static void b_churn_then_pop(duo *d)
{
    for (int i = 0; i < 1000; i++) {
        pym_object *r = pym_list_get_ref(d->l1, 0);
        CHECK(r != NULL && ((counted *)r)->magic == MAGIC_LIVE);
        pym_xdecref(r);
    }
    pym_object *v = pym_list_pop(d->l1, 0);
    CHECK(v != NULL);
    pym_xdecref(v);   /* biased: the shared count would go negative: queued to A */
}

/* A makes an object and hands its only reference to l1; B drops it.  In
 * biased mode the object waits in A's queue until A's next safepoint;
 * elsewhere it dies at B's decref.  Either way it dies exactly once. */
static void queued_until_safepoint(void *arg, int id)
{
    duo *d = arg;
    if (id == 0) {
        pym_object *x = counted_new();
        CHECK(x != NULL && pym_list_append(d->l1, x) == 0);
        pym_xdecref(x);
        store(&d->step, 1);
        wait_step(&d->step, 2, pause_keep_queue);
        d->dead_seen = get(&n_counted_dead);
        pym_safepoint();   /* biased: merges the queue, the total is zero */
        CHECK(get(&n_counted_dead) == 1);
    } else {
        wait_step(&d->step, 1, pause_keep_queue);
        b_churn_then_pop(d);
        store(&d->step, 2);
    }
}

static void test_biased_queued_object_dies_at_owner_safepoint(void **state)
{
    (void)state;
    duo d;
    duo_setup(&d);
    duo_run(&d, queued_until_safepoint);
    assert_int_equal(d.dead_seen, mode_is("biased") ? 0 : 1);
    assert_int_equal(n_counted_dead, 1);
    assert_stats_grew(&d.before, 1, 1);
    duo_teardown(&d);
}

/* As above, but A keeps a reference: the merge leaves a live object with
 * merged counts, which dies when B drops the last reference anywhere. */
static void survives_merge(void *arg, int id)
{
    duo *d = arg;
    if (id == 0) {
        pym_object *x = counted_new();
        CHECK(x != NULL && pym_list_append(d->l1, x) == 0);
        store(&d->step, 1);
        wait_step(&d->step, 2, pause_keep_queue);
        pym_safepoint();
        CHECK(get(&n_counted_dead) == 0 && pym_refcount(x) == 1);
        CHECK(pym_list_append(d->l2, x) == 0);
        pym_xdecref(x);
        store(&d->step, 3);
    } else {
        wait_step(&d->step, 1, pause_keep_queue);
        b_churn_then_pop(d);
        store(&d->step, 2);
        wait_step(&d->step, 3, pause_keep_queue);
        pym_object *v = pym_list_pop(d->l2, 0);
        CHECK(v != NULL && pym_refcount(v) == 1 && get(&n_counted_dead) == 0);
        pym_xdecref(v);
        CHECK(get(&n_counted_dead) == 1);
    }
}

static void test_biased_merged_object_dies_with_last_reference(void **state)
{
    (void)state;
    duo d;
    duo_setup(&d);
    duo_run(&d, survives_merge);
    assert_int_equal(n_counted_dead, 1);
    assert_stats_grew(&d.before, 1, 1);
    duo_teardown(&d);
}

/* The owner drops its last local reference while the object sits in its
 * queue and another thread still holds a reference: the object must stay
 * alive (the queue owns a reference) and die exactly once, at A's merge. */
static void local_zero_while_queued(void *arg, int id)
{
    duo *d = arg;
    if (id == 0) {
        pym_object *x = counted_new();                        /* local 1 */
        CHECK(x != NULL && pym_list_append(d->l1, x) == 0);   /* local 2 */
        store(&d->step, 1);
        wait_step(&d->step, 2, pause_keep_queue);            /* B dropped l1's: queued */
        CHECK(pym_list_append(d->l1, x) == 0);               /* local 3 */
        store(&d->step, 3);
        wait_step(&d->step, 4, pause_keep_queue);            /* B put one in l2 */
        pym_xdecref(pym_list_pop(d->l1, 0));                 /* local 2 */
        pym_xdecref(x);                                      /* local 1 */
        pym_xdecref(pym_list_pop(d->l2, 0));                 /* local 0; B holds one */
        CHECK(get(&n_counted_dead) == 0);
        store(&d->step, 5);
        wait_step(&d->step, 6, pause_keep_queue);            /* B dropped its last */
        pym_safepoint();
        CHECK(get(&n_counted_dead) == 1);
    } else {
        wait_step(&d->step, 1, pause_keep_queue);
        pym_xdecref(pym_list_pop(d->l1, 0));                 /* shared -1: queued to A */
        store(&d->step, 2);
        wait_step(&d->step, 3, pause_keep_queue);
        pym_object *r = pym_list_get_ref(d->l1, 0);          /* shared +1 */
        CHECK(r != NULL && pym_list_append(d->l2, r) == 0);  /* shared +1 */
        store(&d->step, 4);
        wait_step(&d->step, 5, pause_keep_queue);
        CHECK(r != NULL && ((counted *)r)->magic == MAGIC_LIVE && get(&n_counted_dead) == 0);
        pym_xdecref(r);                                      /* the last but the queue's */
        store(&d->step, 6);
    }
}

static void test_biased_owner_drops_last_local_while_queued(void **state)
{
    (void)state;
    duo d;
    duo_setup(&d);
    duo_run(&d, local_zero_while_queued);
    assert_int_equal(n_counted_dead, 1);
    assert_stats_grew(&d.before, 1, 1);
    duo_teardown(&d);
}

/* Objects queued to a thread are merged when it detaches. */
static void queued_then_detach(void *arg, int id)
{
    duo *d = arg;
    if (id == 0) {
        pym_object *x = counted_new();
        CHECK(x != NULL && pym_list_append(d->l1, x) == 0);
        pym_xdecref(x);
        store(&d->step, 1);
        wait_step(&d->step, 2, pause_keep_queue);
        d->dead_seen = get(&n_counted_dead);
    } else {
        wait_step(&d->step, 1, pause_keep_queue);
        b_churn_then_pop(d);
        store(&d->step, 2);
    }
}

static void test_biased_detach_merges_queue(void **state)
{
    (void)state;
    duo d;
    duo_setup(&d);
    duo_run(&d, queued_then_detach);
    assert_int_equal(d.dead_seen, mode_is("biased") ? 0 : 1);
    assert_int_equal(n_counted_dead, 1);
    assert_stats_grew(&d.before, 1, 1);
    duo_teardown(&d);
}

/* The owner makes objects, hands them over in l1 and exits; the main
 * thread releases them afterwards (biased: nobody to queue to, the
 * releasing thread merges itself). */
static void owner_then_exit(void *arg, int id)
{
    duo *d = arg;
    if (id != 0) return;
    pym_object *x = counted_new(), *y = counted_new();
    CHECK(x != NULL && y != NULL);
    CHECK(pym_list_append(d->l1, x) == 0 && pym_list_append(d->l1, y) == 0);
    CHECK(pym_list_append(d->l1, y) == 0);
    pym_xdecref(x);
    pym_xdecref(y);
}

static void test_biased_owner_exited(void **state)
{
    (void)state;
    duo d;
    duo_setup(&d);
    duo_run(&d, owner_then_exit);
    pym_object *y1 = pym_list_pop(d.l1, 2), *y2 = pym_list_pop(d.l1, 1);
    pym_object *x = pym_list_pop(d.l1, 0);
    assert_true(y1 == y2 && x != y1);
    pym_object *extra = pym_incref(x);   /* +1 -1 on the shared count */
    pym_decref(extra);
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(x);
    assert_int_equal(n_counted_dead, 1);
    assert_int_equal(pym_refcount(y1), 2);
    pym_decref(y1);
    assert_int_equal(n_counted_dead, 1);
    assert_int_equal(pym_refcount(y2), 1);
    pym_decref(y2);
    assert_int_equal(n_counted_dead, 2);
    assert_stats_grew(&d.before, 2, 2);
    duo_teardown(&d);
}

/* A thread that starts after another exited usually gets the same thread
 * pointer, which biased counting uses as the owner's id: the new thread
 * then counts the old one's objects locally.  Either way every object
 * must die exactly once, when its last reference goes. */
static void owner_then_successor(void *arg, int id)
{
    (void)id;
    duo *d = arg;
    if (load(&d->step) == 0) {   /* the first owner */
        pym_object *x = counted_new();
        CHECK(x != NULL && pym_list_append(d->l1, x) == 0 && pym_list_append(d->l1, x) == 0);
        pym_xdecref(x);
        store(&d->step, 1);
        return;
    }
    pym_object *v = pym_list_pop(d->l1, 1);  /* the successor */
    CHECK(v != NULL && pym_refcount(v) == 2);
    for (int i = 0; i < 1000; i++) pym_decref(pym_incref(v));
    CHECK(pym_list_append(d->l2, v) == 0);
    pym_xdecref(v);
    pym_xdecref(pym_list_pop(d->l1, 0));
    CHECK(get(&n_counted_dead) == 0);
}

static void test_biased_successor_thread(void **state)
{
    (void)state;
    duo d;
    duo_setup(&d);
    for (int round = 0; round < 2; round++) {
        worker w;
        start_workers(&w, 1, owner_then_successor, &d);
        join_workers(&w, 1);
    }
    pym_gc_enable();
    assert_int_equal(n_counted_dead, 0);
    pym_object *v = pym_list_pop(d.l2, 0);
    assert_int_equal(pym_refcount(v), 1);
    pym_decref(v);
    assert_int_equal(n_counted_dead, 1);
    duo_teardown(&d);
}

/* Short-lived producers hand objects to a long-lived consumer, which
 * drops them while their owners are running, reaching safepoints,
 * detaching or gone: in biased mode every one is queued to its owner or,
 * past its exit, merged by the consumer; each dies exactly once. */
typedef struct handoff {
    pym_object *list;
    long total, consumed;
    int per_producer;
} handoff;

static void producer(void *arg, int id)
{
    (void)id;
    handoff *h = arg;
    for (int i = 0; i < h->per_producer; i++) {
        pym_object *x = counted_new();
        CHECK(x != NULL && pym_list_append(h->list, x) == 0);
        pym_xdecref(x);
        if (i % 16 == 15) pym_safepoint();
    }
}

static void consumer(void *arg, int id)
{
    (void)id;
    handoff *h = arg;
    double t0 = now();
    while (get(&h->consumed) < h->total) {
        size_t n = pym_list_len(h->list);
        if (n == 0) {
            pause_attached();
            hang_guard(t0, "the producers' objects");
            continue;
        }
        pym_object *x = pym_list_pop(h->list, n - 1);  /* the only consumer */
        CHECK(x != NULL && ((counted *)x)->magic == MAGIC_LIVE);
        pym_xdecref(x);
        bump(&h->consumed);
        if (get(&h->consumed) % 32 == 0) pym_safepoint();
    }
}

static void test_handoff_to_a_consumer_across_thread_exits(void **state)
{
    (void)state;
    reset_counters();
    pym_refcount_stats before;
    pym_get_refcount_stats(&before);
    int rounds = quick() ? 5 : 25;
    handoff h = {pym_list_new(), 0, 0, 200};
    assert_non_null(h.list);
    h.total = (long)rounds * 3 * h.per_producer;
    worker cons;
    start_workers(&cons, 1, consumer, &h);
    for (int r = 0; r < rounds; r++) {
        worker ws[3];
        start_workers(ws, 3, producer, &h);
        join_workers(ws, 3);
    }
    join_workers(&cons, 1);
    pym_safepoint();
    assert_int_equal(get(&h.consumed), h.total);
    assert_int_equal(get(&n_counted_dead), h.total);
    assert_int_equal(pym_list_len(h.list), 0);
    assert_stats_grew(&before, (size_t)h.total, (size_t)h.total);
    pym_decref(h.list);
}

/* ---- 3. the GIL: switch interval, forced switching, allow-threads ----------------- */

static void test_switch_interval_roundtrip(void **state)
{
    (void)state;
    assert_true(pym_get_switch_interval() == 0.005);   /* CPython's default */
    pym_set_switch_interval(0.001);
    assert_true(pym_get_switch_interval() == 0.001);
    pym_set_switch_interval(0.0);                       /* ignored */
    pym_set_switch_interval(-1.0);
    assert_true(pym_get_switch_interval() == 0.001);
    pym_set_switch_interval(0.005);
    assert_true(pym_get_switch_interval() == 0.005);
}

typedef struct racers {
    long count[2];
    long saw_other[2];   /* own count when the other's was first seen non-zero */
} racers;

/* Counts until the other thread has counted too.  Under the GIL the other
 * can only run if this one drops the GIL at a safepoint: without forced
 * switching neither would ever finish. */
static void cpu_bound(void *arg, int id)
{
    racers *r = arg;
    double t0 = now();
    long *mine = &r->count[id], *theirs = &r->count[1 - id];
    for (;;) {
        long n = bump(mine);
        if (get(theirs) > 0) {
            if (r->saw_other[id] == 0) r->saw_other[id] = n;
            if (n >= 1000) break;
        }
        if (n % 100 == 0) {
            pym_safepoint();
            hang_guard(t0, "the other CPU-bound thread");
        }
    }
}

static void test_cpu_bound_threads_both_progress(void **state)
{
    (void)state;
    racers r = {{0, 0}, {0, 0}};
    pym_set_switch_interval(0.001);
    worker ws[2];
    start_workers(ws, 2, cpu_bound, &r);
    join_workers(ws, 2);
    pym_set_switch_interval(0.005);
    assert_true(r.count[0] >= 1000 && r.count[1] >= 1000);
    assert_true(r.saw_other[0] > 0 && r.saw_other[1] > 0);
}

/* The main thread keeps the GIL (gil mode) except inside allow-threads;
 * a worker that must attach and run pym code can only finish then. */
static void attach_and_work(void *arg, int id)
{
    (void)id;
    int *flag = arg;
    pym_object *l = pym_list_new();
    CHECK(l != NULL && pym_list_append(l, l) == 0);
    pym_xdecref(l);
    pym_gc_collect(0);
    store(flag, 1);
}

static void test_allow_threads_lets_another_thread_run(void **state)
{
    (void)state;
    int flag = 0;
    worker w;
    start_workers(&w, 1, attach_and_work, &flag);
    pym_allow_threads_begin();
    double t0 = now();
    while (load(&flag) == 0) {
        sched_yield();
        hang_guard(t0, "a worker while the main thread allows threads");
    }
    pym_allow_threads_end();
    assert_int_equal(load(&flag), 1);
    join_workers(&w, 1);
}

static void test_attach_nests_and_detach_is_safe(void **state)
{
    (void)state;
    assert_int_equal(pym_thread_attach(), 0);   /* already attached by pym_init */
    pym_thread_detach();                        /* still attached once */
    pym_object *o = pym_int_new(12345);
    assert_non_null(o);
    pym_decref(o);
    pym_safepoint();
}

/* ---- 4. why the GIL exists ------------------------------------------------------ */

typedef struct plain_race {
    volatile uint32_t counter;
    long n;
    pym_object *obj;
    pthread_barrier_t start;   /* so the two loops overlap */
} plain_race;

#if !UNDER_TSAN
/* A deliberate data race: plain ++ from threads that hold no lock. */
static void *unlocked_increments(void *arg)
{
    plain_race *r = arg;
    pthread_barrier_wait(&r->start);
    for (long i = 0; i < r->n; i++) r->counter++;
    return NULL;
}
#endif

static void locked_increments(void *arg, int id)
{
    (void)id;
    plain_race *r = arg;
    for (long i = 0; i < r->n; i++) {
        pym_incref(r->obj);
        if (i % 100 == 99) pym_safepoint();
    }
}

static void locked_decrements(void *arg, int id)
{
    (void)id;
    plain_race *r = arg;
    for (long i = 0; i < r->n; i++) {
        pym_decref(r->obj);
        if (i % 100 == 99) pym_safepoint();
    }
}

static void test_lost_updates_without_the_gil(void **state)
{
    (void)state;
    reset_counters();
    plain_race r;
    r.n = quick() ? 200000 : 2000000;
    r.obj = counted_new();
    assert_non_null(r.obj);
#if !UNDER_TSAN
    if (mode_is("gil")) {
        /* A copy of the count, raced on by threads that are not attached. */
        r.counter = (uint32_t)pym_refcount(r.obj);
        pthread_t a, b;
        assert_int_equal(pthread_barrier_init(&r.start, NULL, 2), 0);
        pym_allow_threads_begin();
        pthread_create(&a, NULL, unlocked_increments, &r);
        pthread_create(&b, NULL, unlocked_increments, &r);
        pthread_join(a, NULL);
        pthread_join(b, NULL);
        pym_allow_threads_end();
        pthread_barrier_destroy(&r.start);
        uint64_t observed = r.counter - 1u;
        print_message("without the GIL: %llu of %ld increments arrived, %llu lost\n",
                      (unsigned long long)observed, 2 * r.n,
                      (unsigned long long)(2 * (uint64_t)r.n - observed));
        assert_true(observed <= 2 * (uint64_t)r.n);
    }
#endif
    /* The same work on the real count: under the GIL, or atomically. */
    worker ws[2];
    start_workers(ws, 2, locked_increments, &r);
    join_workers(ws, 2);
    assert_int_equal(pym_refcount(r.obj), 1 + 2 * r.n);
    start_workers(ws, 2, locked_decrements, &r);
    join_workers(ws, 2);
    assert_int_equal(pym_refcount(r.obj), 1);
    assert_int_equal(n_counted_dead, 0);
    pym_decref(r.obj);
    assert_int_equal(n_counted_dead, 1);
}

/* ---- 5. stop-the-world ------------------------------------------------------------- */

typedef struct churn {
    int n;
    long created;        /* probes put into garbage cycles */
    long main_collections;
    int done;
} churn;

/* Keeps making garbage cycles (and short-lived objects) until it has made
 * n and the main thread has collected at least twice meanwhile. */
static void churn_worker(void *arg, int id)
{
    churn *c = arg;
    double t0 = now();
    for (int k = 0; k < c->n || get(&c->main_collections) < 2; k++) {
        make_probe_cycle();
        __atomic_add_fetch(&c->created, 2, __ATOMIC_RELAXED);
        pym_object *l = pym_list_new();
        pym_object *v = pym_int_new(100000 + id);
        CHECK(l && v && pym_list_append(l, v) == 0);
        pym_xdecref(v);
        pym_xdecref(l);
        pym_safepoint();
        if (k % 100 == 0) hang_guard(t0, "the main thread's collections");
    }
    __atomic_add_fetch(&c->done, 1, __ATOMIC_RELEASE);
}

static void test_stop_the_world_collects_worker_cycles(void **state)
{
    (void)state;
    reset_counters();
    churn c = {.n = quick() ? 300 : 3000};
    pym_gc_disable();   /* only the main thread's collections find the cycles */
    worker ws[NWORKERS];
    start_workers(ws, NWORKERS, churn_worker, &c);
    size_t found = 0;
    while (load(&c.done) < NWORKERS) {
        found += pym_gc_collect(2);
        bump(&c.main_collections);
        pause_attached();
    }
    join_workers(ws, NWORKERS);
    found += pym_gc_collect(2);
    pym_gc_enable();
    assert_true(get(&c.main_collections) >= 2);
    assert_int_equal(get(&n_probes_dead), get(&c.created));
    assert_int_equal(found, (size_t)get(&c.created));
}

/* A finalizer run by the collector (with the world stopped) that reaches a
 * safepoint and allows threads must not wait for the collection it is in. */
static long n_safepoint_finalized;

static void safepoint_finalize(pym_object *self)
{
    (void)self;
    pym_safepoint();
    pym_allow_threads_begin();
    pym_allow_threads_end();
    pym_safepoint();
    bump(&n_safepoint_finalized);
}

static const pym_type safepoint_fin_type = {
    .name = "safepoint_fin",
    .size = sizeof(probe),
    .flags = PYM_TYPE_GC,
    .traverse = probe_traverse,
    .clear = probe_clear,
    .finalize = safepoint_finalize,
    .destroy = probe_clear,
};

typedef struct spinner {
    int stop;
    long spins;
} spinner;

static void safepoint_spinner(void *arg, int id)
{
    (void)id;
    spinner *s = arg;
    while (!load(&s->stop)) {
        bump(&s->spins);
        pym_safepoint();
        sched_yield();
    }
}

static void test_finalizer_reaching_safepoint_during_collection(void **state)
{
    (void)state;
    n_safepoint_finalized = 0;
    spinner s = {0, 0};
    worker w;
    start_workers(&w, 1, safepoint_spinner, &s);
    while (get(&s.spins) == 0) pause_attached();
    for (int round = 0; round < 20; round++) {
        pym_object *a = pym_new(&safepoint_fin_type), *b = pym_new(&safepoint_fin_type);
        assert_non_null(a);
        assert_non_null(b);
        ((probe *)a)->other = pym_incref(b);
        ((probe *)b)->other = pym_incref(a);
        pym_decref(a);
        pym_decref(b);
        assert_int_equal(pym_gc_collect(2), 2);
    }
    store(&s.stop, 1);
    join_workers(&w, 1);
    assert_int_equal(get(&n_safepoint_finalized), 40);
}

/* Several threads collecting at once: one stops the world, the others wait
 * at a safepoint; all the garbage is found exactly once. */
static void collecting_worker(void *arg, int id)
{
    (void)id;
    churn *c = arg;
    for (int k = 0; k < c->n; k++) {
        make_probe_cycle();
        __atomic_add_fetch(&c->created, 2, __ATOMIC_RELAXED);
        size_t found = pym_gc_collect(k % 3);
        __atomic_add_fetch(&c->main_collections, (long)found, __ATOMIC_RELAXED);
        if (k % 10 == 0) pym_safepoint();
    }
}

static void test_concurrent_collections(void **state)
{
    (void)state;
    reset_counters();
    churn c = {.n = quick() ? 50 : 300};
    worker ws[NWORKERS];
    start_workers(ws, NWORKERS, collecting_worker, &c);
    join_workers(ws, NWORKERS);
    size_t found = (size_t)get(&c.main_collections) + pym_gc_collect(2);
    assert_int_equal(get(&n_probes_dead), get(&c.created));
    assert_true(found <= (size_t)get(&c.created));   /* automatic ones found the rest */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_hammer_shared_objects),
        PYM_TEST(test_weakref_callbacks_from_other_threads),
        PYM_TEST(test_weakref_get_while_finalizer_runs),
        PYM_TEST(test_intern_one_string_from_many_threads),
        PYM_TEST(test_biased_queued_object_dies_at_owner_safepoint),
        PYM_TEST(test_biased_merged_object_dies_with_last_reference),
        PYM_TEST(test_biased_owner_drops_last_local_while_queued),
        PYM_TEST(test_biased_detach_merges_queue),
        PYM_TEST(test_biased_owner_exited),
        PYM_TEST(test_biased_successor_thread),
        PYM_TEST(test_handoff_to_a_consumer_across_thread_exits),
        PYM_TEST(test_switch_interval_roundtrip),
        PYM_TEST(test_cpu_bound_threads_both_progress),
        PYM_TEST(test_allow_threads_lets_another_thread_run),
        PYM_TEST(test_attach_nests_and_detach_is_safe),
        PYM_TEST(test_lost_updates_without_the_gil),
        PYM_TEST(test_stop_the_world_collects_worker_cycles),
        PYM_TEST(test_finalizer_reaching_safepoint_during_collection),
        PYM_TEST(test_concurrent_collections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
