/*
 * hooks.h - commands an admin runs inside every new container
 * (`hooks.after_create` in agent.conf), e.g. a security agent's enrolment.
 *
 * Each hook is an argv (no shell on the host side), a timeout, a policy and
 * optionally the templates it applies to.  hooks_load() reads and checks
 * them at config load (after the templates, which they name) into a struct
 * hooks_config that owns all its memory; hooks_free() releases it.
 *
 * hooks_run() runs one hook in a container through the backend's exec, with
 * CT_NAME, CT_OWNER, CT_ADDRESS and CT_ID in its environment, and never waits
 * longer than the hook's timeout.  A failure under policy "fail" is returned
 * as CT_ERR_HOOK naming the hook; under "warn" it is CT_OK with the warning
 * text for the user.  Every outcome is logged (no output beyond the first
 * stderr line, which goes only to the caller).  Not thread-safe (the backend
 * handle is not).
 */
#ifndef CTGATE_HOOKS_H
#define CTGATE_HOOKS_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define HOOKS_MAX 8        /* hooks in one list */
#define HOOK_NAME_MAX 24   /* so "hook:NAME" fits a progress line's step */
#define HOOK_ARGV_MAX 32   /* words of one argv */
#define HOOK_ARG_MAX 4096  /* bytes of one word */
#define HOOK_TIMEOUT_MIN 1 /* seconds */
#define HOOK_TIMEOUT_MAX 3600
#define HOOK_TIMEOUT_DEFAULT 60
#define HOOK_WARNING_MAX 320 /* one warning's text, for the result's `warnings` */

struct agent_config;
struct backend_ops;

/* What a failed hook does to the create. */
enum hook_policy {
    HOOK_POLICY_FAIL, /* the create fails and is rolled back (the default) */
    HOOK_POLICY_WARN, /* the create succeeds; the user sees a warning */
};

struct hook_def {
    char name[HOOK_NAME_MAX + 1];
    char step[HOOK_NAME_MAX + 6]; /* "hook:NAME", its step in progress and the audit */
    char **argv;                  /* NULL-terminated, owned; argv[0] an absolute path */
    int timeout_s;
    enum hook_policy policy;
    char **templates; /* NULL-terminated, owned; NULL: every template */
};

struct hooks_config {
    struct hook_def *after_create; /* owned */
    size_t nafter_create;
};

/*
 * Read `hooks` from conf (absent: no hooks) into out; every template a hook
 * names must be one of cfg's (loaded before).  Errors are CT_ERR_CONFIG and
 * name the file and line.  On error nothing is left allocated in out.
 */
enum ct_err hooks_load(const config_t *conf, const struct agent_config *cfg,
                       struct hooks_config *out, struct ct_error *err);
void hooks_free(struct hooks_config *hooks);

/* Whether hook runs for containers of the template called template_name. */
bool hooks_applies(const struct hook_def *hook, const char *template_name);

/* The container a hook runs for: what its environment says (validated values). */
struct hook_target {
    const char *name;    /* CT_NAME: the container's hostname */
    const char *owner;   /* CT_OWNER: its owner's uid */
    const char *address; /* CT_ADDRESS: its IPv4 */
    const char *id;      /* CT_ID: the request id that made it (the summary's "request id") */
};

/*
 * Run hook in container target->name.  CT_OK when it exited 0, or when it
 * failed under policy "warn": then warning (of len bytes, at least
 * HOOK_WARNING_MAX) holds what to tell the user, else warning is "".  Under
 * "fail" a failure is CT_ERR_HOOK: "NAME exited with N: FIRST STDERR LINE" or
 * "NAME timed out after Ns"; a backend that cannot run it at all is its own
 * error (CT_ERR_BACKEND, ...), also only under "fail".
 */
enum ct_err hooks_run(const struct hook_def *hook, const struct backend_ops *backend, void *handle,
                      const struct hook_target *target, char *warning, size_t len,
                      struct ct_error *err);

#endif
