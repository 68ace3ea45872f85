/* side_by_side.h: what the benchmarks that embed CPython next to pym share
 * (bench/objects.c, bench/gc.c): a monotonic clock and a failure exit that
 * reports both runtimes' pending errors.  Include after Python.h and pym.h. */
#ifndef PYM_BENCH_SIDE_BY_SIDE_H
#define PYM_BENCH_SIDE_BY_SIDE_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Set by each program: its name in failure messages. */
static const char *bench_name;

static void die(const char *what)
{
    fprintf(stderr, "%s: %s failed\n", bench_name, what);
    if (PyErr_Occurred()) PyErr_Print();
    if (pym_err_occurred()) fprintf(stderr, "pym: %s\n", pym_err_message());
    exit(1);
}

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#endif
