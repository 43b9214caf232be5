/*
 * op-redeploy.c - `redeploy NAME [--branch B]`: fetch the deployed
 * repository again into a new release beside the running one, install and
 * build it there, switch APP_DIR/current to it and restart the app.  The
 * running version is left alone until the switch; if the new one does not
 * come up, current points back at the old one and it is restarted.  Every
 * part is a step (steps.h), so a failure undoes what went before and says
 * why; the old release is removed only after a success.
 *
 * What to fetch comes from the deploy record (deploy-record.h): the URL and
 * the address the gateway pinned at create, checked again against
 * deploy.allowed_hosts; --branch replaces the branch.  The variables are
 * the running release's .env, carried over byte for byte (and given to the
 * commands, each line checked as a create's --env would be).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "deploy-record.h"
#include "deploy-validate.h"
#include "deploy.h"
#include "lockfile.h"
#include "ops.h"
#include "request.h"
#include "steps.h"
#include "strcopy.h"
#include "validate.h"

struct redeploy_ctx {
    struct deploy_ctx d;
    json_t *record;
    char old_release[32];
    bool switched;
};

static const char *rec_string(json_t *rec, const char *key, bool (*ok)(const char *))
{
    const char *s = json_string_value(json_object_get(rec, key));
    return s != NULL && (ok == NULL || ok(s)) ? s : NULL;
}

static bool ok_release(const char *s)
{
    return validate_token(s, 31) && strspn(s, "0123456789") == strlen(s);
}

/* The running release's .env: its bytes for the new release, its valid lines for the commands. */
static enum ct_err carry_env(struct deploy_ctx *d, struct ct_error *err)
{
    char path[512];
    struct buf text;
    snprintf(path, sizeof(path), "%s/current%s%s/.env", d->agent->cfg->deploy.app_dir,
             d->root ? "/" : "", d->root ? d->root : "");
    buf_init(&text, (size_t)(CT_ENV_KEY_MAX + CT_ENV_VALUE_MAX + 2) * CT_ENV_MAX);
    enum ct_err rc = d->agent->backend->read_file(d->agent->handle, d->name, path, &text, err);
    if (rc == CT_ERR_NOT_FOUND) {
        buf_free(&text);
        return CT_OK; /* the owner removed it: the new release gets none */
    }
    if (rc != CT_OK) {
        buf_free(&text);
        return rc;
    }
    d->env = calloc(CT_ENV_MAX + 1, sizeof(*d->env));
    if (d->env == NULL || text.data == NULL) {
        buf_free(&text);
        return d->env == NULL ? ct_error_set(err, CT_ERR_INTERNAL, "out of memory") : CT_OK;
    }
    for (char *line = text.data; line < text.data + text.len && d->nenv < CT_ENV_MAX;) {
        char *nl = memchr(line, '\n', (size_t)(text.data + text.len - line));
        size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)(text.data + text.len - line);
        char *item = strndup(line, n);
        if (item != NULL && strlen(item) == n && validate_env_item(item)) {
            d->env[d->nenv++] = item;
        } else {
            free(item);
        }
        line += n + 1;
    }
    d->dotenv = malloc(text.len);
    if (d->dotenv != NULL) {
        memcpy(d->dotenv, text.data, text.len);
        d->dotenv_len = text.len;
    }
    sodium_memzero(text.data, text.len); /* the values may be secrets */
    buf_free(&text);
    return d->dotenv != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

static enum ct_err step_fetch(void *p, struct ct_error *err)
{
    struct redeploy_ctx *r = p;
    enum ct_err rc = carry_env(&r->d, err);
    return rc != CT_OK ? rc : deploy_fetch(&r->d, err);
}

static void undo_fetch(void *p)
{
    struct redeploy_ctx *r = p;
    int status = 0;
    struct ct_error ignored = {0};
    if (r->d.release[0] != '\0') {
        const char *const rm[] = {"rm", "-rf", "--", r->d.release, NULL};
        deploy_exec_user(&r->d, rm, &status, &ignored);
    }
}

static enum ct_err step_install(void *p, struct ct_error *err)
{
    struct redeploy_ctx *r = p;
    return r->d.install != NULL ? deploy_command(&r->d, "install", r->d.install, err) : CT_OK;
}

static enum ct_err step_build(void *p, struct ct_error *err)
{
    struct redeploy_ctx *r = p;
    return r->d.build != NULL ? deploy_command(&r->d, "build", r->d.build, err) : CT_OK;
}

/* current -> releases/NAME, replaced in one rename (as the owner). */
static enum ct_err point_current(struct redeploy_ctx *r, const char *release, struct ct_error *err)
{
    char target[64], tmp[192], current[160];
    const char *dir = r->d.agent->cfg->deploy.app_dir;
    snprintf(target, sizeof(target), "releases/%s", release);
    snprintf(tmp, sizeof(tmp), "%s/current.new", dir);
    snprintf(current, sizeof(current), "%s/current", dir);
    const char *const link[] = {"ln", "-sfn", "--", target, tmp, NULL};
    const char *const move[] = {"mv", "-fT", "--", tmp, current, NULL};
    int status = 0;
    enum ct_err rc = deploy_exec_user(&r->d, link, &status, err);
    if (rc == CT_OK && status == 0) {
        rc = deploy_exec_user(&r->d, move, &status, err);
    }
    if (rc == CT_OK && status != 0) {
        ct_error_set(err, CT_ERR_DEPLOY, "cannot point %s at %s", current, target);
        err->detail_public = true;
        rc = CT_ERR_DEPLOY;
    }
    return rc;
}

static enum ct_err restart_app(struct redeploy_ctx *r, struct ct_error *err)
{
    const char *const restart[] = {"systemctl", "restart", "ctgate-app.service", NULL};
    return deploy_exec_root(&r->d, restart, "the app did not restart", err);
}

static enum ct_err step_switch(void *p, struct ct_error *err)
{
    struct redeploy_ctx *r = p;
    enum ct_err rc = point_current(r, r->d.release_name, err);
    r->switched = rc == CT_OK;
    if (rc != CT_OK || r->d.start == NULL) {
        return rc; /* without --start there is no app to restart */
    }
    rc = restart_app(r, err);
    return rc == CT_OK ? deploy_wait_ready(&r->d, err) : rc;
}

/* The new version did not come up: the old one again, restarted. */
static void undo_switch(void *p)
{
    struct redeploy_ctx *r = p;
    struct ct_error ignored = {0};
    if (r->switched && point_current(r, r->old_release, &ignored) == CT_OK && r->d.start != NULL) {
        restart_app(r, &ignored);
    }
}

static const struct step redeploy_steps[] = {
    {"redeploy:clone", step_fetch, undo_fetch, NULL},
    {"redeploy:install", step_install, NULL, NULL},
    {"redeploy:build", step_build, NULL, NULL},
    {"redeploy:start", step_switch, undo_switch, NULL},
};

/* The redeploy's context from the record of the create, checked again. */
static enum ct_err load(struct agent_ctx *ctx, const struct request *req,
                        const struct backend_instance *inst, struct redeploy_ctx *r,
                        struct ct_error *err)
{
    enum ct_err rc = deploy_record_load(ctx->cfg->state_dir, req->hostname, &r->record, err);
    const char *rid = rc == CT_OK ? rec_string(r->record, "request_id", NULL) : NULL;
    if (rc == CT_ERR_NOT_FOUND || (rc == CT_OK && (rid == NULL || strcmp(rid, inst->request_id) != 0))) {
        ct_error_set(err, CT_ERR_NOT_FOUND, "no app was deployed in %s (create --repo)",
                     req->hostname);
        err->detail_public = true;
        return CT_ERR_NOT_FOUND;
    }
    if (rc != CT_OK) {
        return rc;
    }
    struct deploy_ctx *d = &r->d;
    d->agent = ctx;
    d->name = req->hostname;
    d->owner = inst->owner;
    d->phase = "redeploy";
    d->repo = rec_string(r->record, "repo", validate_repo_syntax);
    d->repo_address = rec_string(r->record, "repo_address", NULL);
    d->branch = req->param[CT_P_BRANCH].set ? req->param[CT_P_BRANCH].text
                                            : rec_string(r->record, "branch", validate_git_branch);
    d->root = rec_string(r->record, "root", validate_app_root);
    d->install = rec_string(r->record, "install", validate_command);
    d->build = rec_string(r->record, "build", validate_command);
    d->start = rec_string(r->record, "start", validate_command);
    d->http_port = 0;
    const char *release = rec_string(r->record, "release", ok_release);
    str_copy(r->old_release, sizeof(r->old_release), release != NULL ? release : "1");
    snprintf(d->home, sizeof(d->home), "/home/%s", inst->owner);
    if (d->repo == NULL || d->repo_address == NULL || d->branch == NULL ||
        !validate_uid(inst->owner)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "the deploy record of %s is not usable",
                            req->hostname);
    }
    return deploy_check_source(&ctx->cfg->deploy, d->repo, d->repo_address, err);
}

enum ct_err op_redeploy(struct agent_ctx *ctx, const struct request *req, json_t **data,
                        struct ct_error *err)
{
    struct backend_instance inst;
    struct redeploy_ctx r;
    memset(&r, 0, sizeof(r));
    enum ct_err rc = ops_get_own_running(ctx, req, &inst, err);
    if (rc != CT_OK) {
        return rc;
    }
    /* One redeploy of a container at a time: two would share (and remove) one old release. */
    char lock_path[4300];
    snprintf(lock_path, sizeof(lock_path), "%s/deploys/%s.lock", ctx->cfg->state_dir,
             req->hostname);
    struct ct_error why = {0};
    int lock = lockfile_acquire(lock_path, 0, &why);
    if (lock < 0) {
        /* No record (and so no deploys/ directory) says so; otherwise another one holds it. */
        if ((rc = load(ctx, req, &inst, &r, err)) == CT_OK) {
            ct_error_set(err, CT_ERR_NOT_ALLOWED,
                         "a redeploy of %s is running: try again when it has finished",
                         req->hostname);
            err->detail_public = true;
            rc = CT_ERR_NOT_ALLOWED;
        }
        json_decref(r.record);
        deploy_ctx_free(&r.d);
        return rc;
    }
    if ((rc = load(ctx, req, &inst, &r, err)) != CT_OK) {
        goto out;
    }
    /* The port it was published with: ready means it answers there again. */
    char address[48] = "";
    if (ctx->backend->wait_ipv4(ctx->handle, req->hostname, 5, address, sizeof(address), err) !=
        CT_OK) {
        goto out_rc;
    }
    r.d.ipv4 = address;
    json_t *port = json_object_get(r.record, "http_port");
    r.d.http_port = json_is_integer(port) ? (int)json_integer_value(port) : 0;
    r.d.wait_http = r.d.http_port > 0;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(r.d.release_name, sizeof(r.d.release_name), "%Y%m%d%H%M%S", &tm);
    if (strcmp(r.d.release_name, r.old_release) == 0) {
        rc = ct_error_set(err, CT_ERR_RATE_LIMITED, "a redeploy of %s ran this very second",
                          req->hostname);
        goto out;
    }
    rc = ops_run_steps(ctx, redeploy_steps, sizeof(redeploy_steps) / sizeof(redeploy_steps[0]),
                       &r, err);
    if (rc != CT_OK) {
        goto out;
    }
    /* The new release runs: remember it, and drop the old one. */
    int status = 0;
    struct ct_error ignored = {0};
    char old[192];
    snprintf(old, sizeof(old), "%s/releases/%s", ctx->cfg->deploy.app_dir, r.old_release);
    const char *const rm[] = {"rm", "-rf", "--", old, NULL};
    deploy_exec_user(&r.d, rm, &status, &ignored);
    /* The answer first: r.d's strings point into the record, which the update changes. */
    *data = json_pack("{s:s, s:s, s:s, s:s}", "name", req->hostname, "release", r.d.release_name,
                      "repo", r.d.repo, "branch", r.d.branch);
    rc = *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    if (rc == CT_OK) {
        json_object_set_new(r.record, "release", json_string(r.d.release_name));
        json_object_set(r.record, "branch", json_object_get(*data, "branch"));
        deploy_record_update(ctx->cfg->state_dir, req->hostname, r.record, &ignored);
    }
    goto out;
out_rc:
    rc = err->code;
out:
    json_decref(r.record);
    deploy_ctx_free(&r.d);
    close(lock);
    return rc;
}
