/* internal/error.h: raising helpers shared by the runtime (runtime/error.c). */
#ifndef PYM_INTERNAL_ERROR_H
#define PYM_INTERNAL_ERROR_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include "pym.h"

/* Sets MemoryError and returns NULL: `return pym_err_nomemory();` */
void *pym_err_nomemory(void);
/* Sets TypeError "<what> expected, got <type>" and returns NULL. */
void *pym_err_badtype(const char *what, const pym_object *got);
/* Sets IndexError "<what> index out of range" and returns NULL. */
void *pym_err_badindex(const char *what);

#endif
