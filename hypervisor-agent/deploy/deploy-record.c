/* deploy-record.c - see deploy-record.h. */
#include "deploy-record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "buf.h"
#include "json-secure.h"
#include "request.h"

#define RECORD_MAX ((size_t)64 * 1024)

static void record_path(const char *state_dir, const char *name, char *out, size_t len)
{
    snprintf(out, len, "%s/deploys/%s.json", state_dir, name);
}

enum ct_err deploy_record_save(const char *state_dir, const struct request *req,
                               const char *request_id, struct ct_error *err)
{
    static const enum ct_param_id kept[] = {CT_P_REPO,  CT_P_BRANCH, CT_P_APP_ROOT,
                                            CT_P_INSTALL, CT_P_BUILD, CT_P_START};
    char dir[4200];
    snprintf(dir, sizeof(dir), "%s/deploys", state_dir);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot make %s", dir);
    }
    json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "name", req->hostname, "request_id",
                            request_id, "repo_address", req->repo_address, "release", "1");
    if (rec != NULL && req->param[CT_P_HTTP_PORT].set) { /* ready means it answers there */
        json_object_set_new(rec, "http_port", json_integer(req->param[CT_P_HTTP_PORT].number));
    }
    for (size_t i = 0; rec != NULL && i < sizeof(kept) / sizeof(kept[0]); i++) {
        const struct ct_param_value *v = &req->param[kept[i]];
        if (v->set) {
            json_object_set_new(rec, ct_params[kept[i]].wire, json_string(v->text));
        }
    }
    enum ct_err rc = rec != NULL ? deploy_record_update(state_dir, req->hostname, rec, err)
                                 : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    json_decref(rec);
    return rc;
}

enum ct_err deploy_record_update(const char *state_dir, const char *name, json_t *rec,
                                 struct ct_error *err)
{
    char path[4300];
    char *text = json_dumps(rec, JSON_COMPACT);
    if (text == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    record_path(state_dir, name, path, sizeof(path));
    enum ct_err rc = atomicfile_write(path, text, strlen(text), 0600, err);
    json_secure_free_text(text); /* jansson's allocator made it */
    return rc;
}

enum ct_err deploy_record_load(const char *state_dir, const char *name, json_t **out,
                               struct ct_error *err)
{
    char path[4300];
    struct buf text;
    record_path(state_dir, name, path, sizeof(path));
    buf_init(&text, RECORD_MAX);
    int rd = buf_read_file(&text, path);
    if (rd == -ENOENT) {
        buf_free(&text);
        return ct_error_set(err, CT_ERR_NOT_FOUND, "%s", name);
    }
    json_error_t jerr;
    *out = rd == 0 && text.data != NULL ? json_loadb(text.data, text.len, 0, &jerr) : NULL;
    buf_free(&text);
    if (!json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot read %s", path);
    }
    return CT_OK;
}

void deploy_record_remove(const char *state_dir, const char *name)
{
    char path[4300];
    record_path(state_dir, name, path, sizeof(path));
    unlink(path);
    snprintf(path, sizeof(path), "%s/deploys/%s.lock", state_dir, name); /* op-redeploy.c's */
    unlink(path);
}
