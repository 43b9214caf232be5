/* deploy.c - see deploy.h. */
#include "deploy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <sodium.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend.h"
#include "clock.h"
#include "agent-config.h"
#include "deploy-config.h"
#include "deploy-env.h"
#include "deploy-run.h"
#include "deploy-validate.h"
#include "ops.h"
#include "proto.h"
#include "repo-policy.h"
#include "repo-url.h"
#include "request.h"
#include "strcopy.h"

#define APP_ENV_FILE "/etc/ctgate/app.env"
#define APP_START_FILE "/etc/ctgate/app-start"
#define APP_UNIT_FILE "/etc/systemd/system/ctgate-app.service"
#define APP_UNIT "ctgate-app.service"
/* The app's variables for the owner's install and build commands, quoted for sh (and systemd). */
#define ENV_FILE "/run/ctgate-deploy-env"
/* A service's set-up command, quoted for sh: its words may hold the service's password. */
#define SETUP_FILE "/run/ctgate-deploy-setup"
#define FILE_MAX ((size_t)256 * 1024)

static const char *param(const struct request *req, enum ct_param_id id)
{
    return req->param[id].set ? req->param[id].text : NULL;
}

/* err's detail is about the user's own request: theirs to see.  Returns code. */
static enum ct_err theirs(struct ct_error *err, enum ct_err code)
{
    err->detail_public = true;
    return code;
}

enum ct_err deploy_check_source(const struct deploy_config *d, const char *repo,
                                const char *address, struct ct_error *err)
{
    char host[REPO_HOST_MAX + 1];
    if (!d->enabled) {
        return theirs(err, ct_error_set(err, CT_ERR_NOT_ALLOWED, "%s",
                                        "this agent does not deploy repositories"));
    }
    /* The gateway checked both; the agent's own lists decide again. */
    enum ct_err rc = repo_url_check_syntax(repo, &d->policy, host, sizeof(host), err);
    if (rc != CT_OK) {
        return theirs(err, rc);
    }
    if (repo_address_text_refused(address, &d->policy)) {
        return theirs(err, ct_error_set(err, CT_ERR_NOT_ALLOWED,
                                        "repository URL refused: %s is an address containers may "
                                        "not fetch from",
                                        address));
    }
    return CT_OK;
}

enum ct_err deploy_check(const struct agent_ctx *a, const struct request *req,
                         const struct template_def *tmpl, struct ct_error *err)
{
    const char *repo = param(req, CT_P_REPO);
    static const enum ct_param_id needs_repo[] = {CT_P_BRANCH, CT_P_APP_ROOT, CT_P_INSTALL,
                                                  CT_P_BUILD,  CT_P_START,    CT_P_ENV,
                                                  CT_P_SERVICES, CT_P_RUNTIME};
    if (repo == NULL) {
        for (size_t i = 0; i < sizeof(needs_repo) / sizeof(needs_repo[0]); i++) {
            if (req->param[needs_repo[i]].set) {
                return theirs(err, ct_error_set(err, CT_ERR_BAD_REQUEST, "%s needs a repository (repo)",
                              ct_params[needs_repo[i]].wire));
            }
        }
        return CT_OK;
    }
    enum ct_err rc = deploy_check_source(&a->cfg->deploy, repo, req->repo_address, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (!req->param[CT_P_BRANCH].set) {
        return theirs(err, ct_error_set(err, CT_ERR_BAD_REQUEST, "%s", "missing field 'branch'"));
    }
    const char *runtime = param(req, CT_P_RUNTIME);
    if (runtime != NULL) {
        bool offered = false;
        for (size_t i = 0; i < tmpl->nruntimes; i++) {
            offered |= strcmp(tmpl->runtimes[i], runtime) == 0;
        }
        if (!offered) {
            return theirs(err, ct_error_set(err, CT_ERR_BAD_VALUE, "template does not offer runtime %s (see: templates)",
                          runtime));
        }
    }
    const struct ct_param_value *services = &req->param[CT_P_SERVICES];
    for (size_t i = 0; i < services->nitems; i++) {
        if (agent_config_service(a->cfg, tmpl, services->items[i]) == NULL) {
            return theirs(err, ct_error_set(err, CT_ERR_BAD_VALUE,
                                            "template does not offer service %s (see: templates)",
                                            services->items[i]));
        }
    }
    /* Keys once each, a bounded total, values systemd can read back. */
    const struct ct_param_value *env = &req->param[CT_P_ENV];
    if ((rc = deploy_env_check(env->items, env->nitems, err)) != CT_OK) {
        return theirs(err, rc);
    }
    return CT_OK;
}

/* A strdup'd copy of s appended to d->env (sized by the caller). */
static bool add_env(struct deploy_ctx *d, const char *s)
{
    return (d->env[d->nenv] = strdup(s)) != NULL && ++d->nenv > 0;
}

enum ct_err deploy_setup(struct deploy_ctx *d, struct agent_ctx *a, const struct request *req,
                         const struct template_def *tmpl, const char *home, int http_port,
                         struct ct_error *err)
{
    const struct ct_param_value *env = &req->param[CT_P_ENV];
    const struct ct_param_value *services = &req->param[CT_P_SERVICES];
    *d = (struct deploy_ctx){.agent = a,
                             .name = req->hostname,
                             .owner = req->caller.uid,
                             .http_port = http_port,
                             .wait_http = req->param[CT_P_HTTP_PORT].set};
    str_copy(d->home, sizeof(d->home), home);
    if (!req->param[CT_P_REPO].set) {
        return CT_OK;
    }
    d->phase = "deploy";
    d->repo = param(req, CT_P_REPO);
    d->repo_address = req->repo_address;
    d->branch = param(req, CT_P_BRANCH);
    d->root = param(req, CT_P_APP_ROOT);
    d->install = param(req, CT_P_INSTALL);
    d->build = param(req, CT_P_BUILD);
    d->start = param(req, CT_P_START);
    str_copy(d->release_name, sizeof(d->release_name), "1");
    /* Each service with a password of its own, made for this create. */
    for (size_t i = 0; i < services->nitems && i < CT_SERVICES_MAX; i++) {
        char password[SERVICE_PASSWORD_LEN + 1];
        services_password(password);
        const struct service_values v = {password, req->hostname, req->caller.uid};
        enum ct_err rc = services_expand(agent_config_service(a->cfg, tmpl, services->items[i]), &v,
                                         &d->svc[i], err);
        sodium_memzero(password, sizeof(password));
        if (rc != CT_OK) {
            return rc;
        }
        d->nservices = i + 1;
    }
    char **merged = NULL;
    size_t nmerged = 0;
    enum ct_err rc = deploy_env_merge(env->items, env->nitems, d->svc, d->nservices, &merged,
                                      &nmerged, err);
    if (rc != CT_OK) {
        return theirs(err, rc);
    }
    d->env = calloc(nmerged + 2, sizeof(*d->env));
    bool port_given = false;
    bool ok = d->env != NULL;
    for (size_t i = 0; ok && i < nmerged; i++) {
        port_given |= strncmp(merged[i], "PORT=", 5) == 0;
        ok = add_env(d, merged[i]);
    }
    free(merged); /* its strings are the request's and the services' */
    if (ok && !port_given) { /* as Heroku and Dokku tell an app where to listen */
        char port[24];
        snprintf(port, sizeof(port), "PORT=%d", http_port);
        ok = add_env(d, port);
    }
    return ok ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}

/* --- inside the container -------------------------------------------------- */

enum ct_err deploy_exec_root(struct deploy_ctx *d, const char *const *argv, const char *what,
                            struct ct_error *err)
{
    struct backend_exec ex = {.argv = argv};
    struct agent_ctx *a = d->agent;
    enum ct_err rc = a->backend->exec(a->handle, d->name, &ex, err);
    if (rc == CT_OK && ex.exit_status != 0) {
        ct_error_set(err, CT_ERR_DEPLOY, "%s (%s exited with %d%s%s)", what, argv[0],
                     ex.exit_status, ex.stderr_excerpt[0] ? ": " : "", ex.stderr_excerpt);
        err->detail_public = true; /* a program's words in the user's own container */
        rc = CT_ERR_DEPLOY;
    }
    return rc;
}

static enum ct_err push(struct deploy_ctx *d, const char *path, const void *data, size_t len,
                        int mode, long long uid, long long gid, struct ct_error *err)
{
    struct backend_file f = {path, data, len, mode, uid, gid};
    return d->agent->backend->push_file(d->agent->handle, d->name, &f, err);
}

static void remove_file(struct deploy_ctx *d, const char *path)
{
    const char *const rm[] = {"rm", "-f", "--", path, NULL};
    struct backend_exec ex = {.argv = rm};
    struct ct_error ignored = {0};
    d->agent->backend->exec(d->agent->handle, d->name, &ex, &ignored);
}

/* The owner's uid and gid as the container's /etc/passwd has them (the account step made it). */
static enum ct_err find_account(struct deploy_ctx *d, struct ct_error *err)
{
    struct buf text;
    buf_init(&text, FILE_MAX);
    enum ct_err rc = d->agent->backend->read_file(d->agent->handle, d->name, "/etc/passwd", &text,
                                                  err);
    d->uid = d->gid = -1;
    size_t ol = strlen(d->owner);
    for (size_t i = 0; rc == CT_OK && text.data != NULL && i < text.len;) {
        const char *line = text.data + i;
        size_t n = strcspn(line, "\n");
        if (n > ol && strncmp(line, d->owner, ol) == 0 && line[ol] == ':') {
            /* NAME:PASSWORD:UID:GID:... (the container's: parsed, not believed blindly) */
            const char *p = memchr(line + ol + 1, ':', n - ol - 1);
            char *end = NULL;
            long long uid = p != NULL ? strtoll(p + 1, &end, 10) : -1;
            long long gid = end != NULL && *end == ':' ? strtoll(end + 1, &end, 10) : -1;
            if (end != NULL && *end == ':' && uid > 0 && gid > 0 && uid < 4294967295LL &&
                gid < 4294967295LL) {
                d->uid = uid;
                d->gid = gid;
                break;
            }
        }
        i += n + 1;
    }
    buf_free(&text);
    if (rc == CT_OK && (d->uid <= 0 || d->gid <= 0)) {
        rc = ct_error_set(err, CT_ERR_DEPLOY, "no account %s in the container", d->owner);
        err->detail_public = true;
    }
    return rc;
}

/* The environment of the user's commands: the account's, then the app's variables. */
/*
 * The environment LXD is given for the owner's commands: the account's only.
 * The app's variables never travel in an exec request (LXD puts the
 * environment on the command line of a process on the host, where any local
 * user could read the secrets): the commands read them from ENV_FILE.
 */
static void command_env(const struct deploy_ctx *d, char *home, size_t hl, char *user,
                        size_t ul, char *logname, size_t ll, const char *env[5])
{
    snprintf(home, hl, "HOME=%s", d->home);
    snprintf(user, ul, "USER=%s", d->owner);
    snprintf(logname, ll, "LOGNAME=%s", d->owner);
    env[0] = home;
    env[1] = user;
    env[2] = logname;
    env[3] = "GIT_TERMINAL_PROMPT=0";
    env[4] = NULL;
}

/* "PHASE:what" in d->step: the progress step of this part of a deploy or redeploy. */
static const char *step_of(struct deploy_ctx *d, const char *what)
{
    snprintf(d->step, sizeof(d->step), "%s:%s", d->phase, what);
    return d->step;
}

/* A user's command line through the container's /bin/sh, as the owner, streamed. */
static enum ct_err run_user(struct deploy_ctx *d, const char *step, const char *label,
                            const char *const *argv, const char *cwd, struct ct_error *err)
{
    char home[96], user[64], logname[64], log[224];
    const char *env[5];
    command_env(d, home, sizeof(home), user, sizeof(user), logname, sizeof(logname), env);
    snprintf(log, sizeof(log), "%s/logs/%s.log", d->agent->cfg->deploy.app_dir, label);
    struct deploy_run r = {.agent = d->agent,
                           .name = d->name,
                           .step = step,
                           .argv = argv,
                           .env = env,
                           .cwd = cwd,
                           .uid = d->uid,
                           .gid = d->gid,
                           .timeout_s = d->agent->cfg->deploy.command_timeout_s,
                           .log_path = log,
                           .stream = true,
                           .keepalive = true}; /* a quiet npm install outlasts idle timeouts */
    enum ct_err rc = deploy_run(&r, err);
    if (rc == CT_OK && r.exit_status != 0) {
        if (r.timed_out) {
            ct_error_set(err, CT_ERR_DEPLOY, "%s did not finish within %d s", label,
                         r.timeout_s);
        } else {
            ct_error_set(err, CT_ERR_DEPLOY, "%s exited with %d%s%s", label, r.exit_status,
                         r.ntail > 0 ? ": " : "",
                         r.ntail > 0 ? r.tail[(r.tail_next + DEPLOY_TAIL_LINES - 1) %
                                              DEPLOY_TAIL_LINES]
                                     : "");
        }
        err->detail_public = true;
        rc = CT_ERR_DEPLOY;
    }
    return rc;
}

enum ct_err deploy_exec_user(struct deploy_ctx *d, const char *const *argv, int *status,
                             struct ct_error *err)
{
    struct backend_exec ex = {.argv = argv, .uid = d->uid, .gid = d->gid};
    enum ct_err rc = d->agent->backend->exec(d->agent->handle, d->name, &ex, err);
    *status = ex.exit_status;
    return rc;
}

enum ct_err deploy_fetch(struct deploy_ctx *d, struct ct_error *err)
{
    const struct deploy_config *cfg = &d->agent->cfg->deploy;
    char uid[24], gid[24], releases[160], logs[160], resolve[400], host[256];
    enum ct_err rc;
    int status = 0;
    if ((rc = find_account(d, err)) != CT_OK) {
        return rc;
    }
    snprintf(uid, sizeof(uid), "%lld", d->uid);
    snprintf(gid, sizeof(gid), "%lld", d->gid);
    snprintf(releases, sizeof(releases), "%s/releases", cfg->app_dir);
    snprintf(logs, sizeof(logs), "%s/logs", cfg->app_dir);
    snprintf(d->release, sizeof(d->release), "%s/releases/%s", cfg->app_dir, d->release_name);
    const char *const mkdirs[] = {"install", "-d", "-o", uid, "-g", gid, "-m", "0755", "--",
                                  cfg->app_dir, releases, logs, NULL};
    if ((rc = deploy_exec_root(d, mkdirs, "cannot make the app's directory", err)) != CT_OK) {
        return rc;
    }
    /* Pinned to the address the gateway checked: no second DNS answer, no redirect. */
    if ((rc = repo_url_check_syntax(d->repo, &cfg->policy, host, sizeof(host), err)) != CT_OK) {
        return rc; /* deploy_check_source accepted it: cannot happen */
    }
    bool v6 = strchr(d->repo_address, ':') != NULL;
    snprintf(resolve, sizeof(resolve), "http.curloptResolve=%s:443:%s%s%s", host, v6 ? "[" : "",
             d->repo_address, v6 ? "]" : "");
    const char *const clone[] = {"git", "-c", resolve, "-c", "http.followRedirects=false",
                                 "-c", "protocol.allow=never", "-c", "protocol.https.allow=always",
                                 "clone", "--depth", "1", "--single-branch", "--no-tags",
                                 "--branch", d->branch, "--", d->repo, d->release, NULL};
    if ((rc = run_user(d, step_of(d, "clone"), "clone", clone, cfg->app_dir, err)) != CT_OK) {
        return rc;
    }
    /* The app's directory must be in the clone, a directory, and not leave it. */
    snprintf(d->workdir, sizeof(d->workdir), "%s%s%s", d->release, d->root ? "/" : "",
             d->root ? d->root : "");
    const char *const check[] = {"test", "-d", d->workdir, "-a", "!", "-L", d->workdir, NULL};
    if ((rc = deploy_exec_user(d, check, &status, err)) != CT_OK) {
        return rc;
    }
    if (status != 0) {
        return theirs(err, ct_error_set(err, CT_ERR_DEPLOY,
                                        "the repository has no directory %s (--root)",
                                        d->root != NULL ? d->root : "."));
    }
    /* .env byte for byte; a .env the repository carries (a link, say) is replaced. */
    char dotenv_path[480];
    snprintf(dotenv_path, sizeof(dotenv_path), "%s/.env", d->workdir);
    const char *const rm[] = {"rm", "-f", "--", dotenv_path, NULL};
    if ((rc = deploy_exec_user(d, rm, &status, err)) != CT_OK) {
        return rc;
    }
    struct buf dotenv;
    buf_init(&dotenv, DEPLOY_ENV_FILE_MAX);
    if (d->dotenv == NULL &&
        (rc = deploy_env_render_dotenv(d->env, d->nenv, &dotenv, err)) != CT_OK) {
        buf_free(&dotenv);
        return rc;
    }
    const char *bytes = d->dotenv != NULL ? d->dotenv : dotenv.data != NULL ? dotenv.data : "";
    size_t len = d->dotenv != NULL ? d->dotenv_len : dotenv.len;
    rc = push(d, dotenv_path, bytes, len, 0600, d->uid, d->gid, err);
    if (dotenv.data != NULL) {
        sodium_memzero(dotenv.data, dotenv.len); /* the values may be secrets */
    }
    buf_free(&dotenv);
    return rc;
}

/* create: the first release, and current pointing at it. */
static enum ct_err step_clone(struct deploy_ctx *d, struct ct_error *err)
{
    char current[160];
    int status = 0;
    enum ct_err rc = deploy_fetch(d, err);
    snprintf(current, sizeof(current), "%s/current", d->agent->cfg->deploy.app_dir);
    const char *const link[] = {"ln", "-sfn", "--", "releases/1", current, NULL};
    if (rc == CT_OK && (rc = deploy_exec_user(d, link, &status, err)) == CT_OK && status != 0) {
        rc = theirs(err, ct_error_set(err, CT_ERR_DEPLOY, "cannot link %s", current));
    }
    if (rc == CT_OK) {
        /* From here on the unit and the commands find the app at current/ROOT. */
        snprintf(d->workdir, sizeof(d->workdir), "%s%s%s", current, d->root ? "/" : "",
                 d->root ? d->root : "");
    }
    return rc;
}

/* word in single quotes for sh, each ' as '\'' */
static int append_sh_word(struct buf *out, const char *word)
{
    int bad = buf_appendf(out, " '");
    for (const char *p = word; *p != '\0'; p++) {
        bad |= *p == '\'' ? buf_appendf(out, "'\\''") : buf_appendf(out, "%c", *p);
    }
    return bad | buf_appendf(out, "'");
}

/*
 * argv as root inside; a failure names the service and what its command
 * said.  secret: argv holds the service's password, so it goes to a
 * root-only script in the container instead of the exec request (whose
 * words LXD puts on a command line on the host).
 */
static enum ct_err service_run(struct deploy_ctx *d, const struct service_expanded *s,
                               char *const *argv, bool secret, const char *what,
                               struct ct_error *err)
{
    const char *const script[] = {"/bin/sh", SETUP_FILE, NULL};
    struct backend_exec ex = {.argv = (const char *const *)argv, .timeout_s = 120};
    enum ct_err rc = CT_OK;
    if (secret) {
        struct buf text;
        buf_init(&text, (size_t)64 * 1024);
        int bad = buf_appendf(&text, "#!/bin/sh\nexec");
        for (size_t i = 0; argv[i] != NULL; i++) {
            bad |= append_sh_word(&text, argv[i]);
        }
        bad |= buf_appendf(&text, "\n");
        rc = bad != 0 ? ct_error_set(err, CT_ERR_INTERNAL, "set-up command too long")
                      : push(d, SETUP_FILE, text.data, text.len, 0700, 0, 0, err);
        if (text.data != NULL) {
            sodium_memzero(text.data, text.len);
        }
        buf_free(&text);
        ex.argv = script;
    }
    if (rc == CT_OK) {
        rc = d->agent->backend->exec(d->agent->handle, d->name, &ex, err);
    }
    if (secret) {
        remove_file(d, SETUP_FILE);
    }
    if (rc == CT_OK && ex.exit_status != 0) {
        /* argv[0] only: the other words may hold the service's password */
        ct_error_set(err, CT_ERR_DEPLOY, "service %s: %s (%s exited with %d%s%s)", s->def->name,
                     what, argv[0], ex.exit_status, ex.stderr_excerpt[0] ? ": " : "",
                     ex.stderr_excerpt);
        err->detail_public = true;
        rc = CT_ERR_DEPLOY;
    }
    return rc;
}

/* Each service: its unit enabled and started, ready, then set up (its database, password). */
static enum ct_err step_services(struct deploy_ctx *d, struct ct_error *err)
{
    for (size_t i = 0; i < d->nservices; i++) {
        const struct service_expanded *s = &d->svc[i];
        char *start[] = {"systemctl", "enable", "--now", "--quiet", (char *)s->def->unit, NULL};
        enum ct_err rc = service_run(d, s, start, false, "did not start", err);
        long deadline = clock_now_ms() + (long)s->def->ready_timeout_s * 1000;
        while (rc == CT_OK && s->ready != NULL) {
            struct backend_exec ex = {.argv = (const char *const *)s->ready, .timeout_s = 10};
            struct ct_error why = {0};
            if (d->agent->backend->exec(d->agent->handle, d->name, &ex, &why) == CT_OK &&
                ex.exit_status == 0) {
                break;
            }
            if (clock_now_ms() > deadline) {
                rc = service_run(d, s, s->ready, false, "not ready in time", err);
                rc = rc == CT_OK ? ct_error_set(err, CT_ERR_DEPLOY, "service %s: not ready",
                                                s->def->name)
                                 : rc;
                break;
            }
            struct timespec pause = {0, 200L * 1000 * 1000};
            nanosleep(&pause, NULL);
        }
        for (size_t j = 0; rc == CT_OK && j < s->nsetup; j++) {
            rc = service_run(d, s, s->setup[j], true, "its set-up failed", err);
        }
        if (rc != CT_OK) {
            return rc;
        }
    }
    return CT_OK;
}

/* The app's variables into ENV_FILE (the owner's, 0400), as sh reads them back byte for byte. */
static enum ct_err push_env_file(struct deploy_ctx *d, struct ct_error *err)
{
    struct buf text;
    buf_init(&text, DEPLOY_ENV_FILE_MAX);
    /* systemd's quoting is sh's: '...', or "..." with only " \ ` $ escaped (deploy-env.h) */
    enum ct_err rc = deploy_env_render_systemd(d->env, d->nenv, &text, err);
    if (rc == CT_OK) {
        rc = push(d, ENV_FILE, text.data != NULL ? text.data : "", text.len, 0400, d->uid, d->gid,
                  err);
    }
    if (text.data != NULL) {
        sodium_memzero(text.data, text.len);
    }
    buf_free(&text);
    return rc;
}

enum ct_err deploy_command(struct deploy_ctx *d, const char *what, const char *command,
                           struct ct_error *err)
{
    /* A fixed line: the variables from the file, then the owner's command as its own word. */
    const char *const argv[] = {"/bin/sh", "-c", "set -a && . \"$0\" && set +a && exec /bin/sh -c \"$1\"",
                                ENV_FILE, command, NULL};
    enum ct_err rc = push_env_file(d, err);
    if (rc == CT_OK) {
        rc = run_user(d, step_of(d, what), what, argv, d->workdir, err);
    }
    remove_file(d, ENV_FILE);
    return rc;
}

static enum ct_err step_install(struct deploy_ctx *d, struct ct_error *err)
{
    return deploy_command(d, "install", d->install, err);
}

static enum ct_err step_build(struct deploy_ctx *d, struct ct_error *err)
{
    return deploy_command(d, "build", d->build, err);
}

/* The journal's last lines of the app's unit, sent as the start step's output. */
static void send_journal(struct deploy_ctx *d)
{
    /* In root's /run: the owner's logs directory could hold a link root would write through. */
    const char *log = "/run/ctgate-deploy-journal.log";
    const char *const argv[] = {"journalctl", "--no-pager", "-o", "cat", "-n", "20", "-u",
                                APP_UNIT, NULL};
    struct deploy_run r = {.agent = d->agent, .name = d->name, .step = step_of(d, "start"),
                           .argv = argv, .timeout_s = 15, .log_path = log};
    struct ct_error ignored = {0};
    if (deploy_run(&r, &ignored) == CT_OK) {
        deploy_run_send_tail(&r);
    }
}

/* Whether ipv4:port accepts a TCP connection within timeout_ms. */
static bool port_answers(const char *ipv4, int port, int timeout_ms)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, ipv4, &sa.sin_addr) != 1) {
        return false;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (!ok && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        ok = poll(&p, 1, timeout_ms) == 1 &&
             getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0;
    }
    close(fd);
    return ok;
}

static bool unit_active(struct deploy_ctx *d)
{
    const char *const argv[] = {"systemctl", "is-active", "--quiet", APP_UNIT, NULL};
    struct backend_exec ex = {.argv = argv};
    struct ct_error ignored = {0};
    return d->agent->backend->exec(d->agent->handle, d->name, &ex, &ignored) == CT_OK &&
           ex.exit_status == 0;
}

/* Ready: the HTTP port answers (with --http-port), or the unit stays up for 3 s. */
enum ct_err deploy_wait_ready(struct deploy_ctx *d, struct ct_error *err)
{
    int limit_s = d->agent->cfg->deploy.ready_timeout_s;
    long start = clock_now_ms();
    long deadline = start + (long)limit_s * 1000;
    long next_unit_check = 0;
    for (;;) {
        long now = clock_now_ms();
        if (now >= next_unit_check) {
            if (!unit_active(d)) {
                send_journal(d);
                return theirs(err, ct_error_set(err, CT_ERR_DEPLOY,
                              "the app stopped right after it started (%s; its last lines are "
                              "above)",
                              APP_UNIT));
            }
            next_unit_check = now + 1000;
        }
        if (d->wait_http ? port_answers(d->ipv4, d->http_port, 500) : now - start >= 3000) {
            return CT_OK;
        }
        if (now >= deadline) {
            send_journal(d);
            ct_error_set(err, CT_ERR_DEPLOY,
                         "the app did not answer on port %d within %d s (its last lines are "
                         "above)",
                         d->http_port, limit_s);
            err->detail_public = true;
            return CT_ERR_DEPLOY;
        }
        struct timespec pause = {0, 250L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

static enum ct_err step_start(struct deploy_ctx *d, struct ct_error *err)
{
    struct buf env, unit, start;
    buf_init(&env, FILE_MAX);
    buf_init(&unit, FILE_MAX);
    buf_init(&start, FILE_MAX);
    int bad = buf_appendf(&env, "# Written by ctgate: the app's variables, quoted for systemd.\n");
    enum ct_err rc = deploy_env_render_systemd(d->env, d->nenv, &env, err);
    if (rc != CT_OK) {
        goto out;
    }
    bad |= buf_appendf(&start, "#!/bin/sh\n# The app's start command (create --start), run by "
                               "%s as %s.\n%s\n",
                       APP_UNIT, d->owner, d->start);
    bad |= buf_appendf(&unit,
                       "# Written by ctgate: the app deployed when this container was made.\n"
                       "[Unit]\nDescription=%s's app (ctgate)\n"
                       "After=network-online.target postgresql.service redis-server.service\n"
                       "Wants=network-online.target\n\n"
                       "[Service]\nType=simple\nUser=%lld\nGroup=%lld\n"
                       "WorkingDirectory=%s\nEnvironment=HOME=%s\nEnvironmentFile=%s\n"
                       "ExecStart=/bin/sh %s\nRestart=on-failure\nRestartSec=2\n\n"
                       "[Install]\nWantedBy=multi-user.target\n",
                       d->owner, d->uid, d->gid, d->workdir, d->home, APP_ENV_FILE,
                       APP_START_FILE);
    if (bad != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "the app's files are too large");
        goto out;
    }
    const char *const mkdir[] = {"install", "-d", "-m", "0755", "/etc/ctgate", NULL};
    const char *const reload[] = {"systemctl", "daemon-reload", NULL};
    const char *const enable[] = {"systemctl", "enable", "--now", "--quiet", APP_UNIT, NULL};
    if ((rc = deploy_exec_root(d, mkdir, "cannot make /etc/ctgate", err)) != CT_OK ||
        (rc = push(d, APP_ENV_FILE, env.data, env.len, 0600, 0, 0, err)) != CT_OK ||
        (rc = push(d, APP_START_FILE, start.data, start.len, 0644, 0, 0, err)) != CT_OK ||
        (rc = push(d, APP_UNIT_FILE, unit.data, unit.len, 0644, 0, 0, err)) != CT_OK ||
        (rc = deploy_exec_root(d, reload, "systemd did not reload", err)) != CT_OK ||
        (rc = deploy_exec_root(d, enable, "the app's unit did not start", err)) != CT_OK) {
        goto out;
    }
    rc = deploy_wait_ready(d, err);
out:
    if (env.data != NULL) {
        sodium_memzero(env.data, env.len); /* the values may be secrets */
    }
    buf_free(&env);
    buf_free(&unit);
    buf_free(&start);
    return rc;
}

size_t deploy_plan(const struct deploy_ctx *d, struct deploy_step *out)
{
    size_t n = 0;
    if (d->repo == NULL) {
        return 0;
    }
    out[n++] = (struct deploy_step){"deploy:clone", step_clone};
    if (d->nservices > 0) {
        out[n++] = (struct deploy_step){"deploy:services", step_services};
    }
    if (d->install != NULL) {
        out[n++] = (struct deploy_step){"deploy:install", step_install};
    }
    if (d->build != NULL) {
        out[n++] = (struct deploy_step){"deploy:build", step_build};
    }
    if (d->start != NULL) {
        out[n++] = (struct deploy_step){"deploy:start", step_start};
    }
    return n;
}

void deploy_ctx_free(struct deploy_ctx *d)
{
    for (size_t i = 0; i < d->nservices; i++) {
        services_expanded_free(&d->svc[i]);
    }
    d->nservices = 0;
    for (size_t i = 0; i < d->nenv; i++) {
        sodium_memzero(d->env[i], strlen(d->env[i]));
    }
    for (size_t i = 0; i < d->nenv; i++) {
        free(d->env[i]);
    }
    free(d->env);
    if (d->dotenv != NULL) {
        sodium_memzero(d->dotenv, d->dotenv_len);
    }
    free(d->dotenv);
    d->env = NULL;
    d->dotenv = NULL;
    d->nenv = 0;
}
