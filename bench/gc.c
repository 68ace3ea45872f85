/* bench/gc.c: pym's cyclic collector against CPython's, side by side, in one
 * process.
 *
 * The process embeds CPython (Py_Initialize) and starts pym (pym_init).  Each
 * workload builds the same object graph on both runtimes (untimed, with
 * automatic collection disabled on that side) and times full collections of
 * it: pym_gc_collect(2) against PyGC_Collect().  Sides alternate (pym,
 * CPython, pym, ...) so drift in clock speed or cache state hits both alike;
 * each side keeps its fastest collection.  The rows:
 *
 *   (a) 1M 2-cycles of lists, all unreachable: one collection finds and
 *       frees them
 *   (b) 1M small lists, all reachable from one root list: nothing to free
 *   (c) pyperformance's gc_collect (100 rings of 21 linked nodes, garbage)
 *       and gc_traversal (1000 levels of lists, live) shapes
 *   (d) pym alone: (a) at 10^4 .. 10^7 lists, to show the cost per object
 *       does not grow with the heap
 *
 * Both runtimes' startup objects are frozen (gc.freeze(), pym_gc_freeze())
 * before any workload, so every collection sees only the workload's
 * objects.  This is a report, not a test: it exits 0 whatever it measures.
 * bench/README.md explains each row. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pym.h"
#include "side_by_side.h"

#define REPS 7                  /* timed repetitions per side */
#define N_PAIRS 1000000         /* (a): 2-cycles, so 2M lists */
#define N_LIVE 1000000          /* (b): live lists under the root */
#define RINGS 100               /* (c) gc_collect: pyperformance's CYCLES */
#define RING_LEN 21             /*   ... and LINKS + 1 */
#define LEVELS 1000             /* (c) gc_traversal: pyperformance's N_LEVELS */
#define TARGET_RATIO 0.5        /* (a), (b): pym at most half of CPython */
#define TARGET_SPREAD 2.0       /* (d): max/min ns per object */

/* ---- helpers ------------------------------------------------------------- */

static double min2(double a, double b) { return a < b ? a : b; }

/* ---- CPython's gc module ------------------------------------------------- */

static PyObject *cpy_gc;        /* the gc module */

/* gc.<method>() for the methods that take no argument; returns its result
 * as a number (0 for None). */
static long cpy_gc_call(const char *method)
{
    PyObject *r = PyObject_CallMethod(cpy_gc, method, NULL);
    if (r == NULL) die(method);
    long v = r == Py_None ? 0 : PyLong_AsLong(r);
    Py_DECREF(r);
    return v;
}

/* ---- the two collections being compared ---------------------------------- */

/* Automatic collection is off while a graph is built (so it is found whole
 * by the one timed collection) and back on just before that collection:
 * PyGC_Collect does nothing while CPython's collector is disabled. */
static double pym_timed_collect(size_t *found)
{
    pym_gc_enable();
    double t0 = now_ns();
    size_t n = pym_gc_collect(2);
    double t = now_ns() - t0;
    if (pym_err_occurred()) die("pym_gc_collect");
    *found = n;
    return t;
}

static double cpy_timed_collect(size_t *found)
{
    cpy_gc_call("enable");
    double t0 = now_ns();
    Py_ssize_t n = PyGC_Collect();
    double t = now_ns() - t0;
    if (n < 0 || PyErr_Occurred()) die("PyGC_Collect");
    *found = (size_t)n;
    return t;
}

/* ---- (a), (d): unreachable 2-cycles of lists ------------------------------ */

/* a = [], b = [], a.append(b), b.append(a), drop both; `lists` is even. */
static void pym_make_pairs(size_t lists)
{
    pym_gc_disable();
    for (size_t i = 0; i < lists / 2; i++) {
        pym_object *a = pym_list_new(), *b = pym_list_new();
        if (a == NULL || b == NULL) die("pym_list_new");
        if (pym_list_append(a, b) != 0 || pym_list_append(b, a) != 0) die("pym_list_append");
        pym_decref(a);
        pym_decref(b);
    }
}

static void cpy_make_pairs(size_t lists)
{
    cpy_gc_call("disable");
    for (size_t i = 0; i < lists / 2; i++) {
        PyObject *a = PyList_New(0), *b = PyList_New(0);
        if (a == NULL || b == NULL) die("PyList_New");
        if (PyList_Append(a, b) != 0 || PyList_Append(b, a) != 0) die("PyList_Append");
        Py_DECREF(a);
        Py_DECREF(b);
    }
}

/* ---- (b), gc_traversal: live graphs under one root ----------------------- */

static pym_object *pym_root;
static PyObject *cpy_root;

static void pym_drop_root(void)
{
    pym_decref(pym_root);
    pym_root = NULL;
}

static void cpy_drop_root(void)
{
    Py_DECREF(cpy_root);
    cpy_root = NULL;
}

/* root = [[0], [1], ..., [lists - 1]] */
static void pym_make_live(size_t lists)
{
    pym_gc_disable();
    if ((pym_root = pym_list_new()) == NULL) die("pym_list_new");
    for (size_t i = 0; i < lists; i++) {
        pym_object *l = pym_list_new(), *v = pym_int_new((int64_t)i);
        if (l == NULL || v == NULL) die("pym live list");
        if (pym_list_append(l, v) != 0 || pym_list_append(pym_root, l) != 0) die("pym_list_append");
        pym_decref(v);
        pym_decref(l);
    }
}

static void cpy_make_live(size_t lists)
{
    cpy_gc_call("disable");
    if ((cpy_root = PyList_New(0)) == NULL) die("PyList_New");
    for (size_t i = 0; i < lists; i++) {
        PyObject *l = PyList_New(0), *v = PyLong_FromSize_t(i);
        if (l == NULL || v == NULL) die("CPython live list");
        if (PyList_Append(l, v) != 0 || PyList_Append(cpy_root, l) != 0) die("PyList_Append");
        Py_DECREF(v);
        Py_DECREF(l);
    }
}

/* root = [[], [], ...]: an empty pym list has no storage yet, so this is
 * one GC object per list on both sides. */
static void pym_make_empties(size_t lists)
{
    pym_gc_disable();
    if ((pym_root = pym_list_new()) == NULL) die("pym_list_new");
    for (size_t i = 0; i < lists; i++) {
        pym_object *l = pym_list_new();
        if (l == NULL || pym_list_append(pym_root, l) != 0) die("pym empty list");
        pym_decref(l);
    }
}

static void cpy_make_empties(size_t lists)
{
    cpy_gc_call("disable");
    if ((cpy_root = PyList_New(0)) == NULL) die("PyList_New");
    for (size_t i = 0; i < lists; i++) {
        PyObject *l = PyList_New(0);
        if (l == NULL || PyList_Append(cpy_root, l) != 0) die("CPython empty list");
        Py_DECREF(l);
    }
}

/* pyperformance's create_recursive_containers: level n is a list holding n
 * references to level n-1; the root is the last level.  `lists` counts
 * the empty list it starts from, so levels = lists - 1. */
static void pym_make_levels(size_t lists)
{
    pym_gc_disable();
    pym_object *cur = pym_list_new();
    if (cur == NULL) die("pym_list_new");
    for (size_t n = 0; n + 1 < lists; n++) {
        pym_object *next = pym_list_new();
        if (next == NULL) die("pym_list_new");
        for (size_t i = 0; i < n; i++)
            if (pym_list_append(next, cur) != 0) die("pym_list_append");
        pym_decref(cur);
        cur = next;
    }
    pym_root = cur;
}

static void cpy_make_levels(size_t lists)
{
    cpy_gc_call("disable");
    PyObject *cur = PyList_New(0);
    if (cur == NULL) die("PyList_New");
    for (size_t n = 0; n + 1 < lists; n++) {
        PyObject *next = PyList_New(0);
        if (next == NULL) die("PyList_New");
        for (size_t i = 0; i < n; i++)
            if (PyList_Append(next, cur) != 0) die("PyList_Append");
        Py_DECREF(cur);
        cur = next;
    }
    cpy_root = cur;
}

/* ---- gc_collect: rings of doubly linked nodes ---------------------------- */

/* Two node kinds per side, with the same shape (`next` and `prev`):
 *   instances: pym_instance_new + pym_setattr, against instances of
 *     pyperformance's plain `class Node` (attributes set in __init__);
 *   fixed slots: a pym user GC type with two fields, against a class with
 *     __slots__ = ('next', 'prev'). */
typedef struct pym_node {
    PYM_OBJECT_HEAD
    pym_object *next, *prev;
} pym_node;

static int node_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    PYM_VISIT(((pym_node *)self)->next);
    PYM_VISIT(((pym_node *)self)->prev);
    return 0;
}

/* Fields are emptied before anything is released: code a dying neighbour
 * runs never sees a half-cleared node. */
static void node_clear(pym_object *self)
{
    pym_node *n = (pym_node *)self;
    pym_object *next = n->next, *prev = n->prev;
    n->next = n->prev = NULL;
    pym_xdecref(next);
    pym_xdecref(prev);
}

static const pym_type node_type = {
    .name = "SlotNode",
    .size = sizeof(pym_node),
    .flags = PYM_TYPE_GC,
    .traverse = node_traverse,
    .clear = node_clear,
    .destroy = node_clear,
};

/* Replaces a field's reference (incref the new one first, drop the old). */
static void node_store(pym_object **slot, pym_object *v)
{
    pym_object *old = *slot;
    *slot = pym_incref(v);
    pym_xdecref(old);
}

static pym_object *pym_slot_node(void)
{
    pym_object *n = pym_new(&node_type);
    if (n == NULL) die("pym_new");
    return n;
}

static void pym_slot_link(pym_object *a, pym_object *b)
{
    node_store(&((pym_node *)a)->next, b);
    node_store(&((pym_node *)b)->prev, a);
}

static pym_object *pym_instance_node(void)
{
    pym_object *n = pym_instance_new("Node");
    if (n == NULL) die("pym_instance_new");
    if (pym_setattr(n, "next", pym_none()) != 0 || pym_setattr(n, "prev", pym_none()) != 0)
        die("pym_setattr");
    return n;
}

static void pym_instance_link(pym_object *a, pym_object *b)
{
    if (pym_setattr(a, "next", b) != 0 || pym_setattr(b, "prev", a) != 0) die("pym_setattr");
}

/* `nodes` / RING_LEN rings, each closed and then dropped. */
static void pym_make_rings(size_t nodes, pym_object *(*make)(void),
                           void (*link)(pym_object *, pym_object *))
{
    pym_gc_disable();
    for (size_t r = 0; r < nodes / RING_LEN; r++) {
        pym_object *first = make();
        pym_object *cur = pym_incref(first);
        for (size_t i = 1; i < RING_LEN; i++) {
            pym_object *next = make();
            link(cur, next);
            pym_decref(cur);
            cur = next;
        }
        link(cur, first);
        pym_decref(cur);
        pym_decref(first);
    }
}

static void pym_make_instance_rings(size_t nodes)
{
    pym_make_rings(nodes, pym_instance_node, pym_instance_link);
}

static void pym_make_slot_rings(size_t nodes)
{
    pym_make_rings(nodes, pym_slot_node, pym_slot_link);
}

static PyObject *cpy_node_class;      /* class Node (pyperformance's) */
static PyObject *cpy_slot_class;      /* class SlotNode: __slots__ */
static PyObject *cpy_next, *cpy_prev; /* interned attribute names */

static const char cpy_classes[] =
    "class Node:\n"
    "    def __init__(self):\n"
    "        self.next = None\n"
    "        self.prev = None\n"
    "class SlotNode:\n"
    "    __slots__ = ('next', 'prev')\n";

static void cpy_classes_make(void)
{
    PyObject *ns = PyDict_New();
    if (ns == NULL || PyDict_SetItemString(ns, "__builtins__", PyEval_GetBuiltins()) != 0)
        die("namespace");
    PyObject *r = PyRun_String(cpy_classes, Py_file_input, ns, ns);
    if (r == NULL) die("PyRun_String");
    Py_DECREF(r);
    cpy_node_class = Py_NewRef(PyDict_GetItemString(ns, "Node"));
    cpy_slot_class = Py_NewRef(PyDict_GetItemString(ns, "SlotNode"));
    Py_DECREF(ns);
    cpy_next = PyUnicode_InternFromString("next");
    cpy_prev = PyUnicode_InternFromString("prev");
    if (cpy_next == NULL || cpy_prev == NULL) die("attribute names");
}

static void cpy_classes_free(void)
{
    Py_CLEAR(cpy_node_class);
    Py_CLEAR(cpy_slot_class);
    Py_CLEAR(cpy_next);
    Py_CLEAR(cpy_prev);
}

static PyObject *cpy_node(PyObject *cls)
{
    PyObject *n = PyObject_CallNoArgs(cls);
    if (n == NULL) die("node class call");
    return n;
}

static void cpy_link(PyObject *a, PyObject *b)
{
    if (PyObject_SetAttr(a, cpy_next, b) != 0 || PyObject_SetAttr(b, cpy_prev, a) != 0)
        die("PyObject_SetAttr");
}

static void cpy_make_rings(size_t nodes, PyObject *cls)
{
    cpy_gc_call("disable");
    for (size_t r = 0; r < nodes / RING_LEN; r++) {
        PyObject *first = cpy_node(cls);
        PyObject *cur = Py_NewRef(first);
        for (size_t i = 1; i < RING_LEN; i++) {
            PyObject *next = cpy_node(cls);
            cpy_link(cur, next);
            Py_DECREF(cur);
            cur = next;
        }
        cpy_link(cur, first);
        Py_DECREF(cur);
        Py_DECREF(first);
    }
}

static void cpy_make_instance_rings(size_t nodes) { cpy_make_rings(nodes, cpy_node_class); }
static void cpy_make_slot_rings(size_t nodes) { cpy_make_rings(nodes, cpy_slot_class); }

/* ---- workloads ------------------------------------------------------------ */

typedef struct side {
    void (*build)(size_t objects);   /* untimed: the graph to collect */
    void (*drop)(void);              /* live graphs: releases the root; else NULL */
    double (*collect)(size_t *found);
    size_t gc_objects;               /* GC objects per counted object, times 1000 */
} side;

typedef struct workload {
    const char *name;
    size_t objects;        /* the per-object divisor: lists or nodes */
    int collections;       /* timed collections per repetition (the best counts) */
    bool garbage;          /* rebuilt before every collection; else built once */
    double target;         /* pym/CPython at most this, or 0: none */
    side pym, cpy;
} workload;

/* GC objects per counted object, x1000: one for a list (its storage is
 * not tracked until a copy shares it, see runtime/objects/list.c), two for
 * an instance with attributes (the instance and its dict). */
#define PYM_LIST_GC 1000
#define ONE_GC 1000

static const workload workloads[] = {
    {"(a) 1M 2-cycles (2M lists), collect+free", 2 * N_PAIRS, 1, true, TARGET_RATIO,
     {pym_make_pairs, NULL, pym_timed_collect, PYM_LIST_GC},
     {cpy_make_pairs, NULL, cpy_timed_collect, ONE_GC}},
    {"(b) full collection, 1M live containers", N_LIVE, 3, false, TARGET_RATIO,
     {pym_make_live, pym_drop_root, pym_timed_collect, PYM_LIST_GC},
     {cpy_make_live, cpy_drop_root, cpy_timed_collect, ONE_GC}},
    {"(b) full collection, 1M live empty lists", N_LIVE, 3, false, TARGET_RATIO,
     {pym_make_empties, pym_drop_root, pym_timed_collect, ONE_GC},
     {cpy_make_empties, cpy_drop_root, cpy_timed_collect, ONE_GC}},
    {"(c) gc_collect rings, instances", RINGS * RING_LEN, 40, true, 0,
     {pym_make_instance_rings, NULL, pym_timed_collect, 2 * ONE_GC},
     {cpy_make_instance_rings, NULL, cpy_timed_collect, ONE_GC}},
    {"(c) gc_collect rings, __slots__/user type", RINGS * RING_LEN, 40, true, 0,
     {pym_make_slot_rings, NULL, pym_timed_collect, ONE_GC},
     {cpy_make_slot_rings, NULL, cpy_timed_collect, ONE_GC}},
    {"(c) gc_traversal, 1000 levels of lists", LEVELS + 1, 20, false, 0,
     {pym_make_levels, pym_drop_root, pym_timed_collect, PYM_LIST_GC},
     {cpy_make_levels, cpy_drop_root, cpy_timed_collect, ONE_GC}},
};
#define N_WORKLOADS (sizeof workloads / sizeof workloads[0])

/* One side's best repetition and what its last collection found. */
typedef struct result {
    double best_ns;        /* the fastest collection */
    size_t found;
    size_t found_min, found_max;
} result;

/* One repetition: `collections` timed collections, rebuilt before each for
 * garbage workloads; returns the fastest.  Taking the best single
 * collection (not a sum) keeps a burst of noise from a neighbour on this
 * shared machine out of the result. */
static double run_rep(const workload *w, const side *s, result *r)
{
    double best = 1e300;
    for (int c = 0; c < w->collections; c++) {
        if (w->garbage) s->build(w->objects);
        size_t found;
        best = min2(best, s->collect(&found));
        r->found = found;
        if (found < r->found_min) r->found_min = found;
        if (found > r->found_max) r->found_max = found;
    }
    return best;
}

/* An untimed warm-up repetition per side (pools, free lists, page faults),
 * then REPS alternating ones. */
static void measure(const workload *w, result *p, result *c)
{
    *p = *c = (result){1e300, 0, SIZE_MAX, 0};
    if (!w->garbage) {
        w->pym.build(w->objects);
        w->cpy.build(w->objects);
    }
    run_rep(w, &w->pym, p);
    run_rep(w, &w->cpy, c);
    for (int r = 0; r < REPS; r++) {
        p->best_ns = min2(p->best_ns, run_rep(w, &w->pym, p));
        c->best_ns = min2(c->best_ns, run_rep(w, &w->cpy, c));
    }
    if (!w->garbage) {
        w->pym.drop();
        w->cpy.drop();
    }
}

/* ---- the comparison table --------------------------------------------------- */

typedef struct tally {
    int checked, missed;   /* targets checked and missed */
    int bad_counts;        /* collections that found an unexpected number */
} tally;

static double per_object(const workload *w, const result *r)
{
    return r->best_ns / (double)w->objects;
}

/* Garbage: every object found (at least the counted ones, as pyperformance
 * asserts); live graphs: nothing found. */
static bool counts_ok(const workload *w, const result *r, size_t exact)
{
    if (!w->garbage) return r->found_max == 0;
    return r->found_min >= w->objects && (exact == 0 || r->found_max == exact);
}

static void print_found(const workload *w, const result *p, const result *c, bool ok)
{
    double per_gc = per_object(w, p) * 1000.0 / (double)w->pym.gc_objects;
    printf("    found per collection: pym %zu, CPython %zu%s;  GC objects per %s: "
           "pym %.0f, CPython %.0f (pym %.2f ns per GC object)\n",
           p->found, c->found, ok ? "" : "  <-- UNEXPECTED COUNT",
           strstr(w->name, "rings") ? "node" : "list", w->pym.gc_objects / 1000.0,
           w->cpy.gc_objects / 1000.0, per_gc);
}

static void print_row(const workload *w, const result *p, const result *c, tally *t)
{
    double pn = per_object(w, p), cn = per_object(w, c), ratio = pn / cn;
    const char *mark = "";
    if (w->target > 0) {
        t->checked++;
        t->missed += ratio > w->target;
        mark = ratio > w->target ? "  MISSED (target <= 0.50)" : "  met (target <= 0.50)";
    } else if (ratio > 1.0) {
        mark = "  <-- slower";
    }
    printf("%-44s %9zu %10.2f %14.2f %11.2f %11.3f %15.3f%s\n", w->name, w->objects, pn, cn,
           ratio, p->best_ns / 1e6, c->best_ns / 1e6, mark);
}

static void run_table(const char *only, tally *t)
{
    printf("%-44s %9s %10s %14s %11s %11s %15s\n", "workload", "objects", "pym ns/obj",
           "CPython ns/obj", "pym/CPython", "pym ms/coll", "CPython ms/coll");
    for (size_t i = 0; i < N_WORKLOADS; i++) {
        const workload *w = &workloads[i];
        if (only != NULL && strstr(w->name, only) == NULL) continue;
        size_t base = pym_live_objects();
        result p, c;
        measure(w, &p, &c);
        size_t exact = i == 0 ? 2 * N_PAIRS : 0;
        bool ok = counts_ok(w, &p, exact) && counts_ok(w, &c, exact) &&
                  pym_live_objects() == base;
        t->bad_counts += !ok;
        print_row(w, &p, &c, t);
        print_found(w, &p, &c, ok);
        fflush(stdout);
    }
}

/* ---- (d) pym alone: cost per object against heap size ----------------------- */

/* One build+collect round of `lists` lists in 2-cycles; ns per list. */
static double pym_pairs_round(size_t lists, size_t *found)
{
    pym_make_pairs(lists);
    return pym_timed_collect(found) / (double)lists;
}

static double cpy_pairs_round(size_t lists, size_t *found)
{
    cpy_make_pairs(lists);
    return cpy_timed_collect(found) / (double)lists;
}

/* Best ns per list of each side over `reps` alternating rounds, after one
 * untimed round each (grows the pools to this size). */
static void scaling_point(size_t lists, int reps, double best[2], size_t found[2])
{
    pym_pairs_round(lists, &found[0]);
    cpy_pairs_round(lists, &found[1]);
    best[0] = best[1] = 1e300;
    for (int r = 0; r < reps; r++) {
        best[0] = min2(best[0], pym_pairs_round(lists, &found[0]));
        best[1] = min2(best[1], cpy_pairs_round(lists, &found[1]));
    }
}

/* The target is pym's own spread; CPython's column is there to show how
 * much of the spread the memory hierarchy alone causes. */
static void run_scaling(tally *t)
{
    static const size_t sizes[] = {10000, 100000, 1000000, 10000000};
    static const int reps[] = {30, 15, 7, 3};
    double lo[2] = {1e300, 1e300}, hi[2] = {0, 0};
    printf("\n(d) pym only: one full collection of unreachable 2-cycles of lists "
           "(CPython for reference)\n");
    printf("%12s %12s %16s %14s %15s\n", "lists", "pym ns/list", "pym ns/GC object",
           "pym ms/coll", "CPython ns/list");
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        double best[2];
        size_t found[2];
        scaling_point(sizes[i], reps[i], best, found);
        for (int s = 0; s < 2; s++) {
            lo[s] = min2(lo[s], best[s]);
            hi[s] = hi[s] > best[s] ? hi[s] : best[s];
        }
        bool ok = found[0] == sizes[i] && found[1] == sizes[i];
        t->bad_counts += !ok;
        printf("%12zu %12.2f %16.2f %14.3f %15.2f%s\n", sizes[i], best[0], best[0] * 1000.0 / PYM_LIST_GC,
               best[0] * (double)sizes[i] / 1e6, best[1], ok ? "" : "  <-- UNEXPECTED COUNT");
        fflush(stdout);
    }
    double spread = hi[0] / lo[0];
    t->checked++;
    t->missed += spread > TARGET_SPREAD;
    printf("max/min ns per list: pym %.2f  %s (target <= %.1f); CPython %.2f\n", spread,
           spread > TARGET_SPREAD ? "MISSED" : "met", TARGET_SPREAD, hi[1] / lo[1]);
}

/* ---- main ------------------------------------------------------------------- */

/* Freezes what each runtime made at startup (and the bench's classes), so
 * the collections time only the workloads; returns CPython's frozen count. */
static long freeze_startup(void)
{
    cpy_gc_call("collect");
    cpy_gc_call("freeze");
    pym_gc_collect(2);
    pym_gc_freeze();
    return cpy_gc_call("get_freeze_count");
}

static void print_header(long frozen)
{
    const char *v = Py_GetVersion();
    printf("pym mode %s vs CPython %.*s\n", pym_mode(), (int)strcspn(v, "\n"), v);
    printf("full collections: pym_gc_collect(2) vs PyGC_Collect(); the fastest collection "
           "over %d interleaved repetitions\n", REPS);
    printf("startup objects frozen out of every collection: CPython %ld, pym %zu\n\n", frozen,
           pym_gc_get_freeze_count());
}

/* `gc [NAME]`: with an argument, only the rows whose name contains NAME
 * ("(a)", "rings", "scaling", ...), for profiling one row. */
int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    bench_name = "bench/gc";
    Py_Initialize();
    if (pym_init() != 0) die("pym_init");
    if ((cpy_gc = PyImport_ImportModule("gc")) == NULL) die("import gc");
    cpy_classes_make();
    print_header(freeze_startup());
    tally t = {0, 0, 0};
    run_table(only, &t);
    if (only == NULL || strstr("(d) scaling", only) != NULL) run_scaling(&t);
    bool met = t.missed == 0 && t.bad_counts == 0;
    printf("\n%s: %d of %d targets missed, %d unexpected collection counts\n",
           met ? "TARGETS MET" : "TARGETS MISSED", t.missed, t.checked, t.bad_counts);
    pym_gc_enable();
    cpy_gc_call("enable");
    cpy_gc_call("unfreeze");
    cpy_classes_free();
    Py_CLEAR(cpy_gc);
    pym_fini();
    Py_FinalizeEx();
    return 0;
}
