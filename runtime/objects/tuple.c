/* tuple.c: immutable fixed-size sequences, the empty-tuple singleton and
 * the tuple intern table.
 *
 * Layout is CPython's: header, item count, items, with the collector's words
 * in front, so a 2-tuple takes 56 bytes like sys.getsizeof((1, 2)).  Tuples
 * are GC-tracked when created; the collector later untracks those whose
 * items are all untracked (runtime/gc.c, for every immutable GC type).
 *
 * () is one statically allocated immortal object, as in CPython.
 *
 * Interning (pym's addition, CPython has no tuple interning) keeps a weak
 * table exactly like the str one: borrowed pointers, PYM_OBF_INTERNED on the
 * member, removal when it dies.  Only tuples whose items are all of
 * PYM_TYPE_IMMUTABLE types (nested tuples checked recursively) can be
 * interned, since a canonical value must never change.  "Equal" for
 * interning is stricter than ==: items must be of the same type (so (1,)
 * and (1.0,) and (True,) stay distinct) and floats must have the same bits
 * (0.0 and -0.0 stay distinct); otherwise repr would betray the sharing.
 *
 * Not here: destroying deep chains iteratively (runtime/object.c's trashcan
 * does it for every type). */
#include <stdarg.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"

typedef struct pym_tuple {
    PYM_OBJECT_HEAD
    size_t n;
    pym_object *items[];
} pym_tuple;

static inline pym_tuple *as_tuple(pym_object *o) { return (pym_tuple *)o; }

/* ---- the empty tuple --------------------------------------------------- */

/* () with the collector's words in front of it (never tracked: next is
 * NULL), so gc functions can be asked about it like any tuple. */
typedef struct static_tuple {
    pym_gc_head gc;
    pym_object ob_base;
    size_t n;
} static_tuple;
_Static_assert(offsetof(static_tuple, ob_base) == sizeof(pym_gc_head), "static_tuple layout");
_Static_assert(offsetof(static_tuple, n) - offsetof(static_tuple, ob_base) ==
               offsetof(pym_tuple, n), "static_tuple layout");

static static_tuple empty_tuple = {
    .gc = {.next = NULL, {.prev = NULL}},
    .ob_base = PYM_STATIC_OBJECT(&pym_tuple_type),
    .n = 0,
};

/* pym_empty_tuple: (), BORROWED (immortal). */
pym_object *pym_empty_tuple(void) { return &empty_tuple.ob_base; }

/* ---- nesting guard --------------------------------------------------------- */

/* hash, == and the intern checks recurse into nested tuples on the C stack;
 * past this depth they fail with RuntimeError (Python's RecursionError)
 * instead of overflowing it. */
#define TUPLE_MAX_NESTING 10000
static PYM_THREAD_LOCAL int tuple_nesting;

static bool tuple_enter(void)
{
    if (tuple_nesting >= TUPLE_MAX_NESTING) {
        pym_err_set(PYM_ERR_RUNTIME, "maximum recursion depth exceeded in tuple comparison");
        return false;
    }
    tuple_nesting++;
    return true;
}
static inline void tuple_leave(void) { tuple_nesting--; }

/* ---- construction -------------------------------------------------------------- */

/* pym_is_tuple: true for a tuple (NULL-tolerant). */
bool pym_is_tuple(const pym_object *o) { return o != NULL && o->ob_type == &pym_tuple_type; }

/* ---- free lists ------------------------------------------------------------------ */

/* Destroyed tuples of up to FREELIST_MAX_N items are kept, per size, for
 * the next tuple of that size, linked through items[0] (CPython keeps 2000
 * of each size up to 20): a 2-tuple built and freed in a loop then never
 * goes back to the allocator, is not zeroed whole, and its size is never
 * recomputed.  Per thread in the threaded modes (PYM_TLS), emptied when a
 * thread detaches and at pym_fini.  Kept only while pym_mem_pooling(): a
 * fault injector or Valgrind sees every block. */
#define FREELIST_MAX_N 8
#define FREELIST_DEPTH 2000
typedef struct tuple_freelist {
    pym_tuple *head[FREELIST_MAX_N + 1];
    int len[FREELIST_MAX_N + 1];
} tuple_freelist;
static PYM_TLS tuple_freelist freelist;
static bool use_freelist;  /* pym_mem_pooling(), read at pym_init */

/* What a tuple of n items occupies (pym_object_size, release builds). */
static inline size_t tuple_bytes(size_t n)
{
    return sizeof(pym_gc_head) + sizeof(pym_tuple) + n * sizeof(pym_object *);
}

static bool tuple_recycle(pym_object *self)
{
    pym_tuple *t = as_tuple(self);
    size_t n = t->n;
    if (n > FREELIST_MAX_N || freelist.len[n] >= FREELIST_DEPTH || !use_freelist) return false;
    t->items[0] = &freelist.head[n]->ob_base;
    freelist.head[n] = t;
    freelist.len[n]++;
    pym_count_add(PYM_COUNT_BYTES, -tuple_bytes(n));
    return true;
}

static pym_tuple *freelist_pop(size_t n)
{
    pym_tuple *t = freelist.head[n];
    freelist.head[n] = as_tuple(t->items[0]);
    freelist.len[n]--;
    for (size_t i = 0; i < n; i++) t->items[i] = NULL;
    pym_object_revive(&t->ob_base, tuple_bytes(n));
    return t;
}

/* pym_tuple_clear_freelists: returns this thread's kept tuples to the
 * allocator (thread detach, pym_fini). */
void pym_tuple_clear_freelists(void)
{
    for (size_t n = 1; n <= FREELIST_MAX_N; n++) {
        while (freelist.head[n] != NULL) {
            pym_tuple *t = freelist.head[n];
            freelist.head[n] = as_tuple(t->items[0]);
            pym_object_discard(&t->ob_base);
        }
        freelist.len[n] = 0;
    }
}

/* A new tuple of n > 0 NULL items for the caller to fill (tracked already:
 * traverse and destroy accept NULL items). */
PYM_MUST_CHECK static pym_tuple *tuple_alloc(size_t n)
{
    if (n <= FREELIST_MAX_N && freelist.head[n] != NULL) return freelist_pop(n);
    if (n > (SIZE_MAX - sizeof(pym_tuple)) / sizeof(pym_object *) / 2) return pym_err_nomemory();
    pym_tuple *t = (pym_tuple *)pym_object_alloc(&pym_tuple_type, n * sizeof(pym_object *));
    if (t == NULL) return NULL;
    t->n = n;
    return t;
}

static void *tuple_null_item(void)
{
    pym_err_set(PYM_ERR_TYPE, "tuple item must not be NULL");
    return NULL;
}

/* pym_tuple_new: a tuple of the n items (each increfed: nothing is
 * stolen).  New reference; n == 0 gives the shared (); TypeError for a
 * NULL items array or item. */
pym_object *pym_tuple_new(size_t n, pym_object *const *items)
{
    if (n == 0) return &empty_tuple.ob_base;
    if (items == NULL) return tuple_null_item();
    for (size_t i = 0; i < n; i++)
        if (items[i] == NULL) return tuple_null_item();
    pym_tuple *t = tuple_alloc(n);
    if (t == NULL) return NULL;
    for (size_t i = 0; i < n; i++) t->items[i] = pym_incref(items[i]);
    return &t->ob_base;
}

/* pym_tuple_pack: a tuple of the n pym_object * arguments, as
 * pym_tuple_new.  Fills straight from the arguments; a NULL argument
 * discards the tuple (TypeError). */
pym_object *pym_tuple_pack(size_t n, ...)
{
    if (n == 0) return &empty_tuple.ob_base;
    pym_tuple *t = tuple_alloc(n);
    if (t == NULL) return NULL;
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) {
        pym_object *o = va_arg(ap, pym_object *);
        if (o == NULL) break;
        t->items[i] = pym_incref(o);
    }
    va_end(ap);
    if (t->items[n - 1] != NULL) return &t->ob_base;
    pym_decref(&t->ob_base);
    return tuple_null_item();
}

/* ---- accessors ------------------------------------------------------------------- */

/* pym_tuple_len: the item count; 0 with TypeError for a non-tuple. */
size_t pym_tuple_len(pym_object *t)
{
    if (!pym_is_tuple(t)) {
        pym_err_badtype("tuple", t);
        return 0;
    }
    return as_tuple(t)->n;
}

/* pym_tuple_get: item i, BORROWED (valid while t lives); NULL with
 * IndexError past the end, TypeError for a non-tuple. */
pym_object *pym_tuple_get(pym_object *t, size_t i)
{
    if (!pym_is_tuple(t)) return pym_err_badtype("tuple", t);
    if (i >= as_tuple(t)->n) return pym_err_badindex("tuple");
    return as_tuple(t)->items[i];
}

/* ---- the type -------------------------------------------------------------------- */

static int tuple_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    pym_tuple *t = as_tuple(self);
    for (size_t i = 0; i < t->n; i++) PYM_VISIT(t->items[i]);
    return 0;
}

/* "()", "(1,)", "(1, 2)": the trailing comma marks a 1-tuple. */
static pym_object *tuple_repr(pym_object *self)
{
    pym_tuple *t = as_tuple(self);
    if (t->n == 0) return pym_str_new("()");
    pym_strbuf b = {0};
    pym_strbuf_put(&b, "(", 1);
    for (size_t i = 0; i < t->n; i++) {
        if (i > 0) pym_strbuf_put(&b, ", ", 2);
        pym_strbuf_put_repr(&b, t->items[i]);
    }
    pym_strbuf_puts(&b, t->n == 1 ? ",)" : ")");
    return pym_strbuf_finish(&b);
}

static int tuple_equal_items(pym_tuple *x, pym_tuple *y)
{
    for (size_t i = 0; i < x->n; i++) {
        if (x->items[i] == y->items[i]) continue;
        int r = pym_equal(x->items[i], y->items[i]);
        if (r != 1) return r;
    }
    return 1;
}

static int tuple_equal(pym_object *a, pym_object *b)
{
    if (a == b) return 1;
    if (!pym_is_tuple(a) || !pym_is_tuple(b)) return 0;
    if (as_tuple(a)->n != as_tuple(b)->n) return 0;
    if (!tuple_enter()) return -1;
    int r = tuple_equal_items(as_tuple(a), as_tuple(b));
    tuple_leave();
    return r;
}

/* The xxHash-style accumulation CPython 3.8+ uses for tuples: every item
 * hash is one lane, mixed in with a multiply-rotate-multiply round, then
 * the length is folded in.  Same primes and steps as CPython, so tuples of
 * ints hash to the same values there and here. */
#define XXPRIME_1 UINT64_C(11400714785074694791)
#define XXPRIME_2 UINT64_C(14029467366897019727)
#define XXPRIME_5 UINT64_C(2870177450012600261)

static int tuple_hash_items(pym_tuple *t, int64_t *out)
{
    uint64_t acc = XXPRIME_5;
    for (size_t i = 0; i < t->n; i++) {
        int64_t h;
        if (pym_hash(t->items[i], &h) < 0) return -1;
        acc += (uint64_t)h * XXPRIME_2;
        acc = (acc << 31) | (acc >> 33);
        acc *= XXPRIME_1;
    }
    acc += (uint64_t)t->n ^ (XXPRIME_5 ^ UINT64_C(3527539));
    *out = acc == UINT64_MAX ? 1546275796 : (int64_t)acc;
    return 0;
}

static int tuple_hash(pym_object *self, int64_t *out)
{
    if (!tuple_enter()) return -1;
    int r = tuple_hash_items(as_tuple(self), out);
    tuple_leave();
    return r;
}

static void tuple_destroy(pym_object *self)
{
    if (pym_flag(self, PYM_OBF_INTERNED)) pym_tuple_unintern(self);
    pym_tuple *t = as_tuple(self);
    for (size_t i = 0; i < t->n; i++) pym_xdecref(t->items[i]);
}

static size_t tuple_extra_size(const pym_object *self)
{
    return ((const pym_tuple *)self)->n * sizeof(pym_object *);
}

const pym_type pym_tuple_type = {
    .name = "tuple",
    .size = sizeof(pym_tuple),
    .flags = PYM_TYPE_GC | PYM_TYPE_IMMUTABLE,
    .traverse = tuple_traverse,
    .destroy = tuple_destroy,
    .repr = tuple_repr,
    .equal = tuple_equal,
    .hash = tuple_hash,
    .extra_size = tuple_extra_size,
    .recycle = tuple_recycle,
};

/* ---- interning: which tuples qualify, and when two are "the same" --------------- */

static int tuple_check_immutable(pym_tuple *t);

/* 0 if o may be an item of an interned tuple, else -1 with TypeError. */
static int intern_check_item(pym_object *o)
{
    if (!(o->ob_type->flags & PYM_TYPE_IMMUTABLE)) {
        pym_err_set(PYM_ERR_TYPE, "cannot intern a tuple containing a mutable '%s'",
                    pym_type_name(o));
        return -1;
    }
    if (!pym_is_tuple(o)) return 0;
    if (!tuple_enter()) return -1;
    int r = tuple_check_immutable(as_tuple(o));
    tuple_leave();
    return r;
}

static int tuple_check_immutable(pym_tuple *t)
{
    for (size_t i = 0; i < t->n; i++)
        if (intern_check_item(t->items[i]) < 0) return -1;
    return 0;
}

static int intern_same(pym_object *a, pym_object *b);

static int intern_same_items(pym_tuple *x, pym_tuple *y)
{
    if (x->n != y->n) return 0;
    for (size_t i = 0; i < x->n; i++) {
        int r = intern_same(x->items[i], y->items[i]);
        if (r != 1) return r;
    }
    return 1;
}

/* 1 if a and b may share one canonical object: identical, or the same type
 * and equal (floats: the same bits; tuples: item by item, recursively). */
static int intern_same(pym_object *a, pym_object *b)
{
    if (a == b) return 1;
    if (a->ob_type != b->ob_type) return 0;
    if (pym_is_float(a)) {
        double x = pym_float_value(a), y = pym_float_value(b);
        return memcmp(&x, &y, sizeof x) == 0;
    }
    if (!pym_is_tuple(a)) return pym_equal(a, b);
    if (!tuple_enter()) return -1;
    int r = intern_same_items(as_tuple(a), as_tuple(b));
    tuple_leave();
    return r;
}

/* ---- the intern table -------------------------------------------------------------- */

/* Open addressing with linear probing and backward-shift removal, as the str
 * table; each slot keeps the tuple's hash (tuples do not cache it), so the
 * table grows and removes without rehashing items. */
typedef struct intern_slot {
    pym_tuple *t;   /* NULL: empty */
    int64_t hash;
} intern_slot;

static struct {
    intern_slot *slots;
    size_t cap, count;
} interned;

static pym_mutex intern_lock = PYM_MUTEX_INIT;
static inline void intern_lock_acquire(void) { pym_rt_lock(&intern_lock); }
static inline void intern_lock_release(void) { pym_rt_unlock(&intern_lock); }

/* Multiplies carry entropy only upward, so tuple hashes vary most in their
 * high bits: both halves are folded into the slot index. */
static inline size_t slot_home(int64_t hash, size_t cap)
{
    uint64_t h = (uint64_t)hash;
    return (size_t)(h ^ (h >> 32)) & (cap - 1);
}
static inline size_t intern_home(int64_t hash) { return slot_home(hash, interned.cap); }


/* A new reference to the interned tuple the same as t, or NULL (*err set
 * to -1 if a comparison failed). */
static pym_tuple *intern_find(pym_tuple *t, int64_t hash, int *err)
{
    *err = 0;
    if (interned.cap == 0) return NULL;
    for (size_t i = intern_home(hash);; i = (i + 1) & (interned.cap - 1)) {
        intern_slot *sl = &interned.slots[i];
        if (sl->t == NULL) return NULL;
        if (sl->hash != hash) continue;
        int r = intern_same(&sl->t->ob_base, &t->ob_base);
        if (r == 1 && pym__try_incref(&sl->t->ob_base)) return sl->t;
        if (r < 0) {
            *err = -1;
            return NULL;
        }
    }
}

static void intern_place(intern_slot *slots, size_t cap, pym_tuple *t, int64_t hash)
{
    size_t i = slot_home(hash, cap);
    while (slots[i].t != NULL) i = (i + 1) & (cap - 1);
    slots[i].t = t;
    slots[i].hash = hash;
}

/* Makes room for one more entry; -1 with MemoryError, table untouched. */
PYM_MUST_CHECK static int intern_reserve(void)
{
    if ((interned.count + 1) * 4 <= interned.cap * 3) return 0;
    size_t cap = interned.cap ? interned.cap * 2 : 32;
    intern_slot *slots = pym_mem_calloc(cap * sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t i = 0; i < interned.cap; i++)
        if (interned.slots[i].t != NULL)
            intern_place(slots, cap, interned.slots[i].t, interned.slots[i].hash);
    pym_mem_free(interned.slots, interned.cap * sizeof *slots);
    interned.slots = slots;
    interned.cap = cap;
    return 0;
}

static void intern_remove_at(size_t i)
{
    size_t mask = interned.cap - 1;
    for (size_t j = (i + 1) & mask; interned.slots[j].t != NULL; j = (j + 1) & mask) {
        size_t home = intern_home(interned.slots[j].hash);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            interned.slots[i] = interned.slots[j];
            i = j;
        }
    }
    interned.slots[i].t = NULL;
    interned.count--;
}

/* The slot holding t, or cap if absent: probed from its hash when known,
 * else (hash not computable) searched by address over the whole table. */
static size_t intern_slot_of(pym_tuple *t, bool have_hash, int64_t hash)
{
    if (interned.cap == 0) return 0;
    if (have_hash) {
        size_t mask = interned.cap - 1;
        for (size_t i = intern_home(hash); interned.slots[i].t != NULL; i = (i + 1) & mask)
            if (interned.slots[i].t == t) return i;
    }
    for (size_t i = 0; i < interned.cap; i++)
        if (interned.slots[i].t == t) return i;
    return interned.cap;
}

/* pym_tuple_unintern: takes a dying interned tuple out of the table
 * (tuple_destroy calls it); no-op for tuples that are not interned.
 * The hash is recomputed outside the lock (items' hash code may run).  It
 * is not trusted when an error is already pending (it must not be
 * overwritten) or the computation fails (an item's state changed under a
 * collector's clear); the address search then finds the entry. */
void pym_tuple_unintern(pym_object *t)
{
    if (!pym_flag(t, PYM_OBF_INTERNED)) return;
    pym_flag_clear(t, PYM_OBF_INTERNED);
    int64_t hash = 0;
    bool have_hash = false;
    if (pym_err_occurred() == PYM_ERR_NONE) {
        have_hash = tuple_hash(t, &hash) == 0;
        if (!have_hash) pym_err_clear();
    }
    intern_lock_acquire();
    size_t i = intern_slot_of(as_tuple(t), have_hash, hash);
    if (i < interned.cap) intern_remove_at(i);
    intern_lock_release();
}

/* pym_tuple_is_interned: true if t is the canonical tuple for its value
 * (in the table, or ()).  No error for non-tuples: false. */
bool pym_tuple_is_interned(pym_object *t)
{
    return pym_is_tuple(t) && pym_flag(t, PYM_OBF_INTERNED | PYM_OBF_STATIC);
}

/* pym_tuple_intern: the canonical tuple the same as t (new reference), t
 * itself if none was interned yet.  TypeError for a non-tuple or a
 * mutable item at any depth; MemoryError if the table cannot grow;
 * RuntimeError past the nesting limit. */
pym_object *pym_tuple_intern(pym_object *t)
{
    if (!pym_is_tuple(t)) return pym_err_badtype("tuple", t);
    if (pym_flag(t, PYM_OBF_INTERNED | PYM_OBF_STATIC)) return pym_incref(t);
    int64_t hash;
    if (tuple_check_immutable(as_tuple(t)) < 0 || tuple_hash(t, &hash) < 0) return NULL;
    int err;
    intern_lock_acquire();
    pym_tuple *found = intern_find(as_tuple(t), hash, &err);
    if (found == NULL && err == 0 && intern_reserve() == 0) {
        intern_place(interned.slots, interned.cap, as_tuple(t), hash);
        interned.count++;
        pym_flag_publish(t, PYM_OBF_INTERNED);
        pym__set_maybe_weak(t);  /* the table hands out references */
        found = as_tuple(pym_incref(t));
    }
    intern_lock_release();
    return (pym_object *)found;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

/* pym_tuple_init: allocates the intern table now, as pym_str_init does. */
void pym_tuple_init(void)
{
    use_freelist = pym_mem_pooling() && !PYM_DEBUG;
    empty_tuple.gc.next = NULL;
    memset(&interned, 0, sizeof interned);
    if (intern_reserve() < 0) pym_err_clear();
}

/* pym_tuple_fini: frees the table.  Tuples still alive now stay alive
 * but are no longer interned. */
void pym_tuple_fini(void)
{
    pym_tuple_clear_freelists();
    for (size_t i = 0; i < interned.cap; i++)
        if (interned.slots[i].t != NULL)
            pym_flag_clear(&interned.slots[i].t->ob_base, PYM_OBF_INTERNED);
    pym_mem_free(interned.slots, interned.cap * sizeof *interned.slots);
    memset(&interned, 0, sizeof interned);
}
