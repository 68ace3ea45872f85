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

/* Python's numeric hash of a double: the value reduced modulo the prime
 * 2^61 - 1, computed exactly from the mantissa 28 bits at a time, so every
 * integral float hashes like the equal int and 0.5 like its fraction. */
#define HASH_BITS 61
#define HASH_MOD ((UINT64_C(1) << HASH_BITS) - 1)

static uint64_t rotate_mod(uint64_t x, int e)
{
    return ((x << e) & HASH_MOD) | x >> (HASH_BITS - e);
}

int64_t pym_hash_double(double v)
{
    if (isnan(v)) return 0;
    if (isinf(v)) return v > 0 ? 314159 : -314159;
    int e;
    double m = frexp(fabs(v), &e);
    uint64_t x = 0;
    while (m != 0.0) {
        x = rotate_mod(x, 28);
        m *= 268435456.0;  /* 2^28 */
        e -= 28;
        uint64_t y = (uint64_t)m;
        m -= (double)y;
        x += y;
        if (x >= HASH_MOD) x -= HASH_MOD;
    }
    e = e >= 0 ? e % HASH_BITS : HASH_BITS - 1 - ((-1 - e) % HASH_BITS);
    x = rotate_mod(x, e);
    int64_t h = v < 0 ? -(int64_t)x : (int64_t)x;
    return h == -1 ? -2 : h;
}

/* The shortest digit string that reads back as `v`, and its decimal
 * exponent: "%.*e" with the smallest precision that round-trips. */
static int shortest_digits(double v, char *digits, int *exp10)
{
    char e[40];
    for (int prec = 0; prec <= 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v) break;
    }
    char *mark = strchr(e, 'e');
    *exp10 = atoi(mark + 1);
    int n = 0;
    for (char *c = e; c < mark; c++)
        if (*c >= '0' && *c <= '9') digits[n++] = *c;
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    return n;
}

/* Python's repr(float): shortest round-trip digits, positional notation
 * for exponents -4..15 (with ".0" on integral values), scientific
 * notation ("1e+16", "1.5e-07") otherwise. */
static pym_object *float_repr(pym_object *self)
{
    double v = ((pym_float *)self)->value;
    if (isnan(v)) return pym_str_new("nan");
    if (isinf(v)) return pym_str_new(v > 0 ? "inf" : "-inf");
    char digits[24], out[64];
    int exp10, n = shortest_digits(v, digits, &exp10);
    const char *sign = signbit(v) ? "-" : "";
    static const char zeros[] = "0000000000000000";
    if (exp10 < -4 || exp10 >= 16)
        snprintf(out, sizeof out, "%s%c%s%se%c%02d", sign, digits[0], n > 1 ? "." : "",
                 digits + 1, exp10 < 0 ? '-' : '+', abs(exp10));
    else if (exp10 < 0)
        snprintf(out, sizeof out, "%s0.%.*s%s", sign, -exp10 - 1, zeros, digits);
    else if (n <= exp10 + 1)
        snprintf(out, sizeof out, "%s%s%.*s.0", sign, digits, exp10 + 1 - n, zeros);
    else
        snprintf(out, sizeof out, "%s%.*s.%s", sign, exp10 + 1, digits, digits + exp10 + 1);
    return pym_str_new(out);
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
