/* bench/objects.c: pym against CPython's C API, side by side, in one process.
 *
 * The process embeds CPython (Py_Initialize) and starts pym (pym_init), then
 * times each workload in `workloads` on both runtimes, interleaved (pym,
 * CPython, pym, CPython, ...) so drift in clock speed or cache state hits
 * both sides alike.  Each side keeps its best (minimum) ns/op over REPS
 * repetitions; the table prints both and their ratio (below 1.0: pym is
 * faster).  A second table compares the bytes one object occupies: pym's
 * from pym_allocated_bytes() around creating it, CPython's from
 * sys.getsizeof.  This is a report, not a test: it exits 0 whatever it
 * measures.  bench/README.md explains each row. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pym.h"
#include "side_by_side.h"

#define REPS 21
#define N_OPS 1000000           /* operations per repetition */
#define N_PAIRS 10000000        /* incref+decref is ~1 ns: 10x the ops keeps
                                   the clock reads negligible */
#define FIRST_INT 1000          /* outside both runtimes' small-int caches */

/* ---- shared helpers ------------------------------------------------------ */

/* Forces `p` (and everything it points to) to be materialised here: the
 * compiler must finish every store before and reload after.  Used the same
 * way on both sides. */
static inline void barrier(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/* Results land here so neither side's loop can be proven dead. */
static const void *volatile sink;


/* ---- fixtures: objects created once, before any timing ------------------- */

static struct {
    pym_object *a, *b;          /* tuple items */
    pym_object *value;          /* dict value */
    pym_object *target;         /* incref/decref target */
    pym_object **items;         /* N_OPS distinct ints to append */
} pf;

static struct {
    PyObject *a, *b, *value, *target;
    PyObject **items;
} cf;

static void fixtures_make(void)
{
    pf.items = malloc(N_OPS * sizeof *pf.items);
    cf.items = malloc(N_OPS * sizeof *cf.items);
    if (pf.items == NULL || cf.items == NULL) die("malloc");
    for (size_t i = 0; i < N_OPS; i++) {
        pf.items[i] = pym_int_new(FIRST_INT + (int64_t)i);
        cf.items[i] = PyLong_FromLongLong(FIRST_INT + (long long)i);
        if (pf.items[i] == NULL || cf.items[i] == NULL) die("int fixture");
    }
    pf.a = pf.items[0], pf.b = pf.items[1], pf.value = pf.items[2], pf.target = pf.items[3];
    cf.a = cf.items[0], cf.b = cf.items[1], cf.value = cf.items[2], cf.target = cf.items[3];
}

static void fixtures_free(void)
{
    for (size_t i = 0; i < N_OPS; i++) {
        pym_decref(pf.items[i]);
        Py_DECREF(cf.items[i]);
    }
    free(pf.items);
    free(cf.items);
}

/* ---- workloads: each pair does the same work on the two runtimes --------- */

/* int create+free: a fresh int per value, dropped at once. */
static void pym_int_churn(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pym_object *o = pym_int_new(FIRST_INT + (int64_t)i);
        if (o == NULL) die("pym_int_new");
        sink = o;
        pym_decref(o);
    }
}

static void cpy_int_churn(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        PyObject *o = PyLong_FromLongLong(FIRST_INT + (long long)i);
        if (o == NULL) die("PyLong_FromLongLong");
        sink = o;
        Py_DECREF(o);
    }
}

/* 2-tuple create+free: both varargs packers, GC tracking included. */
static void pym_tuple_churn(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        pym_object *t = pym_tuple_pack(2, pf.a, pf.b);
        if (t == NULL) die("pym_tuple_pack");
        sink = t;
        pym_decref(t);
    }
}

static void cpy_tuple_churn(size_t n)
{
    for (size_t i = 0; i < n; i++) {
        PyObject *t = PyTuple_Pack(2, cf.a, cf.b);
        if (t == NULL) die("PyTuple_Pack");
        sink = t;
        Py_DECREF(t);
    }
}

/* list append: n distinct ints into one fresh list, which is then freed
 * (creation and destruction are inside the timed region). */
static void pym_list_appends(size_t n)
{
    pym_object *l = pym_list_new();
    if (l == NULL) die("pym_list_new");
    for (size_t i = 0; i < n; i++)
        if (pym_list_append(l, pf.items[i]) != 0) die("pym_list_append");
    sink = l;
    pym_decref(l);
}

static void cpy_list_appends(size_t n)
{
    PyObject *l = PyList_New(0);
    if (l == NULL) die("PyList_New");
    for (size_t i = 0; i < n; i++)
        if (PyList_Append(l, cf.items[i]) != 0) die("PyList_Append");
    sink = l;
    Py_DECREF(l);
}

/* dict set: n fresh int keys (created, set, dropped) into one fresh dict,
 * which is then freed inside the timed region. */
static void pym_dict_sets(size_t n)
{
    pym_object *d = pym_dict_new();
    if (d == NULL) die("pym_dict_new");
    for (size_t i = 0; i < n; i++) {
        pym_object *k = pym_int_new(FIRST_INT + (int64_t)i);
        if (k == NULL || pym_dict_set(d, k, pf.value) != 0) die("pym_dict_set");
        pym_decref(k);
    }
    sink = d;
    pym_decref(d);
}

static void cpy_dict_sets(size_t n)
{
    PyObject *d = PyDict_New();
    if (d == NULL) die("PyDict_New");
    for (size_t i = 0; i < n; i++) {
        PyObject *k = PyLong_FromLongLong(FIRST_INT + (long long)i);
        if (k == NULL || PyDict_SetItem(d, k, cf.value) != 0) die("PyDict_SetItem");
        Py_DECREF(k);
    }
    sink = d;
    Py_DECREF(d);
}

/* incref+decref: one live object, so decref never frees; the barrier after
 * each step keeps the compiler from cancelling the pair. */
static void pym_ref_pairs(size_t n)
{
    pym_object *o = pf.target;
    for (size_t i = 0; i < n; i++) {
        pym_incref(o);
        barrier(o);
        pym_decref(o);
        barrier(o);
    }
}

static void cpy_ref_pairs(size_t n)
{
    PyObject *o = cf.target;
    for (size_t i = 0; i < n; i++) {
        Py_INCREF(o);
        barrier(o);
        Py_DECREF(o);
        barrier(o);
    }
}

typedef void (*work_fn)(size_t n);

typedef struct workload {
    const char *name;
    size_t n;                   /* operations per repetition */
    work_fn pym_fn, cpython_fn;
} workload;

static const workload workloads[] = {
    {"int create+free (outside cache)", N_OPS, pym_int_churn, cpy_int_churn},
    {"2-tuple create+free", N_OPS, pym_tuple_churn, cpy_tuple_churn},
    {"list append", N_OPS, pym_list_appends, cpy_list_appends},
    {"dict set, int keys", N_OPS, pym_dict_sets, cpy_dict_sets},
    {"incref+decref pair", N_PAIRS, pym_ref_pairs, cpy_ref_pairs},
};
#define N_WORKLOADS (sizeof workloads / sizeof workloads[0])

/* ---- timing -------------------------------------------------------------- */

static double time_per_op(work_fn fn, size_t n)
{
    double t0 = now_ns();
    fn(n);
    return (now_ns() - t0) / (double)n;
}

static double min2(double a, double b) { return a < b ? a : b; }

/* One untimed round (fills pools and free lists), then REPS interleaved
 * rounds; the best of each side goes to best[0] (pym) and best[1]. */
static void measure(const workload *w, double best[2])
{
    w->pym_fn(w->n);
    w->cpython_fn(w->n);
    best[0] = best[1] = 1e300;
    for (int r = 0; r < REPS; r++) {
        best[0] = min2(best[0], time_per_op(w->pym_fn, w->n));
        best[1] = min2(best[1], time_per_op(w->cpython_fn, w->n));
    }
}

/* How many rows a table printed and how many of them missed the target. */
typedef struct tally {
    int rows, missed;
} tally;

/* Prints the speed table for the workloads whose name contains `only`
 * (all when NULL). */
static tally run_speed_table(const char *only)
{
    tally t = {0, 0};
    printf("%-34s %10s %15s %13s\n", "workload", "pym ns/op", "CPython ns/op", "pym/CPython");
    for (size_t i = 0; i < N_WORKLOADS; i++) {
        if (only != NULL && strstr(workloads[i].name, only) == NULL) continue;
        double best[2];
        measure(&workloads[i], best);
        double ratio = best[0] / best[1];
        t.rows++;
        t.missed += ratio > 1.0;
        printf("%-34s %10.2f %15.2f %13.2f%s\n", workloads[i].name, best[0], best[1],
               ratio, ratio > 1.0 ? "  <-- slower" : "");
        fflush(stdout);
    }
    return t;
}

/* ---- sizes --------------------------------------------------------------- */

typedef pym_object *(*pym_maker)(void);
typedef PyObject *(*cpy_maker)(void);

static pym_object *pym_make_int(void) { return pym_int_new(FIRST_INT); }
static pym_object *pym_make_tuple(void) { return pym_tuple_pack(2, pf.a, pf.b); }
static PyObject *cpy_make_int(void) { return PyLong_FromLongLong(FIRST_INT); }
static PyObject *cpy_make_tuple(void) { return PyTuple_Pack(2, cf.a, cf.b); }
static PyObject *cpy_make_list(void) { return PyList_New(0); }

typedef struct size_row {
    const char *name;
    pym_maker pym_make;
    cpy_maker cpython_make;
} size_row;

static const size_row size_rows[] = {
    {"int (1000, outside the cache)", pym_make_int, cpy_make_int},
    {"2-tuple", pym_make_tuple, cpy_make_tuple},
    {"empty list", pym_list_new, cpy_make_list},
    {"empty dict", pym_dict_new, PyDict_New},
};
#define N_SIZE_ROWS (sizeof size_rows / sizeof size_rows[0])

/* Bytes pym's allocator handed out for one new object (all of its blocks,
 * the GC and weakref words in front included). */
static size_t pym_footprint(pym_maker make)
{
    size_t before = pym_allocated_bytes();
    pym_object *o = make();
    if (o == NULL) die("pym size probe");
    size_t bytes = pym_allocated_bytes() - before;
    pym_decref(o);
    return bytes;
}

/* sys.getsizeof(o) for one new object. */
static size_t cpy_footprint(cpy_maker make)
{
    PyObject *getsizeof = PySys_GetObject("getsizeof"); /* borrowed */
    PyObject *o = make();
    if (getsizeof == NULL || o == NULL) die("CPython size probe");
    PyObject *r = PyObject_CallOneArg(getsizeof, o);
    Py_DECREF(o);
    if (r == NULL) die("sys.getsizeof");
    size_t bytes = PyLong_AsSize_t(r);
    Py_DECREF(r);
    return bytes;
}

/* Prints the size table; a row misses when pym's object is larger. */
static tally run_size_table(void)
{
    tally t = {0, 0};
    printf("\n%-34s %10s %15s %13s\n", "bytes per object", "pym", "CPython", "pym-CPython");
    for (size_t i = 0; i < N_SIZE_ROWS; i++) {
        size_t p = pym_footprint(size_rows[i].pym_make);
        size_t c = cpy_footprint(size_rows[i].cpython_make);
        t.rows++;
        t.missed += p > c;
        printf("%-34s %10zu %15zu %+13lld%s\n", size_rows[i].name, p, c,
               (long long)p - (long long)c, p > c ? "  <-- larger" : "");
    }
    return t;
}

/* ---- main ---------------------------------------------------------------- */

static void print_header(void)
{
    const char *v = Py_GetVersion();
    printf("pym mode %s vs CPython %.*s\n", pym_mode(), (int)strcspn(v, "\n"), v);
    printf("best of %d interleaved repetitions; %d ops per repetition "
           "(incref+decref: %d)\n\n", REPS, N_OPS, N_PAIRS);
}

/* `objects [NAME]`: with an argument, only the workloads whose name
 * contains NAME run (for profiling one row under perf). */
int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    bench_name = "bench/objects";
    Py_Initialize();
    if (pym_init() != 0) die("pym_init");
    fixtures_make();
    print_header();
    tally speed = run_speed_table(only);
    tally size = run_size_table();
    bool met = speed.missed == 0 && size.missed == 0;
    printf("\n%s: %d of %d ratios above 1.0, %d of %d pym objects larger\n",
           met ? "TARGETS MET" : "TARGETS MISSED", speed.missed, speed.rows,
           size.missed, size.rows);
    fixtures_free();
    pym_fini();
    Py_FinalizeEx();
    return 0;
}
