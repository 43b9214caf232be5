/*
 * deploy-validate.h - the rules of a create's deploy parameters (--repo,
 * --branch, --root, --runtime, --install, --build, --start, --env,
 * --service), checked alike by the gateway (for people) and the agent
 * (the rule).  Like validate.h: whole-value checks with length limits,
 * no allocation, thread-safe.
 *
 * What the values may hold is about where they go: a branch and a root
 * become argv words and path parts inside the container, commands run
 * through the container's /bin/sh as the app's user (the user's own
 * shell, never the host's), env values are written byte for byte to
 * .env and quoted for systemd's EnvironmentFile (deploy-env.h).
 */
#ifndef CTGATE_DEPLOY_VALIDATE_H
#define CTGATE_DEPLOY_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#define CT_REPO_URL_MAX 2048
#define CT_BRANCH_MAX 200
#define CT_APP_ROOT_MAX 255
#define CT_RUNTIME_MAX 32
#define CT_COMMAND_MAX 1024
#define CT_ENV_KEY_MAX 64
#define CT_ENV_VALUE_MAX 8192
#define CT_ENV_MAX 64      /* --env items in one create */
#define CT_SERVICE_MAX 32  /* a service name */
#define CT_SERVICES_MAX 4  /* --service items in one create */

/* https:// then printable ASCII without spaces, quotes, '\' or '`', at most CT_REPO_URL_MAX. */
bool validate_repo_syntax(const char *s);
/*
 * A branch as git's check-ref-format allows it, narrowed: [A-Za-z0-9._/-],
 * 1..CT_BRANCH_MAX, not starting with '-', '.' or '/', no "..", "//", "/.",
 * not ending with '/', '.' or ".lock".
 */
bool validate_git_branch(const char *s);
/* A directory inside the repository: "." or relative parts of [A-Za-z0-9._-] joined by '/', no "." or ".." part. */
bool validate_app_root(const char *s);
/* NAME@VERSION as a template's runtimes list them: nodejs@20, python@3.11. */
bool validate_runtime(const char *s);
/* One shell command line for the app's user: validate_text, at most CT_COMMAND_MAX bytes. */
bool validate_command(const char *s);
/* An env key: [A-Za-z_][A-Za-z0-9_]*, at most CT_ENV_KEY_MAX. */
bool validate_env_key(const char *s, size_t len);
/*
 * KEY=VALUE: a valid key, then a value of 0..CT_ENV_VALUE_MAX bytes of
 * UTF-8 without control characters (no newline, NUL, CR, tab).
 */
bool validate_env_item(const char *s);
/* A service of the catalogue: a-z, 0-9, '-', 1..CT_SERVICE_MAX. */
bool validate_service_name(const char *s);

#endif
