/* identity.c: a guided tour of object identity in pym, run by `make demo`.
 *
 * Each stop shows a line of Python and what pym does with the same idea in
 * C, side by side, then says why.  Read it top to bottom: it is written to
 * be read as much as run. */
#include <stdio.h>
#include <unistd.h>
#include <stdlib.h>

#include <pym.h>

/* ---- small printing helpers ------------------------------------------------ */

static void stop(int n, const char *title)
{
    bool tty = isatty(STDOUT_FILENO);  /* bold titles on a terminal only */
    printf("\n%s%d. %s%s\n", tty ? "\033[1m" : "", n, title, tty ? "\033[0m" : "");
}

/* One line: the Python statement, then pym's answer. */
static void side(const char *python, const char *fmt, ...) PYM_PRINTF(2, 3);
static void side(const char *python, const char *fmt, ...)
{
    va_list ap;
    printf("   >>> %-34s pym: ", python);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static void why(const char *text) { printf("   why: %s\n", text); }

static const char *yes(bool b) { return b ? "True" : "False"; }

/* repr(o) as a C string valid until the next call. */
static const char *show(pym_object *o)
{
    static char buf[256];
    pym_object *r = pym_repr(o);
    snprintf(buf, sizeof buf, "%s", r ? pym_str_cstr(r) : "<error>");
    pym_xdecref(r);
    return buf;
}

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "identity demo: %s failed: %s\n", what, pym_err_message());
        exit(1);
    }
}

/* ---- the stops ---------------------------------------------------------------- */

static void small_ints(void)
{
    stop(1, "Small integers are shared; larger ones are not");
    pym_object *a = pym_int_new(256), *b = pym_int_new(256);
    side("a = 256; b = 256; a is b", "%s", yes(pym_is(a, b)));
    pym_object *c = pym_int_new(257), *d = pym_int_new(257);
    side("a = 257; b = 257; a is b", "%s", yes(pym_is(c, d)));
    side("a == b", "%s", yes(pym_equal(c, d) == 1));
    pym_object *x = pym_int_new(200), *y = pym_int_new(56);
    pym_object *sum = pym_int_add(x, y);
    side("(200 + 56) is 256", "%s", yes(pym_is(sum, a)));
    side("sys.getrefcount(256) is huge", "immortal=%s", yes(pym_is_immortal(a)));
    why("-5..256 are created once, at start-up, and never freed (immortal, PEP 683).\n"
        "        Every 256 anywhere is that one object; 257 is made fresh each time.");
    pym_decref(a); pym_decref(b); pym_decref(c); pym_decref(d);
    pym_decref(x); pym_decref(y); pym_decref(sum);
}

static void empty_containers(void)
{
    stop(2, "() is one object; [] is a new list every time");
    pym_object *t1 = pym_tuple_new(0, NULL), *t2 = pym_tuple_new(0, NULL);
    pym_object *l1 = pym_list_new(), *l2 = pym_list_new();
    check(t1 && t2 && l1 && l2, "allocation");
    side("() is ()", "%s", yes(pym_is(t1, t2)));
    side("[] is []", "%s", yes(pym_is(l1, l2)));
    side("[] == []", "%s", yes(pym_equal(l1, l2) == 1));
    why("an empty tuple can never change, so one immortal copy serves everyone;\n"
        "        two empty lists must be distinct, because appending to one must not\n"
        "        change the other.");
    pym_decref(t1); pym_decref(t2); pym_decref(l1); pym_decref(l2);
}

static pym_object *list_of(int n)
{
    pym_object *l = pym_list_new();
    check(l != NULL, "list");
    for (int i = 1; i <= n; i++) {
        pym_object *v = pym_int_new(i);
        check(v && pym_list_append(l, v) == 0, "append");
        pym_decref(v);
    }
    return l;
}

static void aliasing(void)
{
    stop(3, "b = a is aliasing: one list, two names");
    pym_object *a = list_of(3);
    pym_object *b = pym_incref(a);
    side("a = [1, 2, 3]; b = a", "a is b: %s, refcount %lld", yes(pym_is(a, b)),
         (long long)pym_refcount(a));
    pym_object *four = pym_int_new(4);
    check(pym_list_append(b, four) == 0, "append");
    side("b.append(4); a", "%s", show(a));
    why("assignment copies the reference, not the list: there is one object.");
    pym_decref(four); pym_decref(b); pym_decref(a);
}

static void copying(void)
{
    stop(4, "b = a.copy() is a new list, sharing storage until the first write");
    pym_object *a = list_of(3);
    pym_object *b = pym_list_copy(a);
    check(b != NULL, "copy");
    side("b = a.copy(); a is b", "%s", yes(pym_is(a, b)));
    side("(storage shared?)", "%s", yes(pym_list_shares_storage(a, b)));
    pym_object *five = pym_int_new(5);
    check(pym_list_append(b, five) == 0, "append");
    side("b.append(5); b", "%s", show(b));
    side("a", "%s (untouched)", show(a));
    side("(storage shared?)", "%s", yes(pym_list_shares_storage(a, b)));
    why("the copy costs O(1): both lists point at one item array.  The first\n"
        "        write to either side gives that side its own array (copy on demand).");
    pym_decref(five); pym_decref(b); pym_decref(a);
}

static void interning(void)
{
    stop(5, "Interning makes equal strings one object");
    pym_object *s1 = pym_str_new("hello world"), *s2 = pym_str_new("hello world");
    check(s1 && s2, "str");
    side("s1 = x + y; s2 = x + y; s1 is s2", "%s", yes(pym_is(s1, s2)));
    pym_object *i1 = pym_str_intern(s1), *i2 = pym_str_intern(s2);
    side("sys.intern(s1) is sys.intern(s2)", "%s", yes(pym_is(i1, i2)));
    pym_object *c1 = pym_str_new("a"), *c2 = pym_str_new("a");
    side("'a' is 'a'", "%s (one-character strings are shared)", yes(pym_is(c1, c2)));
    pym_object *items[2] = {c1, i1};
    pym_object *t1 = pym_tuple_new(2, items), *t2 = pym_tuple_new(2, items);
    pym_object *ti1 = pym_tuple_intern(t1), *ti2 = pym_tuple_intern(t2);
    check(ti1 && ti2, "tuple intern");
    side("t1 = t2 = ('a', s1): t1 is t2", "%s; interned: %s", yes(pym_is(t1, t2)), yes(pym_is(ti1, ti2)));
    why("an intern table maps each value to one canonical object, so identity\n"
        "        checks can stand in for comparisons.  pym's tables hold their entries\n"
        "        weakly: when the last outside reference goes, so does the entry.");
    pym_decref(s1); pym_decref(s2); pym_decref(i1); pym_decref(i2);
    pym_decref(c1); pym_decref(c2);
    pym_decref(t1); pym_decref(t2); pym_decref(ti1); pym_decref(ti2);
}

static void refcounts(void)
{
    stop(6, "Reference counts rise and fall as references come and go");
    pym_object *x = pym_list_new();
    side("x = []", "refcount %lld", (long long)pym_refcount(x));
    pym_object *y = pym_incref(x);
    side("y = x", "refcount %lld", (long long)pym_refcount(x));
    pym_object *holder = pym_list_new();
    check(holder && pym_list_append(holder, x) == 0, "append");
    side("holder = [x]", "refcount %lld", (long long)pym_refcount(x));
    pym_decref(holder);
    side("del holder", "refcount %lld", (long long)pym_refcount(x));
    pym_decref(y);
    side("del y", "refcount %lld", (long long)pym_refcount(x));
    why("every reference is counted; a container holds one reference per item.");
    pym_decref(x);
}

/* A user type whose destroy announces itself. */
typedef struct noisy {
    PYM_OBJECT_HEAD
    const char *name;
} noisy;

static void noisy_destroy(pym_object *self)
{
    printf("destroy ran: %s is gone, during this very statement", ((noisy *)self)->name);
}

static const pym_type noisy_type = {
    .name = "Noisy",
    .size = sizeof(noisy),
    .flags = PYM_TYPE_WEAKREFABLE,
    .destroy = noisy_destroy,
};

static void destruction(void)
{
    stop(7, "An object dies the instant its last reference goes");
    pym_object *o = pym_new(&noisy_type);
    check(o != NULL, "new");
    ((noisy *)o)->name = "obj";
    pym_object *w = pym_weakref_new(o, NULL);
    check(w != NULL, "weakref");
    pym_object *seen = pym_weakref_get(w);
    side("obj = Noisy(); w = ref(obj)", "w() is obj: %s", yes(pym_is(seen, o)));
    pym_decref(seen);
    printf("   >>> %-34s pym: ", "del obj");
    pym_decref(o);
    printf("\n");
    seen = pym_weakref_get(w);
    side("w()", "%s", seen ? "the object" : "None");
    why("refcounting frees deterministically: no pause, no waiting for a\n"
        "        collector.  A weak reference watches without keeping the object alive.");
    pym_decref(w);
}

static void cycles(void)
{
    stop(8, "Cycles need the collector");
    size_t before = pym_live_objects();
    pym_object *a = pym_list_new();
    check(a && pym_list_append(a, a) == 0, "append");
    pym_decref(a);
    side("a = []; a.append(a); del a", "%s", "(nothing happens)");
    side("(still alive?)", "%zu object(s) kept alive by the cycle", pym_live_objects() - before);
    size_t found = pym_gc_collect(2);
    side("gc.collect()", "%zu", found);
    why("a list that contains itself always has a reference from itself, so its\n"
        "        count never reaches zero.  The cyclic collector finds such groups.");
}

int main(void)
{
    if (pym_init() != 0) return 1;
    printf("pym identity tour (%s build): Python on the left, pym on the right.\n", pym_mode());
    small_ints();
    empty_containers();
    aliasing();
    copying();
    interning();
    refcounts();
    destruction();
    cycles();
    printf("\nlive objects at the end: %zu\n", pym_live_objects());
    pym_fini();
    return 0;
}
