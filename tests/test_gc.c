/* test_gc.c: the cyclic garbage collector (runtime/gc.c), translated from
 * CPython's Lib/test/test_gc.py: what pym_gc_collect returns for cycles
 * through lists, dicts, tuples, instances and functions; PEP 442
 * finalizers in cycles; graphs mutated by finalizers and clears in the
 * middle of a collection; counts, generations, thresholds and the
 * long-lived rule; introspection (referents, referrers, tracking, objects
 * per generation); freezing; gc callbacks; resurrection.
 *
 * Python classes are modelled with instances (pym_instance_new: an object
 * plus its attribute dict, so a collected instance counts 2, as a CPython
 * instance with a __dict__ does) and with the user types of
 * tests/support/gc_types.h (one object each).  Each test names the CPython
 * test it mirrors; where CPython only asserts "not zero", the exact pym
 * count is asserted and explained. */
#include <stdio.h>
#include <stdlib.h>

#include "support/gc_types.h"
#include "support/pym_test.h"

static void start(void)
{
    gct_reset();
    pym_gc_collect(2);
}

/* Instances of a class with a self-loop, like test_gc.py's C1055820. */
static pym_object *c1055820(int64_t i)
{
    pym_object *o = pym_instance_new("C1055820");
    assert_non_null(o);
    pym_object *v = pym_int_new(i);
    assert_int_equal(pym_setattr(o, "i", v), 0);
    pym_decref(v);
    assert_int_equal(pym_setattr(o, "loop", o), 0);
    return o;
}

static void gen_count(int out[3]) { pym_gc_get_count(out); }

/* Drops the runtime and starts a fresh one (gc callbacks cannot be
 * unregistered); the fresh runtime has the fixture's baseline again. */
static void restart_runtime(size_t live_at_start)
{
    pym_fini();
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), live_at_start);
}

/* ---- cycles through the built-in containers ---------------------------------- */

/* test_gc.py::GCTests::test_list */
static void test_list(void **state)
{
    (void)state;
    start();
    pym_object *l = pym_list_new();
    assert_int_equal(pym_list_append(l, l), 0);
    pym_gc_collect(2);
    pym_decref(l);
    assert_int_equal(pym_gc_collect(2), 1);
}

/* test_gc.py::GCTests::test_dict */
static void test_dict(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_dict_new();
    pym_object *one = pym_int_new(1);
    assert_int_equal(pym_dict_set(d, one, d), 0);
    pym_gc_collect(2);
    pym_decref(d);
    assert_int_equal(pym_gc_collect(2), 1);
}

/* test_gc.py::GCTests::test_tuple: tuples are immutable, so the loop is
 * closed with a list. */
static void test_tuple(void **state)
{
    (void)state;
    start();
    pym_object *l = pym_list_new();
    pym_object *t = pym_tuple_pack(1, l);
    assert_int_equal(pym_list_append(l, t), 0);
    pym_gc_collect(2);
    pym_decref(t);
    pym_decref(l);
    assert_int_equal(pym_gc_collect(2), 2);
}

/* test_gc.py::GCTests::test_class: `A.a = A`.  A class object is modelled
 * as an instance: the object and its attribute dict are collected. */
static void test_class(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_instance_new("type");
    assert_int_equal(pym_setattr(a, "a", a), 0);
    pym_gc_collect(2);
    pym_decref(a);
    assert_int_equal(pym_gc_collect(2), 2);
}

/* test_gc.py::GCTests::test_instance and test_newinstance */
static void test_instance(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_instance_new("A");
    assert_int_equal(pym_setattr(a, "a", a), 0);
    pym_gc_collect(2);
    pym_decref(a);
    assert_int_equal(pym_gc_collect(2), 2);
    /* A user type with the reference in a slot: just the object. */
    pym_object *b = gct_self_cycle(&gct_plain_type, 1);
    pym_gc_collect(2);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_int_equal(gct_destroy_count(1), 1);
    assert_int_equal(pym_gc_collect(2), 0);
}

static pym_object *noop_method(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    return pym_none();
}

/* test_gc.py::GCTests::test_method: `self.init = self.__init__`, a bound
 * method referring back to its instance: instance, dict and method. */
static void test_method(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_instance_new("A");
    pym_object *m = pym_cfunc_new("__init__", noop_method, a);
    assert_int_equal(pym_setattr(a, "init", m), 0);
    pym_decref(m);
    pym_gc_collect(2);
    pym_decref(a);
    assert_int_equal(pym_gc_collect(2), 3);
}

/* test_gc.py::GCTests::test_function: f -> globals dict -> f. */
static void test_function(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_dict_new();
    pym_object *f = pym_cfunc_new("f", noop_method, d);
    assert_int_equal(pym_dict_set_str(d, "f", f), 0);
    pym_decref(f);
    pym_gc_collect(2);
    pym_decref(d);
    assert_int_equal(pym_gc_collect(2), 2);
}

/* A cycle through a list copy that shares its storage with the original:
 * the shared storage is one object the collector sees once. */
static void test_list_copy_cycle(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_instance_new("Holder");
    pym_object *l1 = pym_list_new();
    assert_int_equal(pym_list_append(l1, a), 0);
    pym_object *l2 = pym_list_copy(l1);
    assert_true(pym_list_shares_storage(l1, l2));
    assert_int_equal(pym_setattr(a, "l1", l1), 0);
    assert_int_equal(pym_setattr(a, "l2", l2), 0);
    pym_decref(l1);
    pym_decref(l2);
    pym_gc_collect(2);
    pym_decref(a);
    /* a, its dict, l1, l2 (the shared storage is internal) */
    assert_int_equal(pym_gc_collect(2), 4);
}

/* Storage is seen by the collector as its own object only once shared:
 * a self-referencing list with private storage, then a copy sharing it,
 * then the copy writing (and so taking a private storage of its own) must
 * all be counted exactly, whichever way each list sees its items. */
static void test_list_storage_private_shared_private(void **state)
{
    (void)state;
    start();
    pym_object *l = pym_list_new();
    assert_int_equal(pym_list_append(l, l), 0);
    assert_int_equal(pym_gc_collect(2), 0);          /* l is ours: alive */
    pym_object *c = pym_list_copy(l);
    assert_true(pym_list_shares_storage(l, c));
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(pym_list_append(c, c), 0);      /* c = [l, c], private */
    assert_false(pym_list_shares_storage(l, c));
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(pym_refcount(l), 3);            /* ours, l's and c's items */
    pym_decref(c);
    assert_int_equal(pym_gc_collect(2), 1);          /* c alone was garbage */
    assert_int_equal(pym_refcount(l), 2);
    pym_decref(l);
    assert_int_equal(pym_gc_collect(2), 1);
}

/* A cycle whose objects have no `clear` except one: breaking that one is
 * enough, and the others are freed by refcounting. */
static void test_cycle_with_clearless_members(void **state)
{
    (void)state;
    start();
    pym_object *a = gct_new(&gct_noclear_type, 1);
    pym_object *b = gct_new(&gct_noclear_type, 2);
    pym_object *c = gct_new(&gct_plain_type, 3);
    gct_set(a, 0, b);
    gct_set(b, 0, c);
    gct_set(c, 0, a);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    assert_int_equal(pym_gc_collect(2), 3);
    assert_int_equal(gct_count.destroyed, 3);
    assert_int_equal(gct_clear_count(3), 1);
}

/* ---- finalizers ---------------------------------------------------------------- */

/* test_gc.py::GCTests::test_legacy_finalizer, under PEP 442 semantics: an
 * object with a finalizer in a cycle is collected (never put in
 * gc.garbage) and its finalizer runs once. */
static void test_finalizer(void **state)
{
    (void)state;
    start();
    pym_object *a = gct_self_cycle(&gct_fin_type, 1);
    pym_object *b = pym_instance_new("B");
    assert_int_equal(pym_setattr(b, "b", b), 0);
    pym_gc_collect(2);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 3);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_destroy_count(1), 1);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_fin_count(1), 1);
}

/* test_gc.py::GCTests::test_legacy_finalizer_newclass: two objects with
 * finalizers referring to each other; neither is preferred, both run. */
static void test_finalizer_2(void **state)
{
    (void)state;
    start();
    pym_object *a = gct_new(&gct_fin_type, 1);
    pym_object *b = gct_new(&gct_fin_type, 2);
    gct_set(a, 0, b);
    gct_set(b, 0, a);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_fin_count(2), 1);
    assert_int_equal(gct_count.destroyed, 2);
    assert_int_equal(gct_count.double_finalized, 0);
}

/* Finalizers allocate; with threshold 1 that starts collections. */
static void allocate_in_finalizer(pym_object *self)
{
    (void)self;
    for (int i = 0; i < 5; i++) {
        pym_object *l = pym_list_new();
        pym_list_append(l, l);
        pym_decref(l);
    }
}

/* test_gc.py::GCTests::test_del and test_del_newclass: __del__ methods can
 * trigger collections. */
static void test_del(void **state)
{
    (void)state;
    start();
    int old[3];
    pym_gc_get_threshold(old);
    pym_gc_enable();
    pym_gc_set_threshold(1, old[1], old[2]);
    gct_fin_hook = allocate_in_finalizer;
    pym_object *a = gct_new(&gct_fin_type, 1);
    pym_decref(a);
    pym_object *b = gct_self_cycle(&gct_fin_type, 2);
    pym_decref(b);
    for (int i = 0; i < 10; i++) pym_decref(pym_list_new());
    pym_gc_disable();
    pym_gc_set_threshold(old[0], old[1], old[2]);
    pym_gc_collect(2);
    gct_fin_hook = NULL;
    pym_gc_enable();
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_fin_count(2), 1);
    assert_int_equal(gct_count.destroyed, 2);
}

/* test_gc.py::GCTests::test_global_del_SystemExit and
 * test_gc_main_module_at_shutdown: cyclic trash with a finalizer that no
 * collection found before shutdown is finalized by pym_fini. */
static void test_finalizer_runs_at_fini(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    pym_gc_disable();
    gct_log_events = true;
    pym_object *a = gct_self_cycle(&gct_fin_type, 1);
    pym_object *l = pym_list_new();
    pym_object *c = gct_new(&gct_fin_type, 2);
    pym_list_append(l, c);
    pym_list_append(l, l);
    pym_decref(c);
    pym_decref(l);
    pym_decref(a);
    assert_string_equal(gct_log(), "");
    pym_fini();
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_fin_count(2), 1);
    assert_int_equal(gct_count.destroyed, 2);
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), base);
}

/* ---- counts and generations ---------------------------------------------------- */

/* test_gc.py::GCTests::test_get_count */
static void test_get_count(void **state)
{
    (void)state;
    start();
    int before[3], after[3];
    gen_count(before);
    pym_object *x = pym_list_new();
    gen_count(after);
    assert_int_equal(before[1], 0);
    assert_int_equal(before[2], 0);
    assert_int_equal(after[1], 0);
    assert_int_equal(after[2], 0);
    assert_true(before[0] < 5);
    assert_true(after[0] > before[0]);
    pym_decref(x);
}

/* count[0] is GC allocations minus GC deallocations: one per list,
 * instance or attribute dict, nothing for ints, strings or floats. */
static void test_count_tracks_allocations(void **state)
{
    (void)state;
    start();
    int c[3], d[3];
    gen_count(c);
    pym_object *l = pym_list_new();
    gen_count(d);
    assert_int_equal(d[0], c[0] + 1);
    pym_object *big = pym_int_new(1000000);
    pym_object *s = pym_str_new("not tracked");
    pym_object *f = pym_float_new(2.5);
    gen_count(d);
    assert_int_equal(d[0], c[0] + 1);
    pym_object *inst = pym_instance_new("I");
    assert_int_equal(pym_setattr(inst, "x", big), 0);  /* creates the attribute dict */
    gen_count(d);
    assert_int_equal(d[0], c[0] + 3);
    pym_decref(inst);
    gen_count(d);
    assert_int_equal(d[0], c[0] + 1);
    pym_decref(l);
    gen_count(d);
    assert_int_equal(d[0], c[0]);
    pym_decref(big);
    pym_decref(s);
    pym_decref(f);
}

static pym_object *g_keep;
static void allocate_and_keep(pym_object *self)
{
    (void)self;
    for (int i = 0; i < 3; i++) {
        pym_object *l = pym_list_new();
        pym_list_append(g_keep, l);
        pym_decref(l);
    }
}

/* The counters are updated when a collection starts (CPython 3.12
 * gc_collect_main: count[generation+1] += 1 and count[0..generation] = 0
 * before update_refs), so GC objects that finalizers allocate during the
 * collection count towards the next one: here three lists made by a
 * finalizer (whose object resurrects, so nothing is freed) leave
 * count[0] == 3 after the collection. */
static void test_count_after_collection_allocations(void **state)
{
    (void)state;
    start();
    pym_gc_disable();
    g_keep = pym_list_new();
    pym_object *a = gct_self_cycle(&gct_fin_type, 1);
    gct(a)->action = GCT_RESURRECT;
    gct_fin_hook = allocate_and_keep;
    pym_decref(a);
    int c[3];
    size_t found = pym_gc_collect(0);
    gen_count(c);
    size_t kept = pym_list_len(g_keep);
    /* clean up first, so that a failure below leaves nothing behind */
    gct_fin_hook = NULL;
    gct_clear_survivors();
    pym_decref(g_keep);
    assert_int_equal(pym_gc_collect(2), 1);
    pym_gc_enable();
    assert_int_equal(found, 0);
    assert_int_equal(kept, 3);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 0);
    assert_int_equal(c[0], 3);
}

/* test_gc.py::GCTests::test_collect_generations: an object trickles into
 * generation N + 1 after each collect(N). */
static void test_collect_generations(void **state)
{
    (void)state;
    start();
    pym_object *x = pym_list_new();
    int c[3];
    pym_gc_collect(0);
    gen_count(c);
    assert_int_equal(c[1], 1);
    assert_int_equal(c[2], 0);
    pym_gc_collect(1);
    gen_count(c);
    assert_int_equal(c[1], 0);
    assert_int_equal(c[2], 1);
    pym_gc_collect(2);
    gen_count(c);
    assert_int_equal(c[1], 0);
    assert_int_equal(c[2], 0);
    pym_decref(x);
}

/* test_gc.py::GCTests::test_get_objects */
static void test_get_objects(void **state)
{
    (void)state;
    start();
    pym_object *l = pym_list_new();
    assert_int_equal(pym_list_append(l, l), 0);
    const bool where[4][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {0, 0, 1}};
    for (int step = 0; step < 4; step++) {
        if (step > 0) pym_gc_collect(step - 1);
        for (int g = 0; g < 3; g++) {
            pym_object *objs = pym_gc_get_objects(g);
            assert_non_null(objs);
            assert_int_equal(gct_list_contains(objs, l), where[step][g]);
            assert_false(gct_list_contains(objs, objs));
            pym_decref(objs);
        }
    }
    pym_decref(l);
    assert_int_equal(pym_gc_collect(2), 1);
}

/* test_gc.py::GCTests::test_get_objects_arguments */
static void test_get_objects_arguments(void **state)
{
    (void)state;
    start();
    pym_object *keep = pym_list_new();
    pym_object *all = pym_gc_get_objects(-1);
    size_t n = 0;
    for (int g = 0; g < 3; g++) {
        pym_object *objs = pym_gc_get_objects(g);
        n += pym_list_len(objs);
        pym_decref(objs);
    }
    /* The per-generation lists are made after `all`, which they see. */
    assert_int_equal(n, pym_list_len(all) + 1);
    assert_true(gct_list_contains(all, keep));
    pym_decref(all);
    assert_null(pym_gc_get_objects(1000));
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    pym_err_clear();
    assert_null(pym_gc_get_objects(-1000));
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    pym_err_clear();
    pym_decref(keep);
}

/* gc.collect(3) and gc.collect(-1) raise ValueError. */
static void test_collect_bad_generation(void **state)
{
    (void)state;
    start();
    assert_int_equal(pym_gc_collect(3), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    pym_err_clear();
    assert_int_equal(pym_gc_collect(-1), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    pym_err_clear();
}

/* test_gc.py::GCTests::test_get_stats: collect(0) counts a collection of
 * generation 0 only, collect(2) one of generation 2 only. */
static void test_get_stats(void **state)
{
    (void)state;
    start();
    pym_gc_disable();
    pym_gc_stats old[3], now[3];
    for (int g = 0; g < 3; g++) pym_gc_get_stats(g, &old[g]);
    pym_gc_collect(0);
    for (int g = 0; g < 3; g++) pym_gc_get_stats(g, &now[g]);
    assert_int_equal(now[0].collections, old[0].collections + 1);
    assert_int_equal(now[1].collections, old[1].collections);
    assert_int_equal(now[2].collections, old[2].collections);
    pym_gc_collect(2);
    for (int g = 0; g < 3; g++) pym_gc_get_stats(g, &now[g]);
    assert_int_equal(now[0].collections, old[0].collections + 1);
    assert_int_equal(now[1].collections, old[1].collections);
    assert_int_equal(now[2].collections, old[2].collections + 1);
    /* collected objects are counted in the generation collected */
    pym_object *l = pym_list_new();
    pym_list_append(l, l);
    pym_decref(l);
    assert_int_equal(pym_gc_collect(1), 1);
    pym_gc_get_stats(1, &now[1]);
    assert_int_equal(now[1].collected, old[1].collected + 1);
    assert_int_equal(now[1].uncollectable, 0);
    pym_gc_stats bad;
    pym_gc_get_stats(7, &bad);
    assert_int_equal(bad.collections, 0);
    pym_gc_enable();
}

static void test_thresholds_and_enable(void **state)
{
    (void)state;
    start();
    int t[3];
    pym_gc_get_threshold(t);
    assert_int_equal(t[0], 700);
    assert_int_equal(t[1], 10);
    assert_int_equal(t[2], 10);
    pym_gc_set_threshold(5, 4, 3);
    pym_gc_get_threshold(t);
    assert_int_equal(t[0], 5);
    assert_int_equal(t[1], 4);
    assert_int_equal(t[2], 3);
    pym_gc_set_threshold(700, 10, 10);
    assert_true(pym_gc_is_enabled());
    pym_gc_disable();
    assert_false(pym_gc_is_enabled());
    pym_gc_enable();
    assert_true(pym_gc_is_enabled());
}

/* Automatic collection: with a low threshold, making cycles in a loop
 * keeps the number of live objects bounded; disabled, nothing collects. */
static void test_automatic_collection(void **state)
{
    (void)state;
    start();
    size_t base = pym_live_objects();
    pym_gc_set_threshold(10, 10, 10);
    pym_gc_stats s0, s1;
    pym_gc_get_stats(0, &s0);
    size_t peak = 0;
    for (int i = 0; i < 5000; i++) {
        pym_decref(gct_instance_cycle("Cyclic"));
        size_t now = pym_live_objects() - base;
        if (now > peak) peak = now;
    }
    pym_gc_get_stats(0, &s1);
    assert_true(s1.collections > s0.collections + 100);
    assert_true(peak < 100);
    pym_gc_collect(2);
    assert_int_equal(pym_live_objects(), base);

    pym_gc_disable();
    pym_gc_get_stats(0, &s0);
    for (int i = 0; i < 1000; i++) pym_decref(gct_instance_cycle("Cyclic"));
    pym_gc_get_stats(0, &s1);
    assert_int_equal(s1.collections, s0.collections);
    assert_true(pym_live_objects() >= base + 2000);
    int c[3];
    gen_count(c);
    assert_true(c[0] >= 2000);
    pym_gc_enable();
    assert_int_equal(pym_gc_collect(2), 2000);
    assert_int_equal(pym_live_objects(), base);
    pym_gc_set_threshold(700, 10, 10);
}

/* Threshold 0 disables automatic collection, as in CPython. */
static void test_threshold_zero(void **state)
{
    (void)state;
    start();
    size_t base = pym_live_objects();
    pym_gc_set_threshold(0, 10, 10);
    pym_gc_stats s0, s1;
    pym_gc_get_stats(0, &s0);
    for (int i = 0; i < 1500; i++) pym_decref(gct_instance_cycle("Cyclic"));
    pym_gc_get_stats(0, &s1);
    assert_int_equal(s1.collections, s0.collections);
    assert_true(pym_live_objects() >= base + 3000);
    pym_gc_set_threshold(700, 10, 10);
    assert_int_equal(pym_gc_collect(2), 3000);
}

/* Generation 1 is collected every threshold1 collections of generation 0,
 * and generation 2 only when the objects promoted into it since the last
 * full collection exceed 25% of those it kept (the long-lived rule). */
static void test_long_lived_rule(void **state)
{
    (void)state;
    start();
    enum { KEEP = 4000 };
    pym_object *keep = pym_list_new();
    for (int i = 0; i < KEEP; i++) {
        pym_object *l = pym_list_new();
        pym_list_append(keep, l);
        pym_decref(l);
    }
    pym_gc_collect(2);   /* ~KEEP long-lived objects */
    pym_gc_set_threshold(10, 2, 1);
    pym_gc_stats g1a, g2a, g1b, g2b;
    pym_gc_get_stats(1, &g1a);
    pym_gc_get_stats(2, &g2a);
    for (int i = 0; i < 3000; i++) pym_decref(gct_instance_cycle("Garbage"));
    pym_gc_get_stats(1, &g1b);
    pym_gc_get_stats(2, &g2b);
    assert_true(g1b.collections > g1a.collections);
    assert_int_equal(g2b.collections, g2a.collections);  /* pending << 25% */
    /* Now promote enough survivors: a full collection follows. */
    pym_object *more = pym_list_new();
    for (int i = 0; i < KEEP / 2; i++) {
        pym_object *l = pym_list_new();
        pym_list_append(more, l);
        pym_decref(l);
    }
    pym_gc_get_stats(2, &g2b);
    assert_true(g2b.collections > g2a.collections);
    pym_gc_set_threshold(700, 10, 10);
    pym_decref(more);
    pym_decref(keep);
    pym_gc_collect(2);
}

/* ---- the trashcan --------------------------------------------------------------- */

static pym_object *ouch(long id)
{
    pym_object *o = gct_new(&gct_fin_type, id);
    gct(o)->action = GCT_COLLECT17;
    return o;
}

/* test_gc.py::GCTests::test_trashcan: deeply nested lists and dicts whose
 * leaves have finalizers that start collections while the nest is being
 * destroyed. */
static void test_trashcan(void **state)
{
    (void)state;
    start();
    pym_gc_enable();
    enum { N = 150 };
    for (int count = 0; count < 2; count++) {
        pym_object *t = pym_list_new(), *u = pym_list_new(), *v = pym_dict_new();
        pym_object *one = pym_int_new(1), *two = pym_int_new(2);
        for (int i = 0; i < N; i++) {
            pym_object *o = ouch(i);
            pym_object *nt = pym_list_new();
            pym_list_append(nt, t);
            pym_list_append(nt, o);
            pym_decref(o);
            pym_decref(t);
            t = nt;
        }
        for (int i = 0; i < N; i++) {
            pym_object *o = ouch(N + i);
            pym_object *nu = pym_list_new();
            pym_list_append(nu, u);
            pym_list_append(nu, o);
            pym_decref(o);
            pym_decref(u);
            u = nu;
        }
        for (int i = 0; i < N; i++) {
            pym_object *o = ouch(2 * N + i);
            pym_object *nv = pym_dict_new();
            pym_dict_set(nv, one, v);
            pym_dict_set(nv, two, o);
            pym_decref(o);
            pym_decref(v);
            v = nv;
        }
        pym_decref(t);
        pym_decref(u);
        pym_decref(v);
    }
    pym_gc_disable();
    assert_int_equal(gct_count.finalized, 2 * 3 * N);
    assert_int_equal(gct_count.destroyed, 2 * 3 * N);
    assert_int_equal(gct_count.double_finalized, 0);
    pym_gc_enable();
}

/* ---- graphs changed in the middle of a collection ------------------------------ */

/* Boom: a clear slot that, like Boom.__getattr__'s `del self.attr`,
 * deletes attributes of other garbage as a side effect. */
static void boom_clear(pym_object *self)
{
    pym_object *other = gct_get(self, 0);
    if (other != NULL && pym_type_of(other) == pym_type_of(self)) gct_set(other, 0, NULL);
    gct_set(self, 0, NULL);
}

static int boom_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(gct_get(self, 0));
    return 0;
}

static size_t booms_destroyed;
static void boom_destroy(pym_object *self)
{
    booms_destroyed++;
    gct_set(self, 0, NULL);
}

static const pym_type boom_type = {
    .name = "Boom",
    .size = sizeof(gct_node),
    .flags = PYM_TYPE_GC,
    .traverse = boom_traverse,
    .clear = boom_clear,
    .destroy = boom_destroy,
};

static void boom_pair(const pym_type *t, pym_object **a, pym_object **b)
{
    *a = gct_new(t, 1);
    *b = gct_new(t, 2);
    gct_set(*a, 0, *b);
    gct_set(*b, 0, *a);
}

/* test_gc.py::GCTests::test_boom: a and b form a cycle; clearing the first
 * one mutates the second (and frees it) as a side effect. */
static void test_boom(void **state)
{
    (void)state;
    start();
    booms_destroyed = 0;
    pym_object *a, *b;
    boom_pair(&boom_type, &a, &b);
    pym_gc_collect(2);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(booms_destroyed, 2);
}

/* Boom2: breaks the cycle only the second time it is asked.  The pym
 * analogue is a finalizer that would break it on a second run: there is
 * none, so the pair is simply collected.  test_gc.py::GCTests::test_boom2
 * and test_boom2_new. */
static void boom2_hook(pym_object *self)
{
    if (gct(self)->fin_calls > 1) gct_set(self, 0, NULL);
}

static void test_boom2(void **state)
{
    (void)state;
    start();
    gct_fin_hook = boom2_hook;
    pym_object *a, *b;
    boom_pair(&gct_fin_type, &a, &b);
    pym_gc_collect(2);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(gct_count.finalized, 2);
    assert_int_equal(gct_count.destroyed, 2);
    assert_int_equal(gct_count.double_finalized, 0);
}

/* test_gc.py::GCTests::test_boom_new, with the deletion moved into a PEP
 * 442 finalizer: the first finalizer drops its reference to the other
 * object, which dies by refcount in the middle of finalize_garbage (its
 * own finalizer running from its deallocation), and that frees the first.
 * Nothing is left for the clear phase, so, as in CPython (which counts
 * only what is still unreachable after the finalizers), 0 is returned. */
static void test_boom_new(void **state)
{
    (void)state;
    start();
    pym_object *a, *b;
    boom_pair(&gct_fin_type, &a, &b);
    gct(a)->action = GCT_SUICIDE;
    gct(b)->action = GCT_SUICIDE;
    pym_gc_collect(2);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_fin_count(2), 1);
    assert_int_equal(gct_count.destroyed, 2);
    assert_int_equal(gct_count.cleared, 0);
}

static void bug21435_hook(pym_object *self)
{
    gct_set(self, 1, pym_none());   /* self.attr = None */
}

/* test_gc.py::GCTests::test_bug21435: B.__del__ sets self.attr = None,
 * freeing the garbage it was in a cycle with while finalize_garbage walks
 * the list.  All of it dies in the finalizer phase: 0 left to count. */
static void test_bug21435(void **state)
{
    (void)state;
    start();
    gct_fin_hook = bug21435_hook;
    pym_object *a = pym_instance_new("A");
    pym_object *x = pym_instance_new("A");
    pym_object *b = gct_new(&gct_fin_type, 1);
    gct_set(b, 0, x);            /* b.x = A() */
    pym_decref(x);
    assert_int_equal(pym_setattr(a, "attr", b), 0);
    gct_set(b, 1, a);            /* b.attr = a */
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_destroy_count(1), 1);
    assert_int_equal(pym_gc_collect(2), 0);
}

/* A container that is not tracked and has no traverse (_testcapi's
 * ContainerNoGC): it hides what it holds from the collector. */
typedef struct nogc_box {
    PYM_OBJECT_HEAD
    pym_object *value;
} nogc_box;

static void box_destroy(pym_object *self)
{
    pym_object *v = ((nogc_box *)self)->value;
    ((nogc_box *)self)->value = NULL;
    pym_xdecref(v);
}

static const pym_type nogc_box_type = {
    .name = "ContainerNoGC",
    .size = sizeof(nogc_box),
    .destroy = box_destroy,
};

/* test_gc.py::GCTests::test_trash_weakref_clear (bpo-38006): A -> Y (not
 * GC) -> Z, and WZ = weakref(Z, callback) is held by A and by a second
 * trash cycle.  The collector cannot see that Z is trash, but WZ is: it
 * is detached before Z dies, so its callback must never run. */
static void test_trash_weakref_clear(void **state)
{
    (void)state;
    start();
    pym_object *calls = pym_list_new();
    pym_object *cb = gct_appender(calls);
    pym_object *a = gct_self_cycle(&gct_plain_type, 1);
    pym_object *y = pym_new(&nogc_box_type);
    pym_object *z = gct_new(&gct_plain_type, 2);
    ((nogc_box *)y)->value = pym_incref(z);
    gct_set(a, 1, y);
    pym_decref(y);
    pym_object *wz = pym_weakref_new(z, cb);
    pym_decref(z);
    gct_set(a, 2, wz);
    pym_object *wr_cycle = pym_list_new();
    pym_list_append(wr_cycle, wz);
    pym_list_append(wr_cycle, wr_cycle);
    pym_decref(wz);
    pym_gc_collect(2);
    pym_gc_disable();
    pym_decref(a);
    pym_decref(wr_cycle);
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(calls), 0);
    assert_int_equal(gct_destroy_count(1), 1);
    assert_int_equal(gct_destroy_count(2), 1);
    pym_gc_enable();
    pym_decref(cb);
    pym_decref(calls);
}

/* ---- introspection -------------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The referents of o, which must all be ints, sorted, as a string. */
static const char *sorted_int_referents(pym_object *o)
{
    static char buf[128];
    int64_t v[16];
    pym_object *r = pym_gc_get_referents(o);
    assert_non_null(r);
    size_t n = pym_list_len(r);
    assert_true(n <= 16);
    for (size_t i = 0; i < n; i++) v[i] = pym_int_value(pym_list_get(r, i));
    pym_decref(r);
    qsort(v, n, sizeof v[0], cmp_i64);
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%lld", i ? "," : "", (long long)v[i]);
    return buf;
}

/* test_gc.py::GCTests::test_get_referents */
static void test_get_referents(void **state)
{
    (void)state;
    start();
    pym_object *one = pym_int_new(1), *three = pym_int_new(3), *five = pym_int_new(5);
    pym_object *seven = pym_int_new(7);
    pym_object *alist = pym_list_new();
    pym_list_append(alist, one);
    pym_list_append(alist, three);
    pym_list_append(alist, five);
    assert_string_equal(sorted_int_referents(alist), "1,3,5");
    pym_object *atuple = pym_tuple_pack(3, one, three, five);
    assert_string_equal(sorted_int_referents(atuple), "1,3,5");
    pym_object *adict = pym_dict_new();
    pym_dict_set(adict, one, three);
    pym_dict_set(adict, five, seven);
    assert_string_equal(sorted_int_referents(adict), "1,3,5,7");
    /* atoms have no referents */
    pym_object *r = pym_gc_get_referents(one);
    assert_int_equal(pym_list_len(r), 0);
    pym_decref(r);
    pym_object *s = pym_str_new("a");
    r = pym_gc_get_referents(s);
    assert_int_equal(pym_list_len(r), 0);
    pym_decref(r);
    pym_decref(s);
    /* a user type's referents are what its traverse visits */
    pym_object *n = gct_new(&gct_plain_type, 1);
    gct_set(n, 1, alist);
    gct_set(n, 3, adict);
    r = pym_gc_get_referents(n);
    assert_int_equal(pym_list_len(r), 2);
    assert_ptr_equal(pym_list_get(r, 0), alist);
    assert_ptr_equal(pym_list_get(r, 1), adict);
    pym_decref(r);
    pym_decref(n);
    pym_decref(alist);
    pym_decref(atuple);
    pym_decref(adict);
}

/* gc.get_referrers: the containers that hold an object, looking through
 * a list's internal storage (shared storage: both lists refer). */
static void test_get_referrers(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_list_new();
    pym_object *b = pym_list_new();
    pym_list_append(b, a);
    pym_object *c = pym_dict_new();
    pym_dict_set_str(c, "a", a);
    pym_object *t = pym_tuple_pack(1, a);
    pym_object *b2 = pym_list_copy(b);
    pym_object *unrelated = pym_list_new();
    pym_object *r = pym_gc_get_referrers(a);
    assert_non_null(r);
    assert_true(gct_list_contains(r, b));
    assert_true(gct_list_contains(r, b2));
    assert_true(gct_list_contains(r, c));
    assert_true(gct_list_contains(r, t));
    assert_false(gct_list_contains(r, a));
    assert_false(gct_list_contains(r, unrelated));
    assert_false(gct_list_contains(r, r));
    assert_int_equal(pym_list_len(r), 4);
    pym_decref(r);
    pym_decref(unrelated);
    pym_decref(b2);
    pym_decref(t);
    pym_decref(c);
    pym_decref(b);
    pym_decref(a);
}

/* test_gc.py::GCTests::test_is_tracked: atoms are not tracked; mutable
 * containers and user-defined GC objects are. */
static void test_is_tracked(void **state)
{
    (void)state;
    start();
    pym_object *atoms[] = {pym_none(), pym_int_new(1), pym_int_new(123456789),
                           pym_float_new(1.0), pym_true(), pym_false(),
                           pym_str_new("a"), pym_str_new("a longer string"),
                           pym_tuple_new(0, NULL)};
    for (size_t i = 0; i < sizeof atoms / sizeof atoms[0]; i++) {
        assert_false(pym_gc_is_tracked(atoms[i]));
        pym_decref(atoms[i]);
    }
    assert_false(pym_gc_is_tracked(NULL));
    pym_object *inst = pym_instance_new("UserClass");
    pym_object *l = pym_list_new();
    pym_object *node = gct_new(&gct_plain_type, 1);
    pym_object *nongc = gct_new(&gct_nongc_fin_type, 2);
    pym_object *f = pym_cfunc_new("f", noop_method, NULL);
    pym_object *wr = pym_weakref_new(inst, NULL);
    assert_true(pym_gc_is_tracked(inst));
    assert_true(pym_gc_is_tracked(l));
    assert_true(pym_gc_is_tracked(node));
    assert_false(pym_gc_is_tracked(nongc));
    assert_true(pym_gc_is_tracked(f));
    assert_true(pym_gc_is_tracked(wr));
    /* dicts: untracked until they hold something that may be in a cycle */
    pym_object *d = pym_dict_new();
    assert_false(pym_gc_is_tracked(d));
    pym_object *one = pym_int_new(1);
    pym_dict_set_str(d, "a", one);
    assert_false(pym_gc_is_tracked(d));
    pym_dict_set_str(d, "b", l);
    assert_true(pym_gc_is_tracked(d));
    pym_decref(d);
    /* untracking by gc.untrack / tracking again */
    pym_gc_untrack(node);
    assert_false(pym_gc_is_tracked(node));
    pym_gc_track(node);
    assert_true(pym_gc_is_tracked(node));
    pym_decref(wr);
    pym_decref(f);
    pym_decref(nongc);
    pym_decref(node);
    pym_decref(l);
    pym_decref(inst);
    gct_count.finalized = 0;
}

/* test_tuple.py::TupleTest::test_track_dynamic: a tuple is tracked when
 * made; collections untrack it once everything in it is untracked (nested
 * tuples may take several collections); a tuple holding a mutable
 * container stays tracked. */
static void test_tuple_untracking(void **state)
{
    (void)state;
    start();
    pym_object *x = pym_float_new(1.5), *y = pym_str_new("a"), *one = pym_int_new(1);
    pym_object *w = pym_list_new();
    pym_object *atomic = pym_tuple_pack(3, x, y, one);
    pym_object *nested = pym_tuple_pack(2, atomic, x);
    pym_object *deep = pym_tuple_pack(1, nested);
    pym_object *holding = pym_tuple_pack(2, x, w);
    pym_object *holding_deep = pym_tuple_pack(1, holding);
    assert_true(pym_gc_is_tracked(atomic));
    assert_true(pym_gc_is_tracked(deep));
    assert_true(pym_gc_is_tracked(holding));
    pym_gc_collect(2);
    pym_gc_collect(2);
    assert_false(pym_gc_is_tracked(atomic));
    assert_false(pym_gc_is_tracked(nested));
    assert_false(pym_gc_is_tracked(deep));
    assert_true(pym_gc_is_tracked(holding));
    assert_true(pym_gc_is_tracked(holding_deep));
    pym_decref(holding_deep);
    pym_decref(holding);
    pym_decref(deep);
    pym_decref(nested);
    pym_decref(atomic);
    pym_decref(w);
    pym_decref(x);
    pym_decref(y);
}

/* test_gc.py::GCTests::test_is_finalized */
static void test_is_finalized(void **state)
{
    (void)state;
    start();
    pym_object *three = pym_int_new(3);
    assert_false(pym_gc_is_finalized(three));
    pym_object *lazarus = gct_new(&gct_fin_type, 1);
    gct(lazarus)->action = GCT_RESURRECT;
    assert_false(pym_gc_is_finalized(lazarus));
    pym_decref(lazarus);
    pym_gc_collect(2);
    assert_int_equal(gct_survivor_count(), 1);
    lazarus = gct_survivor(0);
    assert_true(pym_gc_is_finalized(lazarus));
    gct_clear_survivors();
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_destroy_count(1), 1);
}

/* test_gc.py::GCTests::test_freeze, plus what freezing means: frozen
 * garbage is not collected until it is unfrozen. */
static void test_freeze(void **state)
{
    (void)state;
    start();
    pym_object *l = pym_list_new();
    pym_list_append(l, l);
    pym_gc_collect(0);
    pym_object *young = pym_list_new();
    int c[3];
    gen_count(c);
    assert_int_equal(c[0], 1);
    assert_int_equal(c[1], 1);
    pym_gc_freeze();
    assert_true(pym_gc_get_freeze_count() >= 2);
    gen_count(c);   /* every generation's count is reset (gc_freeze_impl) */
    assert_int_equal(c[0], 0);
    assert_int_equal(c[1], 0);
    assert_int_equal(c[2], 0);
    pym_object *all = pym_gc_get_objects(-1);
    assert_false(gct_list_contains(all, l));
    assert_false(gct_list_contains(all, young));
    pym_decref(all);
    pym_decref(l);
    assert_int_equal(pym_gc_collect(2), 0);
    pym_gc_unfreeze();
    assert_int_equal(pym_gc_get_freeze_count(), 0);
    /* unfrozen objects go to the oldest generation */
    pym_object *old = pym_gc_get_objects(2);
    assert_true(gct_list_contains(old, young));
    pym_decref(old);
    assert_int_equal(pym_gc_collect(2), 1);
    pym_decref(young);
}

/* ---- resurrection ---------------------------------------------------------------- */

/* test_gc.py::GCTests::test_resurrection_only_happens_once_per_object */
static void test_resurrection_only_happens_once_per_object(void **state)
{
    (void)state;
    start();
    pym_gc_disable();
    pym_object *laz = gct_self_cycle(&gct_fin_type, 1);
    gct(laz)->action = GCT_RESURRECT;
    assert_int_equal(gct_fin_count(1), 0);
    pym_decref(laz);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_survivor_count(), 1);
    gct_clear_survivors();
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_survivor_count(), 0);
    assert_int_equal(gct_destroy_count(1), 1);
    pym_gc_enable();
}

/* test_gc.py::GCTests::test_resurrection_is_transitive: resurrecting an
 * object resurrects what it refers to, intact. */
static void test_resurrection_is_transitive(void **state)
{
    (void)state;
    start();
    pym_gc_disable();
    pym_object *laz = gct_new(&gct_fin_type, 1);
    gct(laz)->action = GCT_RESURRECT;
    pym_object *cargo = gct_self_cycle(&gct_plain_type, 2);
    gct_set(laz, 1, cargo);
    gct_set(cargo, 1, laz);
    pym_object *cargo_addr = cargo;
    pym_decref(laz);
    pym_decref(cargo);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_survivor_count(), 1);
    pym_object *inst = gct_survivor(0);
    assert_ptr_equal(gct_get(inst, 1), cargo_addr);
    assert_ptr_equal(gct_get(cargo_addr, 0), cargo_addr);
    assert_ptr_equal(gct_get(cargo_addr, 1), inst);
    assert_int_equal(gct_count.cleared, 0);
    gct_clear_survivors();
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_count.destroyed, 2);
    pym_gc_enable();
}

/* Z: an object with an attribute dict {"me": self} whose finalizer
 * resurrects it (two objects, like a CPython instance and its __dict__). */
static pym_object *make_z(long id)
{
    pym_object *z = gct_new(&gct_fin_type, id);
    gct(z)->action = GCT_RESURRECT;
    pym_object *d = pym_dict_new();
    pym_dict_set_str(d, "me", z);
    gct_set(z, 0, d);
    pym_decref(d);
    return z;
}

static void collected_and_uncollectable(size_t *c, size_t *nc)
{
    pym_gc_stats s;
    pym_gc_get_stats(2, &s);
    *c = s.collected;
    *nc = s.uncollectable;
}

/* test_gc.py::GCTests::test_resurrection_does_not_block_cleanup_of_other_objects:
 * resurrected objects are counted neither by collect() nor in the stats. */
static void test_resurrection_does_not_block_cleanup(void **state)
{
    (void)state;
    start();
    enum { N = 100 };
    pym_gc_disable();
    size_t oldc, oldnc, c, nc;
    collected_and_uncollectable(&oldc, &oldnc);
    for (int i = 0; i < N; i++) pym_decref(gct_instance_cycle("A"));
    assert_int_equal(pym_gc_collect(2), 2 * N);
    collected_and_uncollectable(&c, &nc);
    assert_int_equal(c - oldc, 2 * N);
    assert_int_equal(nc - oldnc, 0);

    oldc = c;
    oldnc = nc;
    pym_decref(make_z(1));
    assert_int_equal(pym_gc_collect(2), 0);
    collected_and_uncollectable(&c, &nc);
    assert_int_equal(c - oldc, 0);
    assert_int_equal(nc - oldnc, 0);

    oldc = c;
    oldnc = nc;
    for (int i = 0; i < N; i++) pym_decref(gct_instance_cycle("A"));
    pym_decref(make_z(2));
    assert_int_equal(pym_gc_collect(2), 2 * N);
    collected_and_uncollectable(&c, &nc);
    assert_int_equal(c - oldc, 2 * N);
    assert_int_equal(nc - oldnc, 0);

    oldc = c;
    oldnc = nc;
    assert_int_equal(gct_survivor_count(), 2);
    gct_clear_survivors();
    assert_int_equal(pym_gc_collect(2), 4);
    collected_and_uncollectable(&c, &nc);
    assert_int_equal(c - oldc, 4);
    assert_int_equal(nc - oldnc, 0);
    assert_int_equal(gct_count.double_finalized, 0);
    pym_gc_enable();
}

/* ---- bug 1055820: weakrefs and finalizers that reach cyclic trash ------------------ */

static pym_object *g_ouch, *g_c2wr;

/* ouch[:] = [c2wr()] */
static void set_ouch(void)
{
    while (pym_list_len(g_ouch) > 0) pym_decref(pym_list_pop(g_ouch, 0));
    pym_object *v = pym_weakref_get(g_c2wr);
    pym_list_append(g_ouch, v ? v : pym_none());
    pym_xdecref(v);
}

static pym_object *ouch_callback(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    set_ouch();
    return pym_none();
}

static pym_object *g_wrs;

/* ouch[:] = [wr() for wr in WRs] */
static pym_object *ouch_all_callback(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    while (pym_list_len(g_ouch) > 0) pym_decref(pym_list_pop(g_ouch, 0));
    for (size_t i = 0; i < pym_list_len(g_wrs); i++) {
        pym_object *v = pym_weakref_get(pym_list_get(g_wrs, i));
        pym_list_append(g_ouch, v ? v : pym_none());
        pym_xdecref(v);
    }
    return pym_none();
}

/* test_gc.py::GCTests::test_bug1055820b: weakref callbacks that look at
 * other cyclic trash find every weakref to it already cleared. */
static void test_bug1055820b(void **state)
{
    (void)state;
    start();
    g_ouch = pym_list_new();
    g_wrs = pym_list_new();
    pym_object *callback = pym_cfunc_new("callback", ouch_all_callback, NULL);
    pym_object *cs = pym_list_new();
    for (int i = 0; i < 2; i++) {
        pym_object *c = c1055820(i);
        pym_list_append(cs, c);
        pym_object *wr = pym_weakref_new(c, callback);
        pym_list_append(g_wrs, wr);
        pym_decref(wr);
        pym_decref(c);
    }
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(g_ouch), 0);
    pym_decref(cs);
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(g_ouch), 2);
    for (size_t i = 0; i < 2; i++) assert_ptr_equal(pym_list_get(g_ouch, i), pym_none());
    pym_decref(callback);
    pym_decref(g_wrs);
    pym_decref(g_ouch);
}

static bool gc_happened;
static pym_object *it_happened(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    gc_happened = true;
    return pym_none();
}

/* GC_Detector: cyclic trash with a weakref callback that notes the
 * collection that finds it. */
static pym_object *gc_detector(void)
{
    gc_happened = false;
    pym_object *trash = c1055820(666);
    pym_object *cb = pym_cfunc_new("it_happened", it_happened, NULL);
    pym_object *wr = pym_weakref_new(trash, cb);
    pym_decref(cb);
    pym_decref(trash);
    return wr;
}

/* Lets an automatic collection happen "naturally". */
static void wait_for_natural_gc(void)
{
    pym_object *detector = gc_detector();
    pym_object *junk = pym_list_new();
    int i = 0;
    while (!gc_happened) {
        assert_true(++i < 10000);
        assert_int_equal(pym_list_len(g_ouch), 0);
        pym_object *l = pym_list_new();
        pym_list_append(junk, l);
        pym_decref(l);
    }
    pym_decref(junk);
    pym_decref(detector);
}

/* test_gc.py::GCTogglingTests::test_bug1055820c: c0 lives in generation 2
 * and is kept alive only by c1, trash in generation 0.  Clearing c1 frees
 * c0, whose weakref callback then asks for c2 (trash with a callback-less
 * weakref): it must get None, not a half-cleared object. */
static void test_bug1055820c(void **state)
{
    (void)state;
    start();
    g_ouch = pym_list_new();
    pym_object *c0 = c1055820(0);
    pym_gc_collect(2);
    pym_object *c1 = c1055820(1);
    pym_setattr(c1, "keep_c0_alive", c0);
    assert_int_equal(pym_delattr(c0, "loop"), 0);
    pym_object *c2 = c1055820(2);
    g_c2wr = pym_weakref_new(c2, NULL);
    pym_object *callback = pym_cfunc_new("callback", ouch_callback, NULL);
    pym_object *c0wr = pym_weakref_new(c0, callback);
    pym_decref(callback);
    pym_decref(c0);
    pym_decref(c1);
    pym_decref(c2);
    wait_for_natural_gc();
    assert_int_equal(pym_list_len(g_ouch), 1);
    assert_ptr_equal(pym_list_get(g_ouch, 0), pym_none());
    assert_null(pym_weakref_get(c0wr));
    pym_decref(c0wr);
    pym_decref(g_c2wr);
    pym_decref(g_ouch);
}

static void ouch_hook(pym_object *self)
{
    if (gct(self)->id == 0) set_ouch();
}

/* test_gc.py::GCTogglingTests::test_bug1055820d: the same with a __del__
 * on d0 instead of a weakref callback. */
static void test_bug1055820d(void **state)
{
    (void)state;
    start();
    g_ouch = pym_list_new();
    gct_fin_hook = ouch_hook;
    pym_object *d0 = gct_self_cycle(&gct_fin_type, 0);
    pym_gc_collect(2);
    pym_object *c1 = c1055820(1);
    pym_setattr(c1, "keep_d0_alive", d0);
    gct_set(d0, 0, NULL);
    pym_object *c2 = c1055820(2);
    g_c2wr = pym_weakref_new(c2, NULL);
    pym_decref(d0);
    pym_decref(c1);
    pym_decref(c2);
    wait_for_natural_gc();
    assert_int_equal(pym_list_len(g_ouch), 1);
    assert_ptr_equal(pym_list_get(g_ouch, 0), pym_none());
    assert_int_equal(gct_fin_count(0), 1);
    assert_int_equal(gct_destroy_count(0), 1);
    pym_decref(g_c2wr);
    pym_decref(g_ouch);
}

/* ---- gc callbacks ------------------------------------------------------------------ */

typedef struct visit_rec {
    int64_t cb;
    char phase[8];
    int64_t generation, collected, uncollectable;
    bool has_keys;
} visit_rec;
static visit_rec visits[64];
static size_t n_visits;
static bool nested_collect;
static size_t nested_result;

static int64_t info_int(pym_object *info, const char *key)
{
    pym_object *v = pym_dict_get_str(info, key);
    return v ? pym_int_value(v) : -1;
}

/* cb(phase, info): records the call (GCCallbackTests.cb1 / cb2). */
static pym_object *gc_cb(pym_object *self, pym_object *args)
{
    visit_rec *v = &visits[n_visits < 63 ? n_visits++ : 63];
    v->cb = pym_int_value(self);
    pym_object *phase = pym_tuple_get(args, 0);
    pym_object *info = pym_tuple_get(args, 1);
    snprintf(v->phase, sizeof v->phase, "%s", phase ? pym_str_cstr(phase) : "?");
    v->has_keys = info && pym_dict_len(info) == 3;
    v->generation = info_int(info, "generation");
    v->collected = info_int(info, "collected");
    v->uncollectable = info_int(info, "uncollectable");
    if (nested_collect) nested_result = pym_gc_collect(2) + 1000 * (pym_err_occurred() != 0);
    return pym_none();
}

static void add_callbacks(void)
{
    n_visits = 0;
    nested_collect = false;
    for (int i = 1; i <= 2; i++) {
        pym_object *tag = pym_int_new(i);
        pym_object *cb = pym_cfunc_new(i == 1 ? "cb1" : "cb2", gc_cb, tag);
        assert_int_equal(pym_gc_add_callback(cb), 0);
        pym_decref(cb);
        pym_decref(tag);
    }
}

/* test_gc.py::GCCallbackTests::test_collect: each callback is called with
 * "start" then "stop", and an info dict with generation, collected and
 * uncollectable. */
static void test_callbacks_collect(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    add_callbacks();
    pym_gc_collect(2);
    assert_int_equal(n_visits, 4);
    const int64_t cbs[4] = {1, 2, 1, 2};
    const char *phases[4] = {"start", "start", "stop", "stop"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(visits[i].cb, cbs[i]);
        assert_string_equal(visits[i].phase, phases[i]);
        assert_true(visits[i].has_keys);
        assert_int_equal(visits[i].uncollectable, 0);
    }
    restart_runtime(base);
}

/* test_gc.py::GCCallbackTests::test_collect_generation */
static void test_callbacks_collect_generation(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    add_callbacks();
    pym_gc_collect(2);
    for (size_t i = 0; i < n_visits; i++) assert_int_equal(visits[i].generation, 2);
    n_visits = 0;
    pym_gc_collect(0);
    assert_int_equal(n_visits, 4);
    for (size_t i = 0; i < n_visits; i++) assert_int_equal(visits[i].generation, 0);
    restart_runtime(base);
}

/* test_gc.py::GCCallbackTests::test_collect_garbage: "stop" reports what
 * the collection found.  pym has no uncollectable objects: the cycle with
 * a finalizer that would be Uncollectable in legacy CPython is collected. */
static void test_callbacks_collect_garbage(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    add_callbacks();
    n_visits = 0;
    pym_decref(c1055820(666));                     /* instance + dict */
    pym_decref(gct_self_cycle(&gct_fin_type, 1));  /* PEP 442 finalizer */
    size_t found = pym_gc_collect(2);
    assert_int_equal(found, 3);
    assert_int_equal(n_visits, 4);
    for (size_t i = 0; i < n_visits; i++) {
        if (strcmp(visits[i].phase, "stop") != 0) {
            assert_int_equal(visits[i].collected, 0);
            continue;
        }
        assert_int_equal(visits[i].collected, 3);
        assert_int_equal(visits[i].uncollectable, 0);
    }
    restart_runtime(base);
}

/* A callback that collects: the nested collection returns 0 at once. */
static void test_callbacks_nested_collect(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    add_callbacks();
    nested_collect = true;
    nested_result = 99;
    pym_decref(gct_instance_cycle("A"));
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(nested_result, 0);
    assert_int_equal(n_visits, 4);
    nested_collect = false;
    restart_runtime(base);
}

/* A callback that raises is reported and cleared; the others still run
 * and the collection's result is unaffected.  Non-callables are refused. */
static void test_callbacks_errors(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    pym_object *one = pym_int_new(1);
    assert_int_equal(pym_gc_add_callback(one), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    pym_object *r = gct_raiser();
    assert_int_equal(pym_gc_add_callback(r), 0);
    pym_decref(r);
    add_callbacks();
    pym_decref(gct_instance_cycle("A"));
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_int_equal(n_visits, 4);
    restart_runtime(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_list),
        PYM_TEST(test_dict),
        PYM_TEST(test_tuple),
        PYM_TEST(test_class),
        PYM_TEST(test_instance),
        PYM_TEST(test_method),
        PYM_TEST(test_function),
        PYM_TEST(test_list_copy_cycle),
        PYM_TEST(test_list_storage_private_shared_private),
        PYM_TEST(test_cycle_with_clearless_members),
        PYM_TEST(test_finalizer),
        PYM_TEST(test_finalizer_2),
        PYM_TEST(test_del),
        PYM_TEST(test_finalizer_runs_at_fini),
        PYM_TEST(test_get_count),
        PYM_TEST(test_count_tracks_allocations),
        PYM_TEST(test_collect_generations),
        PYM_TEST(test_count_after_collection_allocations),
        PYM_TEST(test_get_objects),
        PYM_TEST(test_get_objects_arguments),
        PYM_TEST(test_collect_bad_generation),
        PYM_TEST(test_get_stats),
        PYM_TEST(test_thresholds_and_enable),
        PYM_TEST(test_automatic_collection),
        PYM_TEST(test_threshold_zero),
        PYM_TEST(test_long_lived_rule),
        PYM_TEST(test_trashcan),
        PYM_TEST(test_boom),
        PYM_TEST(test_boom2),
        PYM_TEST(test_boom_new),
        PYM_TEST(test_bug21435),
        PYM_TEST(test_trash_weakref_clear),
        PYM_TEST(test_get_referents),
        PYM_TEST(test_get_referrers),
        PYM_TEST(test_is_tracked),
        PYM_TEST(test_tuple_untracking),
        PYM_TEST(test_is_finalized),
        PYM_TEST(test_freeze),
        PYM_TEST(test_resurrection_only_happens_once_per_object),
        PYM_TEST(test_resurrection_is_transitive),
        PYM_TEST(test_resurrection_does_not_block_cleanup),
        PYM_TEST(test_bug1055820b),
        PYM_TEST(test_bug1055820c),
        PYM_TEST(test_bug1055820d),
        PYM_TEST(test_callbacks_collect),
        PYM_TEST(test_callbacks_collect_generation),
        PYM_TEST(test_callbacks_collect_garbage),
        PYM_TEST(test_callbacks_nested_collect),
        PYM_TEST(test_callbacks_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
