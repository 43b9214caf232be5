/*
 * ctgate-keys.c - sshd's AuthorizedKeysCommand for the create-container
 * account:
 *
 *     AuthorizedKeysCommand /usr/local/libexec/ctgate/ctgate-keys %u %t %k
 *
 * It prints one authorized_keys line, "restrict,pty TYPE KEY", when the
 * offered key may log in (keys.admit in gateway.conf, keys-admit.h), and
 * nothing otherwise.  stdout carries that line and never anything else;
 * the decision is logged (account, key type, SHA256 fingerprint; never
 * the key).  The whole answer is bounded by keys.timeout: sshd waits on
 * it.  Exit 0 with the line, 1 refused, 2 not answered (configuration,
 * LDAP down or slow: closed).  Runs as its own unprivileged account
 * (AuthorizedKeysCommandUser), which must be able to read gateway.conf.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "gw-config.h"
#include "keys-admit.h"
#include "keys-check.h"
#include "log.h"
#include "startup.h"

enum { KEYS_ADMITTED = 0, KEYS_REFUSED = 1, KEYS_FAILED = 2 };

#define KEYS_CONFIG_DEADLINE_S 10 /* until keys.timeout is known */

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "ctgate-keys: no answer within keys.timeout: refused\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(KEYS_FAILED); /* nothing was printed: stdout is written once, after the decision */
}

static void usage(void)
{
    fprintf(stderr, "usage: ctgate-keys [--config FILE] ACCOUNT KEY-TYPE BASE64-KEY\n"
                    "  (sshd: AuthorizedKeysCommand ctgate-keys %%u %%t %%k); see ctgate-keys(8)\n");
}

/* The one line sshd reads, written at once. */
static int print_key(const struct pubkey *key)
{
    if (printf("restrict,pty %s %s\n", key->type, key->blob_b64) < 0 || fflush(stdout) != 0) {
        log_error("cannot write to sshd");
        return KEYS_FAILED;
    }
    return KEYS_ADMITTED;
}

static int answer(const char *config, char **args)
{
    struct gw_config cfg;
    struct ct_error err = {0};
    struct pubkey key = {0};
    struct keys_decision d = {0};
    char fp[PUBKEY_FINGERPRINT_LEN] = "-";
    const char *why = NULL;
    const char *account = keys_loggable(args[0]);
    const char *type = keys_loggable(args[1]);
    int status = KEYS_FAILED;

    if (gwconf_load(config, &cfg, &err) != CT_OK) {
        log_error("configuration: %s", err.detail);
        return KEYS_FAILED;
    }
    alarm((unsigned)cfg.keys_timeout_s);
    if (cfg.ldap_timeout_s > cfg.keys_timeout_s) {
        cfg.ldap_timeout_s = cfg.keys_timeout_s;
    }
    if (!keys_check_request(&cfg, args[0], args[1], args[2], &key, &why)) {
        log_warn("key refused: account=%s type=%s: %s", account, type, why);
        return KEYS_REFUSED;
    }
    pubkey_fingerprint(&key, fp);
    if (keys_admit(&cfg, &key, &d, &err) != CT_OK) {
        log_error("key not answered (LDAP %s: %s): account=%s type=%s key=%s", cfg.ldap_uri,
                  err.detail, account, type, fp);
        goto out;
    }
    if (!d.admit) {
        log_warn("key refused: account=%s type=%s key=%s: %s", account, type, fp, d.why);
        status = KEYS_REFUSED;
        goto out;
    }
    alarm(0);
    status = print_key(&key);
    if (status == KEYS_ADMITTED) {
        log_info("key admitted: account=%s type=%s key=%s by=%s%s%s", account, type, fp,
                 cfg.keys_admit == GW_ADMIT_ANY_KEY ? "any-key" : "ldap-keys",
                 d.uid[0] != '\0' ? " user=" : "", d.uid);
    }
out:
    pubkey_free(&key);
    return status;
}

/*
 * Fixed positions, no option parsing: %u, %t and %k are the connecting
 * client's, and one starting with "-" must not be read as an option.
 * sshd splits the command into words before it expands them, so their
 * number is the admin's.
 */
int main(int argc, char **argv)
{
    struct startup_env env = {0};
    const char *config = GW_CONFIG_DEFAULT;
    char **args = NULL;

    if (startup_sanitize(&env) != 0) {
        return KEYS_FAILED;
    }
    startup_env_free(&env); /* nothing of sshd's environment is used */
    log_open("ctgate-keys", false);
    signal(SIGALRM, on_alarm);
    alarm(KEYS_CONFIG_DEADLINE_S);
    if (argc == 4) {
        args = argv + 1;
    } else if (argc == 6 && strcmp(argv[1], "--config") == 0) {
        config = argv[2];
        args = argv + 3;
    } else {
        usage();
        if (argc != 2 || strcmp(argv[1], "--help") != 0) {
            log_warn("key refused: not called as ctgate-keys [--config FILE] %%u %%t %%k");
            return KEYS_FAILED;
        }
        return KEYS_REFUSED;
    }
    return answer(config, args);
}
