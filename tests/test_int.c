/* test_int.c: ints, bools, None and floats (runtime/objects/int.c, float.c,
 * none.c): the small-int cache and immortality, int64 arithmetic and its
 * overflow, reprs, numeric equality and hashing across int/bool/float, and
 * out-of-memory behaviour of the constructors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "support/pym_test.h"

/* ---- helpers ------------------------------------------------------------- */

/* Copies repr(o) into `out` and releases it, so a failing comparison
 * afterwards leaks nothing. */
static void repr_into(pym_object *o, char *out, size_t cap)
{
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    assert_true(pym_is_str(r));
    snprintf(out, cap, "%s", pym_str_cstr(r));
    pym_decref(r);
}

static void assert_repr(pym_object *o, const char *expected)
{
    char got[128];
    repr_into(o, got, sizeof got);
    assert_string_equal(got, expected);
}

static void assert_float_repr(double v, const char *expected)
{
    char got[128];
    pym_object *f = pym_float_new(v);
    assert_non_null(f);
    repr_into(f, got, sizeof got);
    pym_decref(f);
    assert_string_equal(got, expected);
}

static void assert_error(pym_error kind)
{
    assert_int_equal(pym_err_occurred(), kind);
    pym_err_clear();
}

static int64_t hash_of(pym_object *o)
{
    int64_t h = 0;
    assert_int_equal(pym_hash(o, &h), 0);
    return h;
}

/* Checks every property of an immortal object (CPython 3.12
 * Modules/_testcapi/immortal.c verify_immortality: many decrefs change
 * nothing). */
static void assert_immortal(pym_object *o)
{
    assert_true(pym_is_immortal(o));
    assert_true(pym_refcount(o) == PYM_IMMORTAL_REFCOUNT);
    for (int i = 0; i < 10000; i++) pym_decref(o);
    for (int i = 0; i < 10000; i++) pym_incref(o);
    assert_true(pym_refcount(o) == PYM_IMMORTAL_REFCOUNT);
    assert_true(pym_is_immortal(o));
}

/* ---- small-int cache and identity ------------------------------------------ */

/* CPython: Lib/test/test_long.py::LongTest::test_small_ints and
 * test_capi/test_immortal.py::test_immortal_builtins: -5..256 are one
 * object each; 257 and -6 are created anew. */
static void test_small_int_identity(void **state)
{
    (void)state;
    for (int64_t v = PYM_SMALL_INT_MIN; v <= PYM_SMALL_INT_MAX; v++) {
        pym_object *a = pym_int_new(v), *b = pym_int_new(v);
        assert_true(pym_is(a, b));
        assert_true(pym_id(a) == pym_id(b));
        assert_int_equal(pym_int_value(a), v);
        assert_true(pym_is_int(a));
        pym_decref(a);
        pym_decref(b);
    }
    pym_object *a = pym_int_new(256), *b = pym_int_new(256);
    assert_true(pym_is(a, b));
    pym_object *c = pym_int_new(257), *d = pym_int_new(257);
    assert_false(pym_is(c, d));
    assert_int_equal(pym_equal(c, d), 1);
    pym_object *e = pym_int_new(-5), *f = pym_int_new(-5);
    assert_true(pym_is(e, f));
    pym_object *g = pym_int_new(-6), *h = pym_int_new(-6);
    assert_false(pym_is(g, h));
    assert_int_equal(pym_equal(g, h), 1);
    pym_object *all[] = {a, b, c, d, e, f, g, h};
    for (size_t i = 0; i < 8; i++) pym_decref(all[i]);
}

/* CPython 3.12 test_capi/test_immortal.py::test_immortal_small_ints and
 * test_immortal_builtins (None, True, False). */
static void test_singletons_immortal(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    for (int64_t v = PYM_SMALL_INT_MIN; v <= PYM_SMALL_INT_MAX; v++) assert_immortal(pym_int_new(v));
    assert_immortal(pym_none());
    assert_immortal(pym_true());
    assert_immortal(pym_false());
    assert_int_equal(pym_live_objects(), live0);
    /* Beyond the cache nothing is immortal (is_static_immortal(300..399) is False). */
    for (int64_t v = 300; v < 310; v++) {
        pym_object *o = pym_int_new(v);
        assert_false(pym_is_immortal(o));
        assert_int_equal(pym_refcount(o), 1);
        pym_decref(o);
    }
}

static void test_singletons_identity(void **state)
{
    (void)state;
    assert_true(pym_is(pym_bool(true), pym_true()));
    assert_true(pym_is(pym_bool(false), pym_false()));
    assert_false(pym_is(pym_true(), pym_false()));
    assert_true(pym_is(pym_none(), pym_none()));
    /* True is not the cached 1: bool is its own type, as in Python. */
    assert_false(pym_is(pym_true(), pym_int_new(1)));
    assert_false(pym_is(pym_false(), pym_int_new(0)));
}

static void test_new_int_counts_one_live_object(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *o = pym_int_new(1000);
    assert_non_null(o);
    assert_int_equal(pym_live_objects(), live0 + 1);
    assert_int_equal(pym_refcount(o), 1);
    assert_false(pym_is_immortal(o));
    assert_int_equal(pym_int_value(o), 1000);
    pym_decref(o);
    assert_int_equal(pym_live_objects(), live0);

    /* The small ones never count. */
    pym_object *s = pym_int_new(7);
    assert_int_equal(pym_live_objects(), live0);
    pym_decref(s);
}

/* Values at the ends of int64.  Under SAN=asan (UBSan) this also checks
 * that the small-int range test in pym_int_new does not overflow: it did
 * (int.c: `v - PYM_SMALL_INT_MIN` for v > INT64_MAX - 5). */
static void test_int_extremes(void **state)
{
    (void)state;
    const int64_t values[] = {INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                              PYM_SMALL_INT_MAX + 1, PYM_SMALL_INT_MIN - 1,
                              INT64_C(1) << 62, -(INT64_C(1) << 62), 4294967296, -4294967296};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        pym_object *o = pym_int_new(values[i]);
        assert_non_null(o);
        assert_false(pym_is_immortal(o));
        assert_int_equal(pym_int_value(o), values[i]);
        assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
        pym_decref(o);
    }
}

/* ---- arithmetic -------------------------------------------------------------- */

/* Results in -5..256 are the cached objects, whatever produced them
 * (CPython: `200 + 56 is 256`, test_long.py::test_small_ints checks
 * `i - 0 is i` and `i + 0 is i` across the range). */
static void test_arithmetic_results_cached(void **state)
{
    (void)state;
    pym_object *a = pym_int_new(200), *b = pym_int_new(56);
    pym_object *s = pym_int_add(a, b);
    assert_true(pym_is(s, pym_int_new(256)));

    pym_object *big = pym_int_new(1000), *nbig = pym_int_new(-744);
    size_t live0 = pym_live_objects();
    pym_object *t = pym_int_add(big, nbig);
    assert_true(pym_is(t, pym_int_new(256)));
    pym_object *z = pym_int_sub(big, big);
    assert_true(pym_is(z, pym_int_new(0)));
    pym_object *m = pym_int_mul(pym_int_new(16), pym_int_new(16));
    assert_true(pym_is(m, pym_int_new(256)));
    pym_object *n5 = pym_int_sub(pym_int_new(0), pym_int_new(5));
    assert_true(pym_is(n5, pym_int_new(-5)));
    assert_int_equal(pym_live_objects(), live0);

    /* Just outside the range: a new object each time. */
    pym_object *n6 = pym_int_sub(pym_int_new(-1), pym_int_new(5));
    assert_int_equal(pym_int_value(n6), -6);
    pym_object *other6 = pym_int_new(-6);
    assert_false(pym_is(n6, other6));
    pym_decref(other6);
    pym_object *p257 = pym_int_add(pym_int_new(256), pym_int_new(1));
    assert_int_equal(pym_int_value(p257), 257);
    assert_int_equal(pym_refcount(p257), 1);
    assert_int_equal(pym_live_objects(), live0 + 2);

    pym_object *all[] = {a, b, s, big, nbig, t, z, m, n5, n6, p257};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pym_decref(all[i]);
}

static int64_t apply(pym_object *(*op)(pym_object *, pym_object *), int64_t x, int64_t y)
{
    pym_object *a = pym_int_new(x), *b = pym_int_new(y);
    assert_non_null(a);
    assert_non_null(b);
    pym_object *r = op(a, b);
    assert_non_null(r);
    assert_true(pym_is_int(r));
    int64_t v = pym_int_value(r);
    pym_decref(r);
    pym_decref(a);
    pym_decref(b);
    return v;
}

static void test_arithmetic_values(void **state)
{
    (void)state;
    assert_int_equal(apply(pym_int_add, 1000, 2345), 3345);
    assert_int_equal(apply(pym_int_add, -1000, 999), -1);
    assert_int_equal(apply(pym_int_sub, 1000, 2345), -1345);
    assert_int_equal(apply(pym_int_mul, -1000, 1000), -1000000);
    assert_int_equal(apply(pym_int_mul, 0, INT64_MIN), 0);
    assert_true(apply(pym_int_add, INT64_MAX - 1, 1) == INT64_MAX);
    assert_true(apply(pym_int_sub, INT64_MIN + 1, 1) == INT64_MIN);
    assert_true(apply(pym_int_sub, -INT64_MAX, 1) == INT64_MIN);
    assert_true(apply(pym_int_mul, INT64_MIN, 1) == INT64_MIN);
    assert_true(apply(pym_int_mul, INT64_C(3037000499), INT64_C(3037000499)) ==
                INT64_C(9223372030926249001));
    assert_true(apply(pym_int_add, INT64_MAX, INT64_MIN) == -1);
}

/* Python: True + True == 2, and the result is an int, not a bool. */
static void test_bool_arithmetic(void **state)
{
    (void)state;
    pym_object *r = pym_int_add(pym_true(), pym_true());
    assert_non_null(r);
    assert_true(pym_is_int(r));
    assert_false(pym_is_bool(r));
    assert_int_equal(pym_int_value(r), 2);
    pym_object *z = pym_int_mul(pym_true(), pym_false());
    assert_true(pym_is(z, pym_int_new(0)));
    pym_object *thousand = pym_int_new(1000);
    pym_object *k = pym_int_sub(thousand, pym_true());
    assert_int_equal(pym_int_value(k), 999);
    pym_decref(thousand);
    pym_decref(r);
    pym_decref(z);
    pym_decref(k);
}

static void assert_overflow(pym_object *(*op)(pym_object *, pym_object *), int64_t x, int64_t y)
{
    pym_object *a = pym_int_new(x), *b = pym_int_new(y);
    size_t live0 = pym_live_objects();
    assert_null(op(a, b));
    assert_int_equal(pym_err_occurred(), PYM_ERR_OVERFLOW);
    assert_string_not_equal(pym_err_message(), "");
    assert_int_equal(pym_live_objects(), live0);
    pym_err_clear();
    assert_int_equal(pym_refcount(a), pym_is_immortal(a) ? PYM_IMMORTAL_REFCOUNT : 1);
    pym_decref(a);
    pym_decref(b);
}

/* pym has no big ints: past int64 is OverflowError (in Python these would
 * promote; the API documents the difference). */
static void test_arithmetic_overflow(void **state)
{
    (void)state;
    assert_overflow(pym_int_add, INT64_MAX, 1);
    assert_overflow(pym_int_add, INT64_MIN, -1);
    assert_overflow(pym_int_add, INT64_MAX, INT64_MAX);
    assert_overflow(pym_int_sub, INT64_MIN, 1);
    assert_overflow(pym_int_sub, INT64_MAX, -1);
    assert_overflow(pym_int_sub, 0, INT64_MIN);
    assert_overflow(pym_int_mul, INT64_MIN, -1);
    assert_overflow(pym_int_mul, INT64_MAX, 2);
    assert_overflow(pym_int_mul, INT64_C(3037000500), INT64_C(3037000500));
    assert_overflow(pym_int_mul, INT64_MIN, INT64_MIN);
}

static void test_arithmetic_type_errors(void **state)
{
    (void)state;
    pym_object *i = pym_int_new(1000);
    pym_object *f = pym_float_new(1.5);
    pym_object *s = pym_str_new("7");
    size_t live0 = pym_live_objects();
    pym_object *(*ops[])(pym_object *, pym_object *) = {pym_int_add, pym_int_sub, pym_int_mul};
    for (size_t k = 0; k < 3; k++) {
        assert_null(ops[k](i, f));
        assert_error(PYM_ERR_TYPE);
        assert_null(ops[k](f, i));
        assert_error(PYM_ERR_TYPE);
        assert_null(ops[k](s, i));
        assert_error(PYM_ERR_TYPE);
        assert_null(ops[k](i, s));
        assert_error(PYM_ERR_TYPE);
        assert_null(ops[k](pym_none(), i));
        assert_error(PYM_ERR_TYPE);
        assert_null(ops[k](i, NULL));
        assert_error(PYM_ERR_TYPE);
    }
    assert_int_equal(pym_live_objects(), live0);
    assert_int_equal(pym_refcount(i), 1);
    assert_int_equal(pym_refcount(f), 1);
    pym_decref(i);
    pym_decref(f);
    pym_decref(s);
}

/* -1 is a valid value: only the pending error says it failed (the
 * PyLong_AsLong convention). */
static void test_int_value(void **state)
{
    (void)state;
    pym_object *m1 = pym_int_new(-1);
    assert_int_equal(pym_int_value(m1), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_int_equal(pym_int_value(pym_true()), 1);
    assert_int_equal(pym_int_value(pym_false()), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);

    pym_object *f = pym_float_new(2.0);
    assert_int_equal(pym_int_value(f), -1);
    assert_error(PYM_ERR_TYPE);
    pym_object *s = pym_str_new("12");
    assert_int_equal(pym_int_value(s), -1);
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_int_value(pym_none()), -1);
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_int_value(NULL), -1);
    assert_error(PYM_ERR_TYPE);
    pym_decref(f);
    pym_decref(s);
    pym_decref(m1);
}

/* Python: isinstance(True, int), but type(True) is bool. */
static void test_bool_is_int(void **state)
{
    (void)state;
    assert_true(pym_is_bool(pym_true()));
    assert_true(pym_is_bool(pym_false()));
    assert_false(pym_is_int(pym_true()));
    assert_false(pym_is_bool(pym_int_new(1)));
    assert_false(pym_is_bool(pym_none()));
    assert_string_equal(pym_type_name(pym_true()), "bool");
    assert_string_equal(pym_type_name(pym_int_new(1)), "int");
    assert_string_equal(pym_type_name(pym_none()), "NoneType");
    assert_true(pym_float_value(pym_true()) == 1.0);
    assert_true(pym_float_value(pym_false()) == 0.0);
    assert_true(pym_type_of(pym_true()) == pym_type_of(pym_false()));
    assert_true(pym_type_of(pym_true()) != pym_type_of(pym_int_new(1)));
}

/* ---- floats -------------------------------------------------------------------- */

static void test_float_basics(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *a = pym_float_new(1.5), *b = pym_float_new(1.5);
    assert_non_null(a);
    assert_non_null(b);
    assert_false(pym_is(a, b));  /* floats are never cached */
    assert_int_equal(pym_live_objects(), live0 + 2);
    assert_int_equal(pym_refcount(a), 1);
    assert_false(pym_is_immortal(a));
    assert_true(pym_is_float(a));
    assert_false(pym_is_int(a));
    assert_string_equal(pym_type_name(a), "float");
    assert_true(pym_float_value(a) == 1.5);
    assert_int_equal(pym_equal(a, b), 1);
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_live_objects(), live0);

    pym_object *i = pym_int_new(INT64_C(1) << 40);
    assert_true(pym_float_value(i) == 1099511627776.0);
    pym_decref(i);
    pym_object *s = pym_str_new("1.5");
    assert_true(pym_float_value(s) == -1.0);
    assert_error(PYM_ERR_TYPE);
    assert_true(pym_float_value(pym_none()) == -1.0);
    assert_error(PYM_ERR_TYPE);
    assert_true(pym_float_value(NULL) == -1.0);
    assert_error(PYM_ERR_TYPE);
    pym_decref(s);
}

static void test_float_special_values(void **state)
{
    (void)state;
    pym_object *n = pym_float_new(NAN);
    assert_true(isnan(pym_float_value(n)));
    pym_object *z = pym_float_new(-0.0);
    assert_true(signbit(pym_float_value(z)));
    pym_object *inf = pym_float_new(-INFINITY);
    assert_true(isinf(pym_float_value(inf)) && pym_float_value(inf) < 0);
    pym_decref(n);
    pym_decref(z);
    pym_decref(inf);
}

/* ---- reprs ------------------------------------------------------------------------ */

static void test_int_repr(void **state)
{
    (void)state;
    assert_repr(pym_int_new(0), "0");
    assert_repr(pym_int_new(-5), "-5");
    assert_repr(pym_int_new(256), "256");
    pym_object *vals[] = {pym_int_new(1000), pym_int_new(-1000), pym_int_new(INT64_MAX),
                          pym_int_new(INT64_MIN)};
    const char *expect[] = {"1000", "-1000", "9223372036854775807", "-9223372036854775808"};
    for (size_t i = 0; i < 4; i++) {
        assert_repr(vals[i], expect[i]);
        pym_decref(vals[i]);
    }
}

/* CPython: test_bool.py::BoolTest::test_repr, repr(None) == 'None'. */
static void test_bool_none_repr(void **state)
{
    (void)state;
    assert_repr(pym_true(), "True");
    assert_repr(pym_false(), "False");
    assert_repr(pym_none(), "None");
}

/* CPython: test_float.py::ReprTestCase::test_short_repr (shortest string
 * that round-trips) and test_float.py::InfNanTest::test_repr. */
static void test_float_repr(void **state)
{
    (void)state;
    assert_float_repr(0.1, "0.1");
    assert_float_repr(1.0, "1.0");
    assert_float_repr(1e16, "1e+16");
    assert_float_repr(INFINITY, "inf");
    assert_float_repr(-INFINITY, "-inf");
    assert_float_repr(NAN, "nan");
    assert_float_repr(-0.0, "-0.0");
    assert_float_repr(0.0, "0.0");
    assert_float_repr(1.5, "1.5");
    assert_float_repr(-2.5, "-2.5");
    assert_float_repr(0.1 + 0.2, "0.30000000000000004");
    assert_float_repr(3.141592653589793, "3.141592653589793");
    assert_float_repr(1.0 / 3.0, "0.3333333333333333");
    assert_float_repr(0.0001, "0.0001");
    assert_float_repr(1e-05, "1e-05");
    assert_float_repr(1.5e-07, "1.5e-07");
    assert_float_repr(1e+300, "1e+300");
    assert_float_repr(2.5e+16, "2.5e+16");
    assert_float_repr(1.7976931348623157e+308, "1.7976931348623157e+308");
    assert_float_repr(5e-324, "5e-324");
    assert_float_repr(123456.0, "123456.0");
}

/* Fixed notation for decimal exponents -4 <= exp < 16, exponent notation
 * outside (float_repr_style 'short', format code 'r'): repr(100.0) ==
 * '100.0', repr(1e15) == '1000000000000000.0'.  CPython:
 * test_float.py::ReprTestCase::test_short_repr. */
static void test_float_repr_fixed_notation(void **state)
{
    (void)state;
    assert_float_repr(100.0, "100.0");
    assert_float_repr(-10.0, "-10.0");
    assert_float_repr(1500.0, "1500.0");
    assert_float_repr(1000000.0, "1000000.0");
    assert_float_repr(1e15, "1000000000000000.0");
    assert_float_repr(120.5e3, "120500.0");
    assert_float_repr(9007199254740992.0, "9007199254740992.0");
}

/* repr(float) of values spread over the whole range (random bit
 * patterns, random magnitudes, rounded decimals, boundaries), each
 * compared with what CPython 3.12 prints for the same double. */
static const struct { uint64_t bits; const char *repr; } float_reprs[] = {
    {UINT64_C(0x0000000000000001), "5e-324"},
    {UINT64_C(0x0010000000000000), "2.2250738585072014e-308"},
    {UINT64_C(0x000fffffffffffff), "2.225073858507201e-308"},
    {UINT64_C(0x7fefffffffffffff), "1.7976931348623157e+308"},
    {UINT64_C(0x4340000000000000), "9007199254740992.0"},
    {UINT64_C(0x4340000000000001), "9007199254740994.0"},
    {UINT64_C(0x43e0000000000000), "9.223372036854776e+18"},
    {UINT64_C(0x43f0000000000000), "1.8446744073709552e+19"},
    {UINT64_C(0x4480f0cf064dd592), "1e+22"},
    {UINT64_C(0x44b52d02c7e14af6), "1e+23"},
    {UINT64_C(0x4341c37937e07fff), "9999999999999998.0"},
    {UINT64_C(0x4341c37937e07fff), "9999999999999998.0"},
    {UINT64_C(0x3f50624dd2f1a9fc), "0.001"},
    {UINT64_C(0x3f1cd5f99c38b04b), "0.00011"},
    {UINT64_C(0x405edd2f1a9fbe77), "123.456"},
    {UINT64_C(0x434aa535d3d0c000), "1.5e+16"},
    {UINT64_C(0xc341c37937e08000), "-1e+16"},
    {UINT64_C(0x3f1a36e2eb1c432d), "0.0001"},
    {UINT64_C(0x3f1a36e2eb1c432c), "9.999999999999999e-05"},
    {UINT64_C(0x3e7ad7f29abcaf48), "1e-07"},
    {UINT64_C(0x4011666666666666), "4.35"},
    {UINT64_C(0x3fd3333333333333), "0.3"},
    {UINT64_C(0x4005666666666666), "2.675"},
    {UINT64_C(0x3fc2492492492492), "0.14285714285714285"},
    {UINT64_C(0x4040aaaaaaaaaaab), "33.333333333333336"},
    {UINT64_C(0x444b1ae4d6e2ef50), "1e+21"},
    {UINT64_C(0x01a56e1fc2f8f359), "1e-300"},
    {UINT64_C(0x437b69b4ba630f35), "1.2345678901234568e+17"},
    {UINT64_C(0x3fe9999999999999), "0.7999999999999999"},
    {UINT64_C(0x9362da5cc13da58a), "-2.734469386732594e-215"},
    {UINT64_C(0x426722f029aee2b2), "794963299703.0842"},
    {UINT64_C(0xc0932ce6809d4952), "-1227.2251"},
    {UINT64_C(0x8a119b9e16bc1732), "-3.578745783035096e-260"},
    {UINT64_C(0x40bb96df909f89a6), "7062.873300524812"},
    {UINT64_C(0x0000000000000000), "0.0"},
    {UINT64_C(0x6cace4d519d52695), "3.112667503897003e+215"},
    {UINT64_C(0x42f159fbd5dedf9a), "305250797743609.6"},
    {UINT64_C(0xc01f28f5c28f5c29), "-7.79"},
    {UINT64_C(0x7777682c5796a670), "3.018982255220382e+267"},
    {UINT64_C(0x3e6147756bed9e7a), "3.218489784997385e-08"},
    {UINT64_C(0x4195675cdc000000), "89773879.0"},
    {UINT64_C(0xd2840277789c1af4), "-3.184402137178174e+89"},
    {UINT64_C(0x41fb1eaf145aabc6), "7279931717.666937"},
    {UINT64_C(0x412d582f31a9fbe7), "961559.597"},
    {UINT64_C(0x1d33bc6d96f0da84), "5.229529333672652e-168"},
    {UINT64_C(0x4047693f2c763ec6), "46.82224040769283"},
    {UINT64_C(0x4261706a273d84ff), "599203592684.1561"},
    {UINT64_C(0xff53a46f5ead703a), "-2.1552045697350033e+305"},
    {UINT64_C(0x42666fb0bbd03d68), "770905071233.919"},
    {UINT64_C(0x426629e00570a000), "761534622597.0"},
    {UINT64_C(0x8322905089933837), "-1.4533139887365158e-293"},
    {UINT64_C(0x418f5ea6e2085831), "65787100.25407446"},
    {UINT64_C(0xc1bc3262a919999a), "-473064105.1"},
    {UINT64_C(0x547c17d30e3a655f), "9.601027349751722e+98"},
    {UINT64_C(0x414a906867c4058c), "3481808.8106696066"},
    {UINT64_C(0x414a58676e147ae1), "3453134.86"},
    {UINT64_C(0xcc86ba6403c472ca), "-4.56532878127351e+60"},
    {UINT64_C(0xc102f0ee58e2c956), "-155165.79340131086"},
    {UINT64_C(0x4322f5dc635599ba), "2668438244478173.0"},
    {UINT64_C(0x4ce15c61aa0336d9), "2.231826786328444e+62"},
    {UINT64_C(0x3f72ed7e3f5a8c3e), "0.0046210223714835946"},
    {UINT64_C(0x42edb1b38558aa30), "261192466220369.5"},
    {UINT64_C(0xb27c1c748f39aaa5), "-1.668321018790385e-65"},
    {UINT64_C(0x43ff23bf4a7ab2d1), "3.5901557855482614e+19"},
    {UINT64_C(0xc297e4f65e674400), "-6568038341073.0"},
    {UINT64_C(0xd00f7b11205fe2f7), "-4.5565243832170316e+77"},
    {UINT64_C(0xbed42a39c4553c4e), "-4.807697285016153e-06"},
    {UINT64_C(0x428c7b5e390e9675), "3914523419090.807"},
    {UINT64_C(0x56e78ec73ceb0831), "4.42610611940007e+110"},
    {UINT64_C(0xc2cea0bbe857ce72), "-67351392333724.89"},
    {UINT64_C(0x4179e0b14caa64c3), "27134740.7916"},
    {UINT64_C(0x670c1cd355555e31), "2.4464047755449578e+188"},
    {UINT64_C(0xc1c2bb34da630a76), "-628517300.7737567"},
    {UINT64_C(0xc0ff6a5c41205bc0), "-128677.7659"},
    {UINT64_C(0x6763df9c0484f9d6), "1.1068304049361501e+190"},
    {UINT64_C(0xc407e901b45880a6), "-5.513312660916776e+19"},
    {UINT64_C(0x4050866666666666), "66.1"},
    {UINT64_C(0x0f66fa84183439be), "1.8067436532485176e-234"},
    {UINT64_C(0xc0aa3cc2bc5575e8), "-3358.3803431230954"},
    {UINT64_C(0xc0f16df0e978d4fe), "-71391.057"},
    {UINT64_C(0xa886904732dce811), "-1.832482238044351e-113"},
    {UINT64_C(0xc0b3925e7fd5a82a), "-5010.369138101154"},
    {UINT64_C(0xc1b3bd52edf851ec), "-331174637.97"},
    {UINT64_C(0xd711cad005c8d825), "-2.67429283002378e+111"},
    {UINT64_C(0xc36039cce652a2f3), "-3.653721462125967e+16"},
    {UINT64_C(0xc1e5b5273bacc49c), "-2913548765.399"},
    {UINT64_C(0x9891befeff2ea353), "-2.4893453208596074e-190"},
    {UINT64_C(0xc085e2dc9fee46bb), "-700.3577269187293"},
    {UINT64_C(0xc000000000000000), "-2.0"},
};

static double double_of(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static void test_float_repr_matches_cpython(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof float_reprs / sizeof float_reprs[0]; i++) {
        double v = double_of(float_reprs[i].bits);
        assert_float_repr(v, float_reprs[i].repr);
        /* and the repr reads back as the same double */
        assert_true(strtod(float_reprs[i].repr, NULL) == v);
    }
}

/* ---- equality and hashing ------------------------------------------------------- */

/* CPython: test_hash.py::HashEqualityTestCase::test_numeric_literals,
 * 1 == 1.0 == True with equal hashes. */
static void test_numeric_equality_and_hash(void **state)
{
    (void)state;
    pym_object *one = pym_int_new(1), *onef = pym_float_new(1.0);
    assert_int_equal(pym_equal(one, onef), 1);
    assert_int_equal(pym_equal(onef, one), 1);
    assert_int_equal(pym_equal(one, pym_true()), 1);
    assert_int_equal(pym_equal(pym_true(), onef), 1);
    assert_true(hash_of(one) == hash_of(onef));
    assert_true(hash_of(one) == hash_of(pym_true()));

    pym_object *zf = pym_float_new(0.0), *nzf = pym_float_new(-0.0);
    assert_int_equal(pym_equal(pym_false(), zf), 1);
    assert_int_equal(pym_equal(zf, nzf), 1);
    assert_int_equal(pym_equal(pym_int_new(0), nzf), 1);
    assert_true(hash_of(pym_false()) == hash_of(zf));
    assert_true(hash_of(zf) == hash_of(nzf));
    assert_true(hash_of(pym_int_new(0)) == 0);

    pym_object *big = pym_int_new(1000000), *bigf = pym_float_new(1e6);
    assert_int_equal(pym_equal(big, bigf), 1);
    assert_true(hash_of(big) == hash_of(bigf));
    pym_object *neg = pym_int_new(-123456789), *negf = pym_float_new(-123456789.0);
    assert_int_equal(pym_equal(neg, negf), 1);
    assert_true(hash_of(neg) == hash_of(negf));

    pym_object *half = pym_float_new(0.5);
    assert_int_equal(pym_equal(half, pym_int_new(0)), 0);
    assert_int_equal(pym_equal(pym_int_new(1), pym_int_new(2)), 0);
    assert_int_equal(pym_equal(pym_true(), pym_false()), 0);
    assert_int_equal(pym_equal(pym_int_new(2), pym_true()), 0);

    pym_object *all[] = {one, onef, zf, nzf, big, bigf, neg, negf, half};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) pym_decref(all[i]);
}

/* Python's numeric hash: reduction modulo 2**61 - 1, with -1 reserved
 * (hash(-1) == -2).  CPython: test_hash.py::HashEqualityTestCase,
 * sys.hash_info.modulus. */
static void test_int_hash_values(void **state)
{
    (void)state;
    const struct { int64_t v, h; } cases[] = {
        {0, 0}, {1, 1}, {-1, -2}, {-2, -2}, {256, 256}, {1000, 1000}, {-1000, -1000},
        {(INT64_C(1) << 61) - 1, 0}, {INT64_C(1) << 61, 1}, {-(INT64_C(1) << 61), -2},
        {INT64_MAX, 3}, {INT64_MIN, -4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pym_object *o = pym_int_new(cases[i].v);
        assert_true(hash_of(o) == cases[i].h);
        pym_decref(o);
    }
    /* Floats hash exactly as in CPython (the same modular reduction of
     * the exact value; test_hash.py::HashEqualityTestCase). */
    const struct { double v; int64_t h; } fcases[] = {
        {0.5, INT64_C(1152921504606846976)}, {-0.5, -INT64_C(1152921504606846976)},
        {1.5, INT64_C(1152921504606846977)}, {0.1, INT64_C(230584300921369408)},
        {1e300, INT64_C(1224995262755759164)}, {2.5e-10, INT64_C(699647011998930896)},
        {3.141592653589793, INT64_C(326490430436040707)},
        {1e19, INT64_C(776627963145224196)}, {-1e19, -INT64_C(776627963145224196)},
        {1180591620717411303424.0, 512}, {-1.0, -2}, {1e6, 1000000},
    };
    for (size_t i = 0; i < sizeof fcases / sizeof fcases[0]; i++) {
        pym_object *o = pym_float_new(fcases[i].v);
        int64_t h = hash_of(o);
        pym_decref(o);
        assert_true(h == fcases[i].h);
    }
    /* inf hashes to sys.hash_info.inf. */
    pym_object *inf = pym_float_new(INFINITY), *ninf = pym_float_new(-INFINITY);
    assert_true(hash_of(inf) == 314159);
    assert_true(hash_of(ninf) == -314159);
    pym_decref(inf);
    pym_decref(ninf);
}

/* CPython: test_long.py::LongTest::test_mixed_compares: 2**53 + 1 is not
 * float(2**53) even though converting it to double rounds onto it. */
static void test_int_float_exact_comparison(void **state)
{
    (void)state;
    int64_t p53 = INT64_C(1) << 53;
    pym_object *i = pym_int_new(p53 + 1), *f = pym_float_new((double)p53);
    pym_object *j = pym_int_new(p53);
    assert_int_equal(pym_equal(i, f), 0);
    assert_int_equal(pym_equal(f, i), 0);
    assert_int_equal(pym_equal(j, f), 1);
    assert_true(hash_of(j) == hash_of(f));

    /* float(2**63) is beyond every int64. */
    pym_object *p63 = pym_float_new(9223372036854775808.0), *imax = pym_int_new(INT64_MAX);
    assert_int_equal(pym_equal(p63, imax), 0);
    pym_object *m63 = pym_float_new(-9223372036854775808.0), *imin = pym_int_new(INT64_MIN);
    assert_int_equal(pym_equal(m63, imin), 1);
    assert_true(hash_of(m63) == hash_of(imin));
    pym_object *all[] = {i, f, j, p63, imax, m63, imin};
    for (size_t k = 0; k < 7; k++) pym_decref(all[k]);
}

/* Integral floats near the ends of int64 hash like the equal int: the
 * numeric hash holds for every value pym_number_equal calls equal. */
static void test_hash_large_integral_float(void **state)
{
    (void)state;
    const double ds[] = {9.21e18, -9.21e18, 9223372036854774784.0};
    for (size_t k = 0; k < 3; k++) {
        pym_object *f = pym_float_new(ds[k]);
        pym_object *i = pym_int_new((int64_t)ds[k]);
        assert_int_equal(pym_equal(i, f), 1);
        int64_t hi = hash_of(i), hf = hash_of(f);
        pym_decref(f);
        pym_decref(i);
        assert_true(hi == hf);
    }
}

/* Python: float('nan') != float('nan'), and x == x is False for a nan x
 * (only containers shortcut on identity). */
static void test_nan_not_equal(void **state)
{
    (void)state;
    pym_object *a = pym_float_new(NAN), *b = pym_float_new(NAN);
    assert_int_equal(pym_equal(a, b), 0);
    assert_int_equal(pym_equal(a, a), 0);
    assert_int_equal(pym_equal(a, pym_int_new(0)), 0);
    int64_t h;
    assert_int_equal(pym_hash(a, &h), 0);  /* hashable, whatever the value */
    pym_decref(a);
    pym_decref(b);
}

static void test_none_equality_and_hash(void **state)
{
    (void)state;
    assert_int_equal(pym_equal(pym_none(), pym_none()), 1);
    assert_int_equal(pym_equal(pym_none(), pym_int_new(0)), 0);
    assert_int_equal(pym_equal(pym_false(), pym_none()), 0);
    assert_true(hash_of(pym_none()) == hash_of(pym_none()));
    pym_object *s = pym_str_new("1");
    assert_int_equal(pym_equal(pym_int_new(1), s), 0);
    assert_int_equal(pym_equal(s, pym_int_new(1)), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_decref(s);
}

/* ---- out of memory -------------------------------------------------------------- */

static int op_int_new(void *ctx)
{
    pym_object *o = pym_int_new(1000);
    if (o == NULL) return -1;
    *(pym_object **)ctx = o;
    return 0;
}

static int op_float_new(void *ctx)
{
    pym_object *o = pym_float_new(2.5);
    if (o == NULL) return -1;
    *(pym_object **)ctx = o;
    return 0;
}

static int op_int_add(void *ctx)
{
    pym_object **slots = ctx;
    pym_object *o = pym_int_add(slots[1], slots[2]);
    if (o == NULL) return -1;
    slots[0] = o;
    return 0;
}

static int op_int_repr(void *ctx)
{
    pym_object **slots = ctx;
    pym_object *o = pym_repr(slots[1]);
    if (o == NULL) return -1;
    slots[0] = o;
    return 0;
}

static void undo_slot(void *ctx)
{
    pym_object **slot = ctx;
    pym_decref(*slot);
    *slot = NULL;
}

static void test_oom_int_new(void **state)
{
    (void)state;
    pym_object *o = NULL;
    assert_true(pym_test_oom_loop(op_int_new, undo_slot, &o) >= 1);
    /* Small ints never allocate, so never fail. */
    fault_fail_at(1, true);
    assert_non_null(pym_int_new(5));
    fault_fail_at(0, false);
}

static void test_oom_float_new(void **state)
{
    (void)state;
    pym_object *o = NULL;
    assert_true(pym_test_oom_loop(op_float_new, undo_slot, &o) >= 1);
}

static void test_oom_int_arithmetic(void **state)
{
    (void)state;
    pym_object *slots[3] = {NULL, pym_int_new(1000), pym_int_new(2000)};
    assert_true(pym_test_oom_loop(op_int_add, undo_slot, slots) >= 1);
    /* A cached result needs no memory. */
    pym_object *m = pym_int_new(-900);
    fault_fail_at(1, true);
    pym_object *r = pym_int_add(slots[1], m);
    fault_fail_at(0, false);
    assert_true(pym_is(r, pym_int_new(100)));
    pym_decref(m);
    pym_decref(slots[1]);
    pym_decref(slots[2]);
}

static void test_oom_int_repr(void **state)
{
    (void)state;
    pym_object *slots[2] = {NULL, pym_int_new(123456789)};
    pym_test_oom_loop(op_int_repr, undo_slot, slots);
    pym_decref(slots[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_small_int_identity),
        PYM_TEST(test_singletons_immortal),
        PYM_TEST(test_singletons_identity),
        PYM_TEST(test_new_int_counts_one_live_object),
        PYM_TEST(test_int_extremes),
        PYM_TEST(test_arithmetic_results_cached),
        PYM_TEST(test_arithmetic_values),
        PYM_TEST(test_bool_arithmetic),
        PYM_TEST(test_arithmetic_overflow),
        PYM_TEST(test_arithmetic_type_errors),
        PYM_TEST(test_int_value),
        PYM_TEST(test_bool_is_int),
        PYM_TEST(test_float_basics),
        PYM_TEST(test_float_special_values),
        PYM_TEST(test_int_repr),
        PYM_TEST(test_bool_none_repr),
        PYM_TEST(test_float_repr),
        PYM_TEST(test_float_repr_fixed_notation),
        PYM_TEST(test_float_repr_matches_cpython),
        PYM_TEST(test_numeric_equality_and_hash),
        PYM_TEST(test_int_hash_values),
        PYM_TEST(test_int_float_exact_comparison),
        PYM_TEST(test_hash_large_integral_float),
        PYM_TEST(test_nan_not_equal),
        PYM_TEST(test_none_equality_and_hash),
        PYM_OOM_TEST(test_oom_int_new),
        PYM_OOM_TEST(test_oom_float_new),
        PYM_OOM_TEST(test_oom_int_arithmetic),
        PYM_OOM_TEST(test_oom_int_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
