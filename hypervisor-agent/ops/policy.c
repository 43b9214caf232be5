/* policy.c - see policy.h. */
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgread.h"
#include "ratelimit.h"
#include "strcopy.h"
#include "units.h"
#include "validate.h"

/*
 * A size or duration written as a string ("2GiB", "500MB", "7d") or a bare
 * integer (MiB, seconds); sizes into bytes.
 */
static enum ct_err read_amount(const config_setting_t *group, const char *name, bool duration,
                               long long *out, struct ct_error *err)
{
    const config_setting_t *s = config_setting_get_member(group, name);
    *out = 0;
    if (s == NULL) {
        return CT_OK;
    }
    int line = config_setting_source_line(s);
    if (config_setting_type(s) == CONFIG_TYPE_INT) {
        *out = config_setting_get_int(s);
        if (!duration) {
            *out *= UNITS_MIB;
        }
        return *out >= 0 ? CT_OK
                         : ct_error_set(err, CT_ERR_CONFIG, "line %d: '%s' is negative", line,
                                        name);
    }
    const char *text = config_setting_get_string(s);
    if (text != NULL && duration && strcmp(text, "never") == 0) {
        return CT_OK;
    }
    bool ok = text != NULL &&
              (duration ? units_parse_duration(text, out) : units_parse_size(text, out));
    if (!ok) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: '%s' must be %s", line, name,
                            duration ? "a duration like \"7d\", \"12h\" or \"never\""
                                     : "a size like \"512MiB\", \"500MB\" or \"4GiB\"");
    }
    return CT_OK;
}

/* { cpu = N; memory = "…"; disk = "…"; } members of group into spec. */
static enum ct_err read_spec(const config_setting_t *group, struct size_spec *spec,
                             struct ct_error *err)
{
    int cpu = 0;
    enum ct_err rc;
    memset(spec, 0, sizeof(*spec));
    if (config_setting_lookup_int(group, "cpu", &cpu) == CONFIG_TRUE) {
        if (cpu < 1 || cpu > CT_CPU_MAX) {
            return ct_error_set(err, CT_ERR_CONFIG, "line %d: cpu must be 1..%d",
                                config_setting_source_line(group), CT_CPU_MAX);
        }
        spec->cpu = cpu;
    }
    if ((rc = read_amount(group, "memory", false, &spec->memory_bytes, err)) != CT_OK ||
        (rc = read_amount(group, "disk", false, &spec->disk_bytes, err)) != CT_OK) {
        return rc;
    }
    if ((spec->memory_bytes != 0 && spec->memory_bytes < CT_MEMORY_MIN_MIB * UNITS_MIB) ||
        (spec->disk_bytes != 0 && spec->disk_bytes < CT_DISK_MIN_MIB * UNITS_MIB)) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: memory below %dMiB or disk below %dMiB",
                            config_setting_source_line(group), CT_MEMORY_MIN_MIB,
                            CT_DISK_MIN_MIB);
    }
    return CT_OK;
}

static enum ct_err load_sizes(const config_t *conf, struct policy_config *p, struct ct_error *err)
{
    const config_setting_t *list = config_lookup(conf, "sizes");
    if (list == NULL) {
        return CT_OK;
    }
    if (!config_setting_is_list(list)) {
        return ct_error_set(err, CT_ERR_CONFIG, "'sizes' must be a list ( { name = …; }, … )");
    }
    size_t n = (size_t)config_setting_length(list);
    if ((p->sizes = calloc(n + 1, sizeof(*p->sizes))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        const char *name = NULL;
        int line = config_setting_source_line(s);
        if (config_setting_lookup_string(s, "name", &name) != CONFIG_TRUE ||
            !validate_name(name, SIZE_NAME_MAX)) {
            return ct_error_set(err, CT_ERR_CONFIG, "size at line %d: missing or invalid name",
                                line);
        }
        if (policy_size(p, name) != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "size at line %d: duplicate name '%s'", line,
                                name);
        }
        enum ct_err rc = read_spec(s, &p->sizes[i].spec, err);
        if (rc != CT_OK) {
            return rc;
        }
        str_copy(p->sizes[i].name, sizeof(p->sizes[i].name), name);
        p->nsizes = i + 1;
    }
    return CT_OK;
}

static enum ct_err read_quota(const config_setting_t *group, struct quota *q, struct ct_error *err)
{
    int containers = 0;
    if (config_setting_lookup_int(group, "containers", &containers) == CONFIG_TRUE) {
        if (containers < 0 || containers > 100000) {
            return ct_error_set(err, CT_ERR_CONFIG, "line %d: containers must be 0..100000",
                                config_setting_source_line(group));
        }
    }
    int per_hour = 0;
    if (config_setting_lookup_int(group, "creates_per_hour", &per_hour) == CONFIG_TRUE) {
        if (per_hour < 0 || per_hour > RATELIMIT_PER_HOUR_MAX) {
            return ct_error_set(err, CT_ERR_CONFIG, "line %d: creates_per_hour must be 0..%d",
                                config_setting_source_line(group), RATELIMIT_PER_HOUR_MAX);
        }
    }
    int snapshots = 0;
    if (config_setting_lookup_int(group, "snapshots", &snapshots) == CONFIG_TRUE) {
        if (snapshots < 0 || snapshots > 100000) {
            return ct_error_set(err, CT_ERR_CONFIG, "line %d: snapshots must be 0..100000",
                                config_setting_source_line(group));
        }
    }
    q->containers = containers;
    q->creates_per_hour = per_hour;
    q->snapshots = snapshots;
    return read_amount(group, "memory", false, &q->memory_bytes, err);
}

static enum ct_err load_quotas(const config_t *conf, struct policy_config *p, struct ct_error *err)
{
    const config_setting_t *q = config_lookup(conf, "quota");
    enum ct_err rc;
    if (q != NULL && (rc = read_quota(q, &p->quota, err)) != CT_OK) {
        return rc;
    }
    const config_setting_t *list = config_lookup(conf, "quota_overrides");
    if (list == NULL) {
        return CT_OK;
    }
    size_t n = (size_t)config_setting_length(list);
    if (!config_setting_is_list(list) || n > QUOTA_OVERRIDES_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG, "'quota_overrides' must be a list of at most %d",
                            QUOTA_OVERRIDES_MAX);
    }
    if ((p->overrides = calloc(n + 1, sizeof(*p->overrides))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        const char *user = NULL;
        if (config_setting_lookup_string(s, "user", &user) != CONFIG_TRUE || !validate_uid(user)) {
            return ct_error_set(err, CT_ERR_CONFIG, "quota override at line %d: invalid user",
                                config_setting_source_line(s));
        }
        str_copy(p->overrides[i].user, sizeof(p->overrides[i].user), user);
        if ((rc = read_quota(s, &p->overrides[i].quota, err)) != CT_OK) {
            return rc;
        }
        p->noverrides = i + 1;
    }
    return CT_OK;
}

enum ct_err policy_load(const config_t *conf, struct policy_config *p, struct ct_error *err)
{
    enum ct_err rc;
    if ((rc = load_sizes(conf, p, err)) != CT_OK || (rc = load_quotas(conf, p, err)) != CT_OK) {
        return rc;
    }
    const config_setting_t *expiry = config_lookup(conf, "expiry");
    if (expiry != NULL &&
        ((rc = read_amount(expiry, "default", true, &p->expiry_default_s, err)) != CT_OK ||
         (rc = read_amount(expiry, "max", true, &p->expiry_max_s, err)) != CT_OK ||
         (rc = read_amount(expiry, "grace", true, &p->expiry_grace_s, err)) != CT_OK)) {
        return rc;
    }
    if (p->expiry_max_s != 0 &&
        (p->expiry_default_s == 0 || p->expiry_default_s > p->expiry_max_s)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "expiry.default must be set and at most expiry.max when a max is set");
    }
    p->requests_keep_s = POLICY_REQUESTS_KEEP_DEFAULT_S;
    const config_setting_t *requests = config_lookup(conf, "requests");
    return requests != NULL && config_setting_get_member(requests, "keep") != NULL
               ? read_amount(requests, "keep", true, &p->requests_keep_s, err)
               : CT_OK;
}

static bool is_runtime(const char *s)
{
    /* ^(nodejs|python)(@[0-9]+(\.[0-9]+){0,2})?$ */
    const char *rest = strncmp(s, "nodejs", 6) == 0   ? s + 6
                       : strncmp(s, "python", 6) == 0 ? s + 6
                                                      : NULL;
    if (rest == NULL || strlen(s) > RUNTIME_MAX) {
        return false;
    }
    if (*rest == '\0') {
        return true;
    }
    if (*rest++ != '@') {
        return false;
    }
    for (int part = 0; part < 3; part++) {
        size_t digits = strspn(rest, "0123456789");
        if (digits == 0) {
            return false;
        }
        rest += digits;
        if (*rest == '\0') {
            return true;
        }
        if (*rest++ != '.') {
            return false;
        }
    }
    return false;
}

/* A string array member into a fixed table; names checked by valid(). */
static enum ct_err read_names(const config_setting_t *s, const char *member, char *table,
                              size_t width, size_t max, size_t *n, bool (*valid)(const char *),
                              struct ct_error *err)
{
    const config_setting_t *arr = config_setting_get_member(s, member);
    *n = 0;
    if (arr == NULL) {
        return CT_OK;
    }
    int line = config_setting_source_line(s);
    if (!config_setting_is_array(arr) || (size_t)config_setting_length(arr) > max) {
        return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: '%s' must be an array of at "
                            "most %zu names", line, member, max);
    }
    for (int i = 0; i < config_setting_length(arr); i++) {
        const char *v = config_setting_get_string_elem(arr, i);
        if (v == NULL || strlen(v) >= width || !valid(v)) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: invalid %s entry", line,
                                member);
        }
        str_copy(table + (size_t)i * width, width, v);
        *n = (size_t)i + 1;
    }
    return CT_OK;
}

static bool is_size_name(const char *s)
{
    return validate_name(s, SIZE_NAME_MAX);
}

enum ct_err policy_load_template(const config_setting_t *s, const struct policy_config *p,
                                 struct template_def *t, struct ct_error *err)
{
    int line = config_setting_source_line(s);
    const char *size = NULL;
    enum ct_err rc;
    if ((rc = read_names(s, "sizes", &t->sizes[0][0], sizeof(t->sizes[0]), TEMPLATE_SIZES_MAX,
                         &t->nsizes, is_size_name, err)) != CT_OK ||
        (rc = read_names(s, "runtimes", &t->runtimes[0][0], sizeof(t->runtimes[0]),
                         TEMPLATE_RUNTIMES_MAX, &t->nruntimes, is_runtime, err)) != CT_OK) {
        return rc;
    }
    for (size_t i = 0; i < t->nsizes; i++) {
        if (policy_size(p, t->sizes[i]) == NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: size '%s' is not in "
                                "'sizes'", line, t->sizes[i]);
        }
    }
    if (config_setting_lookup_string(s, "size", &size) == CONFIG_TRUE) {
        if (policy_size(p, size) == NULL || !policy_template_offers(t, size)) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: default size '%s' is "
                                "not one it offers", line, size);
        }
        str_copy(t->size, sizeof(t->size), size);
    }
    const config_setting_t *max = config_setting_get_member(s, "max");
    if (max != NULL && (rc = read_spec(max, &t->max, err)) != CT_OK) {
        return rc;
    }
    struct size_spec def = {0};
    struct ct_error ignored = {0};
    if (t->size[0] != '\0' &&
        policy_resolve_size(p, t, t->size, &def, &def, &ignored) != CT_OK) {
        return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: default size '%s' exceeds "
                            "its max", line, t->size);
    }
    return CT_OK;
}

void policy_free(struct policy_config *p)
{
    free(p->sizes);
    free(p->overrides);
    memset(p, 0, sizeof(*p));
}

const struct size_def *policy_size(const struct policy_config *p, const char *name)
{
    for (size_t i = 0; i < p->nsizes; i++) {
        if (strcmp(p->sizes[i].name, name) == 0) {
            return &p->sizes[i];
        }
    }
    return NULL;
}

bool policy_template_offers(const struct template_def *t, const char *size)
{
    for (size_t i = 0; i < t->nsizes; i++) {
        if (strcmp(t->sizes[i], size) == 0) {
            return true;
        }
    }
    return t->nsizes == 0;
}

static enum ct_err over(struct ct_error *err, const char *what, const char *value,
                        const char *ceiling, const char *tmpl)
{
    return ct_error_set(err, CT_ERR_BAD_VALUE, "%s %s is more than template %s allows (%s)", what,
                        value, tmpl, ceiling);
}

enum ct_err policy_resolve_size(const struct policy_config *p, const struct template_def *t,
                                const char *size, const struct size_spec *asked,
                                struct size_spec *out, struct ct_error *err)
{
    const char *name = size != NULL && size[0] != '\0' ? size : t->size;
    struct size_spec spec = {0};
    if (name[0] != '\0') {
        const struct size_def *d = policy_size(p, name);
        if (d == NULL || !policy_template_offers(t, name)) {
            return ct_error_set(err, CT_ERR_BAD_VALUE, "size %s is not offered by template %s",
                                name, t->name);
        }
        spec = d->spec;
    }
    if (asked->cpu != 0) {
        spec.cpu = asked->cpu;
    }
    if (asked->memory_bytes != 0) {
        spec.memory_bytes = asked->memory_bytes;
    }
    if (asked->disk_bytes != 0) {
        spec.disk_bytes = asked->disk_bytes;
    }
    /* Nothing asked and nothing preset: the template's ceiling is the limit. */
    if (spec.cpu == 0) {
        spec.cpu = t->max.cpu;
    }
    if (spec.memory_bytes == 0) {
        spec.memory_bytes = t->max.memory_bytes;
    }
    if (spec.disk_bytes == 0) {
        spec.disk_bytes = t->max.disk_bytes;
    }
    char a[32];
    char b[32];
    if (t->max.cpu != 0 && spec.cpu > t->max.cpu) {
        snprintf(a, sizeof(a), "%d", spec.cpu);
        snprintf(b, sizeof(b), "%d", t->max.cpu);
        return over(err, "cpu", a, b, t->name);
    }
    if (t->max.memory_bytes != 0 && spec.memory_bytes > t->max.memory_bytes) {
        units_format_size(spec.memory_bytes, a, sizeof(a));
        units_format_size(t->max.memory_bytes, b, sizeof(b));
        return over(err, "memory", a, b, t->name);
    }
    if (t->max.disk_bytes != 0 && spec.disk_bytes > t->max.disk_bytes) {
        units_format_size(spec.disk_bytes, a, sizeof(a));
        units_format_size(t->max.disk_bytes, b, sizeof(b));
        return over(err, "disk", a, b, t->name);
    }
    *out = spec;
    return CT_OK;
}

enum ct_err policy_resolve_expiry(const struct policy_config *p, bool given, long long asked_s,
                                  long long *out_s, struct ct_error *err)
{
    long long s = given ? asked_s : p->expiry_default_s;
    char max[32];
    units_format_duration(p->expiry_max_s, max, sizeof(max));
    if (p->expiry_max_s != 0 && s == 0) {
        return ct_error_set(err, CT_ERR_BAD_VALUE, "containers must expire, within %s", max);
    }
    if (p->expiry_max_s != 0 && s > p->expiry_max_s) {
        return ct_error_set(err, CT_ERR_BAD_VALUE, "expiry is at most %s", max);
    }
    *out_s = s;
    return CT_OK;
}

struct quota policy_quota(const struct policy_config *p, const char *uid, bool admin)
{
    struct quota none = {0, 0, 0, 0};
    if (admin) {
        return none;
    }
    for (size_t i = 0; i < p->noverrides; i++) {
        if (strcmp(p->overrides[i].user, uid) == 0) {
            return p->overrides[i].quota;
        }
    }
    return p->quota;
}
