/* test_list.c: the list type (runtime/objects/list.c): every API function
 * with its errors, item reference counts, copy-on-demand storage, repr and
 * equality, cycles and deep chains, and out-of-memory loops. */
#include <stdlib.h>

#include "support/pym_test.h"

/* A mortal int: a fresh object with refcount 1 (outside the small-int cache). */
static pym_object *big(int64_t v)
{
    pym_object *o = pym_int_new(100000 + v);
    assert_non_null(o);
    assert_int_equal(pym_refcount(o), 1);
    return o;
}

static void assert_error(pym_error kind, const char *message)
{
    assert_int_equal(pym_err_occurred(), kind);
    if (message != NULL) assert_string_equal(pym_err_message(), message);
    pym_err_clear();
}

static void append_ok(pym_object *l, pym_object *v)
{
    assert_int_equal(pym_list_append(l, v), 0);
}

/* A list of the given objects (increfed, not stolen). */
static pym_object *list_of(size_t n, pym_object **items)
{
    pym_object *l = pym_list_new();
    assert_non_null(l);
    for (size_t i = 0; i < n; i++) append_ok(l, items[i]);
    return l;
}

static void assert_items(pym_object *l, size_t n, pym_object **items)
{
    assert_int_equal(pym_list_len(l), n);
    for (size_t i = 0; i < n; i++) assert_ptr_equal(pym_list_get(l, i), items[i]);
}

static int64_t int_at(pym_object *l, size_t i)
{
    pym_object *v = pym_list_get(l, i);
    assert_non_null(v);
    return pym_int_value(v);
}

static void decref_all(size_t n, pym_object **items)
{
    for (size_t i = 0; i < n; i++) pym_decref(items[i]);
}

static void assert_repr(pym_object *o, const char *expected)
{
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), expected);
    pym_decref(r);
}

/* A user type whose finalizer records what `watched` holds at index 0 when
 * an instance dies: shows when a list releases an old item. */
static int probe_deaths;
static pym_object *probe_watched, *probe_seen;

static void probe_finalize(pym_object *self)
{
    (void)self;
    probe_deaths++;
    probe_seen = probe_watched ? pym_list_get(probe_watched, 0) : NULL;
}

static const pym_type probe_type = {
    .name = "probe",
    .size = sizeof(pym_object),
    .finalize = probe_finalize,
};

/* ---- creation, identity, length ----------------------------------------- */

/* test_list.py::ListTest::test_identity: [] is not []. */
static void test_new_is_a_new_object(void **state)
{
    (void)state;
    pym_object *a = pym_list_new(), *b = pym_list_new();
    assert_non_null(a);
    assert_non_null(b);
    assert_false(pym_is(a, b));
    assert_true(pym_is_list(a));
    assert_string_equal(pym_type_name(a), "list");
    assert_int_equal(pym_refcount(a), 1);
    assert_int_equal(pym_list_len(a), 0);
    assert_true(pym_gc_is_tracked(a));
    assert_int_equal(pym_equal(a, b), 1);
    pym_decref(a);
    pym_decref(b);
}

/* test_list.py::ListTest::test_len, list_tests.py::CommonTest::test_append. */
static void test_append_get_len(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    for (int i = 0; i < 100; i++) {
        pym_object *v = pym_int_new(i);
        append_ok(l, v);
        pym_decref(v);
        assert_int_equal(pym_list_len(l), (size_t)i + 1);
    }
    for (int i = 0; i < 100; i++) assert_int_equal(int_at(l, (size_t)i), i);
    pym_object *r = pym_list_get_ref(l, 42);
    assert_int_equal(pym_int_value(r), 42);
    pym_decref(r);
    pym_decref(l);
}

static void test_is_list(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    pym_object *t = pym_tuple_new(0, NULL);
    assert_true(pym_is_list(l));
    assert_false(pym_is_list(pym_none()));
    assert_false(pym_is_list(t));
    assert_false(pym_is_list(NULL));
    pym_decref(t);
    pym_decref(l);
}

/* ---- errors ----------------------------------------------------------------- */

/* list_tests.py::CommonTest::test_pop (IndexError cases), test_setitem. */
static void test_index_errors(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    pym_object *x = big(1);
    assert_null(pym_list_get(l, 0));
    assert_error(PYM_ERR_INDEX, "list index out of range");
    assert_null(pym_list_get_ref(l, 0));
    assert_error(PYM_ERR_INDEX, "list index out of range");
    assert_int_equal(pym_list_set(l, 0, x), -1);
    assert_error(PYM_ERR_INDEX, "list assignment index out of range");
    assert_null(pym_list_pop(l, 0));
    assert_error(PYM_ERR_INDEX, "pop from empty list");

    append_ok(l, x);
    assert_null(pym_list_get(l, 1));
    assert_error(PYM_ERR_INDEX, "list index out of range");
    assert_null(pym_list_get(l, (size_t)-1));
    assert_error(PYM_ERR_INDEX, NULL);
    assert_null(pym_list_get_ref(l, 5));
    assert_error(PYM_ERR_INDEX, NULL);
    assert_int_equal(pym_list_set(l, 1, x), -1);
    assert_error(PYM_ERR_INDEX, "list assignment index out of range");
    assert_null(pym_list_pop(l, 1));
    assert_error(PYM_ERR_INDEX, "pop index out of range");
    /* nothing changed */
    assert_items(l, 1, &x);
    assert_int_equal(pym_refcount(x), 2);
    pym_decref(l);
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(x);
}

static void test_type_errors(void **state)
{
    (void)state;
    pym_object *x = big(1);
    pym_object *bad[] = {pym_none(), x, NULL};
    for (size_t k = 0; k < 3; k++) {
        pym_object *o = bad[k];
        assert_int_equal(pym_list_len(o), 0);
        assert_error(PYM_ERR_TYPE, NULL);
        assert_null(pym_list_get(o, 0));
        assert_error(PYM_ERR_TYPE, NULL);
        assert_null(pym_list_get_ref(o, 0));
        assert_error(PYM_ERR_TYPE, NULL);
        assert_int_equal(pym_list_set(o, 0, x), -1);
        assert_error(PYM_ERR_TYPE, NULL);
        assert_int_equal(pym_list_append(o, x), -1);
        assert_error(PYM_ERR_TYPE, NULL);
        assert_int_equal(pym_list_insert(o, 0, x), -1);
        assert_error(PYM_ERR_TYPE, NULL);
        assert_null(pym_list_pop(o, 0));
        assert_error(PYM_ERR_TYPE, NULL);
        assert_null(pym_list_copy(o));
        assert_error(PYM_ERR_TYPE, NULL);
        assert_false(pym_list_shares_storage(o, o));
        assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    }
    assert_int_equal(pym_list_len(pym_none()), 0);
    assert_string_equal(pym_err_message(), "list expected, got NoneType");
    pym_err_clear();
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(x);
}

/* NULL items are refused: a list never holds NULL. */
static void test_null_item(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    assert_int_equal(pym_list_append(l, NULL), -1);
    assert_error(PYM_ERR_TYPE, NULL);
    assert_int_equal(pym_list_insert(l, 0, NULL), -1);
    assert_error(PYM_ERR_TYPE, NULL);
    append_ok(l, pym_none());
    assert_int_equal(pym_list_set(l, 0, NULL), -1);
    assert_error(PYM_ERR_TYPE, NULL);
    assert_ptr_equal(pym_list_get(l, 0), pym_none());
    assert_int_equal(pym_list_len(l), 1);
    pym_decref(l);
}

/* lists are unhashable (test_list.py via seq_tests: hash([]) raises TypeError). */
static void test_unhashable(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    int64_t h = 0;
    assert_int_equal(pym_hash(l, &h), -1);
    assert_error(PYM_ERR_TYPE, "unhashable type: 'list'");
    pym_decref(l);
}

/* ---- reference counts of items ---------------------------------------- */

static void test_item_refcounts(void **state)
{
    (void)state;
    pym_object *x = big(1), *y = big(2);
    pym_object *l = pym_list_new();
    append_ok(l, x);
    assert_int_equal(pym_refcount(x), 2);
    append_ok(l, x);
    assert_int_equal(pym_refcount(x), 3);
    assert_int_equal(pym_list_insert(l, 1, y), 0);
    assert_int_equal(pym_refcount(y), 2);
    /* get is borrowed, get_ref is new */
    assert_ptr_equal(pym_list_get(l, 1), y);
    assert_int_equal(pym_refcount(y), 2);
    pym_object *r = pym_list_get_ref(l, 1);
    assert_ptr_equal(r, y);
    assert_int_equal(pym_refcount(y), 3);
    pym_decref(r);
    /* set: new item increfed, old one released */
    assert_int_equal(pym_list_set(l, 0, y), 0);
    assert_int_equal(pym_refcount(x), 2);
    assert_int_equal(pym_refcount(y), 3);
    /* set to the same object keeps the count */
    assert_int_equal(pym_list_set(l, 0, y), 0);
    assert_int_equal(pym_refcount(y), 3);
    /* pop hands the list's reference over */
    pym_object *p = pym_list_pop(l, 2);
    assert_ptr_equal(p, x);
    assert_int_equal(pym_refcount(x), 2);
    pym_decref(p);
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(l);
    assert_int_equal(pym_refcount(y), 1);
    pym_decref(x);
    pym_decref(y);
}

/* An item added and then dropped by its creator lives exactly as long as
 * the list holds it. */
static void test_list_keeps_items_alive(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *l = pym_list_new();
    pym_object *x = big(7);
    append_ok(l, x);
    pym_decref(x);
    assert_int_equal(pym_refcount(x), 1);
    assert_int_equal(pym_int_value(pym_list_get(l, 0)), 100007);
    pym_object *p = pym_list_pop(l, 0);
    assert_int_equal(pym_live_objects(), live0 + 2);
    pym_decref(p);
    assert_int_equal(pym_live_objects(), live0 + 1);
    pym_decref(l);
    assert_int_equal(pym_live_objects(), live0);
}

/* The old item is released after the new one is stored: code run by its
 * death already sees the new value. */
static void test_set_releases_old_item_last(void **state)
{
    (void)state;
    pym_object *old = pym_new(&probe_type);
    pym_object *l = pym_list_new();
    pym_object *y = big(2);
    append_ok(l, old);
    pym_decref(old);
    probe_deaths = 0;
    probe_watched = l;
    probe_seen = NULL;
    assert_int_equal(pym_list_set(l, 0, y), 0);
    assert_int_equal(probe_deaths, 1);
    assert_ptr_equal(probe_seen, y);
    probe_watched = NULL;
    pym_decref(l);
    pym_decref(y);
}

/* ---- insert and pop ------------------------------------------------------ */

/* list_tests.py::CommonTest::test_insert. */
static void test_insert(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    pym_object *v[7];
    for (int i = 0; i < 7; i++) v[i] = big(i);
    assert_int_equal(pym_list_insert(l, 0, v[3]), 0);       /* [3] */
    assert_int_equal(pym_list_insert(l, 0, v[1]), 0);       /* [1, 3] */
    assert_int_equal(pym_list_insert(l, 1, v[2]), 0);       /* [1, 2, 3] */
    assert_int_equal(pym_list_insert(l, 3, v[4]), 0);       /* at len: appends */
    assert_int_equal(pym_list_insert(l, 200, v[5]), 0);     /* past len: appends */
    assert_int_equal(pym_list_insert(l, (size_t)-1, v[6]), 0);
    assert_int_equal(pym_list_insert(l, 0, v[0]), 0);
    assert_items(l, 7, v);
    for (int i = 0; i < 7; i++) assert_int_equal(pym_refcount(v[i]), 2);
    pym_decref(l);
    decref_all(7, v);
}

/* Inserting at the front many times moves the items correctly through
 * every growth. */
static void test_insert_front_many(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    for (int i = 0; i < 1000; i++) {
        pym_object *v = pym_int_new(i);
        assert_int_equal(pym_list_insert(l, 0, v), 0);
        pym_decref(v);
    }
    for (int i = 0; i < 1000; i++) assert_int_equal(int_at(l, (size_t)i), 999 - i);
    pym_decref(l);
}

/* list_tests.py::CommonTest::test_pop. */
static void test_pop(void **state)
{
    (void)state;
    pym_object *v[3] = {pym_int_new(-1), pym_int_new(0), pym_int_new(1)};
    pym_object *l = list_of(3, v);
    pym_object *p = pym_list_pop(l, 2);
    assert_ptr_equal(p, v[2]);
    pym_decref(p);
    assert_items(l, 2, v);
    p = pym_list_pop(l, 0);
    assert_ptr_equal(p, v[0]);
    pym_decref(p);
    assert_items(l, 1, v + 1);
    assert_null(pym_list_pop(l, 5));
    assert_error(PYM_ERR_INDEX, "pop index out of range");
    p = pym_list_pop(l, 0);
    pym_decref(p);
    assert_int_equal(pym_list_len(l), 0);
    assert_null(pym_list_pop(l, 0));
    assert_error(PYM_ERR_INDEX, "pop from empty list");
    /* and the emptied list is still usable */
    append_ok(l, v[1]);
    assert_items(l, 1, v + 1);
    pym_decref(l);
}

/* Growing to many items and popping back down (the array shrinks on the
 * way) keeps every item and every count right. */
static void test_grow_and_shrink(void **state)
{
    (void)state;
    enum { N = 20000 };
    pym_object *x = big(0);
    pym_object *l = pym_list_new();
    for (int i = 0; i < N; i++) {
        pym_object *v = (i % 2) ? pym_incref(x) : pym_int_new(i);
        append_ok(l, v);
        pym_decref(v);
    }
    assert_int_equal(pym_refcount(x), 1 + N / 2);
    for (int i = N - 1; i >= 0; i--) {
        pym_object *p = pym_list_pop(l, (size_t)i);
        if (i % 2) assert_ptr_equal(p, x);
        else assert_int_equal(pym_int_value(p), i);
        pym_decref(p);
        if (i % 1000 == 0) assert_int_equal(pym_list_len(l), (size_t)i);
    }
    assert_int_equal(pym_refcount(x), 1);
    append_ok(l, x);
    assert_items(l, 1, &x);
    pym_decref(l);
    pym_decref(x);
}

/* ---- aliasing and copies ------------------------------------------------- */

/* b = a is aliasing: one object, two references, mutation visible through both. */
static void test_aliasing(void **state)
{
    (void)state;
    pym_object *a = pym_list_new();
    pym_object *b = pym_incref(a);
    assert_true(pym_is(a, b));
    assert_int_equal(pym_refcount(a), 2);
    pym_object *x = big(1);
    append_ok(b, x);
    assert_items(a, 1, &x);
    assert_int_equal(pym_list_set(a, 0, pym_none()), 0);
    assert_ptr_equal(pym_list_get(b, 0), pym_none());
    assert_int_equal(pym_refcount(x), 1);
    pym_decref(b);
    assert_int_equal(pym_refcount(a), 1);
    pym_decref(a);
    pym_decref(x);
}

/* list_tests.py::CommonTest::test_copy: equal, independent, shallow. */
static void test_copy_shares_storage(void **state)
{
    (void)state;
    pym_object *v[3] = {big(1), big(2), big(3)};
    pym_object *a = list_of(3, v);
    pym_object *b = pym_list_copy(a);
    assert_non_null(b);
    assert_false(pym_is(a, b));
    assert_int_equal(pym_refcount(b), 1);
    assert_true(pym_list_shares_storage(a, b));
    assert_true(pym_list_shares_storage(b, a));
    assert_items(b, 3, v);
    assert_int_equal(pym_equal(a, b), 1);
    /* O(1): no item was increfed by the copy */
    for (int i = 0; i < 3; i++) assert_int_equal(pym_refcount(v[i]), 2);
    /* reading never un-shares */
    pym_object *r = pym_list_get_ref(b, 0);
    pym_decref(r);
    assert_int_equal(pym_list_len(b), 3);
    assert_true(pym_list_shares_storage(a, b));
    pym_decref(a);
    /* the copy alone now holds the storage and the items */
    assert_items(b, 3, v);
    for (int i = 0; i < 3; i++) assert_int_equal(pym_refcount(v[i]), 2);
    pym_decref(b);
    for (int i = 0; i < 3; i++) assert_int_equal(pym_refcount(v[i]), 1);
    decref_all(3, v);
}

/* Writing to the copy: the copy gets private storage, the original keeps
 * the shared one untouched. */
static void test_copy_write_to_copy(void **state)
{
    (void)state;
    pym_object *v[2] = {big(1), big(2)};
    pym_object *z = big(3);
    pym_object *a = list_of(2, v);
    pym_object *b = pym_list_copy(a);
    assert_int_equal(pym_list_set(b, 1, z), 0);
    assert_false(pym_list_shares_storage(a, b));
    assert_items(a, 2, v);
    pym_object *expect_b[2] = {v[0], z};
    assert_items(b, 2, expect_b);
    /* v[0]: held by both storages now; v[1]: only by a's */
    assert_int_equal(pym_refcount(v[0]), 3);
    assert_int_equal(pym_refcount(v[1]), 2);
    assert_int_equal(pym_refcount(z), 2);
    assert_int_equal(pym_equal(a, b), 0);
    pym_decref(a);
    pym_decref(b);
    for (int i = 0; i < 2; i++) assert_int_equal(pym_refcount(v[i]), 1);
    assert_int_equal(pym_refcount(z), 1);
    decref_all(2, v);
    pym_decref(z);
}

/* Writing to the original: the original copies, the copy keeps the old
 * contents (list_tests.py::CommonTest::test_copy, mirrored). */
static void test_copy_write_to_original(void **state)
{
    (void)state;
    pym_object *v[2] = {big(1), big(2)};
    pym_object *z = big(3);
    pym_object *a = list_of(2, v);
    pym_object *b = pym_list_copy(a);
    append_ok(a, z);
    assert_false(pym_list_shares_storage(a, b));
    assert_items(b, 2, v);
    pym_object *expect_a[3] = {v[0], v[1], z};
    assert_items(a, 3, expect_a);
    assert_int_equal(pym_refcount(v[0]), 3);
    assert_int_equal(pym_refcount(v[1]), 3);
    /* once private, a second write is in place: b's items are unaffected */
    assert_int_equal(pym_list_set(a, 0, z), 0);
    assert_int_equal(pym_refcount(v[0]), 2);
    assert_ptr_equal(pym_list_get(b, 0), v[0]);
    pym_decref(a);
    pym_decref(b);
    decref_all(2, v);
    assert_int_equal(pym_refcount(z), 1);
    pym_decref(z);
}

/* insert and pop on a shared storage un-share only the list written to. */
static void test_copy_insert_and_pop(void **state)
{
    (void)state;
    pym_object *v[3] = {big(1), big(2), big(3)};
    pym_object *z = big(4);
    pym_object *a = list_of(3, v);
    pym_object *b = pym_list_copy(a);
    pym_object *c = pym_list_copy(a);
    assert_int_equal(pym_list_insert(b, 0, z), 0);
    pym_object *p = pym_list_pop(c, 1);
    assert_ptr_equal(p, v[1]);
    assert_true(!pym_list_shares_storage(a, b) && !pym_list_shares_storage(a, c));
    assert_items(a, 3, v);
    pym_object *eb[4] = {z, v[0], v[1], v[2]};
    assert_items(b, 4, eb);
    pym_object *ec[2] = {v[0], v[2]};
    assert_items(c, 2, ec);
    /* v[1]: a, b, and the popped reference */
    assert_int_equal(pym_refcount(v[1]), 1 + 3);
    assert_int_equal(pym_refcount(v[0]), 1 + 3);
    pym_decref(p);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    for (int i = 0; i < 3; i++) assert_int_equal(pym_refcount(v[i]), 1);
    decref_all(3, v);
    pym_decref(z);
}

/* c = copy(copy(a)): the intermediate dies, a and c still share; three
 * sharers: writing one leaves the other two sharing. */
static void test_copy_chains(void **state)
{
    (void)state;
    pym_object *v[2] = {big(1), big(2)};
    pym_object *z = big(3);
    pym_object *a = list_of(2, v);
    pym_object *tmp = pym_list_copy(a);
    pym_object *c = pym_list_copy(tmp);
    assert_true(pym_list_shares_storage(tmp, c));
    pym_decref(tmp);
    assert_true(pym_list_shares_storage(a, c));
    assert_items(c, 2, v);

    pym_object *b = pym_list_copy(c);
    assert_true(pym_list_shares_storage(a, b) && pym_list_shares_storage(b, c));
    assert_int_equal(pym_list_set(b, 0, z), 0);
    assert_false(pym_list_shares_storage(a, b));
    assert_false(pym_list_shares_storage(b, c));
    assert_true(pym_list_shares_storage(a, c));
    assert_items(a, 2, v);
    assert_items(c, 2, v);
    /* a and c share one storage, b has its own */
    assert_int_equal(pym_refcount(v[0]), 2);
    assert_int_equal(pym_refcount(v[1]), 3);

    /* a writes: copies; c is then alone on the original and writes in place */
    pym_object *p = pym_list_pop(a, 0);
    pym_decref(p);
    assert_false(pym_list_shares_storage(a, c));
    assert_int_equal(pym_refcount(v[1]), 4);
    assert_int_equal(pym_list_set(c, 1, z), 0);
    assert_int_equal(pym_refcount(v[1]), 3);
    assert_items(a, 1, v + 1);
    pym_object *ec[2] = {v[0], z};
    assert_items(c, 2, ec);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    for (int i = 0; i < 2; i++) assert_int_equal(pym_refcount(v[i]), 1);
    assert_int_equal(pym_refcount(z), 1);
    decref_all(2, v);
    pym_decref(z);
}

/* Copies of an empty list are independent empty lists. */
static void test_copy_empty(void **state)
{
    (void)state;
    pym_object *a = pym_list_new();
    pym_object *b = pym_list_copy(a);
    assert_non_null(b);
    assert_false(pym_is(a, b));
    assert_false(pym_list_shares_storage(a, b));
    assert_false(pym_list_shares_storage(a, a));
    assert_int_equal(pym_list_len(b), 0);
    append_ok(b, pym_none());
    assert_int_equal(pym_list_len(a), 0);
    assert_int_equal(pym_list_len(b), 1);
    assert_true(pym_list_shares_storage(b, b));
    pym_decref(a);
    pym_decref(b);
}

/* A long copy-then-write history, checked against a model: each new list
 * is a copy of the previous one, then both are written to. */
static void test_copy_many(void **state)
{
    (void)state;
    enum { N = 50 };
    pym_object *lists[N];
    int64_t model[N][N + 2];
    size_t len[N];
    lists[0] = pym_list_new();
    len[0] = 0;
    for (int i = 1; i < N; i++) {
        lists[i] = pym_list_copy(lists[i - 1]);
        memcpy(model[i], model[i - 1], sizeof model[i]);
        len[i] = len[i - 1];
        pym_object *older = pym_int_new(-i), *newer = pym_int_new(i);
        append_ok(lists[i - 1], older);
        model[i - 1][len[i - 1]++] = -i;
        append_ok(lists[i], newer);
        model[i][len[i]++] = i;
        pym_decref(older);
        pym_decref(newer);
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(pym_list_len(lists[i]), len[i]);
        for (size_t k = 0; k < len[i]; k++) assert_int_equal(int_at(lists[i], k), model[i][k]);
    }
    decref_all(N, lists);
}

/* ---- repr and equality ---------------------------------------------------- */

/* list_tests.py::CommonTest::test_repr. */
static void test_repr(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    assert_repr(l, "[]");
    for (int i = 0; i < 3; i++) {
        pym_object *v = pym_int_new(i);
        append_ok(l, v);
        pym_decref(v);
    }
    assert_repr(l, "[0, 1, 2]");
    append_ok(l, l);
    pym_object *three = pym_int_new(3);
    append_ok(l, three);
    assert_repr(l, "[0, 1, 2, [...], 3]");
    /* break the cycle by hand */
    assert_int_equal(pym_list_set(l, 3, three), 0);
    pym_decref(three);
    pym_decref(l);
}

static void test_repr_nested(void **state)
{
    (void)state;
    pym_object *s = pym_str_new("a");
    pym_object *one = pym_int_new(1), *two = pym_int_new(2);
    pym_object *inner = list_of(1, &two);
    pym_object *items[3] = {one, s, inner};
    pym_object *l = list_of(3, items);
    assert_repr(l, "[1, 'a', [2]]");
    pym_object *e = pym_list_new();
    append_ok(l, e);
    assert_repr(l, "[1, 'a', [2], []]");
    pym_decref(e);
    pym_decref(l);
    pym_decref(inner);
    pym_decref(s);
}

/* l = [l]: "[[...]]"; a copy of it shows the original inside. */
static void test_repr_self_containing(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    append_ok(l, l);
    assert_repr(l, "[[...]]");
    pym_object *c = pym_list_copy(l);
    assert_repr(c, "[[[...]]]");
    pym_object *one = pym_int_new(1);
    append_ok(l, one);
    assert_repr(l, "[[...], 1]");
    assert_repr(c, "[[[...], 1]]");
    pym_decref(c);
    pym_decref(l);
    assert_true(pym_gc_collect(2) >= 1);
}

/* Nesting prints in full; past the runtime's repr depth limit the result
 * is a RuntimeError (CPython: RecursionError, list_tests.py::CommonTest::
 * test_repr_deep) or a truncated string, never a crash. */
static void test_repr_deep(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    for (int i = 0; i < 50; i++) {
        pym_object *outer = list_of(1, &l);
        pym_decref(l);
        l = outer;
    }
    char expected[103];
    memset(expected, '[', 51);
    memset(expected + 51, ']', 51);
    expected[102] = '\0';
    assert_repr(l, expected);
    for (int i = 50; i < 5000; i++) {
        pym_object *outer = list_of(1, &l);
        pym_decref(l);
        l = outer;
    }
    pym_object *r = pym_repr(l);
    if (r == NULL) assert_error(PYM_ERR_RUNTIME, NULL);
    else pym_decref(r);
    pym_decref(l);
}

/* Equality: same length and itemwise pym_equal, identity counts. */
static void test_equal(void **state)
{
    (void)state;
    pym_object *f = pym_float_new(1.0), *i1 = pym_int_new(1);
    pym_object *inst = pym_instance_new("Foo");
    pym_object *a = list_of(1, &i1), *b = list_of(1, &f);
    assert_int_equal(pym_equal(a, b), 1);   /* [1] == [1.0] */
    append_ok(a, inst);
    assert_int_equal(pym_equal(a, b), 0);   /* lengths differ */
    pym_object *other = pym_instance_new("Foo");
    append_ok(b, other);
    assert_int_equal(pym_equal(a, b), 0);   /* different instances */
    assert_int_equal(pym_list_set(b, 1, inst), 0);
    assert_int_equal(pym_equal(a, b), 1);   /* the same instance */
    /* nested lists compare by value */
    pym_object *na = list_of(1, &a), *nb = list_of(1, &b);
    assert_int_equal(pym_equal(na, nb), 1);
    assert_int_equal(pym_list_set(b, 0, inst), 0);
    assert_int_equal(pym_equal(na, nb), 0);
    /* a list containing itself equals itself and its copies */
    append_ok(a, a);
    assert_int_equal(pym_equal(a, a), 1);
    pym_object *c = pym_list_copy(a);
    assert_int_equal(pym_equal(a, c), 1);  /* shared storage: identical items */
    append_ok(c, pym_none());
    pym_object *p = pym_list_pop(c, 3);     /* c now has private storage */
    pym_decref(p);
    assert_false(pym_list_shares_storage(a, c));
    assert_int_equal(pym_equal(a, c), 1);  /* itemwise: the same objects */
    pym_decref(c);
    p = pym_list_pop(a, 2);                 /* break a's self-reference */
    assert_ptr_equal(p, a);
    pym_decref(p);
    decref_all(8, (pym_object *[]){na, nb, a, b, f, i1, inst, other});
}

/* Two distinct self-containing lists recurse forever when compared: a
 * RuntimeError (Python's RecursionError), not a crash. */
static void test_equal_recursion_error(void **state)
{
    (void)state;
    pym_object *a = pym_list_new(), *b = pym_list_new();
    append_ok(a, a);
    append_ok(b, b);
    assert_int_equal(pym_equal(a, b), -1);
    assert_error(PYM_ERR_RUNTIME, NULL);
    pym_decref(a);
    pym_decref(b);
    pym_gc_collect(2);
}

/* Nested lists compare level by level: 500 levels are fine, 5000 distinct
 * levels exceed the nesting limit (RuntimeError, as Python raises
 * RecursionError). */
static void test_equal_deep(void **state)
{
    (void)state;
    pym_object *a = pym_list_new(), *b = pym_list_new();
    for (int i = 0; i < 5000; i++) {
        if (i == 500) assert_int_equal(pym_equal(a, b), 1);
        pym_object *oa = list_of(1, &a), *ob = list_of(1, &b);
        pym_decref(a);
        pym_decref(b);
        a = oa;
        b = ob;
    }
    assert_int_equal(pym_equal(a, b), -1);
    assert_error(PYM_ERR_RUNTIME, "maximum recursion depth exceeded in comparison");
    /* the nesting counter is back to zero afterwards */
    pym_object *none = pym_none();
    pym_object *x = list_of(1, &none), *y = list_of(1, &none);
    assert_int_equal(pym_equal(x, y), 1);
    decref_all(4, (pym_object *[]){a, b, x, y});
}

/* Item equality that empties the lists being compared must not crash
 * (test_list.py::ListTest::test_equal_operator_modifying_operand). */
static pym_object *eq_victims[2];
static int emptying_equal(pym_object *x, pym_object *y)
{
    (void)x;
    (void)y;
    for (int k = 0; k < 2; k++) {
        while (pym_list_len(eq_victims[k]) > 0) {
            pym_object *p = pym_list_pop(eq_victims[k], 0);
            pym_decref(p);
        }
    }
    return 1;
}
static const pym_type emptying_type = {
    .name = "emptying",
    .size = sizeof(pym_object),
    .equal = emptying_equal,
};

static void test_equal_operand_modified(void **state)
{
    (void)state;
    pym_object *x = pym_new(&emptying_type), *y = pym_new(&emptying_type);
    pym_object *one = pym_int_new(1);
    pym_object *a = list_of(1, &x), *b = list_of(1, &y);
    append_ok(a, one);
    append_ok(b, one);
    pym_decref(x);
    pym_decref(y);
    eq_victims[0] = a;
    eq_victims[1] = b;
    /* x and y die only after the comparison lets go of them */
    int eq = pym_equal(a, b);
    assert_true(eq == 0 || eq == 1);
    assert_int_equal(pym_list_len(a), 0);
    assert_int_equal(pym_list_len(b), 0);
    pym_decref(a);
    pym_decref(b);
}

/* ---- the collector, weakrefs, deep chains ------------------------------------ */

/* test_gc.py::GCTests::test_list: l.append(l); del l; gc.collect(). */
static void test_cycle_collected(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_gc_collect(2);
    pym_object *l = pym_list_new();
    append_ok(l, l);
    assert_int_equal(pym_refcount(l), 2);
    pym_decref(l);
    assert_int_equal(pym_live_objects(), live0 + 1);
    assert_int_equal(pym_gc_collect(2), 1);  /* the storage is not counted */
    assert_int_equal(pym_live_objects(), live0);
}

/* A cycle through a storage shared by two lists: the collector sees each
 * reference once.  While one list is referenced from outside, nothing is
 * collected. */
static void test_cycle_through_shared_storage(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *a = pym_list_new();
    append_ok(a, a);
    pym_object *b = pym_list_copy(a);   /* b = [a], sharing a's storage */
    pym_decref(a);
    pym_gc_collect(2);
    assert_int_equal(pym_live_objects(), live0 + 2);
    assert_true(pym_is_list(pym_list_get(b, 0)));
    assert_repr(b, "[[[...]]]");
    pym_decref(b);  /* b is in no cycle: freed at once; a waits for the collector */
    assert_int_equal(pym_live_objects(), live0 + 1);
    assert_int_equal(pym_gc_collect(2), 1);
    assert_int_equal(pym_live_objects(), live0);

    /* the same after un-sharing: two storages, one cycle */
    a = pym_list_new();
    append_ok(a, a);
    b = pym_list_copy(a);
    append_ok(b, b);
    assert_false(pym_list_shares_storage(a, b));
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_gc_collect(2), 2);
    assert_int_equal(pym_live_objects(), live0);
}

/* The storage is internal: introspection looks through it. */
static void test_gc_sees_items_not_storage(void **state)
{
    (void)state;
    pym_object *x = big(1), *y = big(2);
    pym_object *a = list_of(1, &x);
    append_ok(a, y);
    pym_object *b = pym_list_copy(a);
    pym_object *refs = pym_gc_get_referents(b);
    assert_non_null(refs);
    pym_object *both[2] = {x, y};
    assert_items(refs, 2, both);
    pym_decref(refs);
    pym_object *all = pym_gc_get_objects(-1);
    assert_non_null(all);
    for (size_t i = 0; i < pym_list_len(all); i++)
        assert_string_not_equal(pym_type_name(pym_list_get(all, i)), "list_storage");
    pym_decref(all);
    decref_all(4, (pym_object *[]){a, b, x, y});
}

static void test_weakref(void **state)
{
    (void)state;
    pym_object *l = pym_list_new();
    pym_object *wr = pym_weakref_new(l, NULL);
    assert_non_null(wr);
    pym_object *got = pym_weakref_get(wr);
    assert_ptr_equal(got, l);
    pym_decref(got);
    pym_decref(l);
    assert_null(pym_weakref_get(wr));
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_decref(wr);
}

static bool quick(void)
{
    const char *q = getenv("PYM_TEST_QUICK");
    return q != NULL && q[0] != '\0' && q[0] != '0';
}

/* l = [l] a million times, then drop it: destruction must not recurse
 * a million deep (test_gc.py::GCTests::test_trashcan, larger). */
static void test_deep_chain(void **state)
{
    (void)state;
    size_t n = quick() ? 100000 : 1000000;
    size_t live0 = pym_live_objects();
    pym_object *l = pym_list_new();
    for (size_t i = 0; i < n; i++) {
        pym_object *outer = pym_list_new();
        assert_non_null(outer);
        append_ok(outer, l);
        pym_decref(l);
        l = outer;
    }
    assert_int_equal(pym_live_objects(), live0 + n + 1);
    pym_decref(l);
    assert_int_equal(pym_live_objects(), live0);
}

/* The same chain built from copies (each level shares a storage with a
 * sibling that is then dropped). */
static void test_deep_chain_of_copies(void **state)
{
    (void)state;
    size_t n = quick() ? 20000 : 200000;
    pym_object *l = pym_list_new();
    for (size_t i = 0; i < n; i++) {
        pym_object *outer = pym_list_new();
        append_ok(outer, l);
        pym_decref(l);
        l = pym_list_copy(outer);
        pym_decref(outer);
    }
    pym_decref(l);
}

/* ---- out of memory ---------------------------------------------------------- */

typedef struct oom_ctx {
    pym_object *items[6];
    pym_object *a;        /* a prepared list, when the op needs one */
    pym_object *made;     /* what a successful op made */
} oom_ctx;

static void oom_ctx_init(oom_ctx *c, size_t with_list)
{
    memset(c, 0, sizeof *c);
    for (int i = 0; i < 6; i++) c->items[i] = big(i);
    if (with_list) c->a = list_of(with_list, c->items);
}

static void oom_ctx_fini(oom_ctx *c)
{
    pym_xdecref(c->a);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(pym_refcount(c->items[i]), 1);
        pym_decref(c->items[i]);
    }
}

static void undo_made(void *p)
{
    oom_ctx *c = p;
    pym_decref(c->made);
    c->made = NULL;
}

/* Creating a list and filling it. */
static int op_create(void *p)
{
    oom_ctx *c = p;
    pym_object *l = pym_list_new();
    if (l == NULL) return -1;
    for (int i = 0; i < 3; i++) {
        if (pym_list_append(l, c->items[i]) < 0) {
            assert_items(l, (size_t)i, c->items);
            pym_decref(l);
            return -1;
        }
    }
    c->made = l;
    return 0;
}

static void test_oom_create(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 0);
    assert_int_equal(pym_test_oom_loop(op_create, undo_made, &c), 2);
    oom_ctx_fini(&c);
}

/* Appending until the capacity must grow; a failed append loses nothing. */
static int op_append_grow(void *p)
{
    oom_ctx *c = p;
    pym_object *l = pym_list_new();
    if (l == NULL) return -1;
    for (size_t i = 0; i < 6; i++) {
        if (pym_list_append(l, c->items[i]) < 0) {
            assert_items(l, i, c->items);
            for (size_t k = 0; k < 6; k++)
                assert_int_equal(pym_refcount(c->items[k]), k < i ? 2 : 1);
            pym_decref(l);
            return -1;
        }
    }
    assert_items(l, 6, c->items);
    c->made = l;
    return 0;
}

static void test_oom_append_growth(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 0);
    /* list, storage (items inline), and the array past 4 items */
    assert_int_equal(pym_test_oom_loop(op_append_grow, undo_made, &c), 3);
    oom_ctx_fini(&c);
}

/* Inserting at the front until the capacity must grow. */
static int op_insert_grow(void *p)
{
    oom_ctx *c = p;
    pym_object *l = pym_list_new();
    if (l == NULL) return -1;
    for (size_t i = 0; i < 6; i++) {
        if (pym_list_insert(l, 0, c->items[i]) < 0) {
            assert_int_equal(pym_list_len(l), i);
            for (size_t k = 0; k < i; k++)
                assert_ptr_equal(pym_list_get(l, k), c->items[i - 1 - k]);
            pym_decref(l);
            return -1;
        }
    }
    c->made = l;
    return 0;
}

static void test_oom_insert(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 0);
    assert_int_equal(pym_test_oom_loop(op_insert_grow, undo_made, &c), 3);
    oom_ctx_fini(&c);
}

/* Checks that `b` is still an untouched copy of c->a (3 items). */
static void assert_untouched_copy(oom_ctx *c, pym_object *b)
{
    assert_true(pym_list_shares_storage(c->a, b));
    assert_items(b, 3, c->items);
    assert_items(c->a, 3, c->items);
    for (size_t k = 0; k < 6; k++) assert_int_equal(pym_refcount(c->items[k]), k < 3 ? 2 : 1);
}

/* Writing to a copy: the materialisation can fail and must lose nothing. */
static int op_set_shared(void *p)
{
    oom_ctx *c = p;
    pym_object *b = pym_list_copy(c->a);
    if (b == NULL) return -1;
    if (pym_list_set(b, 1, c->items[5]) < 0) {
        assert_untouched_copy(c, b);
        pym_decref(b);
        return -1;
    }
    assert_false(pym_list_shares_storage(c->a, b));
    assert_ptr_equal(pym_list_get(b, 1), c->items[5]);
    assert_ptr_equal(pym_list_get(c->a, 1), c->items[1]);
    c->made = b;
    return 0;
}

static void test_oom_set_shared(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 3);
    /* the copy and its private storage (3 items fit inline) */
    assert_int_equal(pym_test_oom_loop(op_set_shared, undo_made, &c), 2);
    oom_ctx_fini(&c);
}

static int op_insert_shared(void *p)
{
    oom_ctx *c = p;
    pym_object *b = pym_list_copy(c->a);
    if (b == NULL) return -1;
    if (pym_list_insert(b, 1, c->items[5]) < 0) {
        assert_untouched_copy(c, b);
        pym_decref(b);
        return -1;
    }
    assert_int_equal(pym_list_len(b), 4);
    assert_int_equal(pym_list_len(c->a), 3);
    c->made = b;
    return 0;
}

static void test_oom_insert_shared(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 3);
    /* the copy and its private storage (with an array: 4 items + spare) */
    assert_int_equal(pym_test_oom_loop(op_insert_shared, undo_made, &c), 3);
    oom_ctx_fini(&c);
}

/* pop from a copy must copy the storage first; failure pops nothing. */
static int op_pop_shared(void *p)
{
    oom_ctx *c = p;
    pym_object *b = pym_list_copy(c->a);
    if (b == NULL) return -1;
    pym_object *v = pym_list_pop(b, 0);
    if (v == NULL) {
        assert_untouched_copy(c, b);
        pym_decref(b);
        return -1;
    }
    assert_ptr_equal(v, c->items[0]);
    pym_decref(v);
    assert_int_equal(pym_list_len(b), 2);
    assert_items(c->a, 3, c->items);
    c->made = b;
    return 0;
}

static void test_oom_pop_shared(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 3);
    assert_int_equal(pym_test_oom_loop(op_pop_shared, undo_made, &c), 2);
    oom_ctx_fini(&c);
}

static int op_copy(void *p)
{
    oom_ctx *c = p;
    pym_object *b = pym_list_copy(c->a);
    if (b == NULL) {
        assert_items(c->a, 3, c->items);
        return -1;
    }
    assert_true(pym_list_shares_storage(c->a, b));
    c->made = b;
    return 0;
}

static void test_oom_copy(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 3);
    assert_int_equal(pym_test_oom_loop(op_copy, undo_made, &c), 1);  /* O(1): one block */
    oom_ctx_fini(&c);
}

static int op_repr(void *p)
{
    oom_ctx *c = p;
    pym_object *r = pym_repr(c->a);
    if (r == NULL) return -1;
    assert_string_equal(pym_str_cstr(r), "[100000, 100001, 100002]");
    c->made = r;
    return 0;
}

static void test_oom_repr(void **state)
{
    (void)state;
    oom_ctx c;
    oom_ctx_init(&c, 3);
    assert_true(pym_test_oom_loop(op_repr, undo_made, &c) >= 1);
    oom_ctx_fini(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_new_is_a_new_object),
        PYM_TEST(test_append_get_len),
        PYM_TEST(test_is_list),
        PYM_TEST(test_index_errors),
        PYM_TEST(test_type_errors),
        PYM_TEST(test_null_item),
        PYM_TEST(test_unhashable),
        PYM_TEST(test_item_refcounts),
        PYM_TEST(test_list_keeps_items_alive),
        PYM_TEST(test_set_releases_old_item_last),
        PYM_TEST(test_insert),
        PYM_TEST(test_insert_front_many),
        PYM_TEST(test_pop),
        PYM_TEST(test_grow_and_shrink),
        PYM_TEST(test_aliasing),
        PYM_TEST(test_copy_shares_storage),
        PYM_TEST(test_copy_write_to_copy),
        PYM_TEST(test_copy_write_to_original),
        PYM_TEST(test_copy_insert_and_pop),
        PYM_TEST(test_copy_chains),
        PYM_TEST(test_copy_empty),
        PYM_TEST(test_copy_many),
        PYM_TEST(test_repr),
        PYM_TEST(test_repr_nested),
        PYM_TEST(test_repr_self_containing),
        PYM_TEST(test_repr_deep),
        PYM_TEST(test_equal),
        PYM_TEST(test_equal_recursion_error),
        PYM_TEST(test_equal_deep),
        PYM_TEST(test_equal_operand_modified),
        PYM_TEST(test_cycle_collected),
        PYM_TEST(test_cycle_through_shared_storage),
        PYM_TEST(test_gc_sees_items_not_storage),
        PYM_TEST(test_weakref),
        PYM_TEST(test_deep_chain),
        PYM_TEST(test_deep_chain_of_copies),
        PYM_OOM_TEST(test_oom_create),
        PYM_OOM_TEST(test_oom_append_growth),
        PYM_OOM_TEST(test_oom_insert),
        PYM_OOM_TEST(test_oom_set_shared),
        PYM_OOM_TEST(test_oom_insert_shared),
        PYM_OOM_TEST(test_oom_pop_shared),
        PYM_OOM_TEST(test_oom_copy),
        PYM_OOM_TEST(test_oom_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
