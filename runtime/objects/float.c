/* float.c: double-precision floats, their shortest round-trip repr and the
 * numeric hash that makes 1.0 and 1 the same dict key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"

typedef struct pym_float {
    PYM_OBJECT_HEAD
    double value;
} pym_float;

/* Integral values hash like the equal int (Python's rule); others hash
 * their bit pattern. */
int64_t pym_hash_double(double v)
{
    if (isnan(v)) return 0;
    if (isinf(v)) return v > 0 ? 314159 : -314159;
    if (v == floor(v) && fabs(v) < 9.2e18) return pym_hash_int((int64_t)v);
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int64_t h = (int64_t)(bits ^ (bits >> 29)) & (((int64_t)1 << 61) - 1);
    return h == -1 ? -2 : h;
}

/* The shortest %g precision that reads back as the same double, with ".0"
 * added to integral values, as Python's repr(float). */
static pym_object *float_repr(pym_object *self)
{
    double v = ((pym_float *)self)->value;
    if (isnan(v)) return pym_str_new("nan");
    if (isinf(v)) return pym_str_new(v > 0 ? "inf" : "-inf");
    char buf[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) break;
    }
    if (strpbrk(buf, ".eni") == NULL) strcat(buf, ".0");
    return pym_str_new(buf);
}

static int float_hash(pym_object *self, int64_t *out)
{
    *out = pym_hash_double(((pym_float *)self)->value);
    return 0;
}

const pym_type pym_float_type = {
    .name = "float",
    .size = sizeof(pym_float),
    .flags = PYM_TYPE_IMMUTABLE,
    .repr = float_repr,
    .equal = pym_number_equal,
    .hash = float_hash,
};

pym_object *pym_float_new(double v)
{
    pym_float *o = (pym_float *)pym_object_alloc(&pym_float_type, 0);
    if (o == NULL) return NULL;
    o->value = v;
    return &o->ob_base;
}

bool pym_is_float(const pym_object *o) { return o->ob_type == &pym_float_type; }

double pym_float_value(pym_object *o)
{
    if (o != NULL && o->ob_type == &pym_float_type) return ((pym_float *)o)->value;
    if (o != NULL && (o->ob_type == &pym_int_type || o->ob_type == &pym_bool_type))
        return (double)pym_int_value(o);
    pym_err_badtype("float", o);
    return -1.0;
}
