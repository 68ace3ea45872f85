/* pym_test.h: fixtures and the out-of-memory loop shared by every suite.
 *
 * Every test runs between pym_test_setup and pym_test_teardown: a fresh
 * runtime, and at the end a check that pym_live_objects() is back where it
 * was when the test started.  OOM tests use pym_test_setup_faulty, which
 * installs the fault-injecting allocator (tests/support/fault.c). */
#ifndef PYM_TEST_H
#define PYM_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <pym.h>

int pym_test_setup(void **state);
int pym_test_setup_faulty(void **state);
int pym_test_teardown(void **state);

/* Shorthand for a test with the standard fixture. */
#define PYM_TEST(fn) cmocka_unit_test_setup_teardown(fn, pym_test_setup, pym_test_teardown)
#define PYM_OOM_TEST(fn) \
    cmocka_unit_test_setup_teardown(fn, pym_test_setup_faulty, pym_test_teardown)

/* ---- fault injection (only with pym_test_setup_faulty) ---------------- */
/* Allocation number `n` (1-based, counted from this call) fails; with
 * `persistent`, every allocation after it fails too.  n == 0: none fails. */
void fault_fail_at(long n, bool persistent);
long fault_allocations(void);     /* allocations attempted since fault_fail_at */
size_t fault_outstanding(void);   /* blocks currently allocated */

/* The SQLite-style loop: runs `op` with allocation 1 failing, then 2, then
 * 3, ..., until `op` succeeds; once with single failures and once with
 * persistent ones.  `op` returns 0 on success or -1 on failure, and on
 * failure must have left MemoryError and released everything it made.
 * After each failure the loop checks the error kind, that no object leaked
 * and no block leaked; after the success it calls `undo` (which releases
 * what op made) and checks the same.  Returns the number of failing runs. */
typedef int (*pym_oom_op)(void *ctx);
long pym_test_oom_loop(pym_oom_op op, void (*undo)(void *ctx), void *ctx);

/* Runs fn(ctx) with stderr sent to a pipe and stores what it printed in
 * out (NUL-terminated, at most cap - 1 bytes: small outputs only, all of
 * it must fit in the pipe). */
void pym_test_capture_stderr(void (*fn)(void *ctx), void *ctx, char *out, size_t cap);

#endif
