/*
 * doctor.c - see doctor.h.
 *
 * The checks, in order: the configuration loads (else nothing else can be
 * checked); the state directory (ours, 0700); the audit trail's signing key
 * and its chain; the clock (not behind the audit log's last write); the
 * backend (the server answers; LXD: pool, profile, NIC, managed network:
 * backend.h's doctor hook); each template's image; with publishing, nginx's
 * two files writable and its test command passing.  Every finding is one
 * line (or one JSON object): name, ok, what was seen, what to do.
 */
#include "doctor.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "doctor-report.h"
#include "run.h"

#define CLOCK_FLOOR 1735689600 /* 2025-01-01T00:00:00Z: no host runs ctgate before that */

static void check_state_dir(struct doctor_report *d, const char *dir)
{
    struct stat st;
    char fix[PATH_MAX + 64];
    snprintf(fix, sizeof(fix), "install -d -m 0700 -o AGENT_ACCOUNT %s", dir);
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        doctor_sayf(d, "state directory", false, fix, "%s: %s", dir,
                    errno != 0 ? strerror(errno) : "not a directory");
        return;
    }
    bool ours = st.st_uid == geteuid();
    bool private = (st.st_mode & 077) == 0;
    doctor_sayf(d, "state directory", ours && private, fix, "%s: mode %04o, %s", dir,
                (unsigned)(st.st_mode & 07777),
                ours ? "owned by this account" : "owned by another account");
}

/* The key audit keygen makes: ours, 0600. */
static void check_audit_key(struct doctor_report *d, const char *dir)
{
    char path[PATH_MAX + 16];
    struct stat st;
    snprintf(path, sizeof(path), "%s/audit.key", dir);
    if (lstat(path, &st) != 0) {
        doctor_sayf(
            d, "audit key", false,
            "make it once, as this account: ctgate-agent audit keygen (every request is refused "
            "until it exists)",
            "%s: %s", path, strerror(errno));
        return;
    }
    bool ok = S_ISREG(st.st_mode) && st.st_uid == geteuid() && (st.st_mode & 077) == 0;
    doctor_sayf(d, "audit key", ok, "chmod 0600 it and chown it to the agent's account",
                "%s: mode %04o", path, (unsigned)(st.st_mode & 07777));
}

/* audit verify, its summary (or first bad record) as the detail. */
static void check_audit_chain(struct doctor_report *d, const char *dir)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (out == NULL) {
        doctor_say(d, "audit chain", false, "out of memory", NULL);
        return;
    }
    int rc = audit_verify(dir, NULL, out);
    fclose(out);
    if (text != NULL) {
        text[strcspn(text, "\n")] = '\0';
    }
    doctor_say(
        d, "audit chain", rc == 0, text != NULL && text[0] != '\0' ? text : "verified",
        "ctgate-agent audit verify names the first bad record: the log was changed or cut; keep "
        "it as evidence and compare with the copy shipped off the host (docs/audit.md)");
    free(text);
}

/* The clock must not be behind the audit log's last write (a clock set back). */
static void check_clock(struct doctor_report *d, const char *dir)
{
    char path[PATH_MAX + 16];
    struct stat st;
    time_t now = time(NULL);
    snprintf(path, sizeof(path), "%s/audit.log", dir);
    bool have_log = stat(path, &st) == 0;
    bool ok = now >= CLOCK_FLOOR && (!have_log || st.st_mtime <= now + 5);
    char when[32];
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    doctor_sayf(
        d, "clock", ok,
        "set the clock right (timedatectl, NTP): expiry, the reaper and the audit trail's times "
        "depend on it",
        "%s%s", when,
        !have_log ? ""
        : ok      ? ", not behind the audit log's last write"
                  : ", BEHIND the audit log's last write");
}

static void check_templates(struct doctor_report *d, const struct agent_ctx *a)
{
    for (size_t i = 0; i < a->cfg->ntemplates; i++) {
        const struct template_def *t = &a->cfg->templates[i];
        char name[96];
        snprintf(name, sizeof(name), "template %s", t->name);
        if (a->backend->image_info == NULL) {
            doctor_sayf(d, name, true, NULL, "image %s (this backend cannot be asked)", t->image);
            continue;
        }
        struct backend_image img;
        struct ct_error err = {0};
        enum ct_err rc = a->backend->image_info(a->handle, t->image, &img, &err);
        char fix[512];
        if (t->recipe != NULL) {
            snprintf(fix, sizeof(fix), "build it: ctgate-agent template build %s (as root)",
                     t->name);
        } else {
            snprintf(fix, sizeof(fix),
                     "import an image under the alias %s (lxc image import ... "
                     "--alias %s)",
                     t->image, t->image);
        }
        if (rc != CT_OK) {
            doctor_sayf(d, name, false, fix, "image %s: %s", t->image,
                        rc == CT_ERR_NOT_FOUND ? "the backend has no such image" : err.detail);
        } else {
            doctor_sayf(d, name, true, NULL, "image %s%s%s", t->image,
                        img.built[0] ? ", built " : "", img.built);
        }
    }
}

static void check_writable_dir(struct doctor_report *d, const char *what, const char *file)
{
    char copy[PATH_MAX];
    snprintf(copy, sizeof(copy), "%s", file);
    const char *dir = dirname(copy);
    bool ok = access(dir, W_OK | X_OK) == 0;
    doctor_sayf(d, what, ok,
                "the agent rewrites this file: chown its directory to the agent's account",
                "%s in %s%s", file, dir, ok ? "" : ": not writable by this account");
}

static void check_publish(struct doctor_report *d, const struct agent_config *cfg)
{
    const struct publish_config *p = &cfg->publish;
    if (!p->enabled) {
        doctor_say(d, "publish", true, "not configured (nothing to check)", NULL);
        return;
    }
    check_writable_dir(d, "nginx http file", p->http_file);
    check_writable_dir(d, "nginx stream file", p->stream_file);
    struct ct_error err = {0};
    enum ct_err rc = run_argv(p->test_argv, p->command_timeout_s, &err);
    doctor_sayf(d, "nginx test", rc == CT_OK,
                "nginx -t says what is wrong: fix it (the agent refuses to publish while it fails)",
                "%s: %s", p->test_argv[0] != NULL ? p->test_argv[0] : "(none)",
                rc == CT_OK ? "passes" : err.detail);
}

int doctor_run(struct admin_ctx *ctx)
{
    struct doctor_report d;
    doctor_report_init(&d, admin_opt(ctx, "json") != NULL);
    struct ct_error err = {0};
    struct agent_ctx *a = &ctx->agent;

    if (agent_config_load(ctx->config_path, &ctx->cfg, &err) != CT_OK) {
        doctor_sayf(
            &d, "configuration", false,
            "fix what it names (ctgate-agent check-config says the same); nothing else can be "
            "checked before",
            "%s: %s", ctx->config_path, err.detail);
        return doctor_report_finish(&d);
    }
    doctor_sayf(&d, "configuration", true, NULL, "%s loads (%zu templates)", ctx->config_path,
                ctx->cfg.ntemplates);
    check_state_dir(&d, ctx->cfg.state_dir);
    check_audit_key(&d, ctx->cfg.state_dir);
    check_audit_chain(&d, ctx->cfg.state_dir);
    check_clock(&d, ctx->cfg.state_dir);
    if (admin_open_backend(a, &err) != CT_OK) {
        doctor_sayf(&d, "backend", false, "check the backend's section of agent.conf", "%s: %s",
                    ctx->cfg.backend, err.detail);
    } else {
        if (a->backend->doctor != NULL) {
            a->backend->doctor(a->handle, doctor_say, &d);
        }
        if (!d.backend_down) {
            check_templates(&d, a);
        }
    }
    check_publish(&d, &ctx->cfg);
    if (a->handle != NULL) {
        a->backend->close(a->handle);
        a->handle = NULL;
    }
    agent_config_free(&ctx->cfg);
    return doctor_report_finish(&d);
}

int doctor_failed(const char *step, const char *subject, const struct ct_error *err)
{
    char message[CT_ERROR_DETAIL_MAX + 128];
    ct_error_format(err, message, sizeof(message));
    fprintf(stderr, "ctgate-agent doctor: %s %s: %s\n", step, subject, message);
    return ct_err_exit(err->code);
}
