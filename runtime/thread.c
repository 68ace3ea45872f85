/* thread.c: threads, and everything a threading mode needs beyond the
 * refcount inlines of include/pym/object.h.
 *
 *   MODE=gil     a global interpreter lock in the style of CPython since 3.2:
 *                a thread waiting longer than the switch interval asks the
 *                holder to drop it; the holder drops it at its next safepoint
 *                and then waits until another thread has taken it (forced
 *                switching), so it cannot grab it straight back.
 *   MODE=atomic  no GIL.  Attached threads are registered so the collector can
 *                stop the world: it waits until every other attached thread is
 *                parked at a safepoint or inside allow-threads.
 *   MODE=biased  as atomic, plus PEP 703's merge queues: a thread that would
 *                take an object's shared count below zero queues the object to
 *                its owner, which merges the two counts at its next safepoint
 *                or when it detaches.
 *
 * Container locks in the threaded modes are striped: a fixed table of
 * mutexes indexed by a hash of the object's address. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/gc.h"
#include "internal/object.h"
#include "internal/thread.h"

/* ---- per-thread state ---------------------------------------------------- */

typedef struct tstate {
    struct tstate *prev, *next;  /* registry of attached threads */
    size_t *counts;              /* the thread's pym__counts */
    uintptr_t tid;
    int attached;                /* attach depth */
#if defined(PYM_MODE_BIASED)
    pym_mutex queue_lock;
    pym_object **queue;          /* objects waiting for their counts to merge */
    size_t queue_len, queue_cap;
#endif
} tstate;

static PYM_THREAD_LOCAL tstate *current;
static tstate *threads;
static pym_mutex registry_lock = PYM_MUTEX_INIT;

static tstate *tstate_get(void)
{
    if (current != NULL) return current;
    tstate *t = calloc(1, sizeof *t);
    if (t == NULL) return NULL;
#if defined(PYM_MODE_BIASED)
    pthread_mutex_init(&t->queue_lock, NULL);
    t->tid = pym__thread_id();
#else
    t->tid = (uintptr_t)&current;
#endif
    t->counts = pym__counts;
    current = t;
    return t;
}

/* ---- counters (internal/thread.h) ----------------------------------------- */

#if PYM_THREADED
PYM_THREAD_LOCAL size_t pym__counts[PYM_NCOUNTS];
#else
size_t pym__counts[PYM_NCOUNTS];
#endif
static size_t retired_counts[PYM_NCOUNTS];  /* left by detached threads */

size_t pym_count_read(pym_count_id c)
{
#if PYM_THREADED
    pym_mutex_lock(&registry_lock);
    size_t sum = retired_counts[c] + __atomic_load_n(&pym__counts[c], __ATOMIC_RELAXED);
    for (tstate *t = threads; t != NULL; t = t->next)
        if (t->counts != pym__counts) sum += __atomic_load_n(&t->counts[c], __ATOMIC_RELAXED);
    pym_mutex_unlock(&registry_lock);
    return sum;
#else
    return pym__counts[c];
#endif
}

/* Callers hold registry_lock: a detaching thread hands its counts over. */
static void retire_counts(tstate *t)
{
#if PYM_THREADED
    for (int c = 0; c < PYM_NCOUNTS; c++) {
        retired_counts[c] += __atomic_load_n(&t->counts[c], __ATOMIC_RELAXED);
        __atomic_store_n(&t->counts[c], 0, __ATOMIC_RELAXED);
    }
#else
    (void)t;  /* one global copy: nothing to hand over */
#endif
}

void pym_count_reset(void)
{
    pym_mutex_lock(&registry_lock);
    for (int c = 0; c < PYM_NCOUNTS; c++) {
        retired_counts[c] = 0;
        __atomic_store_n(&pym__counts[c], 0, __ATOMIC_RELAXED);
    }
    pym_mutex_unlock(&registry_lock);
}

/* Returns true if other threads were registered already. */
static bool registry_add(tstate *t)
{
    pym_mutex_lock(&registry_lock);
    bool others = threads != NULL;
    t->prev = NULL;
    t->next = threads;
    if (threads != NULL) threads->prev = t;
    threads = t;
    pym_mutex_unlock(&registry_lock);
    return others;
}

/* Callers hold registry_lock. */
static void registry_unlink(tstate *t)
{
    if (t->prev != NULL) t->prev->next = t->next;
    else threads = t->next;
    if (t->next != NULL) t->next->prev = t->prev;
}

/* ---- the GIL --------------------------------------------------------------- */
#if defined(PYM_MODE_GIL)

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;          /* the GIL was released */
    pthread_cond_t switched;      /* another thread took it */
    bool locked;
    uint64_t switch_number;
    int drop_request;             /* atomic: a waiter asks the holder to drop it */
    double interval;
} gil = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER,
         false, 0, 0, 0.005};

static struct timespec deadline_after(double seconds)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long ns = ts.tv_nsec + (long)(seconds * 1e9);
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    return ts;
}

static void take_gil(void)
{
    pthread_mutex_lock(&gil.mutex);
    while (gil.locked) {
        uint64_t seen = gil.switch_number;
        struct timespec dl = deadline_after(pym_get_switch_interval());
        int rc = pthread_cond_timedwait(&gil.cond, &gil.mutex, &dl);
        if (rc == ETIMEDOUT && gil.locked && gil.switch_number == seen)
            __atomic_store_n(&gil.drop_request, 1, __ATOMIC_RELAXED);
    }
    gil.locked = true;
    gil.switch_number++;
    __atomic_store_n(&gil.drop_request, 0, __ATOMIC_RELAXED);
    pthread_cond_signal(&gil.switched);
    pthread_mutex_unlock(&gil.mutex);
}

/* `forced`: a waiter asked for the GIL, so wait until one has taken it. */
static void drop_gil(bool forced)
{
    pthread_mutex_lock(&gil.mutex);
    gil.locked = false;
    uint64_t seen = gil.switch_number;
    pthread_cond_signal(&gil.cond);
    while (forced && gil.switch_number == seen && !gil.locked)
        pthread_cond_wait(&gil.switched, &gil.mutex);
    pthread_mutex_unlock(&gil.mutex);
}

void pym_set_switch_interval(double seconds)
{
    if (seconds > 0) __atomic_store(&gil.interval, &seconds, __ATOMIC_RELAXED);
}
double pym_get_switch_interval(void)
{
    double d;
    __atomic_load(&gil.interval, &d, __ATOMIC_RELAXED);
    return d;
}

static void mode_attach(bool others) { (void)others; take_gil(); }
static void mode_detach(void) { drop_gil(false); }
static void mode_park(void) { drop_gil(false); }
static void mode_unpark(void) { take_gil(); }

void pym_safepoint(void)
{
    if (PYM_UNLIKELY(__atomic_load_n(&gil.drop_request, __ATOMIC_RELAXED))) {
        drop_gil(true);
        take_gil();
    }
}

bool pym_stop_the_world(void) { return true; }
void pym_start_the_world(void) {}

/* ---- stop-the-world (threaded modes) ------------------------------------------ */
#elif PYM_THREADED

static struct {
    pthread_mutex_t mutex;
    pthread_cond_t cond;
    int requested;   /* atomic: a collector waits for the others to park */
    int running;     /* attached threads not parked */
} stw = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

/* Set on the thread that stopped the world, until it starts it again.
 * What that thread runs meanwhile (finalizers and weakref callbacks of a
 * collection) may reach safepoints or allow threads; parking there would
 * wait for the very collection it is part of, so it does not park: the
 * world stays stopped.  `parks_skipped` pairs allow-threads begin/end. */
static PYM_THREAD_LOCAL bool world_stopper;
static PYM_THREAD_LOCAL int parks_skipped;

static double switch_interval = 0.005;
void pym_set_switch_interval(double seconds)
{
    if (seconds > 0) __atomic_store(&switch_interval, &seconds, __ATOMIC_RELAXED);
}
double pym_get_switch_interval(void)
{
    double d;
    __atomic_load(&switch_interval, &d, __ATOMIC_RELAXED);
    return d;
}

static void stw_park(void)
{
    pthread_mutex_lock(&stw.mutex);
    stw.running--;
    pthread_cond_broadcast(&stw.cond);
    pthread_mutex_unlock(&stw.mutex);
}

static void stw_unpark(void)
{
    pthread_mutex_lock(&stw.mutex);
    while (stw.requested) pthread_cond_wait(&stw.cond, &stw.mutex);
    stw.running++;
    pthread_mutex_unlock(&stw.mutex);
}

static void mode_park(void)
{
    if (world_stopper) parks_skipped++;
    else stw_park();
}

static void mode_unpark(void)
{
    if (parks_skipped > 0) parks_skipped--;
    else stw_unpark();
}

int pym__threads_active;

/* A second thread is attaching: stop the one running so far at a safepoint,
 * then turn on the locks and atomic counters it has been skipping.  The
 * caller is not yet counted as running. */
static void enable_locks(void)
{
    pthread_mutex_lock(&stw.mutex);
    while (stw.requested) pthread_cond_wait(&stw.cond, &stw.mutex);
    if (!pym__threads_active) {
        __atomic_store_n(&stw.requested, 1, __ATOMIC_RELEASE);
        while (stw.running > 0) pthread_cond_wait(&stw.cond, &stw.mutex);
        __atomic_store_n(&pym__threads_active, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&stw.requested, 0, __ATOMIC_RELEASE);
        pthread_cond_broadcast(&stw.cond);
    }
    pthread_mutex_unlock(&stw.mutex);
}

/* `others`: other threads were attached when this one registered. */
static void mode_attach(bool others)
{
    if (others && !pym_threads_active()) enable_locks();
    stw_unpark();
}
static void mode_detach(void) { stw_park(); }

#if defined(PYM_MODE_BIASED)
static void merge_queue(void);
static bool queue_pending(void);
#endif

void pym_safepoint(void)
{
#if defined(PYM_MODE_BIASED)
    if (queue_pending()) merge_queue();
#endif
    if (PYM_UNLIKELY(__atomic_load_n(&stw.requested, __ATOMIC_ACQUIRE)) && !world_stopper) {
        stw_park();
        stw_unpark();
    }
}

/* Waits until every other attached thread is parked.  False if another
 * thread is stopping the world already: the caller parks instead. */
bool pym_stop_the_world(void)
{
    pthread_mutex_lock(&stw.mutex);
    if (stw.requested) {
        pthread_mutex_unlock(&stw.mutex);
        return false;
    }
    __atomic_store_n(&stw.requested, 1, __ATOMIC_RELEASE);
    while (stw.running > 1) pthread_cond_wait(&stw.cond, &stw.mutex);
    pthread_mutex_unlock(&stw.mutex);
    world_stopper = true;
    return true;
}

void pym_start_the_world(void)
{
    world_stopper = false;
    pthread_mutex_lock(&stw.mutex);
    __atomic_store_n(&stw.requested, 0, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&stw.cond);
    pthread_mutex_unlock(&stw.mutex);
}

/* ---- striped container locks ---- */
#define STRIPES 256
static pym_mutex stripes[STRIPES];
static pthread_once_t stripes_once = PTHREAD_ONCE_INIT;
static void stripes_init(void)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    for (int i = 0; i < STRIPES; i++) pthread_mutex_init(&stripes[i], &attr);
    pthread_mutexattr_destroy(&attr);
}
static pym_mutex *stripe_of(const pym_object *o)
{
    uint64_t h = (uint64_t)(uintptr_t)o * UINT64_C(0x9E3779B97F4A7C15);
    return &stripes[h >> 56];
}
static PYM_THREAD_LOCAL int locks_held;
void pym__obj_lock(const pym_object *o)
{
    pthread_once(&stripes_once, stripes_init);
    pym_mutex_lock(stripe_of(o));
    locks_held++;
}
void pym__obj_unlock(const pym_object *o)
{
    locks_held--;
    pym_mutex_unlock(stripe_of(o));
}
bool pym_thread_holds_locks(void) { return locks_held > 0; }

#else  /* boehm */
void pym_set_switch_interval(double seconds) { (void)seconds; }
double pym_get_switch_interval(void) { return 0.005; }
static void mode_attach(bool others) { (void)others; }
static void mode_detach(void) {}
static void mode_park(void) {}
static void mode_unpark(void) {}
void pym_safepoint(void) {}
bool pym_stop_the_world(void) { return true; }
void pym_start_the_world(void) {}
#endif

#if !PYM_THREADED
bool pym_thread_holds_locks(void) { return false; }
#endif

/* ---- biased reference counting (PEP 703) ------------------------------------ */
#if defined(PYM_MODE_BIASED)
/* ob_ref_shared holds other threads' count shifted left by 2; the low bits
 * say what the object is waiting for:
 *   0           owned, nobody else can take a reference without holding one
 *   MAYBE_WEAK  owned, but reachable through a weakref or an intern table:
 *               pym__try_incref may add to it, so its death must be claimed
 *               with a compare-and-swap, not decided by a plain load
 *   QUEUED      queued to its owner: the count may go negative meanwhile
 *   MERGED      the owner gave it up: the shared count is the whole count */
#define SHARED_QUEUED PYM__SHARED_QUEUED
#define SHARED_MERGED PYM__SHARED_MERGED
#define SHARED_MAYBE_WEAK PYM__SHARED_MAYBE_WEAK
#define SHARED_FLAGS 3
#define SHARED_SHIFT 2

static size_t n_queued, n_merged;  /* pym_get_refcount_stats */

/* Callers hold registry_lock. */
static tstate *owner_of(uintptr_t tid)
{
    for (tstate *t = threads; t != NULL; t = t->next)
        if (t->tid == tid) return t;
    return NULL;
}

/* Adds `delta` to the shared count and marks it MERGED (the whole count
 * from now on); returns the new count. */
static int64_t merge_into_shared(pym_object *o, int64_t delta)
{
    int64_t shared = __atomic_load_n(&o->ob_ref_shared, __ATOMIC_ACQUIRE);
    int64_t merged;
    do {
        merged = (((shared >> SHARED_SHIFT) + delta) << SHARED_SHIFT) | SHARED_MERGED;
    } while (!__atomic_compare_exchange_n(&o->ob_ref_shared, &shared, merged, false,
                                          __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
    __atomic_fetch_add(&n_merged, 1, __ATOMIC_RELAXED);
    return merged >> SHARED_SHIFT;
}

/* The owner merges a queued object: its local count joins the shared one
 * and the queue's reference (see pym__decref_shared) is dropped.  While
 * the owner still has to clear its fields, a temporary reference keeps the
 * object alive: once the shared word says MERGED, another thread may drop
 * the last reference.  An object the owner already gave up (its last local
 * reference went while it was queued) only loses the queue's reference. */
static void merge_queued(pym_object *o)
{
    if (__atomic_load_n(&o->ob_tid, __ATOMIC_RELAXED) != pym__thread_id()) {
        if (merge_into_shared(o, -1) == 0) pym__dealloc(o);
        return;
    }
    /* + the local count, - the queue's reference, + a temporary one */
    merge_into_shared(o, (int64_t)o->ob_ref_local);
    __atomic_store_n(&o->ob_ref_local, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&o->ob_tid, 0, __ATOMIC_RELAXED);
    pym__decref_shared(o);  /* the temporary reference */
}

/* Appends to t's queue; false when it cannot grow. */
static bool queue_push(tstate *t, pym_object *o)
{
    pym_mutex_lock(&t->queue_lock);
    if (t->queue_len == t->queue_cap) {
        size_t cap = t->queue_cap ? t->queue_cap * 2 : 64;
        pym_object **q = realloc(t->queue, cap * sizeof *q);
        if (q != NULL) {
            t->queue = q;
            t->queue_cap = cap;
        }
    }
    bool pushed = t->queue_len < t->queue_cap;
    if (pushed) {
        t->queue[t->queue_len] = o;
        __atomic_store_n(&t->queue_len, t->queue_len + 1, __ATOMIC_RELEASE);
    }
    pym_mutex_unlock(&t->queue_lock);
    return pushed;
}

/* `o` holds the queue's reference (pym__decref_shared did not subtract
 * the one being dropped).  Hands it to its owner; if the owner has
 * detached, nobody writes its local count any more and this thread merges
 * it.  Taking the owner's fields over happens under the registry lock, so
 * a thread attaching later with the same id (the thread pointer of an
 * exited thread is reused) finds the object disowned. */
static void queue_to_owner(pym_object *o)
{
    __atomic_fetch_add(&n_queued, 1, __ATOMIC_RELAXED);
    pym_mutex_lock(&registry_lock);
    tstate *t = owner_of(__atomic_load_n(&o->ob_tid, __ATOMIC_RELAXED));
    if (t != NULL) {
        /* If even the queue cannot grow the object is never merged: it
         * leaks, which is safe; merging here would race with its owner. */
        (void)queue_push(t, o);
        pym_mutex_unlock(&registry_lock);
        return;
    }
    uint32_t local = __atomic_load_n(&o->ob_ref_local, __ATOMIC_RELAXED);
    __atomic_store_n(&o->ob_ref_local, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&o->ob_tid, 0, __ATOMIC_RELAXED);
    pym_mutex_unlock(&registry_lock);
    if (merge_into_shared(o, (int64_t)local - 1) == 0) pym__dealloc(o);
}

static void merge_queue(void)
{
    tstate *t = current;
    pym_mutex_lock(&t->queue_lock);
    pym_object **q = t->queue;
    size_t n = t->queue_len;
    t->queue = NULL;
    t->queue_cap = 0;
    __atomic_store_n(&t->queue_len, 0, __ATOMIC_RELAXED);
    pym_mutex_unlock(&t->queue_lock);
    for (size_t i = 0; i < n; i++) merge_queued(q[i]);
    free(q);
}

static bool queue_pending(void)
{
    return current != NULL && __atomic_load_n(&current->queue_len, __ATOMIC_RELAXED) != 0;
}

/* A thread other than the owner drops a reference.  If the shared count
 * would go below zero (the reference was counted in the owner's local
 * count), the object is queued to its owner instead, and the queue keeps
 * the reference being dropped until the owner merges: so a queued object
 * stays alive even if its owner drops all its local references meanwhile
 * (CPython does the same). */
void pym__decref_shared(pym_object *o)
{
    int64_t shared = __atomic_load_n(&o->ob_ref_shared, __ATOMIC_RELAXED);
    int64_t next;
    bool queue;
    do {
        queue = shared == 0 || shared == SHARED_MAYBE_WEAK;
        next = queue ? SHARED_QUEUED : shared - (1 << SHARED_SHIFT);
    } while (!__atomic_compare_exchange_n(&o->ob_ref_shared, &shared, next, false,
                                          __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
    if (queue) queue_to_owner(o);
    else if (next == SHARED_MERGED) pym__dealloc(o);
}

/* The owner dropped its last local reference.  With no other count and
 * no way for another thread to take one, the object is dead.  If other
 * threads may take one through a weakref or an intern table, claim the
 * death by swinging the shared word to MERGED (pym__try_incref then
 * fails).  Otherwise give up ownership, keeping the shared count: ob_tid
 * is cleared first, because once the shared word says MERGED another
 * thread may drop the last reference and free the object. */
static bool release_local(pym_object *o)
{
    int64_t shared = __atomic_load_n(&o->ob_ref_shared, __ATOMIC_ACQUIRE);
    if (shared == 0) return true;
    if (shared == SHARED_MAYBE_WEAK &&
        __atomic_compare_exchange_n(&o->ob_ref_shared, &shared, SHARED_MERGED, false,
                                    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        return true;
    __atomic_store_n(&o->ob_tid, 0, __ATOMIC_RELAXED);
    return merge_into_shared(o, 0) == 0;
}

void pym__decref_local_zero(pym_object *o)
{
    if (release_local(o)) pym__dealloc(o);
}

bool pym__drop_temp(pym_object *o)
{
    uint32_t n = o->ob_ref_local - 1;
    __atomic_store_n(&o->ob_ref_local, n, __ATOMIC_RELAXED);
    return n == 0 && release_local(o);
}

bool pym__try_incref(pym_object *o)
{
    if (pym__immortal(o)) return true;
    if (__atomic_load_n(&o->ob_tid, __ATOMIC_RELAXED) == pym__thread_id()) {
        uint32_t local = o->ob_ref_local;  /* only this thread writes it */
        if (local > 0) {
            __atomic_store_n(&o->ob_ref_local, local + 1, __ATOMIC_RELAXED);
            return true;
        }
    }
    int64_t shared = __atomic_load_n(&o->ob_ref_shared, __ATOMIC_RELAXED);
    do {
        /* Dead (merged at zero), or owned and unreachable without a reference. */
        if (shared == SHARED_MERGED || shared == 0) return false;
    } while (!__atomic_compare_exchange_n(&o->ob_ref_shared, &shared,
                                          shared + (1 << SHARED_SHIFT), true,
                                          __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    return true;
}

void pym__set_maybe_weak(pym_object *o)
{
    int64_t shared = __atomic_load_n(&o->ob_ref_shared, __ATOMIC_RELAXED);
    while ((shared & SHARED_FLAGS) == 0 &&
           !__atomic_compare_exchange_n(&o->ob_ref_shared, &shared, shared | SHARED_MAYBE_WEAK,
                                        true, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
    }
}

void pym_get_refcount_stats(pym_refcount_stats *out)
{
    out->queued = __atomic_load_n(&n_queued, __ATOMIC_RELAXED);
    out->merged = __atomic_load_n(&n_merged, __ATOMIC_RELAXED);
}
#else
void pym_get_refcount_stats(pym_refcount_stats *out) { *out = (pym_refcount_stats){0, 0}; }
#endif

/* ---- attach, detach, allow-threads ---------------------------------------------- */

int pym_thread_attach(void)
{
    tstate *t = tstate_get();
    if (t == NULL) {
        pym_err_nomemory();
        return -1;
    }
    if (t->attached++ > 0) return 0;
    mode_attach(registry_add(t));
    return 0;
}

/* Leaves the registry.  Biased: only with an empty queue, merged while
 * still attached (merging may destroy objects); an object queued after the
 * last merge but before leaving would never be merged. */
static void registry_leave(tstate *t)
{
    for (;;) {
#if defined(PYM_MODE_BIASED)
        merge_queue();
#endif
        pym_mutex_lock(&registry_lock);
#if defined(PYM_MODE_BIASED)
        pym_mutex_lock(&t->queue_lock);
        bool empty = t->queue_len == 0;
        pym_mutex_unlock(&t->queue_lock);
#else
        bool empty = true;
#endif
        if (empty) {
            registry_unlink(t);
            retire_counts(t);
        }
        pym_mutex_unlock(&registry_lock);
        if (empty) return;
    }
}

void pym_thread_detach(void)
{
    tstate *t = current;
    if (t == NULL || t->attached == 0 || --t->attached > 0) return;
#if PYM_THREADED
    pym_tuple_clear_freelists();  /* kept per thread: hand them back */
#endif
    registry_leave(t);
    mode_detach();
#if defined(PYM_MODE_BIASED)
    pthread_mutex_destroy(&t->queue_lock);
#endif
    free(t);
    current = NULL;
}

void pym_allow_threads_begin(void)
{
#if defined(PYM_MODE_BIASED)
    if (queue_pending()) merge_queue();
#endif
    mode_park();
}

void pym_allow_threads_end(void) { mode_unpark(); }

void pym_thread_init(void) { pym_thread_attach(); }
void pym_thread_fini(void) { pym_thread_detach(); }
