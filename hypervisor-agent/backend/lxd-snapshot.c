/* lxd-snapshot.c - see lxd-snapshot.h. */
#include "lxd-snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

enum ct_err lxd_snapshot_create(struct lxd *lxd, const char *name, const char *snap,
                                struct ct_error *err)
{
    char path[128];
    long status = 0;
    snprintf(path, sizeof(path), "/1.0/instances/%s/snapshots", name);
    json_t *body = json_pack("{s:s, s:b}", "name", snap, "stateful", 0);
    if (body == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = lxd_call_wait(lxd, "POST", path, body, NULL, &status, err);
    json_decref(body);
    if (rc == CT_ERR_BACKEND && (status == 409 || strstr(err->detail, "already exists") != NULL)) {
        ct_error_set(err, CT_ERR_EXISTS, "%s has a snapshot named %s", name, snap);
        return CT_ERR_EXISTS;
    }
    if (rc == CT_ERR_BACKEND && status == 404) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name);
    }
    return rc;
}

/* "2026-12-01T04:45:00.123456789Z" -> "2026-12-01T04:45:00Z" (what the rest of ctgate shows). */
static void short_time(const char *lxd_time, char *out, size_t len)
{
    size_t n = strcspn(lxd_time != NULL ? lxd_time : "", ".Z+");
    snprintf(out, len, "%.*s%s", (int)(n < 19 ? n : 19), lxd_time != NULL ? lxd_time : "",
             n >= 19 ? "Z" : "");
}

static int by_created(const void *a, const void *b)
{
    return strcmp(((const struct backend_snapshot *)a)->created,
                  ((const struct backend_snapshot *)b)->created);
}

enum ct_err lxd_snapshot_list(struct lxd *lxd, const char *name, struct backend_snapshot **out,
                              size_t *n, struct ct_error *err)
{
    char path[128];
    json_t *reply = NULL;
    long status = 0;
    *out = NULL;
    *n = 0;
    snprintf(path, sizeof(path), "/1.0/instances/%s/snapshots?recursion=1", name);
    enum ct_err rc = lxd_call(lxd, "GET", path, NULL, &reply, &status, err);
    if (rc != CT_OK) {
        json_decref(reply);
        return rc == CT_ERR_BACKEND && status == 404 ? ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name)
                                                     : rc;
    }
    json_t *list = json_object_get(reply, "metadata");
    size_t count = json_array_size(list);
    if (count > BACKEND_SNAPSHOTS_MAX) {
        count = BACKEND_SNAPSHOTS_MAX;
    }
    *out = calloc(count > 0 ? count : 1, sizeof(**out));
    if (*out == NULL) {
        json_decref(reply);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_array_get(list, i);
        const char *full = json_string_value(json_object_get(s, "name"));
        /* LXD names a snapshot "SNAP" (some versions "INSTANCE/SNAP"); ctgate made each name. */
        const char *slash = full != NULL ? strrchr(full, '/') : NULL;
        const char *snap = slash != NULL ? slash + 1 : full;
        if (snap == NULL || !str_copy((*out)[*n].name, sizeof((*out)[*n].name), snap)) {
            continue;
        }
        short_time(json_string_value(json_object_get(s, "created_at")), (*out)[*n].created,
                   sizeof((*out)[*n].created));
        (*n)++;
    }
    json_decref(reply);
    qsort(*out, *n, sizeof(**out), by_created);
    return CT_OK;
}

enum ct_err lxd_snapshot_restore(struct lxd *lxd, const char *name, const char *snap,
                                 struct ct_error *err)
{
    char path[128];
    long status = 0;
    snprintf(path, sizeof(path), "/1.0/instances/%s", name);
    json_t *body = json_pack("{s:s}", "restore", snap);
    if (body == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    enum ct_err rc = lxd_call_wait(lxd, "PUT", path, body, NULL, &status, err);
    json_decref(body);
    if (rc == CT_ERR_BACKEND && status == 404) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s has no snapshot %s", name, snap);
    }
    return rc;
}

enum ct_err lxd_snapshot_delete(struct lxd *lxd, const char *name, const char *snap,
                                struct ct_error *err)
{
    char path[160];
    long status = 0;
    snprintf(path, sizeof(path), "/1.0/instances/%s/snapshots/%s", name, snap);
    enum ct_err rc = lxd_call_wait(lxd, "DELETE", path, NULL, NULL, &status, err);
    if (rc == CT_ERR_BACKEND && status == 404) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s has no snapshot %s", name, snap);
    }
    return rc;
}
