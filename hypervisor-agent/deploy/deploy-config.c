/* deploy-config.c - see deploy-config.h. */
#include "deploy-config.h"

#include <string.h>

#include "cfgread.h"

/* key's strings into policy, each through add (which checks it). */
static enum ct_err load_list(const config_setting_t *group, const char *key, size_t max,
                             struct repo_policy *policy,
                             bool (*add)(struct repo_policy *, const char *), struct ct_error *err)
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
    for (int i = 0; i < n; i++) {
        const char *s = config_setting_get_string_elem(list, i);
        if (s == NULL || !add(policy, s)) {
            return ct_error_set(err, CT_ERR_CONFIG, "deploy.%s[%d] at line %d is not valid", key,
                                i, config_setting_source_line(list));
        }
    }
    return CT_OK;
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
    if ((rc = load_list(s, "allowed_hosts", REPO_HOSTS_MAX, &out->policy, repo_policy_add_host,
                        err)) != CT_OK ||
        (rc = load_list(s, "denied_ranges", REPO_RANGES_MAX, &out->policy,
                        repo_policy_add_range, err)) != CT_OK ||
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
    if (out->policy.nallowed == 0) {
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
    memset(d, 0, sizeof(*d));
}
