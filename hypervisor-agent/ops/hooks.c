/* hooks.c - see hooks.h. */
#include "hooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent-config.h"
#include "backend.h"
#include "clock.h"
#include "log.h"
#include "strcopy.h"
#include "units.h"
#include "validate.h"

static const char *const policy_names[] = {
    [HOOK_POLICY_FAIL] = "fail",
    [HOOK_POLICY_WARN] = "warn",
};

/* "FILE:LINE: hooks.after_create[I]: " before every message about hook I. */
static enum ct_err hook_error(const config_setting_t *s, size_t i, struct ct_error *err,
                              const char *what)
{
    const char *file = config_setting_source_file(s);
    return ct_error_set(err, CT_ERR_CONFIG, "%s:%d: hooks.after_create[%zu]: %s",
                        file != NULL ? file : "agent.conf", config_setting_source_line(s), i, what);
}

static void free_words(char **words)
{
    for (size_t i = 0; words != NULL && words[i] != NULL; i++) {
        free(words[i]);
    }
    free(words);
}

/* A word of an argv: any text but control characters other than tab and newline. */
static bool plain_text(const char *s)
{
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c < ' ' && c != '\t' && c != '\n') || c == 0x7f) {
            return false;
        }
    }
    return true;
}

/* An array of 1..max strings (each shorter than maxlen) into a NULL-terminated copy. */
static enum ct_err load_words(const config_setting_t *arr, size_t max, size_t maxlen, char ***out,
                              const char **why)
{
    *out = NULL;
    int n = arr != NULL && config_setting_is_array(arr) ? config_setting_length(arr) : 0;
    if (n < 1 || (size_t)n > max) {
        *why = "must be a non-empty array of strings";
        return CT_ERR_CONFIG;
    }
    char **words = calloc((size_t)n + 1, sizeof(*words));
    if (words == NULL) {
        return CT_ERR_INTERNAL;
    }
    for (int i = 0; i < n; i++) {
        const char *w = config_setting_get_string_elem(arr, i);
        if (w == NULL || strlen(w) >= maxlen || !plain_text(w)) {
            free_words(words);
            *why = "must hold strings only, none too long or with control characters";
            return CT_ERR_CONFIG;
        }
        if ((words[i] = strdup(w)) == NULL) {
            free_words(words);
            return CT_ERR_INTERNAL;
        }
    }
    *out = words;
    return CT_OK;
}

static enum ct_err load_policy(const config_setting_t *s, size_t i, struct hook_def *h,
                               struct ct_error *err)
{
    const char *policy = NULL;
    h->policy = HOOK_POLICY_FAIL;
    if (config_setting_get_member(s, "policy") == NULL) {
        return CT_OK;
    }
    if (config_setting_lookup_string(s, "policy", &policy) == CONFIG_TRUE) {
        for (size_t p = 0; p < sizeof(policy_names) / sizeof(policy_names[0]); p++) {
            if (strcmp(policy, policy_names[p]) == 0) {
                h->policy = (enum hook_policy)p;
                return CT_OK;
            }
        }
    }
    return hook_error(s, i, err, "policy must be \"fail\" or \"warn\"");
}

static enum ct_err load_timeout(const config_setting_t *s, size_t i, struct hook_def *h,
                                struct ct_error *err)
{
    const char *text = NULL;
    long long seconds = HOOK_TIMEOUT_DEFAULT;
    if (config_setting_get_member(s, "timeout") != NULL &&
        (config_setting_lookup_string(s, "timeout", &text) != CONFIG_TRUE ||
         !units_parse_duration(text, &seconds) || seconds < HOOK_TIMEOUT_MIN ||
         seconds > HOOK_TIMEOUT_MAX)) {
        return hook_error(s, i, err,
                          "timeout must be a duration from \"1s\" to \"1h\" (e.g. \"30s\")");
    }
    h->timeout_s = (int)seconds;
    return CT_OK;
}

static enum ct_err load_templates(const config_setting_t *s, size_t i,
                                  const struct agent_config *cfg, struct hook_def *h,
                                  struct ct_error *err)
{
    const char *why = NULL;
    const config_setting_t *arr = config_setting_get_member(s, "templates");
    if (arr == NULL) {
        return CT_OK; /* every template */
    }
    enum ct_err rc = load_words(arr, cfg->ntemplates, CT_TEMPLATE_MAX + 1, &h->templates, &why);
    if (rc == CT_ERR_INTERNAL) {
        return ct_error_set(err, rc, "out of memory");
    }
    if (rc != CT_OK) {
        char what[128];
        snprintf(what, sizeof(what), "templates %s (leave it out for every template)", why);
        return hook_error(s, i, err, what);
    }
    for (size_t t = 0; h->templates[t] != NULL; t++) {
        if (agent_config_template(cfg, h->templates[t]) == NULL) {
            char what[CT_TEMPLATE_MAX + 64];
            snprintf(what, sizeof(what), "templates names '%.32s', which is not a template",
                     h->templates[t]);
            return hook_error(s, i, err, what);
        }
    }
    return CT_OK;
}

/* Only the settings below: a misspelt `templates` must not make a hook run everywhere. */
static enum ct_err check_members(const config_setting_t *s, size_t i, struct ct_error *err)
{
    static const char *const known[] = {"name", "argv", "timeout", "policy", "templates"};
    for (int m = 0; m < config_setting_length(s); m++) {
        const char *name = config_setting_name(config_setting_get_elem(s, (unsigned)m));
        size_t k = 0;
        while (k < sizeof(known) / sizeof(known[0]) &&
               (name == NULL || strcmp(name, known[k]) != 0)) {
            k++;
        }
        if (k == sizeof(known) / sizeof(known[0])) {
            char what[96];
            snprintf(what, sizeof(what), "unknown setting '%.40s'", name != NULL ? name : "?");
            return hook_error(s, i, err, what);
        }
    }
    return CT_OK;
}

static enum ct_err load_hook(const config_setting_t *s, size_t i, const struct agent_config *cfg,
                             const struct hooks_config *earlier, struct hook_def *h,
                             struct ct_error *err)
{
    const char *name = NULL;
    const char *why = NULL;
    enum ct_err rc;
    if (!config_setting_is_group(s)) {
        return hook_error(s, i, err, "must be a group { name; argv; ... }");
    }
    if ((rc = check_members(s, i, err)) != CT_OK) {
        return rc;
    }
    if (config_setting_lookup_string(s, "name", &name) != CONFIG_TRUE ||
        !validate_name(name, HOOK_NAME_MAX)) {
        return hook_error(s, i, err,
                          "name must be a short identifier (a-z, 0-9, '_', '.', '-'; at most 24)");
    }
    str_copy(h->name, sizeof(h->name), name);
    snprintf(h->step, sizeof(h->step), "hook:%s", h->name);
    for (size_t e = 0; e < earlier->nafter_create; e++) {
        if (strcmp(earlier->after_create[e].name, h->name) == 0) {
            return hook_error(s, i, err, "duplicate name");
        }
    }
    rc = load_words(config_setting_get_member(s, "argv"), HOOK_ARGV_MAX, HOOK_ARG_MAX, &h->argv,
                    &why);
    if (rc == CT_ERR_INTERNAL) {
        return ct_error_set(err, rc, "out of memory");
    }
    if (rc != CT_OK) {
        char what[128];
        snprintf(what, sizeof(what), "argv %s (at most %d)", why, HOOK_ARGV_MAX);
        return hook_error(s, i, err, what);
    }
    if (h->argv[0][0] != '/') {
        return hook_error(s, i, err, "argv[0] must be an absolute path (there is no shell)");
    }
    if ((rc = load_timeout(s, i, h, err)) != CT_OK || (rc = load_policy(s, i, h, err)) != CT_OK) {
        return rc;
    }
    return load_templates(s, i, cfg, h, err);
}

enum ct_err hooks_load(const config_t *conf, const struct agent_config *cfg,
                       struct hooks_config *out, struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    const config_setting_t *hooks = config_lookup(conf, "hooks");
    if (hooks == NULL) {
        return CT_OK;
    }
    const config_setting_t *list = config_setting_get_member(hooks, "after_create");
    if (!config_setting_is_group(hooks) || config_setting_length(hooks) != (list != NULL ? 1 : 0)) {
        return ct_error_set(
            err, CT_ERR_CONFIG, "%s:%d: hooks must be a group holding only after_create",
            config_setting_source_file(hooks) != NULL ? config_setting_source_file(hooks)
                                                      : "agent.conf",
            config_setting_source_line(hooks));
    }
    if (list == NULL) {
        return CT_OK;
    }
    int n = config_setting_is_list(list) ? config_setting_length(list) : -1;
    if (n < 0 || n > HOOKS_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "%s:%d: hooks.after_create must be a list ( ... ) "
                            "of at most %d hooks",
                            config_setting_source_file(list) != NULL
                                ? config_setting_source_file(list)
                                : "agent.conf",
                            config_setting_source_line(list), HOOKS_MAX);
    }
    if (n == 0) {
        return CT_OK;
    }
    out->after_create = calloc((size_t)n, sizeof(*out->after_create));
    if (out->after_create == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < (size_t)n; i++) {
        struct hook_def *h = &out->after_create[i];
        enum ct_err rc = load_hook(config_setting_get_elem(list, (unsigned)i), i, cfg, out, h, err);
        out->nafter_create = i + 1; /* from here hooks_free frees what h holds */
        if (rc != CT_OK) {
            hooks_free(out);
            return rc;
        }
    }
    return CT_OK;
}

void hooks_free(struct hooks_config *hooks)
{
    for (size_t i = 0; i < hooks->nafter_create; i++) {
        free_words(hooks->after_create[i].argv);
        free_words(hooks->after_create[i].templates);
    }
    free(hooks->after_create);
    hooks->after_create = NULL;
    hooks->nafter_create = 0;
}

bool hooks_applies(const struct hook_def *hook, const char *template_name)
{
    if (hook->templates == NULL) {
        return true;
    }
    for (size_t i = 0; hook->templates[i] != NULL; i++) {
        if (strcmp(hook->templates[i], template_name) == 0) {
            return true;
        }
    }
    return false;
}

/* What went wrong, for the user: "NAME exited with N: LINE" or "NAME timed out after Ns". */
static void describe_failure(const struct hook_def *hook, const struct backend_exec *ex,
                             enum ct_err rc, const struct ct_error *why, char *out, size_t len)
{
    if (ex->timed_out) {
        snprintf(out, len, "%s timed out after %ds", hook->name, hook->timeout_s);
    } else if (rc != CT_OK) {
        snprintf(out, len, "%s could not run: %s", hook->name, why->detail);
    } else {
        snprintf(out, len, "%s exited with %d%s%s", hook->name, ex->exit_status,
                 ex->stderr_excerpt[0] ? ": " : "", ex->stderr_excerpt);
    }
}

enum ct_err hooks_run(const struct hook_def *hook, const struct backend_ops *backend, void *handle,
                      const struct hook_target *target, char *warning, size_t len,
                      struct ct_error *err)
{
    char name[CT_HOSTNAME_MAX + 16];
    char owner[CT_UID_MAX + 16];
    char address[64];
    char id[CT_REQUEST_ID_MAX + 16];
    snprintf(name, sizeof(name), "CT_NAME=%s", target->name);
    snprintf(owner, sizeof(owner), "CT_OWNER=%s", target->owner);
    snprintf(address, sizeof(address), "CT_ADDRESS=%s", target->address);
    snprintf(id, sizeof(id), "CT_ID=%s", target->id);
    const char *const env[] = {name, owner, address, id, NULL};
    struct backend_exec ex = {
        .argv = (const char *const *)hook->argv,
        .env = env,
        .timeout_s = hook->timeout_s,
    };
    struct ct_error why = {0};
    char failure[HOOK_WARNING_MAX];

    warning[0] = '\0';
    long start = clock_now_ms();
    enum ct_err rc = backend->exec(handle, target->name, &ex, &why);
    long ms = clock_now_ms() - start;
    if (rc == CT_OK && ex.exit_status == 0) {
        log_info("create %s: hook %s: exited with 0 (%ld ms)", target->name, hook->name, ms);
        return CT_OK;
    }
    describe_failure(hook, &ex, rc, &why, failure, sizeof(failure));
    /* The log has the outcome, never the hook's output (it could hold an enrolment secret). */
    if (ex.timed_out) {
        log_warn("create %s: hook %s: timed out after %ds (policy %s)%s", target->name, hook->name,
                 hook->timeout_s, policy_names[hook->policy],
                 ex.still_running ? "; the backend could not stop it, it may still run inside"
                                  : "");
    } else if (rc != CT_OK) {
        log_warn("create %s: hook %s: could not run (%s) (policy %s)", target->name, hook->name,
                 ct_err_code(rc), policy_names[hook->policy]);
    } else {
        log_warn("create %s: hook %s: exited with %d (%ld ms, policy %s)", target->name, hook->name,
                 ex.exit_status, ms, policy_names[hook->policy]);
    }
    if (hook->policy == HOOK_POLICY_WARN) {
        snprintf(warning, len, "hook %s", failure);
        return CT_OK;
    }
    if (rc != CT_OK && !ex.timed_out) {
        return ct_error_set(err, rc, "hook %s", failure); /* the backend's own failure */
    }
    return ct_error_set(err, CT_ERR_HOOK, "%s", failure);
}
