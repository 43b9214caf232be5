/*
 * doctor.c - see doctor.h.
 *
 * The checks: the configuration loads; the directory answers over TLS that
 * verifies against ldap.ca_file (and the service account binds); the key
 * for the agent is private; the agent's host key is pinned, and the agent
 * is reached under that pin with that key (nothing is sent: the session is
 * closed unused); the throttle's directory is writable; the repository
 * check's CA file is readable; sshd's effective settings for the account
 * (`sshd -T -C user=ACCOUNT,...`, run with a fixed argv: the only program
 * the gateway binary ever starts, and only here) force this configuration
 * and expose the login key.
 */
#include "doctor.h"

#include <errno.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "agent-link.h"
#include "buf.h"
#include "doctor-report.h"
#include "gw-config.h"
#include "ldap-dir.h"

#define SSHD_T_MAX ((size_t)256 * 1024)

extern char **environ;

static void check_ldap(struct doctor_report *d, const struct gw_config *cfg)
{
    struct ldap_dir *dir = NULL;
    struct ct_error err = {0};
    enum ct_err rc = ldap_dir_open(cfg, &dir, &err);
    ldap_dir_close(dir);
    /* ldap_dir_open logged the library's own words; they are for the admin here too. */
    doctor_sayf(
        d, "ldap", rc == CT_OK,
        "check ldap.uri, that the server's certificate is signed by ldap.ca_file and names the "
        "host in the URI, and ldap.bind_dn/bind_password_file (syslog has the library's words)",
        "%s%s: %s", cfg->ldap_uri, strncmp(cfg->ldap_uri, "ldap://", 7) == 0 ? " (StartTLS)" : "",
        rc == CT_OK ? "TLS verified against ldap.ca_file, connected" : err.detail);
}

/* The account the gateway runs as (doctor itself runs as root): its uid, or -1. */
static long long account_uid(const char *account)
{
    const struct passwd *pw = getpwnam(account);
    return pw != NULL ? (long long)pw->pw_uid : -1;
}

/* A file only the gateway's account reads: a regular file of its, no group or other bits. */
static void check_private_file(struct doctor_report *d, const char *name, const char *path,
                               long long owner, const char *fix)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        doctor_sayf(d, name, false, fix, "%s: %s", path, strerror(errno));
        return;
    }
    bool ours = (long long)st.st_uid == owner;
    bool ok = S_ISREG(st.st_mode) && (st.st_mode & 077) == 0 && (st.st_mode & 0400) != 0 && ours;
    doctor_sayf(d, name, ok, fix, "%s: mode %04o, %s", path, (unsigned)(st.st_mode & 07777),
                ours ? "the gateway account's" : "NOT the gateway account's");
}

static void check_agent(struct doctor_report *d, const struct gw_config *cfg)
{
    struct stat st;
    char fix[DOCTOR_DETAIL_MAX];
    snprintf(fix, sizeof(fix),
             "pin the agent's host key: ssh-keyscan -p %d %s > %s (check its fingerprint on the "
             "hypervisor first)",
             cfg->agent_port, cfg->agent_host, cfg->agent_known_hosts);
    bool pinned = stat(cfg->agent_known_hosts, &st) == 0 && st.st_size > 0;
    doctor_sayf(d, "agent host key", pinned, fix, "%s%s", cfg->agent_known_hosts,
                pinned ? "" : ": missing or empty (no trust on first use: every request fails)");
    if (!pinned) {
        return;
    }
    struct agent_link *link = NULL;
    struct ct_error err = {0};
    enum ct_err rc = agent_link_open(cfg, &link, &err);
    agent_link_close(link); /* nothing was sent */
    doctor_sayf(d, "agent", rc == CT_OK,
                "the agent's sshd must answer, show the pinned host key, and take agent.key for "
                "agent.user (its authorized_keys line: conf/authorized_keys.agent)",
                "%s@%s:%d: %s", cfg->agent_user, cfg->agent_host, cfg->agent_port,
                rc == CT_OK ? "reached under the pinned host key, key accepted" : err.detail);
}

static void check_throttle(struct doctor_report *d, const struct gw_config *cfg, long long owner)
{
    const char *dir = cfg->throttle.dir;
    struct stat st;
    if (dir[0] == '\0') {
        doctor_sayf(d, "throttle", true, NULL, "off (throttle.dir is empty)");
        return;
    }
    bool ok = stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && (long long)st.st_uid == owner &&
              (st.st_mode & 0300) == 0300;
    doctor_sayf(d, "throttle", ok, "install -d -m 0700 -o GATEWAY_ACCOUNT DIR", "%s%s", dir,
                ok ? ": the gateway account's, writable"
                   : ": missing, or not the gateway account's to write (logins fail)");
}

/* sshd -T's effective settings for the account, into out; false when sshd cannot say. */
static bool sshd_settings(const char *sshd_config, const char *account, struct buf *out, char *why,
                          size_t why_len)
{
    char spec[160];
    snprintf(spec, sizeof(spec), "user=%s,host=ctgate-doctor,addr=127.0.0.1", account);
    char *const argv[] = {"/usr/sbin/sshd", "-T", "-f", (char *)sshd_config, "-C", spec, NULL};
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        snprintf(why, why_len, "pipe: %s", strerror(errno));
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    pid_t pid;
    char *const env[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL};
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        snprintf(why, why_len, "%s: %s", argv[0], strerror(rc));
        return false;
    }
    char chunk[4096];
    ssize_t n;
    while ((n = read(pipefd[0], chunk, sizeof(chunk))) > 0) {
        if (out->len + (size_t)n < SSHD_T_MAX) {
            buf_append(out, chunk, (size_t)n);
        }
    }
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    buf_append(out, "", 1);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        const char *text = out->data != NULL ? out->data : "";
        snprintf(why, why_len, "sshd -T failed: %.*s", (int)strcspn(text, "\n"), text);
        return false;
    }
    return true;
}

/* The value of one lower-case keyword of sshd -T's output, or "" (into val). */
static void sshd_value(const char *text, const char *key, char *val, size_t len)
{
    size_t klen = strlen(key);
    val[0] = '\0';
    for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : p) {
        if (strncmp(p, key, klen) == 0 && p[klen] == ' ') {
            snprintf(val, len, "%.*s", (int)strcspn(p + klen + 1, "\n"), p + klen + 1);
            return;
        }
    }
}

static void check_sshd(struct doctor_report *d, const char *config_path, const char *sshd_config,
                       const char *account)
{
    struct buf out;
    char why[DOCTOR_DETAIL_MAX], force[PATH_MAX + 64], expose[16];
    buf_init(&out, SSHD_T_MAX);
    const char *fix = "install the snippet (conf/sshd-gateway.conf, docs/install.md) where sshd "
                      "reads it, for this account, then reload sshd; doctor must run as root to "
                      "let sshd -T read its host keys";
    if (!sshd_settings(sshd_config, account, &out, why, sizeof(why))) {
        doctor_sayf(d, "sshd", false, fix, "%s (user %s): %s", sshd_config, account, why);
        buf_free(&out);
        return;
    }
    sshd_value(out.data, "forcecommand", force, sizeof(force));
    sshd_value(out.data, "exposeauthinfo", expose, sizeof(expose));
    buf_free(&out);
    /* It names this configuration, or this is the default one and it names none. */
    bool forced = strstr(force, "ctgate") != NULL &&
                  (strstr(force, config_path) != NULL ||
                   (strstr(force, "--config") == NULL && strcmp(config_path, GW_CONFIG_DEFAULT) == 0));
    bool exposed = strcmp(expose, "yes") == 0;
    doctor_sayf(d, "sshd", forced && exposed, fix,
                "%s, user %s: ForceCommand %s; ExposeAuthInfo %s%s", sshd_config, account,
                force[0] ? force : "(none)", expose[0] ? expose : "(unset)",
                forced ? "" : " (it must run ctgate with this configuration)");
}

static int usage(void)
{
    fputs("usage: ctgate [--config FILE] doctor [--json] [--sshd-config FILE] [--account NAME]\n",
          stderr);
    return CT_EXIT_BAD_INPUT;
}

int gw_doctor_main(const char *config_path, int argc, char **argv)
{
    struct doctor_report d;
    doctor_report_init(&d, false);
    const char *sshd_config = "/etc/ssh/sshd_config";
    const char *account = "create-container";
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            d.json = true;
        } else if (strcmp(argv[i], "--sshd-config") == 0 && i + 1 < argc) {
            sshd_config = argv[++i];
        } else if (strcmp(argv[i], "--account") == 0 && i + 1 < argc) {
            account = argv[++i];
        } else {
            json_decref(d.checks);
            return usage();
        }
    }
    struct gw_config cfg;
    struct ct_error err = {0};
    if (gwconf_load(config_path, &cfg, &err) != CT_OK) {
        doctor_sayf(&d, "configuration", false,
                    "fix what it names; nothing else can be checked before", "%s: %s", config_path,
                    err.detail);
    } else {
        doctor_sayf(&d, "configuration", true, NULL, "%s loads", config_path);
        long long owner = account_uid(account);
        doctor_sayf(&d, "account", owner >= 0, "create it (docs/install.md), or name it: --account",
                    "%s%s", account, owner >= 0 ? "" : ": no such account");
        check_ldap(&d, &cfg);
        check_private_file(&d, "agent key", cfg.agent_key, owner,
                           "the key for the agent must be readable by the gateway's account "
                           "only: chmod 0600, chown to it");
        check_agent(&d, &cfg);
        check_throttle(&d, &cfg, owner);
        if (cfg.repo.enabled && cfg.repo.ca_file[0] != '\0') {
            bool ok = access(cfg.repo.ca_file, R_OK) == 0;
            doctor_sayf(&d, "repository CA", ok, "repo.ca_file must be a readable PEM file", "%s%s",
                        cfg.repo.ca_file, ok ? "" : ": not readable");
        }
        check_sshd(&d, config_path, sshd_config, account);
    }
    return doctor_report_finish(&d);
}
