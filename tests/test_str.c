/* test_str.c: strings: the shared singletons, interning (weak, unlike
 * CPython's immortal interned strings), embedded NULs, repr, hash, type
 * errors, and out-of-memory behaviour of creation, repr and interning. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "support/pym_test.h"

static bool quick(void) { return getenv("PYM_TEST_QUICK") != NULL; }

/* A string that is not one of the shared singletons: neither '' nor one
 * ASCII character (used where a test needs a counted, mortal int). */
static pym_object *mortal_int(void) { return pym_int_new(1000); }

/* Asserts repr(s) == expected; s is consumed. */
static void check_repr(pym_object *s, const char *expected)
{
    assert_non_null(s);
    pym_object *r = pym_repr(s);
    assert_non_null(r);
    assert_string_equal(pym_str_cstr(r), expected);
    assert_int_equal(pym_str_len(r), strlen(expected));
    pym_decref(r);
    pym_decref(s);
}

/* ---- identity -------------------------------------------------------------- */

/* '' is one object, as in CPython ("'' is ''" holds; test_unicode's
 * test_empty_string-style identity checks). */
static void test_empty_singleton(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *a = pym_str_new("");
    pym_object *b = pym_str_new_len("xyz", 0);
    pym_object *c = pym_str_new_len(NULL, 0);
    pym_object *d = pym_str_from_format("%s", "");
    assert_ptr_equal(a, b);
    assert_ptr_equal(a, c);
    assert_ptr_equal(a, d);
    assert_true(pym_is_immortal(a));
    assert_int_equal(pym_refcount(a), PYM_IMMORTAL_REFCOUNT);
    assert_int_equal(pym_str_len(a), 0);
    assert_string_equal(pym_str_cstr(a), "");
    assert_int_equal(pym_live_objects(), live);  /* static: not counted */
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    pym_decref(d);
    assert_int_equal(pym_str_len(a), 0);  /* still there */
}

/* Every one-character ASCII string is shared (CPython 3.12 keeps all
 * Latin-1 ones; pym keeps 0..127, the ones that are one UTF-8 byte). */
static void test_char_singletons(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    for (int c = 0; c < 128; c++) {
        char ch = (char)c;
        pym_object *a = pym_str_new_len(&ch, 1);
        pym_object *b = pym_str_new_len(&ch, 1);
        assert_ptr_equal(a, b);
        assert_true(pym_is_immortal(a));
        assert_int_equal(pym_str_len(a), 1);
        assert_int_equal((unsigned char)pym_str_cstr(a)[0], c);
        assert_int_equal(pym_str_cstr(a)[1], '\0');
        pym_decref(a);
        pym_decref(b);
    }
    pym_object *a = pym_str_new("a");
    assert_ptr_equal(a, pym_str_new("a"));
    assert_ptr_equal(a, pym_str_from_format("%c", 'a'));
    assert_ptr_equal(a, pym_str_intern_cstr("a"));
    assert_int_equal(pym_live_objects(), live);
}

/* A lone byte >= 0x80 is not an ASCII character: not shared. */
static void test_high_byte_not_shared(void **state)
{
    (void)state;
    pym_object *a = pym_str_new("\xc3");
    pym_object *b = pym_str_new("\xc3");
    assert_ptr_not_equal(a, b);
    assert_false(pym_is_immortal(a));
    assert_int_equal(pym_equal(a, b), 1);
    pym_decref(a);
    pym_decref(b);
}

/* 'ab' is not shared unless interned. */
static void test_two_chars_not_shared(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *a = pym_str_new("ab");
    pym_object *b = pym_str_new("ab");
    assert_ptr_not_equal(a, b);
    assert_int_equal(pym_refcount(a), 1);
    assert_int_equal(pym_live_objects(), live + 2);
    assert_int_equal(pym_equal(a, b), 1);
    assert_false(pym_str_is_interned(a));
    pym_decref(a);
    pym_decref(b);
    assert_int_equal(pym_live_objects(), live);
}

/* ---- interning ------------------------------------------------------------- */

/* sys.intern returns the canonical equal string (test_sys.py::test_intern). */
static void test_intern_canonical(void **state)
{
    (void)state;
    pym_object *s1 = pym_str_new("hello");
    pym_object *s2 = pym_str_new("hello");
    assert_false(pym_str_is_interned(s1));
    pym_object *i1 = pym_str_intern(s1);
    assert_ptr_equal(i1, s1);
    assert_int_equal(pym_refcount(s1), 2);
    assert_true(pym_str_is_interned(s1));
    pym_object *i2 = pym_str_intern(s2);
    assert_ptr_equal(i2, s1);
    assert_false(pym_str_is_interned(s2));
    pym_object *i3 = pym_str_intern_cstr("hello");
    assert_ptr_equal(i3, s1);
    pym_object *i4 = pym_str_intern(s1);
    assert_ptr_equal(i4, s1);
    assert_int_equal(pym_refcount(s1), 5);
    pym_decref(i1);
    pym_decref(i2);
    pym_decref(i3);
    pym_decref(i4);
    pym_decref(s2);
    pym_decref(s1);
}

/* The static singletons count as interned and are their own canonical form. */
static void test_intern_singletons(void **state)
{
    (void)state;
    pym_object *e = pym_str_new("");
    pym_object *a = pym_str_new("a");
    assert_true(pym_str_is_interned(e));
    assert_true(pym_str_is_interned(a));
    assert_ptr_equal(pym_str_intern(e), e);
    assert_ptr_equal(pym_str_intern(a), a);
    assert_ptr_equal(pym_str_intern_cstr(""), e);
    assert_ptr_equal(pym_str_intern_cstr("a"), a);
}

/* pym's documented difference from CPython 3.12: the intern table does not
 * keep strings alive.  Dropping every reference frees the string, and
 * interning the same text again makes a fresh canonical object. */
static void test_intern_does_not_keep_alive(void **state)
{
    (void)state;
    size_t live = pym_live_objects();
    pym_object *s = pym_str_intern_cstr("transient name");
    assert_non_null(s);
    assert_true(pym_str_is_interned(s));
    assert_int_equal(pym_refcount(s), 1);
    assert_int_equal(pym_live_objects(), live + 1);
    pym_decref(s);
    assert_int_equal(pym_live_objects(), live);

    pym_object *t = pym_str_new("transient name");
    pym_object *u = pym_str_intern(t);
    assert_ptr_equal(u, t);  /* the old one is gone: t becomes canonical */
    assert_true(pym_str_is_interned(t));
    pym_decref(u);
    pym_decref(t);
    assert_int_equal(pym_live_objects(), live);
}

/* Interning and dropping many distinct strings leaves the table's memory
 * where it was: dead strings leave the table. */
static void test_intern_table_bounded(void **state)
{
    (void)state;
    char name[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(name, sizeof name, "warm%d", i);
        pym_object *s = pym_str_intern_cstr(name);
        assert_non_null(s);
        pym_decref(s);
    }
    size_t bytes = pym_allocated_bytes();
    int n = quick() ? 20000 : 200000;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "name%d", i);
        pym_object *s = pym_str_intern_cstr(name);
        assert_non_null(s);
        pym_decref(s);
    }
#if !PYM_DEBUG /* debug builds keep freed blocks in a quarantine */
    assert_int_equal(pym_allocated_bytes(), bytes);
#endif
    (void)bytes;
}

/* Many live interned strings at once (the table grows and every one stays
 * findable), then freed in an order unrelated to insertion (removal must
 * keep the remaining ones findable). */
static void test_intern_many_live(void **state)
{
    (void)state;
    enum { N = 5000 };
    static pym_object *strs[N];
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "live-%d", i);
        strs[i] = pym_str_intern_cstr(name);
        assert_non_null(strs[i]);
    }
    for (int i = 0; i < N; i += 3) {
        pym_decref(strs[i]);
        strs[i] = NULL;
    }
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "live-%d", i);
        pym_object *s = pym_str_new(name);
        pym_object *c = pym_str_intern(s);
        if (strs[i] != NULL) assert_ptr_equal(c, strs[i]);
        else assert_ptr_equal(c, s);
        pym_decref(c);
        pym_decref(s);
    }
    for (int i = 0; i < N; i++) pym_xdecref(strs[i]);
}

/* Threads interning and dropping the same few names at once: every result
 * is the right text and interned, and nothing leaks (in the threaded modes
 * this races interning against the death of the previous canonical). */
static void *intern_worker(void *arg)
{
    int seed = *(int *)arg;
    char name[32];
    if (pym_thread_attach() != 0) return (void *)1;
    int iters = quick() ? 5000 : 50000;
    for (int i = 0; i < iters; i++) {
        int k = (i * 7 + seed) % 8;
        snprintf(name, sizeof name, "threaded-name-%d", k);
        pym_object *s = (i & 1) ? pym_str_intern_cstr(name) : pym_str_new(name);
        pym_object *c = (i & 1) ? pym_incref(s) : pym_str_intern(s);
        if (c == NULL || strcmp(pym_str_cstr(c), name) != 0 || !pym_str_is_interned(c))
            return (void *)1;
        pym_decref(c);
        pym_decref(s);
        if ((i & 63) == 0) pym_safepoint();
    }
    pym_thread_detach();
    return NULL;
}

static void test_intern_threads(void **state)
{
    (void)state;
    enum { T = 4 };
    pthread_t th[T];
    int seeds[T];
    void *rc[T];
    pym_allow_threads_begin();
    for (int i = 0; i < T; i++) {
        seeds[i] = i;
        assert_int_equal(pthread_create(&th[i], NULL, intern_worker, &seeds[i]), 0);
    }
    for (int i = 0; i < T; i++) pthread_join(th[i], &rc[i]);
    pym_allow_threads_end();
    for (int i = 0; i < T; i++) assert_null(rc[i]);
}

/* ---- contents -------------------------------------------------------------- */

static void test_embedded_nul(void **state)
{
    (void)state;
    pym_object *s = pym_str_new_len("a\0b", 3);
    assert_int_equal(pym_str_len(s), 3);
    assert_memory_equal(pym_str_cstr(s), "a\0b", 4);  /* NUL-terminated too */
    pym_object *a = pym_str_new("a");
    assert_int_equal(pym_equal(s, a), 0);
    pym_object *s2 = pym_str_new_len("a\0b", 3);
    assert_int_equal(pym_equal(s, s2), 1);
    int64_t h1, h2;
    assert_int_equal(pym_hash(s, &h1), 0);
    assert_int_equal(pym_hash(s2, &h2), 0);
    assert_int_equal(h1, h2);
    pym_object *i1 = pym_str_intern(s);
    pym_object *i2 = pym_str_intern(s2);
    assert_ptr_equal(i1, i2);
    pym_object *i3 = pym_str_intern_cstr("a");  /* stops at the NUL: a different string */
    assert_ptr_not_equal(i3, i1);
    pym_decref(i1);
    pym_decref(i2);
    pym_decref(s2);
    check_repr(s, "'a\\x00b'");
}

/* test_unicode.py::test_repr, restricted to what pym's byte-level repr
 * does: quote choice, backslash escapes, \xNN for control bytes, other
 * bytes (UTF-8 sequences) as they are. */
static void test_repr(void **state)
{
    (void)state;
    check_repr(pym_str_new(""), "''");
    check_repr(pym_str_new("abc"), "'abc'");
    check_repr(pym_str_new("it's"), "\"it's\"");
    check_repr(pym_str_new("say \"hi\""), "'say \"hi\"'");
    check_repr(pym_str_new("a'b\"c"), "'a\\'b\"c'");
    check_repr(pym_str_new("back\\slash"), "'back\\\\slash'");
    check_repr(pym_str_new("\n\r\t"), "'\\n\\r\\t'");
    check_repr(pym_str_new("\x01\x1f\x7f"), "'\\x01\\x1f\\x7f'");
    check_repr(pym_str_new("caf\xc3\xa9"), "'caf\xc3\xa9'");
    check_repr(pym_str_new("'"), "\"'\"");
    check_repr(pym_str_new("\""), "'\"'");
}

static void test_equal(void **state)
{
    (void)state;
    pym_object *a = pym_str_new("abc");
    pym_object *b = pym_str_new("abc");
    pym_object *c = pym_str_new("abd");
    pym_object *d = pym_str_new("abcd");
    pym_object *n = mortal_int();
    assert_int_equal(pym_equal(a, a), 1);
    assert_int_equal(pym_equal(a, b), 1);
    assert_int_equal(pym_equal(a, c), 0);
    assert_int_equal(pym_equal(a, d), 0);
    assert_int_equal(pym_equal(a, n), 0);
    assert_int_equal(pym_equal(n, a), 0);
    int64_t h;
    assert_int_equal(pym_hash(a, &h), 0);  /* cached hashes differ: still correct */
    assert_int_equal(pym_hash(c, &h), 0);
    assert_int_equal(pym_equal(a, c), 0);
    assert_int_equal(pym_equal(a, b), 1);
    pym_decref(a);
    pym_decref(b);
    pym_decref(c);
    pym_decref(d);
    pym_decref(n);
}

/* Equal strings hash equal; the hash is never -1 (reserved for errors). */
static void test_hash(void **state)
{
    (void)state;
    char buf[64];
    for (int i = 0; i < 2000; i++) {
        snprintf(buf, sizeof buf, "key number %d", i);
        pym_object *a = pym_str_new(buf);
        pym_object *b = pym_str_from_format("key number %d", i);
        int64_t ha, hb, ha2;
        assert_int_equal(pym_hash(a, &ha), 0);
        assert_int_equal(pym_hash(b, &hb), 0);
        assert_int_equal(pym_hash(a, &ha2), 0);
        assert_int_equal(ha, hb);
        assert_int_equal(ha, ha2);
        assert_true(ha != -1);
        pym_decref(a);
        pym_decref(b);
    }
    int64_t h1, h2;
    pym_object *x = pym_str_new("abcdefgh1");
    pym_object *y = pym_str_new("abcdefgh2");
    assert_int_equal(pym_hash(x, &h1), 0);
    assert_int_equal(pym_hash(y, &h2), 0);
    assert_true(h1 != h2);
    pym_decref(x);
    pym_decref(y);
    pym_object *e = pym_str_new("");
    assert_int_equal(pym_hash(e, &h1), 0);
    assert_true(h1 != -1);
}

/* The low bits of the hash index tables: near-identical keys must spread. */
static void test_hash_spreads(void **state)
{
    (void)state;
    enum { BUCKETS = 256, KEYS = 256 * 64 };
    static int count[BUCKETS];
    memset(count, 0, sizeof count);
    char buf[32];
    for (int i = 0; i < KEYS; i++) {
        snprintf(buf, sizeof buf, "k%d", i);
        pym_object *s = pym_str_new(buf);
        int64_t h;
        assert_int_equal(pym_hash(s, &h), 0);
        count[(uint64_t)h % BUCKETS]++;
        pym_decref(s);
    }
    for (int b = 0; b < BUCKETS; b++) {
        assert_true(count[b] > 20);   /* expected 64 per bucket */
        assert_true(count[b] < 120);
    }
}

static void test_from_format(void **state)
{
    (void)state;
    pym_object *s = pym_str_from_format("%d-%s-%.1f", 12, "ab", 1.5);
    assert_string_equal(pym_str_cstr(s), "12-ab-1.5");
    assert_int_equal(pym_str_len(s), 9);
    pym_decref(s);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    pym_object *l = pym_str_from_format("<%s>", big);
    assert_int_equal(pym_str_len(l), 1001);
    assert_int_equal(pym_str_cstr(l)[0], '<');
    assert_int_equal(pym_str_cstr(l)[1000], '>');
    assert_int_equal(pym_str_cstr(l)[1001], '\0');
    pym_decref(l);
}

/* ---- type errors ----------------------------------------------------------- */

static void expect_type_error(void)
{
    assert_int_equal(pym_err_occurred(), PYM_ERR_TYPE);
    pym_err_clear();
}

static void test_type_errors(void **state)
{
    (void)state;
    pym_object *n = mortal_int();
    pym_object *l = pym_list_new();
    assert_null(pym_str_cstr(n));
    expect_type_error();
    assert_int_equal(pym_str_len(l), 0);
    expect_type_error();
    assert_null(pym_str_intern(n));
    expect_type_error();
    assert_null(pym_str_intern(l));
    expect_type_error();
    assert_false(pym_str_is_interned(n));
    assert_false(pym_is_str(n));
    assert_null(pym_str_cstr(NULL));
    expect_type_error();
    assert_null(pym_str_new(NULL));
    expect_type_error();
    assert_null(pym_str_new_len(NULL, 3));
    expect_type_error();
    assert_null(pym_str_intern_cstr(NULL));
    expect_type_error();
    assert_null(pym_str_intern(NULL));
    expect_type_error();
    assert_int_equal(pym_refcount(n), 1);
    pym_decref(n);
    pym_decref(l);
}

static void test_type_name(void **state)
{
    (void)state;
    pym_object *s = pym_str_new("xy");
    assert_string_equal(pym_type_name(s), "str");
    assert_true(pym_is_str(s));
    assert_false(pym_gc_is_tracked(s));   /* str is not a GC type */
    assert_null(pym_weakref_new(s, NULL)); /* nor weak-referenceable */
    expect_type_error();
    pym_decref(s);
}

/* ---- out of memory --------------------------------------------------------- */

typedef struct oom_ctx {
    pym_object *in;
    pym_object *out;
    pym_object *many[40];
} oom_ctx;

static int op_str_new(void *p)
{
    oom_ctx *c = p;
    c->out = pym_str_new("a string long enough to need its own block");
    return c->out ? 0 : -1;
}

static void undo_out(void *p)
{
    oom_ctx *c = p;
    pym_decref(c->out);
    c->out = NULL;
}

static void test_oom_str_new(void **state)
{
    (void)state;
    oom_ctx c = {0};
    assert_true(pym_test_oom_loop(op_str_new, undo_out, &c) >= 1);
}

static int op_str_format(void *p)
{
    oom_ctx *c = p;
    char big[400];
    memset(big, 'y', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    c->out = pym_str_from_format("[%s]", big);  /* past the stack buffer */
    return c->out ? 0 : -1;
}

static void test_oom_str_format(void **state)
{
    (void)state;
    oom_ctx c = {0};
    assert_true(pym_test_oom_loop(op_str_format, undo_out, &c) >= 1);
}

static int op_str_repr(void *p)
{
    oom_ctx *c = p;
    c->out = pym_repr(c->in);
    return c->out ? 0 : -1;
}

static void test_oom_str_repr(void **state)
{
    (void)state;
    oom_ctx c = {.in = pym_str_new("it's\n\x01 a repr")};
    assert_non_null(c.in);
    assert_true(pym_test_oom_loop(op_str_repr, undo_out, &c) >= 1);
    pym_decref(c.in);
}

/* Interns 40 fresh names: string allocations and table growth both fail
 * somewhere in the sequence; a failure releases what the run made. */
static int op_intern_many(void *p)
{
    oom_ctx *c = p;
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "oom-name-%d", i);
        c->many[i] = pym_str_intern_cstr(name);
        if (c->many[i] != NULL) continue;
        while (i-- > 0) pym_decref(c->many[i]);
        return -1;
    }
    return 0;
}

static void undo_many(void *p)
{
    oom_ctx *c = p;
    for (int i = 0; i < 40; i++) pym_decref(c->many[i]);
}

/* Interning an existing object: only table growth can fail (growth failure
 * itself is covered by test_oom_intern_growth). */
static int op_intern_obj(void *p)
{
    oom_ctx *c = p;
    c->out = pym_str_intern(c->in);
    return c->out ? 0 : -1;
}

static void test_oom_intern(void **state)
{
    (void)state;
    /* No warm-up: the first interns of a fresh runtime must not leave a
     * block behind when they fail (the table exists from pym_init). */
    oom_ctx c = {0};
    assert_true(pym_test_oom_loop(op_intern_many, undo_many, &c) >= 40);
    c.in = pym_str_new("an object to intern");
    pym_test_oom_loop(op_intern_obj, undo_out, &c);
    assert_true(pym_str_is_interned(c.in));  /* alive, so still canonical */
    pym_decref(c.in);
}

/* Growth failure leaves the table as it was: fill it to the brink, make
 * the next growth fail, and check every entry is still found. */
static void test_oom_intern_growth(void **state)
{
    (void)state;
    enum { N = 300 };
    static pym_object *strs[N];
    char name[32];
    int failures = 0;
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "grow-%d", i);
        pym_object *s = pym_str_new(name);
        assert_non_null(s);
        fault_fail_at(1, true);      /* only growth allocates in intern */
        strs[i] = pym_str_intern(s);
        fault_fail_at(0, false);
        if (strs[i] == NULL) {
            failures++;
            assert_int_equal(pym_err_occurred(), PYM_ERR_MEMORY);
            pym_err_clear();
            assert_false(pym_str_is_interned(s));
            strs[i] = pym_str_intern(s);  /* with memory: succeeds */
            assert_ptr_equal(strs[i], s);
        }
        pym_decref(s);
    }
    assert_true(failures >= 2);  /* 300 entries: the table grew at least twice */
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "grow-%d", i);
        pym_object *s = pym_str_intern_cstr(name);
        assert_ptr_equal(s, strs[i]);
        pym_decref(s);
    }
    for (int i = 0; i < N; i++) pym_decref(strs[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        PYM_TEST(test_empty_singleton),
        PYM_TEST(test_char_singletons),
        PYM_TEST(test_high_byte_not_shared),
        PYM_TEST(test_two_chars_not_shared),
        PYM_TEST(test_intern_canonical),
        PYM_TEST(test_intern_singletons),
        PYM_TEST(test_intern_does_not_keep_alive),
        PYM_TEST(test_intern_table_bounded),
        PYM_TEST(test_intern_many_live),
        PYM_TEST(test_intern_threads),
        PYM_TEST(test_embedded_nul),
        PYM_TEST(test_repr),
        PYM_TEST(test_equal),
        PYM_TEST(test_hash),
        PYM_TEST(test_hash_spreads),
        PYM_TEST(test_from_format),
        PYM_TEST(test_type_errors),
        PYM_TEST(test_type_name),
        PYM_OOM_TEST(test_oom_str_new),
        PYM_OOM_TEST(test_oom_str_format),
        PYM_OOM_TEST(test_oom_str_repr),
        PYM_OOM_TEST(test_oom_intern),
        PYM_OOM_TEST(test_oom_intern_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
