/* fault.c: a realloc-like allocator for pym_set_allocator that fails on
 * request, and the out-of-memory loop built on it. */
#include <stdlib.h>

#include "support/pym_test.h"

static long fail_at;      /* 0: never */
static bool fail_persistent;
static long attempts;
static size_t outstanding;

void fault_fail_at(long n, bool persistent)
{
    fail_at = n;
    fail_persistent = persistent;
    attempts = 0;
}

long fault_allocations(void) { return attempts; }
size_t fault_outstanding(void) { return outstanding; }

void *fault_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        if (ptr != NULL) outstanding--;
        free(ptr);
        return NULL;
    }
    attempts++;
    if (fail_at > 0 && (attempts == fail_at || (fail_persistent && attempts > fail_at)))
        return NULL;
    void *p = realloc(ptr, new_size);
    if (p != NULL && ptr == NULL) outstanding++;
    return p;
}

static long loop(pym_oom_op op, void (*undo)(void *), void *ctx, bool persistent)
{
    size_t live0 = pym_live_objects();
    size_t blocks0 = fault_outstanding();
    long failures = 0;
    for (long n = 1;; n++) {
        fault_fail_at(n, persistent);
        int rc = op(ctx);
        fault_fail_at(0, false);
        if (rc == 0) break;
        failures++;
        assert_int_equal(pym_err_occurred(), PYM_ERR_MEMORY);
        pym_err_clear();
        assert_int_equal(pym_live_objects(), live0);
        assert_int_equal(fault_outstanding(), blocks0);
        assert_true(n < 100000);
    }
    assert_int_equal(pym_err_occurred(), PYM_ERR_NONE);
    if (undo != NULL) undo(ctx);
    assert_int_equal(pym_live_objects(), live0);
    assert_int_equal(fault_outstanding(), blocks0);
    return failures;
}

long pym_test_oom_loop(pym_oom_op op, void (*undo)(void *), void *ctx)
{
    long single = loop(op, undo, ctx, false);
    loop(op, undo, ctx, true);
    return single;
}
