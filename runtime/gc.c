/* gc.c: the cyclic garbage collector.
 *
 * Refcounting frees an object the instant its last reference goes; what it
 * cannot free are cycles.  This collector finds them by trial deletion, as
 * CPython does, in named passes over one generation at a time:
 *
 *   update_refs       gc_refs := refcount, for every object being collected
 *   subtract_refs     gc_refs -= references from other objects in the set;
 *                     what is left counts references from outside
 *   move_unreachable  objects reachable from one with gc_refs > 0 stay,
 *                     the rest move to the `unreachable` list
 *   handle_weakrefs   weakrefs to unreachable objects are cleared; callbacks
 *                     of live weakrefs run (before any finalizer)
 *   finalize_garbage  finalizers run, at most once per object
 *   handle_resurrected  the counting passes run again over `unreachable`:
 *                     what a finalizer made reachable survives, uncounted
 *   delete_garbage    `clear` breaks the cycles; refcounting frees
 *
 * The lists and their invariants.  Every tracked object is on exactly one
 * of: the three generations (gens[0] youngest), or the permanent generation
 * (pym_gc_freeze).  Lists are circular and doubly linked through the
 * pym_gc_head in front of each object, except during the three counting
 * passes, when `prev` holds gc_refs and only `next` links the set being
 * collected.  ob_flags carries COLLECTING (in the set being collected, not
 * yet proven reachable) and UNREACHABLE (on the `unreachable` list); both
 * are clear on every object outside a collection.  User code (finalizers,
 * weakref callbacks, gc callbacks) only runs while every list is doubly
 * linked again.  docs/gc.md has the whole design and its reasons. */
#include <time.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/gc.h"
#include "internal/object.h"
#include "internal/thread.h"
#include "internal/weakref.h"

#define NGEN 3

pym_gc_generation pym__gc_gens[NGEN];

static struct {
    pym_gc_head permanent;
    bool enabled;
    bool collecting;
    size_t long_lived_total;   /* objects in the oldest generation after a full collection */
    size_t long_lived_pending; /* objects promoted into it since */
    pym_gc_stats stats[NGEN];
    pym_object *callbacks;     /* list of callables, or NULL */
} gc;

/* ---- lists ---------------------------------------------------------------- */

static void list_init(pym_gc_head *h) { h->next = h->prev = h; }
static bool list_empty(const pym_gc_head *h) { return h->next == h; }

static void list_append(pym_gc_head *h, pym_gc_head *g)
{
    g->prev = h->prev;
    g->next = h;
    h->prev->next = g;
    h->prev = g;
}

static void list_remove(pym_gc_head *g)
{
    g->prev->next = g->next;
    g->next->prev = g->prev;
    g->next = NULL;
}

static void list_move(pym_gc_head *g, pym_gc_head *to)
{
    g->prev->next = g->next;
    g->next->prev = g->prev;
    list_append(to, g);
}

/* Appends all of `from` to `to`; `from` becomes empty. */
static void list_merge(pym_gc_head *from, pym_gc_head *to)
{
    if (list_empty(from)) return;
    pym_gc_head *tail = to->prev;
    tail->next = from->next;
    from->next->prev = tail;
    to->prev = from->prev;
    to->prev->next = to;
    list_init(from);
}

/* Objects a program can see: runtime-internal ones (list storage) are
 * bookkeeping, not objects the program made, so counts leave them out. */
static size_t visible_size(pym_gc_head *h)
{
    size_t n = 0;
    for (pym_gc_head *g = h->next; g != h; g = g->next)
        n += !(pym_gc_object_of(g)->ob_type->flags & PYM_TYPE_HIDDEN);
    return n;
}

static inline pym_object *obj(pym_gc_head *g) { return pym_gc_object_of(g); }
/* Only GC objects ever carry the collector's flags, so one load of the
 * header answers, without the type's flags (a second, dependent load on
 * every reference the passes visit). */
static inline bool collecting(const pym_object *o)
{
    return pym_flag(o, PYM_OBF_COLLECTING);
}

/* ---- tracking ------------------------------------------------------------ */

static int due_generation(void);
static size_t collect_with_callbacks(int generation);

/* Guards the generation lists and counts in the threaded modes. */
static pym_mutex gc_lock = PYM_MUTEX_INIT;

static inline bool hidden(const pym_object *o) { return (o->ob_type->flags & PYM_TYPE_HIDDEN) != 0; }

/* Runtime-internal objects (list storage) are allocated in the middle of
 * mutations, where no user code may run: they neither count as
 * allocations nor start a collection. */
void pym__gc_link_new_slow(pym_object *o)
{
    pym_rt_lock(&gc_lock);
    bool due = !hidden(o) && ++pym__gc_gens[0].count > pym__gc_gens[0].threshold &&
               pym__gc_gens[0].threshold > 0 && gc.enabled && !gc.collecting;
    int generation = due ? due_generation() : -1;
    if (generation < 0) list_append(&pym__gc_gens[0].head, pym_gc_head_of(o));
    pym_rt_unlock(&gc_lock);
    if (generation < 0) return;
    /* The new object joins only after the collection, as in CPython. */
    if (!pym_thread_holds_locks()) collect_with_callbacks(generation);
    pym_rt_lock(&gc_lock);
    list_append(&pym__gc_gens[0].head, pym_gc_head_of(o));
    pym_rt_unlock(&gc_lock);
}

void pym__gc_unlink_slow(pym_object *o)
{
    pym_gc_head *g = pym_gc_head_of(o);
    pym_rt_lock(&gc_lock);
    if (g->next != NULL) {
        list_remove(g);
        pym_flag_clear(o, PYM_OBF_COLLECTING | PYM_OBF_UNREACHABLE);
    }
    /* Every GC allocation counted, tracked or not, so every death uncounts. */
    if (!hidden(o) && pym__gc_gens[0].count > 0) pym__gc_gens[0].count--;
    pym_rt_unlock(&gc_lock);
}

void pym_gc_track(pym_object *o)
{
    if (o == NULL || !pym_is_gc(o) || pym_is_immortal(o)) return;
    pym_rt_lock(&gc_lock);
    if (pym_gc_head_of(o)->next == NULL) list_append(&pym__gc_gens[0].head, pym_gc_head_of(o));
    pym_rt_unlock(&gc_lock);
}

void pym_gc_untrack(pym_object *o)
{
    if (o == NULL || !pym_is_gc(o)) return;
    pym_gc_head *g = pym_gc_head_of(o);
    pym_rt_lock(&gc_lock);
    if (g->next != NULL) {
        list_remove(g);
        pym_flag_clear(o, PYM_OBF_COLLECTING | PYM_OBF_UNREACHABLE);
    }
    pym_rt_unlock(&gc_lock);
}

bool pym_gc_is_tracked(pym_object *o)
{
    return o != NULL && pym_is_gc(o) && pym_gc_head_of(o)->next != NULL;
}

bool pym_gc_is_finalized(pym_object *o)
{
    return o != NULL && pym_flag(o, PYM_OBF_FINALIZED);
}

bool pym_gc_collecting(void) { return gc.collecting; }

/* ---- the counting passes ------------------------------------------------- */

static void update_refs(pym_gc_head *set)
{
    for (pym_gc_head *g = set->next; g != set; g = g->next) {
        pym_object *o = obj(g);
        pym_flag_clear(o, PYM_OBF_UNREACHABLE);
        pym_flag_set(o, PYM_OBF_COLLECTING);
        g->refs = (intptr_t)pym__count(o);
    }
}

static int visit_decref(pym_object *o, void *arg)
{
    (void)arg;
    if (collecting(o)) pym_gc_head_of(o)->refs--;
    return 0;
}

static void traverse(pym_object *o, pym_visit_fn visit, void *arg)
{
    if (o->ob_type->traverse != NULL) o->ob_type->traverse(o, visit, arg);
}

static void subtract_refs(pym_gc_head *set)
{
    for (pym_gc_head *g = set->next; g != set; g = g->next) traverse(obj(g), visit_decref, NULL);
}

/* `o` is referenced from a reachable object.  Not yet scanned: mark it
 * reachable.  Already moved to `unreachable`: move it back to the end of
 * `young`, where the scan will reach it again. */
static int visit_reachable(pym_object *o, void *arg)
{
    if (!collecting(o)) return 0;
    pym_gc_head *g = pym_gc_head_of(o);
    if (pym_flag(o, PYM_OBF_UNREACHABLE)) {
        g->prev->next = g->next;
        g->next->prev = g->prev;
        list_append((pym_gc_head *)arg, g);
        pym_flag_clear(o, PYM_OBF_UNREACHABLE);
        g->refs = 1;
    } else if (g->refs == 0) {
        g->refs = 1;
    }
    return 0;
}

/* An immutable container whose referents are all untracked can never be
 * part of a cycle, and its contents cannot change: stop tracking it (what
 * CPython does for tuples, here for every PYM_TYPE_IMMUTABLE GC type). */
static int visit_tracked(pym_object *o, void *arg)
{
    (void)arg;
    return pym_gc_is_tracked(o);
}

static bool can_untrack(pym_object *o)
{
    if (!(o->ob_type->flags & PYM_TYPE_IMMUTABLE)) return false;
    return o->ob_type->traverse == NULL || o->ob_type->traverse(o, visit_tracked, NULL) == 0;
}

/* Scans `young` left to right.  Invariant: everything left of `prev` is
 * reachable, doubly linked again and no longer COLLECTING; everything moved
 * to `unreachable` has UNREACHABLE set and is doubly linked there.  The
 * same walk untracks immutables that cannot be in a cycle (no extra pass
 * over the heap) and returns how many objects stay in `young`. */
static size_t move_unreachable(pym_gc_head *young, pym_gc_head *unreachable)
{
    size_t kept = 0;
    pym_gc_head *prev = young;
    pym_gc_head *g = young->next;
    while (g != young) {
        pym_object *o = obj(g);
        if (g->refs > 0) {
            traverse(o, visit_reachable, young);
            pym_flag_clear(o, PYM_OBF_COLLECTING);
            if (PYM_UNLIKELY(can_untrack(o))) {
                prev->next = g->next;
                g->next = NULL;
            } else {
                g->prev = prev;
                prev = g;
                kept++;
            }
        } else {
            prev->next = g->next;
            list_append(unreachable, g);
            pym_flag_set(o, PYM_OBF_UNREACHABLE);
        }
        g = prev->next;
    }
    young->prev = prev;
    return kept;
}

static size_t deduce_unreachable(pym_gc_head *young, pym_gc_head *unreachable)
{
    update_refs(young);
    subtract_refs(young);
    return move_unreachable(young, unreachable);
}

/* ---- what happens to the garbage ---------------------------------------- */

static bool is_garbage(const pym_object *o)
{
    return pym_flag(o, PYM_OBF_UNREACHABLE);
}

static bool needs_finalizer(const pym_object *o)
{
    return o->ob_type->finalize != NULL && !pym_flag(o, PYM_OBF_FINALIZED);
}

/* Clears every weakref to garbage before any user code sees it, then runs
 * the callbacks of weakrefs that are not garbage themselves.  Returns the
 * weakrefs those callbacks released (CPython counts them as collected);
 * `*finalizers` is set to how many objects still have a finalizer to run. */
static size_t handle_weakrefs(pym_gc_head *unreachable, size_t *finalizers)
{
    pym_weakref_chain chain = {NULL, NULL};
    size_t pending = 0;
    for (pym_gc_head *g = unreachable->next; g != unreachable; g = g->next) {
        pym_object *o = obj(g);
        if (o->ob_type == &pym_weakref_type) pym_weakref_forget(o);
        if (pym_has_weakrefs(o)) pym_weakref_detach(o, &chain, is_garbage);
        pending += needs_finalizer(o);
    }
    *finalizers = pending;
    return pym_weakref_run_chain(&chain);
}

/* Runs each finalizer once, holding a reference to the object meanwhile.
 * Objects move to `seen` first, so a finalizer that frees others (or its
 * own object) cannot break the walk. */
static void finalize_garbage(pym_gc_head *unreachable)
{
    pym_gc_head seen;
    list_init(&seen);
    while (!list_empty(unreachable)) {
        pym_gc_head *g = unreachable->next;
        pym_object *o = obj(g);
        list_move(g, &seen);
        if (!needs_finalizer(o)) continue;
        pym_incref(o);
        pym_object_finalize(o);
        pym_decref(o);
    }
    list_merge(&seen, unreachable);
}

static void clear_flags(pym_gc_head *set)
{
    for (pym_gc_head *g = set->next; g != set; g = g->next)
        pym_flag_clear(obj(g), PYM_OBF_COLLECTING | PYM_OBF_UNREACHABLE);
}

/* Finalizers may have made garbage reachable again.  Whatever is still
 * unreachable moves to `final`; the rest survives into `old`, uncounted. */
static void handle_resurrected(pym_gc_head *unreachable, pym_gc_head *final, pym_gc_head *old)
{
    deduce_unreachable(unreachable, final);
    clear_flags(unreachable);
    list_merge(unreachable, old);
}

/* Weakrefs a finalizer created to garbage would reveal cleared objects:
 * clear them too, without callbacks (CPython gh-91636). */
static bool no_callback(const pym_object *wr)
{
    (void)wr;
    return true;
}

/* Returns the garbage a program can see (see visible_size), in the same
 * walk. */
static size_t clear_late_weakrefs(pym_gc_head *final)
{
    size_t n = 0;
    for (pym_gc_head *g = final->next; g != final; g = g->next) {
        pym_object *o = obj(g);
        if (pym_has_weakrefs(o)) pym_weakref_detach(o, NULL, no_callback);
        n += !hidden(o);
    }
    return n;
}

/* Breaks the cycles with `clear`; refcounting then frees.  An object that
 * survives its clear (no clear slot, or referenced from outside now) moves
 * to `old`. */
static void delete_garbage(pym_gc_head *final, pym_gc_head *old)
{
    while (!list_empty(final)) {
        pym_gc_head *g = final->next;
        pym_object *o = obj(g);
        if (o->ob_type->clear != NULL) {
            pym_incref(o);
            o->ob_type->clear(o);
            pym_decref(o);
        }
        if (final->next == g) {
            pym_flag_clear(o, PYM_OBF_COLLECTING | PYM_OBF_UNREACHABLE);
            list_move(g, old);
        }
    }
}

/* ---- one collection ------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Promotes the `kept` survivors of `young` into `old`, keeping the
 * numbers the long-lived rule needs. */
static void promote(int generation, pym_gc_head *young, pym_gc_head *old, size_t kept)
{
    if (young != old) {
        if (generation == NGEN - 2) gc.long_lived_pending += kept;
        list_merge(young, old);
    } else {
        gc.long_lived_pending = 0;
        gc.long_lived_total = kept;
    }
}

/* Collects `generation` and every younger one; returns the number of
 * unreachable objects found (resurrected ones excluded). */
static size_t collect(int generation)
{
    double t0 = now_seconds();
    for (int i = 0; i < generation; i++) list_merge(&pym__gc_gens[i].head, &pym__gc_gens[generation].head);
    pym_gc_head *young = &pym__gc_gens[generation].head;
    pym_gc_head *old = generation + 1 < NGEN ? &pym__gc_gens[generation + 1].head : young;
    pym_gc_head unreachable, final;
    list_init(&unreachable);
    list_init(&final);

    size_t kept = deduce_unreachable(young, &unreachable);
    promote(generation, young, old, kept);
    /* Counts restart before user code runs, so what finalizers and
     * callbacks allocate counts towards the next collection (CPython). */
    if (generation + 1 < NGEN) pym__gc_gens[generation + 1].count++;
    for (int i = 0; i <= generation; i++) pym__gc_gens[i].count = 0;

    size_t finalizers;
    size_t found = handle_weakrefs(&unreachable, &finalizers);
    if (finalizers > 0) {
        finalize_garbage(&unreachable);
        handle_resurrected(&unreachable, &final, old);
    } else {
        /* Only finalizers can resurrect: a weakref callback is reachable,
         * and garbage is reachable only from garbage. */
        list_merge(&unreachable, &final);
    }
    found += clear_late_weakrefs(&final);
    delete_garbage(&final, old);

    pym_gc_stats *st = &gc.stats[generation];
    st->collections++;
    st->collected += found;
    st->seconds += now_seconds() - t0;
    return found;
}

/* ---- callbacks ------------------------------------------------------------ */

static pym_object *callback_info(int generation, size_t collected)
{
    pym_object *info = pym_dict_new();
    if (info == NULL) return NULL;
    pym_object *g = pym_int_new(generation);
    pym_object *c = pym_int_new((int64_t)collected);
    pym_object *u = pym_int_new(0);
    bool ok = g && c && u && pym_dict_set_str(info, "generation", g) == 0 &&
              pym_dict_set_str(info, "collected", c) == 0 &&
              pym_dict_set_str(info, "uncollectable", u) == 0;
    pym_xdecref(g);
    pym_xdecref(c);
    pym_xdecref(u);
    if (!ok) {
        pym_decref(info);
        return NULL;
    }
    return info;
}

/* Calls every registered callback as cb(phase, info).  A failure to build
 * the arguments is reported like an error inside a callback. */
static void invoke_callbacks(const char *phase, int generation, size_t collected)
{
    if (gc.callbacks == NULL || pym_list_len(gc.callbacks) == 0) return;
    pym_err_state saved;
    pym_err_save(&saved);
    pym_object *snapshot = pym_list_copy(gc.callbacks);
    pym_object *info = callback_info(generation, collected);
    pym_object *name = pym_str_new(phase);
    pym_object *args = info && name ? pym_tuple_pack(2, name, info) : NULL;
    for (size_t i = 0; args && snapshot && i < pym_list_len(snapshot); i++) {
        pym_object *r = pym_call(pym_list_get(snapshot, i), args);
        pym_xdecref(r);
        pym_err_print_unraisable("gc callback");
    }
    pym_err_print_unraisable("gc callback");
    pym_xdecref(args);
    pym_xdecref(name);
    pym_xdecref(info);
    pym_xdecref(snapshot);
    pym_err_restore(&saved);
}

/* In the threaded modes a collection stops the world: no other thread
 * runs pym code (and no object is freed under one) until it is over.  If
 * another thread is collecting, this one waits at a safepoint instead. */
static size_t collect_with_callbacks(int generation)
{
    if (!pym_stop_the_world()) {
        pym_safepoint();
        return 0;
    }
    size_t found = 0;
    if (!gc.collecting) {
        gc.collecting = true;
        invoke_callbacks("start", generation, 0);
        found = collect(generation);
        invoke_callbacks("stop", generation, found);
        gc.collecting = false;
    }
    pym_start_the_world();
    return found;
}

/* Which generation an automatic collection takes (-1: none), with gc_lock
 * held: the oldest over its threshold, and the oldest only when the objects
 * promoted since the last full collection exceed 25% of those it kept, so
 * full collections stay linear overall. */
static int due_generation(void)
{
    for (int i = NGEN - 1; i >= 0; i--) {
        if (pym__gc_gens[i].count <= pym__gc_gens[i].threshold) continue;
        if (i == NGEN - 1 && gc.long_lived_pending < gc.long_lived_total / 4) continue;
        return i;
    }
    return -1;
}

/* ---- public API ------------------------------------------------------------ */

size_t pym_gc_collect(int generation)
{
    if (generation < 0 || generation >= NGEN) {
        pym_err_set(PYM_ERR_VALUE, "invalid generation %d", generation);
        return 0;
    }
    if (gc.collecting) return 0;
    return collect_with_callbacks(generation);
}

void pym_gc_enable(void) { gc.enabled = true; }
void pym_gc_disable(void) { gc.enabled = false; }
bool pym_gc_is_enabled(void) { return gc.enabled; }

void pym_gc_set_threshold(int t0, int t1, int t2)
{
    pym__gc_gens[0].threshold = t0;
    pym__gc_gens[1].threshold = t1;
    pym__gc_gens[2].threshold = t2;
}

void pym_gc_get_threshold(int out[3])
{
    for (int i = 0; i < NGEN; i++) out[i] = pym__gc_gens[i].threshold;
}

void pym_gc_get_count(int out[3])
{
    for (int i = 0; i < NGEN; i++) out[i] = pym__gc_gens[i].count;
}

void pym_gc_get_stats(int generation, pym_gc_stats *out)
{
    if (generation < 0 || generation >= NGEN) {
        *out = (pym_gc_stats){0, 0, 0, 0.0};
        return;
    }
    *out = gc.stats[generation];
}

int pym_gc_add_callback(pym_object *callable)
{
    if (callable == NULL || callable->ob_type->call == NULL) {
        pym_err_set(PYM_ERR_TYPE, "gc callback must be callable");
        return -1;
    }
    if (gc.callbacks == NULL && (gc.callbacks = pym_list_new()) == NULL) return -1;
    return pym_list_append(gc.callbacks, callable);
}

void pym_gc_freeze(void)
{
    for (int i = 0; i < NGEN; i++) {
        list_merge(&pym__gc_gens[i].head, &gc.permanent);
        pym__gc_gens[i].count = 0;
    }
}

void pym_gc_unfreeze(void) { list_merge(&gc.permanent, &pym__gc_gens[NGEN - 1].head); }

size_t pym_gc_get_freeze_count(void) { return visible_size(&gc.permanent); }

/* ---- introspection ---------------------------------------------------------- */

/* Runtime-internal objects (list storage) are looked through: a list's
 * referents are its items, and an item's referrer is the list. */
typedef struct collect_ctx {
    pym_object *result;     /* list being filled */
    pym_object *target;     /* for referrers: the object looked for */
    int found;
} collect_ctx;

static int visit_collect(pym_object *o, void *arg)
{
    collect_ctx *ctx = arg;
    if (o->ob_type->flags & PYM_TYPE_HIDDEN) {
        traverse(o, visit_collect, ctx);
        return ctx->found < 0;
    }
    if (ctx->target != NULL) {
        if (o == ctx->target) ctx->found = 1;
        return 0;
    }
    if (pym_list_append(ctx->result, o) < 0) ctx->found = -1;
    return ctx->found < 0;
}

pym_object *pym_gc_get_referents(pym_object *o)
{
    collect_ctx ctx = {pym_list_new(), NULL, 0};
    if (ctx.result == NULL || o == NULL) return ctx.result;
    traverse(o, visit_collect, &ctx);
    if (ctx.found < 0) {
        pym_decref(ctx.result);
        return NULL;
    }
    return ctx.result;
}

/* Adds the objects of one list to `result`, skipping internal objects and
 * `result` itself; with `target`, only those that refer to it. */
static int gather(pym_gc_head *h, pym_object *result, pym_object *target)
{
    for (pym_gc_head *g = h->next; g != h; g = g->next) {
        pym_object *o = obj(g);
        if (o == result || (o->ob_type->flags & PYM_TYPE_HIDDEN)) continue;
        if (target != NULL) {
            collect_ctx ctx = {NULL, target, 0};
            traverse(o, visit_collect, &ctx);
            if (!ctx.found) continue;
        }
        if (pym_list_append(result, o) < 0) return -1;
    }
    return 0;
}

static pym_object *gather_generations(int lo, int hi, pym_object *target)
{
    pym_object *result = pym_list_new();
    if (result == NULL) return NULL;
    for (int i = lo; i <= hi; i++) {
        if (gather(&pym__gc_gens[i].head, result, target) < 0) {
            pym_decref(result);
            return NULL;
        }
    }
    return result;
}

pym_object *pym_gc_get_referrers(pym_object *o)
{
    return gather_generations(0, NGEN - 1, o);
}

pym_object *pym_gc_get_objects(int generation)
{
    if (generation < -1 || generation >= NGEN) {
        pym_err_set(PYM_ERR_VALUE, "generation parameter must be in range -1..2, not %d", generation);
        return NULL;
    }
    if (generation == -1) return gather_generations(0, NGEN - 1, NULL);
    return gather_generations(generation, generation, NULL);
}

/* ---- start and stop -------------------------------------------------------- */

void pym_gc_init(void)
{
    static const int thresholds[NGEN] = {PYM_GC_THRESHOLD0, PYM_GC_THRESHOLD1, PYM_GC_THRESHOLD2};
    for (int i = 0; i < NGEN; i++) {
        list_init(&pym__gc_gens[i].head);
        pym__gc_gens[i].threshold = thresholds[i];
        pym__gc_gens[i].count = 0;
        gc.stats[i] = (pym_gc_stats){0, 0, 0, 0.0};
    }
    list_init(&gc.permanent);
    gc.enabled = true;
    gc.collecting = false;
    gc.long_lived_total = gc.long_lived_pending = 0;
    gc.callbacks = NULL;
}

/* Breaks every cycle still tracked: what the program leaked through a
 * missing decref is cleared so that whatever it holds can be released. */
static void clear_all_tracked(void)
{
    pym_gc_head *h = &pym__gc_gens[NGEN - 1].head;
    while (!list_empty(h)) {
        pym_gc_head *g = h->next;
        pym_object *o = obj(g);
        list_remove(g);
        if (o->ob_type->clear == NULL) continue;
        pym_incref(o);
        o->ob_type->clear(o);
        pym_decref(o);
    }
}

void pym_gc_fini(void)
{
    pym_object *cbs = gc.callbacks;
    gc.callbacks = NULL;
    pym_xdecref(cbs);
    pym_weakref_run_exit_finalizers();
    pym_gc_unfreeze();
    gc.collecting = false;
    pym_gc_collect(NGEN - 1);
    gc.collecting = true;  /* no automatic collection while tearing down */
    for (int i = 0; i < NGEN - 1; i++) list_merge(&pym__gc_gens[i].head, &pym__gc_gens[NGEN - 1].head);
    clear_all_tracked();
    gc.collecting = false;
}
