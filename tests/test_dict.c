/* test_dict.c: dicts (runtime/objects/dict.c): set/get/del/len, overwrite
 * semantics, insertion order through deletes and growth, numeric key
 * identity (1 == 1.0 == True), str/tuple/user-type keys, unhashable keys,
 * type errors, reference counts, clear, repr (self-containing too),
 * equality, collector tracking, user code that mutates the dict in the
 * middle of an operation, deep nesting, and out-of-memory behaviour.
 * Each test names the CPython test it mirrors where there is one. */
#include <stdio.h>
#include <stdlib.h>

#include "support/pym_test.h"

/* ---- helpers ------------------------------------------------------------- */

static bool quick(void)
{
    const char *q = getenv("PYM_TEST_QUICK");
    return q != NULL && q[0] != '\0' && q[0] != '0';
}

static void assert_error(pym_error kind)
{
    assert_int_equal(pym_err_occurred(), kind);
    pym_err_clear();
}

static void assert_no_error(void) { assert_int_equal(pym_err_occurred(), PYM_ERR_NONE); }

static void assert_repr(pym_object *o, const char *expected)
{
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), expected);
    pym_decref(r);
}

static pym_object *new_int(int64_t v)
{
    pym_object *o = pym_int_new(v);
    assert_non_null(o);
    return o;
}

static pym_object *new_str(const char *s)
{
    pym_object *o = pym_str_new(s);
    assert_non_null(o);
    return o;
}

static pym_object *new_dict(void)
{
    pym_object *d = pym_dict_new();
    assert_non_null(d);
    return d;
}

/* d[k] = v for a fresh int key and value. */
static void set_ints(pym_object *d, int64_t k, int64_t v)
{
    pym_object *key = new_int(k), *value = new_int(v);
    assert_int_equal(pym_dict_set(d, key, value), 0);
    pym_decref(key);
    pym_decref(value);
}

/* d[k] as an int; -1 with no error if missing. */
static int64_t get_int(pym_object *d, int64_t k)
{
    pym_object *key = new_int(k);
    pym_object *v = pym_dict_get(d, key);
    pym_decref(key);
    assert_no_error();
    return v == NULL ? -1 : pym_int_value(v);
}

static void del_int(pym_object *d, int64_t k)
{
    pym_object *key = new_int(k);
    assert_int_equal(pym_dict_del(d, key), 0);
    pym_decref(key);
}

/* Asserts that iterating d yields exactly the int keys `keys`, in order. */
static void assert_int_keys(pym_object *d, const int64_t *keys, size_t n)
{
    size_t pos = 0, i = 0;
    pym_object *k, *v;
    while (pym_dict_next(d, &pos, &k, &v)) {
        assert_true(i < n);
        assert_int_equal(pym_int_value(k), keys[i]);
        i++;
    }
    assert_no_error();
    assert_int_equal(i, n);
    assert_int_equal(pym_dict_len(d), n);
}

/* ---- user key and value types ------------------------------------------------ */

/* A key with a chosen hash, equal by id; its comparison can fail or clear
 * a dict on request. */
typedef struct ukey {
    PYM_OBJECT_HEAD
    int64_t hash;
    int64_t id;
} ukey;

static bool ukey_fail;              /* next comparison fails with ValueError */
static pym_object *ukey_clear_dict; /* next comparison clears this dict */
static long ukey_compares;

static int ukey_hash(pym_object *self, int64_t *out)
{
    *out = ((ukey *)self)->hash;
    return 0;
}

static int ukey_equal(pym_object *a, pym_object *b)
{
    ukey_compares++;
    if (ukey_fail) {
        ukey_fail = false;
        pym_err_set(PYM_ERR_VALUE, "comparison failed");
        return -1;
    }
    if (ukey_clear_dict != NULL) {
        pym_object *d = ukey_clear_dict;
        ukey_clear_dict = NULL;
        pym_dict_clear(d);
    }
    return ((ukey *)a)->id == ((ukey *)b)->id;
}

static const pym_type ukey_type = {
    .name = "ukey",
    .size = sizeof(ukey),
    .hash = ukey_hash,
    .equal = ukey_equal,
};

static pym_object *ukey_new(int64_t hash, int64_t id)
{
    ukey *k = (ukey *)pym_new(&ukey_type);
    assert_non_null(k);
    k->hash = hash;
    k->id = id;
    return &k->ob_base;
}

/* A value whose finalizer runs a mutation of a dict when it dies. */
typedef enum { MUT_NONE, MUT_CLEAR, MUT_INSERT } mutation;
static pym_object *fin_dict;
static mutation fin_mutation;
static int fin_runs;

static void fin_finalize(pym_object *self)
{
    (void)self;
    fin_runs++;
    pym_object *d = fin_dict;
    fin_dict = NULL;
    if (d == NULL) return;
    if (fin_mutation == MUT_CLEAR) pym_dict_clear(d);
    if (fin_mutation == MUT_INSERT) {
        for (int64_t i = 0; i < 50; i++) set_ints(d, 5000 + i, i);
    }
}

static const pym_type fin_type = {
    .name = "finvalue",
    .size = sizeof(pym_object),
    .finalize = fin_finalize,
};

static pym_object *fin_new(pym_object *d, mutation m)
{
    pym_object *o = pym_new(&fin_type);
    assert_non_null(o);
    fin_dict = d;
    fin_mutation = m;
    return o;
}

/* ---- basics ---------------------------------------------------------------- */

/* CPython: Lib/test/test_dict.py::DictTest::test_constructor, test_bool */
static void test_new_empty(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    assert_true(pym_is_dict(d));
    assert_string_equal(pym_type_name(d), "dict");
    assert_int_equal(pym_dict_len(d), 0);
    pym_object *k = new_int(1000);
    assert_null(pym_dict_get(d, k));
    assert_no_error();
    size_t pos = 0;
    pym_object *key, *value;
    assert_false(pym_dict_next(d, &pos, &key, &value));
    assert_no_error();
    assert_repr(d, "{}");
    pym_object *d2 = new_dict();
    assert_false(d == d2);
    assert_int_equal(pym_equal(d, d2), 1);
    pym_decref(d2);
    pym_decref(k);
    pym_decref(d);
}

/* CPython: Lib/test/test_dict.py::DictTest::test_getitem, test_len */
static void test_set_get_del_len(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    for (int64_t i = 0; i < 20; i++) set_ints(d, i * 1000, i);
    assert_int_equal(pym_dict_len(d), 20);
    for (int64_t i = 0; i < 20; i++) assert_int_equal(get_int(d, i * 1000), i);
    assert_int_equal(get_int(d, 1), -1);
    del_int(d, 5000);
    assert_int_equal(pym_dict_len(d), 19);
    assert_int_equal(get_int(d, 5000), -1);
    assert_int_equal(get_int(d, 6000), 6);
    set_ints(d, 5000, 55);
    assert_int_equal(get_int(d, 5000), 55);
    assert_int_equal(pym_dict_len(d), 20);
    pym_decref(d);
}

/* pym_dict_get_ref: the value with a reference of its own, which outlives
 * the entry; a missing key is NULL with no error, an unhashable one a
 * TypeError. */
static void test_get_ref(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k = pym_str_new("key");
    pym_object *v = pym_list_new();
    assert_int_equal(pym_dict_set(d, k, v), 0);
    int64_t before = pym_refcount(v);
    pym_object *got = pym_dict_get_ref(d, k);
    assert_ptr_equal(got, v);
    assert_int_equal(pym_refcount(v), before + 1);
    assert_int_equal(pym_dict_del(d, k), 0);
    assert_int_equal(pym_refcount(got), before);   /* ours, and the caller's v */
    pym_decref(got);
    assert_null(pym_dict_get_ref(d, k));
    assert_no_error();
    pym_object *unhashable = pym_list_new();
    assert_null(pym_dict_get_ref(d, unhashable));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_null(pym_dict_get_ref(v, k));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    pym_decref(unhashable);
    pym_decref(v);
    pym_decref(k);
    pym_decref(d);
}

/* Overwriting keeps the first key object and its position, replaces the
 * value (Python's d[k] = v on an existing key; no single CPython test). */
static void test_overwrite_keeps_key_and_position(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k1 = new_int(1000), *k1b = new_int(1000);
    assert_false(k1 == k1b);
    set_ints(d, 7, 0);
    assert_int_equal(pym_dict_set(d, k1, pym_none()), 0);
    set_ints(d, 9, 0);
    pym_object *v = new_str("new");
    assert_int_equal(pym_dict_set(d, k1b, v), 0);
    assert_int_equal(pym_dict_len(d), 3);
    size_t pos = 0;
    pym_object *key, *value;
    assert_true(pym_dict_next(d, &pos, &key, &value));
    assert_true(pym_dict_next(d, &pos, &key, &value));
    assert_ptr_equal(key, k1);   /* the original key object, same position */
    assert_ptr_equal(value, v);
    assert_int_equal(pym_refcount(k1b), 1);
    assert_ptr_equal(pym_dict_get(d, k1), v);
    pym_decref(v);
    pym_decref(k1);
    pym_decref(k1b);
    pym_decref(d);
}

/* Insertion order (guaranteed since Python 3.7) through deletes,
 * re-inserts and a rebuild of the table. */
static void test_order_through_deletes(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    for (int64_t i = 1; i <= 6; i++) set_ints(d, i, i);
    del_int(d, 2);
    del_int(d, 5);
    int64_t a[] = {1, 3, 4, 6};
    assert_int_keys(d, a, 4);
    set_ints(d, 2, 2);          /* re-inserted keys go to the end */
    set_ints(d, 3, 33);         /* overwrites stay in place */
    int64_t b[] = {1, 3, 4, 6, 2};
    assert_int_keys(d, b, 5);
    /* Enough inserts to rebuild the table: order survives compaction. */
    for (int64_t i = 100; i < 120; i++) set_ints(d, i, i);
    del_int(d, 1);
    for (int64_t i = 100; i < 118; i++) del_int(d, i);
    for (int64_t i = 200; i < 230; i++) set_ints(d, i, i);
    int64_t c[6 + 30] = {3, 4, 6, 2, 118, 119};
    for (int64_t i = 0; i < 30; i++) c[6 + i] = 200 + i;
    assert_int_keys(d, c, 36);
    pym_decref(d);
}

/* pym_dict_next skips holes, accepts NULL outputs and stays false at the end. */
static void test_next(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    for (int64_t i = 0; i < 4; i++) set_ints(d, i, i * 10);
    del_int(d, 0);
    del_int(d, 2);
    size_t pos = 0, count = 0;
    pym_object *k = NULL, *v = NULL;
    while (pym_dict_next(d, &pos, NULL, &v)) {
        assert_int_equal(pym_int_value(v) % 10, 0);
        count++;
    }
    assert_int_equal(count, 2);
    assert_false(pym_dict_next(d, &pos, &k, &v));
    pos = 0;
    assert_true(pym_dict_next(d, &pos, &k, NULL));
    assert_int_equal(pym_int_value(k), 1);
    assert_true(pym_dict_next(d, &pos, &k, &v));
    assert_int_equal(pym_int_value(k), 3);
    assert_int_equal(pym_int_value(v), 30);
    assert_false(pym_dict_next(d, &pos, &k, &v));
    assert_no_error();
    pos = 1000;
    assert_false(pym_dict_next(d, &pos, &k, &v));
    pym_dict_clear(d);
    pos = 0;
    assert_false(pym_dict_next(d, &pos, &k, &v));
    assert_no_error();
    pym_decref(d);
}

/* Growth through every index width (1, 2, 4 bytes), deletion of most keys,
 * re-insertion.  CPython: Lib/test/test_dict.py::DictTest::test_resize1,
 * test_resize2. */
static void test_many_int_keys(void **state)
{
    (void)state;
    const int64_t n = 100000;
    pym_object *d = new_dict();
    for (int64_t i = 0; i < n; i++) set_ints(d, i * 7 - 300, i);
    assert_int_equal(pym_dict_len(d), n);
    for (int64_t i = 0; i < n; i++) assert_int_equal(get_int(d, i * 7 - 300), i);
    assert_int_equal(get_int(d, 2), -1);
    for (int64_t i = 0; i < n; i++)
        if (i % 3 != 0) del_int(d, i * 7 - 300);
    int64_t expect = (n + 2) / 3;
    assert_int_equal(pym_dict_len(d), expect);
    size_t pos = 0;
    int64_t i = 0;
    pym_object *k, *v;
    while (pym_dict_next(d, &pos, &k, &v)) {
        assert_int_equal(pym_int_value(v), i);
        assert_int_equal(pym_int_value(k), i * 7 - 300);
        i += 3;
    }
    assert_int_equal(i / 3, expect);
    /* Re-insert what was deleted: they follow the survivors, in order. */
    for (int64_t j = 0; j < n; j++)
        if (j % 3 != 0) set_ints(d, j * 7 - 300, -j);
    assert_int_equal(pym_dict_len(d), n);
    pos = 0;
    int64_t seen = 0;
    while (pym_dict_next(d, &pos, &k, &v)) {
        int64_t want = seen < expect ? seen * 3 : -1;
        if (want >= 0) assert_int_equal(pym_int_value(v), want);
        seen++;
    }
    assert_int_equal(seen, n);
    for (int64_t j = 0; j < n; j++)
        assert_int_equal(get_int(d, j * 7 - 300), j % 3 == 0 ? j : -j);
    /* Delete everything, then the table shrinks on the next growth. */
    for (int64_t j = 0; j < n; j++) del_int(d, j * 7 - 300);
    assert_int_equal(pym_dict_len(d), 0);
    for (int64_t j = 0; j < 10; j++) set_ints(d, j, j);
    int64_t ten[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    assert_int_keys(d, ten, 10);
    pym_decref(d);
}

/* Repeated insert/delete: each insert appends an entry and leaves a hole
 * when deleted; the table is rebuilt (compacted) instead of growing.  The
 * keys are cached small ints, so the table is the only allocation. */
static void test_churn(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    set_ints(d, -5, 0);
    size_t bytes0 = pym_allocated_bytes();
    for (int64_t i = 0; i < 100000; i++) {
        set_ints(d, i % 256, i % 256);
        del_int(d, i % 256);
    }
    assert_int_equal(pym_dict_len(d), 1);
    assert_int_equal(pym_allocated_bytes(), bytes0);   /* still the 8-slot table */
    assert_int_equal(get_int(d, -5), 0);
    int64_t only[] = {-5};
    assert_int_keys(d, only, 1);
    pym_decref(d);
}

/* 1, 1.0 and True are one key: equal numbers hash alike (Python's
 * numeric hash, Lib/test/test_hash.py::HashEqualityTestCase). */
static void test_numeric_keys_are_one(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *one = new_int(1), *onef = pym_float_new(1.0), *a = new_str("a");
    pym_object *b = new_str("b"), *c = new_str("c");
    assert_non_null(onef);
    assert_int_equal(pym_dict_set(d, one, a), 0);
    assert_int_equal(pym_dict_set(d, onef, b), 0);
    assert_int_equal(pym_dict_set(d, pym_true(), c), 0);
    assert_int_equal(pym_dict_len(d), 1);
    size_t pos = 0;
    pym_object *k, *v;
    assert_true(pym_dict_next(d, &pos, &k, &v));
    assert_ptr_equal(k, one);
    assert_ptr_equal(v, c);
    assert_ptr_equal(pym_dict_get(d, onef), c);
    assert_ptr_equal(pym_dict_get(d, pym_true()), c);
    assert_repr(d, "{1: 'c'}");
    assert_int_equal(pym_dict_del(d, onef), 0);
    assert_int_equal(pym_dict_len(d), 0);
    /* 0, 0.0, -0.0 and False too; 2.5 is its own key. */
    pym_object *z = pym_float_new(-0.0), *h = pym_float_new(2.5);
    assert_int_equal(pym_dict_set(d, pym_false(), a), 0);
    assert_int_equal(pym_dict_set(d, z, b), 0);
    assert_int_equal(pym_dict_set(d, h, c), 0);
    assert_int_equal(pym_dict_len(d), 2);
    assert_ptr_equal(pym_dict_get(d, pym_int_new(0)), b);
    assert_repr(d, "{False: 'b', 2.5: 'c'}");
    pym_decref(z);
    pym_decref(h);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    pym_decref(one);
    pym_decref(onef);
    pym_decref(d);
}

/* Equal strings that are different objects find each other; the C-string
 * helpers agree with str keys. */
static void test_str_keys(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k1 = new_str("hello, world"), *k2 = new_str("hello, world");
    assert_false(k1 == k2);
    pym_object *v = new_int(1000);
    assert_int_equal(pym_dict_set(d, k1, v), 0);
    assert_ptr_equal(pym_dict_get(d, k2), v);
    assert_ptr_equal(pym_dict_get_str(d, "hello, world"), v);
    assert_null(pym_dict_get_str(d, "hello"));
    assert_no_error();
    assert_int_equal(pym_dict_set_str(d, "x", pym_none()), 0);
    assert_int_equal(pym_dict_set_str(d, "hello, world", pym_true()), 0);
    assert_int_equal(pym_dict_len(d), 2);
    assert_ptr_equal(pym_dict_get(d, k1), pym_true());
    assert_repr(d, "{'hello, world': True, 'x': None}");
    pym_object *empty = new_str("");
    assert_int_equal(pym_dict_set(d, empty, empty), 0);
    assert_ptr_equal(pym_dict_get_str(d, ""), empty);
    assert_int_equal(pym_dict_del(d, k2), 0);
    assert_null(pym_dict_get_str(d, "hello, world"));
    assert_int_equal(pym_dict_len(d), 2);
    /* Many str keys. */
    char buf[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        pym_object *iv = new_int(i);
        assert_int_equal(pym_dict_set_str(d, buf, iv), 0);
        pym_decref(iv);
    }
    for (int i = 0; i < 2000; i++) {
        snprintf(buf, sizeof buf, "key%d", i);
        pym_object *got = pym_dict_get_str(d, buf);
        assert_non_null(got);
        assert_int_equal(pym_int_value(got), i);
    }
    assert_int_equal(pym_dict_len(d), 2002);
    pym_decref(empty);
    pym_decref(v);
    pym_decref(k1);
    pym_decref(k2);
    pym_decref(d);
}

/* Tuples are keys by value.  CPython: Lib/test/test_dict.py::DictTest::
 * test_tuple_keyerror (tuple keys). */
static void test_tuple_keys(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *a = new_int(1000), *s = new_str("s");
    pym_object *t1 = pym_tuple_pack(2, a, s), *t2 = pym_tuple_pack(2, a, s);
    pym_object *one = pym_tuple_pack(1, a);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_non_null(one);
    assert_int_equal(pym_dict_set(d, t1, pym_none()), 0);
    assert_ptr_equal(pym_dict_get(d, t2), pym_none());
    assert_null(pym_dict_get(d, one));
    assert_no_error();
    assert_int_equal(pym_dict_set(d, one, pym_true()), 0);
    assert_int_equal(pym_dict_set(d, pym_tuple_new(0, NULL), pym_false()), 0);
    assert_repr(d, "{(1000, 's'): None, (1000,): True, (): False}");
    assert_int_equal(pym_dict_del(d, t2), 0);
    assert_null(pym_dict_get(d, t1));
    /* A tuple holding a list is unhashable. */
    pym_object *l = pym_list_new();
    pym_object *tl = pym_tuple_pack(1, l);
    assert_int_equal(pym_dict_set(d, tl, pym_none()), -1);
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_dict_len(d), 2);
    pym_decref(tl);
    pym_decref(l);
    pym_decref(t1);
    pym_decref(t2);
    pym_decref(one);
    pym_decref(a);
    pym_decref(s);
    pym_decref(d);
}

/* Keys with colliding hashes (user type) and identity before equality. */
static void test_colliding_user_keys(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    enum { N = 300 };
    pym_object *keys[N];
    for (int i = 0; i < N; i++) {
        keys[i] = ukey_new(i % 3 == 0 ? 7 : i, i);
        pym_object *v = new_int(i);
        assert_int_equal(pym_dict_set(d, keys[i], v), 0);
        pym_decref(v);
    }
    assert_int_equal(pym_dict_len(d), N);
    for (int i = 0; i < N; i++) {
        pym_object *probe = ukey_new(i % 3 == 0 ? 7 : i, i);
        assert_int_equal(pym_int_value(pym_dict_get(d, probe)), i);
        pym_decref(probe);
    }
    for (int i = 0; i < N; i += 2) assert_int_equal(pym_dict_del(d, keys[i]), 0);
    assert_int_equal(pym_dict_len(d), N / 2);
    for (int i = 0; i < N; i++) {
        pym_object *v = pym_dict_get(d, keys[i]);
        if (i % 2 == 0) assert_null(v);
        else assert_int_equal(pym_int_value(v), i);
    }
    /* Identity wins without calling equal; an equal copy is compared. */
    ukey_compares = 0;
    assert_non_null(pym_dict_get(d, keys[3]));
    assert_int_equal(ukey_compares, 0);
    pym_object *copy = ukey_new(7, 3);
    assert_ptr_equal(pym_dict_get(d, copy), pym_dict_get(d, keys[3]));
    assert_true(ukey_compares > 0);
    pym_decref(copy);
    for (int i = 0; i < N; i++) pym_decref(keys[i]);
    pym_decref(d);
}

/* An error raised by a key's comparison propagates and the dict is
 * unchanged.  CPython: Lib/test/test_dict.py::DictTest::test_getitem
 * (BadEq raising from __eq__). */
static void test_comparison_error_propagates(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k1 = ukey_new(42, 1), *k2 = ukey_new(42, 2);
    assert_int_equal(pym_dict_set(d, k1, pym_none()), 0);
    ukey_fail = true;
    assert_int_equal(pym_dict_set(d, k2, pym_true()), -1);
    assert_error(PYM_ERR_VALUE);
    assert_int_equal(pym_dict_len(d), 1);
    ukey_fail = true;
    assert_null(pym_dict_get(d, k2));
    assert_error(PYM_ERR_VALUE);
    ukey_fail = true;
    assert_int_equal(pym_dict_del(d, k2), -1);
    assert_error(PYM_ERR_VALUE);
    assert_ptr_equal(pym_dict_get(d, k1), pym_none());
    assert_int_equal(pym_refcount(k2), 1);
    pym_decref(k1);
    pym_decref(k2);
    pym_decref(d);
}

/* Lists and dicts are unhashable: TypeError, dict unchanged.  CPython:
 * Lib/test/test_dict.py::DictTest::test_getitem / test_hash. */
static void test_unhashable_key(void **state)
{
    (void)state;
    pym_object *d = new_dict(), *l = pym_list_new(), *inner = new_dict();
    set_ints(d, 1000, 1);
    size_t live = pym_live_objects();
    pym_object *bad[] = {l, inner, d};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pym_dict_set(d, bad[i], pym_none()), -1);
        assert_error(PYM_ERR_TYPE);
        assert_null(pym_dict_get(d, bad[i]));
        assert_error(PYM_ERR_TYPE);
        assert_int_equal(pym_dict_del(d, bad[i]), -1);
        assert_error(PYM_ERR_TYPE);
    }
    assert_int_equal(pym_dict_len(d), 1);
    assert_int_equal(get_int(d, 1000), 1);
    assert_int_equal(pym_refcount(l), 1);
    assert_int_equal(pym_refcount(inner), 1);
    assert_int_equal(pym_live_objects(), live);
    int64_t h;
    assert_int_equal(pym_hash(d, &h), -1);   /* dicts are unhashable */
    assert_error(PYM_ERR_TYPE);
    pym_decref(l);
    pym_decref(inner);
    pym_decref(d);
}

/* CPython: Lib/test/test_dict.py::DictTest::test_getitem (KeyError),
 * test_tuple_keyerror (the message is repr(key)). */
static void test_del_missing_key_error(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k = new_str("x");
    assert_int_equal(pym_dict_del(d, k), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    assert_string_equal(pym_err_message(), "'x'");
    pym_err_clear();
    set_ints(d, 1, 1);
    assert_int_equal(pym_dict_del(d, k), -1);
    assert_error(PYM_ERR_KEY);
    pym_object *i = new_int(1);
    assert_int_equal(pym_dict_del(d, i), 0);
    assert_int_equal(pym_dict_del(d, i), -1);
    assert_string_equal(pym_err_message(), "1");
    assert_error(PYM_ERR_KEY);
    assert_int_equal(pym_dict_len(d), 0);
    pym_decref(k);
    pym_decref(d);
}

/* Every entry point rejects a non-dict (and NULL) with TypeError. */
static void test_type_errors(void **state)
{
    (void)state;
    pym_object *l = pym_list_new(), *k = new_int(1), *d = new_dict();
    pym_object *notdicts[] = {l, k, NULL};
    for (size_t i = 0; i < 3; i++) {
        pym_object *o = notdicts[i];
        assert_false(pym_is_dict(o));
        assert_int_equal(pym_dict_set(o, k, k), -1);
        assert_error(PYM_ERR_TYPE);
        assert_null(pym_dict_get(o, k));
        assert_error(PYM_ERR_TYPE);
        assert_int_equal(pym_dict_del(o, k), -1);
        assert_error(PYM_ERR_TYPE);
        assert_int_equal(pym_dict_len(o), 0);
        assert_error(PYM_ERR_TYPE);
        size_t pos = 0;
        pym_object *kk, *vv;
        assert_false(pym_dict_next(o, &pos, &kk, &vv));
        assert_error(PYM_ERR_TYPE);
        assert_null(pym_dict_get_str(o, "a"));
        assert_error(PYM_ERR_TYPE);
        assert_int_equal(pym_dict_set_str(o, "a", k), -1);
        assert_error(PYM_ERR_TYPE);
        pym_dict_clear(o);
        assert_error(PYM_ERR_TYPE);
    }
    /* NULL keys, values, names, positions. */
    assert_int_equal(pym_dict_set(d, NULL, k), -1);
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_dict_set(d, k, NULL), -1);
    assert_error(PYM_ERR_TYPE);
    assert_null(pym_dict_get(d, NULL));
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_dict_del(d, NULL), -1);
    assert_error(PYM_ERR_TYPE);
    assert_null(pym_dict_get_str(d, NULL));
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_dict_set_str(d, NULL, k), -1);
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_dict_set_str(d, "a", NULL), -1);
    assert_error(PYM_ERR_TYPE);
    assert_false(pym_dict_next(d, NULL, NULL, NULL));
    assert_error(PYM_ERR_TYPE);
    assert_int_equal(pym_dict_len(d), 0);
    pym_decref(l);
    pym_decref(k);
    pym_decref(d);
}

/* Keys and values are incref'd on entry and decref'd when they leave. */
static void test_refcounts(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k = new_int(1000), *k_eq = new_int(1000);
    pym_object *v1 = pym_list_new(), *v2 = pym_list_new();
    assert_int_equal(pym_dict_set(d, k, v1), 0);
    assert_int_equal(pym_refcount(k), 2);
    assert_int_equal(pym_refcount(v1), 2);
    assert_int_equal(pym_dict_set(d, k_eq, v2), 0);   /* overwrite via an equal key */
    assert_int_equal(pym_refcount(k), 2);
    assert_int_equal(pym_refcount(k_eq), 1);
    assert_int_equal(pym_refcount(v1), 1);
    assert_int_equal(pym_refcount(v2), 2);
    assert_int_equal(pym_dict_set(d, k, v2), 0);      /* same value again */
    assert_int_equal(pym_refcount(v2), 2);
    pym_object *got = pym_dict_get(d, k_eq);          /* borrowed: no change */
    assert_ptr_equal(got, v2);
    assert_int_equal(pym_refcount(v2), 2);
    size_t pos = 0;
    pym_object *kk, *vv;
    assert_true(pym_dict_next(d, &pos, &kk, &vv));
    assert_int_equal(pym_refcount(kk), 2);
    assert_int_equal(pym_dict_del(d, k_eq), 0);
    assert_int_equal(pym_refcount(k), 1);
    assert_int_equal(pym_refcount(v2), 1);
    assert_int_equal(pym_dict_set(d, k, v1), 0);
    pym_dict_clear(d);
    assert_int_equal(pym_refcount(k), 1);
    assert_int_equal(pym_refcount(v1), 1);
    /* The dict's own death releases its entries. */
    assert_int_equal(pym_dict_set(d, k, v1), 0);
    assert_int_equal(pym_refcount(d), 1);
    pym_decref(d);
    assert_int_equal(pym_refcount(k), 1);
    assert_int_equal(pym_refcount(v1), 1);
    pym_decref(k);
    pym_decref(k_eq);
    pym_decref(v1);
    pym_decref(v2);
}

/* CPython: Lib/test/test_dict.py::DictTest::test_clear */
static void test_clear(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    size_t bytes0 = pym_allocated_bytes();
    for (int64_t i = 0; i < 250; i++) set_ints(d, i, i);   /* cached ints: no objects */
    assert_true(pym_allocated_bytes() > bytes0);
    pym_dict_clear(d);
    assert_int_equal(pym_dict_len(d), 0);
    assert_int_equal(get_int(d, 150), -1);
    assert_int_equal(pym_allocated_bytes(), bytes0);   /* the table is gone */
    for (int64_t i = 0; i < 1000; i++) set_ints(d, i + 1000, i);
    pym_dict_clear(d);
    assert_int_equal(pym_dict_len(d), 0);
    pym_dict_clear(d);                                  /* clearing empty: fine */
    set_ints(d, 3, 4);
    assert_int_equal(get_int(d, 3), 4);
    int64_t one[] = {3};
    assert_int_keys(d, one, 1);
    pym_decref(d);
}

/* CPython: Lib/test/test_dict.py::DictTest::test_repr */
static void test_repr(void **state)
{
    (void)state;
    pym_object *d = new_dict(), *l = pym_list_new(), *three = new_int(3);
    assert_int_equal(pym_list_append(l, three), 0);
    assert_int_equal(pym_dict_set_str(d, "a", new_int(1)), 0);
    pym_object *two = new_int(2);
    assert_int_equal(pym_dict_set(d, two, l), 0);
    assert_repr(d, "{'a': 1, 2: [3]}");
    pym_object *inner = new_dict();
    assert_int_equal(pym_dict_set_str(inner, "x", pym_none()), 0);
    assert_int_equal(pym_dict_set_str(d, "in", inner), 0);
    assert_repr(d, "{'a': 1, 2: [3], 'in': {'x': None}}");
    pym_decref(inner);
    pym_decref(l);
    pym_decref(d);
}

/* A dict containing itself prints "{...}" for the inner occurrence.
 * CPython: Lib/test/test_dict.py::DictTest::test_repr (d[1] = d). */
static void test_self_containing(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    assert_int_equal(pym_dict_set_str(d, "self", d), 0);
    assert_int_equal(pym_refcount(d), 2);
    assert_repr(d, "{'self': {...}}");
    pym_object *e = new_dict();
    assert_int_equal(pym_dict_set_str(e, "d", d), 0);
    assert_repr(e, "{'d': {'self': {...}}}");
    pym_decref(e);
    assert_int_equal(pym_dict_set_str(d, "again", d), 0);
    assert_repr(d, "{'self': {...}, 'again': {...}}");
    pym_dict_clear(d);   /* break the cycle by hand */
    assert_int_equal(pym_refcount(d), 1);
    pym_decref(d);
}

/* Equality: same keys with equal values, in any order.  CPython:
 * Lib/test/mapping_tests.py's dict comparisons. */
static void test_equal(void **state)
{
    (void)state;
    pym_object *a = new_dict(), *b = new_dict();
    set_ints(a, 1, 10);
    set_ints(a, 2, 20);
    set_ints(b, 2, 20);
    set_ints(b, 1, 10);
    assert_int_equal(pym_equal(a, b), 1);   /* order does not matter */
    set_ints(b, 1, 11);
    assert_int_equal(pym_equal(a, b), 0);
    pym_object *f = pym_float_new(11.0), *one = new_int(1);
    assert_int_equal(pym_dict_set(a, one, f), 0);
    assert_int_equal(pym_equal(a, b), 1);   /* 11.0 == 11 */
    set_ints(b, 3, 30);
    assert_int_equal(pym_equal(a, b), 0);   /* lengths differ */
    del_int(b, 3);
    set_ints(a, 4, 40);
    set_ints(b, 5, 40);
    assert_int_equal(pym_equal(a, b), 0);   /* same length, different keys */
    pym_object *l = pym_list_new();
    assert_int_equal(pym_equal(a, l), 0);
    pym_decref(l);
    /* Nested. */
    pym_object *x = new_dict(), *y = new_dict();
    assert_int_equal(pym_dict_set_str(x, "d", a), 0);
    assert_int_equal(pym_dict_set_str(y, "d", a), 0);
    assert_int_equal(pym_equal(x, y), 1);
    pym_decref(x);
    pym_decref(y);
    pym_decref(f);
    pym_decref(one);
    pym_decref(a);
    pym_decref(b);
}

/* Two distinct self-referential dicts: comparing them fails with a
 * recursion error instead of overflowing the C stack.  CPython:
 * Lib/test/test_richcmp.py::MiscTest::test_recursion (RecursionError). */
static void test_equal_recursion_limit(void **state)
{
    (void)state;
    pym_object *a = new_dict(), *b = new_dict();
    assert_int_equal(pym_dict_set_str(a, "x", a), 0);
    assert_int_equal(pym_dict_set_str(b, "x", b), 0);
    assert_int_equal(pym_equal(a, b), -1);
    assert_error(PYM_ERR_RUNTIME);
    assert_int_equal(pym_equal(a, a), 1);
    pym_dict_clear(a);
    pym_dict_clear(b);
    pym_decref(a);
    pym_decref(b);
}

/* Collector tracking as in CPython: gc.is_tracked({}) and
 * gc.is_tracked({'a': 1}) are False, gc.is_tracked({'a': []}) is True.
 * CPython: Lib/test/test_dict.py::DictTest::test_track_literals,
 * test_track_dynamic. */
static void test_gc_tracking(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    assert_false(pym_gc_is_tracked(d));
    set_ints(d, 1000, 2000);
    assert_int_equal(pym_dict_set_str(d, "s", pym_none()), 0);
    assert_false(pym_gc_is_tracked(d));
    pym_object *l = pym_list_new();
    assert_int_equal(pym_dict_set_str(d, "l", l), 0);
    assert_true(pym_gc_is_tracked(d));
    pym_decref(l);
    /* A dict holding only an empty dict is tracked: the inner one may
     * later join a cycle. */
    pym_object *e = new_dict(), *inner = new_dict();
    assert_int_equal(pym_dict_set_str(e, "i", inner), 0);
    assert_true(pym_gc_is_tracked(e));
    assert_false(pym_gc_is_tracked(inner));
    pym_decref(inner);
    pym_decref(e);
    pym_decref(d);
}

/* A self-cycle is found and freed by the collector. */
static void test_gc_collects_cycle(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *d = new_dict(), *e = new_dict();
    assert_int_equal(pym_dict_set_str(d, "e", e), 0);
    assert_int_equal(pym_dict_set_str(e, "d", d), 0);
    pym_object *wr = pym_weakref_new(d, NULL);
    assert_non_null(wr);
    pym_decref(d);
    pym_decref(e);
    assert_true(pym_gc_collect(2) >= 2);
    pym_object *dead = pym_weakref_get(wr);
    assert_null(dead);
    pym_decref(wr);
    assert_int_equal(pym_live_objects(), live);
}

/* A comparison that clears the dict in the middle of a lookup: the lookup
 * starts again on the new table.  CPython: Lib/test/test_dict.py::
 * DictTest::test_mutating_lookup (issue #14417). */
static void test_mutating_comparison(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *k1 = ukey_new(99, 1), *k2 = ukey_new(99, 2);
    for (int64_t i = 0; i < 4; i++) set_ints(d, i + 1000, i);
    assert_int_equal(pym_dict_set(d, k1, pym_none()), 0);
    ukey_clear_dict = d;
    assert_int_equal(pym_dict_set(d, k2, pym_true()), 0);
    assert_null(ukey_clear_dict);
    assert_int_equal(pym_dict_len(d), 1);
    assert_ptr_equal(pym_dict_get(d, k2), pym_true());
    assert_int_equal(pym_refcount(k1), 1);
    /* The same through get and del. */
    assert_int_equal(pym_dict_set(d, k1, pym_none()), 0);
    pym_object *k3 = ukey_new(99, 3);
    ukey_clear_dict = d;
    assert_null(pym_dict_get(d, k3));
    assert_no_error();
    assert_int_equal(pym_dict_len(d), 0);
    assert_int_equal(pym_dict_set(d, k1, pym_none()), 0);
    ukey_clear_dict = d;
    assert_int_equal(pym_dict_del(d, k3), -1);
    assert_error(PYM_ERR_KEY);
    assert_int_equal(pym_dict_len(d), 0);
    pym_decref(k1);
    pym_decref(k2);
    pym_decref(k3);
    pym_decref(d);
}

/* Dropping an old value runs its finalizer, which changes the dict: each
 * operation has finished with the table by then. */
static void test_mutating_value_death(void **state)
{
    (void)state;
    pym_object *d = new_dict(), *k = new_int(1000);
    fin_runs = 0;
    /* overwrite -> finalizer clears the dict */
    pym_object *f = fin_new(d, MUT_CLEAR);
    assert_int_equal(pym_dict_set(d, k, f), 0);
    pym_decref(f);
    set_ints(d, 1, 1);
    assert_int_equal(pym_dict_set(d, k, pym_none()), 0);
    assert_int_equal(fin_runs, 1);
    assert_int_equal(pym_dict_len(d), 0);
    /* del -> finalizer inserts 50 keys (the table grows meanwhile) */
    f = fin_new(d, MUT_INSERT);
    assert_int_equal(pym_dict_set(d, k, f), 0);
    pym_decref(f);
    assert_int_equal(pym_dict_del(d, k), 0);
    assert_int_equal(fin_runs, 2);
    assert_int_equal(pym_dict_len(d), 50);
    /* clear -> finalizer inserts again into the emptied dict */
    f = fin_new(d, MUT_INSERT);
    assert_int_equal(pym_dict_set(d, k, f), 0);
    pym_decref(f);
    pym_dict_clear(d);
    assert_int_equal(fin_runs, 3);
    assert_int_equal(pym_dict_len(d), 50);
    assert_int_equal(get_int(d, 5049), 49);
    /* the dict's own destruction -> finalizer touches a second dict */
    pym_object *other = new_dict();
    f = fin_new(other, MUT_INSERT);
    assert_int_equal(pym_dict_set(d, k, f), 0);
    pym_decref(f);
    pym_decref(d);
    assert_int_equal(fin_runs, 4);
    assert_int_equal(pym_dict_len(other), 50);
    pym_decref(other);
    pym_decref(k);
}

/* Dicts are weak-referenceable; the weakref dies with the dict. */
static void test_weakref(void **state)
{
    (void)state;
    pym_object *d = new_dict();
    pym_object *wr = pym_weakref_new(d, NULL);
    assert_non_null(wr);
    pym_object *got = pym_weakref_get(wr);
    assert_ptr_equal(got, d);
    pym_decref(got);
    pym_decref(d);
    assert_null(pym_weakref_get(wr));
    pym_decref(wr);
}

/* d = {'next': d}, a million deep: destroying it must not overflow the C
 * stack.  CPython: Lib/test/test_gc.py::GCTests::test_trashcan (the same
 * idea with lists and tuples). */
static void test_deep_chain(void **state)
{
    (void)state;
    size_t n = quick() ? 100000 : 1000000;
    pym_object *key = new_str("next");
    pym_object *d = new_dict();
    for (size_t i = 0; i < n; i++) {
        pym_object *outer = pym_dict_new();
        assert_non_null(outer);
        assert_int_equal(pym_dict_set(outer, key, d), 0);
        pym_decref(d);
        d = outer;
    }
    assert_int_equal(pym_refcount(key), (int64_t)n + 1);
    pym_decref(d);
    assert_int_equal(pym_refcount(key), 1);
    pym_decref(key);
}

/* ---- out of memory -------------------------------------------------------- */

typedef struct oom_ctx {
    pym_object *d;
    pym_object *key, *value;
    size_t len;   /* what d holds before the operation */
} oom_ctx;

/* d[k] without touching the pending error (no allocation either: the
 * keys used here are cached small ints). */
static pym_object *peek(pym_object *d, int64_t k) { return pym_dict_get(d, pym_int_new(k)); }

/* After a failed insert the dict holds exactly 0..len-1 -> themselves, in
 * order, and MemoryError is still pending. */
static void assert_unchanged(oom_ctx *c)
{
    size_t pos = 0, i = 0;
    pym_object *k, *v;
    while (pym_dict_next(c->d, &pos, &k, &v)) {
        assert_int_equal(pym_int_value(k), (int64_t)i);
        assert_int_equal(pym_int_value(v), (int64_t)i);
        i++;
    }
    assert_int_equal(i, c->len);
    assert_int_equal(pym_dict_len(c->d), c->len);
    assert_null(pym_dict_get(c->d, c->key));
    for (size_t j = 0; j < c->len; j++) assert_non_null(peek(c->d, (int64_t)j));
    assert_int_equal(pym_err_occurred(), PYM_ERR_MEMORY);
}

/* Fills d with 0..len-1 -> themselves (cached ints: no object allocated). */
static void fill(oom_ctx *c)
{
    for (size_t i = 0; i < c->len; i++) set_ints(c->d, (int64_t)i, (int64_t)i);
}

static int oom_new(void *ctx)
{
    oom_ctx *c = ctx;
    c->d = pym_dict_new();
    return c->d ? 0 : -1;
}

static void oom_new_undo(void *ctx) { pym_decref(((oom_ctx *)ctx)->d); }

static int oom_insert(void *ctx)
{
    oom_ctx *c = ctx;
    if (pym_dict_set(c->d, c->key, c->value) == 0) return 0;
    assert_unchanged(c);
    return -1;
}

static int oom_set_str(void *ctx)
{
    oom_ctx *c = ctx;
    if (pym_dict_set_str(c->d, "some attribute", c->value) == 0) return 0;
    assert_unchanged(c);
    return -1;
}

/* Restores d to its prefilled state; the table is rebuilt from scratch so
 * the next run allocates as the first did. */
static void oom_refill(void *ctx)
{
    oom_ctx *c = ctx;
    pym_dict_clear(c->d);
    fill(c);
}

static void test_oom_new(void **state)
{
    (void)state;
    oom_ctx c = {0};
    assert_true(pym_test_oom_loop(oom_new, oom_new_undo, &c) > 0);
}

/* The first insert allocates the table. */
static void test_oom_first_insert(void **state)
{
    (void)state;
    oom_ctx c = {.d = new_dict(), .key = new_int(7), .value = new_int(8), .len = 0};
    assert_true(pym_test_oom_loop(oom_insert, oom_refill, &c) > 0);
    pym_decref(c.d);
}

/* The sixth insert grows the 8-slot table; the 86th grows a full
 * 128-slot table to 256 slots, whose indices are 2 bytes wide. */
static void test_oom_resize(void **state)
{
    (void)state;
    oom_ctx c = {.d = new_dict(), .key = pym_int_new(-1), .value = pym_int_new(-1), .len = 5};
    fill(&c);
    assert_true(pym_test_oom_loop(oom_insert, oom_refill, &c) > 0);
    c.len = 85;
    oom_refill(&c);
    assert_true(pym_test_oom_loop(oom_insert, oom_refill, &c) > 0);
    pym_decref(c.d);
}

/* set_str allocates the key string, then (on an empty dict) the table. */
static void test_oom_set_str(void **state)
{
    (void)state;
    oom_ctx c = {.d = new_dict(), .value = pym_true(), .len = 0};
    c.key = pym_int_new(-1); /* never a key: assert_unchanged checks it stays absent */
    assert_true(pym_test_oom_loop(oom_set_str, oom_refill, &c) > 1);
    /* With room in the table, only the key string can fail. */
    c.len = 2;
    oom_refill(&c);
    assert_true(pym_test_oom_loop(oom_set_str, oom_refill, &c) > 0);
    pym_decref(c.d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_new_empty),
        PYM_TEST(test_set_get_del_len),
        PYM_TEST(test_get_ref),
        PYM_TEST(test_overwrite_keeps_key_and_position),
        PYM_TEST(test_order_through_deletes),
        PYM_TEST(test_next),
        PYM_TEST(test_many_int_keys),
        PYM_TEST(test_churn),
        PYM_TEST(test_numeric_keys_are_one),
        PYM_TEST(test_str_keys),
        PYM_TEST(test_tuple_keys),
        PYM_TEST(test_colliding_user_keys),
        PYM_TEST(test_comparison_error_propagates),
        PYM_TEST(test_unhashable_key),
        PYM_TEST(test_del_missing_key_error),
        PYM_TEST(test_type_errors),
        PYM_TEST(test_refcounts),
        PYM_TEST(test_clear),
        PYM_TEST(test_repr),
        PYM_TEST(test_self_containing),
        PYM_TEST(test_equal),
        PYM_TEST(test_equal_recursion_limit),
        PYM_TEST(test_gc_tracking),
        PYM_TEST(test_gc_collects_cycle),
        PYM_TEST(test_mutating_comparison),
        PYM_TEST(test_mutating_value_death),
        PYM_TEST(test_weakref),
        PYM_TEST(test_deep_chain),
        PYM_OOM_TEST(test_oom_new),
        PYM_OOM_TEST(test_oom_first_insert),
        PYM_OOM_TEST(test_oom_resize),
        PYM_OOM_TEST(test_oom_set_str),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
