/* error.c: the pending error of each thread.
 *
 * An error is a kind and a formatted message kept in a fixed buffer, so that
 * raising one never allocates: MemoryError can always be reported. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/thread.h"

#define MESSAGE_MAX PYM_ERR_MESSAGE_MAX

static PYM_THREAD_LOCAL pym_err_state current;

static const char *const names[] = {
    [PYM_ERR_NONE] = "NoError",
    [PYM_ERR_MEMORY] = "MemoryError",
    [PYM_ERR_TYPE] = "TypeError",
    [PYM_ERR_VALUE] = "ValueError",
    [PYM_ERR_INDEX] = "IndexError",
    [PYM_ERR_KEY] = "KeyError",
    [PYM_ERR_OVERFLOW] = "OverflowError",
    [PYM_ERR_ATTRIBUTE] = "AttributeError",
    [PYM_ERR_RUNTIME] = "RuntimeError",
};

pym_error pym_err_occurred(void) { return current.kind; }

const char *pym_err_message(void) { return current.kind ? current.message : ""; }

const char *pym_err_name(pym_error kind)
{
    if ((unsigned)kind >= sizeof names / sizeof names[0]) return "UnknownError";
    return names[kind];
}

void pym_err_clear(void)
{
    current.kind = PYM_ERR_NONE;
    current.message[0] = '\0';
}

void pym_err_set(pym_error kind, const char *fmt, ...)
{
    /* Formatted aside first: the arguments may point into the current
     * message (re-raising with more context). */
    char buf[MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    memcpy(current.message, buf, sizeof buf);
    current.kind = kind;
}

void pym_err_save(pym_err_state *saved)
{
    *saved = current;
    pym_err_clear();
}

void pym_err_restore(const pym_err_state *saved)
{
    if (saved->kind != PYM_ERR_NONE) current = *saved;
}

void pym_err_print_unraisable(const char *where)
{
    if (current.kind == PYM_ERR_NONE) return;
    fprintf(stderr, "Exception ignored in: %s\n%s: %s\n", where,
            pym_err_name(current.kind), current.message);
    pym_err_clear();
}

void *pym_err_nomemory(void)
{
    pym_err_set(PYM_ERR_MEMORY, "out of memory");
    return NULL;
}

void *pym_err_badtype(const char *what, const pym_object *got)
{
    pym_err_set(PYM_ERR_TYPE, "%s expected, got %s", what,
                got ? pym_type_name(got) : "NULL");
    return NULL;
}

void *pym_err_badindex(const char *what)
{
    pym_err_set(PYM_ERR_INDEX, "%s index out of range", what);
    return NULL;
}
