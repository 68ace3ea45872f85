/* test_tuple.c: tuples: the empty singleton, construction, indexing, repr,
 * equality and hash (CPython's algorithm), interning (pym's addition),
 * collector tracking, a million-deep chain, and out-of-memory behaviour. */
#include <math.h>
#include <stdlib.h>

#include "support/pym_test.h"

static bool quick(void) { return getenv("PYM_TEST_QUICK") != NULL; }

static void expect_error(pym_error kind)
{
    assert_int_equal(pym_err_occurred(), kind);
    pym_err_clear();
}

static void check_repr(pym_object *o, const char *expected)
{
    assert_non_null(o);
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), expected);
    pym_decref(r);
}

/* ---- the empty tuple ------------------------------------------------------- */

/* () is () (test_tuple.py::TupleTest::test_tupleresizebug's neighbour
 * test_tuple_reuse relies on the shared empty tuple). */
static void test_empty_singleton(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *a = pym_tuple_new(0, NULL);
    pym_object *b = pym_tuple_pack(0);
    pym_object *n = pym_none();
    pym_object *c = pym_tuple_new(0, &n);
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    assert_true(pym_is_immortal(a));
    assert_int_equal(pym_tuple_len(a), 0);
    assert_false(pym_gc_is_tracked(a));
    assert_true(pym_tuple_is_interned(a));
    assert_ptr_equal(pym_tuple_intern(a), a);
    assert_int_equal(pym_live_objects(), live);
    check_repr(a, "()");
    int64_t h;
    assert_int_equal(pym_hash(a, &h), 0);
    assert_int_equal(h, INT64_C(5740354900026072187));  /* hash(()) in CPython 3.12 */
    assert_null(pym_tuple_get(a, 0));
    expect_error(PYM_ERR_INDEX);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
}

/* ---- construction and access ------------------------------------------------- */

static void test_new_and_get(void **state)
{
    (void)state;
    pym_object *x = pym_int_new(1000);
    pym_object *y = pym_str_new("yy");
    pym_object *items[2] = {x, y};
    pym_object *t = pym_tuple_new(2, items);
    assert_non_null(t);
    assert_true(pym_is_tuple(t));
    assert_string_equal(pym_type_name(t), "tuple");
    assert_int_equal(pym_refcount(t), 1);
    assert_int_equal(pym_refcount(x), 2);  /* the tuple holds its own reference */
    assert_int_equal(pym_tuple_len(t), 2);
    assert_ptr_equal(pym_tuple_get(t, 0), x);
    assert_ptr_equal(pym_tuple_get(t, 1), y);
    assert_int_equal(pym_refcount(x), 2);  /* get is borrowed */
    pym_decref(t);
    assert_int_equal(pym_refcount(x), 1);
    assert_int_equal(pym_refcount(y), 1);
    pym_decref(x);
    pym_decref(y);
}

static void test_pack(void **state)
{
    (void)state;
    pym_object *x = pym_int_new(1000);
    pym_object *t = pym_tuple_pack(3, x, pym_none(), x);
    assert_int_equal(pym_tuple_len(t), 3);
    assert_ptr_equal(pym_tuple_get(t, 0), x);
    assert_ptr_equal(pym_tuple_get(t, 1), pym_none());
    assert_ptr_equal(pym_tuple_get(t, 2), x);
    assert_int_equal(pym_refcount(x), 3);
    pym_decref(t);
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(x);
}

/* No tuple is made around a NULL item, and nothing leaks. */
static void test_null_items(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *x = pym_int_new(1000);
    pym_object *items[3] = {x, NULL, x};
    assert_null(pym_tuple_new(3, items));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_new(2, NULL));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_pack(3, x, x, (pym_object *)NULL));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_pack(3, x, (pym_object *)NULL, x));
    expect_error(PYM_ERR_TYPE);
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(x);
    assert_int_equal(pym_live_objects(), live);
}

/* test_tuple.py / seq_tests.py::test_getitem: out of range is IndexError. */
static void test_index_errors(void **state)
{
    (void)state;
    pym_object *t = pym_tuple_pack(2, pym_none(), pym_true());
    assert_null(pym_tuple_get(t, 2));
    expect_error(PYM_ERR_INDEX);
    assert_null(pym_tuple_get(t, (size_t)-1));
    expect_error(PYM_ERR_INDEX);
    assert_non_null(pym_tuple_get(t, 1));
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_decref(t);
}

static void test_type_errors(void **state)
{
    (void)state;
    pym_object *n = pym_int_new(1000);
    pym_object *l = pym_list_new();
    assert_int_equal(pym_tuple_len(n), 0);
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_get(l, 0));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_intern(n));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_get(NULL, 0));
    expect_error(PYM_ERR_TYPE);
    assert_false(pym_tuple_is_interned(l));
    assert_false(pym_is_tuple(l));
    assert_false(pym_is_tuple(NULL));
    pym_decref(n);
    pym_decref(l);
}

/* ---- repr, equality, hash ----------------------------------------------------- */

/* test_tuple.py::test_repr: the 1-tuple's trailing comma, nested tuples. */
static void test_repr(void **state)
{
    (void)state;
    pym_object *one = pym_int_new(1), *two = pym_int_new(2), *three = pym_int_new(3);
    pym_object *a = pym_str_new("a");
    pym_object *inner = pym_tuple_pack(2, two, three);
    pym_object *t1 = pym_tuple_pack(1, one);
    pym_object *t3 = pym_tuple_pack(3, one, a, inner);
    pym_object *f = pym_float_new(2.5);
    pym_object *misc = pym_tuple_pack(4, pym_none(), pym_true(), f, pym_tuple_new(0, NULL));
    check_repr(t1, "(1,)");
    check_repr(t3, "(1, 'a', (2, 3))");
    check_repr(misc, "(None, True, 2.5, ())");
    pym_object *l = pym_list_new();
    pym_object *tl = pym_tuple_pack(1, l);
    check_repr(tl, "([],)");
    pym_decref(tl);
    pym_decref(l);
    pym_decref(misc);
    pym_decref(f);
    pym_decref(t3);
    pym_decref(t1);
    pym_decref(inner);
}

static void test_equal(void **state)
{
    (void)state;
    pym_object *x = pym_int_new(1000), *y = pym_int_new(1000);
    pym_object *s1 = pym_str_new("abc"), *s2 = pym_str_new("abc");
    pym_object *f = pym_float_new(1000.0);
    pym_object *a = pym_tuple_pack(2, x, s1);
    pym_object *b = pym_tuple_pack(2, y, s2);
    pym_object *c = pym_tuple_pack(2, f, s2);
    pym_object *d = pym_tuple_pack(1, x);
    pym_object *e = pym_tuple_pack(2, s1, x);
    assert_int_equal(pym_equal(a, a), 1);
    assert_int_equal(pym_equal(a, b), 1);
    assert_int_equal(pym_equal(a, c), 1);  /* (1000, 'abc') == (1000.0, 'abc') */
    assert_int_equal(pym_equal(a, d), 0);
    assert_int_equal(pym_equal(a, e), 0);
    assert_int_equal(pym_equal(a, x), 0);
    /* Identity short-circuits items: (nan,) == (nan,) when it is the same nan,
     * as in CPython (test_tuple.py relies on PyObject_RichCompare's identity). */
    pym_object *nan = pym_float_new(NAN);
    pym_object *n1 = pym_tuple_pack(1, nan), *n2 = pym_tuple_pack(1, nan);
    assert_int_equal(pym_equal(n1, n2), 1);
    pym_object *nan2 = pym_float_new(NAN);
    pym_object *n3 = pym_tuple_pack(1, nan2);
    assert_int_equal(pym_equal(n1, n3), 0);
    pym_object *objs[] = {x, y, s1, s2, f, a, b, c, d, e, nan, n1, n2, nan2, n3};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) pym_decref(objs[i]);
}

/* Equal tuples hash equal; values match CPython 3.12 for tuples of ints
 * (the same xxHash-based algorithm, test_tuple.py::test_hash_exact). */
static void test_hash(void **state)
{
    (void)state;
    pym_object *one = pym_int_new(1), *two = pym_int_new(2), *three = pym_int_new(3);
    pym_object *m1 = pym_int_new(-1);
    pym_object *t12 = pym_tuple_pack(2, one, two);
    pym_object *t1 = pym_tuple_pack(1, one);
    pym_object *tm1 = pym_tuple_pack(1, m1);
    pym_object *nested = pym_tuple_pack(2, t12, three);
    int64_t h;
    assert_int_equal(pym_hash(t12, &h), 0);
    assert_int_equal(h, INT64_C(-3550055125485641917));
    assert_int_equal(pym_hash(t1, &h), 0);
    assert_int_equal(h, INT64_C(-6644214454873602895));
    assert_int_equal(pym_hash(tm1, &h), 0);
    assert_int_equal(h, INT64_C(8078679518589016365));
    assert_int_equal(pym_hash(nested, &h), 0);
    assert_int_equal(h, INT64_C(-333907151259015829));

    pym_object *f1 = pym_float_new(1.0);
    pym_object *s1 = pym_str_new("key"), *s2 = pym_str_new("key");
    pym_object *a = pym_tuple_pack(2, one, s1), *b = pym_tuple_pack(2, f1, s2);
    int64_t ha, hb;
    assert_int_equal(pym_equal(a, b), 1);
    assert_int_equal(pym_hash(a, &ha), 0);
    assert_int_equal(pym_hash(b, &hb), 0);
    assert_int_equal(ha, hb);
    pym_object *objs[] = {t12, t1, tm1, nested, f1, s1, s2, a, b};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) pym_decref(objs[i]);
}

/* hash(([],)) raises TypeError: unhashable type: 'list'. */
static void test_unhashable_item(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    pym_object *t = pym_tuple_pack(2, pym_none(), l);
    pym_object *outer = pym_tuple_pack(1, t);
    int64_t h = 0;
    assert_int_equal(pym_hash(t, &h), -1);
    expect_error(PYM_ERR_TYPE);
    assert_int_equal(pym_hash(outer, &h), -1);
    expect_error(PYM_ERR_TYPE);
    pym_decref(outer);
    pym_decref(t);
    pym_decref(l);
}

/* ---- interning ----------------------------------------------------------------- */

static void test_intern_canonical(void **state)
{
    (void)state;
    pym_object *x = pym_int_new(1000), *y = pym_int_new(1000);
    pym_object *s1 = pym_str_new("name"), *s2 = pym_str_new("name");
    pym_object *a = pym_tuple_pack(2, x, s1), *b = pym_tuple_pack(2, y, s2);
    assert_false(pym_tuple_is_interned(a));
    pym_object *ia = pym_tuple_intern(a);
    assert_ptr_equal(ia, a);
    assert_true(pym_tuple_is_interned(a));
    pym_object *ib = pym_tuple_intern(b);
    assert_ptr_equal(ib, a);
    assert_false(pym_tuple_is_interned(b));
    pym_object *ia2 = pym_tuple_intern(a);
    assert_ptr_equal(ia2, a);
    assert_int_equal(pym_refcount(a), 4);
    pym_object *objs[] = {ia, ib, ia2, a, b, x, y, s1, s2};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) pym_decref(objs[i]);
}

/* Nested tuples are compared item by item, recursively. */
static void test_intern_nested(void **state)
{
    (void)state;
    pym_object *one = pym_int_new(1), *two = pym_int_new(2);
    pym_object *s = pym_str_new("xy");
    pym_object *in1 = pym_tuple_pack(2, one, two), *in2 = pym_tuple_pack(2, one, two);
    pym_object *a = pym_tuple_pack(2, in1, s), *b = pym_tuple_pack(2, in2, s);
    pym_object *ia = pym_tuple_intern(a), *ib = pym_tuple_intern(b);
    assert_ptr_equal(ia, a);
    assert_ptr_equal(ib, a);
    pym_object *in3 = pym_tuple_pack(2, two, one);
    pym_object *c = pym_tuple_pack(2, in3, s);
    pym_object *ic = pym_tuple_intern(c);
    assert_ptr_equal(ic, c);  /* different inner order: its own canonical */
    pym_object *objs[] = {ia, ib, ic, a, b, c, in1, in2, in3, s};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) pym_decref(objs[i]);
}

/* == is looser than interning: (1,), (1.0,) and (True,) are equal but each
 * keeps its own canonical tuple, as do (0.0,) and (-0.0,). */
static void test_intern_strict_types(void **state)
{
    (void)state;
    pym_object *f1 = pym_float_new(1.0), *z = pym_float_new(0.0), *mz = pym_float_new(-0.0);
    pym_object *ti = pym_tuple_pack(1, pym_int_new(1));
    pym_object *tf = pym_tuple_pack(1, f1);
    pym_object *tb = pym_tuple_pack(1, pym_true());
    pym_object *tz = pym_tuple_pack(1, z), *tmz = pym_tuple_pack(1, mz);
    assert_int_equal(pym_equal(ti, tf), 1);
    pym_object *r[5] = {pym_tuple_intern(ti), pym_tuple_intern(tf), pym_tuple_intern(tb),
                        pym_tuple_intern(tz), pym_tuple_intern(tmz)};
    assert_ptr_equal(r[0], ti);
    assert_ptr_equal(r[1], tf);
    assert_ptr_equal(r[2], tb);
    assert_ptr_equal(r[3], tz);
    assert_ptr_equal(r[4], tmz);
    pym_object *f2 = pym_float_new(1.0);
    pym_object *tf2 = pym_tuple_pack(1, f2);
    pym_object *r2 = pym_tuple_intern(tf2);
    assert_ptr_equal(r2, tf);  /* same type, same value: shared */
    for (int i = 0; i < 5; i++) pym_decref(r[i]);
    pym_object *objs[] = {r2, tf2, f2, ti, tf, tb, tz, tmz, f1, z, mz};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) pym_decref(objs[i]);
}

/* Only immutable items: a list, dict or instance, even nested, is a
 * TypeError, and the tuple stays as it was. */
static void test_intern_rejects_mutable(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    pym_object *inst = pym_instance_new("Thing");
    pym_object *t1 = pym_tuple_pack(2, pym_none(), l);
    pym_object *inner = pym_tuple_pack(1, l);
    pym_object *t2 = pym_tuple_pack(2, pym_int_new(3), inner);
    pym_object *t3 = pym_tuple_pack(1, inst);
    pym_object *d = pym_dict_new();
    pym_object *t4 = pym_tuple_pack(2, pym_str_new("k"), d);
    assert_null(pym_tuple_intern(t4));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_intern(t1));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_intern(t2));
    expect_error(PYM_ERR_TYPE);
    assert_null(pym_tuple_intern(t3));
    expect_error(PYM_ERR_TYPE);
    assert_false(pym_tuple_is_interned(t1));
    assert_int_equal(pym_refcount(t1), 1);
    pym_object *objs[] = {t1, t2, t3, t4, inner, l, inst, d};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) pym_decref(objs[i]);
}

/* Like strings, interned tuples are not kept alive by the table. */
static void test_intern_does_not_keep_alive(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *s = pym_str_new("k");  /* a singleton: not counted */
    pym_object *t = pym_tuple_pack(2, s, pym_int_new(7));
    pym_object *i = pym_tuple_intern(t);
    pym_decref(i);
    pym_decref(t);
    assert_int_equal(pym_live_objects(), live);
    pym_object *u = pym_tuple_pack(2, s, pym_int_new(7));
    pym_object *j = pym_tuple_intern(u);
    assert_ptr_equal(j, u);  /* fresh canonical */
    pym_decref(j);
    pym_decref(u);
    assert_int_equal(pym_live_objects(), live);

    size_t bytes = 0;
    int n = quick() ? 20000 : 200000;
    for (int k = 0; k < n; k++) {
        if (k == 1000) bytes = pym_allocated_bytes();
        pym_object *v = pym_int_new(100000 + k);
        pym_object *tv = pym_tuple_pack(1, v);
        pym_object *iv = pym_tuple_intern(tv);
        assert_ptr_equal(iv, tv);
        pym_decref(iv);
        pym_decref(tv);
        pym_decref(v);
    }
#if !PYM_DEBUG /* debug builds keep freed blocks in a quarantine */
    assert_int_equal(pym_allocated_bytes(), bytes);
#endif
    (void)bytes;
}

/* Many live interned tuples, some dropped, the rest still found. */
static void test_intern_many_live(void **state)
{
    (void)state;
    enum { N = 3000 };
    static pym_object *tups[N];
    for (int k = 0; k < N; k++) {
        pym_object *v = pym_int_new(k);
        pym_object *t = pym_tuple_pack(2, v, v);
        tups[k] = pym_tuple_intern(t);
        pym_decref(t);
        pym_decref(v);
    }
    for (int k = 0; k < N; k += 2) {
        pym_decref(tups[k]);
        tups[k] = NULL;
    }
    for (int k = 0; k < N; k++) {
        pym_object *v = pym_int_new(k);
        pym_object *t = pym_tuple_pack(2, v, v);
        pym_object *c = pym_tuple_intern(t);
        assert_ptr_equal(c, tups[k] ? tups[k] : t);
        pym_decref(c);
        pym_decref(t);
        pym_decref(v);
    }
    for (int k = 0; k < N; k++) pym_xdecref(tups[k]);
}

/* ---- collector, size, depth ---------------------------------------------------- */

/* A freed small tuple's memory is kept for the next tuple of its size (as
 * CPython's free lists do): the new tuple may have the old one's address,
 * and must come back as new in every other way: count 1, tracked, not
 * interned, its own items, counted live, its bytes counted again. */
static void test_freelist_reuse_is_a_new_tuple(void **state)
{
    (void)state;
    pym_object *a = pym_int_new(1000), *b = pym_int_new(2000);
    pym_object *t = pym_tuple_pack(2, a, b);
    pym_object *canon = pym_tuple_intern(t);   /* t itself, now interned */
    assert_ptr_equal(canon, t);
    pym_decref(canon);
    size_t live = pym_live_objects();
    size_t bytes = pym_allocated_bytes();
    pym_decref(t);
    assert_int_equal(pym_live_objects(), live - 1);
    pym_object *u = pym_tuple_pack(2, b, a);
    assert_int_equal(pym_live_objects(), live);
#if !PYM_DEBUG
    assert_int_equal(pym_allocated_bytes(), bytes);
#endif
    (void)bytes;
    assert_int_equal(pym_refcount(u), 1);
    assert_true(pym_gc_is_tracked(u));
    assert_false(pym_tuple_is_interned(u));
    assert_ptr_equal(pym_tuple_get(u, 0), b);
    assert_ptr_equal(pym_tuple_get(u, 1), a);
    /* the old value is no longer interned under any address */
    pym_object *again = pym_tuple_pack(2, a, b);
    pym_object *c2 = pym_tuple_intern(again);
    assert_ptr_equal(c2, again);
    pym_decref(c2);
    pym_decref(again);
    pym_decref(u);
    pym_decref(a);
    pym_decref(b);
}

/* Tuples are GC objects, tracked from birth; 56 bytes for a 2-tuple, as
 * sys.getsizeof((1, 2)) on 64-bit CPython. */
static void test_gc_and_size(void **state)
{
    (void)state;
    pym_gc_disable();
    pym_object *one = pym_int_new(1), *two = pym_int_new(2);
    size_t before = pym_allocated_bytes();
    pym_object *t = pym_tuple_pack(2, one, two);
    size_t size = pym_allocated_bytes() - before;
    assert_true(pym_gc_is_tracked(t));
#if !PYM_DEBUG
    /* gc head, header, count, two items: 56 on 64-bit with the 16-byte
     * header of the gil and atomic modes (biased counts widen the header). */
    assert_int_equal(size, 2 * sizeof(void *) + sizeof(pym_object) + sizeof(size_t) +
                               2 * sizeof(pym_object *));
#if defined(PYM_MODE_GIL) || defined(PYM_MODE_ATOMIC)
    if (sizeof(void *) == 8) assert_int_equal(size, 56);
#endif
#endif
    (void)size;
    pym_decref(t);
#if !PYM_DEBUG
    assert_int_equal(pym_allocated_bytes(), before);
#endif
    pym_gc_enable();
}

/* t = (t,) a million times, then dropped: destruction must not recurse a
 * million deep (test_tuple.py / test_gc.py's deep-nesting crash tests). */
static void test_deep_chain(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    long depth = quick() ? 100000 : 1000000;
    pym_object *t = pym_tuple_new(0, NULL);
    for (long i = 0; i < depth; i++) {
        pym_object *next = pym_tuple_pack(1, t);
        assert_non_null(next);
        pym_decref(t);
        t = next;
    }
    assert_int_equal(pym_live_objects(), live + (size_t)depth);
    /* Recursive operations on it fail cleanly instead of overflowing the stack. */
    int64_t h;
    assert_int_equal(pym_hash(t, &h), -1);
    expect_error(PYM_ERR_RUNTIME);
    assert_null(pym_repr(t));
    expect_error(PYM_ERR_RUNTIME);
    assert_null(pym_tuple_intern(t));
    expect_error(PYM_ERR_RUNTIME);
    pym_decref(t);
    assert_int_equal(pym_live_objects(), live);
}

/* ---- out of memory ---------------------------------------------------------------- */

typedef struct oom_ctx {
    pym_object *items[3];
    pym_object *in;
    pym_object *out;
    pym_object *many[30];
} oom_ctx;

static void undo_out(void *p)
{
    oom_ctx *c = p;
    pym_decref(c->out);
    c->out = NULL;
}

static int op_tuple_new(void *p)
{
    oom_ctx *c = p;
    c->out = pym_tuple_new(3, c->items);
    return c->out ? 0 : -1;
}

static int op_tuple_pack(void *p)
{
    oom_ctx *c = p;
    c->out = pym_tuple_pack(3, c->items[0], c->items[1], c->items[2]);
    return c->out ? 0 : -1;
}

static int op_tuple_repr(void *p)
{
    oom_ctx *c = p;
    c->out = pym_repr(c->in);
    return c->out ? 0 : -1;
}

static void test_oom_tuple_create(void **state)
{
    (void)state;
    oom_ctx c = {.items = {pym_int_new(1000), pym_str_new("abc"), pym_none()}};
    assert_true(pym_test_oom_loop(op_tuple_new, undo_out, &c) >= 1);
    assert_true(pym_test_oom_loop(op_tuple_pack, undo_out, &c) >= 1);
    c.in = pym_tuple_pack(3, c.items[0], c.items[1], c.items[2]);
    assert_true(pym_test_oom_loop(op_tuple_repr, undo_out, &c) >= 1);
    assert_int_equal(pym_refcount(c.items[0]), 2);
    pym_decref(c.in);
    pym_decref(c.items[0]);
    pym_decref(c.items[1]);
}

/* Makes and interns 30 fresh tuples (items, tuple and table growth can
 * each fail); a failure releases what the run made. */
static int op_intern_many(void *p)
{
    oom_ctx *c = p;
    for (int i = 0; i < 30; i++) {
        pym_object *v = pym_int_new(5000 + i);
        pym_object *t = v ? pym_tuple_pack(2, v, c->items[1]) : NULL;
        c->many[i] = t ? pym_tuple_intern(t) : NULL;
        pym_xdecref(t);
        pym_xdecref(v);
        if (c->many[i] != NULL) continue;
        while (i-- > 0) pym_decref(c->many[i]);
        return -1;
    }
    return 0;
}

static void undo_many(void *p)
{
    oom_ctx *c = p;
    for (int i = 0; i < 30; i++) pym_decref(c->many[i]);
}

static void test_oom_intern(void **state)
{
    (void)state;
    oom_ctx c = {.items = {NULL, pym_str_new("interned"), NULL}};
    /* No warm-up: the table exists from pym_init, so a failed first intern
     * leaves no block behind. */
    assert_true(pym_test_oom_loop(op_intern_many, undo_many, &c) >= 30);
    pym_decref(c.items[1]);
}

/* Growth failure loses nothing: every entry is still found afterwards. */
static void test_oom_intern_growth(void **state)
{
    (void)state;
    enum { N = 200 };
    static pym_object *tups[N];
    int failures = 0;
    for (int k = 0; k < N; k++) {
        pym_object *v = pym_int_new(10000 + k);
        pym_object *t = pym_tuple_pack(1, v);
        fault_fail_at(1, true);  /* only growth allocates in intern */
        tups[k] = pym_tuple_intern(t);
        fault_fail_at(0, false);
        if (tups[k] == NULL) {
            failures++;
            expect_error(PYM_ERR_MEMORY);
            assert_false(pym_tuple_is_interned(t));
            tups[k] = pym_tuple_intern(t);
            assert_ptr_equal(tups[k], t);
        }
        pym_decref(t);
        pym_decref(v);
    }
    assert_true(failures >= 2);
    for (int k = 0; k < N; k++) {
        pym_object *v = pym_int_new(10000 + k);
        pym_object *t = pym_tuple_pack(1, v);
        pym_object *c = pym_tuple_intern(t);
        assert_ptr_equal(c, tups[k]);
        pym_decref(c);
        pym_decref(t);
        pym_decref(v);
    }
    for (int k = 0; k < N; k++) pym_decref(tups[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_empty_singleton),
        PYM_TEST(test_new_and_get),
        PYM_TEST(test_pack),
        PYM_TEST(test_null_items),
        PYM_TEST(test_index_errors),
        PYM_TEST(test_type_errors),
        PYM_TEST(test_repr),
        PYM_TEST(test_equal),
        PYM_TEST(test_hash),
        PYM_TEST(test_unhashable_item),
        PYM_TEST(test_intern_canonical),
        PYM_TEST(test_intern_nested),
        PYM_TEST(test_intern_strict_types),
        PYM_TEST(test_intern_rejects_mutable),
        PYM_TEST(test_intern_does_not_keep_alive),
        PYM_TEST(test_intern_many_live),
        PYM_TEST(test_freelist_reuse_is_a_new_tuple),
        PYM_TEST(test_gc_and_size),
        PYM_TEST(test_deep_chain),
        PYM_OOM_TEST(test_oom_tuple_create),
        PYM_OOM_TEST(test_oom_intern),
        PYM_OOM_TEST(test_oom_intern_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
