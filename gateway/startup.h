/*
 * startup.h - what the gateway does before anything else (SPEC §9).
 *
 * startup_sanitize() turns core dumps off and makes the process not
 * dumpable (nodump.h), makes fds 0-2 valid, moves to "/", sets a strict
 * umask, copies the few values it needs out of the environment sshd gave
 * (CT_* variables, SSH_ORIGINAL_COMMAND, SSH_USER_AUTH, SSH_CONNECTION) and
 * then replaces the whole environment with a fixed minimal one, so no
 * library can be steered by LDAP*, *_proxy, SSLKEYLOGFILE, HOME or the like.
 * It must run before any library is initialised.  struct startup_env owns
 * its copies; startup_env_free() releases them.
 */
#ifndef CTGATE_STARTUP_H
#define CTGATE_STARTUP_H

#include <stdbool.h>
#include <stddef.h>

#define STARTUP_CT_VARS_MAX 128     /* more CT_* variables than this: refused */
#define STARTUP_CT_VALUE_MAX 8192   /* longer values: refused */
#define STARTUP_COMMAND_MAX 16384   /* longer SSH_ORIGINAL_COMMAND: refused */

struct startup_env {
    char *command;       /* SSH_ORIGINAL_COMMAND, NULL when absent */
    bool command_too_long;
    char *auth_info;     /* SSH_USER_AUTH path, NULL when absent */
    char client[65];     /* first word of SSH_CONNECTION, "" when absent */
    char *ct_names[STARTUP_CT_VARS_MAX];
    char *ct_values[STARTUP_CT_VARS_MAX];
    size_t nct;
    bool ct_rejected;    /* too many CT_* variables or an oversized value */
};

/* 0 on success, -1 when the process cannot be made safe (then exit). */
int startup_sanitize(struct startup_env *env);
/* The value of a CT_* variable sent by the client, or NULL. */
const char *startup_ct(const struct startup_env *env, const char *name);
void startup_env_free(struct startup_env *env);

#endif
