/* dict.c: the insertion-ordered hash table (Python's dict).
 *
 * Layout (the "compact dict" design CPython adopted in 3.6): a dict owns at
 * most one table block, allocated on the first insert and dropped by clear.
 * The block holds a small header, then an open-addressing index array, then
 * a dense array of entries {hash, key, value} in insertion order:
 *
 *     [dict_keys header][indices: 2^log2_size slots][entries: capacity]
 *
 * An index slot holds IX_EMPTY (never used), IX_DUMMY (its entry was
 * deleted; probing continues past it) or the number of an entry.  Slots are
 * as narrow as the entry numbers allow: 1 byte up to 128 slots, 2 bytes up to
 * 32768, then 4, then 8.  Entries are appended; deleting one leaves a hole
 * (key NULL) so the order of the others never changes.  When the entries are
 * used up the table is rebuilt at 3x the live count rounded up to a power
 * of two, without the holes.  Capacity is 2/3 of the slots, so a probe
 * sequence always reaches an empty slot.
 *
 * Calling out.  Comparing keys (pym_equal) and dropping references may run
 * user code, which may change this very dict.  Every change to the key set
 * or the table bumps `version`; a lookup that compared keys re-checks it and
 * starts again if it moved.  References are dropped only after the dict is
 * consistent again, as the last step of each operation.
 *
 * Tracking.  As in CPython, a new dict is not tracked by the collector; it
 * becomes tracked when a key or value that may be part of a cycle is stored
 * (gc.is_tracked({'a': 1}) is False, gc.is_tracked({'a': []}) is True).
 *
 * Not here: hashing and equality of keys (runtime/protocol.c and the key
 * types), the repr helpers (protocol.c). */
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/gc.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"

/* ---- the table ------------------------------------------------------------ */

#define IX_EMPTY (-1)
#define IX_DUMMY (-2)
#define IX_ERROR (-3)    /* a key comparison failed (error pending) */
#define IX_RESTART (-4)  /* the dict changed during a comparison */
#define LOG2_MINSIZE 3   /* 8 slots, 5 entries */
#define NO_SLOT ((size_t)-1)

typedef struct dict_entry {
    int64_t hash;
    pym_object *key;    /* NULL: a deleted entry (hole) */
    pym_object *value;
} dict_entry;

typedef struct dict_keys {
    uint8_t log2_size;   /* index slots: 1 << log2_size */
    uint8_t log2_width;  /* bytes per index slot: 1 << log2_width */
    size_t nentries;     /* entries used so far, holes included */
    char indices[];      /* then the entries */
} dict_keys;

typedef struct pym_dict {
    PYM_OBJECT_HEAD
    dict_keys *keys;   /* NULL until the first insert, and after clear */
    size_t used;       /* live entries */
    uint64_t version;  /* bumped by every change to the key set or the table */
} pym_dict;

static inline size_t keys_slots(const dict_keys *k) { return (size_t)1 << k->log2_size; }

/* Entries a table of 2^log2 slots holds: two thirds of its slots. */
static inline size_t capacity_of(unsigned log2) { return ((size_t)2 << log2) / 3; }

static inline unsigned width_for(unsigned log2)
{
    return log2 < 8 ? 0 : log2 < 16 ? 1 : log2 < 32 ? 2 : 3;
}

static inline size_t keys_bytes(unsigned log2, unsigned width)
{
    return sizeof(dict_keys) + ((size_t)1 << (log2 + width)) +
           capacity_of(log2) * sizeof(dict_entry);
}

static inline dict_entry *keys_entries(const dict_keys *k)
{
    return (dict_entry *)(k->indices + ((size_t)1 << (k->log2_size + k->log2_width)));
}

static inline ptrdiff_t ix_get(const dict_keys *k, size_t i)
{
    switch (k->log2_width) {
    case 0: return ((const int8_t *)k->indices)[i];
    case 1: return ((const int16_t *)k->indices)[i];
    case 2: return ((const int32_t *)k->indices)[i];
    default: return (ptrdiff_t)((const int64_t *)k->indices)[i];
    }
}

static inline void ix_set(dict_keys *k, size_t i, ptrdiff_t ix)
{
    switch (k->log2_width) {
    case 0: ((int8_t *)k->indices)[i] = (int8_t)ix; break;
    case 1: ((int16_t *)k->indices)[i] = (int16_t)ix; break;
    case 2: ((int32_t *)k->indices)[i] = (int32_t)ix; break;
    default: ((int64_t *)k->indices)[i] = (int64_t)ix; break;
    }
}

/* The probe sequence (CPython's): the low hash bits pick the first slot;
 * the higher bits, shifted in 5 at a time, perturb the following ones. */
static inline size_t probe_next(size_t i, size_t *perturb, size_t mask)
{
    *perturb >>= 5;
    return (i * 5 + *perturb + 1) & mask;
}

/* A table of 2^log2 slots, all empty; NULL with MemoryError. */
static dict_keys *keys_new(unsigned log2)
{
    if (log2 > 8 * sizeof(size_t) - 8) return pym_err_nomemory();
    unsigned width = width_for(log2);
    dict_keys *k = pym_mem_alloc(keys_bytes(log2, width));
    if (k == NULL) return NULL;
    k->log2_size = (uint8_t)log2;
    k->log2_width = (uint8_t)width;
    k->nentries = 0;
    memset(k->indices, 0xff, (size_t)1 << (log2 + width)); /* every slot IX_EMPTY */
    return k;
}

static void keys_free(dict_keys *k)
{
    if (k != NULL) pym_mem_free(k, keys_bytes(k->log2_size, k->log2_width));
}

/* The first slot on `hash`'s probe sequence with no entry in it. */
static size_t keys_free_slot(const dict_keys *k, int64_t hash)
{
    size_t mask = keys_slots(k) - 1, perturb = (size_t)hash, i = (size_t)hash & mask;
    while (ix_get(k, i) >= 0) i = probe_next(i, &perturb, mask);
    return i;
}

/* Copies the live entries of `old` into the empty table `k`, in order and
 * without holes, indexing each.  References move; none is taken. */
static void keys_move(dict_keys *k, const dict_keys *old)
{
    const dict_entry *src = keys_entries(old);
    dict_entry *dst = keys_entries(k);
    size_t n = 0;
    for (size_t i = 0; i < old->nentries; i++) {
        if (src[i].key == NULL) continue;
        dst[n] = src[i];
        ix_set(k, keys_free_slot(k, src[i].hash), (ptrdiff_t)n);
        n++;
    }
    k->nentries = n;
}

/* Drops every reference a detached table holds, then frees it.  The table
 * is no longer reachable from any dict, so what the decrefs run cannot see
 * it half-released. */
static void keys_release(dict_keys *k)
{
    if (k == NULL) return;
    dict_entry *ep = keys_entries(k);
    for (size_t i = 0; i < k->nentries; i++) {
        if (ep[i].key == NULL) continue;
        pym_decref(ep[i].key);
        pym_decref(ep[i].value);
    }
    keys_free(k);
}

/* ---- lookup --------------------------------------------------------------- */

static inline void dict_lock(pym_dict *d) { pym_obj_lock(&d->ob_base); }
static inline void dict_unlock(pym_dict *d) { pym_obj_unlock(&d->ob_base); }

/* Hashes a key; the type's slot directly when it has one. */
static inline int key_hash(pym_object *key, int64_t *out)
{
    int (*hash)(pym_object *, int64_t *) = key->ob_type->hash;
    if (PYM_LIKELY(hash != NULL)) return hash(key, out);
    return pym_hash(key, out);
}

/* Compares a stored key with `key` (equal hashes, different objects):
 * 1 or 0, IX_ERROR, or IX_RESTART if user code changed the dict meanwhile. */
static PYM_NOINLINE int key_matches(pym_dict *d, pym_object *stored, pym_object *key)
{
    uint64_t version = d->version;
    pym_incref(stored); /* the comparison may delete it from the dict */
    int eq = pym_equal(stored, key);
    pym_decref(stored);
    if (eq < 0) return IX_ERROR;
    if (d->version != version) return IX_RESTART;
    return eq != 0;
}

/* One probe over table `k`.  Returns the number of `key`'s entry (and in
 * *slot the index slot that holds it), or IX_EMPTY (and in *slot the first
 * slot where it can be inserted), IX_ERROR or IX_RESTART. */
static inline ptrdiff_t keys_probe(pym_dict *d, dict_keys *k, pym_object *key, int64_t hash,
                                   size_t *slot)
{
    dict_entry *ents = keys_entries(k);
    size_t mask = keys_slots(k) - 1, perturb = (size_t)hash, i = (size_t)hash & mask;
    size_t free_slot = NO_SLOT;
    for (;; i = probe_next(i, &perturb, mask)) {
        ptrdiff_t ix = ix_get(k, i);
        if (ix == IX_EMPTY) {
            *slot = free_slot != NO_SLOT ? free_slot : i;
            return IX_EMPTY;
        }
        if (ix == IX_DUMMY) {
            if (free_slot == NO_SLOT) free_slot = i;
            continue;
        }
        dict_entry *ep = &ents[ix];
        if (PYM_LIKELY(ep->key == key)) break;
        if (ep->hash != hash) continue;
        int r = key_matches(d, ep->key, key);
        if (r == 1) break;
        if (r != 0) return r;
    }
    *slot = i;
    return ix_get(k, i);
}

/* The entry number of `key` in `d`, or IX_EMPTY (absent) or IX_ERROR.
 * *slot as in keys_probe, for the table d->keys has on return. */
static inline ptrdiff_t dict_lookup(pym_dict *d, pym_object *key, int64_t hash, size_t *slot)
{
    for (;;) {
        dict_keys *k = d->keys;
        if (k == NULL) return IX_EMPTY;
        ptrdiff_t ix = keys_probe(d, k, key, hash, slot);
        if (ix != IX_RESTART) return ix;
    }
}

/* ---- changing the key set --------------------------------------------------- */

/* True if `o` may come to be part of a reference cycle: a GC object, except
 * an immutable one the collector has found only holds atoms. */
static inline bool may_be_tracked(const pym_object *o)
{
    unsigned flags = o->ob_type->flags;
    if (!(flags & PYM_TYPE_GC)) return false;
    return !(flags & PYM_TYPE_IMMUTABLE) || pym_gc_head_of(o)->next != NULL;
}

static inline void dict_maintain_tracking(pym_dict *d, pym_object *key, pym_object *value)
{
    if (PYM_LIKELY(pym_gc_head_of(&d->ob_base)->next != NULL)) return;
    if (may_be_tracked(key) || may_be_tracked(value)) pym_gc_track(&d->ob_base);
}

/* Replaces the table with one sized for the live entries (3x, at least 8
 * slots), holes dropped.  On failure (MemoryError) nothing changed. */
static PYM_NOINLINE int dict_resize(pym_dict *d)
{
    unsigned log2 = LOG2_MINSIZE;
    while (((size_t)1 << log2) < d->used * 3) log2++;
    dict_keys *k = keys_new(log2);
    if (k == NULL) return -1;
    dict_keys *old = d->keys;
    if (old != NULL) keys_move(k, old);
    d->keys = k;
    d->version++;
    keys_free(old);
    return 0;
}

/* Appends a new entry; `slot` is a free index slot on its probe sequence
 * (ignored when the table has to grow first). */
static int dict_append(pym_dict *d, pym_object *key, int64_t hash, pym_object *value, size_t slot)
{
    dict_keys *k = d->keys;
    if (PYM_UNLIKELY(k == NULL || k->nentries >= capacity_of(k->log2_size))) {
        if (dict_resize(d) < 0) return -1;
        k = d->keys;
        slot = keys_free_slot(k, hash);
    }
    size_t n = k->nentries;
    dict_entry *ep = &keys_entries(k)[n];
    ep->hash = hash;
    ep->key = pym_incref(key);
    ep->value = pym_incref(value);
    ix_set(k, slot, (ptrdiff_t)n);
    k->nentries = n + 1;
    d->used++;
    d->version++;
    dict_maintain_tracking(d, key, value);
    return 0;
}

/* d[key] = value with the hash known.  The old value is dropped last. */
static int dict_insert(pym_dict *d, pym_object *key, int64_t hash, pym_object *value)
{
    size_t slot;
    dict_lock(d);
    ptrdiff_t ix = dict_lookup(d, key, hash, &slot);
    if (PYM_UNLIKELY(ix >= 0)) {
        dict_entry *ep = &keys_entries(d->keys)[ix];
        pym_object *old = ep->value;
        ep->value = pym_incref(value);
        dict_maintain_tracking(d, key, value);
        dict_unlock(d);
        pym_decref(old);
        return 0;
    }
    int rc = ix == IX_ERROR ? -1 : dict_append(d, key, hash, value, slot);
    dict_unlock(d);
    return rc;
}

/* KeyError(key): the message is repr(key), as str(KeyError(key)) is. */
static void dict_key_error(pym_object *key)
{
    pym_object *r = pym_repr(key);
    if (r != NULL) {
        pym_err_set(PYM_ERR_KEY, "%s", pym_str_cstr(r));
        pym_decref(r);
        return;
    }
    pym_err_clear();
    pym_err_set(PYM_ERR_KEY, "<%s object>", pym_type_name(key));
}

/* Detaches the table and resets the dict; the caller releases the table. */
static dict_keys *dict_detach(pym_dict *d)
{
    dict_keys *k = d->keys;
    d->keys = NULL;
    d->used = 0;
    d->version++;
    return k;
}

/* ---- the type ------------------------------------------------------------- */

static int dict_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    dict_keys *k = ((pym_dict *)self)->keys;
    if (k == NULL) return 0;
    dict_entry *ep = keys_entries(k);
    for (size_t i = 0; i < k->nentries; i++) {
        if (ep[i].key == NULL) continue;
        PYM_VISIT(ep[i].key);
        PYM_VISIT(ep[i].value);
    }
    return 0;
}

/* The collector's clear and the destructor.  No lock: a dying dict has no
 * other user, and the collector runs with the other threads parked. */
static void dict_clear_slot(pym_object *self)
{
    keys_release(dict_detach((pym_dict *)self));
}

/* Appends "key: value" for entry `i` if it is live; the references are held
 * while the reprs (which may run user code) are built. */
static void dict_repr_entry(pym_strbuf *b, dict_entry *ep, bool *first)
{
    if (ep->key == NULL) return;
    pym_object *key = pym_incref(ep->key), *value = pym_incref(ep->value);
    if (!*first) pym_strbuf_puts(b, ", ");
    *first = false;
    pym_strbuf_put_repr(b, key);
    pym_strbuf_puts(b, ": ");
    pym_strbuf_put_repr(b, value);
    pym_decref(key);
    pym_decref(value);
}

static pym_object *dict_repr(pym_object *self)
{
    pym_dict *d = (pym_dict *)self;
    if (d->used == 0) return pym_str_new("{}");
    if (pym_repr_enter(self)) return pym_str_new("{...}");
    pym_strbuf b = {NULL, 0, 0, false};
    bool first = true;
    pym_strbuf_puts(&b, "{");
    /* Re-read the table each step: a repr may have changed the dict. */
    for (size_t i = 0; !b.failed && d->keys != NULL && i < d->keys->nentries; i++)
        dict_repr_entry(&b, &keys_entries(d->keys)[i], &first);
    pym_strbuf_puts(&b, "}");
    pym_repr_leave(self);
    return pym_strbuf_finish(&b);
}

/* Nested comparisons recurse on the C stack; past this depth they fail
 * with RuntimeError (Python's RecursionError) instead of overflowing it. */
#define EQUAL_MAX_NESTING 2000
static PYM_THREAD_LOCAL int equal_nesting;

/* Whether entry `i` of `a` is in `b` with an equal value: 1, 0 or -1. */
static int dict_entry_in(pym_dict *a, size_t i, pym_dict *b)
{
    dict_entry *ep = &keys_entries(a->keys)[i];
    if (ep->key == NULL) return 1;
    pym_object *key = pym_incref(ep->key), *av = pym_incref(ep->value);
    int64_t hash = ep->hash; /* the lookup may run code that changes `a` */
    size_t slot;
    dict_lock(b);
    ptrdiff_t ix = dict_lookup(b, key, hash, &slot);
    pym_object *bv = ix >= 0 ? pym_incref(keys_entries(b->keys)[ix].value) : NULL;
    dict_unlock(b);
    int r = ix == IX_ERROR ? -1 : 0;
    if (bv != NULL) {
        r = pym_equal(av, bv);
        if (r > 0) r = 1;
        pym_decref(bv);
    }
    pym_decref(key);
    pym_decref(av);
    return r;
}

/* Equal when both have the same keys, each mapping to equal values. */
static int dict_equal(pym_object *x, pym_object *y)
{
    pym_dict *a = (pym_dict *)x, *b = (pym_dict *)y;
    if (y->ob_type != &pym_dict_type || a->used != b->used) return 0;
    if (equal_nesting >= EQUAL_MAX_NESTING) {
        pym_err_set(PYM_ERR_RUNTIME, "maximum recursion depth exceeded in comparison");
        return -1;
    }
    equal_nesting++;
    int r = 1;
    for (size_t i = 0; r == 1 && a->keys != NULL && i < a->keys->nentries; i++)
        r = dict_entry_in(a, i, b);
    equal_nesting--;
    return r;
}

const pym_type pym_dict_type = {
    .name = "dict",
    .size = sizeof(pym_dict),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = dict_traverse,
    .clear = dict_clear_slot,
    .destroy = dict_clear_slot,
    .repr = dict_repr,
    .equal = dict_equal,
};

/* ---- the public API ----------------------------------------------------------- */

static inline pym_dict *as_dict(pym_object *o)
{
    if (PYM_LIKELY(o != NULL && o->ob_type == &pym_dict_type)) return (pym_dict *)o;
    return pym_err_badtype("dict", o);
}

/* Reads key's hash; -1 with TypeError if key is NULL or unhashable. */
static inline int dict_key_hash(pym_object *key, int64_t *hash)
{
    if (PYM_UNLIKELY(key == NULL)) {
        pym_err_badtype("dict key", NULL);
        return -1;
    }
    return key_hash(key, hash);
}

bool pym_is_dict(const pym_object *o) { return o != NULL && o->ob_type == &pym_dict_type; }

/* A new empty dict, untracked until it may be part of a cycle; its table
 * is allocated by the first insert. */
pym_object *pym_dict_new(void)
{
    pym_object *d = pym_object_alloc(&pym_dict_type, 0);
    if (d != NULL) pym_gc_untrack(d);
    return d;
}

/* d[key] = value.  Both are incref'd; an equal key already present keeps
 * its key object and position and gets the new value.  On failure (d not a
 * dict, key unhashable, MemoryError, a comparison error) d is unchanged. */
int pym_dict_set(pym_object *d, pym_object *key, pym_object *value)
{
    pym_dict *dict = as_dict(d);
    int64_t hash;
    if (dict == NULL || dict_key_hash(key, &hash) < 0) return -1;
    if (PYM_UNLIKELY(value == NULL)) {
        pym_err_badtype("dict value", NULL);
        return -1;
    }
    return dict_insert(dict, key, hash, value);
}

/* d[key], with a new reference when `ref` (taken under the dict's lock,
 * so another thread's del cannot free the value first). */
static pym_object *dict_get(pym_object *d, pym_object *key, bool ref)
{
    pym_dict *dict = as_dict(d);
    int64_t hash;
    if (dict == NULL || dict_key_hash(key, &hash) < 0) return NULL;
    size_t slot;
    dict_lock(dict);
    ptrdiff_t ix = dict_lookup(dict, key, hash, &slot);
    pym_object *v = ix >= 0 ? keys_entries(dict->keys)[ix].value : NULL;
    if (ref && v != NULL) pym_incref(v);
    dict_unlock(dict);
    return v;
}

/* d[key], BORROWED.  Missing: NULL and no error; unhashable key or a failed
 * comparison: NULL with the error. */
pym_object *pym_dict_get(pym_object *d, pym_object *key) { return dict_get(d, key, false); }

/* d[key] as a new reference, as pym_dict_get otherwise: the form to use
 * when other threads may delete or replace the entry. */
pym_object *pym_dict_get_ref(pym_object *d, pym_object *key) { return dict_get(d, key, true); }

/* del d[key]: KeyError if missing, TypeError if unhashable.  The key and
 * value references are dropped after the entry is gone. */
int pym_dict_del(pym_object *d, pym_object *key)
{
    pym_dict *dict = as_dict(d);
    int64_t hash;
    if (dict == NULL || dict_key_hash(key, &hash) < 0) return -1;
    size_t slot;
    dict_lock(dict);
    ptrdiff_t ix = dict_lookup(dict, key, hash, &slot);
    if (ix < 0) {
        dict_unlock(dict);
        if (ix == IX_EMPTY) dict_key_error(key);
        return -1;
    }
    dict_keys *k = dict->keys;
    dict_entry *ep = &keys_entries(k)[ix];
    pym_object *old_key = ep->key, *old_value = ep->value;
    ep->key = ep->value = NULL;
    ix_set(k, slot, IX_DUMMY);
    dict->used--;
    dict->version++;
    dict_unlock(dict);
    pym_decref(old_key);
    pym_decref(old_value);
    return 0;
}

/* Number of keys; TypeError -> 0. */
size_t pym_dict_len(pym_object *d)
{
    pym_dict *dict = as_dict(d);
    return dict != NULL ? dict->used : 0;
}

/* Iteration in insertion order: *pos starts at 0; each call stores the next
 * key and value (BORROWED; either pointer may be NULL) and returns true, or
 * returns false at the end.  Not a dict: false with TypeError. */
bool pym_dict_next(pym_object *d, size_t *pos, pym_object **key, pym_object **value)
{
    pym_dict *dict = as_dict(d);
    if (dict == NULL) return false;
    if (pos == NULL) {
        pym_err_badtype("position", NULL);
        return false;
    }
    bool found = false;
    dict_lock(dict);
    dict_keys *k = dict->keys;
    size_t i = *pos;
    for (; k != NULL && i < k->nentries && !found; i++) {
        dict_entry *ep = &keys_entries(k)[i];
        if (ep->key == NULL) continue;
        if (key != NULL) *key = ep->key;
        if (value != NULL) *value = ep->value;
        found = true;
    }
    dict_unlock(dict);
    if (found) *pos = i;
    return found;
}

/* d[key], BORROWED, with the key given as a C string. */
pym_object *pym_dict_get_str(pym_object *d, const char *key)
{
    if (as_dict(d) == NULL) return NULL;
    if (key == NULL) return pym_err_badtype("dict key", NULL);
    pym_object *k = pym_str_new(key);
    if (k == NULL) return NULL;
    pym_object *v = pym_dict_get(d, k);
    pym_decref(k);
    return v;
}

/* d[key] = value with the key given as a C string (stored as a new str). */
int pym_dict_set_str(pym_object *d, const char *key, pym_object *value)
{
    if (as_dict(d) == NULL) return -1;
    if (key == NULL) {
        pym_err_badtype("dict key", NULL);
        return -1;
    }
    pym_object *k = pym_str_new(key);
    if (k == NULL) return -1;
    int rc = pym_dict_set(d, k, value);
    pym_decref(k);
    return rc;
}

/* Removes every entry; the references are dropped after the dict is empty. */
void pym_dict_clear(pym_object *d)
{
    pym_dict *dict = as_dict(d);
    if (dict == NULL) return;
    dict_lock(dict);
    dict_keys *k = dict_detach(dict);
    dict_unlock(dict);
    keys_release(k);
}
