/* startup.c - see startup.h. */
#include "startup.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nodump.h"
#include "validate.h"

extern char **environ;

static int ensure_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) == -1) {
            int null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (null != fd) {
                return -1;
            }
        }
    }
    return 0;
}

/* CT_ followed by 1..32 of [A-Z0-9_]. */
static bool is_ct_name(const char *s, size_t len)
{
    if (len < 4 || len > 35 || strncmp(s, "CT_", 3) != 0) {
        return false;
    }
    for (size_t i = 3; i < len; i++) {
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')) {
            return false;
        }
    }
    return true;
}

static void capture(struct startup_env *env, const char *entry)
{
    const char *eq = strchr(entry, '=');
    if (eq == NULL) {
        return;
    }
    size_t nlen = (size_t)(eq - entry);
    const char *value = eq + 1;
    if (nlen == 20 && strncmp(entry, "SSH_ORIGINAL_COMMAND", nlen) == 0) {
        if (strlen(value) > STARTUP_COMMAND_MAX) {
            env->command_too_long = true;
        } else {
            env->command = strdup(value);
        }
    } else if (nlen == 13 && strncmp(entry, "SSH_USER_AUTH", nlen) == 0) {
        env->auth_info = strlen(value) < 256 ? strdup(value) : NULL;
    } else if (nlen == 14 && strncmp(entry, "SSH_CONNECTION", nlen) == 0) {
        size_t w = strcspn(value, " ");
        if (w < sizeof(env->client)) {
            memcpy(env->client, value, w);
            env->client[w] = '\0';
            if (!validate_token(env->client, sizeof(env->client) - 1)) {
                env->client[0] = '\0';
            }
        }
    } else if (strncmp(entry, "CT_", 3) == 0) {
        if (!is_ct_name(entry, nlen)) {
            return; /* not a name ctgate could mean: ignored like any other variable */
        }
        if (strlen(value) > STARTUP_CT_VALUE_MAX || env->nct == STARTUP_CT_VARS_MAX) {
            env->ct_rejected = true;
            return;
        }
        env->ct_names[env->nct] = strndup(entry, nlen);
        env->ct_values[env->nct] = strdup(value);
        env->nct++;
    }
    /* Everything else (LD_*, LDAP*, *_proxy, BASH_ENV, HOME, ...) is dropped unread. */
}

int startup_sanitize(struct startup_env *env)
{
    memset(env, 0, sizeof(*env));
    /* first: no core file or same-account ptrace ever sees a password or a session key */
    if (nodump_apply() != 0 || ensure_std_fds() != 0 || chdir("/") != 0) {
        return -1;
    }
    umask(077);
    for (char **e = environ; e != NULL && *e != NULL; e++) {
        capture(env, *e);
    }
    if (clearenv() != 0) {
        return -1;
    }
    /* The only environment any library sees.  LDAPNOINIT: libldap reads no
     * ldaprc, no LDAP* variables and no system ldap.conf. */
    if (setenv("PATH", "/usr/bin:/bin", 1) != 0 || setenv("LDAPNOINIT", "1", 1) != 0 ||
        setenv("LANG", "C", 1) != 0 || setenv("HOME", "/nonexistent", 1) != 0) {
        return -1;
    }
    for (size_t i = 0; i < env->nct; i++) {
        if (env->ct_names[i] == NULL || env->ct_values[i] == NULL) {
            return -1;
        }
    }
    return 0;
}

const char *startup_ct(const struct startup_env *env, const char *name)
{
    for (size_t i = 0; i < env->nct; i++) {
        if (strcmp(env->ct_names[i], name) == 0) {
            return env->ct_values[i];
        }
    }
    return NULL;
}

void startup_env_free(struct startup_env *env)
{
    free(env->command);
    free(env->auth_info);
    for (size_t i = 0; i < env->nct; i++) {
        free(env->ct_names[i]);
        free(env->ct_values[i]);
    }
    memset(env, 0, sizeof(*env));
}
