/* test_weakref.c: weak references (runtime/weakref.c) and weakref.finalize
 * (runtime/finalize.c), translated from CPython's Lib/test/test_weakref.py
 * (ReferencesTestCase, FinalizeTestCase) plus the weakref parts of
 * test_gc.py and test_finalization.py: creation, sharing of callback-less
 * refs, getweakrefcount/getweakrefs order, callbacks (called with the ref,
 * newest first, after every ref is cleared, errors unraisable, pending
 * errors preserved), callbacks in cyclic trash (never run when the weakref
 * is trash itself), the order of events at refcount death and in a
 * collection, resurrection, weakrefs created by finalizers (gh-91636),
 * hashing and equality, and finalize objects (run once, LIFO, alive,
 * detach, called directly, run at pym_fini). */
#include <stdio.h>

#include "support/gc_types.h"
#include "support/pym_test.h"

static void start(void)
{
    gct_reset();
    pym_gc_collect(2);
}

static void assert_type_error(void)
{
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
}

/* Is `wr` alive and pointing at `o`?  (Drops the reference get returns.) */
static bool refers_to(pym_object *wr, pym_object *o)
{
    pym_object *v = pym_weakref_get(wr);
    pym_xdecref(v);
    return v == o && v != NULL;
}

static bool is_dead(pym_object *wr)
{
    pym_object *v = pym_weakref_get(wr);
    pym_xdecref(v);
    return v == NULL && pym_err_occurred() == PYM_ERR_NONE;
}

/* The objects test_weakref.py's factories make: an instance (C()), a list,
 * a dict, a user-defined type, and a bound-method-like callable. */
static pym_object *noop(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    return pym_none();
}

static pym_object *make(int kind)
{
    switch (kind) {
    case 0: return pym_instance_new("C");
    case 1: return pym_list_new();
    case 2: return pym_dict_new();
    case 3: return gct_new(&gct_plain_type, 1);
    default: {
        pym_object *c = pym_instance_new("C");
        pym_object *m = gct_method_new(c, noop);
        pym_decref(c);
        return m;
    }
    }
}
#define N_KINDS 5

/* ---- basics ------------------------------------------------------------------ */

static void check_repr_prefix(pym_object *o, const char *prefix, const char *suffix)
{
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    const char *s = pym_str_cstr(r);
    assert_memory_equal(s, prefix, strlen(prefix));
    assert_non_null(strstr(s, suffix));
    pym_decref(r);
}

/* test_weakref.py::ReferencesTestCase::test_basic_ref */
static void test_basic_ref(void **state)
{
    (void)state;
    start();
    for (int k = 0; k < N_KINDS; k++) {
        pym_object *o = make(k);
        pym_object *ref = pym_weakref_new(o, NULL);
        assert_non_null(ref);
        pym_object *o2 = pym_weakref_get(ref);
        assert_ptr_equal(o2, o);
        pym_decref(o2);
        /* calling a weakref is ref() */
        pym_object *o3 = pym_call(ref, NULL);
        assert_ptr_equal(o3, o);
        pym_decref(o3);
        check_repr_prefix(ref, "<weakref at ", "; to '");
        pym_decref(o);
        assert_true(is_dead(ref));
        check_repr_prefix(ref, "<weakref at ", "; dead>");
        pym_object *none = pym_call(ref, NULL);
        assert_ptr_equal(none, pym_none());
        pym_decref(none);
        pym_decref(ref);
    }
}

/* test_weakref.py::ReferencesTestCase::test_basic_callback: the callback
 * is called once, with the weakref as its argument, and the ref is dead. */
static void test_basic_callback(void **state)
{
    (void)state;
    start();
    for (int k = 0; k < N_KINDS; k++) {
        pym_object *calls = pym_list_new();
        pym_object *cb = gct_appender(calls);
        pym_object *o = make(k);
        pym_object *ref = pym_weakref_new(o, cb);
        assert_non_null(ref);
        assert_int_equal(pym_list_len(calls), 0);
        pym_decref(o);
        assert_int_equal(pym_list_len(calls), 1);
        assert_ptr_equal(pym_list_get(calls, 0), ref);
        assert_true(is_dead(ref));
        pym_decref(ref);
        pym_decref(cb);
        pym_decref(calls);
    }
}

/* test_weakref.py::ReferencesTestCase::test_multiple_callbacks: both run,
 * newest first. */
static void test_multiple_callbacks(void **state)
{
    (void)state;
    start();
    pym_object *o = pym_instance_new("C");
    pym_object *cb1 = gct_logger("ref1"), *cb2 = gct_logger("ref2");
    pym_object *ref1 = pym_weakref_new(o, cb1);
    pym_object *ref2 = pym_weakref_new(o, cb2);
    assert_ptr_not_equal(ref1, ref2);
    pym_decref(o);
    assert_true(is_dead(ref1));
    assert_true(is_dead(ref2));
    assert_string_equal(gct_log(), "ref2 ref1 ");
    pym_decref(ref1);
    pym_decref(ref2);
    pym_decref(cb1);
    pym_decref(cb2);
}

static pym_object *g_other_ref;

static pym_object *check_other_dead(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    gct_note("%s ", is_dead(g_other_ref) ? "other-dead" : "other-alive");
    return pym_none();
}

/* test_weakref.py::ReferencesTestCase::test_multiple_selfref_callbacks:
 * every weakref is cleared before any callback runs, so the callback of
 * the newest ref (run first) finds the older one dead. */
static void test_multiple_selfref_callbacks(void **state)
{
    (void)state;
    start();
    pym_object *cb = pym_cfunc_new("callback", check_other_dead, NULL);
    pym_object *c = pym_instance_new("C");
    g_other_ref = pym_weakref_new(c, cb);
    pym_object *ref1 = pym_weakref_new(c, cb);
    pym_decref(c);
    assert_string_equal(gct_log(), "other-dead other-dead ");
    pym_decref(ref1);
    pym_decref(g_other_ref);
    pym_decref(cb);
}

/* test_weakref.py::ReferencesTestCase::test_ref_reuse and
 * test_shared_ref_without_callback: refs without a callback (NULL or None)
 * are shared while they live; refs with one never are. */
static void test_shared_ref_without_callback(void **state)
{
    (void)state;
    start();
    pym_object *o = pym_instance_new("Object");
    pym_object *none = pym_none();
    pym_object *p1 = pym_weakref_new(o, none), *p2 = pym_weakref_new(o, none);
    assert_ptr_equal(p1, p2);
    pym_decref(p1);
    pym_decref(p2);
    p1 = pym_weakref_new(o, NULL);
    p2 = pym_weakref_new(o, none);
    assert_ptr_equal(p1, p2);
    pym_decref(p1);
    pym_decref(p2);
    p1 = pym_weakref_new(o, NULL);
    p2 = pym_weakref_new(o, NULL);
    assert_ptr_equal(p1, p2);
    /* a ref with a callback in between changes nothing */
    pym_object *cb = gct_logger("cb");
    pym_object *withcb = pym_weakref_new(o, cb);
    pym_object *p3 = pym_weakref_new(o, NULL);
    assert_ptr_equal(p3, p1);
    pym_object *withcb2 = pym_weakref_new(o, cb);
    assert_ptr_not_equal(withcb, withcb2);
    assert_int_equal(pym_weakref_count(o), 3);
    pym_decref(p1);
    pym_decref(p2);
    pym_decref(p3);
    assert_int_equal(pym_weakref_count(o), 2);
    pym_decref(withcb);
    pym_decref(withcb2);
    assert_int_equal(pym_weakref_count(o), 0);
    pym_decref(cb);
    pym_decref(o);
    assert_string_equal(gct_log(), "");
}

/* test_weakref.py::ReferencesTestCase::test_getweakrefcount */
static void test_getweakrefcount(void **state)
{
    (void)state;
    start();
    pym_object *o = pym_instance_new("C");
    pym_object *cb = gct_logger("cb");
    pym_object *ref1 = pym_weakref_new(o, NULL);
    pym_object *ref2 = pym_weakref_new(o, cb);
    assert_int_equal(pym_weakref_count(o), 2);
    pym_decref(ref1);
    pym_decref(ref2);
    assert_int_equal(pym_weakref_count(o), 0);
    pym_object *one = pym_int_new(1);
    assert_int_equal(pym_weakref_count(one), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_decref(o);
    pym_decref(cb);
}

/* test_weakref.py::ReferencesTestCase::test_getweakrefs, and the order
 * of test_subclass_refs_dont_replace_standard_refs: the shared ref first,
 * then refs with callbacks, newest first. */
static void test_getweakrefs(void **state)
{
    (void)state;
    start();
    pym_object *cb = gct_logger("cb");
    pym_object *o = pym_instance_new("C");
    pym_object *ref1 = pym_weakref_new(o, cb);
    pym_object *ref2 = pym_weakref_new(o, cb);
    pym_decref(ref1);
    pym_object *l = pym_weakref_list(o);
    assert_int_equal(pym_list_len(l), 1);
    assert_ptr_equal(pym_list_get(l, 0), ref2);
    pym_decref(l);
    pym_decref(ref2);
    pym_decref(o);

    o = pym_instance_new("C");
    ref1 = pym_weakref_new(o, cb);
    ref2 = pym_weakref_new(o, cb);
    pym_decref(ref2);
    l = pym_weakref_list(o);
    assert_int_equal(pym_list_len(l), 1);
    assert_ptr_equal(pym_list_get(l, 0), ref1);
    pym_decref(l);
    pym_decref(ref1);
    l = pym_weakref_list(o);
    assert_int_equal(pym_list_len(l), 0);
    pym_decref(l);

    ref1 = pym_weakref_new(o, cb);
    pym_object *basic = pym_weakref_new(o, NULL);
    ref2 = pym_weakref_new(o, cb);
    pym_object *ref3 = pym_weakref_new(o, cb);
    l = pym_weakref_list(o);
    assert_int_equal(pym_list_len(l), 4);
    assert_ptr_equal(pym_list_get(l, 0), basic);
    assert_ptr_equal(pym_list_get(l, 1), ref3);
    assert_ptr_equal(pym_list_get(l, 2), ref2);
    assert_ptr_equal(pym_list_get(l, 3), ref1);
    pym_decref(l);
    pym_decref(ref2);
    l = pym_weakref_list(o);
    assert_int_equal(pym_list_len(l), 3);
    assert_ptr_equal(pym_list_get(l, 1), ref3);
    assert_ptr_equal(pym_list_get(l, 2), ref1);
    pym_decref(l);
    pym_decref(o);
    assert_string_equal(gct_log(), "cb cb ");  /* ref3 then ref1 */
    pym_decref(basic);
    pym_decref(ref1);
    pym_decref(ref3);

    pym_object *one = pym_int_new(1);
    l = pym_weakref_list(one);
    assert_non_null(l);
    assert_int_equal(pym_list_len(l), 0);
    pym_decref(l);
    pym_decref(cb);
}

/* weakref.ref(1), ref("a"), ref((1,)), ref(1.0), ref(None): TypeError. */
static void test_not_weakrefable(void **state)
{
    (void)state;
    start();
    pym_object *objs[] = {pym_int_new(1), pym_int_new(1 << 20), pym_str_new("a"),
                          pym_str_new("abcdef"), pym_float_new(1.0), pym_none(),
                          pym_true(), pym_tuple_new(0, NULL), NULL};
    objs[8] = pym_tuple_pack(1, objs[0]);
    pym_object *cb = gct_logger("cb");
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        assert_null(pym_weakref_new(objs[i], NULL));
        assert_type_error();
        assert_null(pym_weakref_new(objs[i], cb));
        assert_type_error();
        assert_null(pym_finalize_new(objs[i], cb, NULL));
        assert_type_error();
        assert_int_equal(pym_weakref_count(objs[i]), 0);
    }
    assert_null(pym_weakref_new(objs[0], NULL));
    assert_string_equal(pym_err_message(), "cannot create weak reference to 'int' object");
    pym_err_clear();
    assert_null(pym_weakref_new(NULL, NULL));
    assert_type_error();
    /* get on something that is not a weakref */
    assert_null(pym_weakref_get(objs[2]));
    assert_type_error();
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) pym_decref(objs[i]);
    pym_decref(cb);
}

/* ---- callbacks and errors ------------------------------------------------------- */

/* test_weakref.py::ReferencesTestCase::test_callbacks_protected: an error
 * pending when an object dies survives its callbacks, whether they
 * succeed or raise. */
static void test_callbacks_protected(void **state)
{
    (void)state;
    start();
    pym_object *ok = gct_logger("ok"), *bad = gct_raiser();
    for (int round = 0; round < 2; round++) {
        pym_object *f = pym_instance_new("lambda");
        pym_object *r1 = pym_weakref_new(f, ok);
        pym_object *r2 = pym_weakref_new(f, bad);
        pym_err_set(PYM_ERR_KEY, "BogusError");
        pym_decref(f);
        assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
        assert_string_equal(pym_err_message(), "BogusError");
        pym_err_clear();
        pym_decref(r1);
        pym_decref(r2);
    }
    assert_string_equal(gct_log(), "ok ok ");
    pym_decref(ok);
    pym_decref(bad);
}

/* An error in a callback is reported ("unraisable") and cleared; the
 * remaining callbacks still run. */
static void test_callback_error_is_unraisable(void **state)
{
    (void)state;
    start();
    pym_object *ok = gct_logger("older"), *bad = gct_raiser();
    pym_object *o = pym_instance_new("C");
    pym_object *r1 = pym_weakref_new(o, ok);
    pym_object *r2 = pym_weakref_new(o, bad);
    pym_decref(o);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_string_equal(gct_log(), "older ");
    /* a non-callable callback: accepted, and its failure is unraisable */
    pym_object *one = pym_int_new(5000);
    o = pym_instance_new("C");
    pym_object *r3 = pym_weakref_new(o, one);
    if (r3 != NULL) {
        pym_decref(o);
        assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
        pym_decref(r3);
    } else {
        assert_type_error();
        pym_decref(o);
    }
    pym_decref(one);
    pym_decref(r1);
    pym_decref(r2);
    pym_decref(ok);
    pym_decref(bad);
}

static pym_object *collect_cb(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    gct_note("collected ");
    pym_gc_collect(2);
    return pym_none();
}

/* test_weakref.py::ReferencesTestCase::test_sf_bug_840829: a weakref
 * callback that runs a collection while its object is being torn down,
 * directly and as part of a chain being destroyed. */
static void test_sf_bug_840829(void **state)
{
    (void)state;
    start();
    pym_object *cb = pym_cfunc_new("collect", collect_cb, NULL);
    pym_object *c = pym_instance_new("C");
    pym_object *wr = pym_weakref_new(c, cb);
    pym_decref(c);
    pym_decref(wr);

    pym_object *c1 = pym_instance_new("C");
    pym_object *i = pym_instance_new("C");
    pym_setattr(c1, "i", i);
    wr = pym_weakref_new(i, cb);
    pym_decref(i);
    pym_object *c2 = pym_instance_new("C");
    pym_setattr(c2, "c1", c1);
    pym_decref(c1);
    pym_decref(c2);
    assert_true(is_dead(wr));
    assert_string_equal(gct_log(), "collected collected ");
    pym_decref(wr);
    pym_decref(cb);
}

/* test_weakref.py::ReferencesTestCase::test_callback_gcs: an object with a
 * __del__ whose weakref callback runs a collection, at refcount death. */
static void test_callback_gcs(void **state)
{
    (void)state;
    start();
    gct_log_events = true;
    pym_object *cb = pym_cfunc_new("collect", collect_cb, NULL);
    pym_object *x = gct_new(&gct_fin_type, 1);
    pym_object *ref1 = pym_weakref_new(x, cb);
    pym_decref(x);
    pym_gc_collect(2);
    assert_string_equal(gct_log(), "F1 collected D1 ");
    pym_decref(ref1);
    pym_decref(cb);
}

/* test_weakref.py::ReferencesTestCase::test_trashcan_16602: objects in a
 * chain far longer than the trashcan depth, each watched by a weakref
 * whose callback looks at the weakrefs of the objects already dying.  An
 * object whose count reached zero must never be visible through a
 * weakref, even while the trashcan still defers its destruction. */
enum { CHAIN_16602 = 1000 };
static pym_object *chain_refs[CHAIN_16602];
static size_t chain_errors, chain_calls;

static pym_object *chain_cb(pym_object *self, pym_object *args)
{
    (void)args;
    int64_t i = pym_int_value(self);
    chain_calls++;
    for (int64_t j = 0; j <= i; j++) {
        pym_object *v = pym_weakref_get(chain_refs[j]);
        if (v != NULL) {
            chain_errors++;
            pym_decref(v);
        }
    }
    if (i + 1 < CHAIN_16602) {   /* the next one is still referenced */
        pym_object *v = pym_weakref_get(chain_refs[i + 1]);
        if (v == NULL) chain_errors++;
        pym_xdecref(v);
    }
    return pym_none();
}

static void test_trashcan_16602(void **state)
{
    (void)state;
    start();
    chain_errors = chain_calls = 0;
    pym_object *head = NULL;
    pym_object *nodes[CHAIN_16602];
    for (int i = CHAIN_16602 - 1; i >= 0; i--) {
        pym_object *n = gct_new(&gct_plain_type, i);
        gct_set(n, 0, head);
        pym_xdecref(head);
        head = n;
        nodes[i] = n;
    }
    for (int i = 0; i < CHAIN_16602; i++) {
        pym_object *idx = pym_int_new(i);
        pym_object *cb = pym_cfunc_new("cb", chain_cb, idx);
        chain_refs[i] = pym_weakref_new(nodes[i], cb);
        pym_decref(cb);
        pym_decref(idx);
    }
    pym_decref(head);
    pym_gc_collect(2);
    assert_int_equal(chain_calls, CHAIN_16602);
    assert_int_equal(chain_errors, 0);
    assert_int_equal(gct_count.destroyed, CHAIN_16602);
    for (int i = 0; i < CHAIN_16602; i++) pym_decref(chain_refs[i]);
}

/* A callback that looks at attributes of its instance (II.acallback). */
static size_t acallback_calls;
static pym_object *acallback(pym_object *self, pym_object *args)
{
    (void)args;
    acallback_calls++;
    const char *names[] = {"J", "me", "c1", "wr"};
    for (size_t i = 0; i < 4; i++) {
        pym_object *v = pym_getattr(self, names[i]);
        pym_xdecref(v);
    }
    pym_err_clear();
    return pym_none();
}

/* test_weakref.py::ReferencesTestCase::test_callback_in_cycle_1 and _2:
 * I holds J strongly and a weakref to J whose callback is a method of I.
 * All of it is trash; the weakref is trash too, so its callback never
 * runs (it would see cleared objects). */
static void callback_in_cycle_1(bool method_is_cfunc)
{
    pym_object *I = pym_instance_new("II");
    pym_object *J = pym_instance_new("J");
    pym_setattr(J, "__mro__", J);   /* classes refer to themselves */
    pym_setattr(I, "J", J);
    pym_object *m = method_is_cfunc ? pym_cfunc_new("acallback", acallback, I)
                                    : gct_method_new(I, acallback);
    pym_object *wr = pym_weakref_new(J, m);
    pym_setattr(I, "wr", wr);
    pym_decref(wr);
    pym_decref(m);
    pym_decref(I);
    pym_decref(J);
    acallback_calls = 0;
    pym_gc_collect(2);
    assert_int_equal(acallback_calls, 0);
    assert_int_equal(pym_gc_collect(2), 0);
}

static void test_callback_in_cycle_1(void **state)
{
    (void)state;
    start();
    callback_in_cycle_1(false);
}

static void test_callback_in_cycle_2(void **state)
{
    (void)state;
    start();
    callback_in_cycle_1(true);
}

/* test_weakref.py::ReferencesTestCase::test_callback_in_cycle_3: what the
 * callback reaches (c2) is not reachable from the dying object (c1). */
static void test_callback_in_cycle_3(void **state)
{
    (void)state;
    start();
    pym_object *c1 = pym_instance_new("C"), *c2 = pym_instance_new("C");
    pym_setattr(c2, "me", c2);
    pym_setattr(c2, "c1", c1);
    pym_object *m = gct_method_new(c2, acallback);
    pym_object *wr = pym_weakref_new(c1, m);
    pym_setattr(c2, "wr", wr);
    pym_decref(wr);
    pym_decref(m);
    pym_decref(c1);
    pym_decref(c2);
    acallback_calls = 0;
    /* c1 (no attributes: no dict), c2, c2's dict, the weakref, the method */
    assert_int_equal(pym_gc_collect(2), 5);
    assert_int_equal(acallback_calls, 0);
}

/* test_weakref.py::ReferencesTestCase::test_callback_in_cycle_4: as 3,
 * with c1 of another class (a user type) and the classes in the trash. */
static void test_callback_in_cycle_4(void **state)
{
    (void)state;
    start();
    pym_object *C = pym_instance_new("type"), *D = pym_instance_new("type");
    pym_setattr(C, "__mro__", C);
    pym_setattr(D, "__mro__", D);
    pym_object *c1 = gct_new(&gct_plain_type, 1);
    gct_set(c1, 0, D);
    pym_object *c2 = pym_instance_new("C");
    pym_setattr(c2, "__class__", C);
    pym_setattr(c2, "me", c2);
    pym_setattr(c2, "c1", c1);
    pym_object *m = gct_method_new(c2, acallback);
    pym_object *wr = pym_weakref_new(c1, m);
    pym_setattr(c2, "wr", wr);
    pym_object *list[] = {wr, m, c1, c2, C, D};
    for (size_t i = 0; i < 6; i++) pym_decref(list[i]);
    acallback_calls = 0;
    pym_gc_collect(2);
    assert_int_equal(acallback_calls, 0);
    assert_int_equal(gct_destroy_count(1), 1);
}

static pym_object *g_alist;

static pym_object *append_c(pym_object *self, pym_object *args)
{
    (void)args;
    pym_object *c = pym_getattr(self, "c");
    if (c != NULL) pym_list_append(g_alist, c);
    pym_xdecref(c);
    pym_err_clear();
    return pym_none();
}

static pym_object *note_went_away(pym_object *self, pym_object *args)
{
    (void)args;
    pym_list_append(g_alist, self);
    return pym_none();
}

/* test_weakref.py::ReferencesTestCase::test_callback_in_cycle_resurrection:
 * callbacks of weakrefs in the trash would resurrect trash; they are
 * cleared without running.  The weakref to the class C is not trash: its
 * callback runs. */
static void test_callback_in_cycle_resurrection(void **state)
{
    (void)state;
    start();
    g_alist = pym_list_new();
    pym_object *C = pym_instance_new("type");
    pym_setattr(C, "__mro__", C);
    pym_object *c1 = pym_instance_new("C"), *c2 = pym_instance_new("C");
    pym_setattr(c1, "__class__", C);
    pym_setattr(c2, "__class__", C);
    pym_setattr(c1, "c", c2);
    pym_setattr(c2, "c", c1);
    pym_object *m1 = gct_method_new(c1, append_c), *m2 = gct_method_new(c2, append_c);
    pym_object *w1 = pym_weakref_new(c2, m1), *w2 = pym_weakref_new(c1, m2);
    pym_setattr(c1, "wr", w1);
    pym_setattr(c2, "wr", w2);
    pym_object *msg = pym_str_new("C went away");
    pym_object *went = pym_cfunc_new("C_went_away", note_went_away, msg);
    pym_object *wr = pym_weakref_new(C, went);
    pym_object *drop[] = {m1, m2, w1, w2, msg, went, c1, c2, C};
    for (size_t i = 0; i < 9; i++) pym_decref(drop[i]);
    assert_int_equal(pym_list_len(g_alist), 0);
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(g_alist), 1);
    assert_string_equal(pym_str_cstr(pym_list_get(g_alist, 0)), "C went away");
    assert_true(is_dead(wr));
    while (pym_list_len(g_alist) > 0) pym_decref(pym_list_pop(g_alist, 0));
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(g_alist), 0);
    pym_decref(wr);
    pym_decref(g_alist);
}

static pym_object *note_cb(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    pym_object *s = pym_str_new("cb called");
    pym_list_append(g_alist, s);
    pym_decref(s);
    return pym_none();
}

/* test_weakref.py::ReferencesTestCase::test_callbacks_on_callback: weakref
 * callbacks on a weakref callback.  c.wr and d.wr are trash and never
 * fire; external_wr is not trash and fires when the callback object (also
 * trash) is reclaimed. */
static void test_callbacks_on_callback(void **state)
{
    (void)state;
    start();
    g_alist = pym_list_new();
    pym_object *msg = pym_str_new("safe_callback called");
    pym_object *safe = pym_cfunc_new("safe_callback", note_went_away, msg);
    pym_object *c = pym_instance_new("C"), *d = pym_instance_new("C");
    pym_setattr(c, "other", d);
    pym_setattr(d, "other", c);
    pym_object *callback = gct_method_new(c, note_cb);
    pym_object *dcb = gct_method_new(d, note_cb);
    pym_object *cwr = pym_weakref_new(d, callback);
    pym_object *dwr = pym_weakref_new(callback, dcb);
    pym_setattr(c, "wr", cwr);
    pym_setattr(d, "wr", dwr);
    pym_object *external_wr = pym_weakref_new(callback, safe);
    assert_true(refers_to(external_wr, callback));
    pym_object *drop[] = {cwr, dwr, dcb, callback, c, d, msg, safe};
    for (size_t i = 0; i < 8; i++) pym_decref(drop[i]);
    assert_int_equal(pym_list_len(g_alist), 0);
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(g_alist), 1);
    assert_string_equal(pym_str_cstr(pym_list_get(g_alist, 0)), "safe_callback called");
    assert_true(is_dead(external_wr));
    while (pym_list_len(g_alist) > 0) pym_decref(pym_list_pop(g_alist, 0));
    pym_gc_collect(2);
    assert_int_equal(pym_list_len(g_alist), 0);
    pym_decref(external_wr);
    pym_decref(g_alist);
}

/* The simplest case of the rule: a weakref with a callback stored in the
 * very cycle its referent is in. */
static void test_trash_weakref_callback_never_runs(void **state)
{
    (void)state;
    start();
    pym_object *cb = gct_logger("cb");
    pym_object *x = gct_self_cycle(&gct_plain_type, 1);
    pym_object *wr = pym_weakref_new(x, cb);
    gct_set(x, 1, wr);
    pym_decref(wr);
    pym_decref(x);
    assert_int_equal(pym_gc_collect(2), 2);
    assert_string_equal(gct_log(), "");
    /* the same with the weakref outside the trash: the callback runs */
    x = gct_self_cycle(&gct_plain_type, 2);
    wr = pym_weakref_new(x, cb);
    pym_decref(x);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_string_equal(gct_log(), "cb ");
    assert_true(is_dead(wr));
    pym_decref(wr);
    pym_decref(cb);
}

/* test_weakref.py::ReferencesTestCase::test_gc_during_ref_creation */
static void test_gc_during_ref_creation(void **state)
{
    (void)state;
    start();
    int old[3];
    pym_gc_get_threshold(old);
    pym_gc_set_threshold(1, 1, 1);
    pym_gc_collect(2);
    pym_object *cb = gct_logger("cb");
    pym_object *referenced = pym_instance_new("A");
    pym_object *a = pym_instance_new("A");
    pym_setattr(a, "a", a);
    pym_object *wr = pym_weakref_new(referenced, NULL);
    pym_setattr(a, "wr", wr);
    pym_decref(wr);
    pym_decref(a);
    a = pym_instance_new("A");
    pym_object *wr2 = pym_weakref_new(referenced, cb);
    assert_non_null(wr2);
    pym_decref(wr2);
    pym_gc_set_threshold(old[0], old[1], old[2]);
    pym_decref(a);
    pym_decref(referenced);
    pym_gc_collect(2);
    pym_decref(cb);
    assert_string_equal(gct_log(), "");
}

/* test_weakref.py::ReferencesTestCase::test_classes: a weakref to a class
 * (a self-referencing object) with list.append as its callback. */
static void test_classes(void **state)
{
    (void)state;
    start();
    pym_object *l = pym_list_new();
    pym_object *append = gct_appender(l);
    pym_object *A = gct_instance_cycle("type");
    pym_object *a = pym_weakref_new(A, append);
    pym_decref(A);
    pym_gc_collect(2);
    assert_true(is_dead(a));
    assert_int_equal(pym_list_len(l), 1);
    assert_ptr_equal(pym_list_get(l, 0), a);
    pym_object *B = gct_instance_cycle("type");
    pym_object *b = pym_weakref_new(B, append);
    pym_decref(B);
    pym_gc_collect(2);
    assert_true(is_dead(b));
    assert_int_equal(pym_list_len(l), 2);
    assert_ptr_equal(pym_list_get(l, 1), b);
    pym_decref(a);
    pym_decref(b);
    pym_decref(append);
    pym_decref(l);
}

/* ---- death order: refcount versus collection ---------------------------------------- */

static pym_object *g_wr;

static void note_ref_state(pym_object *self)
{
    (void)self;
    gct_note("%s ", is_dead(g_wr) ? "dead" : "alive");
}

/* At refcount death the finalizer runs first, and weakrefs still work
 * inside it; then the weakrefs are cleared and their callbacks run, newest
 * first; then the object is destroyed (Objects/typeobject.c subtype_dealloc
 * order). */
static void test_refcount_death_order(void **state)
{
    (void)state;
    start();
    gct_log_events = true;
    gct_fin_hook = note_ref_state;
    pym_object *cb1 = gct_logger("cb1"), *cb2 = gct_logger("cb2");
    pym_object *o = gct_new(&gct_fin_type, 1);
    g_wr = pym_weakref_new(o, NULL);
    pym_object *r1 = pym_weakref_new(o, cb1), *r2 = pym_weakref_new(o, cb2);
    pym_decref(o);
    assert_string_equal(gct_log(), "F1 alive cb2 cb1 D1 ");
    assert_true(is_dead(g_wr));
    pym_decref(g_wr);
    pym_decref(r1);
    pym_decref(r2);
    pym_decref(cb1);
    pym_decref(cb2);
}

/* In a collection, every weakref to the garbage is cleared, and the
 * callbacks of those that are not garbage run, before any finalizer: the
 * finalizer finds its weakrefs dead (gc.c handle_weakrefs, then
 * finalize_garbage). */
static void test_collection_order(void **state)
{
    (void)state;
    start();
    gct_fin_hook = note_ref_state;
    pym_object *cb1 = gct_logger("cb1"), *cb2 = gct_logger("cb2");
    pym_object *o = gct_self_cycle(&gct_fin_type, 1);
    g_wr = pym_weakref_new(o, NULL);
    pym_object *r1 = pym_weakref_new(o, cb1), *r2 = pym_weakref_new(o, cb2);
    pym_decref(o);
    gct_log_events = true;
    assert_int_equal(pym_gc_collect(2), 1);
    assert_string_equal(gct_log(), "cb2 cb1 F1 dead D1 ");
    pym_decref(g_wr);
    pym_decref(r1);
    pym_decref(r2);
    pym_decref(cb1);
    pym_decref(cb2);
}

/* test_finalization.py::SimpleFinalizationTest::test_simple_resurrect: an
 * object resurrected by its finalizer at refcount death keeps its
 * weakrefs (they were never cleared) and fires no callback; when it really
 * dies, the finalizer does not run again and the callbacks fire. */
static void test_resurrected_by_refcount_keeps_weakrefs(void **state)
{
    (void)state;
    start();
    pym_object *cb = gct_logger("cb");
    pym_object *o = gct_new(&gct_fin_type, 1);
    gct(o)->action = GCT_RESURRECT;
    pym_object *wr = pym_weakref_new(o, NULL), *wrcb = pym_weakref_new(o, cb);
    pym_decref(o);
    assert_int_equal(gct_survivor_count(), 1);
    assert_true(refers_to(wr, o));
    assert_true(refers_to(wrcb, o));
    assert_string_equal(gct_log(), "");
    gct_clear_survivors();
    assert_true(is_dead(wr));
    assert_true(is_dead(wrcb));
    assert_string_equal(gct_log(), "cb ");
    assert_int_equal(gct_fin_count(1), 1);
    assert_int_equal(gct_destroy_count(1), 1);
    pym_decref(wr);
    pym_decref(wrcb);
    pym_decref(cb);
}

/* test_finalization.py::SelfCycleFinalizationTest::test_simple_resurrect:
 * resurrected by its finalizer in a collection, the object lives, but its
 * weakrefs were cleared (and their callbacks run) before the finalizer. */
static void test_resurrected_in_collection_loses_weakrefs(void **state)
{
    (void)state;
    start();
    pym_object *cb = gct_logger("cb");
    pym_object *o = gct_self_cycle(&gct_fin_type, 1);
    gct(o)->action = GCT_RESURRECT;
    pym_object *wr = pym_weakref_new(o, NULL), *wrcb = pym_weakref_new(o, cb);
    pym_decref(o);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_survivor_count(), 1);
    assert_ptr_equal(gct_survivor(0), o);
    assert_true(is_dead(wr));
    assert_true(is_dead(wrcb));
    assert_string_equal(gct_log(), "cb ");
    /* new weakrefs to the survivor work */
    pym_object *wr2 = pym_weakref_new(o, NULL);
    assert_true(refers_to(wr2, o));
    gct_clear_survivors();
    assert_int_equal(pym_gc_collect(2), 1);
    assert_true(is_dead(wr2));
    assert_string_equal(gct_log(), "cb ");
    assert_int_equal(gct_fin_count(1), 1);
    pym_decref(wr);
    pym_decref(wr2);
    pym_decref(wrcb);
    pym_decref(cb);
}

/* A weakref that is itself in the garbage is cleared by the collection
 * (gc.c handle_weakrefs, CPython's first loop over the unreachable set),
 * even though its referent lives: resurrected by a finalizer, it stays
 * dead, and a new callback-less ref to the referent is a different one. */
static void test_resurrected_weakref_is_cleared(void **state)
{
    (void)state;
    start();
    pym_object *live = pym_instance_new("Live");
    pym_object *r = gct_self_cycle(&gct_fin_type, 1);
    gct(r)->action = GCT_RESURRECT;
    pym_object *wr = pym_weakref_new(live, NULL);
    pym_object *cb = gct_logger("cb");
    pym_object *wrcb = pym_weakref_new(live, cb);
    gct_set(r, 1, wr);
    gct_set(r, 2, wrcb);
    pym_decref(wr);
    pym_decref(wrcb);
    pym_decref(r);
    assert_int_equal(pym_weakref_count(live), 2);
    assert_int_equal(pym_gc_collect(2), 0);
    assert_int_equal(gct_survivor_count(), 1);
    assert_ptr_equal(gct_get(r, 1), wr);
    assert_true(is_dead(wr));
    assert_true(is_dead(wrcb));
    assert_int_equal(pym_weakref_count(live), 0);
    pym_object *wr2 = pym_weakref_new(live, NULL);
    assert_ptr_not_equal(wr2, wr);
    assert_true(refers_to(wr2, live));
    pym_decref(wr2);
    pym_decref(live);
    assert_string_equal(gct_log(), "");   /* the trash weakref never fires */
    gct_clear_survivors();
    assert_int_equal(pym_gc_collect(2), 3);
    pym_decref(cb);
}

static pym_object *g_late, *g_late_cb, *g_self_ref, *g_logger;

static void make_late_refs(pym_object *self)
{
    if (gct(self)->id != 1) return;
    pym_object *b = gct_get(self, 0);
    g_late = pym_weakref_new(b, NULL);
    g_late_cb = pym_weakref_new(b, g_logger);
    g_self_ref = pym_weakref_new(self, NULL);
}

/* gh-91636 (CPython 3.13, GH-136401): a finalizer creates new weakrefs to
 * garbage (another object of its cycle, and itself).  After the
 * collection those weakrefs are dead, their callbacks have not run, and
 * nothing hands out a cleared object. */
static void test_weakref_created_by_finalizer_gh91636(void **state)
{
    (void)state;
    start();
    g_logger = gct_logger("late");
    gct_fin_hook = make_late_refs;
    pym_object *a = gct_new(&gct_fin_type, 1);
    pym_object *b = gct_new(&gct_plain_type, 2);
    gct_set(a, 0, b);
    gct_set(b, 0, a);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 2);
    assert_non_null(g_late);
    assert_true(is_dead(g_late));
    assert_true(is_dead(g_late_cb));
    assert_true(is_dead(g_self_ref));
    assert_string_equal(gct_log(), "");
    assert_int_equal(gct_destroy_count(1), 1);
    assert_int_equal(gct_destroy_count(2), 1);
    pym_decref(g_late);
    pym_decref(g_late_cb);
    pym_decref(g_self_ref);
    pym_decref(g_logger);
}

static void ref_self(pym_object *self) { g_self_ref = pym_weakref_new(self, NULL); }

/* test_weakref.py::ReferencesTestCase::test_ref_created_during_del (bug
 * #1377858): a weakref made in __del__ at refcount death is cleared when
 * the object goes. */
static void test_ref_created_during_del(void **state)
{
    (void)state;
    start();
    gct_fin_hook = ref_self;
    pym_object *w = gct_new(&gct_fin_type, 1);
    pym_decref(w);
    assert_non_null(g_self_ref);
    assert_true(is_dead(g_self_ref));
    pym_decref(g_self_ref);
    g_self_ref = NULL;
}

/* ---- hashing and equality ------------------------------------------------------------ */

typedef struct hobj {
    PYM_OBJECT_HEAD
    int64_t v;
} hobj;

static int hobj_hash(pym_object *self, int64_t *out)
{
    pym_object *i = pym_int_new(((hobj *)self)->v);
    int r = pym_hash(i, out);
    pym_decref(i);
    return r;
}

static int hobj_equal(pym_object *a, pym_object *b) { return ((hobj *)a)->v == ((hobj *)b)->v; }

static const pym_type hobj_type = {
    .name = "Object",
    .size = sizeof(hobj),
    .flags = PYM_TYPE_WEAKREFABLE,
    .equal = hobj_equal,
    .hash = hobj_hash,
};

static pym_object *object(int64_t v)
{
    pym_object *o = pym_new(&hobj_type);
    ((hobj *)o)->v = v;
    return o;
}

/* test_weakref.py::ReferencesTestCase::test_hashing: a live weakref hashes
 * as its referent; a dead one keeps a hash computed while alive, and
 * otherwise cannot be hashed. */
static void test_hashing(void **state)
{
    (void)state;
    start();
    pym_object *x = object(42), *y = object(42);
    pym_object *a = pym_weakref_new(x, NULL), *b = pym_weakref_new(y, NULL);
    int64_t h, h42;
    pym_object *i42 = pym_int_new(42);
    assert_int_equal(pym_hash(i42, &h42), 0);
    assert_int_equal(pym_hash(a, &h), 0);
    assert_true(h == h42);
    pym_decref(x);
    pym_decref(y);
    pym_gc_collect(2);
    assert_int_equal(pym_hash(a, &h), 0);
    assert_true(h == h42);
    assert_int_equal(pym_hash(b, &h), -1);
    assert_type_error();
    pym_decref(a);
    pym_decref(b);
    /* a weakref to an unhashable object is unhashable */
    pym_object *l = pym_list_new();
    pym_object *lw = pym_weakref_new(l, NULL);
    assert_int_equal(pym_hash(lw, &h), -1);
    assert_type_error();
    pym_decref(lw);
    pym_decref(l);
}

/* test_weakref.py::ReferencesTestCase::test_equality: live weakrefs
 * compare as their referents; dead ones by identity. */
static void test_equality(void **state)
{
    (void)state;
    start();
    pym_object *x = object(1), *y = object(1), *z = object(2);
    pym_object *a = pym_weakref_new(x, NULL), *b = pym_weakref_new(y, NULL);
    pym_object *c = pym_weakref_new(z, NULL), *d = pym_weakref_new(x, NULL);
    assert_int_equal(pym_equal(a, b), 1);
    assert_int_equal(pym_equal(a, c), 0);
    assert_int_equal(pym_equal(a, d), 1);
    assert_int_equal(pym_equal(a, x), 0);
    pym_decref(x);
    pym_decref(y);
    pym_decref(z);
    assert_true(is_dead(a) && is_dead(b) && is_dead(c));
    assert_int_equal(pym_equal(a, b), 0);
    assert_int_equal(pym_equal(a, c), 0);
    assert_int_equal(pym_equal(a, d), a == d);
    assert_int_equal(pym_equal(a, a), 1);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    pym_decref(d);
}

/* ---- weakref.finalize ------------------------------------------------------------------ */

static pym_object *g_res;

/* add(x, y, z): res.append(x + y + z); return x + y + z */
static pym_object *add(pym_object *self, pym_object *args)
{
    (void)self;
    int64_t sum = 0;
    for (size_t i = 0; i < pym_tuple_len(args); i++) sum += pym_int_value(pym_tuple_get(args, i));
    pym_object *r = pym_int_new(sum);
    pym_list_append(g_res, r);
    return r;
}

static pym_object *three_args(int64_t a, int64_t b, int64_t c)
{
    pym_object *x = pym_int_new(a), *y = pym_int_new(b), *z = pym_int_new(c);
    pym_object *t = pym_tuple_pack(3, x, y, z);
    pym_decref(x);
    pym_decref(y);
    pym_decref(z);
    return t;
}

static int64_t call_int(pym_object *f)
{
    pym_object *r = pym_call(f, NULL);
    assert_non_null(r);
    int64_t v = r == pym_none() ? -1 : pym_int_value(r);
    pym_decref(r);
    return v;
}

/* test_weakref.py::FinalizeTestCase::test_finalize: called directly it
 * runs once and returns the callable's result; detach unregisters it and
 * returns the object; on the object's death it runs once. */
static void test_finalize(void **state)
{
    (void)state;
    start();
    g_res = pym_list_new();
    pym_object *fn = pym_cfunc_new("add", add, NULL);
    pym_object *a = pym_instance_new("A");
    pym_object *args = three_args(67, 43, 89);
    pym_object *f = pym_finalize_new(a, fn, args);
    assert_non_null(f);
    assert_true(pym_finalize_alive(f));
    assert_int_equal(call_int(f), 199);
    assert_int_equal(call_int(f), -1);   /* None */
    assert_int_equal(call_int(f), -1);
    assert_null(pym_finalize_detach(f));
    assert_false(pym_finalize_alive(f));
    assert_int_equal(pym_list_len(g_res), 1);
    pym_decref(f);

    f = pym_finalize_new(a, fn, args);
    pym_object *obj = pym_finalize_detach(f);
    assert_ptr_equal(obj, a);
    pym_decref(obj);
    assert_false(pym_finalize_alive(f));
    assert_int_equal(call_int(f), -1);
    assert_null(pym_finalize_detach(f));
    assert_int_equal(pym_list_len(g_res), 1);
    pym_decref(f);

    f = pym_finalize_new(a, fn, args);
    pym_decref(a);
    assert_false(pym_finalize_alive(f));
    assert_int_equal(call_int(f), -1);
    assert_null(pym_finalize_detach(f));
    assert_int_equal(pym_list_len(g_res), 2);
    assert_int_equal(pym_int_value(pym_list_get(g_res, 1)), 199);
    pym_decref(f);
    pym_decref(args);
    pym_decref(fn);
    pym_decref(g_res);
}

/* weakref.finalize(obj, func, *args): func must be callable; pym takes the
 * arguments as a tuple (NULL: none). */
static void test_finalize_arg_errors(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_instance_new("A");
    pym_object *one = pym_int_new(1);
    pym_object *fn = gct_logger("fin");
    assert_null(pym_finalize_new(a, one, NULL));
    assert_type_error();
    assert_null(pym_finalize_new(a, NULL, NULL));
    assert_type_error();
    pym_object *l = pym_list_new();
    assert_null(pym_finalize_new(a, fn, l));
    assert_type_error();
    assert_int_equal(pym_weakref_count(a), 0);
    assert_false(pym_finalize_alive(one));
    assert_false(pym_finalize_alive(NULL));
    assert_null(pym_finalize_detach(a));
    pym_decref(l);
    pym_decref(a);
    pym_decref(fn);
    assert_string_equal(gct_log(), "");
}

/* test_weakref.py::FinalizeTestCase::test_order: finalizers keep
 * themselves alive; siblings run newest first when their object dies. */
static void test_finalize_order(void **state)
{
    (void)state;
    start();
    pym_object *a = pym_instance_new("A");
    pym_object *fn[5], *f[5];
    char tag[4];
    for (int i = 0; i < 5; i++) {
        snprintf(tag, sizeof tag, "f%d", i + 1);
        fn[i] = gct_logger(tag);
        f[i] = pym_finalize_new(a, fn[i], NULL);
        pym_decref(fn[i]);
    }
    pym_decref(f[0]);  /* del f1, f4: the registry keeps them */
    pym_decref(f[3]);
    assert_true(pym_finalize_alive(f[1]));
    assert_true(pym_finalize_alive(f[2]));
    assert_true(pym_finalize_alive(f[4]));
    pym_object *obj = pym_finalize_detach(f[4]);
    assert_ptr_equal(obj, a);
    pym_decref(obj);
    assert_false(pym_finalize_alive(f[4]));
    pym_decref(pym_call(f[4], NULL));   /* nothing: unregistered */
    gct_note("A ");
    pym_decref(pym_call(f[2], NULL));   /* f3 */
    assert_false(pym_finalize_alive(f[2]));
    gct_note("B ");
    pym_decref(pym_call(f[2], NULL));   /* nothing: already called */
    gct_note("C ");
    pym_decref(a);                      /* f4, f2, f1 */
    assert_false(pym_finalize_alive(f[1]));
    gct_note("D ");
    pym_decref(pym_call(f[1], NULL));   /* nothing: already called */
    assert_string_equal(gct_log(), "A f3 B C f4 f2 f1 D ");
    pym_decref(f[1]);
    pym_decref(f[2]);
    pym_decref(f[4]);
}

static pym_object *append_123(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    pym_object *v = pym_int_new(123);
    pym_list_append(g_res, v);
    pym_decref(v);
    return pym_none();
}

/* test_weakref.py::FinalizeTestCase::test_all_freed: once it has run, the
 * finalizer and what it held (the callback) are freed. */
static void test_finalize_all_freed(void **state)
{
    (void)state;
    start();
    g_res = pym_list_new();
    size_t live0 = pym_live_objects();
    pym_object *a = pym_instance_new("A");
    pym_object *callback = gct_method_new(NULL, append_123);
    pym_object *f = pym_finalize_new(a, callback, NULL);
    pym_object *wr_callback = pym_weakref_new(callback, NULL);
    pym_decref(callback);
    pym_decref(f);
    assert_true(refers_to(wr_callback, callback));
    pym_decref(a);
    assert_true(is_dead(wr_callback));
    assert_int_equal(pym_list_len(g_res), 1);
    assert_int_equal(pym_int_value(pym_list_get(g_res, 0)), 123);
    /* only the weakref to the callback is left */
    assert_int_equal(pym_live_objects(), live0 + 1);
    pym_decref(wr_callback);
    pym_decref(g_res);
}

/* A finalizer on an object in cyclic trash runs when it is collected. */
static void test_finalize_in_collection(void **state)
{
    (void)state;
    start();
    pym_object *a = gct_self_cycle(&gct_fin_type, 1);
    gct_log_events = true;
    pym_object *fn = gct_logger("fin");
    pym_object *f = pym_finalize_new(a, fn, NULL);
    pym_decref(fn);
    pym_decref(a);
    assert_true(pym_finalize_alive(f));
    /* a, plus the finalizer's weakref, freed by running its callback
     * (CPython's handle_weakrefs counts those as collected too) */
    assert_int_equal(pym_gc_collect(2), 2);
    assert_false(pym_finalize_alive(f));
    /* weakref callbacks (finalize) run before type finalizers */
    assert_string_equal(gct_log(), "fin F1 D1 ");
    pym_decref(f);
}

static pym_object *g_cls;

static pym_object *error_fn(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    /* an exit finalizer created by a finalizer at exit runs next */
    pym_object *g1fn = gct_logger("g1");
    pym_object *g1 = pym_finalize_new(g_cls, g1fn, NULL);
    pym_decref(g1fn);
    pym_decref(g1);
    gct_note("f3 ");
    pym_err_set(PYM_ERR_VALUE, "division by zero");
    return NULL;
}

/* test_weakref.py::FinalizeTestCase::test_atexit: finalizers still pending
 * run at pym_fini, newest first; one created by a finalizer at exit runs
 * next; an error in one is reported and the others still run. */
static void test_finalize_atexit(void **state)
{
    (void)state;
    size_t base = pym_live_objects();
    start();
    g_cls = pym_instance_new("cls");
    pym_immortalize(g_cls);   /* lives until the runtime ends */
    const char *tags[] = {"f1", NULL, "f4"};
    for (int i = 0; i < 3; i++) {
        pym_object *fn = tags[i] ? gct_logger(tags[i]) : pym_cfunc_new("error", error_fn, NULL);
        pym_object *f = pym_finalize_new(g_cls, fn, NULL);
        assert_non_null(f);
        pym_decref(fn);
        pym_decref(f);
    }
    assert_string_equal(gct_log(), "");
    pym_fini();
    assert_string_equal(gct_log(), "f4 f3 g1 f1 ");
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), base);
    g_cls = NULL;
}

/* ---- out of memory ---------------------------------------------------------------------- */

typedef struct oom_ctx {
    pym_object *referent, *callback, *result;
    int kind;
} oom_ctx;

static int oom_make(void *p)
{
    oom_ctx *c = p;
    if (c->kind == 0) c->result = pym_weakref_new(c->referent, c->callback);
    else if (c->kind == 1) c->result = pym_weakref_new(c->referent, NULL);
    else c->result = pym_finalize_new(c->referent, c->callback, NULL);
    return c->result ? 0 : -1;
}

static void oom_undo(void *p)
{
    oom_ctx *c = p;
    if (c->kind == 2) pym_decref(pym_call(c->result, NULL));
    pym_decref(c->result);
    c->result = NULL;
}

/* Creating a weakref or a finalizer under memory failure: MemoryError,
 * nothing leaked, the referent's weakref list unchanged. */
static void test_oom_weakref_new(void **state)
{
    (void)state;
    oom_ctx c = {pym_instance_new("A"), gct_logger("cb"), NULL, 0};
    for (c.kind = 0; c.kind < 3; c.kind++) {
        assert_true(pym_test_oom_loop(oom_make, oom_undo, &c) > 0);
        assert_int_equal(pym_weakref_count(c.referent), 0);
    }
    pym_decref(c.referent);
    pym_decref(c.callback);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_basic_ref),
        PYM_TEST(test_basic_callback),
        PYM_TEST(test_multiple_callbacks),
        PYM_TEST(test_multiple_selfref_callbacks),
        PYM_TEST(test_shared_ref_without_callback),
        PYM_TEST(test_getweakrefcount),
        PYM_TEST(test_getweakrefs),
        PYM_TEST(test_not_weakrefable),
        PYM_TEST(test_callbacks_protected),
        PYM_TEST(test_callback_error_is_unraisable),
        PYM_TEST(test_sf_bug_840829),
        PYM_TEST(test_callback_gcs),
        PYM_TEST(test_trashcan_16602),
        PYM_TEST(test_callback_in_cycle_1),
        PYM_TEST(test_callback_in_cycle_2),
        PYM_TEST(test_callback_in_cycle_3),
        PYM_TEST(test_callback_in_cycle_4),
        PYM_TEST(test_callback_in_cycle_resurrection),
        PYM_TEST(test_callbacks_on_callback),
        PYM_TEST(test_trash_weakref_callback_never_runs),
        PYM_TEST(test_gc_during_ref_creation),
        PYM_TEST(test_classes),
        PYM_TEST(test_refcount_death_order),
        PYM_TEST(test_collection_order),
        PYM_TEST(test_resurrected_by_refcount_keeps_weakrefs),
        PYM_TEST(test_resurrected_in_collection_loses_weakrefs),
        PYM_TEST(test_resurrected_weakref_is_cleared),
        PYM_TEST(test_weakref_created_by_finalizer_gh91636),
        PYM_TEST(test_ref_created_during_del),
        PYM_TEST(test_hashing),
        PYM_TEST(test_equality),
        PYM_TEST(test_finalize),
        PYM_TEST(test_finalize_arg_errors),
        PYM_TEST(test_finalize_order),
        PYM_TEST(test_finalize_all_freed),
        PYM_TEST(test_finalize_in_collection),
        PYM_TEST(test_finalize_atexit),
        PYM_OOM_TEST(test_oom_weakref_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
