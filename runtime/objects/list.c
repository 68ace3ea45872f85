/* list.c: mutable lists with copy-on-demand storage.
 *
 * A list object is only a header and a pointer to a *storage* object, an
 * internal hidden type that owns the item array and holds exactly one
 * strong reference to each item.  pym_list_copy(a) makes a new list that
 * points at a's storage (one incref, no item increfs: O(1)).  Storage whose
 * refcount is above one is read-only: the first mutation through any list
 * sharing it gives that list a private copy ("that side copies"), the other
 * lists keep the original.  The sharing is expressed with ordinary
 * references (list -> storage -> items), so the cyclic collector sees each
 * reference exactly once.
 *
 * The collector sees storage only once it is shared.  Storage is born
 * untracked, and while untracked it belongs to one list alone (its
 * refcount is 1): that list's traverse visits the items directly, as if
 * they were its own, so a list costs the collector one object, as in
 * CPython.  pym_list_copy tracks the storage before sharing it; from then
 * on the lists visit the storage and the storage its items.
 *
 * Invariants:
 *   - list->storage is NULL (never filled) or a storage object the list holds
 *     one reference to; an unshared storage (refcount 1) belongs to exactly
 *     that list and only it writes to it;
 *   - storage->items[0 .. len) are strong references, len <= cap.
 * Allocating storage never starts a collection (it is born untracked and
 * is not counted as an allocation), so no user code runs in the middle of
 * a mutation;
 * user code may run only when an old item is released, and every function
 * releases items last, with the list consistent.
 *
 * Not here: the generic protocol (protocol.c), the collector (gc.c). */
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"

/* Small lists keep their items inside the storage object itself, so a new
 * list of up to STORAGE_INLINE items costs two blocks (list, storage), as
 * in CPython (list, item array); longer ones use a separate array, which
 * grows with realloc. */
#define STORAGE_INLINE 4

typedef struct list_storage {
    PYM_OBJECT_HEAD
    size_t len, cap;
    pym_object **items;   /* `inline_items`, or cap slots from pym_mem_*, or
                             NULL once cleared */
    pym_object *inline_items[STORAGE_INLINE];
} list_storage;

typedef struct pym_list {
    PYM_OBJECT_HEAD
    list_storage *storage;
} pym_list;

/* Most items a list may hold: keeps byte counts far from overflow. */
#define LIST_MAX_ITEMS ((size_t)PTRDIFF_MAX / sizeof(pym_object *) / 2)

/* ---- the storage object ------------------------------------------------- */

/* Read once: a visit function never changes what it is shown. */
static int storage_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    list_storage *s = (list_storage *)self;
    pym_object **items = s->items;
    for (size_t i = 0, n = s->len; i < n; i++) PYM_VISIT(items[i]);
    return 0;
}

static inline bool storage_is_inline(const list_storage *s)
{
    return s->items == s->inline_items;
}

/* Empties the storage before releasing anything, so code run by a dying
 * item never sees half-released slots (inline items are moved out too:
 * the storage may be refilled meanwhile). */
static void storage_clear(pym_object *self)
{
    list_storage *s = (list_storage *)self;
    pym_object *moved[STORAGE_INLINE];
    pym_object **items = s->items;
    size_t len = s->len, cap = s->cap;
    if (storage_is_inline(s)) {
        memcpy(moved, items, len * sizeof *items);
        items = moved;
        cap = 0;
    }
    s->items = NULL;
    s->len = s->cap = 0;
    for (size_t i = 0; i < len; i++) pym_decref(items[i]);
    if (cap > 0) pym_mem_free(items, cap * sizeof *items);
}

static const pym_type pym_list_storage_type = {
    .name = "list_storage",
    .size = sizeof(list_storage),
    .flags = PYM_TYPE_GC | PYM_TYPE_HIDDEN | PYM_TYPE_TRACK_LATER,
    .traverse = storage_traverse,
    .clear = storage_clear,
    .destroy = storage_clear,
};

/* A new empty storage with room for `cap` items; NULL with MemoryError. */
static list_storage *storage_new(size_t cap)
{
    pym_object **items = NULL;
    if (cap > STORAGE_INLINE && (items = pym_mem_alloc(cap * sizeof *items)) == NULL)
        return NULL;
    list_storage *s = (list_storage *)pym_object_alloc(&pym_list_storage_type, 0);
    if (s == NULL) {
        pym_mem_free(items, cap * sizeof *items);
        return NULL;
    }
    if (items == NULL) {
        items = s->inline_items;
        cap = STORAGE_INLINE;
    }
    s->items = items;
    s->cap = cap;
    return s;
}

/* Moves the items to an array of `cap` slots (cap >= len); on failure
 * (MemoryError) the storage is unchanged. */
static int storage_resize(list_storage *s, size_t cap)
{
    size_t size = cap * sizeof *s->items;
    pym_object **items;
    if (storage_is_inline(s) || s->items == NULL) {
        if ((items = pym_mem_alloc(size)) == NULL) return -1;
        if (s->len > 0) memcpy(items, s->items, s->len * sizeof *items);
    } else if ((items = pym_mem_realloc(s->items, s->cap * sizeof *items, size)) == NULL) {
        return -1;
    }
    s->items = items;
    s->cap = cap;
    return 0;
}

static inline bool storage_unshared(const list_storage *s)
{
    return pym_refcount(&s->ob_base) == 1;
}

/* ---- the list object ---------------------------------------------------- */

static int list_traverse(pym_object *self, pym_visit_fn visit, void *arg)
{
    list_storage *s = ((pym_list *)self)->storage;
    if (s == NULL) return 0;
    if (pym_gc_head_of(&s->ob_base)->next != NULL) return visit(&s->ob_base, arg);
    return storage_traverse(&s->ob_base, visit, arg);  /* private: ours alone */
}

static void list_clear(pym_object *self)
{
    pym_list *l = (pym_list *)self;
    list_storage *s = l->storage;
    l->storage = NULL;
    if (s != NULL) pym_decref(&s->ob_base);
}

/* Callers hold the list's lock (or own the list outright). */
static inline size_t list_size(const pym_list *l)
{
    return l->storage ? l->storage->len : 0;
}

static size_t list_length(pym_list *l)
{
    pym_obj_lock(&l->ob_base);
    size_t n = list_size(l);
    pym_obj_unlock(&l->ob_base);
    return n;
}

/* True when both lists use the same storage (so hold identical items). */
static bool list_same_storage(pym_list *a, pym_list *b)
{
    pym_obj_lock(&a->ob_base);
    list_storage *sa = a->storage;
    pym_obj_unlock(&a->ob_base);
    pym_obj_lock(&b->ob_base);
    list_storage *sb = b->storage;
    pym_obj_unlock(&b->ob_base);
    return sa != NULL && sa == sb;
}

/* Inlined everywhere here: pym_is_list itself is an exported (and so
 * interposable) symbol the compiler will not inline. */
static inline bool is_list(const pym_object *o)
{
    return o != NULL && o->ob_type == &pym_list_type;
}

bool pym_is_list(const pym_object *o) { return is_list(o); }

static pym_list *as_list(pym_object *o)
{
    if (PYM_LIKELY(is_list(o))) return (pym_list *)o;
    return pym_err_badtype("list", o);
}

/* A new reference to item i, or NULL (no error) past the end.  Under the
 * list's lock, so a concurrent mutation cannot free the item array. */
static pym_object *list_item_ref(pym_list *l, size_t i)
{
    pym_obj_lock(&l->ob_base);
    list_storage *s = l->storage;
    pym_object *v = (s != NULL && i < s->len) ? pym_incref(s->items[i]) : NULL;
    pym_obj_unlock(&l->ob_base);
    return v;
}

/* ---- growth and copy-on-demand ------------------------------------------ */

/* Capacity for `need` items when growing: about 1/8 spare plus a little,
 * a multiple of 4, so n appends cost O(n) copying in total. */
static size_t list_grown_cap(size_t need)
{
    return (need + (need >> 3) + 6) & ~(size_t)3;
}

/* Gives `l` a private copy of its shared storage with room for `cap` items
 * (cap >= len).  On failure the list still shares the original. */
static int list_unshare(pym_list *l, size_t cap)
{
    list_storage *old = l->storage;
    list_storage *s = storage_new(cap);
    if (s == NULL) return -1;
    pym_object **from = old->items, **to = s->items;
    for (size_t i = 0, n = old->len; i < n; i++) to[i] = pym_incref(from[i]);
    s->len = old->len;
    l->storage = s;
    pym_decref(&old->ob_base);  /* another list still holds it: no code runs */
    return 0;
}

/* Makes l's storage private and able to take `extra` more items (0 or 1)
 * without growing.  On failure (MemoryError) the list is unchanged. */
static PYM_NOINLINE int list_prepare(pym_list *l, size_t extra)
{
    list_storage *s = l->storage;
    size_t len = s ? s->len : 0;
    if (len + extra > LIST_MAX_ITEMS) {
        pym_err_nomemory();
        return -1;
    }
    size_t need = len + extra;
    size_t cap = extra ? list_grown_cap(need) : need;
    if (s == NULL) {
        if (extra == 0) return 0;
        if ((l->storage = storage_new(cap)) == NULL) return -1;
        return 0;
    }
    if (!storage_unshared(s)) return list_unshare(l, cap);
    if (need <= s->cap) return 0;
    return storage_resize(s, cap);
}

/* After a pop: gives back most of the array once it is under a quarter
 * full.  Best effort: a failure keeps the larger array and is forgotten
 * (only attempted when no error was pending, so clearing loses nothing). */
static void list_maybe_shrink(list_storage *s)
{
    if (s->cap <= 16 || s->len >= s->cap / 4 || pym_err_occurred()) return;
    if (storage_resize(s, list_grown_cap(s->len)) < 0) pym_err_clear();
}

/* ---- repr, equality and the type ----------------------------------------- */

static pym_object *list_repr(pym_object *self)
{
    pym_list *l = (pym_list *)self;
    if (list_length(l) == 0) return pym_str_new("[]");
    if (pym_repr_enter(self)) return pym_str_new("[...]");
    pym_strbuf b = {NULL, 0, 0, false};
    pym_strbuf_put(&b, "[", 1);
    pym_object *item;
    for (size_t i = 0; !b.failed && (item = list_item_ref(l, i)) != NULL; i++) {
        if (i > 0) pym_strbuf_put(&b, ", ", 2);
        pym_strbuf_put_repr(&b, item);
        pym_decref(item);
    }
    pym_strbuf_put(&b, "]", 1);
    pym_repr_leave(self);
    return pym_strbuf_finish(&b);
}

/* Comparing nested lists recurses on the C stack; past this depth equality
 * fails with RuntimeError (Python's RecursionError) instead of crashing,
 * e.g. for two distinct self-containing lists. */
#define EQUAL_MAX_NESTING 1000
static PYM_THREAD_LOCAL int equal_nesting;

/* Items are held while compared: an item's equality may run code that
 * shrinks either list, so the lengths are re-read at every step. */
static int list_equal_items(pym_list *a, pym_list *b)
{
    for (size_t i = 0;; i++) {
        pym_object *x = list_item_ref(a, i), *y = list_item_ref(b, i);
        bool ended = x == NULL || y == NULL;
        int eq = ended ? x == y : x == y ? 1 : pym_equal(x, y);
        if (x != NULL) pym_decref(x);
        if (y != NULL) pym_decref(y);
        if (ended || eq != 1) return eq;
    }
}

static int list_equal(pym_object *a, pym_object *b)
{
    pym_list *la = (pym_list *)a, *lb = (pym_list *)b;
    if (list_length(la) != list_length(lb)) return 0;
    if (a == b || list_same_storage(la, lb)) return 1;
    if (equal_nesting >= EQUAL_MAX_NESTING) {
        pym_err_set(PYM_ERR_RUNTIME, "maximum recursion depth exceeded in comparison");
        return -1;
    }
    equal_nesting++;
    int eq = list_equal_items(la, lb);
    equal_nesting--;
    return eq;
}

const pym_type pym_list_type = {
    .name = "list",
    .size = sizeof(pym_list),
    .flags = PYM_TYPE_GC | PYM_TYPE_WEAKREFABLE,
    .traverse = list_traverse,
    .clear = list_clear,
    .destroy = list_clear,
    .repr = list_repr,
    .equal = list_equal,
    /* no hash: lists are unhashable (pym_hash raises TypeError) */
};

/* ---- public API --------------------------------------------------------- */

/* pym_list_new: a new empty list (new reference); NULL with MemoryError. */
pym_object *pym_list_new(void)
{
    return pym_object_alloc(&pym_list_type, 0);
}

/* pym_list_len: number of items; 0 with TypeError if `l` is not a list. */
size_t pym_list_len(pym_object *l)
{
    pym_list *lst = as_list(l);
    return lst != NULL ? list_length(lst) : 0;
}

/* The error of a failed get: TypeError or IndexError; returns NULL. */
static PYM_COLD void *list_get_error(pym_object *l)
{
    return is_list(l) ? pym_err_badindex("list") : pym_err_badtype("list", l);
}

/* pym_list_get: item i, BORROWED (valid while the list holds it); NULL with
 * IndexError past the end, TypeError if `l` is not a list. */
pym_object *pym_list_get(pym_object *l, size_t i)
{
    if (PYM_LIKELY(is_list(l))) {
        pym_obj_lock(l);
        list_storage *s = ((pym_list *)l)->storage;
        if (PYM_LIKELY(s != NULL && i < s->len)) {
            pym_object *v = s->items[i];
            pym_obj_unlock(l);
            return v;
        }
        pym_obj_unlock(l);
    }
    return list_get_error(l);
}

/* pym_list_get_ref: item i as a new reference; errors as pym_list_get. */
pym_object *pym_list_get_ref(pym_object *l, size_t i)
{
    pym_object *v = is_list(l) ? list_item_ref((pym_list *)l, i) : NULL;
    return v != NULL ? v : list_get_error(l);
}

static bool check_value(pym_object *v, const char *fn)
{
    if (v != NULL) return true;
    pym_err_set(PYM_ERR_TYPE, "%s: NULL item", fn);
    return false;
}

/* pym_list_set: l[i] = v (v is increfed, not stolen).  The old item is
 * released after v is stored.  -1 with IndexError, TypeError, or
 * MemoryError (a shared storage could not be copied); the list is then
 * unchanged. */
int pym_list_set(pym_object *l, size_t i, pym_object *v)
{
    pym_list *lst = as_list(l);
    if (lst == NULL || !check_value(v, "pym_list_set")) return -1;
    pym_obj_lock(l);
    if (i >= list_size(lst)) {
        pym_obj_unlock(l);
        pym_err_set(PYM_ERR_INDEX, "list assignment index out of range");
        return -1;
    }
    if (list_prepare(lst, 0) < 0) {
        pym_obj_unlock(l);
        return -1;
    }
    pym_object *old = lst->storage->items[i];
    lst->storage->items[i] = pym_incref(v);
    pym_obj_unlock(l);
    pym_decref(old);
    return 0;
}

static PYM_NOINLINE int list_append_slow(pym_object *l, pym_object *v)
{
    pym_list *lst = as_list(l);
    if (lst == NULL || !check_value(v, "pym_list_append")) return -1;
    pym_obj_lock(l);
    int rc = list_prepare(lst, 1);
    if (rc == 0) {
        list_storage *s = lst->storage;
        s->items[s->len++] = pym_incref(v);
    }
    pym_obj_unlock(l);
    return rc;
}

/* pym_list_append: adds v at the end (increfed).  -1 with TypeError or
 * MemoryError; the list is then unchanged.  The common case (private
 * storage with a free slot) is a handful of instructions. */
int pym_list_append(pym_object *l, pym_object *v)
{
    if (PYM_LIKELY(is_list(l) && v != NULL)) {
        pym_obj_lock(l);
        list_storage *s = ((pym_list *)l)->storage;
        if (PYM_LIKELY(s != NULL && s->len < s->cap && storage_unshared(s))) {
            s->items[s->len++] = pym_incref(v);
            pym_obj_unlock(l);
            return 0;
        }
        pym_obj_unlock(l);
    }
    return list_append_slow(l, v);
}

/* pym_list_insert: inserts v before index i (increfed); i >= len appends,
 * as list.insert does.  -1 with TypeError or MemoryError; the list is then
 * unchanged. */
int pym_list_insert(pym_object *l, size_t i, pym_object *v)
{
    pym_list *lst = as_list(l);
    if (lst == NULL || !check_value(v, "pym_list_insert")) return -1;
    pym_obj_lock(l);
    int rc = list_prepare(lst, 1);
    if (rc == 0) {
        list_storage *s = lst->storage;
        if (i > s->len) i = s->len;
        memmove(&s->items[i + 1], &s->items[i], (s->len - i) * sizeof *s->items);
        s->items[i] = pym_incref(v);
        s->len++;
    }
    pym_obj_unlock(l);
    return rc;
}

/* pym_list_pop: removes item i and returns it (the list's reference is
 * handed over: a new reference for the caller).  NULL with IndexError
 * (empty list or i >= len), TypeError, or MemoryError (a shared storage
 * could not be copied); the list is then unchanged. */
pym_object *pym_list_pop(pym_object *l, size_t i)
{
    pym_list *lst = as_list(l);
    if (lst == NULL) return NULL;
    pym_obj_lock(l);
    size_t len = list_size(lst);
    if (i >= len) {
        pym_obj_unlock(l);
        pym_err_set(PYM_ERR_INDEX, len == 0 ? "pop from empty list" : "pop index out of range");
        return NULL;
    }
    if (list_prepare(lst, 0) < 0) {
        pym_obj_unlock(l);
        return NULL;
    }
    list_storage *s = lst->storage;
    pym_object *v = s->items[i];
    memmove(&s->items[i], &s->items[i + 1], (s->len - i - 1) * sizeof *s->items);
    s->len--;
    list_maybe_shrink(s);
    pym_obj_unlock(l);
    return v;
}

/* pym_list_copy: a new list equal to `l` (new reference), in O(1): it
 * shares l's storage until either list is mutated.  NULL with TypeError or
 * MemoryError. */
pym_object *pym_list_copy(pym_object *l)
{
    pym_list *src = as_list(l);
    if (src == NULL) return NULL;
    /* Allocate first: the allocation may run a collection, and code it
     * runs may change `l`; its storage is read afterwards. */
    pym_list *copy = (pym_list *)pym_list_new();
    if (copy == NULL) return NULL;
    pym_obj_lock(l);
    list_storage *s = src->storage;
    if (s != NULL) {
        pym_gc_track(&s->ob_base);  /* shared storage is an object of its own */
        pym_incref(&s->ob_base);
    }
    copy->storage = s;
    pym_obj_unlock(l);
    return &copy->ob_base;
}

/* pym_list_shares_storage: true iff `a` and `b` are lists using the same
 * (non-NULL) storage: copies of each other that neither has written to
 * since.  A predicate: false, with no error, for non-lists. */
bool pym_list_shares_storage(pym_object *a, pym_object *b)
{
    return is_list(a) && is_list(b) && list_same_storage((pym_list *)a, (pym_list *)b);
}
