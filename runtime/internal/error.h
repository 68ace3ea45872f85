/* internal/error.h: raising helpers shared by the runtime (runtime/error.c). */
#ifndef PYM_INTERNAL_ERROR_H
#define PYM_INTERNAL_ERROR_H
#ifndef PYM_BUILD_CORE
#error "runtime/internal headers are private to pym's runtime"
#endif

#include "pym.h"

/* A pending error set aside while user code (a finalizer, a callback) runs:
 * that code starts with no error, and the caller's error survives it. */
#define PYM_ERR_MESSAGE_MAX 256
typedef struct pym_err_state {
    pym_error kind;
    char message[PYM_ERR_MESSAGE_MAX];
} pym_err_state;
void pym_err_save(pym_err_state *saved);          /* moves it aside, clears */
void pym_err_restore(const pym_err_state *saved); /* puts it back, if any */

/* Sets MemoryError and returns NULL: `return pym_err_nomemory();` */
void *pym_err_nomemory(void);
/* Sets TypeError "<what> expected, got <type>" and returns NULL. */
void *pym_err_badtype(const char *what, const pym_object *got);
/* Sets IndexError "<what> index out of range" and returns NULL. */
void *pym_err_badindex(const char *what);

#endif
