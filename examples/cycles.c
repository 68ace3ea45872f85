/* cycles.c: a cycle that refcounting cannot free, found and freed by the
 * collector.  Run by `make demo` after the identity tour.
 *
 * Two "Person" instances point at each other (a.friend = b; b.friend = a).
 * When the program lets go of both, each still holds a reference to the
 * other, so neither count reaches zero.  pym_gc_collect finds the pair,
 * breaks the cycle with `clear`, and refcounting frees them. */
#include <stdio.h>
#include <unistd.h>
#include <string.h>

#include <pym.h>

static void print_counts(const char *when)
{
    int count[3];
    pym_gc_get_count(count);
    printf("   %-34s live objects: %zu, gc counts: (%d, %d, %d)\n", when,
           pym_live_objects(), count[0], count[1], count[2]);
}

/* A gc callback: the collector calls it with ("start"|"stop", info). */
static pym_object *on_gc(pym_object *self, pym_object *args)
{
    (void)self;
    pym_object *phase = pym_tuple_get(args, 0), *info = pym_tuple_get(args, 1);
    if (strcmp(pym_str_cstr(phase), "stop") == 0)
        printf("   [gc callback] stop: generation %lld, collected %lld\n",
               (long long)pym_int_value(pym_dict_get_str(info, "generation")),
               (long long)pym_int_value(pym_dict_get_str(info, "collected")));
    return pym_none();
}

static pym_object *person(const char *name)
{
    pym_object *p = pym_instance_new("Person");
    pym_object *n = pym_str_new(name);
    if (p == NULL || n == NULL || pym_setattr(p, "name", n) < 0) return NULL;
    pym_decref(n);
    return p;
}

int main(void)
{
    if (pym_init() != 0) return 1;
    bool tty = isatty(STDOUT_FILENO);  /* a bold title on a terminal only */
    printf("\n%sCycles: what refcounting cannot free%s\n", tty ? "\033[1m" : "", tty ? "\033[0m" : "");
    pym_object *cb = pym_cfunc_new("on_gc", on_gc, NULL);
    pym_gc_add_callback(cb);
    pym_decref(cb);
    print_counts("start");

    pym_object *a = person("Ada"), *b = person("Bob");
    if (a == NULL || b == NULL) return 1;
    pym_setattr(a, "friend", b);
    pym_setattr(b, "friend", a);
    print_counts("a.friend = b; b.friend = a");
    printf("   refcounts: a=%lld b=%lld (one from the program, one from the other)\n",
           (long long)pym_refcount(a), (long long)pym_refcount(b));

    pym_object *w = pym_weakref_new(a, NULL);
    pym_decref(a);
    pym_decref(b);
    pym_object *still = pym_weakref_get(w);
    print_counts("del a, b");
    printf("   a weakref to Ada still sees her: %s\n", still ? "yes" : "no");
    pym_xdecref(still);

    size_t found = pym_gc_collect(2);
    printf("   gc.collect() -> %zu unreachable objects (2 Persons + their 2 attribute dicts)\n", found);
    still = pym_weakref_get(w);
    printf("   the weakref now sees: %s\n", still ? "Ada (?)" : "None");
    print_counts("after the collection");
    pym_gc_stats st;
    pym_gc_get_stats(2, &st);
    printf("   generation 2 stats: %zu collection(s), %zu collected, %.1f us\n",
           st.collections, st.collected, st.seconds * 1e6);
    pym_xdecref(still);
    pym_decref(w);
    pym_fini();
    return found == 4 ? 0 : 1;
}
