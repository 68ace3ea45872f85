/* internal/thread.h: locks and thread-local storage used by the runtime.
 *
 * In MODE=gil one thread at a time runs pym code, so per-object locks compile
 * to nothing and runtime state needs no thread-local copies (PYM_TLS is
 * empty).  In the threaded modes (atomic, biased) containers lock a striped
 * mutex chosen by their address, and per-thread caches are thread-local. */
#ifndef PYM_INTERNAL_THREAD_H
#define PYM_INTERNAL_THREAD_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include <pthread.h>

#include "pym.h"

typedef pthread_mutex_t pym_mutex;
#define PYM_MUTEX_INIT PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
static inline void pym_mutex_lock(pym_mutex *m) { pthread_mutex_lock(m); }
static inline void pym_mutex_unlock(pym_mutex *m) { pthread_mutex_unlock(m); }

/* State every thread has its own copy of, in every mode (the pending error). */
#define PYM_THREAD_LOCAL _Thread_local __attribute__((tls_model("initial-exec")))

#if defined(PYM_MODE_ATOMIC) || defined(PYM_MODE_BIASED)
#define PYM_THREADED 1
#define PYM_TLS PYM_THREAD_LOCAL
/* Set, once and for good, when a second thread attaches; the world is
 * stopped while it flips, so no thread is ever inside a locked region
 * when it changes.  Until then one thread runs pym code and the runtime
 * skips its locks and atomic counters: a single-threaded program pays
 * for a threaded mode only in its refcount operations. */
extern int pym__threads_active;
static inline bool pym_threads_active(void)
{
    return __atomic_load_n(&pym__threads_active, __ATOMIC_RELAXED) != 0;
}
void pym__obj_lock(const pym_object *o);
void pym__obj_unlock(const pym_object *o);
#else
#define PYM_THREADED 0
#define PYM_TLS
static inline bool pym_threads_active(void) { return false; }
static inline void pym__obj_lock(const pym_object *o) { (void)o; }
static inline void pym__obj_unlock(const pym_object *o) { (void)o; }
#endif

/* Per-object (striped) locks of containers in the threaded modes. */
static inline void pym_obj_lock(const pym_object *o)
{
    if (pym_threads_active()) pym__obj_lock(o);
}
static inline void pym_obj_unlock(const pym_object *o)
{
    if (pym_threads_active()) pym__obj_unlock(o);
}

/* Runtime-wide locks (collector lists, intern tables, weakref lists):
 * real mutexes in the threaded modes, nothing under the GIL. */
static inline void pym_rt_lock(pym_mutex *m)
{
    if (pym_threads_active()) pym_mutex_lock(m);
}
static inline void pym_rt_unlock(pym_mutex *m)
{
    if (pym_threads_active()) pym_mutex_unlock(m);
}
/* Counters every allocation and death updates (live objects, bytes).  In
 * the threaded modes each thread adds to its own copy, with a plain store
 * (no lock prefix, no shared cache line), and a read sums every attached
 * thread's copy and what detached threads left: one global counter would
 * bounce between cores on every birth and death.  A thread's copy may go
 * below zero (it frees what another made); only the sum means anything. */
typedef enum { PYM_COUNT_LIVE, PYM_COUNT_BYTES, PYM_NCOUNTS } pym_count_id;
#if PYM_THREADED
extern PYM_THREAD_LOCAL size_t pym__counts[PYM_NCOUNTS];
static inline void pym_count_add(pym_count_id c, size_t delta)
{
    __atomic_store_n(&pym__counts[c], pym__counts[c] + delta, __ATOMIC_RELAXED);
}
#else
extern size_t pym__counts[PYM_NCOUNTS];
static inline void pym_count_add(pym_count_id c, size_t delta) { pym__counts[c] += delta; }
#endif
size_t pym_count_read(pym_count_id c);
void pym_count_reset(void);  /* pym_init, before any other thread attaches */

/* Stops every other attached thread at a safepoint (threaded modes; always
 * succeeds under the GIL).  False when another thread is already stopping
 * the world: the caller should reach a safepoint instead. */
bool pym_stop_the_world(void);
void pym_start_the_world(void);
/* True while this thread holds a container lock (no collection may start). */
bool pym_thread_holds_locks(void);

void pym_thread_init(void);
void pym_thread_fini(void);

#endif
