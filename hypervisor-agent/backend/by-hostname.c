/* by-hostname.c - see by-hostname.h. */
#include "by-hostname.h"

#include <stdlib.h>
#include <string.h>

#include "registry.h"
#include "strcopy.h"

#define NAMED_MAGIC 0x6e616d65u /* "name": a handle of this wrapper */

struct pair {
    char hostname[CT_HOSTNAME_MAX + 1];
    char instance[CT_HOSTNAME_MAX + 1];
};

struct named {
    unsigned magic;
    struct backend_ops ops; /* the real driver's, with the functions below in front */
    const struct backend_ops *real;
    void *h;
    const char *state_dir;
    struct pair *pairs; /* what this run knows; grows */
    size_t n;
    size_t cap;
};

static struct pair *known(struct named *w, const char *hostname)
{
    for (size_t i = 0; i < w->n; i++) {
        if (strcmp(w->pairs[i].hostname, hostname) == 0) {
            return &w->pairs[i];
        }
    }
    return NULL;
}

/* Remember (or correct) hostname's instance; forgetting on out of memory is harmless. */
static void remember(struct named *w, const char *hostname, const char *instance)
{
    struct pair *p = known(w, hostname);
    if (p == NULL) {
        if (w->n == w->cap) {
            size_t cap = w->cap != 0 ? w->cap * 2 : 8;
            struct pair *grown = realloc(w->pairs, cap * sizeof(*grown));
            if (grown == NULL) {
                return;
            }
            w->pairs = grown;
            w->cap = cap;
        }
        p = &w->pairs[w->n++];
    }
    if (!str_copy(p->hostname, sizeof(p->hostname), hostname) ||
        !str_copy(p->instance, sizeof(p->instance), instance)) {
        w->n--; /* names are validated hostnames: never happens */
    }
}

/* Forget what hostname named (its container is gone: a create of the name may make another). */
static void forget(struct named *w, const char *hostname)
{
    struct pair *p = known(w, hostname);
    if (p != NULL) {
        *p = w->pairs[--w->n];
    }
}

/* The instance hostname names: a claimed container's own name, or hostname itself. */
static enum ct_err resolve(struct named *w, const char *hostname, char out[CT_HOSTNAME_MAX + 1],
                           struct ct_error *err)
{
    const struct pair *p = known(w, hostname);
    if (p == NULL) {
        struct registry_entry entry;
        bool found = false;
        enum ct_err rc = registry_lookup(w->state_dir, hostname, &entry, &found, err);
        if (rc != CT_OK) {
            return rc; /* never guess: a destroy of the wrong name would "succeed" */
        }
        remember(w, hostname, found && entry.instance[0] != '\0' ? entry.instance : hostname);
        if ((p = known(w, hostname)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
    }
    if (!str_copy(out, CT_HOSTNAME_MAX + 1, p->instance)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "instance name too long");
    }
    return CT_OK;
}

/* The hostname whose instance is name (name itself when none is claimed). */
static const char *hostname_of(const struct named *w, const char *instance)
{
    for (size_t i = 0; i < w->n; i++) {
        if (strcmp(w->pairs[i].instance, instance) == 0) {
            return w->pairs[i].hostname;
        }
    }
    return instance;
}

#define RESOLVE(w, name, inst, err)                                                                \
    char inst[CT_HOSTNAME_MAX + 1];                                                                \
    do {                                                                                           \
        enum ct_err rc_ = resolve((w), (name), inst, (err));                                       \
        if (rc_ != CT_OK) {                                                                        \
            return rc_;                                                                            \
        }                                                                                          \
    } while (0)

static enum ct_err named_create(void *h, const struct backend_create *a, struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, a->name, inst, err);
    struct backend_create args = *a;
    args.name = inst;
    return w->real->create(w->h, &args, err);
}

static enum ct_err named_adopt(void *h, const struct backend_create *a, struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, a->name, inst, err);
    struct backend_create args = *a;
    args.name = inst;
    args.hostname = a->name;
    return w->real->adopt(w->h, &args, err);
}

static enum ct_err named_set_state(void *h, const char *name, const char *action,
                                   struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->set_state(w->h, inst, action, err);
}

static enum ct_err named_wait_ipv4(void *h, const char *name, int timeout_s, char *out, size_t len,
                                   struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->wait_ipv4(w->h, inst, timeout_s, out, len, err);
}

static enum ct_err named_exec(void *h, const char *name, struct backend_exec *ex,
                              struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->exec(w->h, inst, ex, err);
}

static enum ct_err named_push_file(void *h, const char *name, const struct backend_file *file,
                                   struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->push_file(w->h, inst, file, err);
}

static enum ct_err named_read_file(void *h, const char *name, const char *path, struct buf *out,
                                   struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->read_file(w->h, inst, path, out, err);
}

static enum ct_err named_destroy(void *h, const char *name, struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    enum ct_err rc = w->real->destroy(w->h, inst, err);
    if (rc == CT_OK) {
        forget(w, name);
    }
    return rc;
}

static enum ct_err named_get(void *h, const char *name, struct backend_instance *out,
                             struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    enum ct_err rc = w->real->get(w->h, inst, out, err);
    if (rc == CT_OK) {
        str_copy(out->name, sizeof(out->name), name);
    }
    return rc;
}

/* Every instance under its hostname; what the registry says is remembered for the calls after. */
static enum ct_err named_list(void *h, struct backend_instance **out, size_t *n,
                              struct ct_error *err)
{
    struct named *w = h;
    struct registry_snapshot reg = {NULL, 0};
    enum ct_err rc = w->real->list(w->h, out, n, err);
    if (rc != CT_OK) {
        return rc;
    }
    if ((rc = registry_snapshot_load(w->state_dir, &reg, err)) != CT_OK) {
        registry_snapshot_free(&reg);
        free(*out);
        *out = NULL;
        *n = 0;
        return rc;
    }
    for (size_t i = 0; i < reg.n; i++) {
        const struct registry_entry *e = &reg.entries[i];
        remember(w, e->hostname, e->instance[0] != '\0' ? e->instance : e->hostname);
    }
    registry_snapshot_free(&reg);
    for (size_t i = 0; i < *n; i++) {
        const char *hostname = hostname_of(w, (*out)[i].name);
        if (hostname != (*out)[i].name) {
            str_copy((*out)[i].name, sizeof((*out)[i].name), hostname);
        }
    }
    return CT_OK;
}

static enum ct_err named_snapshot_create(void *h, const char *name, const char *snap,
                                         struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->snapshot_create(w->h, inst, snap, err);
}

static enum ct_err named_snapshot_list(void *h, const char *name, struct backend_snapshot **out,
                                       size_t *n, struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->snapshot_list(w->h, inst, out, n, err);
}

static enum ct_err named_snapshot_restore(void *h, const char *name, const char *snap,
                                          struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->snapshot_restore(w->h, inst, snap, err);
}

static enum ct_err named_snapshot_delete(void *h, const char *name, const char *snap,
                                         struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->snapshot_delete(w->h, inst, snap, err);
}

static enum ct_err named_export(void *h, const char *name, struct backend_export *ex,
                                struct ct_error *err)
{
    struct named *w = h;
    RESOLVE(w, name, inst, err);
    return w->real->export_backup(w->h, inst, ex, err);
}

/* The calls that name no container: the real driver's, on its own handle. */
static enum ct_err named_probe(void *h, unsigned want, unsigned *have, struct ct_error *err)
{
    const struct named *w = h;
    return w->real->probe(w->h, want, have, err);
}

static enum ct_err named_image_info(void *h, const char *image, struct backend_image *out,
                                    struct ct_error *err)
{
    const struct named *w = h;
    return w->real->image_info(w->h, image, out, err);
}

static enum ct_err named_import_image(void *h, const char *image,
                                      const struct backend_image_source *src,
                                      struct backend_image *out, struct ct_error *err)
{
    const struct named *w = h;
    return w->real->import_image(w->h, image, src, out, err);
}

static void named_doctor(void *h, backend_say_fn say, void *ctx)
{
    const struct named *w = h;
    w->real->doctor(w->h, say, ctx);
}

static void named_close(void *h)
{
    struct named *w = h;
    if (w != NULL) {
        w->real->close(w->h);
        free(w->pairs);
        w->magic = 0;
        free(w);
    }
}

/* Put f in front of the real function when the real driver has one (NULL stays NULL). */
#define FRONT(field, f) w->ops.field = real->field != NULL ? (f) : NULL

enum ct_err by_hostname_wrap(const struct agent_config *cfg, const struct backend_ops **ops,
                             void **handle, struct ct_error *err)
{
    const struct backend_ops *real = *ops;
    struct named *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    w->magic = NAMED_MAGIC;
    w->real = real;
    w->h = *handle;
    w->state_dir = cfg->state_dir;
    w->ops = *real;
    w->ops.open = NULL; /* a wrapper is made by by_hostname_wrap only */
    w->ops.close = named_close;
    FRONT(probe, named_probe);
    FRONT(create, named_create);
    FRONT(adopt, named_adopt);
    FRONT(set_state, named_set_state);
    FRONT(wait_ipv4, named_wait_ipv4);
    FRONT(exec, named_exec);
    FRONT(push_file, named_push_file);
    FRONT(read_file, named_read_file);
    FRONT(destroy, named_destroy);
    FRONT(get, named_get);
    FRONT(list, named_list);
    FRONT(image_info, named_image_info);
    FRONT(import_image, named_import_image);
    FRONT(doctor, named_doctor);
    FRONT(snapshot_create, named_snapshot_create);
    FRONT(snapshot_list, named_snapshot_list);
    FRONT(snapshot_restore, named_snapshot_restore);
    FRONT(snapshot_delete, named_snapshot_delete);
    FRONT(export_backup, named_export);
    *ops = &w->ops;
    *handle = w;
    return CT_OK;
}

void by_hostname_claimed(void *handle, const char *hostname, const char *instance)
{
    struct named *w = handle;
    if (w != NULL && w->magic == NAMED_MAGIC) {
        remember(w, hostname, instance);
    }
}
