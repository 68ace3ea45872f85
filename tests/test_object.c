/* test_object.c: what every object has (runtime/object.c, protocol.c,
 * lifecycle.c): reference counts, identity, type names, live-object
 * accounting, run-time immortality (pym_immortalize) across pym_fini, the
 * runtime's lifecycle, and the generic protocol (pym_equal, pym_hash,
 * pym_repr, pym_call) on built-in and user types. */
#include <stdio.h>

#include "support/pym_test.h"

/* ---- helper types ---------------------------------------------------------- */

/* A plain object that counts its destroys. */
typedef struct counted {
    PYM_OBJECT_HEAD
    int tag;
} counted;
static int counted_destroyed;
static void counted_destroy(pym_object *self)
{
    (void)self;
    counted_destroyed++;
}
static const pym_type counted_type = {
    .name = "counted",
    .size = sizeof(counted),
    .destroy = counted_destroy,
};
static const pym_type counted_gc_type = {
    .name = "counted_gc",
    .size = sizeof(counted),
    .flags = PYM_TYPE_GC,
    .destroy = counted_destroy,
};

/* Holds one reference; records whether what it holds was freed first.
 * `watched` objects note the live count when destroyed: if it dropped
 * by the time the holder lets go, the item's memory is already gone
 * (nothing else is freed in between in the tests that use this). */
typedef struct holder {
    PYM_OBJECT_HEAD
    pym_object *item;
} holder;
static int holder_destroyed;
static int holder_saw_freed_item;
static pym_object *watched_item;
static int watched_destroyed;
static size_t live_at_watched_destroy;
static void holder_destroy(pym_object *self)
{
    holder *h = (holder *)self;
    holder_destroyed++;
    pym_object *item = h->item;
    h->item = NULL;
    if (item == watched_item && watched_destroyed &&
        pym_live_objects() < live_at_watched_destroy) {
        holder_saw_freed_item++;
        return;  /* do not touch freed memory */
    }
    pym_xdecref(item);
}
static const pym_type holder_type = {
    .name = "holder",
    .size = sizeof(holder),
    .destroy = holder_destroy,
};

static void watched_destroy(pym_object *self)
{
    if (self != watched_item) return;
    watched_destroyed++;
    live_at_watched_destroy = pym_live_objects();
}
static const pym_type watched_type = {
    .name = "watched",
    .size = sizeof(counted),
    .destroy = watched_destroy,
};

/* A type with every protocol slot, comparing and hashing by `tag`. */
static int calls_seen;
static pym_object *last_args;
static pym_object *valued_call(pym_object *self, pym_object *args)
{
    calls_seen++;
    last_args = args;
    return pym_incref(self);
}
static pym_object *valued_repr(pym_object *self)
{
    return pym_str_from_format("valued(%d)", ((counted *)self)->tag);
}
static int valued_equal(pym_object *a, pym_object *b)
{
    return ((counted *)a)->tag == ((counted *)b)->tag;
}
static int valued_hash(pym_object *self, int64_t *out)
{
    *out = ((counted *)self)->tag * 31;
    return 0;
}
static const pym_type valued_type = {
    .name = "valued",
    .size = sizeof(counted),
    .call = valued_call,
    .repr = valued_repr,
    .equal = valued_equal,
    .hash = valued_hash,
};
/* Equality without a hash: unhashable, like a Python class defining only
 * __eq__ (its __hash__ becomes None). */
static const pym_type eq_only_type = {
    .name = "eq_only",
    .size = sizeof(counted),
    .equal = valued_equal,
};
/* Slots that fail. */
static pym_object *failing_repr(pym_object *self)
{
    (void)self;
    pym_err_set(PYM_ERR_VALUE, "repr failed");
    return NULL;
}
static int failing_equal(pym_object *a, pym_object *b)
{
    (void)a;
    (void)b;
    pym_err_set(PYM_ERR_VALUE, "eq failed");
    return -1;
}
static int failing_hash(pym_object *self, int64_t *out)
{
    (void)self;
    (void)out;
    pym_err_set(PYM_ERR_VALUE, "hash failed");
    return -1;
}
static const pym_type failing_type = {
    .name = "failing",
    .size = sizeof(counted),
    .repr = failing_repr,
    .equal = failing_equal,
    .hash = failing_hash,
};

/* A repr that asks for its own repr: unbounded recursion in the type. */
static int repr_depth_seen;
static pym_object *recursive_repr(pym_object *self)
{
    repr_depth_seen++;
    return pym_repr(self);
}
static const pym_type recursive_type = {
    .name = "recursive",
    .size = sizeof(counted),
    .repr = recursive_repr,
};

static pym_object *new_tagged(const pym_type *t, int tag)
{
    pym_object *o = pym_new(t);
    assert_non_null(o);
    ((counted *)o)->tag = tag;
    return o;
}

static void reset_counters(void)
{
    counted_destroyed = holder_destroyed = holder_saw_freed_item = 0;
    live_at_watched_destroy = 0;
    watched_destroyed = 0;
    watched_item = NULL;
    calls_seen = 0;
    last_args = NULL;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---- reference counts and identity ------------------------------------------- */

static void test_refcount_follows_references(void **state)
{
    (void)state;
    pym_object *o = pym_int_new(1000);
    assert_int_equal(pym_refcount(o), 1);
    assert_true(pym_incref(o) == o);
    assert_int_equal(pym_refcount(o), 2);
    pym_object *l = pym_list_new();
    assert_int_equal(pym_list_append(l, o), 0);
    assert_int_equal(pym_list_append(l, o), 0);
    assert_int_equal(pym_refcount(o), 4);
    pym_decref(o);
    assert_int_equal(pym_refcount(o), 3);
    pym_decref(l);  /* the list's two references go with it */
    assert_int_equal(pym_refcount(o), 1);
    pym_decref(o);
}

static void test_xincref_xdecref(void **state)
{
    (void)state;
    pym_xincref(NULL);
    pym_xdecref(NULL);
    size_t live0 = pym_live_objects();
    pym_object *o = pym_float_new(2.0);
    assert_non_null(o);
    if (o == NULL) return;  /* tells the compiler too (cmocka's assert is not noreturn) */
    pym_xincref(o);
    assert_int_equal(pym_refcount(o), 2);
    pym_xdecref(o);
    assert_int_equal(pym_refcount(o), 1);
    pym_xdecref(o);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_identity(void **state)
{
    (void)state;
    pym_object *a = pym_float_new(1.0), *b = pym_float_new(1.0);
    assert_true(pym_is(a, a));
    assert_false(pym_is(a, b));
    assert_true(pym_id(a) == (uintptr_t)a);
    assert_true(pym_id(a) != pym_id(b));
    assert_true(pym_type_of(a) == pym_type_of(b));
    assert_true(pym_type_of(a) != pym_type_of(pym_int_new(1)));
    assert_string_equal(pym_type_name(a), "float");
    pym_decref(a);
    pym_decref(b);
}

static void test_type_names(void **state)
{
    (void)state;
    pym_object *objs[] = {pym_int_new(5), pym_float_new(0.5), pym_true(), pym_none(),
                          pym_str_new("x"), pym_list_new(), pym_dict_new(),
                          pym_tuple_new(0, NULL), new_tagged(&counted_type, 1)};
    const char *names[] = {"int", "float", "bool", "NoneType", "str", "list", "dict", "tuple",
                           "counted"};
    for (size_t i = 0; i < sizeof objs / sizeof objs[0]; i++) {
        assert_non_null(objs[i]);
        assert_string_equal(pym_type_name(objs[i]), names[i]);
        pym_decref(objs[i]);
    }
}

static void test_live_objects_accounting(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_object *objs[100];
    for (int i = 0; i < 100; i++) {
        objs[i] = i % 2 ? pym_int_new(1000 + i) : pym_float_new(i);
        assert_int_equal(pym_live_objects(), live0 + (size_t)i + 1);
    }
    for (int i = 99; i >= 0; i--) {
        pym_decref(objs[i]);
        assert_int_equal(pym_live_objects(), live0 + (size_t)i);
    }
}

static void test_mode(void **state)
{
    (void)state;
    const char *m = pym_mode();
    assert_non_null(m);
#if defined(PYM_BACKEND_BOEHM)
    assert_string_equal(m, "boehm");
#elif defined(PYM_MODE_ATOMIC)
    assert_string_equal(m, "atomic");
#elif defined(PYM_MODE_BIASED)
    assert_string_equal(m, "biased");
#else
    assert_string_equal(m, "gil");
#endif
}

/* ---- lifecycle ------------------------------------------------------------------ */

static void test_init_is_idempotent(void **state)
{
    (void)state;
    pym_object *o = pym_int_new(1000);
    size_t live0 = pym_live_objects();
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), live0);
    assert_int_equal(pym_int_value(o), 1000);
    assert_int_equal(pym_refcount(o), 1);
    pym_decref(o);
}

/* pym_fini frees everything, and the runtime can start again: several
 * rounds, each using objects of every core kind. */
static void test_fini_init_rounds(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    for (int round = 0; round < 3; round++) {
        pym_object *i = pym_int_new(1000), *f = pym_float_new(0.25);
        pym_object *inst = pym_instance_new("Round");
        assert_int_equal(pym_setattr(inst, "i", i), 0);
        pym_decref(i);
        pym_decref(f);
        pym_decref(inst);
        pym_fini();
        assert_int_equal(pym_init(), 0);
        assert_int_equal(pym_live_objects(), live0);
        assert_true(pym_is(pym_int_new(7), pym_int_new(7)));
        assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    }
}

/* ---- run-time immortality ----------------------------------------------------- */

static void test_immortalize(void **state)
{
    (void)state;
    reset_counters();
    size_t live0 = pym_live_objects();
    pym_object *o = new_tagged(&counted_type, 1);
    pym_incref(o);
    pym_incref(o);
    pym_immortalize(o);
    assert_true(pym_is_immortal(o));
    assert_true(pym_refcount(o) == PYM_IMMORTAL_REFCOUNT);
    for (int i = 0; i < 1000; i++) pym_decref(o);
    pym_incref(o);
    assert_true(pym_refcount(o) == PYM_IMMORTAL_REFCOUNT);
    assert_int_equal(counted_destroyed, 0);
    /* Still allocated, so still counted, until pym_fini frees it. */
    assert_int_equal(pym_live_objects(), live0 + 1);
    pym_immortalize(o);  /* twice is harmless */
    pym_fini();
    assert_int_equal(counted_destroyed, 1);
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), live0);
    assert_int_equal(counted_destroyed, 1);
}

static void test_immortalize_gc_object(void **state)
{
    (void)state;
    reset_counters();
    size_t live0 = pym_live_objects();
    pym_object *o = new_tagged(&counted_gc_type, 2);
    assert_true(pym_gc_is_tracked(o));
    pym_immortalize(o);
    assert_true(pym_is_immortal(o));
    assert_false(pym_gc_is_tracked(o));  /* the collector can ignore it */
    pym_decref(o);
    pym_gc_collect(2);
    assert_int_equal(counted_destroyed, 0);
    pym_fini();
    assert_int_equal(counted_destroyed, 1);
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), live0);
}

/* What an immortal references stays alive until pym_fini, then goes too. */
static void test_immortal_keeps_referents_alive(void **state)
{
    (void)state;
    reset_counters();
    size_t live0 = pym_live_objects();
    pym_object *item = new_tagged(&counted_type, 3);
    holder *h = (holder *)pym_new(&holder_type);
    assert_non_null(h);
    h->item = pym_incref(item);
    pym_immortalize(&h->ob_base);
    pym_decref(&h->ob_base);
    pym_decref(item);
    assert_int_equal(pym_refcount(item), 1);
    assert_int_equal(counted_destroyed, 0);
    assert_int_equal(pym_live_objects(), live0 + 2);
    pym_fini();
    assert_int_equal(holder_destroyed, 1);
    assert_int_equal(counted_destroyed, 1);
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_immortalize_static_singletons_is_noop(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    pym_immortalize(pym_none());
    pym_immortalize(pym_true());
    pym_immortalize(pym_int_new(42));
    assert_true(pym_is_immortal(pym_int_new(42)));
    pym_fini();
    assert_int_equal(pym_init(), 0);
    assert_true(pym_is_immortal(pym_none()));
    assert_true(pym_is_immortal(pym_int_new(42)));
    assert_int_equal(pym_int_value(pym_int_new(42)), 42);
    assert_int_equal(pym_live_objects(), live0);
}

/* Immortals that reference one another, made immortal in either order:
 * at pym_fini none is freed while another still refers to it (every
 * run-time immortal is destroyed before any memory is returned).  The
 * holder's destroy notices an item already freed and then skips its
 * decref, so a regression fails cleanly instead of touching freed
 * memory. */
static void test_immortals_referencing_each_other(void **state)
{
    (void)state;
    for (int holder_first = 0; holder_first < 2; holder_first++) {
        reset_counters();
        size_t live0 = pym_live_objects();
        holder *h = (holder *)pym_new(&holder_type);
        assert_non_null(h);
        pym_object *x = pym_new(&watched_type);
        assert_non_null(x);
        watched_item = x;
        h->item = pym_incref(x);
        if (holder_first) pym_immortalize(&h->ob_base);
        pym_immortalize(x);
        if (!holder_first) pym_immortalize(&h->ob_base);
        pym_decref(x);
        pym_decref(&h->ob_base);
        assert_int_equal(pym_live_objects(), live0 + 2);
        pym_fini();
        int saw_freed = holder_saw_freed_item;
        int destroyed = holder_destroyed + watched_destroyed;
        assert_int_equal(pym_init(), 0);
        reset_counters();
        assert_int_equal(saw_freed, 0);
        assert_int_equal(destroyed, 2);
        assert_int_equal(pym_live_objects(), live0);
    }
}

/* ---- generic protocol: equality and hashing ------------------------------- */

/* Unhashable containers: "TypeError: unhashable type: 'list'" (CPython:
 * test_hash.py::HashInheritanceTestCase::test_not_hashable). */
static void test_unhashable_builtins(void **state)
{
    (void)state;
    pym_object *l = pym_list_new(), *d = pym_dict_new();
    int64_t h = 12345;
    assert_int_equal(pym_hash(l, &h), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_equal(pym_err_message(), "unhashable type: 'list'");
    pym_err_clear();
    assert_int_equal(pym_hash(d, &h), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_equal(pym_err_message(), "unhashable type: 'dict'");
    pym_err_clear();
    pym_decref(l);
    pym_decref(d);
}

/* object.__hash__: identity-based, stable for the object's life. */
static void test_identity_hash(void **state)
{
    (void)state;
    pym_object *a = pym_instance_new("A"), *b = pym_instance_new("A");
    pym_object *c = new_tagged(&counted_type, 0);
    int64_t ha1, ha2, hb, hc;
    assert_int_equal(pym_hash(a, &ha1), 0);
    assert_int_equal(pym_hash(a, &ha2), 0);
    assert_int_equal(pym_hash(b, &hb), 0);
    assert_int_equal(pym_hash(c, &hc), 0);
    assert_true(ha1 == ha2);
    assert_true(ha1 != hb);
    assert_true(ha1 != -1 && hb != -1 && hc != -1);
    assert_int_equal(pym_equal(a, a), 1);
    assert_int_equal(pym_equal(a, b), 0);
    assert_int_equal(pym_equal(c, c), 1);
    assert_int_equal(pym_equal(a, c), 0);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
}

static void test_user_equal_and_hash_slots(void **state)
{
    (void)state;
    pym_object *a = new_tagged(&valued_type, 7), *b = new_tagged(&valued_type, 7);
    pym_object *c = new_tagged(&valued_type, 8);
    assert_int_equal(pym_equal(a, b), 1);
    assert_int_equal(pym_equal(a, c), 0);
    int64_t h;
    assert_int_equal(pym_hash(a, &h), 0);
    assert_true(h == 7 * 31);
    /* Different types never compare equal through a slot. */
    pym_object *e = new_tagged(&eq_only_type, 7);
    assert_int_equal(pym_equal(a, e), 0);
    assert_int_equal(pym_equal(e, a), 0);
    assert_int_equal(pym_equal(a, pym_int_new(7)), 0);
    /* __eq__ without __hash__: unhashable, named by the type. */
    assert_int_equal(pym_hash(e, &h), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_equal(pym_err_message(), "unhashable type: 'eq_only'");
    pym_err_clear();
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    pym_decref(e);
}

static void test_failing_slots_propagate(void **state)
{
    (void)state;
    pym_object *a = new_tagged(&failing_type, 1), *b = new_tagged(&failing_type, 2);
    int64_t h;
    assert_int_equal(pym_equal(a, b), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    assert_string_equal(pym_err_message(), "eq failed");
    pym_err_clear();
    assert_int_equal(pym_hash(a, &h), -1);
    assert_string_equal(pym_err_message(), "hash failed");
    pym_err_clear();
    assert_null(pym_repr(a));
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    assert_string_equal(pym_err_message(), "repr failed");
    pym_err_clear();
    pym_decref(a);
    pym_decref(b);
}

static void test_protocol_null_arguments(void **state)
{
    (void)state;
    int64_t h;
    assert_int_equal(pym_equal(NULL, pym_none()), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_equal(pym_none(), NULL), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(pym_hash(NULL, &h), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_null(pym_call(NULL, NULL));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
}

/* ---- generic protocol: repr ------------------------------------------------------- */

/* object.__repr__: "<name object at 0x...>" (CPython prints the module
 * too: "<__main__.Foo object at 0x7f...>"). */
static void test_default_repr(void **state)
{
    (void)state;
    pym_object *o = new_tagged(&counted_type, 0);
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    char expected[64];
    snprintf(expected, sizeof expected, "<counted object at %p>", (void *)o);
    assert_string_equal(pym_str_cstr(r), expected);
    assert_true(starts_with(pym_str_cstr(r), "<counted object at 0x"));
    pym_decref(r);
    pym_decref(o);
}

static void test_user_repr_slot(void **state)
{
    (void)state;
    pym_object *o = new_tagged(&valued_type, 42);
    pym_object *r = pym_repr(o);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), "valued(42)");
    assert_int_equal(pym_refcount(r), 1);
    pym_decref(r);
    pym_decref(o);
}

/* Runaway recursion through repr ends in an error, not a crashed stack
 * (CPython: RecursionError, test_exceptions.py::ExceptionTests::
 * testInfiniteRecursion); afterwards repr works normally again. */
static void test_repr_recursion_limited(void **state)
{
    (void)state;
    repr_depth_seen = 0;
    pym_object *o = new_tagged(&recursive_type, 0);
    assert_null(pym_repr(o));
    assert_int_equal(pym_err_occurred(), PYM_ERR_RUNTIME);
    assert_true(repr_depth_seen > 10);
    pym_err_clear();
    pym_object *v = new_tagged(&valued_type, 5);
    pym_object *r = pym_repr(v);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), "valued(5)");
    pym_decref(r);
    pym_decref(v);
    pym_decref(o);
}

/* ---- generic protocol: call --------------------------------------------------- */

/* CPython: "TypeError: 'int' object is not callable". */
static void test_call_not_callable(void **state)
{
    (void)state;
    pym_object *i = pym_int_new(1000);
    assert_null(pym_call(i, NULL));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_equal(pym_err_message(), "'int' object is not callable");
    pym_err_clear();
    pym_object *c = new_tagged(&counted_type, 0);
    assert_null(pym_call(c, NULL));
    assert_string_equal(pym_err_message(), "'counted' object is not callable");
    pym_err_clear();
    assert_null(pym_call(pym_none(), NULL));
    assert_string_equal(pym_err_message(), "'NoneType' object is not callable");
    pym_err_clear();
    assert_int_equal(pym_refcount(i), 1);
    pym_decref(i);
    pym_decref(c);
}

static void test_call_args(void **state)
{
    (void)state;
    reset_counters();
    pym_object *f = new_tagged(&valued_type, 1);
    /* NULL args: called with the empty tuple. */
    pym_object *r = pym_call(f, NULL);
    assert_true(r == f);
    pym_decref(r);
    assert_int_equal(calls_seen, 1);
    assert_non_null(last_args);
    assert_true(pym_is_tuple(last_args));
    assert_int_equal(pym_tuple_len(last_args), 0);

    pym_object *t = pym_tuple_pack(2, pym_int_new(1), pym_none());
    r = pym_call(f, t);
    assert_true(last_args == t);
    pym_decref(r);

    /* Arguments that are not a tuple: TypeError, the callable not called. */
    pym_object *l = pym_list_new();
    assert_null(pym_call(f, l));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_null(pym_call(f, pym_int_new(3)));
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
    assert_int_equal(calls_seen, 2);
    assert_int_equal(pym_refcount(f), 1);
    assert_int_equal(pym_refcount(t), 1);
    pym_decref(l);
    pym_decref(t);
    pym_decref(f);
}

/* ---- out of memory -------------------------------------------------------------- */

static int op_default_repr(void *ctx)
{
    pym_object **slots = ctx;
    pym_object *r = pym_repr(slots[1]);
    if (r == NULL) return -1;
    slots[0] = r;
    return 0;
}

static void undo_slot(void *ctx)
{
    pym_object **slot = ctx;
    pym_decref(*slot);
    *slot = NULL;
}

static void test_oom_default_repr(void **state)
{
    (void)state;
    pym_object *slots[2] = {NULL, NULL};
    slots[1] = pym_new(&counted_type);
    assert_non_null(slots[1]);
    assert_true(pym_test_oom_loop(op_default_repr, undo_slot, slots) >= 1);
    pym_decref(slots[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_refcount_follows_references),
        PYM_TEST(test_xincref_xdecref),
        PYM_TEST(test_identity),
        PYM_TEST(test_type_names),
        PYM_TEST(test_live_objects_accounting),
        PYM_TEST(test_mode),
        PYM_TEST(test_init_is_idempotent),
        PYM_TEST(test_fini_init_rounds),
        PYM_TEST(test_immortalize),
        PYM_TEST(test_immortalize_gc_object),
        PYM_TEST(test_immortal_keeps_referents_alive),
        PYM_TEST(test_immortalize_static_singletons_is_noop),
        PYM_TEST(test_immortals_referencing_each_other),
        PYM_TEST(test_unhashable_builtins),
        PYM_TEST(test_identity_hash),
        PYM_TEST(test_user_equal_and_hash_slots),
        PYM_TEST(test_failing_slots_propagate),
        PYM_TEST(test_protocol_null_arguments),
        PYM_TEST(test_default_repr),
        PYM_TEST(test_user_repr_slot),
        PYM_TEST(test_repr_recursion_limited),
        PYM_TEST(test_call_not_callable),
        PYM_TEST(test_call_args),
        PYM_OOM_TEST(test_oom_default_repr),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
