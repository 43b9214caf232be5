/*
 * backend.h - what the agent needs from a container backend.
 *
 * A backend is a struct backend_ops of functions plus an opaque handle from
 * open().  LXD (backend-lxd.c) is the first implementation.  Every function
 * returns CT_OK or an error with a detail in err; none of them logs secrets.
 * Names passed in are already validated hostnames; ownership decisions are
 * the caller's (ops-*.c), a backend only reports metadata.
 */
#ifndef CTGATE_BACKEND_H
#define CTGATE_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "agent-config.h"
#include "error.h"
#include "validate.h"

struct backend_instance {
    char name[CT_HOSTNAME_MAX + 1];
    char state[24]; /* "Running", "Stopped", ... as the backend says */
    char ipv4[48];  /* "" when none */
    char owner[CT_UID_MAX + 1];
    char request_id[CT_REQUEST_ID_MAX + 1];
    char template_name[CT_TEMPLATE_MAX + 1];
    char created[32]; /* RFC 3339, UTC */
    char expires[32]; /* RFC 3339, UTC; "" when it never expires */
    char cpu[16];     /* limits as the backend reports them, "" when none */
    char memory[24];
    char disk[24];
    char description[CT_DESCRIPTION_MAX + 1]; /* create --description, "" when none */
    bool managed; /* carries ctgate metadata */
};

struct backend_create {
    const char *name;
    const struct template_def *tmpl;
    const char *owner;
    const char *request_id;
    const char *created;
    const char *expires;     /* RFC 3339, or NULL: never */
    const char *description; /* free text (validate_text), or NULL: none */
};

struct backend_exec {
    const char *const *argv; /* NULL-terminated; never a shell line with user text */
    const void *stdin_file;  /* when not NULL: pushed to a root-only file and fed as stdin */
    size_t stdin_len;
    int exit_status;          /* out */
    char stderr_excerpt[160]; /* out: first line of stderr, for error details */
};

struct backend_file {
    const char *path;
    const void *data; /* NULL for a directory */
    size_t len;
    int mode;
    long long uid;
    long long gid;
};

struct backend_ops {
    const char *name;
    enum ct_err (*open)(const struct agent_config *cfg, void **handle, struct ct_error *err);
    void (*close)(void *handle);
    enum ct_err (*create)(void *h, const struct backend_create *args, struct ct_error *err);
    /* action: "start", "stop" or "restart"; stop and restart do not wait for a clean shutdown. */
    enum ct_err (*set_state)(void *h, const char *name, const char *action, struct ct_error *err);
    /*
     * Apply cpu, memory and root disk size (0: none).  *disk_applied is false
     * when the storage pool cannot limit a root disk (LXD's dir driver).
     */
    enum ct_err (*set_limits)(void *h, const char *name, const struct size_spec *spec,
                              bool *disk_applied, struct ct_error *err);
    enum ct_err (*wait_ipv4)(void *h, const char *name, int timeout_s, char *out, size_t len,
                             struct ct_error *err);
    enum ct_err (*exec)(void *h, const char *name, struct backend_exec *ex, struct ct_error *err);
    enum ct_err (*push_file)(void *h, const char *name, const struct backend_file *file,
                             struct ct_error *err);
    /* Stops (forcefully) and deletes; a missing instance is success. */
    enum ct_err (*destroy)(void *h, const char *name, struct ct_error *err);
    /* CT_ERR_NOT_FOUND when there is no such instance. */
    enum ct_err (*get)(void *h, const char *name, struct backend_instance *out,
                       struct ct_error *err);
    /* Every instance carrying ctgate metadata; *out is malloc'd, caller frees. */
    enum ct_err (*list)(void *h, struct backend_instance **out, size_t *n, struct ct_error *err);
};

/* The backend named in the config, or NULL. */
const struct backend_ops *backend_find(const char *name);

extern const struct backend_ops backend_lxd;

#endif
