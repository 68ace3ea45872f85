/* test_weakdict.c: weak-value dictionaries (runtime/objects/weakdict.c),
 * translated from the WeakValueDictionary parts of CPython's
 * Lib/test/test_weakref.py (MappingTestCase): entries vanish when their
 * values die, by refcount or in a collection; len counts live entries;
 * a value that dies after being replaced never removes its replacement
 * (issue 28427); KeyError and TypeError as in Python; the dictionary dying
 * before, after or together with its values. */
#include <stdio.h>

#include "support/gc_types.h"
#include "support/pym_test.h"

#define COUNT 10

static void start(void)
{
    gct_reset();
    pym_gc_collect(2);
}

static pym_object *key(int64_t k) { return pym_int_new(k); }

/* Object(arg): a weak-referenceable instance with attribute `arg`. */
static pym_object *object(int64_t arg)
{
    pym_object *o = pym_instance_new("Object");
    pym_object *a = pym_int_new(arg);
    assert_int_equal(pym_setattr(o, "arg", a), 0);
    pym_decref(a);
    return o;
}

/* d[k] is v (v NULL: k is missing or dead). */
static void assert_entry(pym_object *d, int64_t k, pym_object *v)
{
    pym_object *kk = key(k);
    pym_object *got = pym_weakdict_get(d, kk);
    assert_ptr_equal(got, v);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_xdecref(got);
    pym_decref(kk);
}

static void set(pym_object *d, int64_t k, pym_object *v)
{
    pym_object *kk = key(k);
    assert_int_equal(pym_weakdict_set(d, kk, v), 0);
    pym_decref(kk);
}

/* make_weak_valued_dict: COUNT objects, keyed by their arg. */
static pym_object *make_weak_valued_dict(pym_object **objects)
{
    pym_object *d = pym_weakdict_new();
    assert_non_null(d);
    for (int i = 0; i < COUNT; i++) {
        objects[i] = object(i);
        set(d, i, objects[i]);
    }
    return d;
}

/* test_weakref.py::MappingTestCase::test_weak_values */
static void test_weak_values(void **state)
{
    (void)state;
    start();
    pym_object *objects[COUNT];
    pym_object *d = make_weak_valued_dict(objects);
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(pym_weakref_count(objects[i]), 1);
        assert_entry(d, i, objects[i]);
    }
    assert_int_equal(pym_weakdict_len(d), COUNT);
    pym_decref(objects[0]);
    assert_int_equal(pym_weakdict_len(d), COUNT - 1);
    assert_entry(d, 0, NULL);
    for (int i = 1; i < COUNT; i++) pym_decref(objects[i]);
    assert_int_equal(pym_weakdict_len(d), 0);
    pym_decref(d);

    /* regression on SF bug #447152 */
    d = pym_weakdict_new();
    assert_entry(d, 1, NULL);
    pym_object *c = pym_instance_new("C");
    set(d, 2, c);
    pym_decref(c);
    assert_entry(d, 2, NULL);
    assert_int_equal(pym_weakdict_len(d), 0);
    pym_decref(d);
}

/* Values in cycles vanish when the collector finds them
 * (test_weakref.py::MappingTestCase::check_len_cycles with
 * WeakValueDictionary). */
static void test_weak_values_collected(void **state)
{
    (void)state;
    start();
    enum { N = 20 };
    pym_object *d = pym_weakdict_new();
    for (int i = 0; i < N; i++) {
        pym_object *o = gct_instance_cycle("RefCycle");
        set(d, i, o);
        pym_decref(o);
    }
    assert_int_equal(pym_weakdict_len(d), N);
    pym_gc_collect(2);
    assert_int_equal(pym_weakdict_len(d), 0);
    for (int i = 0; i < N; i++) assert_entry(d, i, NULL);
    pym_decref(d);
}

/* len counts live entries only, also while values are dying in a
 * collection whose weakref callbacks have not all run yet. */
static void test_len_counts_live(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_weakdict_new();
    pym_object *keep = object(1);
    set(d, 1, keep);
    pym_object *cyc = gct_instance_cycle("RefCycle");
    set(d, 2, cyc);
    pym_decref(cyc);
    pym_object *plain = gct_new(&gct_plain_type, 7);
    set(d, 3, plain);
    assert_int_equal(pym_weakdict_len(d), 3);
    pym_decref(plain);
    assert_int_equal(pym_weakdict_len(d), 2);
    pym_gc_collect(2);
    assert_int_equal(pym_weakdict_len(d), 1);
    assert_entry(d, 1, keep);
    pym_decref(keep);
    assert_int_equal(pym_weakdict_len(d), 0);
    pym_decref(d);
}

/* test_weakref.py::MappingTestCase::test_weak_valued_consistency (issue
 * 28427): the weakref of a replaced value is kept alive (here through
 * getweakrefs) so that its callback still fires when the old value is
 * collected; it must not remove the new value stored under the key. */
static void test_weak_valued_consistency(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_weakdict_new();
    pym_gc_disable();
    pym_object *old = gct_instance_cycle("RefCycle");
    set(d, 10, old);
    pym_object *refs = pym_weakref_list(old);   /* keeps d.data[10] alive */
    assert_int_equal(pym_list_len(refs), 1);
    pym_decref(old);
    pym_object *o = gct_instance_cycle("RefCycle");
    set(d, 10, o);
    pym_gc_collect(2);
    assert_int_equal(pym_weakdict_len(d), 1);
    assert_entry(d, 10, o);
    pym_decref(refs);

    /* the same by refcount: the old value dies after being replaced */
    pym_object *v1 = object(1), *v2 = object(2);
    set(d, 20, v1);
    refs = pym_weakref_list(v1);
    set(d, 20, v2);
    pym_decref(v1);
    assert_entry(d, 20, v2);
    assert_int_equal(pym_weakdict_len(d), 2);
    pym_decref(refs);
    pym_decref(v2);
    assert_entry(d, 20, NULL);
    assert_int_equal(pym_weakdict_len(d), 1);
    pym_gc_enable();
    pym_decref(o);
    pym_gc_collect(2);
    assert_int_equal(pym_weakdict_len(d), 0);
    pym_decref(d);
}

/* Replacing a value drops the old entry's weakref: the old value is no
 * longer weakly referenced by the dictionary. */
static void test_replace_value(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_weakdict_new();
    pym_object *a = object(1), *b = object(2);
    set(d, 1, a);
    assert_int_equal(pym_weakref_count(a), 1);
    set(d, 1, b);
    assert_int_equal(pym_weakref_count(a), 0);
    assert_int_equal(pym_weakref_count(b), 1);
    assert_entry(d, 1, b);
    pym_decref(a);
    assert_entry(d, 1, b);
    set(d, 1, b);   /* same value again */
    assert_int_equal(pym_weakref_count(b), 1);
    assert_int_equal(pym_weakdict_len(d), 1);
    pym_decref(b);
    assert_int_equal(pym_weakdict_len(d), 0);
    pym_decref(d);
}

/* test_weakref.py::MappingTestCase::test_weak_valued_delitem: del d[k];
 * a missing key raises KeyError. */
static void test_weak_valued_delitem(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_weakdict_new();
    pym_object *o1 = object(1), *o2 = object(2);
    pym_object *ka = pym_str_new("something else"), *kb = pym_str_new("b");
    assert_int_equal(pym_weakdict_set(d, ka, o1), 0);
    assert_int_equal(pym_weakdict_set(d, kb, o2), 0);
    assert_int_equal(pym_weakdict_del(d, ka), 0);
    assert_int_equal(pym_weakdict_len(d), 1);
    assert_int_equal(pym_weakref_count(o1), 0);
    pym_object *got = pym_weakdict_get(d, kb);
    assert_ptr_equal(got, o2);
    pym_decref(got);
    assert_int_equal(pym_weakdict_del(d, ka), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    pym_err_clear();
    pym_object *missing = key(12345);
    assert_int_equal(pym_weakdict_del(d, missing), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    pym_err_clear();
    /* a value that died earlier leaves no entry to delete */
    pym_decref(o2);
    assert_int_equal(pym_weakdict_del(d, kb), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    pym_err_clear();
    /* deleting an entry whose value is alive, then letting the value die */
    pym_object *o3 = object(3);
    set(d, 5, o3);
    pym_object *k5 = key(5);
    assert_int_equal(pym_weakdict_del(d, k5), 0);
    pym_decref(o3);
    assert_int_equal(pym_weakdict_len(d), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_decref(k5);
    pym_decref(missing);
    pym_decref(ka);
    pym_decref(kb);
    pym_decref(o1);
    pym_decref(d);
}

/* Values must be weak-referenceable and keys hashable (TypeError); a
 * failed set leaves the dictionary as it was. */
static void test_type_errors(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_weakdict_new();
    pym_object *o = object(1);
    set(d, 1, o);
    pym_object *k = key(1);
    pym_object *bad_values[] = {pym_int_new(7), pym_str_new("str"), pym_float_new(1.5),
                                pym_tuple_new(0, NULL), pym_none()};
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(pym_weakdict_set(d, k, bad_values[i]), -1);
        assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
        pym_err_clear();
        pym_decref(bad_values[i]);
    }
    assert_entry(d, 1, o);
    pym_object *unhashable = pym_list_new();
    assert_int_equal(pym_weakdict_set(d, unhashable, o), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_null(pym_weakdict_get(d, unhashable));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_weakdict_len(d), 1);
    assert_int_equal(pym_weakref_count(o), 1);
    /* not a weak-value dictionary */
    pym_object *plain = pym_dict_new();
    assert_int_equal(pym_weakdict_set(plain, k, o), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_null(pym_weakdict_get(plain, k));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_weakdict_len(plain), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_weakdict_del(plain, k), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    pym_decref(plain);
    pym_decref(unhashable);
    pym_decref(k);
    pym_decref(o);
    pym_decref(d);
}

/* The dictionary dies first; its values die later without touching it. */
static void test_dict_dies_before_values(void **state)
{
    (void)state;
    start();
    pym_object *objects[COUNT];
    pym_object *d = make_weak_valued_dict(objects);
    pym_object *dwr = pym_weakref_new(d, NULL);   /* the dictionary is weakrefable */
    pym_decref(d);
    pym_object *v = pym_weakref_get(dwr);
    assert_null(v);
    for (int i = 0; i < COUNT; i++) {
        /* the entries' weakrefs went with the dictionary */
        assert_int_equal(pym_weakref_count(objects[i]), 0);
        pym_decref(objects[i]);
    }
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_decref(dwr);
}

/* The dictionary in a cycle with its own values (value.cache = d), or
 * held by garbage: all collected, whatever order things die in. */
static void test_dict_in_cycle_with_values(void **state)
{
    (void)state;
    start();
    pym_object *d = pym_weakdict_new();
    for (int i = 0; i < COUNT; i++) {
        pym_object *o = object(i);
        pym_setattr(o, "cache", d);
        set(d, i, o);
        pym_object *holder = pym_instance_new("Holder");   /* o kept alive by garbage */
        pym_setattr(holder, "o", o);
        pym_setattr(holder, "me", holder);
        pym_decref(holder);
        pym_decref(o);
    }
    assert_int_equal(pym_weakdict_len(d), COUNT);
    pym_object *keep = object(99);
    set(d, 99, keep);
    pym_gc_collect(2);
    assert_int_equal(pym_weakdict_len(d), 1);
    assert_entry(d, 99, keep);
    pym_setattr(keep, "cache", d);
    pym_decref(d);
    pym_decref(keep);
    pym_gc_collect(2);
}

/* A cache of the values a program computes: get returns a new reference
 * that keeps the value alive while it is used. */
static void test_cache_usage(void **state)
{
    (void)state;
    start();
    pym_object *cache = pym_weakdict_new();
    size_t hits = 0, misses = 0;
    pym_object *held[4] = {NULL, NULL, NULL, NULL};
    for (int round = 0; round < 200; round++) {
        int64_t k = round % 8;
        pym_object *kk = key(k);
        pym_object *v = pym_weakdict_get(cache, kk);
        if (v == NULL) {
            misses++;
            v = object(k);
            assert_int_equal(pym_weakdict_set(cache, kk, v), 0);
        } else {
            hits++;
            pym_object *arg = pym_getattr(v, "arg");
            assert_int_equal(pym_int_value(arg), k);
            pym_decref(arg);
        }
        if (k < 4) {   /* the program keeps keys 0..3 alive */
            pym_xdecref(held[k]);
            held[k] = pym_incref(v);
        }
        pym_decref(v);
        pym_decref(kk);
    }
    assert_int_equal(misses, 4 + 100);   /* 4 kept, the others recomputed */
    assert_int_equal(hits, 96);
    assert_int_equal(pym_weakdict_len(cache), 4);
    for (int i = 0; i < 4; i++) pym_decref(held[i]);
    assert_int_equal(pym_weakdict_len(cache), 0);
    pym_decref(cache);
}

typedef struct oom_ctx {
    pym_object *d, *k, *v;
} oom_ctx;

static int oom_set(void *p)
{
    oom_ctx *c = p;
    return pym_weakdict_set(c->d, c->k, c->v);
}

static void oom_undo(void *p)
{
    oom_ctx *c = p;
    assert_int_equal(pym_weakdict_del(c->d, c->k), 0);
}

/* Setting under memory failure: MemoryError, the dictionary unchanged. */
static void test_oom_set(void **state)
{
    (void)state;
    oom_ctx c = {pym_weakdict_new(), pym_str_new("key"), pym_instance_new("V")};
    /* the first entry gives the dictionary its table, which it keeps */
    assert_int_equal(oom_set(&c), 0);
    oom_undo(&c);
    assert_true(pym_test_oom_loop(oom_set, oom_undo, &c) > 0);
    assert_int_equal(pym_weakdict_len(c.d), 0);
    assert_int_equal(pym_weakref_count(c.v), 0);
    pym_decref(c.d);
    pym_decref(c.k);
    pym_decref(c.v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_weak_values),
        PYM_TEST(test_weak_values_collected),
        PYM_TEST(test_len_counts_live),
        PYM_TEST(test_weak_valued_consistency),
        PYM_TEST(test_replace_value),
        PYM_TEST(test_weak_valued_delitem),
        PYM_TEST(test_type_errors),
        PYM_TEST(test_dict_dies_before_values),
        PYM_TEST(test_dict_in_cycle_with_values),
        PYM_TEST(test_cache_usage),
        PYM_OOM_TEST(test_oom_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
