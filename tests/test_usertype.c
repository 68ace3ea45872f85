/* test_usertype.c: user-defined types through pym_new (runtime/object.c):
 * birth, destroy at the instant of the last decref, finalizers that run
 * once (also when they resurrect their object), GC types collected in
 * cycles, the trashcan that destroys million-long chains without deep
 * recursion, size validation, and out-of-memory behaviour. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "support/pym_test.h"

/* ---- event log -------------------------------------------------------------- */

/* Every finalize appends 'F', every destroy 'D', every clear 'C'. */
static char events[64];
static size_t n_events;
static size_t n_destroyed, n_finalized, n_cleared;
static int64_t refcount_in_destroy, refcount_in_finalize;
static pym_error error_in_finalize;

static void note(char c)
{
    if (n_events + 1 < sizeof events) events[n_events++] = c;
    events[n_events] = '\0';
}

static void reset(void)
{
    n_events = 0;
    events[0] = '\0';
    n_destroyed = n_finalized = n_cleared = 0;
    refcount_in_destroy = refcount_in_finalize = -100;
    error_in_finalize = PYM_ERR_NONE;
}

/* ---- the types -------------------------------------------------------------- */

typedef struct node {
    PYM_OBJECT_HEAD
    pym_object *next;
    int64_t payload[2];
} node;

static int node_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((node *)self)->next);
    return 0;
}

static void node_clear(pym_object *self)
{
    node *n = (node *)self;
    pym_object *next = n->next;
    n->next = NULL;
    n_cleared++;
    note('C');
    pym_xdecref(next);
}

/* Releases `next` itself: destroy must not assume clear ran. */
static void node_destroy(pym_object *self)
{
    node *n = (node *)self;
    n_destroyed++;
    note('D');
    refcount_in_destroy = pym_refcount(self);
    pym_object *next = n->next;
    n->next = NULL;
    pym_xdecref(next);
}

/* What a finalizer does, chosen by the test. */
enum { FIN_NOTHING, FIN_RESURRECT, FIN_RAISE };
static int fin_action;
static pym_object *resurrected;  /* where FIN_RESURRECT stores its object */

static void node_finalize(pym_object *self)
{
    n_finalized++;
    note('F');
    refcount_in_finalize = pym_refcount(self);
    error_in_finalize = pym_err_occurred();
    if (fin_action == FIN_RESURRECT) resurrected = pym_incref(self);
    if (fin_action == FIN_RAISE) pym_err_set(PYM_ERR_VALUE, "raised in a finalizer");
}

static const pym_type plain_type = {
    .name = "plain",
    .size = sizeof(node),
    .destroy = node_destroy,
};
static const pym_type gc_type = {
    .name = "gcnode",
    .size = sizeof(node),
    .flags = PYM_TYPE_GC,
    .traverse = node_traverse,
    .clear = node_clear,
    .destroy = node_destroy,
};
static const pym_type fin_type = {
    .name = "finnode",
    .size = sizeof(node),
    .finalize = node_finalize,
    .destroy = node_destroy,
};
static const pym_type fin_gc_type = {
    .name = "fingcnode",
    .size = sizeof(node),
    .flags = PYM_TYPE_GC,
    .traverse = node_traverse,
    .clear = node_clear,
    .finalize = node_finalize,
    .destroy = node_destroy,
};
static const pym_type weak_gc_type = {
    .name = "weakgcnode",
    .size = sizeof(node),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = node_traverse,
    .clear = node_clear,
    .destroy = node_destroy,
};
static const pym_type weak_plain_type = {
    .name = "weakplain",
    .size = sizeof(node),
    .flags = PYM_TYPE_WEAKREFABLE,
    .destroy = node_destroy,
};
static const pym_type bare_type = {.name = "bare", .size = sizeof(pym_object)};
static const pym_type too_small_type = {.name = "too_small", .size = sizeof(pym_object) - 1};
static const pym_type zero_size_type = {.name = "zero_size", .size = 0};

static node *new_node(const pym_type *t, pym_object *next)
{
    node *n = (node *)pym_new(t);
    assert_non_null(n);
    n->next = next ? pym_incref(next) : NULL;
    return n;
}

static size_t chain_length(void)
{
    const char *q = getenv("PYM_TEST_QUICK");
    return q != NULL && *q != '\0' && strcmp(q, "0") != 0 ? 100000 : 1000000;
}

/* ---- birth and death -------------------------------------------------------- */

static void test_new_plain(void **state)
{
    (void)state;
    reset();
    size_t live0 = pym_live_objects();
    node *n = (node *)pym_new(&plain_type);
    assert_non_null(n);
    assert_null(n->next);  /* zero-filled */
    assert_true(n->payload[0] == 0 && n->payload[1] == 0);
    pym_object *o = &n->ob_base;
    assert_int_equal(pym_refcount(o), 1);
    assert_false(pym_is_immortal(o));
    assert_true(pym_type_of(o) == &plain_type);
    assert_string_equal(pym_type_name(o), "plain");
    assert_false(pym_gc_is_tracked(o));
    assert_int_equal(pym_live_objects(), live0 + 1);
    pym_incref(o);
    pym_decref(o);
    assert_int_equal(n_destroyed, 0);
    pym_decref(o);
    assert_int_equal(n_destroyed, 1);  /* at once, not later */
    assert_int_equal(refcount_in_destroy, 0);
    assert_int_equal(pym_live_objects(), live0);
    assert_string_equal(events, "D");
}

static void test_new_gc(void **state)
{
    (void)state;
    reset();
    size_t live0 = pym_live_objects();
    node *n = new_node(&gc_type, NULL);
    pym_object *o = &n->ob_base;
    assert_true(pym_gc_is_tracked(o));
    assert_false(pym_gc_is_finalized(o));
    assert_int_equal(pym_live_objects(), live0 + 1);
    pym_decref(o);
    /* Refcounting destroys GC objects too, without a collection. */
    assert_int_equal(n_destroyed, 1);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_header_only_and_weakrefable_types(void **state)
{
    (void)state;
    reset();
    size_t live0 = pym_live_objects();
    pym_object *b = pym_new(&bare_type);
    assert_non_null(b);
    assert_string_equal(pym_type_name(b), "bare");
    node *w = new_node(&weak_gc_type, b);
    node *p = new_node(&weak_plain_type, &w->ob_base);
    assert_int_equal(pym_refcount(b), 2);
    assert_true(pym_gc_is_tracked(&w->ob_base));
    assert_false(pym_gc_is_tracked(&p->ob_base));
    pym_decref(b);
    pym_decref(&w->ob_base);
    assert_int_equal(n_destroyed, 0);
    pym_decref(&p->ob_base);
    assert_int_equal(n_destroyed, 2);
    assert_int_equal(pym_live_objects(), live0);
}

/* A type whose size cannot hold the header is refused. */
static void test_new_too_small(void **state)
{
    (void)state;
    size_t live0 = pym_live_objects();
    assert_null(pym_new(&too_small_type));
    assert_int_not_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_string_not_equal(pym_err_message(), "");
    pym_err_clear();
    assert_null(pym_new(&zero_size_type));
    assert_int_not_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_err_clear();
    assert_null(pym_new(NULL));
    assert_int_not_equal(pym_err_occurred(), PYM_ERR_NONE);
    pym_err_clear();
    assert_int_equal(pym_live_objects(), live0);
}

/* Containers hold their own references: the object dies with the last. */
static void test_destroy_when_container_lets_go(void **state)
{
    (void)state;
    reset();
    size_t live0 = pym_live_objects();
    node *n = new_node(&plain_type, NULL);
    pym_object *l = pym_list_new();
    assert_int_equal(pym_list_append(l, &n->ob_base), 0);
    pym_object *t = pym_tuple_pack(1, &n->ob_base);
    pym_decref(&n->ob_base);
    assert_int_equal(n_destroyed, 0);
    pym_decref(l);
    assert_int_equal(n_destroyed, 0);
    pym_decref(t);
    assert_int_equal(n_destroyed, 1);
    assert_int_equal(pym_live_objects(), live0);
}

/* A short chain dies front to back, each destroy exactly once. */
static void test_chain_destroyed_in_order(void **state)
{
    (void)state;
    reset();
    node *c = new_node(&plain_type, NULL);
    node *b = new_node(&plain_type, &c->ob_base);
    node *a = new_node(&plain_type, &b->ob_base);
    pym_decref(&c->ob_base);
    pym_decref(&b->ob_base);
    assert_int_equal(n_destroyed, 0);
    pym_decref(&a->ob_base);
    assert_int_equal(n_destroyed, 3);
    assert_string_equal(events, "DDD");
}

/* ---- the collector and user types ------------------------------------------- */

/* A two-object cycle: refcounting cannot free it; the collector clears it
 * through the type's slots (CPython: test_gc.py::GCTests::test_list-like
 * self-cycles, here with a user type). */
static void test_gc_cycle_collected(void **state)
{
    (void)state;
    reset();
    size_t live0 = pym_live_objects();
    node *a = new_node(&gc_type, NULL);
    node *b = new_node(&gc_type, &a->ob_base);
    a->next = pym_incref(&b->ob_base);
    pym_decref(&a->ob_base);
    pym_decref(&b->ob_base);
    assert_int_equal(n_destroyed, 0);
    assert_int_equal(pym_live_objects(), live0 + 2);
    assert_true(pym_gc_collect(2) >= 2);
    assert_int_equal(n_destroyed, 2);
    assert_true(n_cleared >= 1);
    assert_int_equal(pym_live_objects(), live0);
}

/* ---- finalizers --------------------------------------------------------------- */

/* PEP 442: the finalizer runs before destroy, once, with the object alive
 * (CPython: test_finalization.py::SimpleFinalizationTest::test_simple). */
static void check_finalize_then_destroy(const pym_type *t)
{
    reset();
    fin_action = FIN_NOTHING;
    size_t live0 = pym_live_objects();
    node *n = new_node(t, NULL);
    pym_decref(&n->ob_base);
    assert_int_equal(n_finalized, 1);
    assert_int_equal(n_destroyed, 1);
    assert_int_equal(refcount_in_finalize, 1);
    assert_int_equal(refcount_in_destroy, 0);
    assert_string_equal(events, "FD");
    assert_int_equal(pym_live_objects(), live0);
}

static void test_finalize_before_destroy(void **state)
{
    (void)state;
    check_finalize_then_destroy(&fin_type);
    check_finalize_then_destroy(&fin_gc_type);
}

/* PEP 442: a finalizer may resurrect its object, and is not called again
 * when the object dies for good; destroy then runs (CPython:
 * test_finalization.py::SimpleFinalizationTest::test_simple_resurrect). */
static void check_resurrection(const pym_type *t)
{
    reset();
    fin_action = FIN_RESURRECT;
    size_t live0 = pym_live_objects();
    node *n = new_node(t, NULL);
    pym_decref(&n->ob_base);
    assert_true(resurrected == &n->ob_base);
    assert_int_equal(n_finalized, 1);
    assert_int_equal(n_destroyed, 0);
    assert_int_equal(pym_refcount(resurrected), 1);
    assert_true(pym_gc_is_finalized(resurrected));
    assert_int_equal(pym_live_objects(), live0 + 1);
    if (t->flags & PYM_TYPE_GC) assert_true(pym_gc_is_tracked(resurrected));

    /* Second death: no second finalize, destroy now. */
    fin_action = FIN_NOTHING;
    pym_object *o = resurrected;
    resurrected = NULL;
    pym_incref(o);
    pym_decref(o);
    assert_int_equal(n_destroyed, 0);
    pym_decref(o);
    assert_int_equal(n_finalized, 1);
    assert_int_equal(n_destroyed, 1);
    assert_string_equal(events, "FD");
    assert_int_equal(pym_live_objects(), live0);
}

static void test_finalize_resurrect(void **state)
{
    (void)state;
    check_resurrection(&fin_type);
    check_resurrection(&fin_gc_type);
}

/* Resurrection from inside a collection: a self-cycle whose finalizer
 * stores the object.  The first collection finalizes it and must let it
 * survive; once released again, the next collection frees it without a
 * second finalize (CPython: test_finalization.py::
 * SelfCycleFinalizationTest::test_simple_resurrect). */
static void test_finalize_resurrect_in_collection(void **state)
{
    (void)state;
    reset();
    fin_action = FIN_RESURRECT;
    size_t live0 = pym_live_objects();
    node *n = new_node(&fin_gc_type, NULL);
    n->next = pym_incref(&n->ob_base);
    pym_decref(&n->ob_base);
    pym_gc_collect(2);
    assert_int_equal(n_finalized, 1);
    assert_int_equal(n_destroyed, 0);
    assert_true(resurrected == &n->ob_base);
    assert_int_equal(pym_refcount(resurrected), 2);  /* ours + the self-reference */
    assert_true(n->next == &n->ob_base);             /* not cleared: it survived */

    fin_action = FIN_NOTHING;
    pym_object *o = resurrected;
    resurrected = NULL;
    pym_decref(o);
    assert_int_equal(n_destroyed, 0);
    assert_true(pym_gc_collect(2) >= 1);
    assert_int_equal(n_finalized, 1);
    assert_int_equal(n_destroyed, 1);
    assert_int_equal(pym_live_objects(), live0);
}

static void decref_it(void *o) { pym_decref(o); }

/* Runs pym_decref(o); returns what it printed to stderr. */
static void decref_capturing_stderr(pym_object *o, char *out, size_t cap)
{
    pym_test_capture_stderr(decref_it, o, out, cap);
}

/* An error a finalizer leaves is reported as unraisable ("Exception
 * ignored in: ...", like sys.unraisablehook's default), never passed on
 * to whoever dropped the last reference (CPython: test_finalization.py,
 * errors in __del__ are unraisable). */
static void test_finalizer_error_is_unraisable(void **state)
{
    (void)state;
    reset();
    fin_action = FIN_RAISE;
    node *n = new_node(&fin_type, NULL);
    char out[512];
    decref_capturing_stderr(&n->ob_base, out, sizeof out);
    fin_action = FIN_NOTHING;
    assert_int_equal(n_finalized, 1);
    assert_int_equal(n_destroyed, 1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_non_null(strstr(out, "Exception ignored in"));
    assert_non_null(strstr(out, "ValueError: raised in a finalizer"));
}

/* A finalizer starts with no pending error, and an error the caller had
 * pending when it dropped the last reference survives the finalizer
 * (`pym_err_set(...); pym_decref(tmp); return NULL;` must still fail with
 * its own error).  CPython saves and restores the pending exception
 * around the finalizer (PyObject_CallFinalizerFromDealloc). */
static void test_finalizer_keeps_pending_error(void **state)
{
    (void)state;
    reset();
    fin_action = FIN_NOTHING;
    node *n = new_node(&fin_type, NULL);
    pym_err_set(PYM_ERR_KEY, "pending before the decref");
    pym_decref(&n->ob_base);
    assert_int_equal(n_finalized, 1);
    pym_error kind = pym_err_occurred();
    char msg[64];
    snprintf(msg, sizeof msg, "%s", pym_err_message());
    pym_err_clear();
    assert_int_equal(error_in_finalize, PYM_ERR_NONE);
    assert_int_equal(kind, PYM_ERR_KEY);
    assert_string_equal(msg, "pending before the decref");

    /* A finalizer that raises meanwhile: its own error is the one
     * reported; the caller's comes back. */
    reset();
    fin_action = FIN_RAISE;
    n = new_node(&fin_type, NULL);
    pym_err_set(PYM_ERR_INDEX, "the caller's");
    char out[512];
    decref_capturing_stderr(&n->ob_base, out, sizeof out);
    fin_action = FIN_NOTHING;
    assert_int_equal(pym_err_occurred(), PYM_ERR_INDEX);
    assert_string_equal(pym_err_message(), "the caller's");
    pym_err_clear();
    assert_non_null(strstr(out, "ValueError: raised in a finalizer"));
    assert_null(strstr(out, "the caller's"));
}

/* An immortalized object with a finalizer: neither runs while it is
 * immortal; pym_fini destroys it once.  Its finalizer runs at most once
 * (CPython never finalizes immortal objects; pym may or may not). */
static void test_immortal_finalized_once_at_fini(void **state)
{
    (void)state;
    reset();
    fin_action = FIN_NOTHING;
    size_t live0 = pym_live_objects();
    node *n = new_node(&fin_gc_type, NULL);
    pym_immortalize(&n->ob_base);
    pym_decref(&n->ob_base);
    pym_gc_collect(2);
    assert_int_equal(n_finalized, 0);
    assert_int_equal(n_destroyed, 0);
    pym_fini();
    size_t fin = n_finalized, des = n_destroyed;
    assert_int_equal(pym_init(), 0);
    assert_true(fin <= 1);
    assert_int_equal(des, 1);
    assert_string_equal(events, fin ? "FD" : "D");
    assert_int_equal(pym_live_objects(), live0);
}

/* ---- the trashcan ----------------------------------------------------------- */

/* Builds a chain of `count` nodes; the returned head owns the rest. */
static pym_object *build_chain(const pym_type *t, size_t count)
{
    pym_object *head = NULL;
    for (size_t i = 0; i < count; i++) {
        node *n = (node *)pym_new(t);
        assert_non_null(n);
        n->next = head;  /* hands our reference over */
        head = &n->ob_base;
    }
    return head;
}

/* Dropping the head of a million-long chain destroys every node, each
 * once, without recursing a million deep (CPython: test_gc.py::GCTests::
 * test_trashcan and test_capi's trashcan tests on deep nests). */
static void check_trashcan(const pym_type *t)
{
    reset();
    fin_action = FIN_NOTHING;
    size_t count = chain_length();
    size_t live0 = pym_live_objects();
    pym_object *head = build_chain(t, count);
    assert_int_equal(pym_live_objects(), live0 + count);
    assert_int_equal(n_destroyed, 0);
    pym_decref(head);
    assert_int_equal(n_destroyed, count);
    if (t->finalize != NULL) assert_int_equal(n_finalized, count);
    assert_int_equal(pym_live_objects(), live0);
}

static void test_trashcan_gc_chain(void **state)
{
    (void)state;
    check_trashcan(&gc_type);
}

static void test_trashcan_plain_chain(void **state)
{
    (void)state;
    check_trashcan(&plain_type);
}

static void test_trashcan_finalizer_chain(void **state)
{
    (void)state;
    check_trashcan(&fin_type);
}

/* The same chain closed into a cycle: the collector's clear on one node
 * starts the cascade, which must not recurse a million deep either. */
static void test_trashcan_from_collector(void **state)
{
    (void)state;
    reset();
    size_t count = chain_length();
    size_t live0 = pym_live_objects();
    pym_object *head = build_chain(&gc_type, count);
    node *tail = (node *)head;
    while (tail->next != NULL) tail = (node *)tail->next;
    tail->next = head;  /* the cycle holds the reference we had */
    assert_int_equal(n_destroyed, 0);
    assert_true(pym_gc_collect(2) >= count);
    assert_int_equal(n_destroyed, count);
    assert_int_equal(pym_live_objects(), live0);
}

/* Twice in a row: the trashcan's state is clean after a deep chain. */
static void test_trashcan_reusable(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        reset();
        size_t live0 = pym_live_objects();
        pym_object *head = build_chain(&plain_type, 5000);
        pym_decref(head);
        assert_int_equal(n_destroyed, 5000);
        assert_int_equal(pym_live_objects(), live0);
    }
}

/* ---- out of memory -------------------------------------------------------------- */

typedef struct {
    const pym_type *type;
    pym_object *made;
} new_ctx;

static int op_new(void *ctx)
{
    new_ctx *c = ctx;
    c->made = pym_new(c->type);
    return c->made ? 0 : -1;
}

static void undo_new(void *ctx)
{
    new_ctx *c = ctx;
    pym_decref(c->made);
    c->made = NULL;
}

static void test_oom_new(void **state)
{
    (void)state;
    const pym_type *types[] = {&plain_type, &gc_type, &weak_gc_type, &bare_type};
    for (size_t i = 0; i < 4; i++) {
        reset();
        new_ctx c = {types[i], NULL};
        assert_true(pym_test_oom_loop(op_new, undo_new, &c) >= 1);
        assert_int_equal(n_destroyed, types[i]->destroy ? 2 : 0);  /* one per loop */
    }
}

/* Dropping objects never needs memory from pym's allocator: with every
 * allocation failing, a deep chain is still released completely. */
static void test_oom_release_needs_no_memory(void **state)
{
    (void)state;
    reset();
    size_t live0 = pym_live_objects();
    pym_object *head = build_chain(&plain_type, 2000);
    fault_fail_at(1, true);
    pym_decref(head);
    fault_fail_at(0, false);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_int_equal(n_destroyed, 2000);
    assert_int_equal(pym_live_objects(), live0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_new_plain),
        PYM_TEST(test_new_gc),
        PYM_TEST(test_header_only_and_weakrefable_types),
        PYM_TEST(test_new_too_small),
        PYM_TEST(test_destroy_when_container_lets_go),
        PYM_TEST(test_chain_destroyed_in_order),
        PYM_TEST(test_gc_cycle_collected),
        PYM_TEST(test_finalize_before_destroy),
        PYM_TEST(test_finalize_resurrect),
        PYM_TEST(test_finalize_resurrect_in_collection),
        PYM_TEST(test_finalizer_error_is_unraisable),
        PYM_TEST(test_finalizer_keeps_pending_error),
        PYM_TEST(test_immortal_finalized_once_at_fini),
        PYM_TEST(test_trashcan_gc_chain),
        PYM_TEST(test_trashcan_plain_chain),
        PYM_TEST(test_trashcan_finalizer_chain),
        PYM_TEST(test_trashcan_from_collector),
        PYM_TEST(test_trashcan_reusable),
        PYM_OOM_TEST(test_oom_new),
        PYM_OOM_TEST(test_oom_release_needs_no_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
