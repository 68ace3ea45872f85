/* weakref_cache.c: a cache on weak values.  Run by `make demo`.
 *
 * A program that loads expensive objects wants to hand out the same object
 * while anyone still uses it, without the cache keeping it alive forever.
 * pym_weakdict holds its values weakly: an entry disappears on its own
 * when the program lets go of the value. */
#include <stdio.h>
#include <unistd.h>

#include <pym.h>

static int loads;

/* The expensive part: builds a fresh "Image" instance for `name`. */
static pym_object *load_image(const char *name)
{
    loads++;
    pym_object *img = pym_instance_new("Image");
    pym_object *n = pym_str_new(name);
    if (img == NULL || n == NULL || pym_setattr(img, "name", n) < 0) return NULL;
    pym_decref(n);
    printf("   (loading %s from disk)\n", name);
    return img;
}

/* Returns the cached image for `name` if something still uses it,
 * otherwise loads it and caches it weakly. */
static pym_object *get_image(pym_object *cache, const char *name)
{
    pym_object *key = pym_str_new(name);
    if (key == NULL) return NULL;
    pym_object *img = pym_weakdict_get(cache, key);
    if (img == NULL && (img = load_image(name)) != NULL && pym_weakdict_set(cache, key, img) < 0) {
        pym_decref(img);
        img = NULL;
    }
    pym_decref(key);
    return img;
}

int main(void)
{
    if (pym_init() != 0) return 1;
    bool tty = isatty(STDOUT_FILENO);  /* a bold title on a terminal only */
    printf("\n%sA cache on weak values%s\n", tty ? "\033[1m" : "", tty ? "\033[0m" : "");
    pym_object *cache = pym_weakdict_new();
    pym_object *logo = get_image(cache, "logo.png");
    pym_object *again = get_image(cache, "logo.png");
    printf("   second lookup returns the same object: %s (loads so far: %d)\n",
           pym_is(logo, again) ? "yes" : "no", loads);
    pym_object *banner = get_image(cache, "banner.png");
    printf("   cache entries: %zu\n", pym_weakdict_len(cache));

    pym_decref(banner);
    printf("   the program drops banner.png -> cache entries: %zu\n", pym_weakdict_len(cache));
    pym_decref(logo);
    printf("   one user of logo.png lets go  -> cache entries: %zu (still in use)\n",
           pym_weakdict_len(cache));
    pym_decref(again);
    printf("   the last user lets go         -> cache entries: %zu\n", pym_weakdict_len(cache));

    pym_object *fresh = get_image(cache, "logo.png");
    printf("   asking again loads it afresh (loads: %d)\n", loads);
    pym_decref(fresh);
    pym_decref(cache);
    printf("   live objects at the end: %zu\n", pym_live_objects());
    pym_fini();
    return loads == 3 ? 0 : 1;
}
