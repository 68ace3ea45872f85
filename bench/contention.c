/* contention.c: what refcounting costs under threads, per mode.
 *
 *   contention [ops] [reps] [max_threads]      defaults: 20000000 3 8
 *
 * Runs each workload with 1, 2, 4 and 8 threads (up to max_threads) and
 * prints one CSV row per run: mode,workload,threads,ops,seconds,mops, the
 * best of `reps` runs.  bench/contention.sh runs it for every mode's build
 * (with max_threads 1, alternating between the builds, for the
 * single-thread overheads) and turns the rows into tables and a plot.
 *
 * Workloads (one "op" is one incref+decref pair, or one tuple built and
 * freed):
 *   private         each thread counts references to its own object
 *   shared          every thread counts references to one mortal object
 *   shared-immortal every thread counts references to an immortal object
 *   tuple-churn     each thread builds and frees 2-tuples of a shared immortal
 *                   int and a private int, as interpreter code does all day
 *   handoff         each thread makes an int, puts it on a shared list and
 *                   takes one off, usually made by another thread: objects
 *                   die away from the thread that owns their count, which is
 *                   what biased counting's queue-and-merge exists for
 *   control         no pym at all: each thread bumps a counter on its own
 *                   stack, so the machine's own scaling (a shared or
 *                   hyperthreaded core, a busy neighbour) is measured in
 *                   the same run as the workloads it bounds */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pym.h>

#define SAFEPOINT_EVERY 1024

typedef struct worker {
    pthread_t thread;
    pym_object *target;   /* the object this thread hammers */
    long ops;
    int workload;
    double start, end;    /* when this thread began and finished its loop */
} worker;

enum { PRIVATE, SHARED, SHARED_IMMORTAL, TUPLE_CHURN, HANDOFF, CONTROL, NWORKLOADS };
static const char *const names[NWORKLOADS] = {"private", "shared", "shared-immortal",
                                              "tuple-churn", "handoff", "control"};
static pym_object *handoff_list;

static pthread_barrier_t start_line;

/* Keeps the compiler from merging or dropping the pair. */
static inline void barrier(pym_object *o) { __asm__ volatile("" : : "r"(o) : "memory"); }

static void count_refs(pym_object *o, long ops)
{
    for (long i = 0; i < ops; i++) {
        pym_incref(o);
        barrier(o);
        pym_decref(o);
        if ((i & (SAFEPOINT_EVERY - 1)) == 0) pym_safepoint();
    }
}

static void churn_tuples(pym_object *shared_int, long ops)
{
    pym_object *mine = pym_int_new(100000 + (long)(uintptr_t)&mine % 1000);
    for (long i = 0; i < ops; i++) {
        pym_object *t = pym_tuple_pack(2, shared_int, mine);
        barrier(t);
        pym_decref(t);
        if ((i & (SAFEPOINT_EVERY - 1)) == 0) pym_safepoint();
    }
    pym_decref(mine);
}

static double now(void);

static void hand_off(long ops)
{
    for (long i = 0; i < ops; i++) {
        pym_object *v = pym_int_new(1000 + i);
        pym_list_append(handoff_list, v);
        pym_decref(v);
        pym_object *got = pym_list_pop(handoff_list, 0);
        if (got == NULL) pym_err_clear();  /* another thread emptied it first */
        pym_xdecref(got);
        if ((i & (SAFEPOINT_EVERY - 1)) == 0) pym_safepoint();
    }
}

static void count_plain(long ops)
{
    volatile long counter = 0;
    for (long i = 0; i < ops; i++) counter = counter + 1;
}

static void work(int workload, pym_object *target, long ops)
{
    if (workload == CONTROL) count_plain(ops);
    else if (workload == TUPLE_CHURN) churn_tuples(target, ops);
    else if (workload == HANDOFF) hand_off(ops);
    else count_refs(target, ops);
}

static void *run_worker(void *arg)
{
    worker *w = arg;
    pym_thread_attach();
    pym_object *own = w->workload == PRIVATE ? pym_list_new() : NULL;
    pym_allow_threads_begin();
    pthread_barrier_wait(&start_line);
    pym_allow_threads_end();
    w->start = now();
    work(w->workload, own ? own : w->target, w->ops);
    w->end = now();
    pym_xdecref(own);
    pym_thread_detach();
    return NULL;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One run: `n` threads doing `ops` each; returns the wall time from the
 * first thread's start to the last one's finish.  One thread runs on the
 * calling thread itself, so the single-thread numbers are those of a
 * single-threaded program. */
static double run(int workload, int n, long ops, pym_object *shared, pym_object *immortal)
{
    worker w[8];
    if (n == 1) {
        w[0] = (worker){.target = workload == SHARED ? shared : immortal, .ops = ops,
                        .workload = workload};
        pym_object *own = workload == PRIVATE ? pym_list_new() : NULL;
        w[0].start = now();
        work(workload, own ? own : w[0].target, ops);
        w[0].end = now();
        pym_xdecref(own);
        return w[0].end - w[0].start;
    }
    pthread_barrier_init(&start_line, NULL, (unsigned)n + 1);
    for (int i = 0; i < n; i++) {
        w[i] = (worker){.target = workload == SHARED ? shared : immortal, .ops = ops,
                        .workload = workload};
        pthread_create(&w[i].thread, NULL, run_worker, &w[i]);
    }
    pym_allow_threads_begin();
    pthread_barrier_wait(&start_line);
    for (int i = 0; i < n; i++) pthread_join(w[i].thread, NULL);
    pym_allow_threads_end();
    pthread_barrier_destroy(&start_line);
    double first = w[0].start, last = w[0].end;
    for (int i = 1; i < n; i++) {
        if (w[i].start < first) first = w[i].start;
        if (w[i].end > last) last = w[i].end;
    }
    return last - first;
}

int main(int argc, char **argv)
{
    long ops = argc > 1 ? atol(argv[1]) : 20000000;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    int max_threads = argc > 3 ? atoi(argv[3]) : 8;
    pym_init();
    pym_object *shared = pym_list_new();
    pym_object *immortal = pym_int_new(7);
    handoff_list = pym_list_new();
    static const int counts[] = {1, 2, 4, 8};
    printf("mode,workload,threads,ops,seconds,mops\n");
    /* Every single-thread run comes first: until a second thread attaches,
     * the threaded modes skip their locks, as a single-threaded program
     * does for its whole life. */
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        for (int wl = 0; wl < NWORKLOADS; wl++) {
            int n = counts[c];
            if (n > max_threads) break;
            long per = wl == TUPLE_CHURN || wl == HANDOFF ? ops / 8 : ops;
            double best = 1e30;
            for (int r = 0; r < reps; r++) {
                double t = run(wl, n, per, shared, immortal);
                if (t < best) best = t;
            }
            printf("%s,%s,%d,%ld,%.6f,%.2f\n", pym_mode(), names[wl], n, per * n, best,
                   (double)(per * n) / best / 1e6);
            fflush(stdout);
        }
    }
    pym_refcount_stats st;
    pym_get_refcount_stats(&st);
    printf("# %s biased queue: %zu objects queued to their owner, %zu merges\n", pym_mode(),
           st.queued, st.merged);
    pym_decref(handoff_list);
    pym_decref(shared);
    pym_fini();
    return 0;
}
