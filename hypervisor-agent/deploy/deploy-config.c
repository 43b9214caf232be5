/* deploy-config.c - see deploy-config.h. */
#include "deploy-config.h"

#include <stdlib.h>
#include <string.h>

#include "cfgread.h"
#include "repo-url.h"
#include "validate.h"

/* A host entry: "name" or ".suffix" of a-z, 0-9, '.', '-'. */
static bool valid_host_entry(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > DEPLOY_HOST_MAX || (s[0] == '.' && n == 1)) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (strchr("abcdefghijklmnopqrstuvwxyz0123456789.-", s[i]) == NULL) {
            return false;
        }
    }
    return true;
}

static enum ct_err load_list(const config_setting_t *group, const char *key, size_t max,
                             bool (*ok)(const char *), char ***out, size_t *nout,
                             struct ct_error *err)
{
    const config_setting_t *list = config_setting_get_member(group, key);
    if (list == NULL) {
        return CT_OK;
    }
    int n = config_setting_length(list);
    if (!config_setting_is_array(list) || n < 0 || (size_t)n > max) {
        return ct_error_set(err, CT_ERR_CONFIG, "deploy.%s at line %d: an array of at most %zu",
                            key, config_setting_source_line(list), max);
    }
    *out = calloc((size_t)n + 1, sizeof(**out));
    if (*out == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const char *s = config_setting_get_string_elem(list, i);
        if (s == NULL || !ok(s)) {
            return ct_error_set(err, CT_ERR_CONFIG, "deploy.%s[%d] at line %d is not valid", key,
                                i, config_setting_source_line(list));
        }
        if (((*out)[i] = strdup(s)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        *nout = (size_t)i + 1;
    }
    return CT_OK;
}

static bool valid_range(const char *s)
{
    return repo_range_valid(s);
}

static bool valid_app_dir(const char *s)
{
    return s[0] == '/' && strlen(s) > 1 && strstr(s, "..") == NULL &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789/_-.") == strlen(s);
}

enum ct_err deploy_config_load(const config_t *conf, struct deploy_config *out,
                               struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    const config_setting_t *s = config_lookup(conf, "deploy");
    if (s == NULL) {
        return CT_OK;
    }
    if (!config_setting_is_group(s)) {
        return ct_error_set(err, CT_ERR_CONFIG, "deploy at line %d: must be a group { ... }",
                            config_setting_source_line(s));
    }
    enum ct_err rc;
    if ((rc = load_list(s, "allowed_hosts", DEPLOY_HOSTS_MAX, valid_host_entry,
                        &out->allowed_hosts, &out->nallowed, err)) != CT_OK ||
        (rc = load_list(s, "denied_ranges", DEPLOY_RANGES_MAX, valid_range, &out->denied_ranges,
                        &out->ndenied, err)) != CT_OK ||
        (rc = cfgread_int(conf, "deploy.command_timeout", 1, 86400, 600,
                          &out->command_timeout_s, err)) != CT_OK ||
        (rc = cfgread_int(conf, "deploy.ready_timeout", 1, 3600, 60, &out->ready_timeout_s,
                          err)) != CT_OK ||
        (rc = cfgread_string(conf, "deploy.app_dir", out->app_dir, sizeof(out->app_dir),
                             "/srv/app", err)) != CT_OK) {
        deploy_config_free(out);
        return rc;
    }
    if (!valid_app_dir(out->app_dir)) {
        deploy_config_free(out);
        return ct_error_set(err, CT_ERR_CONFIG, "deploy.app_dir must be an absolute path");
    }
    if (out->nallowed == 0) {
        deploy_config_free(out);
        return ct_error_set(err, CT_ERR_CONFIG,
                            "deploy at line %d: allowed_hosts must name at least one host",
                            config_setting_source_line(s));
    }
    out->enabled = true;
    return CT_OK;
}

void deploy_config_free(struct deploy_config *d)
{
    for (size_t i = 0; d->allowed_hosts != NULL && d->allowed_hosts[i] != NULL; i++) {
        free(d->allowed_hosts[i]);
    }
    for (size_t i = 0; d->denied_ranges != NULL && d->denied_ranges[i] != NULL; i++) {
        free(d->denied_ranges[i]);
    }
    free(d->allowed_hosts);
    free(d->denied_ranges);
    memset(d, 0, sizeof(*d));
}
