/* none.c: None, the immortal singleton. */
#define PYM_BUILD_CORE 1
#include "internal/object.h"

static pym_object *none_repr(pym_object *self)
{
    (void)self;
    return pym_str_new("None");
}

static int none_hash(pym_object *self, int64_t *out)
{
    (void)self;
    *out = 0xFCA86420;  /* a fixed value, as CPython 3.12 does */
    return 0;
}

const pym_type pym_none_type = {
    .name = "NoneType",
    .size = sizeof(pym_object),
    .flags = PYM_TYPE_IMMUTABLE,
    .repr = none_repr,
    .hash = none_hash,
};

static pym_object none_object = PYM_STATIC_OBJECT(&pym_none_type);

pym_object *pym_none(void) { return &none_object; }
