/* pve-snapshot.c - snapshots of a Proxmox CT through the API; see pve-backend.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pve-backend.h"
#include "strcopy.h"

enum ct_err pve_snapshot_create(struct pve_backend *b, const char *name, const char *snap,
                                struct ct_error *err)
{
    struct pve_ct ct;
    char path[160];
    long status = 0;
    enum ct_err rc = pve_find_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc == CT_ERR_NOT_FOUND ? ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name) : rc;
    }
    const struct pve_param p[] = {{"snapname", snap}};
    pve_ct_path(&ct, "/snapshot", path, sizeof(path));
    rc = pve_call_task(&b->pve, "POST", path, p, 1, b->settings->timeout_s, &status, err);
    if (rc == CT_ERR_BACKEND && (strstr(b->pve.message, "already used") != NULL ||
                                 strstr(b->pve.message, "already exists") != NULL)) {
        return ct_error_set(err, CT_ERR_EXISTS, "%s has a snapshot named %s", name, snap);
    }
    return rc;
}

static int by_created(const void *a, const void *b)
{
    return strcmp(((const struct backend_snapshot *)a)->created,
                  ((const struct backend_snapshot *)b)->created);
}

enum ct_err pve_snapshot_list(struct pve_backend *b, const char *name,
                              struct backend_snapshot **out, size_t *n, struct ct_error *err)
{
    struct pve_ct ct;
    char path[160];
    json_t *list = NULL;
    *out = NULL;
    *n = 0;
    enum ct_err rc = pve_find_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc;
    }
    pve_ct_path(&ct, "/snapshot", path, sizeof(path));
    if ((rc = pve_call(&b->pve, "GET", path, NULL, 0, &list, NULL, err)) != CT_OK) {
        return rc;
    }
    size_t count = json_array_size(list);
    if (count > BACKEND_SNAPSHOTS_MAX) {
        count = BACKEND_SNAPSHOTS_MAX;
    }
    *out = calloc(count > 0 ? count : 1, sizeof(**out));
    if (*out == NULL) {
        json_decref(list);
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < count; i++) {
        json_t *s = json_array_get(list, i);
        const char *snap = json_string_value(json_object_get(s, "name"));
        /* "current" is the CT itself, not a snapshot. */
        if (snap == NULL || strcmp(snap, "current") == 0 ||
            !str_copy((*out)[*n].name, sizeof((*out)[*n].name), snap)) {
            continue;
        }
        time_t t = (time_t)json_integer_value(json_object_get(s, "snaptime"));
        struct tm tm;
        if (t > 0 && gmtime_r(&t, &tm) != NULL) {
            strftime((*out)[*n].created, sizeof((*out)[*n].created), "%Y-%m-%dT%H:%M:%SZ", &tm);
        }
        (*n)++;
    }
    json_decref(list);
    qsort(*out, *n, sizeof(**out), by_created);
    return CT_OK;
}

/* POST .../snapshot/SNAP/rollback or DELETE .../snapshot/SNAP; a missing one is NOT_FOUND. */
static enum ct_err snapshot_task(struct pve_backend *b, const char *name, const char *snap,
                                 const char *method, const char *suffix, struct ct_error *err)
{
    struct pve_ct ct;
    char path[224], tail[96];
    enum ct_err rc = pve_find_ct(b, name, &ct, err);
    if (rc != CT_OK) {
        return rc;
    }
    snprintf(tail, sizeof(tail), "/snapshot/%s%s", snap, suffix);
    pve_ct_path(&ct, tail, path, sizeof(path));
    rc = pve_call_task(&b->pve, method, path, NULL, 0, b->settings->timeout_s, NULL, err);
    if (rc == CT_ERR_BACKEND && strstr(b->pve.message, "does not exist") != NULL) {
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s has no snapshot %s", name, snap);
    }
    return rc;
}

enum ct_err pve_snapshot_restore(struct pve_backend *b, const char *name, const char *snap,
                                 struct ct_error *err)
{
    return snapshot_task(b, name, snap, "POST", "/rollback", err);
}

enum ct_err pve_snapshot_delete(struct pve_backend *b, const char *name, const char *snap,
                                struct ct_error *err)
{
    return snapshot_task(b, name, snap, "DELETE", "", err);
}
