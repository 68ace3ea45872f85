/* int.c: 64-bit integers.
 *
 * As in CPython, -5..256 are preallocated, immortal and shared: every
 * constructor and every arithmetic result in that range returns the cached
 * object, which is why `256 is 256` and not `257 is 257`.  Arithmetic past
 * int64 raises OverflowError (pym has no big integers). */
#include <inttypes.h>
#include <stdio.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/object.h"

typedef struct pym_int {
    PYM_OBJECT_HEAD
    int64_t value;
} pym_int;

#define NSMALL (PYM_SMALL_INT_MAX - PYM_SMALL_INT_MIN + 1)
static pym_int small_ints[NSMALL];

/* Python's numeric hash: v mod (2^61 - 1), sign kept, -1 reserved. */
#define HASH_MODULUS ((INT64_C(1) << 61) - 1)
int64_t pym_hash_int(int64_t v)
{
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    int64_t h = (int64_t)(m % (uint64_t)HASH_MODULUS);
    if (v < 0) h = -h;
    return h == -1 ? -2 : h;
}

static pym_object *int_repr(pym_object *self)
{
    return pym_str_from_format("%" PRId64, ((pym_int *)self)->value);
}

static int int_hash(pym_object *self, int64_t *out)
{
    *out = pym_hash_int(((pym_int *)self)->value);
    return 0;
}

const pym_type pym_int_type = {
    .name = "int",
    .size = sizeof(pym_int),
    .flags = PYM_TYPE_IMMUTABLE,
    .repr = int_repr,
    .equal = pym_number_equal,
    .hash = int_hash,
};

/* True and False are ints too (as in Python): same layout, own type. */
static pym_object *bool_repr(pym_object *self)
{
    return pym_str_new(((pym_int *)self)->value ? "True" : "False");
}

const pym_type pym_bool_type = {
    .name = "bool",
    .size = sizeof(pym_int),
    .flags = PYM_TYPE_IMMUTABLE,
    .repr = bool_repr,
    .equal = pym_number_equal,
    .hash = int_hash,
};

static pym_int false_object = {PYM_STATIC_OBJECT(&pym_bool_type), 0};
static pym_int true_object = {PYM_STATIC_OBJECT(&pym_bool_type), 1};

pym_object *pym_true(void) { return &true_object.ob_base; }
pym_object *pym_false(void) { return &false_object.ob_base; }
pym_object *pym_bool(bool v) { return v ? &true_object.ob_base : &false_object.ob_base; }
bool pym_is_bool(const pym_object *o) { return o->ob_type == &pym_bool_type; }

void pym_int_init(void)
{
    for (int i = 0; i < NSMALL; i++) {
        small_ints[i].ob_base = (pym_object)PYM_STATIC_OBJECT(&pym_int_type);
        small_ints[i].value = i + PYM_SMALL_INT_MIN;
    }
}

pym_object *pym_int_new(int64_t v)
{
    if ((uint64_t)v - (uint64_t)PYM_SMALL_INT_MIN < NSMALL)
        return &small_ints[v - PYM_SMALL_INT_MIN].ob_base;
    pym_int *o = (pym_int *)pym_object_alloc(&pym_int_type, 0);
    if (o == NULL) return NULL;
    o->value = v;
    return &o->ob_base;
}

bool pym_is_int(const pym_object *o) { return o->ob_type == &pym_int_type; }

static bool is_integral(const pym_object *o)
{
    return o != NULL && (o->ob_type == &pym_int_type || o->ob_type == &pym_bool_type);
}

int64_t pym_int_value(pym_object *o)
{
    if (is_integral(o)) return ((pym_int *)o)->value;
    pym_err_badtype("int", o);
    return -1;
}

/* Reads both operands for arithmetic; false with TypeError otherwise. */
static bool int_operands(pym_object *a, pym_object *b, int64_t *x, int64_t *y)
{
    if (!is_integral(a) || !is_integral(b)) {
        pym_err_badtype("int", is_integral(a) ? b : a);
        return false;
    }
    *x = ((pym_int *)a)->value;
    *y = ((pym_int *)b)->value;
    return true;
}

static pym_object *int_result(bool overflow, int64_t r, const char *op)
{
    if (overflow) {
        pym_err_set(PYM_ERR_OVERFLOW, "integer %s overflows int64", op);
        return NULL;
    }
    return pym_int_new(r);
}

pym_object *pym_int_add(pym_object *a, pym_object *b)
{
    int64_t x = 0, y = 0, r = 0;
    if (!int_operands(a, b, &x, &y)) return NULL;
    bool overflow = __builtin_add_overflow(x, y, &r);
    return int_result(overflow, r, "addition");
}

pym_object *pym_int_sub(pym_object *a, pym_object *b)
{
    int64_t x = 0, y = 0, r = 0;
    if (!int_operands(a, b, &x, &y)) return NULL;
    bool overflow = __builtin_sub_overflow(x, y, &r);
    return int_result(overflow, r, "subtraction");
}

pym_object *pym_int_mul(pym_object *a, pym_object *b)
{
    int64_t x = 0, y = 0, r = 0;
    if (!int_operands(a, b, &x, &y)) return NULL;
    bool overflow = __builtin_mul_overflow(x, y, &r);
    return int_result(overflow, r, "multiplication");
}
