/* test_finalization.c: PEP 442 finalizers (the `finalize` slot, run by
 * runtime/object.c at refcount death and by runtime/gc.c in collections),
 * translated from CPython's Lib/test/test_finalization.py: simple objects,
 * self-cycles and cyclic chains whose finalizers do nothing, resurrect
 * their object, or break their own references; objects that are not
 * tracked by the collector; then what PEP 442 promises beyond those tests:
 * a finalizer runs at most once however its object dies, errors in it are
 * unraisable, and a million-deep chain of objects with finalizers is freed
 * without deep recursion, by refcounting and by a collection.
 *
 * CPython's classes map to tests/support/gc_types.h: Simple is a
 * gct_fin_type node (action GCT_NOTHING), SimpleResurrector GCT_RESURRECT
 * (survivors list), Suicidal* GCT_SUICIDE, NonGC gct_nongc_fin_type; "ids"
 * are the nodes' ids, del_calls the per-id finalizer counts. */
#include <stdio.h>

#include "support/gc_types.h"
#include "support/pym_test.h"

static void start(void)
{
    gct_reset();
    pym_gc_collect(2);
    pym_gc_disable();   /* SimpleBase.test(): support.disable_gc() */
}

static void finish(void)
{
    gct_clear_survivors();
    pym_gc_collect(2);
    assert_int_equal(gct_count.double_finalized, 0);
    pym_gc_enable();
}

static bool is_dead(pym_object *wr)
{
    pym_object *v = pym_weakref_get(wr);
    pym_xdecref(v);
    return v == NULL;
}

/* The finalizer was called exactly once for ids lo..hi-1, never for others. */
static void assert_del_calls(long lo, long hi)
{
    for (long id = 0; id < 64; id++) assert_int_equal(gct_fin_count(id), id >= lo && id < hi);
}

static bool survivor_has(long id)
{
    for (size_t i = 0; i < gct_survivor_count(); i++)
        if (gct(gct_survivor(i))->id == id) return true;
    return false;
}

/* ---- SimpleFinalizationTest: no cycles --------------------------------------- */

/* test_finalization.py::SimpleFinalizationTest::test_simple */
static void test_simple(void **state)
{
    (void)state;
    start();
    pym_object *s = gct_new(&gct_fin_type, 1);
    pym_object *wr = pym_weakref_new(s, NULL);
    pym_decref(s);
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    assert_true(is_dead(wr));
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    pym_decref(wr);
    finish();
}

/* test_finalization.py::SimpleFinalizationTest::test_simple_resurrect:
 * resurrected at refcount death, the object keeps its weakrefs; released
 * again, its finalizer does not run a second time. */
static void test_simple_resurrect(void **state)
{
    (void)state;
    start();
    pym_object *s = gct_new(&gct_fin_type, 1);
    gct(s)->action = GCT_RESURRECT;
    pym_object *wr = pym_weakref_new(s, NULL);
    pym_decref(s);
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_true(survivor_has(1));
    assert_false(is_dead(wr));
    assert_true(pym_gc_is_finalized(gct_survivor(0)));
    gct_clear_survivors();
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    assert_true(is_dead(wr));
    assert_int_equal(gct_destroy_count(1), 1);
    pym_decref(wr);
    finish();
}

/* test_finalization.py::SimpleFinalizationTest::test_non_gc: an object
 * the collector never tracks still gets its finalizer at refcount death. */
static void test_non_gc(void **state)
{
    (void)state;
    start();
    pym_object *s = gct_new(&gct_nongc_fin_type, 1);
    assert_false(pym_gc_is_tracked(s));
    pym_decref(s);
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_int_equal(gct_destroy_count(1), 1);
    finish();
}

/* test_finalization.py::SimpleFinalizationTest::test_non_gc_resurrect.
 * CPython cannot mark a non-GC object as finalized (the flag lives in the
 * GC header), so its test expects __del__ to run, and resurrect, again on
 * the second death.  pym keeps the flag in every object header and its
 * contract is "at most once per object": the second death frees it. */
static void test_non_gc_resurrect(void **state)
{
    (void)state;
    start();
    pym_object *s = gct_new(&gct_nongc_fin_type, 1);
    gct(s)->action = GCT_RESURRECT;
    assert_false(pym_gc_is_tracked(s));
    pym_decref(s);
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_true(survivor_has(1));
    gct_clear_survivors();
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    assert_int_equal(gct_destroy_count(1), 1);
    finish();
}

/* ---- SelfCycleFinalizationTest ----------------------------------------------------- */

static pym_object *self_cycle(long id, int action)
{
    pym_object *s = gct_self_cycle(&gct_fin_type, id);
    gct(s)->action = action;
    return s;
}

/* test_finalization.py::SelfCycleFinalizationTest::test_simple */
static void test_self_cycle_simple(void **state)
{
    (void)state;
    start();
    pym_object *s = self_cycle(1, GCT_NOTHING);
    pym_object *wr = pym_weakref_new(s, NULL);
    pym_decref(s);
    assert_del_calls(0, 0);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    assert_true(is_dead(wr));
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    pym_decref(wr);
    finish();
}

/* test_finalization.py::SelfCycleFinalizationTest::test_simple_resurrect:
 * __del__ resurrects the object being collected; its weakrefs were
 * already cleared; destroying it again does not call __del__ again. */
static void test_self_cycle_resurrect(void **state)
{
    (void)state;
    start();
    pym_object *s = self_cycle(1, GCT_RESURRECT);
    pym_object *wr = pym_weakref_new(s, NULL);
    pym_decref(s);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_del_calls(1, 2);
    assert_true(survivor_has(1));
    assert_true(is_dead(wr));
    /* the survivor is intact: its self-reference was not cleared */
    assert_ptr_equal(gct_get(gct_survivor(0), 0), gct_survivor(0));
    assert_int_equal(gct_count.cleared, 0);
    gct_clear_survivors();
    assert_int_equal(pym_gc_collect(2), 1);
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    assert_true(is_dead(wr));
    assert_int_equal(gct_destroy_count(1), 1);
    pym_decref(wr);
    finish();
}

/* test_finalization.py::SelfCycleFinalizationTest::test_simple_suicide:
 * the object kills its last reference during __del__. */
static void test_self_cycle_suicide(void **state)
{
    (void)state;
    start();
    pym_object *s = self_cycle(1, GCT_SUICIDE);
    pym_object *wr = pym_weakref_new(s, NULL);
    pym_decref(s);
    assert_int_equal(pym_gc_collect(2), 0);   /* freed in the finalizer phase */
    assert_del_calls(1, 2);
    assert_int_equal(gct_survivor_count(), 0);
    assert_true(is_dead(wr));
    assert_int_equal(gct_destroy_count(1), 1);
    assert_int_equal(gct_count.cleared, 0);
    pym_gc_collect(2);
    assert_del_calls(1, 2);
    pym_decref(wr);
    finish();
}

/* ---- CycleChainFinalizationTest ------------------------------------------------------ */

enum { LEFT = 0, RIGHT = 1 };
static size_t sanity_errors;

/* ChainedBase.check_sanity, run at the start of each __del__: each
 * neighbour still points back, unless it broke its links itself. */
static void chain_sanity(pym_object *self)
{
    pym_object *left = gct_get(self, LEFT), *right = gct_get(self, RIGHT);
    if (left == NULL || right == NULL) {
        sanity_errors++;
        return;
    }
    if (gct_get(left, RIGHT) != (gct(left)->suicided ? NULL : self)) sanity_errors++;
    if (gct_get(right, LEFT) != (gct(right)->suicided ? NULL : self)) sanity_errors++;
}

/* nodes[i].chain(nodes[i-1]): a ring, each node linked both ways. */
static void build_chain(const int *actions, int n, pym_object **nodes)
{
    for (int i = 0; i < n; i++) {
        nodes[i] = gct_new(&gct_fin_type, i + 1);
        gct(nodes[i])->action = actions[i];
    }
    for (int i = 0; i < n; i++) {
        pym_object *left = nodes[(i + n - 1) % n];
        gct_set(nodes[i], LEFT, left);
        gct_set(left, RIGHT, nodes[i]);
    }
}

static void check_non_resurrecting_chain(const int *actions, int n)
{
    start();
    sanity_errors = 0;
    gct_fin_hook = chain_sanity;
    pym_object *nodes[8], *wrs[8];
    build_chain(actions, n, nodes);
    for (int i = 0; i < n; i++) wrs[i] = pym_weakref_new(nodes[i], NULL);
    for (int i = 0; i < n; i++) pym_decref(nodes[i]);
    pym_gc_collect(2);
    assert_del_calls(1, n + 1);
    assert_int_equal(gct_survivor_count(), 0);
    for (int i = 0; i < n; i++) assert_true(is_dead(wrs[i]));
    pym_gc_collect(2);
    assert_del_calls(1, n + 1);
    assert_int_equal(gct_count.destroyed, n);
    assert_int_equal(sanity_errors, 0);
    for (int i = 0; i < n; i++) pym_decref(wrs[i]);
    finish();
}

static void check_resurrecting_chain(const int *actions, int n)
{
    start();
    sanity_errors = 0;
    gct_fin_hook = chain_sanity;
    pym_object *nodes[8], *wrs[8];
    build_chain(actions, n, nodes);
    for (int i = 0; i < n; i++) wrs[i] = pym_weakref_new(nodes[i], NULL);
    for (int i = 0; i < n; i++) pym_decref(nodes[i]);
    pym_gc_collect(2);
    assert_del_calls(1, n + 1);
    size_t resurrectors = 0;
    for (int i = 0; i < n; i++) {
        bool r = actions[i] == GCT_RESURRECT;
        resurrectors += r;
        assert_int_equal(survivor_has(i + 1), r);
    }
    assert_int_equal(gct_survivor_count(), resurrectors);
    for (int i = 0; i < n; i++) assert_true(is_dead(wrs[i]));
    gct_clear_survivors();
    pym_gc_collect(2);
    assert_del_calls(1, n + 1);
    assert_int_equal(gct_survivor_count(), 0);
    assert_int_equal(gct_count.destroyed, n);
    assert_int_equal(sanity_errors, 0);
    for (int i = 0; i < n; i++) pym_decref(wrs[i]);
    finish();
}

#define S GCT_NOTHING      /* SimpleChained */
#define R GCT_RESURRECT    /* ChainedResurrector */
#define X GCT_SUICIDE      /* SuicidalChained */

/* test_finalization.py::CycleChainFinalizationTest::test_homogenous */
static void test_chain_homogenous(void **state)
{
    (void)state;
    const int a[] = {S, S, S};
    check_non_resurrecting_chain(a, 3);
}

/* test_finalization.py::CycleChainFinalizationTest::test_homogenous_resurrect */
static void test_chain_homogenous_resurrect(void **state)
{
    (void)state;
    const int a[] = {R, R, R};
    check_resurrecting_chain(a, 3);
}

/* test_finalization.py::CycleChainFinalizationTest::test_homogenous_suicidal */
static void test_chain_homogenous_suicidal(void **state)
{
    (void)state;
    const int a[] = {X, X, X};
    check_non_resurrecting_chain(a, 3);
}

/* test_finalization.py::CycleChainFinalizationTest::test_heterogenous_suicidal_one */
static void test_chain_heterogenous_suicidal_one(void **state)
{
    (void)state;
    const int a[] = {X, S, X, S};
    check_non_resurrecting_chain(a, 4);
}

/* test_finalization.py::CycleChainFinalizationTest::test_heterogenous_suicidal_two */
static void test_chain_heterogenous_suicidal_two(void **state)
{
    (void)state;
    const int a[] = {X, X, S, S};
    check_non_resurrecting_chain(a, 4);
}

/* test_finalization.py::CycleChainFinalizationTest::test_heterogenous_resurrect_one */
static void test_chain_heterogenous_resurrect_one(void **state)
{
    (void)state;
    const int a[] = {R, S, R, S};
    check_resurrecting_chain(a, 4);
}

/* test_finalization.py::CycleChainFinalizationTest::test_heterogenous_resurrect_two */
static void test_chain_heterogenous_resurrect_two(void **state)
{
    (void)state;
    const int a[] = {R, S, X, R, S, X};
    check_resurrecting_chain(a, 6);
}

/* test_finalization.py::CycleChainFinalizationTest::test_heterogenous_resurrect_three */
static void test_chain_heterogenous_resurrect_three(void **state)
{
    (void)state;
    const int a[] = {R, R, S, S, X, X};
    check_resurrecting_chain(a, 6);
}

#undef S
#undef R
#undef X

/* ---- at most once, whatever the path ------------------------------------------------ */

static int64_t rc_in_finalizer;
static void note_refcount(pym_object *self) { rc_in_finalizer = pym_refcount(self); }

/* At refcount death the finalizer sees the object alive with count 1;
 * resurrected, it may be released and resurrected-by-hand again: the
 * finalizer never runs twice. */
static void test_finalizer_runs_once_by_refcount(void **state)
{
    (void)state;
    start();
    gct_fin_hook = note_refcount;
    pym_object *s = gct_new(&gct_fin_type, 1);
    gct(s)->action = GCT_RESURRECT;
    pym_decref(s);
    assert_int_equal(rc_in_finalizer, 1);
    assert_int_equal(gct_survivor_count(), 1);
    assert_int_equal(pym_refcount(s), 1);
    pym_incref(s);              /* keep it past the survivors list */
    gct_clear_survivors();
    assert_int_equal(gct_destroy_count(1), 0);
    pym_decref(s);
    assert_del_calls(1, 2);
    assert_int_equal(gct_destroy_count(1), 1);
    finish();
}

/* Resurrected by a collection, then dying by refcount: no second call. */
static void test_finalizer_runs_once_collection_then_refcount(void **state)
{
    (void)state;
    start();
    pym_object *s = self_cycle(1, GCT_RESURRECT);
    pym_decref(s);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_true(survivor_has(1));
    gct_set(s, 0, NULL);        /* break the cycle: refcounting frees it */
    gct_clear_survivors();
    assert_del_calls(1, 2);
    assert_int_equal(gct_destroy_count(1), 1);
    finish();
}

static void raise_in_finalizer(pym_object *self)
{
    (void)self;
    pym_err_set(PYM_ERR_RUNTIME, "raised in __del__");
}

/* An error raised by a finalizer is reported as unraisable and cleared:
 * the object is still freed, and an error pending in the code whose
 * decref ran the finalizer is left as it was. */
static void test_finalizer_error_is_unraisable(void **state)
{
    (void)state;
    start();
    gct_fin_hook = raise_in_finalizer;
    pym_decref(gct_new(&gct_fin_type, 1));
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_int_equal(gct_destroy_count(1), 1);
    pym_err_set(PYM_ERR_KEY, "pending");
    pym_decref(gct_new(&gct_fin_type, 2));
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    assert_string_equal(pym_err_message(), "pending");
    pym_err_clear();
    pym_decref(self_cycle(3, GCT_NOTHING));
    assert_int_equal(pym_gc_collect(2), 1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_del_calls(1, 4);
    assert_int_equal(gct_count.destroyed, 3);
    finish();
}

/* Objects the collector cannot see (not GC) with finalizers, held by
 * cyclic trash: they die by refcount when the cycle is cleared, and their
 * finalizers run then, once. */
static void test_non_gc_held_by_cycle(void **state)
{
    (void)state;
    start();
    pym_object *a = self_cycle(1, GCT_NOTHING);
    pym_object *n = gct_new(&gct_nongc_fin_type, 2);
    pym_object *m = gct_new(&gct_nongc_fin_type, 3);
    gct_set(a, 1, n);
    gct_set(n, 0, m);
    pym_decref(n);
    pym_decref(m);
    pym_decref(a);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_del_calls(1, 4);
    assert_int_equal(gct_count.destroyed, 3);
    finish();
}

static size_t nested_collect_result;
static void collect_in_finalizer(pym_object *self)
{
    (void)self;
    nested_collect_result = pym_gc_collect(2);
    /* new cyclic trash made during the collection waits for the next one */
    pym_decref(gct_instance_cycle("Later"));
}

/* A finalizer that collects while a collection runs gets 0; garbage it
 * creates is collected by the next collection. */
static void test_finalizer_collects_during_collection(void **state)
{
    (void)state;
    start();
    gct_fin_hook = collect_in_finalizer;
    nested_collect_result = 99;
    pym_decref(self_cycle(1, GCT_NOTHING));
    assert_int_equal(pym_gc_collect(2), 1);
    assert_int_equal(nested_collect_result, 0);
    gct_fin_hook = NULL;
    assert_int_equal(pym_gc_collect(2), 2);
    finish();
}

/* gc.is_finalized follows the flag whichever way the finalizer ran. */
static void test_is_finalized_paths(void **state)
{
    (void)state;
    start();
    pym_object *s = gct_new(&gct_nongc_fin_type, 1);
    gct(s)->action = GCT_RESURRECT;
    assert_false(pym_gc_is_finalized(s));
    pym_decref(s);
    assert_true(pym_gc_is_finalized(gct_survivor(0)));
    gct_clear_survivors();
    s = self_cycle(2, GCT_RESURRECT);
    pym_decref(s);
    pym_gc_collect(2);
    assert_true(pym_gc_is_finalized(gct_survivor(0)));
    finish();
}

/* ---- deep garbage ------------------------------------------------------------------------ */

/* A compact link with a finalizer, for million-long chains. */
typedef struct link {
    PYM_OBJECT_HEAD
    pym_object *next;
    long fin_calls;
} link;

static size_t links_finalized, links_destroyed, links_double;

static int link_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((link *)self)->next);
    return 0;
}

static void link_clear(pym_object *self)
{
    pym_object *n = ((link *)self)->next;
    ((link *)self)->next = NULL;
    pym_xdecref(n);
}

static void link_finalize(pym_object *self)
{
    if (++((link *)self)->fin_calls > 1) links_double++;
    links_finalized++;
}

static void link_destroy(pym_object *self)
{
    links_destroyed++;
    link_clear(self);
}

static const pym_type link_type = {
    .name = "Link",
    .size = sizeof(link),
    .flags = PYM_TYPE_GC,
    .traverse = link_traverse,
    .clear = link_clear,
    .finalize = link_finalize,
    .destroy = link_destroy,
};

static const pym_type nongc_link_type = {
    .name = "NonGCLink",
    .size = sizeof(link),
    .finalize = link_finalize,
    .destroy = link_destroy,
};

static size_t deep(void) { return gct_quick() ? (size_t)1 << 17 : (size_t)1 << 20; }

/* head -> ... -> tail, n links; returns head (one reference). */
static pym_object *make_chain(const pym_type *t, size_t n)
{
    links_finalized = links_destroyed = links_double = 0;
    pym_object *head = NULL;
    for (size_t i = 0; i < n; i++) {
        pym_object *l = pym_new(t);
        assert_non_null(l);
        ((link *)l)->next = head;   /* takes over the reference */
        head = l;
    }
    return head;
}

static void assert_chain_freed(size_t n)
{
    assert_int_equal(links_finalized, n);
    assert_int_equal(links_destroyed, n);
    assert_int_equal(links_double, 0);
}

/* A 2^20-long chain of objects with finalizers freed by refcounting: no
 * stack overflow, each finalizer once. */
static void test_deep_chain_refcount(void **state)
{
    (void)state;
    start();
    size_t n = deep();
    pym_object *head = make_chain(&link_type, n);
    pym_decref(head);
    assert_chain_freed(n);
    head = make_chain(&nongc_link_type, n);
    pym_decref(head);
    assert_chain_freed(n);
    finish();
}

/* The same chain hanging off a cycle, freed by a collection: 2^20
 * finalizers in finalize_garbage, then clear and refcounting. */
static void test_deep_chain_collection(void **state)
{
    (void)state;
    start();
    size_t n = deep();
    pym_object *root = self_cycle(1, GCT_NOTHING);
    pym_object *head = make_chain(&link_type, n);
    gct_set(root, 1, head);
    pym_decref(head);
    pym_decref(root);
    assert_int_equal(pym_gc_collect(2), n + 1);
    assert_chain_freed(n);
    assert_del_calls(1, 2);
    /* untracked links (invisible to the collector) off a cycle */
    root = self_cycle(2, GCT_NOTHING);
    head = make_chain(&nongc_link_type, n);
    gct_set(root, 1, head);
    pym_decref(head);
    pym_decref(root);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_chain_freed(n);
    finish();
}

/* A deep chain that is itself one big cycle (tail -> head). */
static void test_deep_ring_collection(void **state)
{
    (void)state;
    start();
    size_t n = deep() / 4;
    pym_object *head = make_chain(&link_type, n);
    link *tail = (link *)head;
    while (tail->next != NULL) tail = (link *)tail->next;
    tail->next = pym_incref(head);
    pym_decref(head);
    assert_int_equal(pym_gc_collect(2), n);
    assert_chain_freed(n);
    finish();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_simple),
        PYM_TEST(test_simple_resurrect),
        PYM_TEST(test_non_gc),
        PYM_TEST(test_non_gc_resurrect),
        PYM_TEST(test_self_cycle_simple),
        PYM_TEST(test_self_cycle_resurrect),
        PYM_TEST(test_self_cycle_suicide),
        PYM_TEST(test_chain_homogenous),
        PYM_TEST(test_chain_homogenous_resurrect),
        PYM_TEST(test_chain_homogenous_suicidal),
        PYM_TEST(test_chain_heterogenous_suicidal_one),
        PYM_TEST(test_chain_heterogenous_suicidal_two),
        PYM_TEST(test_chain_heterogenous_resurrect_one),
        PYM_TEST(test_chain_heterogenous_resurrect_two),
        PYM_TEST(test_chain_heterogenous_resurrect_three),
        PYM_TEST(test_finalizer_runs_once_by_refcount),
        PYM_TEST(test_finalizer_runs_once_collection_then_refcount),
        PYM_TEST(test_finalizer_error_is_unraisable),
        PYM_TEST(test_non_gc_held_by_cycle),
        PYM_TEST(test_finalizer_collects_during_collection),
        PYM_TEST(test_is_finalized_paths),
        PYM_TEST(test_deep_chain_refcount),
        PYM_TEST(test_deep_chain_collection),
        PYM_TEST(test_deep_ring_collection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
