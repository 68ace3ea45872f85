/* internal/mem.h: the one allocation path (runtime/mem.c).
 *
 * Every byte pym uses goes through these three functions.  They account
 * bytes, route to the user's allocator when one is set, serve small blocks
 * from size-class pools otherwise, and are the one place that raises
 * MemoryError.  Frees are sized (Lua's contract), so blocks carry no header. */
#ifndef PYM_INTERNAL_MEM_H
#define PYM_INTERNAL_MEM_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include <stdbool.h>
#include <stddef.h>

#include "pym/config.h"

/* NULL with MemoryError pending on failure. */
PYM_MUST_CHECK void *pym_mem_alloc(size_t n);
PYM_MUST_CHECK void *pym_mem_calloc(size_t n);
/* On failure returns NULL, sets MemoryError and leaves `p` untouched. */
PYM_MUST_CHECK void *pym_mem_realloc(void *p, size_t old_n, size_t new_n);
void pym_mem_free(void *p, size_t n);

bool pym_mem_has_user_allocator(void);
/* True when small blocks come from pym's pools: no user allocator and no
 * PYM_MALLOC=malloc.  Free lists of objects are kept only then, so a fault
 * injector or Valgrind still sees every allocation and every free. */
bool pym_mem_pooling(void);
void pym_mem_init(void);   /* reads PYM_MALLOC=malloc (bypass the pools) */
void pym_mem_fini(void);   /* releases the pools' arenas */

#endif
