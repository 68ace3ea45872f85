/* test_debug.c: the checks of DEBUG=1 builds (runtime/object.c under
 * PYM_DEBUG): a refcount driven below zero, a use of a freed object and
 * objects still alive at pym_fini are each reported on stderr with the
 * type name.  The fatal cases run in a forked child whose stderr goes to a
 * pipe; the parent checks how it died and what it said.
 *
 * In release builds (PYM_DEBUG == 0) there is nothing of that to test;
 * the suite then runs only the live-object accounting test, which holds in
 * both kinds of build. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support/pym_test.h"

/* ---- both builds ---------------------------------------------------------- */

typedef struct leaf {
    PYM_OBJECT_HEAD
    pym_object *ref;
} leaf;
static const pym_type leaf_type = {.name = "leaf_t", .size = sizeof(leaf)};

/* pym_live_objects counts exactly what is allocated and not yet freed,
 * through more frees than a debug build's quarantine holds. */
static void test_live_objects_exact(void **state)
{
    (void)state;
    assert_true(PYM_DEBUG == 0 || PYM_DEBUG == 1);
    enum { N = 10000 };
    size_t live0 = pym_live_objects();
    pym_object **objs = test_malloc(N * sizeof *objs);
    for (size_t i = 0; i < N; i++) {
        objs[i] = i % 3 == 0 ? pym_int_new(100000 + (int64_t)i)
                : i % 3 == 1 ? pym_float_new((double)i)
                             : pym_new(&leaf_type);
        assert_non_null(objs[i]);
    }
    assert_int_equal(pym_live_objects(), live0 + N);
    for (size_t i = 0; i < N; i += 2) pym_decref(objs[i]);
    assert_int_equal(pym_live_objects(), live0 + N / 2);
    for (size_t i = 1; i < N; i += 2) pym_decref(objs[i]);
    assert_int_equal(pym_live_objects(), live0);
    /* Immortal singletons never count, in any build. */
    pym_object *s = pym_int_new(3);
    pym_decref(pym_none());
    pym_decref(s);
    assert_int_equal(pym_live_objects(), live0);
    test_free(objs);
}

#if PYM_DEBUG

/* ---- running a child --------------------------------------------------------- */

/* Runs `body` in a forked child whose stderr is a pipe; returns its wait
 * status and what it wrote (truncated to `cap`). */
static int run_in_child(void (*body)(void), char *out, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 2);
        close(fds[1]);
        signal(SIGABRT, SIG_DFL);
        body();
        _exit(0);
    }
    close(fds[1]);
    size_t len = 0;
    char chunk[4096];
    ssize_t n;
    while ((n = read(fds[0], chunk, sizeof chunk)) > 0) {
        size_t take = (size_t)n < cap - 1 - len ? (size_t)n : cap - 1 - len;
        memcpy(out + len, chunk, take);
        len += take;
    }
    out[len] = '\0';
    close(fds[0]);
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    return status;
}

static void assert_aborted(int status, const char *out)
{
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
        print_error("child status %d, stderr:\n%s\n", status, out);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
}

/* ---- a refcount below zero ---------------------------------------------------- */

/* A buggy destroy that drops a reference to its own object: the count is
 * already zero there, so this decref takes it below zero. */
static void sinking_destroy(pym_object *self) { pym_decref(self); }
static const pym_type sinking_type = {
    .name = "sinking_t",
    .size = sizeof(pym_object),
    .destroy = sinking_destroy,
};

static void child_below_zero(void)
{
    pym_object *o = pym_new(&sinking_type);
    pym_decref(o);
}

static void test_refcount_below_zero_aborts(void **state)
{
    (void)state;
    static char out[65536];
    int status = run_in_child(child_below_zero, out, sizeof out);
    assert_aborted(status, out);
    assert_non_null(strstr(out, "below zero"));
    assert_non_null(strstr(out, "sinking_t object"));
}

/* ---- use of a freed object ------------------------------------------------------- */

static const pym_type ghost_type = {.name = "ghost_t", .size = sizeof(leaf)};

static void child_incref_freed_int(void)
{
    pym_object *o = pym_int_new(123456);
    pym_decref(o);
    pym_incref(o);  /* the object is gone */
}

static void child_decref_freed_user_object(void)
{
    pym_object *o = pym_new(&ghost_type);
    pym_object *alias = o;  /* a second "reference" that was never counted */
    pym_decref(o);
    pym_decref(alias);
}

static void test_incref_freed_int_aborts(void **state)
{
    (void)state;
    static char out[65536];
    int status = run_in_child(child_incref_freed_int, out, sizeof out);
    assert_aborted(status, out);
    assert_non_null(strstr(out, "freed"));
    assert_non_null(strstr(out, "int object"));
}

static void test_decref_freed_user_object_aborts(void **state)
{
    (void)state;
    static char out[65536];
    int status = run_in_child(child_decref_freed_user_object, out, sizeof out);
    assert_aborted(status, out);
    assert_non_null(strstr(out, "freed"));
    assert_non_null(strstr(out, "ghost_t object"));
}

/* ---- survivors at pym_fini ------------------------------------------------------- */

/* The child's allocator: a static arena, never freed, so the objects the
 * child leaks on purpose are not reported by Valgrind as lost. */
static _Alignas(16) unsigned char arena[8 << 20];
static size_t arena_used;

static void *arena_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    if (new_size == 0) return NULL;
    size_t n = (new_size + 15) & ~(size_t)15;
    if (arena_used + n > sizeof arena) return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    if (ptr != NULL) memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    return p;
}

static const pym_type leaky_type = {.name = "leaky_t", .size = sizeof(leaf)};

static void child_leak_at_fini(void)
{
    pym_fini();  /* the runtime inherited from the test */
    pym_set_allocator(arena_alloc, NULL);
    if (pym_init() != 0) _exit(3);
    pym_object *a = pym_new(&leaky_type);
    pym_object *b = pym_int_new(4242);
    if (a == NULL || b == NULL) _exit(4);
    pym_fini();  /* both still referenced */
    _exit(0);
}

static void test_fini_reports_survivors(void **state)
{
    (void)state;
    static char out[65536];
    int status = run_in_child(child_leak_at_fini, out, sizeof out);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        print_error("child status %d, stderr:\n%s\n", status, out);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_non_null(strstr(out, "still alive"));
    assert_non_null(strstr(out, "leaky_t object"));
    assert_non_null(strstr(out, "int object"));
}

static void churn_then_fini(void *ctx)
{
    (void)ctx;
    pym_object *o = pym_int_new(99999);
    pym_decref(o);
    pym_fini();
}

/* A clean runtime says nothing at pym_fini. */
static void test_clean_fini_is_silent(void **state)
{
    (void)state;
    char out[1024];
    pym_test_capture_stderr(churn_then_fini, NULL, out, sizeof out);
    assert_int_equal(pym_init(), 0);
    assert_null(strstr(out, "still alive"));
}

/* A freed object's memory is parked, not reused at once, so an object
 * allocated right after is at a different address. */
static void test_freed_memory_not_reused_at_once(void **state)
{
    (void)state;
    pym_object *a = pym_int_new(555555);
    uintptr_t id = pym_id(a);
    pym_decref(a);
    pym_object *b = pym_int_new(555555);
    assert_true(pym_id(b) != id);
    pym_decref(b);
}

#endif /* PYM_DEBUG */

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_live_objects_exact),
#if PYM_DEBUG
        PYM_TEST(test_refcount_below_zero_aborts),
        PYM_TEST(test_incref_freed_int_aborts),
        PYM_TEST(test_decref_freed_user_object_aborts),
        PYM_TEST(test_fini_reports_survivors),
        PYM_TEST(test_clean_fini_is_silent),
        PYM_TEST(test_freed_memory_not_reused_at_once),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
