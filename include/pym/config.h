/* pym/config.h: every build knob in one place.
 *
 * Each knob is `#ifndef PYM_X / #define PYM_X default`, so a build (or the
 * pkg-config file of a build) can override it with -DPYM_X=... .  Nothing here
 * allocates or declares functions; it only fixes what the headers compile to. */
#ifndef PYM_CONFIG_H
#define PYM_CONFIG_H

/* Threading mode: exactly one of these is 1.  MODE=gil is the default build.
 *   PYM_MODE_GIL     plain counts, one global interpreter lock
 *   PYM_MODE_ATOMIC  every count change is an atomic read-modify-write
 *   PYM_MODE_BIASED  PEP 703 biased counts (owner-local + shared atomic)
 *   PYM_BACKEND_BOEHM  Boehm GC's tracing collector, counts are no-ops */
#if !defined(PYM_MODE_GIL) && !defined(PYM_MODE_ATOMIC) && \
    !defined(PYM_MODE_BIASED) && !defined(PYM_BACKEND_BOEHM)
#define PYM_MODE_GIL 1
#endif

/* Debug checks: negative refcounts and use of freed objects abort with the
 * type name and address; pym_fini lists the objects still alive. */
#ifndef PYM_DEBUG
#define PYM_DEBUG 0
#endif

/* How many nested destroy calls run on the C stack before further destruction
 * is queued and run iteratively (CPython's trashcan limit is 50). */
#ifndef PYM_TRASHCAN_DEPTH
#define PYM_TRASHCAN_DEPTH 50
#endif

/* Largest block the small-object pool serves; larger ones go to the system. */
#ifndef PYM_POOL_MAX
#define PYM_POOL_MAX 512
#endif

/* Default collector thresholds, as in CPython. */
#ifndef PYM_GC_THRESHOLD0
#define PYM_GC_THRESHOLD0 700
#endif
#ifndef PYM_GC_THRESHOLD1
#define PYM_GC_THRESHOLD1 10
#endif
#ifndef PYM_GC_THRESHOLD2
#define PYM_GC_THRESHOLD2 10
#endif

/* Set under ThreadSanitizer, which cannot see standalone fences: the few
 * places that pair a relaxed operation with a fence use the equivalent
 * ordered operation instead, so TSan sees exactly the ordering we rely on. */
#if defined(__SANITIZE_THREAD__)
#define PYM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PYM_TSAN 1
#endif
#endif
#ifndef PYM_TSAN
#define PYM_TSAN 0
#endif

#if defined(__GNUC__)
#define PYM_LIKELY(x)   __builtin_expect(!!(x), 1)
#define PYM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define PYM_NOINLINE    __attribute__((noinline))
#define PYM_COLD        __attribute__((cold, noinline))
#define PYM_MUST_CHECK  __attribute__((warn_unused_result))
#define PYM_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PYM_LIKELY(x)   (x)
#define PYM_UNLIKELY(x) (x)
#define PYM_NOINLINE
#define PYM_COLD
#define PYM_MUST_CHECK
#define PYM_PRINTF(a, b)
#endif

#endif /* PYM_CONFIG_H */
