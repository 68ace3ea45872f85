/* mem.c: the one allocation path.
 *
 * Three back ends, chosen at pym_init:
 *   - the user's allocator (pym_set_allocator): every block goes to it, so a
 *     fault-injecting allocator sees every allocation pym makes;
 *   - the system allocator (environment PYM_MALLOC=malloc), for Valgrind and
 *     the sanitizers, which can then see every block;
 *   - by default, size-class pools: blocks up to PYM_POOL_MAX bytes are carved
 *     from 64 KiB chunks and recycled through per-class free lists, which is
 *     what lets an int be created and freed faster than malloc allows.
 * Chunks are returned to the system by pym_fini.  In the threaded modes each
 * thread has its own free lists; a block freed by another thread simply joins
 * that thread's lists. */
#include <stdlib.h>
#include <string.h>

#define PYM_BUILD_CORE 1
#include "internal/error.h"
#include "internal/mem.h"
#include "internal/thread.h"

#define CLASS_SHIFT 4
#define NCLASSES (PYM_POOL_MAX >> CLASS_SHIFT)
#define CHUNK_SIZE (64 * 1024)

typedef struct free_block { struct free_block *next; } free_block;
typedef struct chunk { struct chunk *next; } chunk;

typedef struct pool_state {
    free_block *free[NCLASSES];
    char *bump[NCLASSES];     /* next uncarved byte of the class's chunk */
    char *bump_end[NCLASSES];
} pool_state;

static pym_alloc_fn user_fn;
static void *user_ud;
static bool use_pools = true;
static chunk *chunks;               /* every chunk, for pym_mem_fini */
static pym_mutex chunks_lock = PYM_MUTEX_INIT;
static PYM_TLS pool_state pools;

void pym_set_allocator(pym_alloc_fn fn, void *ud)
{
    user_fn = fn;
    user_ud = ud;
}

size_t pym_allocated_bytes(void)
{
    return pym_count_read(PYM_COUNT_BYTES);
}

void pym_mem_init(void)
{
    const char *env = getenv("PYM_MALLOC");
    use_pools = user_fn == NULL && !(env != NULL && strcmp(env, "malloc") == 0);
    memset(&pools, 0, sizeof pools);
}

void pym_mem_fini(void)
{
    pym_mutex_lock(&chunks_lock);
    while (chunks != NULL) {
        chunk *c = chunks;
        chunks = c->next;
        free(c);
    }
    pym_mutex_unlock(&chunks_lock);
    memset(&pools, 0, sizeof pools);
}

static inline void account(ptrdiff_t delta) { pym_count_add(PYM_COUNT_BYTES, (size_t)delta); }

bool pym_mem_has_user_allocator(void) { return user_fn != NULL; }
bool pym_mem_pooling(void) { return use_pools; }

static void *system_realloc(void *p, size_t old_n, size_t new_n)
{
    if (user_fn != NULL) return user_fn(user_ud, p, old_n, new_n);
    if (new_n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, new_n);
}

static bool refill(size_t cls)
{
    chunk *c = malloc(CHUNK_SIZE);
    if (c == NULL) return false;
    pym_mutex_lock(&chunks_lock);
    c->next = chunks;
    chunks = c;
    pym_mutex_unlock(&chunks_lock);
    pools.bump[cls] = (char *)c + 16;
    pools.bump_end[cls] = (char *)c + CHUNK_SIZE;
    return true;
}

/* The slow path: carve a new block from the class's chunk, refilling it
 * when exhausted.  Kept out of line so the free-list path stays small. */
static PYM_NOINLINE void *pool_carve(size_t cls)
{
    size_t sz = (cls + 1) << CLASS_SHIFT;
    if (pools.bump_end[cls] - pools.bump[cls] < (ptrdiff_t)sz && !refill(cls)) return NULL;
    void *p = pools.bump[cls];
    pools.bump[cls] += sz;
    return p;
}

static inline void *pool_alloc(size_t cls)
{
    free_block *b = pools.free[cls];
    if (PYM_LIKELY(b != NULL)) {
        pools.free[cls] = b->next;
        return b;
    }
    return pool_carve(cls);
}

static inline bool pooled(size_t n)
{
    return use_pools && n - 1 < PYM_POOL_MAX;
}
static inline size_t class_of(size_t n) { return (n - 1) >> CLASS_SHIFT; }

static PYM_NOINLINE void *system_alloc(size_t n)
{
    void *p = system_realloc(NULL, 0, n);
    if (p == NULL) return pym_err_nomemory();
    account((ptrdiff_t)n);
    return p;
}

void *pym_mem_alloc(size_t n)
{
    if (n == 0) n = 1;
    if (!pooled(n)) return system_alloc(n);
    void *p = pool_alloc(class_of(n));
    if (PYM_UNLIKELY(p == NULL)) return pym_err_nomemory();
    account((ptrdiff_t)n);
    return p;
}

/* Pooled blocks are whole size classes, so small ones are cleared with
 * fixed-size stores instead of a call to memset. */
static inline void zero_class(void *p, size_t cls)
{
    switch (cls) {
    case 0: memset(p, 0, 16); break;
    case 1: memset(p, 0, 32); break;
    case 2: memset(p, 0, 48); break;
    case 3: memset(p, 0, 64); break;
    case 4: memset(p, 0, 80); break;
    case 5: memset(p, 0, 96); break;
    case 6: memset(p, 0, 112); break;
    case 7: memset(p, 0, 128); break;
    default: memset(p, 0, (cls + 1) << CLASS_SHIFT); break;
    }
}

void *pym_mem_calloc(size_t n)
{
    if (n == 0) n = 1;
    if (!pooled(n)) {
        void *q = system_alloc(n);
        if (q != NULL) memset(q, 0, n);
        return q;
    }
    size_t cls = class_of(n);
    void *p = pool_alloc(cls);
    if (PYM_UNLIKELY(p == NULL)) return pym_err_nomemory();
    account((ptrdiff_t)n);
    zero_class(p, cls);
    return p;
}

void pym_mem_free(void *p, size_t n)
{
    if (p == NULL) return;
    if (n == 0) n = 1;
    account(-(ptrdiff_t)n);
    if (pooled(n)) {
        free_block *b = p;
        size_t cls = class_of(n);
        b->next = pools.free[cls];
        pools.free[cls] = b;
        return;
    }
    system_realloc(p, n, 0);
}

void *pym_mem_realloc(void *p, size_t old_n, size_t new_n)
{
    if (p == NULL) return pym_mem_alloc(new_n);
    if (new_n == 0) new_n = 1;
    if (old_n == 0) old_n = 1;
    if (!pooled(old_n) && !pooled(new_n)) {
        void *q = system_realloc(p, old_n, new_n);
        if (q == NULL) return pym_err_nomemory();
        account((ptrdiff_t)new_n - (ptrdiff_t)old_n);
        return q;
    }
    if (pooled(old_n) && pooled(new_n) && class_of(old_n) == class_of(new_n)) {
        account((ptrdiff_t)new_n - (ptrdiff_t)old_n);
        return p;
    }
    void *q = pym_mem_alloc(new_n);
    if (q == NULL) return NULL;
    memcpy(q, p, old_n < new_n ? old_n : new_n);
    pym_mem_free(p, old_n);
    return q;
}
