/* str.c: immutable strings, their hash, and the string intern table.
 *
 * A str is its bytes (UTF-8, taken as given, embedded NULs allowed) stored
 * after the header with a NUL terminator, plus a cached hash.  As in CPython
 * 3.12, '' and every one-character ASCII string are statically allocated
 * singletons, so pym_str_new("a") returns the same object every time.
 *
 * Interning differs from CPython on purpose: CPython 3.12 makes interned
 * strings immortal, pym's intern table holds borrowed pointers instead.  An
 * interned string carries PYM_OBF_INTERNED and leaves the table when it dies
 * (str_destroy -> pym_str_unintern), so the table never keeps a string alive
 * and never holds more than the interned strings that are alive.  The static
 * singletons count as interned without being in the table.
 *
 * Not here: the generic repr/equal/hash dispatch (runtime/protocol.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/mem.h"
#include "internal/object.h"
#include "internal/thread.h"

typedef struct pym_str {
    PYM_OBJECT_HEAD
    size_t len;      /* bytes, the terminating NUL excluded */
    int64_t hash;    /* -1 until computed */
    char data[];     /* len bytes and a NUL */
} pym_str;

static inline pym_str *as_str(pym_object *o) { return (pym_str *)o; }

/* ---- hashing ------------------------------------------------------------ */

/* pym_hash_bytes: a multiply-xorshift hash, 8 bytes per round.  Each round
 * folds a word in, rotates and multiplies by an odd constant; a final
 * avalanche spreads every input bit over the whole result.  Deterministic
 * (no per-process seed): pym does not defend against hash flooding. */
#define HASH_K1 UINT64_C(0x9E3779B97F4A7C15)
#define HASH_K2 UINT64_C(0xD6E8FEB86659FD93)
#define HASH_K3 UINT64_C(0xFF51AFD7ED558CCD)

static inline uint64_t hash_rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint64_t hash_round(uint64_t h, uint64_t w)
{
    h ^= w * HASH_K2;
    return hash_rotl(h, 29) * HASH_K1;
}

static inline uint64_t hash_load(const unsigned char *p, size_t n)
{
    uint64_t w = 0;
    memcpy(&w, p, n); /* little- or big-endian, the hash is only compared in-process */
    return w;
}

static inline uint64_t hash_avalanche(uint64_t h)
{
    h ^= h >> 32;
    h *= HASH_K3;
    h ^= h >> 29;
    h *= HASH_K2;
    h ^= h >> 32;
    return h;
}

uint64_t pym_hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = HASH_K1 ^ ((uint64_t)n * HASH_K3);
    for (; n >= 8; n -= 8, s += 8) h = hash_round(h, hash_load(s, 8));
    if (n > 0) h = hash_round(h, hash_load(s, n) ^ ((uint64_t)n << 59));
    return hash_avalanche(h);
}

/* The str hash: pym_hash_bytes, never -1 (CPython reserves -1 for errors). */
/* The cache is read and filled without a lock: threads that race compute
 * the same value, so relaxed atomics (plain moves) are enough. */
static int64_t str_hash_of(pym_str *s)
{
    int64_t h = __atomic_load_n(&s->hash, __ATOMIC_RELAXED);
    if (PYM_LIKELY(h != -1)) return h;
    h = (int64_t)pym_hash_bytes(s->data, s->len);
    if (h == -1) h = -2;
    __atomic_store_n(&s->hash, h, __ATOMIC_RELAXED);
    return h;
}

/* ---- static singletons ---------------------------------------------------- */

/* Same layout as pym_str with room for one character and the NUL. */
typedef struct static_str {
    PYM_OBJECT_HEAD
    size_t len;
    int64_t hash;
    char data[2];
} static_str;
_Static_assert(offsetof(static_str, data) == offsetof(pym_str, data), "static_str layout");

static static_str empty_str;
static static_str char_strs[128];

static void str_static_init(static_str *s, size_t len, char c)
{
    s->ob_base = (pym_object)PYM_STATIC_OBJECT(&pym_str_type);
    s->len = len;
    s->data[0] = c;
    s->data[1] = '\0';
    s->hash = -1;
    str_hash_of((pym_str *)s);
}

/* pym_str_char: the shared string of ASCII character c (BORROWED,
 * immortal), or NULL for c >= 128. */
pym_object *pym_str_char(unsigned char c)
{
    return c < 128 ? &char_strs[c].ob_base : NULL;
}

/* ---- the intern table ----------------------------------------------------- */

/* An open-addressing set with linear probing over borrowed pointers; each
 * slot keeps the string's hash so probes rarely touch the string.  Removal
 * shifts later entries back (no tombstones), so a probe ends at the first
 * empty slot.  Load stays at most 3/4; capacity is a power of two. */
typedef struct intern_slot {
    pym_str *s;      /* NULL: empty */
    int64_t hash;
} intern_slot;

static struct {
    intern_slot *slots;
    size_t cap, count;
} interned;

static pym_mutex intern_lock = PYM_MUTEX_INIT;
static inline void intern_lock_acquire(void) { pym_rt_lock(&intern_lock); }
static inline void intern_lock_release(void) { pym_rt_unlock(&intern_lock); }

static inline size_t intern_home(int64_t hash) { return (size_t)hash & (interned.cap - 1); }


/* A new reference to the interned string equal to (p, n), or NULL. */
static pym_str *intern_find(const char *p, size_t n, int64_t hash)
{
    if (interned.cap == 0) return NULL;
    for (size_t i = intern_home(hash);; i = (i + 1) & (interned.cap - 1)) {
        intern_slot *sl = &interned.slots[i];
        if (sl->s == NULL) return NULL;
        if (sl->hash == hash && sl->s->len == n && memcmp(sl->s->data, p, n) == 0 &&
            pym__try_incref(&sl->s->ob_base))
            return sl->s;
    }
}

static void intern_place(intern_slot *slots, size_t cap, pym_str *s, int64_t hash)
{
    size_t i = (size_t)hash & (cap - 1);
    while (slots[i].s != NULL) i = (i + 1) & (cap - 1);
    slots[i].s = s;
    slots[i].hash = hash;
}

/* Makes room for one more entry; -1 with MemoryError, table untouched. */
PYM_MUST_CHECK static int intern_reserve(void)
{
    if ((interned.count + 1) * 4 <= interned.cap * 3) return 0;
    size_t cap = interned.cap ? interned.cap * 2 : 64;
    intern_slot *slots = pym_mem_calloc(cap * sizeof *slots);
    if (slots == NULL) return -1;
    for (size_t i = 0; i < interned.cap; i++)
        if (interned.slots[i].s != NULL)
            intern_place(slots, cap, interned.slots[i].s, interned.slots[i].hash);
    pym_mem_free(interned.slots, interned.cap * sizeof *slots);
    interned.slots = slots;
    interned.cap = cap;
    return 0;
}

/* Removes slot i and shifts back the entries that probed past it. */
static void intern_remove_at(size_t i)
{
    size_t mask = interned.cap - 1;
    for (size_t j = (i + 1) & mask; interned.slots[j].s != NULL; j = (j + 1) & mask) {
        size_t home = intern_home(interned.slots[j].hash);
        if (((j - home) & mask) >= ((j - i) & mask)) {
            interned.slots[i] = interned.slots[j];
            i = j;
        }
    }
    interned.slots[i].s = NULL;
    interned.count--;
}

/* pym_str_unintern: takes a dying interned string out of the table
 * (str_destroy calls it); no-op for strings that are not interned. */
void pym_str_unintern(pym_object *s)
{
    if (!pym_flag(s, PYM_OBF_INTERNED)) return;
    pym_flag_clear(s, PYM_OBF_INTERNED);
    intern_lock_acquire();
    if (interned.cap > 0) {
        size_t mask = interned.cap - 1;
        for (size_t i = intern_home(as_str(s)->hash); interned.slots[i].s != NULL;
             i = (i + 1) & mask) {
            if (interned.slots[i].s == as_str(s)) {
                intern_remove_at(i);
                break;
            }
        }
    }
    intern_lock_release();
}

/* ---- allocation ------------------------------------------------------------ */

/* A new heap str of n bytes (zeroed, NUL-terminated) for the caller to fill;
 * never a singleton, so only for lengths the caller knows are not shared. */
PYM_MUST_CHECK static pym_str *str_alloc(size_t n)
{
    if (n > SIZE_MAX / 2) return pym_err_nomemory();
    pym_str *s = (pym_str *)pym_object_alloc(&pym_str_type, n + 1);
    if (s == NULL) return NULL;
    s->len = n;
    s->hash = -1;
    return s;
}

/* The shared singleton for (p, n), or NULL when that string is not one. */
static pym_object *str_singleton(const char *p, size_t n)
{
    if (n == 0) return &empty_str.ob_base;
    if (n == 1 && (unsigned char)p[0] < 128) return &char_strs[(unsigned char)p[0]].ob_base;
    return NULL;
}

/* pym_str_new_len: a str of the nbytes at utf8 (copied, NULs allowed; not
 * validated as UTF-8).  New reference; '' and one ASCII character give the
 * shared singletons.  TypeError for NULL bytes with nbytes > 0. */
pym_object *pym_str_new_len(const char *utf8, size_t nbytes)
{
    if (utf8 == NULL && nbytes > 0) {
        pym_err_set(PYM_ERR_TYPE, "pym_str_new_len: NULL bytes");
        return NULL;
    }
    pym_object *single = str_singleton(utf8, nbytes);
    if (single != NULL) return single;
    pym_str *s = str_alloc(nbytes);
    if (s == NULL) return NULL;
    memcpy(s->data, utf8, nbytes);
    return &s->ob_base;
}

/* pym_str_new: a str of the NUL-terminated utf8.  New reference;
 * TypeError for NULL. */
pym_object *pym_str_new(const char *utf8)
{
    if (utf8 == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_str_new: NULL string");
        return NULL;
    }
    return pym_str_new_len(utf8, strlen(utf8));
}

/* pym_str_from_format: a str made with printf-style fmt (new reference;
 * ValueError if formatting fails).  Formats into a stack buffer first, so
 * only results longer than it are formatted twice. */
pym_object *pym_str_from_format(const char *fmt, ...)
{
    char buf[256];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pym_object *r = NULL;
    if (n < 0) {
        pym_err_set(PYM_ERR_VALUE, "pym_str_from_format: bad format");
    } else if ((size_t)n < sizeof buf) {
        r = pym_str_new_len(buf, (size_t)n);
    } else {
        pym_str *s = str_alloc((size_t)n);
        if (s != NULL) vsnprintf(s->data, (size_t)n + 1, fmt, again);
        r = (pym_object *)s;
    }
    va_end(again);
    return r;
}

/* ---- accessors ------------------------------------------------------------- */

/* pym_is_str: true for a str (NULL-tolerant). */
bool pym_is_str(const pym_object *o) { return o != NULL && o->ob_type == &pym_str_type; }

/* pym_str_cstr: the NUL-terminated bytes of s, BORROWED (valid while s
 * lives); NULL with TypeError if s is not a str. */
const char *pym_str_cstr(pym_object *s)
{
    if (!pym_is_str(s)) return pym_err_badtype("str", s);
    return as_str(s)->data;
}

/* pym_str_len: the length of s in bytes; 0 with TypeError for a non-str. */
size_t pym_str_len(pym_object *s)
{
    if (!pym_is_str(s)) {
        pym_err_badtype("str", s);
        return 0;
    }
    return as_str(s)->len;
}

/* ---- interning ------------------------------------------------------------- */

/* pym_str_is_interned: true if s is the canonical string for its text
 * (in the table, or a static singleton).  No error for non-strs: false. */
bool pym_str_is_interned(pym_object *s)
{
    return pym_is_str(s) && pym_flag(s, PYM_OBF_INTERNED | PYM_OBF_STATIC);
}

/* Returns the canonical string equal to s (new reference): the one already
 * in the table, or s itself after adding it.  MemoryError if the table
 * cannot grow; nothing changes then. */
static pym_object *str_intern_impl(pym_str *s)
{
    int64_t hash = str_hash_of(s);
    intern_lock_acquire();
    pym_str *found = intern_find(s->data, s->len, hash);
    if (found == NULL && intern_reserve() == 0) {
        intern_place(interned.slots, interned.cap, s, hash);
        interned.count++;
        pym_flag_publish(&s->ob_base, PYM_OBF_INTERNED);
        pym__set_maybe_weak(&s->ob_base);  /* the table hands out references */
        found = as_str(pym_incref(&s->ob_base));
    }
    intern_lock_release();
    return (pym_object *)found;
}

/* pym_str_intern: the canonical string equal to s (new reference), s
 * itself if none was interned yet.  TypeError for a non-str, MemoryError if
 * the table cannot grow. */
pym_object *pym_str_intern(pym_object *s)
{
    if (!pym_is_str(s)) return pym_err_badtype("str", s);
    if (pym_flag(s, PYM_OBF_INTERNED | PYM_OBF_STATIC)) return pym_incref(s);
    return str_intern_impl(as_str(s));
}

/* pym_str_intern_cstr: the canonical string for utf8 (new reference).
 * Looks the bytes up first, so a name that is already interned costs no
 * allocation. */
pym_object *pym_str_intern_cstr(const char *utf8)
{
    if (utf8 == NULL) {
        pym_err_set(PYM_ERR_TYPE, "pym_str_intern_cstr: NULL string");
        return NULL;
    }
    size_t n = strlen(utf8);
    pym_object *single = str_singleton(utf8, n);
    if (single != NULL) return single;
    int64_t hash = (int64_t)pym_hash_bytes(utf8, n);
    if (hash == -1) hash = -2;
    intern_lock_acquire();
    pym_str *found = intern_find(utf8, n, hash);
    intern_lock_release();
    if (found != NULL) return &found->ob_base;
    pym_object *s = pym_str_new_len(utf8, n);
    if (s == NULL) return NULL;
    pym_object *r = str_intern_impl(as_str(s));
    pym_decref(s);
    return r;
}

/* ---- the type -------------------------------------------------------------- */

/* Python's quote choice: single quotes unless the text has ' and no ". */
static char str_quote(const pym_str *s)
{
    bool single = memchr(s->data, '\'', s->len) != NULL;
    bool dbl = memchr(s->data, '"', s->len) != NULL;
    return single && !dbl ? '"' : '\'';
}

/* The escape for byte c that is a single letter after a backslash, or 0. */
static char str_escape_letter(unsigned char c, char quote)
{
    switch (c) {
    case '\\': return '\\';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return c == (unsigned char)quote ? quote : 0;
    }
}

/* Writes byte c as repr shows it into out (when out is not NULL) and
 * returns how many bytes that takes: 1, 2 (\n) or 4 (\xNN). */
static size_t str_escape(unsigned char c, char quote, char *out)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[4];
    char *o = out ? out : tmp;
    char letter = str_escape_letter(c, quote);
    if (letter != 0) {
        o[0] = '\\';
        o[1] = letter;
        return 2;
    }
    if (c < 0x20 || c == 0x7f) {
        o[0] = '\\';
        o[1] = 'x';
        o[2] = hex[c >> 4];
        o[3] = hex[c & 15];
        return 4;
    }
    o[0] = (char)c; /* printable ASCII, or a byte of a UTF-8 sequence */
    return 1;
}

/* Measures, then writes into a str of exactly the right size. */
static pym_object *str_repr(pym_object *self)
{
    pym_str *s = as_str(self);
    char quote = str_quote(s);
    size_t n = 2;
    for (size_t i = 0; i < s->len; i++) n += str_escape((unsigned char)s->data[i], quote, NULL);
    pym_str *r = str_alloc(n);
    if (r == NULL) return NULL;
    char *out = r->data;
    *out++ = quote;
    for (size_t i = 0; i < s->len; i++) out += str_escape((unsigned char)s->data[i], quote, out);
    *out = quote;
    return &r->ob_base;
}

static int str_equal(pym_object *a, pym_object *b)
{
    if (a == b) return 1;
    if (!pym_is_str(a) || !pym_is_str(b)) return 0;
    pym_str *x = as_str(a), *y = as_str(b);
    if (x->len != y->len) return 0;
    int64_t hx = __atomic_load_n(&x->hash, __ATOMIC_RELAXED);
    int64_t hy = __atomic_load_n(&y->hash, __ATOMIC_RELAXED);
    if (hx != -1 && hy != -1 && hx != hy) return 0;
    return memcmp(x->data, y->data, x->len) == 0;
}

static int str_hash(pym_object *self, int64_t *out)
{
    *out = str_hash_of(as_str(self));
    return 0;
}

static void str_destroy(pym_object *self)
{
    if (pym_flag(self, PYM_OBF_INTERNED)) pym_str_unintern(self);
}

static size_t str_extra_size(const pym_object *self)
{
    return ((const pym_str *)self)->len + 1;
}

const pym_type pym_str_type = {
    .name = "str",
    .size = sizeof(pym_str),
    .flags = PYM_TYPE_IMMUTABLE,
    .destroy = str_destroy,
    .repr = str_repr,
    .equal = str_equal,
    .hash = str_hash,
    .extra_size = str_extra_size,
};

/* ---- lifecycle --------------------------------------------------------------- */

/* pym_str_init: fills the static singletons and allocates the table now,
 * so the first intern of a run does not leave a new block behind even when
 * what it was for fails (if this allocation fails, the first intern does it). */
void pym_str_init(void)
{
    str_static_init(&empty_str, 0, '\0');
    for (int c = 0; c < 128; c++) str_static_init(&char_strs[c], 1, (char)c);
    memset(&interned, 0, sizeof interned);
    if (intern_reserve() < 0) pym_err_clear();
}

/* pym_str_fini: frees the table.  Strings still alive now stay alive but
 * are no longer interned (their destroy then has nothing to remove). */
void pym_str_fini(void)
{
    for (size_t i = 0; i < interned.cap; i++)
        if (interned.slots[i].s != NULL) pym_flag_clear(&interned.slots[i].s->ob_base, PYM_OBF_INTERNED);
    pym_mem_free(interned.slots, interned.cap * sizeof *interned.slots);
    memset(&interned, 0, sizeof interned);
}
