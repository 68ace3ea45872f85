/* gc_types.h: user-defined types and helpers shared by the collector,
 * weakref, finalization and weak-dictionary suites (test_gc.c,
 * test_weakref.c, test_finalization.c, test_weakdict.c).
 *
 * They stand in for the Python classes of CPython's Lib/test/test_gc.py,
 * test_weakref.py and test_finalization.py: a gct_node is an object with a
 * few attribute slots, an id (CPython's id(self) bookkeeping) and, for
 * gct_fin_type, a PEP 442 finalizer whose side effect the test chooses
 * (nothing, resurrect into the survivors list, break its own references,
 * collect, or a test-supplied hook).  Every finalizer, clear and destroy is
 * counted, per id for small ids, and can be written to an event log that
 * tests compare as a string.  Nothing here asserts: the suites do. */
#ifndef GC_TYPES_H
#define GC_TYPES_H

#include <stdbool.h>
#include <stddef.h>

#include <pym.h>

#define GCT_SLOTS 4        /* attribute slots of a gct_node */
#define GCT_MAX_IDS 4096   /* ids below this get per-id counters */

/* What a gct_fin_type finalizer does after recording its call. */
enum gct_action {
    GCT_NOTHING = 0,
    GCT_RESURRECT,   /* stores self in the survivors list (gct_survive) */
    GCT_SUICIDE,     /* sets `suicided` and drops every slot */
    GCT_COLLECT17,   /* every 17th finalizer call runs pym_gc_collect(2) */
};

typedef struct gct_node {
    PYM_OBJECT_HEAD
    pym_object *slot[GCT_SLOTS];  /* strong references or NULL */
    long id;
    int action;                   /* enum gct_action */
    bool suicided;
    long fin_calls;               /* how often this object's finalizer ran */
} gct_node;

/* GC-tracked and weak-referenceable, with traverse/clear/destroy: */
extern const pym_type gct_plain_type;   /* no finalizer (a plain class) */
extern const pym_type gct_fin_type;     /* with a finalizer (__del__) */
extern const pym_type gct_noclear_type; /* no finalizer and no clear slot */
/* Not GC (never tracked), weak-referenceable, with a finalizer: */
extern const pym_type gct_nongc_fin_type;

/* A new node of one of the types above (refcount 1, every slot NULL). */
pym_object *gct_new(const pym_type *type, long id);
/* A node whose slot 0 refers to itself (CPython's `self.ref = self`). */
pym_object *gct_self_cycle(const pym_type *type, long id);
static inline gct_node *gct(pym_object *o) { return (gct_node *)o; }
/* Replaces slot i with v (v may be NULL); the old value is released last. */
void gct_set(pym_object *o, int i, pym_object *v);
static inline pym_object *gct_get(pym_object *o, int i) { return gct(o)->slot[i]; }

/* ---- counters and the event log ------------------------------------------ */
typedef struct gct_stats {
    size_t finalized, destroyed, cleared;
    size_t double_finalized;   /* a finalizer that ran a second time */
} gct_stats;
extern gct_stats gct_count;
long gct_fin_count(long id);      /* finalizer calls on objects with this id */
long gct_destroy_count(long id);
long gct_clear_count(long id);

/* Every finalizer of a gct_fin_type node calls this hook (if set) after
 * recording the call and before its action. */
extern void (*gct_fin_hook)(pym_object *self);
/* With gct_log_events set, finalizers log "F<id> " and destroys "D<id> ". */
extern bool gct_log_events;
void gct_note(const char *fmt, ...) PYM_PRINTF(1, 2);
const char *gct_log(void);

/* Zeroes counters, log, hook and flags, and forgets survivors a failed
 * test left behind (their runtime is gone).  Call it first in every test. */
void gct_reset(void);

/* ---- survivors (CPython's `survivors` class list) ----------------------- */
void gct_survive(pym_object *o);          /* keeps a strong reference */
size_t gct_survivor_count(void);
pym_object *gct_survivor(size_t i);       /* borrowed */
void gct_clear_survivors(void);           /* releases them, newest first */

/* ---- callables ------------------------------------------------------------ */
/* A bound-method-like object: calling it calls fn(self, args).  Unlike a
 * cfunc it is weak-referenceable, as Python's bound methods are. */
pym_object *gct_method_new(pym_object *self, pym_cfunc fn);
/* A cfunc that appends "<tag> " to the event log and returns None. */
pym_object *gct_logger(const char *tag);
/* A cfunc bound to `list` that appends its single argument (list.append). */
pym_object *gct_appender(pym_object *list);
/* A cfunc that raises ValueError. */
pym_object *gct_raiser(void);

/* ---- small helpers ----------------------------------------------------- */
/* An instance of `cls` whose attribute `me` is itself (C1055820). */
pym_object *gct_instance_cycle(const char *cls);
/* True if `o` is an item of `list` (identity). */
bool gct_list_contains(pym_object *list, pym_object *o);
/* The number of items of `list` that are `o` (identity). */
size_t gct_list_count(pym_object *list, pym_object *o);
/* PYM_TEST_QUICK is set (valgrind runs): shrink big loops. */
bool gct_quick(void);

#endif
