/* test_error.c: the pending error of each thread (runtime/error.c):
 * setting, reading, clearing and naming errors, message formatting and
 * truncation, per-thread state, unraisable reports, and MemoryError when
 * nothing can be allocated. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "support/pym_test.h"

/* ---- capturing stderr ------------------------------------------------------ */

typedef struct {
    int saved, read_end;
} capture;

static void capture_begin(capture *c)
{
    int fds[2];
    fflush(stderr);
    assert_int_equal(pipe(fds), 0);
    c->saved = dup(2);
    assert_true(c->saved >= 0);
    assert_true(dup2(fds[1], 2) == 2);
    close(fds[1]);
    c->read_end = fds[0];
}

/* Restores stderr and returns what was written meanwhile (small outputs
 * only: everything must fit in the pipe). */
static void capture_end(capture *c, char *out, size_t cap)
{
    fflush(stderr);
    dup2(c->saved, 2);
    close(c->saved);
    size_t len = 0;
    ssize_t n;
    while (len + 1 < cap && (n = read(c->read_end, out + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(c->read_end);
}

/* ---- basics --------------------------------------------------------------------- */

static void test_no_error_initially(void **state)
{
    (void)state;
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_non_null(pym_err_message());
    assert_string_equal(pym_err_message(), "");
}

static void test_set_read_clear_every_kind(void **state)
{
    (void)state;
    const pym_error kinds[] = {PYM_ERR_MEMORY, PYM_ERR_TYPE, PYM_ERR_VALUE, PYM_ERR_INDEX,
                               PYM_ERR_KEY, PYM_ERR_OVERFLOW, PYM_ERR_ATTRIBUTE,
                               PYM_ERR_RUNTIME};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        pym_err_set(kinds[i], "problem number %zu", i);
        assert_int_equal(pym_err_occurred(), kinds[i]);
        char expected[32];
        snprintf(expected, sizeof expected, "problem number %zu", i);
        assert_string_equal(pym_err_message(), expected);
        pym_err_clear();
        assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
        assert_string_equal(pym_err_message(), "");
    }
    pym_err_clear();  /* clearing nothing is fine */
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
}

/* The Python exception each kind stands for. */
static void test_error_names(void **state)
{
    (void)state;
    assert_string_equal(pym_err_name(PYM_ERR_MEMORY), "MemoryError");
    assert_string_equal(pym_err_name(PYM_ERR_TYPE), "TypeError");
    assert_string_equal(pym_err_name(PYM_ERR_VALUE), "ValueError");
    assert_string_equal(pym_err_name(PYM_ERR_INDEX), "IndexError");
    assert_string_equal(pym_err_name(PYM_ERR_KEY), "KeyError");
    assert_string_equal(pym_err_name(PYM_ERR_OVERFLOW), "OverflowError");
    assert_string_equal(pym_err_name(PYM_ERR_ATTRIBUTE), "AttributeError");
    assert_string_equal(pym_err_name(PYM_ERR_RUNTIME), "RuntimeError");
    assert_non_null(pym_err_name(PYM_ERR_NONE));
    assert_non_null(pym_err_name((pym_error)99));
    assert_non_null(pym_err_name((pym_error)-1));
}

static void test_message_formatting(void **state)
{
    (void)state;
    pym_err_set(PYM_ERR_VALUE, "%s=%d (%.2f) %c %% %" PRId64 " %zu %p", "x", -42, 2.5, 'z',
                INT64_MIN, (size_t)7, (void *)0);
    char expected[128];
    snprintf(expected, sizeof expected, "x=-42 (2.50) z %% %" PRId64 " 7 %p", INT64_MIN,
             (void *)0);
    assert_string_equal(pym_err_message(), expected);
    /* A '%' inside an argument is text, not a directive. */
    pym_err_set(PYM_ERR_KEY, "%s", "100%s %d %n");
    assert_string_equal(pym_err_message(), "100%s %d %n");
    pym_err_set(PYM_ERR_TYPE, "no arguments at all");
    assert_string_equal(pym_err_message(), "no arguments at all");
    pym_err_set(PYM_ERR_TYPE, "%s", "");
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_equal(pym_err_message(), "");
    pym_err_clear();
}

static void test_set_replaces_previous(void **state)
{
    (void)state;
    pym_err_set(PYM_ERR_TYPE, "a rather long first message that must not leak through");
    pym_err_set(PYM_ERR_INDEX, "short");
    assert_int_equal(pym_err_occurred(), PYM_ERR_INDEX);
    assert_string_equal(pym_err_message(), "short");
    pym_err_clear();
}

/* A message longer than the buffer is cut, safely, and keeps its start. */
static void test_long_message_truncated(void **state)
{
    (void)state;
    enum { LONG = 20000 };
    char *big = test_malloc(LONG + 1);
    for (size_t i = 0; i < LONG; i++) big[i] = (char)('a' + i % 26);
    big[LONG] = '\0';
    pym_err_set(PYM_ERR_VALUE, "%s", big);
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    const char *m = pym_err_message();
    size_t len = strlen(m);
    assert_true(len > 0 && len < LONG);
    assert_memory_equal(m, big, len);

    /* A prefix, then the long part. */
    pym_err_set(PYM_ERR_KEY, "key %s not found", big);
    assert_true(strncmp(pym_err_message(), "key abcdef", 10) == 0);

    /* Nothing of the long message survives into the next one. */
    pym_err_set(PYM_ERR_TYPE, "tiny");
    assert_string_equal(pym_err_message(), "tiny");
    pym_err_clear();
    test_free(big);
}

/* A successful call does not clear someone else's pending error (the
 * CPython convention: only raising and handling change it). */
static void test_success_leaves_pending_error(void **state)
{
    (void)state;
    pym_err_set(PYM_ERR_KEY, "still here");
    pym_object *o = pym_int_new(1000);
    assert_non_null(o);
    pym_object *f = pym_float_new(1.0);
    assert_int_equal(pym_equal(o, f), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    assert_string_equal(pym_err_message(), "still here");
    pym_decref(o);
    pym_decref(f);
    assert_int_equal(pym_err_occurred(), PYM_ERR_KEY);
    pym_err_clear();
}

/* Errors raised by the API carry the right kind. */
static void test_errors_from_api(void **state)
{
    (void)state;
    pym_object *f = pym_float_new(0.5);
    assert_int_equal(pym_int_value(f), -1);
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    assert_string_not_equal(pym_err_message(), "");
    pym_err_clear();
    pym_object *big = pym_int_new(INT64_MAX);
    assert_null(pym_int_add(big, pym_int_new(1)));
    assert_int_equal(pym_err_occurred(), PYM_ERR_OVERFLOW);
    pym_err_clear();
    assert_null(pym_getattr(f, "nope"));
    assert_int_equal(pym_err_occurred(), PYM_ERR_ATTRIBUTE);
    pym_err_clear();
    pym_decref(f);
    pym_decref(big);
}

/* ---- threads ------------------------------------------------------------------- */

typedef struct {
    pym_error seen_at_start;
    pym_error seen_after_set;
    char message[64];
} thread_report;

static void *thread_body(void *arg)
{
    thread_report *r = arg;
    r->seen_at_start = pym_err_occurred();
    pym_err_set(PYM_ERR_INDEX, "from the thread");
    r->seen_after_set = pym_err_occurred();
    snprintf(r->message, sizeof r->message, "%s", pym_err_message());
    pym_err_clear();
    return NULL;
}

/* Each thread has its own pending error (CPython: per-thread state). */
static void test_errors_are_per_thread(void **state)
{
    (void)state;
    pym_err_set(PYM_ERR_VALUE, "from main");
    thread_report r = {PYM_ERR_MEMORY, PYM_ERR_NONE, ""};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, thread_body, &r), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(r.seen_at_start, PYM_ERR_NONE);
    assert_int_equal(r.seen_after_set, PYM_ERR_INDEX);
    assert_string_equal(r.message, "from the thread");
    assert_int_equal(pym_err_occurred(), PYM_ERR_VALUE);
    assert_string_equal(pym_err_message(), "from main");
    pym_err_clear();
}

/* ---- unraisable ------------------------------------------------------------------ */

/* Like sys.unraisablehook's default: "Exception ignored in: <where>" and
 * the error, on stderr; the error is cleared. */
static void test_print_unraisable(void **state)
{
    (void)state;
    char out[512];
    capture c;
    pym_err_set(PYM_ERR_VALUE, "bad value %d", 7);
    capture_begin(&c);
    pym_err_print_unraisable("my_finalizer");
    capture_end(&c, out, sizeof out);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_non_null(strstr(out, "Exception ignored in: my_finalizer"));
    assert_non_null(strstr(out, "ValueError: bad value 7"));

    /* Nothing pending: nothing printed. */
    capture_begin(&c);
    pym_err_print_unraisable("quiet");
    capture_end(&c, out, sizeof out);
    assert_string_equal(out, "");
}

/* ---- lifecycle -------------------------------------------------------------------- */

static void test_fini_init_clears_error(void **state)
{
    (void)state;
    pym_err_set(PYM_ERR_RUNTIME, "left behind");
    pym_fini();
    assert_int_equal(pym_init(), 0);
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    assert_string_equal(pym_err_message(), "");
}

/* ---- re-raising ------------------------------------------------------------ */

/* Re-raising with context: an argument may be the current message
 * itself (the borrowed pym_err_message()). */
static void test_err_set_with_current_message(void **state)
{
    (void)state;
    pym_err_set(PYM_ERR_KEY, "inner problem");
    pym_err_set(PYM_ERR_VALUE, "while loading: %s", pym_err_message());
    char got[256];
    snprintf(got, sizeof got, "%s", pym_err_message());
    pym_err_clear();
    assert_string_equal(got, "while loading: inner problem");
}

/* ---- out of memory -------------------------------------------------------------- */

/* MemoryError can always be raised: it needs no memory itself. */
static void test_memory_error_without_memory(void **state)
{
    (void)state;
    fault_fail_at(1, true);
    assert_null(pym_int_new(123456));
    assert_int_equal(pym_err_occurred(), PYM_ERR_MEMORY);
    assert_string_not_equal(pym_err_message(), "");
    assert_string_equal(pym_err_name(pym_err_occurred()), "MemoryError");
    pym_err_clear();
    pym_err_set(PYM_ERR_VALUE, "raised with %s", "no memory at all");
    assert_string_equal(pym_err_message(), "raised with no memory at all");
    pym_err_clear();
    fault_fail_at(0, false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_no_error_initially),
        PYM_TEST(test_set_read_clear_every_kind),
        PYM_TEST(test_error_names),
        PYM_TEST(test_message_formatting),
        PYM_TEST(test_set_replaces_previous),
        PYM_TEST(test_long_message_truncated),
        PYM_TEST(test_success_leaves_pending_error),
        PYM_TEST(test_errors_from_api),
        PYM_TEST(test_errors_are_per_thread),
        PYM_TEST(test_print_unraisable),
        PYM_TEST(test_fini_init_clears_error),
        PYM_TEST(test_err_set_with_current_message),
        PYM_OOM_TEST(test_memory_error_without_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
