/* protocol.c: the generic operations every object supports (equality,
 * hashing, repr, calling), dispatched through type slots, plus the string
 * builder and recursion guard that container reprs share. */
#include <stdio.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"

/* ---- numbers -------------------------------------------------------------- */

static bool is_integral(const pym_object *o)
{
    return o->ob_type == &pym_int_type || o->ob_type == &pym_bool_type;
}
static bool is_number(const pym_object *o)
{
    return is_integral(o) || o->ob_type == &pym_float_type;
}

/* An int equals a float only if the float is integral and the same value;
 * comparing through double would make 2^53+1 equal 2^53. */
static bool int_equals_double(int64_t i, double d)
{
    if (d != d || d < -9.223372036854775808e18 || d >= 9.223372036854775808e18) return false;
    return (double)(int64_t)d == d && (int64_t)d == i;
}

int pym_number_equal(pym_object *a, pym_object *b)
{
    if (!is_number(a) || !is_number(b)) return 0;
    if (is_integral(a) && is_integral(b)) return pym_int_value(a) == pym_int_value(b);
    if (is_integral(a)) return int_equals_double(pym_int_value(a), pym_float_value(b));
    if (is_integral(b)) return int_equals_double(pym_int_value(b), pym_float_value(a));
    return pym_float_value(a) == pym_float_value(b);
}

/* ---- equality, hash, repr, call ------------------------------------------- */

/* Comparing nested containers recurses on the C stack; past this depth
 * pym_equal fails with RuntimeError (Python's RecursionError). */
#define EQUAL_MAX_NESTING 2000
static PYM_THREAD_LOCAL int equal_nesting;

int pym_equal(pym_object *a, pym_object *b)
{
    if (a == NULL || b == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_equal: NULL argument");
        return -1;
    }
    if (is_number(a) && is_number(b)) return pym_number_equal(a, b);
    if (a == b) return 1;
    if (a->ob_type != b->ob_type || a->ob_type->equal == NULL) return 0;
    if (equal_nesting >= EQUAL_MAX_NESTING) {
        pym_err_set(PYM_ERR_RUNTIME, "maximum recursion depth exceeded in comparison");
        return -1;
    }
    equal_nesting++;
    int r = a->ob_type->equal(a, b);
    equal_nesting--;
    return r;
}

int pym_hash(pym_object *o, int64_t *out)
{
    if (o == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_hash: NULL argument");
        return -1;
    }
    const pym_type *t = o->ob_type;
    if (t->hash != NULL) return t->hash(o, out);
    if (t->equal != NULL) {
        pym_err_set(PYM_ERR_TYPE, "unhashable type: '%s'", pym_type_name(o));
        return -1;
    }
    /* Identity hash, rotated so aligned addresses spread over buckets. */
    uintptr_t id = (uintptr_t)o;
    *out = (int64_t)((id >> 4) | (id << (8 * sizeof id - 4)));
    if (*out == -1) *out = -2;
    return 0;
}

/* Nested reprs recurse on the C stack; past this depth pym_repr fails with
 * RuntimeError (Python's RecursionError) instead of overflowing it. */
#define REPR_MAX_NESTING 2000
static PYM_THREAD_LOCAL int repr_nesting;

pym_object *pym_repr(pym_object *o)
{
    if (o == NULL) return pym_str_new("<NULL>");
    if (o->ob_type->repr == NULL)
        return pym_str_from_format("<%s object at %p>", pym_type_name(o), (void *)o);
    if (repr_nesting >= REPR_MAX_NESTING) {
        pym_err_set(PYM_ERR_RUNTIME, "maximum recursion depth exceeded while getting the repr");
        return NULL;
    }
    repr_nesting++;
    pym_object *r = o->ob_type->repr(o);
    repr_nesting--;
    return r;
}

pym_object *pym_call(pym_object *callable, pym_object *args)
{
    if (callable == NULL || callable->ob_type->call == NULL) {
        pym_err_set(PYM_ERR_TYPE, "'%s' object is not callable",
                    callable ? pym_type_name(callable) : "NULL");
        return NULL;
    }
    if (args == NULL) args = pym_empty_tuple();
    if (!pym_is_tuple(args)) return pym_err_badtype("tuple of arguments", args);
    return callable->ob_type->call(callable, args);
}

/* ---- repr helpers ------------------------------------------------------ */

void pym_strbuf_put(pym_strbuf *b, const char *s, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        char *buf = pym_mem_realloc(b->buf, b->cap, cap);
        if (buf == NULL) {
            b->failed = true;
            return;
        }
        b->buf = buf;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
}

void pym_strbuf_puts(pym_strbuf *b, const char *s) { pym_strbuf_put(b, s, strlen(s)); }

void pym_strbuf_put_repr(pym_strbuf *b, pym_object *o)
{
    if (b->failed) return;
    pym_object *r = pym_repr(o);
    if (r == NULL) {
        b->failed = true;
        return;
    }
    pym_strbuf_put(b, pym_str_cstr(r), pym_str_len(r));
    pym_decref(r);
}

pym_object *pym_strbuf_finish(pym_strbuf *b)
{
    pym_object *s = b->failed ? NULL : pym_str_new_len(b->buf ? b->buf : "", b->len);
    pym_mem_free(b->buf, b->cap);
    memset(b, 0, sizeof *b);
    return s;
}

/* Objects whose repr is in progress on this thread.  Reprs nest only as
 * deep as containers do, and that is rarely more than a few levels; the
 * fixed stack turns pathological depths into "..." instead of a crash. */
#define REPR_DEPTH 2048  /* above REPR_MAX_NESTING: pym_repr fails first */
static PYM_THREAD_LOCAL struct {
    pym_object *stack[REPR_DEPTH];
    int depth;
} repr_guard;

bool pym_repr_enter(pym_object *o)
{
    for (int i = 0; i < repr_guard.depth; i++)
        if (repr_guard.stack[i] == o) return true;
    if (repr_guard.depth == REPR_DEPTH) return true;
    repr_guard.stack[repr_guard.depth++] = o;
    return false;
}

void pym_repr_leave(pym_object *o)
{
    if (repr_guard.depth > 0 && repr_guard.stack[repr_guard.depth - 1] == o) repr_guard.depth--;
}
