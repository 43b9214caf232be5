/* outcome.c - see outcome.h. */
#include "outcome.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "json-secure.h"
#include "log.h"
#include "pubkey.h"
#include "timefmt.h"

#define OUTCOME_MAX ((size_t)256 * 1024)

/*
 * The document hashed: stored outcomes carry its digest, so it stays as it
 * was first defined.  The first parameters are always in it (their zero when
 * absent); every parameter added since is in it only when given, under its
 * wire key, so a repeat of a stored request still matches.  The request id
 * is the record's name, not part of it.
 */
void outcome_digest(const struct request *req, char out[OUTCOME_DIGEST_HEX])
{
    const struct ct_param_value *p = req->param;
    json_t *protocols = json_array();
    for (size_t i = 0; i < p[CT_P_PROTOCOLS].nitems; i++) {
        json_array_append_new(protocols, json_string(p[CT_P_PROTOCOLS].items[i]));
    }
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:b, s:I, s:o}", "owner", req->caller.uid,
        "hostname", req->hostname, "template", req->template_name, "pubkey",
        ct_param_text(&p[CT_P_PUBKEY]), "size", ct_param_text(&p[CT_P_SIZE]), "cpu",
        (json_int_t)ct_param_number(&p[CT_P_CPU]), "memory_bytes",
        (json_int_t)ct_param_number(&p[CT_P_MEMORY]), "disk_bytes",
        (json_int_t)ct_param_number(&p[CT_P_DISK]), "http_port",
        (json_int_t)ct_param_number(&p[CT_P_HTTP_PORT]), "has_expires", p[CT_P_EXPIRES].set,
        "expires_in", (json_int_t)ct_param_number(&p[CT_P_EXPIRES]), "protocols", protocols);
    json_t *given = json_object();
    if (doc != NULL && given != NULL &&
        ct_params_to_json(req->param, CT_PARAM_JSON_REQUEST, given) == 0) {
        const char *key;
        json_t *value;
        json_object_foreach (given, key, value) {
            if (json_object_get(doc, key) == NULL &&
                strcmp(key, ct_params[CT_P_REQUEST_ID].wire) != 0) {
                json_object_set(doc, key, value);
            }
        }
    }
    json_decref(given);
    char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    unsigned char hash[32];
    crypto_generichash(hash, sizeof(hash), (const unsigned char *)(text != NULL ? text : ""),
                       text != NULL ? strlen(text) : 0, NULL, 0);
    sodium_bin2hex(out, OUTCOME_DIGEST_HEX, hash, sizeof(hash));
    json_secure_free_text(text);
    json_decref(doc);
}

/*
 * An outcome's file, named by its owner and request id: neither can hold a
 * '.' (validate_uid, validate_request_id), so two owners' ids never share
 * one.  Before ids were scoped it was ID.json: legacy_path_of.
 */
static void path_of(const char *state_dir, const char *owner, const char *request_id, char *out,
                    size_t len)
{
    snprintf(out, len, "%s/requests/%s.%s.json", state_dir, owner, request_id);
}

static void legacy_path_of(const char *state_dir, const char *request_id, char *out, size_t len)
{
    snprintf(out, len, "%s/requests/%s.json", state_dir, request_id);
}

/* The outcome document at path into *doc; -ENOENT when there is none. */
static int load_outcome(const char *path, json_t **doc)
{
    struct buf text;
    json_error_t jerr;
    buf_init(&text, OUTCOME_MAX);
    int r = buf_read_file(&text, path);
    *doc = r == 0 ? json_loadb(text.data, text.len, 0, &jerr) : NULL;
    buf_free(&text);
    return r;
}

enum ct_err outcome_find(const char *state_dir, const char *request_id, const char *owner,
                         const char *digest, json_t **data, struct ct_error *err)
{
    char path[PATH_MAX];
    json_t *doc = NULL;
    *data = NULL;
    path_of(state_dir, owner, request_id, path, sizeof(path));
    int r = load_outcome(path, &doc);
    if (r == -ENOENT) { /* an older agent's record: the caller's only if it names them */
        legacy_path_of(state_dir, request_id, path, sizeof(path));
        r = load_outcome(path, &doc);
        const char *o = json_string_value(json_object_get(doc, "owner"));
        if (r == 0 && (o == NULL || strcmp(o, owner) != 0)) {
            json_decref(doc);
            return CT_ERR_NOT_FOUND; /* another owner's id is unused for this one */
        }
    }
    if (r == -ENOENT) {
        return CT_ERR_NOT_FOUND;
    }
    if (doc == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s", path);
    }
    enum ct_err rc;
    const char *o = json_string_value(json_object_get(doc, "owner"));
    const char *d = json_string_value(json_object_get(doc, "digest"));
    if (o == NULL || d == NULL || strcmp(o, owner) != 0 || strcmp(d, digest) != 0) {
        rc = ct_error_set(err, CT_ERR_REQUEST_REUSED,
                          "request %s was a different create; use a new request id", request_id);
    } else if (json_is_true(json_object_get(doc, "ok"))) {
        *data = json_deep_copy(json_object_get(doc, "data"));
        json_object_set_new(*data, "repeated", json_true());
        rc = *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    } else {
        json_t *e = json_object_get(doc, "error");
        const char *code = json_string_value(json_object_get(e, "code"));
        const char *message = json_string_value(json_object_get(e, "message"));
        rc = ct_error_set(err, ct_err_from_code(code != NULL ? code : ""),
                          "first attempt of request %s: %s", request_id,
                          message != NULL ? message : "failed");
    }
    json_decref(doc);
    return rc;
}

void outcome_record(const char *state_dir, const char *request_id, const char *owner,
                    const char *digest, json_t *data, const struct ct_error *failure)
{
    char dir[PATH_MAX];
    char path[PATH_MAX];
    char when[32];
    timefmt_rfc3339(time(NULL), when, sizeof(when));
    snprintf(dir, sizeof(dir), "%s/requests", state_dir);
    path_of(state_dir, owner, request_id, path, sizeof(path));
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        log_error("cannot create %s: %s", dir, strerror(errno));
        return;
    }
    json_t *doc = json_pack("{s:i, s:s, s:s, s:s, s:b}", "v", 1, "owner", owner, "digest", digest,
                            "finished", when, "ok", failure == NULL);
    if (doc == NULL) {
        return;
    }
    if (failure == NULL) {
        json_t *copy = json_deep_copy(data);
        json_object_del(copy, "root_password"); /* shown once, never stored */
        json_object_set_new(doc, "data", copy);
    } else {
        char message[CT_ERROR_DETAIL_MAX + 128];
        ct_error_format(failure, message, sizeof(message));
        json_object_set_new(doc, "error",
                            json_pack("{s:s, s:s, s:s?}", "code", ct_err_code(failure->code),
                                      "message", message, "step", failure->step));
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    struct ct_error err = {0};
    /* Created, never replaced: the first outcome stays; a second writer of one id cannot. */
    enum ct_err rc = text != NULL ? atomicfile_write_new(path, text, strlen(text), 0600, &err)
                                  : ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
    if (rc != CT_OK && rc != CT_ERR_NOT_ALLOWED) {
        log_error("cannot record the outcome of request %s: %s", request_id, err.detail);
    }
    json_secure_free_text(text);
    json_decref(doc);
}

/* A name outcome_record() writes (OWNER.ID.json, older ID.json) or its OWNER.ID.json.PID.tmp. */
static bool outcome_file(const char *name)
{
    size_t len = strlen(name);
    return (len > 5 && strcmp(name + len - 5, ".json") == 0) ||
           (len > 4 && strcmp(name + len - 4, ".tmp") == 0);
}

enum ct_err outcome_prune(const char *state_dir, long long keep_s, time_t now, bool dry_run,
                          size_t *count, struct ct_error *err)
{
    char dir[PATH_MAX];
    enum ct_err rc = CT_OK;
    *count = 0;
    if (keep_s <= 0) {
        return CT_OK;
    }
    snprintf(dir, sizeof(dir), "%s/requests", state_dir);
    DIR *d = opendir(dir);
    if (d == NULL) {
        return errno == ENOENT ? CT_OK
                               : ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s: %s", dir,
                                              strerror(errno));
    }
    const struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (!outcome_file(e->d_name) ||
            fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            difftime(now, st.st_mtime) < (double)keep_s) {
            continue;
        }
        if (!dry_run && unlinkat(dirfd(d), e->d_name, 0) != 0) {
            rc = ct_error_set(err, CT_ERR_INTERNAL, "cannot remove %s/%s: %s", dir, e->d_name,
                              strerror(errno));
            continue;
        }
        (*count)++;
    }
    closedir(d);
    return rc;
}
