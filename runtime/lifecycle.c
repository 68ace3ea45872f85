/* lifecycle.c: pym_init and pym_fini, which start and stop the subsystems
 * in dependency order.  Nothing else lives here. */
#define PYM_BUILD_CORE 1
#include "internal/gc.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"

static bool running;

const char *pym_mode(void)
{
#if defined(PYM_BACKEND_BOEHM)
    return "boehm";
#elif defined(PYM_MODE_ATOMIC)
    return "atomic";
#elif defined(PYM_MODE_BIASED)
    return "biased";
#else
    return "gil";
#endif
}

int pym_init(void)
{
    if (running) return 0;
    pym_count_reset();
    pym_mem_init();
    pym_object_init();
    pym_thread_init();
    pym_gc_init();
    pym_int_init();
    pym_str_init();
    pym_tuple_init();
    pym_err_clear();
    running = true;
    return 0;
}

void pym_fini(void)
{
    if (!running) return;
    pym_gc_fini();
    pym_object_release_immortals();
    pym_gc_fini();  /* what the immortals held may form cycles */
    pym_tuple_fini();
    pym_str_fini();
    pym_object_fini();
    pym_thread_fini();
    pym_mem_fini();
    pym_err_clear();
    running = false;
}
