/* test_instance.c: instances of named classes and their attributes
 * (runtime/objects/instance.c) and C functions (runtime/objects/cfunc.c):
 * class names, setattr/getattr/delattr with CPython's AttributeError
 * messages, what attribute values' refcounts do, cycles through attributes
 * and bound functions, calling, reprs, and out-of-memory behaviour. */
#include <stdio.h>

#include "support/pym_test.h"

static int64_t rc(pym_object *o) { return pym_refcount(o); }

static void assert_attribute_error(const char *expected_message)
{
    assert_int_equal(pym_err_occurred(), PYM_ERR_ATTRIBUTE);
    if (expected_message != NULL) assert_string_equal(pym_err_message(), expected_message);
    pym_err_clear();
}

static void assert_repr(pym_object *o, const char *expected)
{
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), expected);
    pym_decref(r);
}

/* ---- instances ------------------------------------------------------------ */

static void test_instance_new(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *p = pym_instance_new("Point");
    assert_non_null(p);
    assert_string_equal(pym_type_name(p), "Point");
    assert_int_equal(rc(p), 1);
    assert_false(pym_is_immortal(p));
    assert_true(pym_gc_is_tracked(p));
    pym_object *q = pym_instance_new("Vector");
    assert_string_equal(pym_type_name(q), "Vector");
    assert_string_equal(pym_type_name(p), "Point");
    assert_true(pym_type_of(p) == pym_type_of(q));  /* one C type, many classes */
    assert_false(pym_is(p, q));
    assert_int_equal(pym_equal(p, q), 0);
    pym_decref(p);
    pym_decref(q);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_instance_class_names(void **state)
{
    (void)state;
    char long_name[300];
    memset(long_name, 'N', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    const char *names[] = {"Gr\xc3\xb6\xc3\x9f" "e", long_name, "_", "A1"};
    for (size_t i = 0; i < 4; i++) {
        pym_object *o = pym_instance_new(names[i]);
        assert_non_null(o);
        assert_string_equal(pym_type_name(o), names[i]);
        pym_decref(o);
    }
    assert_null(pym_instance_new(NULL));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
}

/* The class name is the object's own: a caller's buffer can change. */
static void test_instance_class_name_copied(void **state)
{
    (void)state;
    char buf[16];
    strcpy(buf, "Original");
    pym_object *o = pym_instance_new(buf);
    strcpy(buf, "Changed!");
    assert_string_equal(pym_type_name(o), "Original");
    pym_decref(o);
}

/* CPython: repr(Point()) == '<__main__.Point object at 0x...>'; pym has
 * no modules. */
static void test_instance_repr(void **state)
{
    (void)state;
    pym_object *o = pym_instance_new("Point");
    char expected[64];
    snprintf(expected, sizeof expected, "<Point object at %p>", (void *)o);
    assert_repr(o, expected);
    pym_decref(o);
}

/* ---- attributes ------------------------------------------------------------ */

static void test_setattr_getattr(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *o = pym_instance_new("Point");
    pym_object *v = pym_int_new(1000);
    assert_int_equal(pym_setattr(o, "x", v), 0);
    assert_int_equal(rc(v), 2);  /* the instance holds its own reference */
    pym_object *got = pym_getattr(o, "x");
    assert_true(pym_is(got, v));  /* the same object, not a copy */
    assert_int_equal(rc(v), 3);   /* getattr returns a new reference */
    pym_decref(got);
    assert_int_equal(rc(v), 2);

    assert_int_equal(pym_setattr(o, "none", pym_none()), 0);
    got = pym_getattr(o, "none");
    assert_true(pym_is(got, pym_none()));
    pym_decref(got);

    /* Names are compared by value, not by pointer. */
    char name[8];
    snprintf(name, sizeof name, "%c", 'x');
    got = pym_getattr(o, name);
    assert_true(pym_is(got, v));
    pym_decref(got);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);

    pym_decref(v);
    pym_decref(o);
    assert_int_equal(pym_live_objects(), live0);
}

/* Rebinding an attribute releases the old value (CPython: `o.x = w`
 * drops the reference to the previous o.x). */
static void test_overwrite_releases_old_value(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *o = pym_instance_new("Point");
    pym_object *v = pym_int_new(1000), *w = pym_float_new(2.5);
    assert_int_equal(pym_setattr(o, "x", v), 0);
    assert_int_equal(pym_setattr(o, "x", w), 0);
    assert_int_equal(rc(v), 1);
    assert_int_equal(rc(w), 2);
    assert_int_equal(pym_setattr(o, "x", w), 0);  /* same value again */
    assert_int_equal(rc(w), 2);
    pym_object *got = pym_getattr(o, "x");
    assert_true(pym_is(got, w));
    pym_decref(got);

    /* The last reference held by the attribute: freed on overwrite. */
    size_t before = pym_live_objects();
    pym_decref(v);
    assert_int_equal(pym_live_objects(), before - 1);
    pym_object *tmp = pym_int_new(5000);
    assert_int_equal(pym_setattr(o, "tmp", tmp), 0);
    pym_decref(tmp);
    before = pym_live_objects();
    assert_int_equal(pym_setattr(o, "tmp", pym_none()), 0);
    assert_int_equal(pym_live_objects(), before - 1);

    pym_decref(w);
    pym_decref(o);
    assert_int_equal(pym_live_objects(), live0);
}

/* CPython 3.12: AttributeError: 'Point' object has no attribute 'y'
 * (test_class.py::ClassTests::testSFBug532646-style lookups; the message
 * format of object.__getattribute__). */
static void test_getattr_missing(void **state)
{
    (void)state;
    pym_object *o = pym_instance_new("Point");
    assert_null(pym_getattr(o, "y"));  /* no attribute ever set: no dict yet */
    assert_attribute_error("'Point' object has no attribute 'y'");
    pym_object *v = pym_int_new(1000);
    assert_int_equal(pym_setattr(o, "x", v), 0);
    pym_decref(v);
    assert_null(pym_getattr(o, "missing_attribute"));
    assert_int_equal(pym_err_occurred(), PYM_ERR_ATTRIBUTE);
    assert_non_null(strstr(pym_err_message(), "missing_attribute"));
    assert_attribute_error("'Point' object has no attribute 'missing_attribute'");
    pym_decref(o);
}

static void test_delattr(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *o = pym_instance_new("Point");
    assert_int_equal(pym_delattr(o, "x"), -1);  /* no dict yet */
    assert_attribute_error("'Point' object has no attribute 'x'");
    pym_object *v = pym_int_new(1000);
    assert_int_equal(pym_setattr(o, "x", v), 0);
    assert_int_equal(pym_setattr(o, "y", v), 0);
    assert_int_equal(rc(v), 3);
    assert_int_equal(pym_delattr(o, "x"), 0);
    assert_int_equal(rc(v), 2);
    assert_null(pym_getattr(o, "x"));
    assert_attribute_error("'Point' object has no attribute 'x'");
    assert_int_equal(pym_delattr(o, "x"), -1);
    assert_attribute_error("'Point' object has no attribute 'x'");
    pym_object *y = pym_getattr(o, "y");  /* the other one is untouched */
    assert_true(pym_is(y, v));
    pym_decref(y);
    /* Set again after deleting. */
    assert_int_equal(pym_setattr(o, "x", pym_true()), 0);
    pym_object *x = pym_getattr(o, "x");
    assert_true(pym_is(x, pym_true()));
    pym_decref(x);
    pym_decref(v);
    pym_decref(o);
    assert_int_equal(pym_live_objects(), live0);
}

/* CPython: (1).x -> AttributeError: 'int' object has no attribute 'x'. */
static void test_attributes_of_non_instances(void **state)
{
    (void)state;
    pym_object *i = pym_int_new(1000), *l = pym_list_new();
    assert_null(pym_getattr(i, "x"));
    assert_attribute_error("'int' object has no attribute 'x'");
    assert_null(pym_getattr(l, "append_me"));
    assert_attribute_error("'list' object has no attribute 'append_me'");
    assert_null(pym_getattr(pym_none(), "x"));
    assert_attribute_error("'NoneType' object has no attribute 'x'");
    assert_int_equal(pym_setattr(i, "x", pym_none()), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_ATTRIBUTE);
    assert_non_null(strstr(pym_err_message(), "'x'"));
    pym_err_clear();
    assert_int_equal(pym_delattr(i, "x"), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_ATTRIBUTE);
    pym_err_clear();
    assert_null(pym_getattr(NULL, "x"));
    assert_int_not_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_err_clear();
    assert_int_equal(rc(i), 1);
    pym_decref(i);
    pym_decref(l);
}

static void test_attribute_null_arguments(void **state)
{
    (void)state;
    pym_object *o = pym_instance_new("Point");
    assert_int_equal(pym_setattr(o, NULL, pym_none()), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_setattr(o, "x", NULL), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_null(pym_getattr(o, NULL));
    assert_int_not_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_err_clear();
    assert_int_equal(pym_delattr(o, NULL), -1);
    assert_int_not_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_err_clear();
    pym_decref(o);
}

static void test_instance_releases_attributes(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *o = pym_instance_new("Box");
    pym_object *v = pym_float_new(1.25);
    pym_object *inner = pym_instance_new("Inner");
    assert_int_equal(pym_setattr(o, "v", v), 0);
    assert_int_equal(pym_setattr(o, "inner", inner), 0);
    pym_decref(inner);  /* now only `o` keeps it */
    assert_int_equal(rc(v), 2);
    pym_decref(o);      /* takes `inner` with it, at once */
    assert_int_equal(rc(v), 1);
    assert_int_equal(pym_live_objects(), live0 + 1);
    pym_decref(v);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_many_attributes(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *o = pym_instance_new("Many");
    char name[16];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "attr%d", i);
        pym_object *v = pym_int_new(1000 + i);
        assert_int_equal(pym_setattr(o, name, v), 0);
        pym_decref(v);
    }
    for (int i = 0; i < 300; i += 2) {
        snprintf(name, sizeof name, "attr%d", i);
        assert_int_equal(pym_delattr(o, name), 0);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "attr%d", i);
        pym_object *v = pym_getattr(o, name);
        if (i % 2 == 0) {
            assert_null(v);
            assert_attribute_error(NULL);
        } else {
            assert_non_null(v);
            assert_int_equal(pym_int_value(v), 1000 + i);
            assert_int_equal(rc(v), 2);
            pym_decref(v);
        }
    }
    pym_decref(o);
    assert_int_equal(pym_live_objects(), live0);
}

/* Instances referring to themselves or each other are freed by the
 * collector (CPython: test_gc.py::GCTests::test_instance). */
static void test_instance_cycles_collected(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *a = pym_instance_new("A"), *b = pym_instance_new("B");
    assert_int_equal(pym_setattr(a, "self", a), 0);
    assert_int_equal(pym_setattr(a, "other", b), 0);
    assert_int_equal(pym_setattr(b, "other", a), 0);
    pym_object *payload = pym_int_new(123456);
    assert_int_equal(pym_setattr(b, "payload", payload), 0);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(rc(payload), 2);
    assert_true(pym_gc_collect(2) >= 2);
    assert_int_equal(rc(payload), 1);
    pym_decref(payload);
    assert_int_equal(pym_live_objects(), live0);
}

/* ---- C functions ------------------------------------------------------------- */

static pym_object *seen_self, *seen_args;
static int n_calls;

static pym_object *record_fn(pym_object *self, pym_object *args)
{
    n_calls++;
    seen_self = self;
    seen_args = args;
    return pym_none();
}

static pym_object *sum_fn(pym_object *self, pym_object *args)
{
    (void)self;
    return pym_int_add(pym_tuple_get(args, 0), pym_tuple_get(args, 1));
}

static pym_object *fail_fn(pym_object *self, pym_object *args)
{
    (void)self;
    (void)args;
    pym_err_set(PYM_ERR_VALUE, "failed on purpose: %d", 42);
    return NULL;
}

static pym_object *get_value_fn(pym_object *self, pym_object *args)
{
    (void)args;
    return pym_getattr(self, "value");
}

static void reset_calls(void)
{
    seen_self = seen_args = NULL;
    n_calls = 0;
}

static void test_cfunc_without_self(void **state)
{
    (void)state;
    reset_calls();
    size_t live0 = pym_live_objects();
    pym_object *f = pym_cfunc_new("record", record_fn, NULL);
    assert_non_null(f);
    assert_int_equal(rc(f), 1);
    assert_true(pym_gc_is_tracked(f));
    pym_object *r = pym_call(f, NULL);
    assert_true(pym_is(r, pym_none()));
    pym_decref(r);
    assert_int_equal(n_calls, 1);
    assert_null(seen_self);
    assert_true(pym_is_tuple(seen_args));
    assert_int_equal(pym_tuple_len(seen_args), 0);

    pym_object *args = pym_tuple_pack(2, pym_int_new(1), pym_true());
    r = pym_call(f, args);
    assert_true(pym_is(r, pym_none()));
    pym_decref(r);
    assert_true(pym_is(seen_args, args));  /* passed as given */
    assert_int_equal(rc(args), 1);
    assert_int_equal(n_calls, 2);
    pym_decref(args);
    pym_decref(f);
    assert_int_equal(pym_live_objects(), live0);
}

/* A bound function keeps its self alive (CPython: a bound method holds
 * __self__). */
static void test_cfunc_with_self(void **state)
{
    (void)state;
    reset_calls();
    size_t live0 = pym_live_objects();
    pym_object *obj = pym_instance_new("Counter");
    pym_object *v = pym_int_new(77777);
    assert_int_equal(pym_setattr(obj, "value", v), 0);
    pym_object *rec = pym_cfunc_new("record", record_fn, obj);
    pym_object *get = pym_cfunc_new("get_value", get_value_fn, obj);
    assert_int_equal(rc(obj), 3);
    size_t live1 = pym_live_objects();
    pym_decref(obj);  /* the functions keep it alive */
    assert_int_equal(pym_live_objects(), live1);
    assert_int_equal(rc(obj), 2);

    pym_object *r = pym_call(rec, NULL);
    assert_true(seen_self == obj);
    pym_decref(r);
    r = pym_call(get, NULL);
    assert_true(pym_is(r, v));
    pym_decref(r);

    pym_decref(rec);
    assert_int_equal(rc(obj), 1);
    pym_decref(get);  /* the last holder: obj and its attributes go */
    assert_int_equal(rc(v), 1);
    pym_decref(v);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_cfunc_results_and_errors(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *sum = pym_cfunc_new("sum", sum_fn, NULL);
    pym_object *a = pym_int_new(1000), *b = pym_int_new(2000);
    pym_object *args = pym_tuple_pack(2, a, b);
    pym_object *r = pym_call(sum, args);
    assert_non_null(r);
    assert_int_equal(pym_int_value(r), 3000);
    assert_int_equal(rc(r), 1);
    pym_decref(r);
    assert_int_equal(rc(a), 2);

    pym_object *fail = pym_cfunc_new("fail", fail_fn, NULL);
    assert_null(pym_call(fail, args));
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    assert_string_equal(pym_err_message(), "failed on purpose: 42");
    pym_err_clear();

    /* Arguments must be a tuple. */
    pym_object *l = pym_list_new();
    assert_null(pym_call(sum, l));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();

    pym_object *all[] = {sum, a, b, args, fail, l};
    for (size_t i = 0; i < 6; i++) pym_decref(all[i]);
    assert_int_equal(pym_live_objects(), live0);
}

/* CPython: repr(len) == '<built-in function len>'. */
static void test_cfunc_repr(void **state)
{
    (void)state;
    pym_object *f = pym_cfunc_new("len", record_fn, NULL);
    assert_repr(f, "<built-in function len>");
    pym_object *obj = pym_instance_new("Thing");
    pym_object *g = pym_cfunc_new("method", record_fn, obj);
    assert_repr(g, "<built-in function method>");
    pym_decref(f);
    pym_decref(g);
    pym_decref(obj);
}

static void test_cfunc_bad_arguments(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    assert_null(pym_cfunc_new("nofn", NULL, NULL));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_live_objects(), live0);
    /* An instance is not callable. */
    pym_object *o = pym_instance_new("Plain");
    assert_null(pym_call(o, NULL));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_equal(pym_err_message(), "'Plain' object is not callable");
    pym_err_clear();
    pym_decref(o);
}

/* obj.method = bound(obj): a cycle through the function's self. */
static void test_cfunc_cycle_collected(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *obj = pym_instance_new("WithMethod");
    pym_object *m = pym_cfunc_new("m", record_fn, obj);
    assert_int_equal(pym_setattr(obj, "m", m), 0);
    pym_decref(m);
    pym_decref(obj);
    assert_true(pym_live_objects() > live0);
    assert_true(pym_gc_collect(2) >= 2);
    assert_int_equal(pym_live_objects(), live0);
}

/* ---- out of memory -------------------------------------------------------------- */

typedef struct {
    pym_object *made;
    pym_object *value;
} oom_ctx;

static void undo_made(void *ctx)
{
    oom_ctx *c = ctx;
    pym_decref(c->made);
    c->made = NULL;
}

static int op_instance_new(void *ctx)
{
    oom_ctx *c = ctx;
    c->made = pym_instance_new("OomClass");
    return c->made ? 0 : -1;
}

/* The first set allocates the attribute dict. */
static int op_instance_with_attribute(void *ctx)
{
    oom_ctx *c = ctx;
    pym_object *o = pym_instance_new("OomAttr");
    if (o == NULL) return -1;
    if (pym_setattr(o, "first", c->value) != 0) {
        pym_decref(o);
        return -1;
    }
    c->made = o;
    return 0;
}

static int op_cfunc_new(void *ctx)
{
    oom_ctx *c = ctx;
    c->made = pym_cfunc_new("oom_function", record_fn, c->value);
    return c->made ? 0 : -1;
}

static void test_oom_instance_new(void **state)
{
    (void)state;
    oom_ctx c = {NULL, NULL};
    assert_true(pym_test_oom_loop(op_instance_new, undo_made, &c) >= 1);
}

static void test_oom_setattr(void **state)
{
    (void)state;
    oom_ctx c = {NULL, pym_int_new(424242)};
    assert_true(pym_test_oom_loop(op_instance_with_attribute, undo_made, &c) >= 2);
    assert_int_equal(rc(c.value), 1);
    pym_decref(c.value);
}

/* A failed first setattr leaves the instance exactly as it was: no
 * attribute, and no empty attribute dict left behind (no extra live
 * object, no extra memory). */
static void test_oom_first_setattr_leaves_instance_unchanged(void **state)
{
    (void)state;
    pym_object *o = pym_instance_new("Unchanged");
    pym_object *v = pym_int_new(99999);
    long bad_at = 0;  /* the first failing run that changed something */
    for (long n = 1; n < 1000; n++) {
        size_t live0 = pym_live_objects();
        size_t blocks0 = fault_outstanding();
        fault_fail_at(n, false);
        int r = pym_setattr(o, "attr", v);
        fault_fail_at(0, false);
        if (r == 0) break;
        assert_int_equal(pym_err_occurred(), PYM_ERR_MEMORY);
        pym_err_clear();
        pym_object *got = pym_getattr(o, "attr");
        pym_err_clear();
        if (got != NULL || pym_live_objects() != live0 || fault_outstanding() != blocks0 ||
            rc(v) != 1) {
            pym_xdecref(got);
            bad_at = n;
            break;
        }
    }
    pym_decref(o);
    pym_decref(v);
    assert_int_equal(bad_at, 0);
}

static void test_oom_cfunc_new(void **state)
{
    (void)state;
    oom_ctx c = {NULL, pym_instance_new("Self")};
    assert_true(pym_test_oom_loop(op_cfunc_new, undo_made, &c) >= 1);
    assert_int_equal(rc(c.value), 1);
    pym_decref(c.value);
    c.value = NULL;
    assert_true(pym_test_oom_loop(op_cfunc_new, undo_made, &c) >= 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_instance_new),
        PYM_TEST(test_instance_class_names),
        PYM_TEST(test_instance_class_name_copied),
        PYM_TEST(test_instance_repr),
        PYM_TEST(test_setattr_getattr),
        PYM_TEST(test_overwrite_releases_old_value),
        PYM_TEST(test_getattr_missing),
        PYM_TEST(test_delattr),
        PYM_TEST(test_attributes_of_non_instances),
        PYM_TEST(test_attribute_null_arguments),
        PYM_TEST(test_instance_releases_attributes),
        PYM_TEST(test_many_attributes),
        PYM_TEST(test_instance_cycles_collected),
        PYM_TEST(test_cfunc_without_self),
        PYM_TEST(test_cfunc_with_self),
        PYM_TEST(test_cfunc_results_and_errors),
        PYM_TEST(test_cfunc_repr),
        PYM_TEST(test_cfunc_bad_arguments),
        PYM_TEST(test_cfunc_cycle_collected),
        PYM_OOM_TEST(test_oom_instance_new),
        PYM_OOM_TEST(test_oom_setattr),
        PYM_OOM_TEST(test_oom_first_setattr_leaves_instance_unchanged),
        PYM_OOM_TEST(test_oom_cfunc_new),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
