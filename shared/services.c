/* services.c - see services.h. */
#include "services.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgread.h"
#include "strcopy.h"
#include "units.h"
#include "validate.h"

static const char *const placeholders[] = {"{password}", "{name}", "{user}"};
#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

/* Where a message about entry i points: "FILE:LINE: services[I] (NAME): ". */
struct where {
    const char *file; /* for settings that carry none (a document read from a string) */
    size_t index;
    const char *name; /* "" until known */
};

static enum ct_err entry_error(const struct where *w, const config_setting_t *s,
                               struct ct_error *err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum ct_err entry_error(const struct where *w, const config_setting_t *s,
                               struct ct_error *err, const char *fmt, ...)
{
    char what[192];
    const char *file = config_setting_source_file(s);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    if (w->name[0] != '\0') {
        return ct_error_set(err, CT_ERR_CONFIG, "%s:%d: services[%zu] (%s): %s",
                            file != NULL ? file : w->file, config_setting_source_line(s), w->index,
                            w->name, what);
    }
    return ct_error_set(err, CT_ERR_CONFIG, "%s:%d: services[%zu]: %s",
                        file != NULL ? file : w->file, config_setting_source_line(s), w->index,
                        what);
}

static void free_words(char **words)
{
    for (size_t i = 0; words != NULL && words[i] != NULL; i++) {
        free(words[i]);
    }
    free(words);
}

/* Wipe (they may hold a password) and free. */
static void burn_words(char **words)
{
    for (size_t i = 0; words != NULL && words[i] != NULL; i++) {
        sodium_memzero(words[i], strlen(words[i]));
        free(words[i]);
    }
    free(words);
}

static bool is_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* A Debian package name, as template_package_valid (the agent's) takes it. */
static bool package_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > SERVICE_PACKAGE_MAX || !is_lower_or_digit(name[0])) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_lower_or_digit(name[i]) && strchr("+.-", name[i]) == NULL) {
            return false;
        }
    }
    return true;
}

/* [A-Za-z0-9@._-]+.service, not starting with '-' or '.' (it becomes a systemctl argument). */
static bool unit_valid(const char *unit)
{
    static const char suffix[] = ".service";
    size_t n = strlen(unit);
    if (n <= sizeof(suffix) - 1 || n > SERVICE_UNIT_MAX || unit[0] == '-' || unit[0] == '.' ||
        strcmp(unit + n - (sizeof(suffix) - 1), suffix) != 0) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = unit[i];
        if (!is_lower_or_digit(c) && !(c >= 'A' && c <= 'Z') && strchr("@._-", c) == NULL) {
            return false;
        }
    }
    return true;
}

/* The placeholder starting at s, or -1 when s does not start one. */
static int placeholder_at(const char *s)
{
    for (size_t i = 0; i < NPLACEHOLDERS; i++) {
        if (strncmp(s, placeholders[i], strlen(placeholders[i])) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/*
 * A word of an argv or an env template: at most SERVICE_WORD_MAX bytes of
 * text without control characters ("" allowed), every '{' starting a known
 * placeholder and no '}' outside one.
 */
static bool word_valid(const char *w, bool *has_placeholder)
{
    size_t n = strnlen(w, SERVICE_WORD_MAX + 1);
    if (n > SERVICE_WORD_MAX || (n > 0 && !validate_text(w, SERVICE_WORD_MAX))) {
        return false;
    }
    for (size_t i = 0; i < n;) {
        if (w[i] == '{') {
            int p = placeholder_at(w + i);
            if (p < 0) {
                return false;
            }
            *has_placeholder = true;
            i += strlen(placeholders[p]);
        } else if (w[i] == '}') {
            return false;
        } else {
            i++;
        }
    }
    return true;
}

/* An argv: 1..SERVICE_ARGV_MAX valid words, argv[0] a path or a bare name, without placeholder. */
static enum ct_err load_argv(const struct where *w, const config_setting_t *arr, const char *what,
                             char ***out, struct ct_error *err)
{
    *out = NULL;
    int n = config_setting_is_array(arr) ? config_setting_length(arr) : 0;
    if (n < 1 || n > SERVICE_ARGV_MAX) {
        return entry_error(w, arr, err, "%s must be an array of 1..%d strings [ \"cmd\", ... ]",
                           what, SERVICE_ARGV_MAX);
    }
    char **words = calloc((size_t)n + 1, sizeof(*words));
    if (words == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const char *word = config_setting_get_string_elem(arr, i);
        bool has_placeholder = false;
        if (word == NULL || !word_valid(word, &has_placeholder)) {
            free_words(words);
            return entry_error(w, arr, err,
                               "%s: words are strings of at most 1024 bytes without control "
                               "characters; '{' only in {password}, {name}, {user}",
                               what);
        }
        if (i == 0 && (word[0] == '\0' || word[0] == '-' || has_placeholder ||
                       (word[0] != '/' && strchr(word, '/') != NULL))) {
            free_words(words);
            return entry_error(w, arr, err,
                               "%s: the command must be an absolute path or a bare name "
                               "(no placeholder, no leading '-')",
                               what);
        }
        if ((words[i] = strdup(word)) == NULL) {
            free_words(words);
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
    }
    *out = words;
    return CT_OK;
}

static enum ct_err load_packages(const struct where *w, const config_setting_t *s,
                                 struct service_def *d, struct ct_error *err)
{
    const config_setting_t *arr = config_setting_get_member(s, "packages");
    if (arr == NULL) {
        return entry_error(w, s, err, "missing '%s'", "packages");
    }
    int n = config_setting_is_array(arr) ? config_setting_length(arr) : -1;
    if (n < 0 || n > SERVICE_PACKAGES_MAX) {
        return entry_error(w, arr, err, "packages must be an array of at most %d package names",
                           SERVICE_PACKAGES_MAX);
    }
    if ((d->packages = calloc((size_t)n + 1, sizeof(*d->packages))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const char *name = config_setting_get_string_elem(arr, i);
        if (name == NULL || !package_valid(name)) {
            return entry_error(w, arr, err, "packages: %s",
                               "not a Debian package name ([a-z0-9][a-z0-9+.-]*, at most 64)");
        }
        if ((d->packages[i] = strdup(name)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        d->npackages = (size_t)i + 1;
    }
    return CT_OK;
}

static enum ct_err load_setup(const struct where *w, const config_setting_t *s,
                              struct service_def *d, struct ct_error *err)
{
    const config_setting_t *list = config_setting_get_member(s, "setup");
    if (list == NULL) {
        return CT_OK;
    }
    int n = config_setting_is_list(list) ? config_setting_length(list) : -1;
    if (n < 0 || n > SERVICE_SETUP_MAX) {
        return entry_error(w, list, err,
                           "setup must be a list ( [ ... ], [ ... ] ) of at most %d argvs",
                           SERVICE_SETUP_MAX);
    }
    if ((d->setup = calloc((size_t)n + 1, sizeof(*d->setup))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        char what[32];
        snprintf(what, sizeof(what), "setup[%d]", i);
        enum ct_err rc =
            load_argv(w, config_setting_get_elem(list, (unsigned)i), what, &d->setup[i], err);
        if (rc != CT_OK) {
            return rc;
        }
        d->nsetup = (size_t)i + 1;
    }
    return CT_OK;
}

static enum ct_err load_ready(const struct where *w, const config_setting_t *s,
                              struct service_def *d, struct ct_error *err)
{
    const config_setting_t *ready = config_setting_get_member(s, "ready");
    const config_setting_t *timeout = config_setting_get_member(s, "ready_timeout");
    const char *text = NULL;
    long long seconds = SERVICE_READY_TIMEOUT_DEFAULT;
    enum ct_err rc;
    if (ready != NULL && (rc = load_argv(w, ready, "ready", &d->ready, err)) != CT_OK) {
        return rc;
    }
    if (timeout != NULL && (ready == NULL || (text = config_setting_get_string(timeout)) == NULL ||
                            !units_parse_duration(text, &seconds) || seconds < 1 ||
                            seconds > SERVICE_READY_TIMEOUT_MAX)) {
        return entry_error(w, timeout, err, "%s",
                           "ready_timeout must be a duration from \"1s\" to \"10m\", with ready");
    }
    d->ready_timeout_s = (int)seconds;
    return CT_OK;
}

static enum ct_err load_env(const struct where *w, const config_setting_t *s, struct service_def *d,
                            struct ct_error *err)
{
    const config_setting_t *arr = config_setting_get_member(s, "env");
    if (arr == NULL) {
        return CT_OK;
    }
    int n = config_setting_is_array(arr) ? config_setting_length(arr) : -1;
    if (n < 0 || n > SERVICE_ENV_MAX) {
        return entry_error(w, arr, err, "env must be an array of at most %d \"KEY=VALUE\"",
                           SERVICE_ENV_MAX);
    }
    if ((d->env = calloc((size_t)n + 1, sizeof(*d->env))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const char *item = config_setting_get_string_elem(arr, i);
        const char *eq = item != NULL ? strchr(item, '=') : NULL;
        bool has_placeholder = false;
        if (eq == NULL || !validate_env_key(item, (size_t)(eq - item)) ||
            !word_valid(eq + 1, &has_placeholder)) {
            return entry_error(w, arr, err, "env: %s",
                               "items are \"KEY=VALUE\": KEY of [A-Za-z_][A-Za-z0-9_]*, VALUE "
                               "text with placeholders {password}, {name}, {user} only");
        }
        for (int j = 0; j < i; j++) {
            if (strncmp(d->env[j], item, (size_t)(eq - item) + 1) == 0) {
                return entry_error(w, arr, err, "env: %.*s is set twice", (int)(eq - item), item);
            }
        }
        if ((d->env[i] = strdup(item)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        d->nenv = (size_t)i + 1;
    }
    return CT_OK;
}

/* Only the settings below: a misspelt `setup` must not make a service silently do nothing. */
static enum ct_err check_members(const struct where *w, const config_setting_t *s,
                                 struct ct_error *err)
{
    static const char *const known[] = {"name",  "description", "packages",      "unit",
                                        "setup", "ready",       "ready_timeout", "env"};
    for (int m = 0; m < config_setting_length(s); m++) {
        const config_setting_t *member = config_setting_get_elem(s, (unsigned)m);
        const char *name = config_setting_name(member);
        size_t k = 0;
        while (k < sizeof(known) / sizeof(known[0]) &&
               (name == NULL || strcmp(name, known[k]) != 0)) {
            k++;
        }
        if (k == sizeof(known) / sizeof(known[0])) {
            return entry_error(w, member, err, "unknown setting '%.40s'",
                               name != NULL ? name : "?");
        }
    }
    return CT_OK;
}

static enum ct_err load_string(const struct where *w, const config_setting_t *s, const char *key,
                               bool required, char *dst, size_t len, struct ct_error *err)
{
    const config_setting_t *member = config_setting_get_member(s, key);
    const char *value = member != NULL ? config_setting_get_string(member) : NULL;
    dst[0] = '\0';
    if (member == NULL && !required) {
        return CT_OK;
    }
    if (member == NULL) {
        return entry_error(w, s, err, "missing '%s'", key);
    }
    if (value == NULL || !str_copy(dst, len, value) ||
        (value[0] != '\0' && !validate_text(value, len - 1))) {
        return entry_error(w, member, err, "'%s' must be one line of text, not too long", key);
    }
    return CT_OK;
}

static enum ct_err load_service(const struct where *w, const config_setting_t *s,
                                const struct service_catalog *earlier, struct service_def *d,
                                struct ct_error *err)
{
    enum ct_err rc;
    if (!config_setting_is_group(s)) {
        return entry_error(w, s, err, "%s", "must be a group { name = ...; ... }");
    }
    if ((rc = load_string(w, s, "name", true, d->name, sizeof(d->name), err)) != CT_OK) {
        return rc;
    }
    if (!validate_service_name(d->name)) {
        return entry_error(w, s, err, "%s",
                           "name must be a-z, 0-9 and '-', at most 32, not starting with '-'");
    }
    if (services_find(earlier, d->name) != NULL) {
        return entry_error(w, s, err, "duplicate name '%s'", d->name);
    }
    struct where named = *w;
    named.name = d->name;
    if ((rc = check_members(&named, s, err)) != CT_OK ||
        (rc = load_string(&named, s, "description", false, d->description, sizeof(d->description),
                          err)) != CT_OK ||
        (rc = load_string(&named, s, "unit", true, d->unit, sizeof(d->unit), err)) != CT_OK) {
        return rc;
    }
    if (!unit_valid(d->unit)) {
        return entry_error(&named, config_setting_get_member(s, "unit"), err, "%s",
                           "unit must be a systemd service name ([A-Za-z0-9@._-]+.service)");
    }
    if ((rc = load_packages(&named, s, d, err)) != CT_OK ||
        (rc = load_ready(&named, s, d, err)) != CT_OK ||
        (rc = load_setup(&named, s, d, err)) != CT_OK ||
        (rc = load_env(&named, s, d, err)) != CT_OK) {
        return rc;
    }
    return CT_OK;
}

enum ct_err services_parse(const config_t *conf, const char *file, struct service_catalog *out,
                           struct ct_error *err)
{
    const config_setting_t *root = config_root_setting(conf);
    const config_setting_t *list = config_setting_get_member(root, "services");
    memset(out, 0, sizeof(*out));
    for (int m = 0; m < config_setting_length(root); m++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)m);
        const char *name = config_setting_name(s);
        if (name == NULL || strcmp(name, "services") != 0) {
            return ct_error_set(err, CT_ERR_CONFIG, "%s:%d: unknown setting '%.40s'", file,
                                config_setting_source_line(s), name != NULL ? name : "?");
        }
    }
    if (list == NULL) {
        return ct_error_set(err, CT_ERR_CONFIG, "%s: missing 'services = ( ... );'", file);
    }
    int n = config_setting_is_list(list) ? config_setting_length(list) : -1;
    if (n < 0 || n > SERVICES_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "%s:%d: services must be a list ( { ... }, ... ) of at most %d", file,
                            config_setting_source_line(list), SERVICES_MAX);
    }
    if (n == 0) {
        return CT_OK;
    }
    if ((out->items = calloc((size_t)n, sizeof(*out->items))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < (size_t)n; i++) {
        struct where w = {.file = file, .index = i, .name = ""};
        enum ct_err rc =
            load_service(&w, config_setting_get_elem(list, (unsigned)i), out, &out->items[i], err);
        out->n = i + 1; /* from here services_free frees what items[i] holds */
        if (rc != CT_OK) {
            services_free(out);
            return rc;
        }
    }
    return CT_OK;
}

enum ct_err services_load(const char *path, struct service_catalog *out, struct ct_error *err)
{
    config_t conf;
    config_init(&conf);
    memset(out, 0, sizeof(*out));
    enum ct_err rc = cfgread_file(&conf, path, err);
    if (rc == CT_OK) {
        rc = services_parse(&conf, path, out, err);
    }
    config_destroy(&conf);
    return rc;
}

void services_free(struct service_catalog *c)
{
    for (size_t i = 0; i < c->n; i++) {
        struct service_def *d = &c->items[i];
        free_words(d->packages);
        for (size_t j = 0; d->setup != NULL && d->setup[j] != NULL; j++) {
            free_words(d->setup[j]);
        }
        free(d->setup);
        free_words(d->ready);
        free_words(d->env);
    }
    free(c->items);
    c->items = NULL;
    c->n = 0;
}

const struct service_def *services_find(const struct service_catalog *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++) {
        if (strcmp(c->items[i].name, name) == 0) {
            return &c->items[i];
        }
    }
    return NULL;
}

enum ct_err services_packages(const struct service_catalog *c, char *const *names, size_t n,
                              const char ***out, size_t *nout, struct ct_error *err)
{
    size_t cap = 1;
    *out = NULL;
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        const struct service_def *d = services_find(c, names[i]);
        if (d == NULL) {
            return ct_error_set(err, CT_ERR_NOT_FOUND, "no service '%.32s' in the catalogue",
                                names[i]);
        }
        cap += d->npackages;
    }
    const char **list = calloc(cap, sizeof(*list));
    size_t used = 0;
    if (list == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const struct service_def *d = services_find(c, names[i]);
        for (size_t p = 0; p < d->npackages; p++) {
            size_t k = 0;
            while (k < used && strcmp(list[k], d->packages[p]) != 0) {
                k++;
            }
            if (k == used) {
                list[used++] = d->packages[p];
            }
        }
    }
    *out = list;
    *nout = used;
    return CT_OK;
}

/* A placeholder's value: 1..SERVICE_VALUE_MAX of printable ASCII without quotes, backslash or
 * braces. */
static bool value_valid(const char *v)
{
    size_t n = v != NULL ? strnlen(v, SERVICE_VALUE_MAX + 1) : SERVICE_VALUE_MAX + 1;
    if (n == 0 || n > SERVICE_VALUE_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' || c >= 0x7f || strchr("'\"\\`{}", c) != NULL) {
            return false;
        }
    }
    return true;
}

/* word with its placeholders replaced: a new string, or NULL when out of memory. */
static char *expand_word(const char *word, const char *const values[NPLACEHOLDERS])
{
    size_t len = 0;
    for (const char *p = word; *p != '\0';) {
        int k = *p == '{' ? placeholder_at(p) : -1;
        len += k >= 0 ? strlen(values[k]) : 1;
        p += k >= 0 ? strlen(placeholders[k]) : 1;
    }
    char *out = malloc(len + 1);
    char *o = out;
    for (const char *p = word; out != NULL && *p != '\0';) {
        int k = *p == '{' ? placeholder_at(p) : -1;
        if (k >= 0) {
            size_t vlen = strlen(values[k]);
            memcpy(o, values[k], vlen);
            o += vlen;
            p += strlen(placeholders[k]);
        } else {
            *o++ = *p++;
        }
    }
    if (out != NULL) {
        *o = '\0';
    }
    return out;
}

static char **expand_words(char *const *words, const char *const values[NPLACEHOLDERS])
{
    size_t n = 0;
    while (words[n] != NULL) {
        n++;
    }
    char **out = calloc(n + 1, sizeof(*out));
    for (size_t i = 0; out != NULL && i < n; i++) {
        if ((out[i] = expand_word(words[i], values)) == NULL) {
            burn_words(out);
            return NULL;
        }
    }
    return out;
}

enum ct_err services_expand(const struct service_def *s, const struct service_values *v,
                            struct service_expanded *out, struct ct_error *err)
{
    const char *const values[NPLACEHOLDERS] = {v->password, v->name, v->user};
    enum ct_err rc = CT_OK;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < NPLACEHOLDERS; i++) {
        if (!value_valid(values[i])) {
            return ct_error_set(err, CT_ERR_INTERNAL, "service %s: the value of %s is refused",
                                s->name, placeholders[i]);
        }
    }
    out->def = s;
    if (s->ready != NULL && (out->ready = expand_words(s->ready, values)) == NULL) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    if ((out->setup = calloc(s->nsetup + 1, sizeof(*out->setup))) == NULL) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < s->nsetup; i++) {
        if ((out->setup[i] = expand_words(s->setup[i], values)) == NULL) {
            rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
            goto out;
        }
        out->nsetup = i + 1;
    }
    if (s->nenv > 0) {
        if ((out->env = expand_words(s->env, values)) == NULL) {
            rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
            goto out;
        }
        out->nenv = s->nenv;
    }
    for (size_t i = 0; i < out->nenv; i++) {
        if (!validate_env_item(out->env[i])) {
            rc = ct_error_set(err, CT_ERR_INTERNAL,
                              "service %s: env[%zu] is no variable once "
                              "expanded",
                              s->name, i);
            goto out;
        }
    }
out:
    if (rc != CT_OK) {
        services_expanded_free(out);
    }
    return rc;
}

void services_expanded_free(struct service_expanded *e)
{
    burn_words(e->ready);
    for (size_t i = 0; e->setup != NULL && e->setup[i] != NULL; i++) {
        burn_words(e->setup[i]);
    }
    free(e->setup);
    burn_words(e->env);
    memset(e, 0, sizeof(*e));
}

void services_password(char out[SERVICE_PASSWORD_LEN + 1])
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (size_t i = 0; i < SERVICE_PASSWORD_LEN; i++) {
        out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    }
    out[SERVICE_PASSWORD_LEN] = '\0';
}
