/* fixture.c: runtime setup/teardown with the leak check every test ends on. */
#include <stdio.h>
#include <unistd.h>

#include "support/pym_test.h"

static size_t baseline;

extern void *fault_alloc(void *ud, void *ptr, size_t old_size, size_t new_size);

static int start(void)
{
    if (pym_init() != 0) return -1;
    baseline = pym_live_objects();
    return 0;
}

int pym_test_setup(void **state)
{
    (void)state;
    pym_set_allocator(NULL, NULL);
    return start();
}

int pym_test_setup_faulty(void **state)
{
    (void)state;
    fault_fail_at(0, false);
    pym_set_allocator(fault_alloc, NULL);
    return start();
}

int pym_test_teardown(void **state)
{
    (void)state;
    pym_err_clear();
    size_t now = pym_live_objects();
    if (now != baseline) {
        print_error("leak check: %zu live objects at the start, %zu at the end\n", baseline, now);
        pym_fini();
        pym_set_allocator(NULL, NULL);
        return -1;
    }
    pym_fini();
    pym_set_allocator(NULL, NULL);
    return 0;
}

void pym_test_capture_stderr(void (*fn)(void *ctx), void *ctx, char *out, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fds[1], 2);
    close(fds[1]);
    fn(ctx);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = read(fds[0], out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fds[0]);
}
