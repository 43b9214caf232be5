/* template-build.c - see template-build.h. */
#include "template-build.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "atomicfile.h"
#include "audit.h"
#include "buf.h"
#include "clock.h"
#include "json-secure.h"
#include "run.h"
#include "strcopy.h"
#include "template-recipe.h"
#include "template-rootfs.h"
#include "timefmt.h"

#define PACKAGES_FILE_MAX ((size_t)1024 * 1024)

struct build {
    const struct agent_ctx *agent;
    const struct template_def *tmpl;
    const struct template_recipe *recipe;
    bool force;
    char arch[65];
    char host_sources[PATH_MAX]; /* when the recipe has no mirror */
    char inputs[TEMPLATE_INPUTS_HEX];
    char built[32];
    char package[PATH_MAX];  /* the backend's image file in the cache */
    char packages[PATH_MAX]; /* its package list (JSON) next to it */
    char workdir[PATH_MAX];  /* "" until made */
    const char *source;      /* "reused", "cache" or "built" */
    json_t *versions;        /* installed packages and versions; NULL when unknown */
    json_t *steps;
    struct backend_image image;
    char who[64];
};

int template_build_failed(const char *step, const char *subject, const struct ct_error *err)
{
    (void)step;
    (void)subject;
    fprintf(stderr, "ctgate-agent template build: %s\n", err->detail);
    return ct_err_exit(err->code != CT_OK ? err->code : CT_ERR_INTERNAL);
}

/* Who ran it: the person behind sudo when there is one, else the real user. */
static void invoking_user(char *out, size_t len)
{
    const char *sudo_user = getenv("SUDO_USER");
    struct passwd *pw = getpwuid(getuid());
    if (sudo_user != NULL && validate_uid(sudo_user) && str_copy(out, len, sudo_user)) {
        return;
    }
    if (pw == NULL || !str_copy(out, len, pw->pw_name)) {
        snprintf(out, len, "uid-%lu", (unsigned long)getuid());
    }
}

/* A step's outcome for the record; a failed one is also named in err (the record's result.step). */
static void step_done(struct build *b, const char *name, enum ct_err rc, struct ct_error *err,
                      long since_ms)
{
    const char *state = rc == CT_OK ? "done" : "fail";
    if (rc != CT_OK) {
        err->step = name;
    }
    json_array_append_new(b->steps, json_pack("{s:s, s:s, s:I}", "step", name, "state", state, "ms",
                                              (json_int_t)(clock_now_ms() - since_ms)));
}

/*
 * mkdir -p, mode 0755 for what it makes: apt downloads as the _apt user,
 * which must reach the rootfs below it (nothing in it is secret before
 * a container exists).
 */
static enum ct_err make_dirs(const char *path, struct ct_error *err)
{
    char partial[PATH_MAX];
    if (!str_copy(partial, sizeof(partial), path)) {
        return ct_error_set(err, CT_ERR_CONFIG, "template_cache too long");
    }
    for (char *p = partial + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            if (mkdir(partial, 0755) != 0 && errno != EEXIST) {
                return ct_error_set(err, CT_ERR_INTERNAL, "cannot make %s: %s", partial,
                                    strerror(errno));
            }
            *p = saved;
            if (saved == '\0') {
                return CT_OK;
            }
        }
    }
}

/*
 * On a failed bootstrap, the first "E: " line of mmdebstrap's log (apt's own
 * reason, "E: Unable to locate package foo") replaces run_argv's excerpt,
 * which is only mmdebstrap's summary.
 */
static void explain_failure(const char *log, struct ct_error *err)
{
    char line[160];
    FILE *f = fopen(log, "re");
    if (f == NULL) {
        return;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, "E: ", 3) == 0) {
            line[strcspn(line, "\n")] = '\0';
            for (char *p = line; *p != '\0'; p++) {
                if ((unsigned char)*p < ' ' || (unsigned char)*p > '~') {
                    *p = '?';
                }
            }
            ct_error_set(err, err->code, "mmdebstrap failed: %s", line + 3);
            break;
        }
    }
    fclose(f);
}

/* mmdebstrap: the recipe's suite and packages into workdir/rootfs, its log in workdir. */
static enum ct_err bootstrap(struct build *b, struct ct_error *err)
{
    char rootfs[PATH_MAX];
    char log[PATH_MAX];
    char logopt[PATH_MAX + 16];
    size_t len = strlen("--include=") + 1;
    for (size_t i = 0; i < b->recipe->npackages; i++) {
        len += strlen(b->recipe->packages[i]) + 1;
    }
    char *include = malloc(len);
    if (include == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    size_t used = (size_t)snprintf(include, len, "--include=");
    for (size_t i = 0; i < b->recipe->npackages; i++) {
        used += (size_t)snprintf(include + used, len - used, "%s%s", i > 0 ? "," : "",
                                 b->recipe->packages[i]);
    }
    if ((size_t)snprintf(rootfs, sizeof(rootfs), "%s/rootfs", b->workdir) >= sizeof(rootfs) ||
        (size_t)snprintf(log, sizeof(log), "%s/mmdebstrap.log", b->workdir) >= sizeof(log)) {
        free(include);
        return ct_error_set(err, CT_ERR_INTERNAL, "path too long");
    }
    snprintf(logopt, sizeof(logopt), "--logfile=%s", log);
    /* A mirror URL, or the host's sources file, which mmdebstrap copies into the rootfs. */
    const char *mirror = b->recipe->mirror[0] != '\0' ? b->recipe->mirror : b->host_sources;
    char *argv[] = {"/usr/bin/mmdebstrap",
                    logopt,
                    "--mode=root",
                    "--variant=apt",
                    "--format=directory",
                    include,
                    (char *)b->recipe->suite,
                    rootfs,
                    (char *)mirror,
                    NULL};
    printf("template %s: bootstrapping Debian %s with %zu packages (mmdebstrap)\n", b->tmpl->name,
           b->recipe->suite, b->recipe->npackages);
    fflush(stdout);
    enum ct_err rc = run_argv(argv, b->agent->cfg->build_timeout_s, err);
    if (rc == CT_ERR_BACKEND) {
        explain_failure(log, err);
    }
    free(include);
    return rc;
}

/* Bootstrap, prepare and list the packages of a new rootfs in a fresh work directory. */
static enum ct_err make_rootfs(struct build *b, struct ct_error *err)
{
    char rootfs[PATH_MAX];
    long t = clock_now_ms();
    int n =
        snprintf(b->workdir, sizeof(b->workdir), "%s/build-XXXXXX", b->agent->cfg->template_cache);
    if (n < 0 || (size_t)n >= sizeof(b->workdir) || mkdtemp(b->workdir) == NULL) {
        enum ct_err rc =
            ct_error_set(err, CT_ERR_INTERNAL, "cannot make %s: %s", b->workdir, strerror(errno));
        b->workdir[0] = '\0';
        return rc;
    }
    if (chmod(b->workdir, 0755) != 0) { /* mkdtemp's 0700 would keep _apt out */
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot chmod %s: %s", b->workdir,
                            strerror(errno));
    }
    enum ct_err rc = bootstrap(b, err);
    step_done(b, "bootstrap", rc, err, t);
    if (rc != CT_OK) {
        return rc;
    }
    t = clock_now_ms();
    if ((size_t)snprintf(rootfs, sizeof(rootfs), "%s/rootfs", b->workdir) >= sizeof(rootfs)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "path too long");
    }
    rc = template_rootfs_prepare(rootfs, b->recipe, b->agent->cfg->build_timeout_s, err);
    if (rc == CT_OK && (b->versions = template_rootfs_packages(rootfs, err)) == NULL) {
        rc = err->code;
    }
    if (rc == CT_OK) {
        char *text = json_dumps(b->versions, JSON_COMPACT | JSON_SORT_KEYS);
        rc = text != NULL ? atomicfile_write(b->packages, text, strlen(text), 0600, err)
                          : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        json_secure_free_text(text);
    }
    step_done(b, "customize", rc, err, t);
    return rc;
}

static void remove_workdir(struct build *b)
{
    if (b->workdir[0] != '\0') {
        struct ct_error ignored = {0};
        char *argv[] = {"/bin/rm", "-rf", "--one-file-system", "--", b->workdir, NULL};
        if (run_argv(argv, 600, &ignored) != CT_OK) {
            fprintf(stderr, "ctgate-agent template build: could not remove %s: %s\n", b->workdir,
                    ignored.detail);
        }
        b->workdir[0] = '\0';
    }
}

/* The package list a cached image was built with (written next to it by make_rootfs). */
static void load_cached_versions(struct build *b)
{
    struct buf text;
    buf_init(&text, PACKAGES_FILE_MAX);
    if (buf_read_file(&text, b->packages) == 0 && text.data != NULL) {
        b->versions = json_loadb(text.data, text.len, 0, NULL);
    }
    buf_free(&text);
}

static enum ct_err import(struct build *b, struct ct_error *err)
{
    long t = clock_now_ms();
    struct backend_image_source src = {
        .workdir = b->workdir[0] != '\0' ? b->workdir : NULL,
        .package = b->package,
        .template_name = b->tmpl->name,
        .suite = b->recipe->suite,
        .inputs = b->inputs,
        .built = b->built,
        .timeout_s = b->agent->cfg->build_timeout_s,
    };
    printf("template %s: importing into %s as %s\n", b->tmpl->name, b->agent->backend->name,
           b->tmpl->image);
    fflush(stdout);
    enum ct_err rc =
        b->agent->backend->import_image(b->agent->handle, b->tmpl->image, &src, &b->image, err);
    step_done(b, "import", rc, err, t);
    return rc;
}

/* Everything up to the audit record. */
static enum ct_err build(struct build *b, struct ct_error *err)
{
    const struct agent_config *cfg = b->agent->cfg;
    struct utsname u;
    bool can = false;
    enum ct_err rc;

    if (geteuid() != 0) {
        return ct_error_set(err, CT_ERR_NOT_ALLOWED, "must run as root (mmdebstrap, chroot)");
    }
    if ((rc = backend_can(b->agent->backend, b->agent->handle, BACKEND_CAN_IMPORT_IMAGE, &can,
                          err)) != CT_OK) {
        return rc;
    }
    if (!can) {
        return ct_error_set(err, CT_ERR_NOT_ALLOWED, "backend %s cannot import images",
                            b->agent->backend->name);
    }
    if (uname(&u) != 0 || !str_copy(b->arch, sizeof(b->arch), u.machine)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "uname: %s", strerror(errno));
    }
    if (b->recipe->mirror[0] == '\0' &&
        (rc = template_host_sources(b->recipe->suite, b->host_sources, sizeof(b->host_sources),
                                    err)) != CT_OK) {
        return rc;
    }
    if ((rc = template_recipe_hash(b->recipe, b->arch, b->host_sources, b->inputs, err)) != CT_OK) {
        return rc;
    }
    struct ct_error none = {0};
    rc = b->agent->backend->image_info(b->agent->handle, b->tmpl->image, &b->image, &none);
    if (rc != CT_OK && rc != CT_ERR_NOT_FOUND) {
        *err = none;
        return rc;
    }
    if (rc == CT_OK && strcmp(b->image.inputs, b->inputs) == 0 && !b->force) {
        b->source = "reused";
        return CT_OK;
    }
    if ((rc = make_dirs(cfg->template_cache, err)) != CT_OK) {
        return rc;
    }
    int n1 = snprintf(b->package, sizeof(b->package), "%s/%s.%s.tar", cfg->template_cache,
                      b->inputs, b->agent->backend->name);
    int n2 = snprintf(b->packages, sizeof(b->packages), "%s/%s.packages.json", cfg->template_cache,
                      b->inputs);
    if (n1 < 0 || (size_t)n1 >= sizeof(b->package) || n2 < 0 || (size_t)n2 >= sizeof(b->packages)) {
        return ct_error_set(err, CT_ERR_CONFIG, "template_cache too long");
    }
    timefmt_rfc3339(time(NULL), b->built, sizeof(b->built));
    if (access(b->package, F_OK) == 0 && !b->force) {
        b->source = "cache";
        load_cached_versions(b);
    } else {
        b->source = "built";
        unlink(b->package); /* --force: a new package */
        rc = make_rootfs(b, err);
    }
    if (rc == CT_OK) {
        rc = import(b, err);
    }
    remove_workdir(b);
    return rc;
}

/* One record of a build: its begin (before anything changes) or its result. */
struct build_record {
    const char *state_dir;
    const struct audit_who *who;
    json_t *params;
    bool begin;          /* the begin record, else the result */
    long long begin_seq; /* the result's begin; out: the begin record's number */
    enum ct_err result;
    const struct ct_error *failure;
    json_t *steps;
};

static enum ct_err write_record(struct build_record *r, struct ct_error *err)
{
    return r->begin
               ? audit_begin(r->state_dir, r->who, "template-build", r->params, &r->begin_seq, err)
               : audit_finish(r->state_dir, r->begin_seq, r->who, "template-build", r->params,
                              r->result, r->failure, r->steps, err);
}

/*
 * write_record as state_dir's owner (the agent's account): the trail's key
 * is readable by it alone, and files root made there would lock it out.
 * The child hands the begin record's number back through a pipe.
 */
static enum ct_err append_record(struct build_record *r, struct ct_error *err)
{
    struct stat st;
    int fds[2];
    if (stat(r->state_dir, &st) != 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "cannot stat %s: %s", r->state_dir,
                            strerror(errno));
    }
    if (geteuid() != 0 || st.st_uid == 0) {
        return write_record(r, err);
    }
    if (pipe2(fds, O_CLOEXEC) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "pipe: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return ct_error_set(err, CT_ERR_INTERNAL, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        struct ct_error child = {0};
        close(fds[0]);
        if (setgroups(0, NULL) != 0 || setgid(st.st_gid) != 0 || setuid(st.st_uid) != 0) {
            _exit(2);
        }
        enum ct_err rc = write_record(r, &child);
        bool sent =
            write(fds[1], &r->begin_seq, sizeof(r->begin_seq)) == (ssize_t)sizeof(r->begin_seq);
        _exit(rc == CT_OK && sent ? 0 : 1);
    }
    close(fds[1]);
    long long seq = 0;
    bool got = read(fds[0], &seq, sizeof(seq)) == (ssize_t)sizeof(seq);
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !got) {
        return ct_error_set(err, CT_ERR_INTERNAL,
                            "could not append the build record to %s/audit.log (see syslog)",
                            r->state_dir);
    }
    r->begin_seq = seq;
    return CT_OK;
}

static json_t *record_params(const struct build *b, long ms)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "template", b->tmpl->name, "image",
                          b->tmpl->image, "inputs", b->inputs, "suite", b->recipe->suite, "mirror",
                          b->recipe->mirror[0] != '\0' ? b->recipe->mirror : b->host_sources,
                          "duration_ms", (json_int_t)ms);
    if (p == NULL) {
        return NULL;
    }
    if (b->source != NULL) {
        json_object_set_new(p, "source", json_string(b->source));
    }
    if (b->image.fingerprint[0] != '\0') {
        json_object_set_new(p, "fingerprint", json_string(b->image.fingerprint));
        json_object_set_new(p, "size", json_integer(b->image.size));
    }
    json_object_set_new(p, "packages",
                        b->versions != NULL ? json_incref(b->versions) : json_null());
    return p;
}

int template_build_run(struct admin_ctx *ctx)
{
    struct ct_error err = {0};
    struct ct_error audit_err = {0};
    struct build b;
    long start = clock_now_ms();

    memset(&b, 0, sizeof(b));
    b.agent = &ctx->agent;
    b.force = admin_opt(ctx, "force") != NULL;
    b.steps = json_array();
    invoking_user(b.who, sizeof(b.who));
    b.tmpl = agent_config_template(&ctx->cfg, ctx->operand);
    if (b.tmpl == NULL) {
        fprintf(stderr, "ctgate-agent template build: no template %s in %s\n", ctx->operand,
                ctx->config_path);
        json_decref(b.steps);
        return CT_EXIT_BAD_INPUT;
    }
    b.recipe = b.tmpl->recipe;
    if (b.recipe == NULL) {
        fprintf(stderr,
                "ctgate-agent template build: template %s has no build recipe (build = { ... } "
                "in %s)\n",
                b.tmpl->name, ctx->config_path);
        json_decref(b.steps);
        return CT_EXIT_BAD_INPUT;
    }
    /* Fail closed: on record before the build changes anything (audit.h). */
    struct audit_who who = {b.who, "", ""};
    struct build_record record = {.state_dir = ctx->cfg.state_dir, .who = &who, .begin = true};
    record.params = json_pack("{s:s, s:s}", "template", b.tmpl->name, "image", b.tmpl->image);
    enum ct_err brc = record.params != NULL
                          ? append_record(&record, &audit_err)
                          : ct_error_set(&audit_err, CT_ERR_INTERNAL, "out of memory");
    json_decref(record.params);
    if (brc != CT_OK) {
        fprintf(stderr, "ctgate-agent template build: %s: not built\n", audit_err.detail);
        json_decref(b.steps);
        return ct_err_exit(brc);
    }
    enum ct_err rc = build(&b, &err);
    long ms = clock_now_ms() - start;
    json_t *params = record_params(&b, ms);
    record = (struct build_record){.state_dir = ctx->cfg.state_dir,
                                   .who = &who,
                                   .params = params,
                                   .begin_seq = record.begin_seq,
                                   .result = rc,
                                   .failure = &err,
                                   .steps = b.steps};
    enum ct_err arc = params != NULL ? append_record(&record, &audit_err)
                                     : ct_error_set(&audit_err, CT_ERR_INTERNAL, "out of memory");
    if (rc == CT_OK && strcmp(b.source, "reused") == 0) {
        printf("template %s: inputs unchanged (%.12s): image %.12s built %s reused\n", b.tmpl->name,
               b.inputs, b.image.fingerprint, b.image.built[0] != '\0' ? b.image.built : "-");
    } else if (rc == CT_OK) {
        printf("template %s: %s image %.12s (%lld MiB) as %s in %lds (inputs %.12s)\n",
               b.tmpl->name, strcmp(b.source, "cache") == 0 ? "imported the cached" : "built",
               b.image.fingerprint, b.image.size / (1024LL * 1024), b.tmpl->image, ms / 1000,
               b.inputs);
    } else {
        fprintf(stderr, "ctgate-agent template build: %s: %s\n", b.tmpl->name, err.detail);
    }
    if (arc != CT_OK) {
        fprintf(stderr, "ctgate-agent template build: %s\n", audit_err.detail);
    }
    json_decref(params);
    json_decref(b.versions);
    json_decref(b.steps);
    if (rc != CT_OK) {
        return ct_err_exit(rc);
    }
    return arc == CT_OK ? 0 : ct_err_exit(arc);
}
