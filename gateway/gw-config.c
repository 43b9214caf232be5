/* gw-config.c - see gw-config.h. */
#include "gw-config.h"

#include <libconfig.h>
#include <string.h>

#include "cfgread.h"
#include "log.h"
#include "pubkey.h"
#include "strcopy.h"
#include "units.h"

static bool is_absolute(const char *path)
{
    return path[0] == '/';
}

static enum ct_err check(const struct gw_config *cfg, struct ct_error *err)
{
    if (strncmp(cfg->ldap_uri, "ldaps://", 8) != 0 && strncmp(cfg->ldap_uri, "ldap://", 7) != 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "ldap.uri must start with ldaps:// or ldap://");
    }
    if (strchr(cfg->ldap_uri, ' ') != NULL) {
        return ct_error_set(err, CT_ERR_CONFIG, "ldap.uri must be one URI");
    }
    if (cfg->ldap_user_filter[0] != '(') {
        return ct_error_set(err, CT_ERR_CONFIG, "ldap.user_filter must be a filter in parentheses");
    }
    if (!validate_name(cfg->ldap_users_group, CT_GROUP_MAX)) {
        return ct_error_set(err, CT_ERR_CONFIG, "ldap.users_group is not a group name");
    }
    if (!is_absolute(cfg->ldap_ca_file) ||
        !is_absolute(cfg->agent_key) || !is_absolute(cfg->agent_known_hosts) ||
        (cfg->ldap_bind_password_file[0] != '\0' && !is_absolute(cfg->ldap_bind_password_file))) {
        return ct_error_set(err, CT_ERR_CONFIG, "file names in the configuration must be absolute");
    }
    if ((cfg->ldap_bind_dn[0] != '\0') != (cfg->ldap_bind_password_file[0] != '\0')) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "ldap.bind_dn and ldap.bind_password_file go together");
    }
    if (!validate_token(cfg->agent_host, sizeof(cfg->agent_host) - 1) ||
        !validate_uid(cfg->agent_user)) {
        return ct_error_set(err, CT_ERR_CONFIG, "agent.host or agent.user is invalid");
    }
    if (!validate_name(cfg->default_template, CT_TEMPLATE_MAX)) {
        return ct_error_set(err, CT_ERR_CONFIG, "create.default_template is not a template name");
    }
    if (cfg->ssh_host_hint[0] != '\0' &&
        !validate_token(cfg->ssh_host_hint, sizeof(cfg->ssh_host_hint) - 1)) {
        return ct_error_set(err, CT_ERR_CONFIG, "create.ssh_host_hint must be one word");
    }
    if (!validate_uid(cfg->keys_account)) {
        return ct_error_set(err, CT_ERR_CONFIG, "keys.account is not an account name");
    }
    return CT_OK;
}

/* keys.admit and keys.types (default: every type pubkey.h accepts). */
static enum ct_err load_keys(const config_t *conf, struct gw_config *cfg, struct ct_error *err)
{
    static const char *const defaults[] = {
        "ssh-ed25519",         "ecdsa-sha2-nistp256",        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa",
    };
    char admit[16];
    enum ct_err rc = cfgread_string(conf, "keys.admit", admit, sizeof(admit), "ldap-keys", err);
    if (rc != CT_OK) {
        return rc;
    }
    if (strcmp(admit, "ldap-keys") == 0) {
        cfg->keys_admit = GW_ADMIT_LDAP_KEYS;
    } else if (strcmp(admit, "any-key") == 0) {
        cfg->keys_admit = GW_ADMIT_ANY_KEY;
    } else {
        return ct_error_set(err, CT_ERR_CONFIG, "keys.admit must be \"ldap-keys\" or \"any-key\"");
    }
    const config_setting_t *types = config_lookup(conf, "keys.types");
    if (types == NULL) {
        for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++) {
            str_copy(cfg->keys_types[i], sizeof(cfg->keys_types[i]), defaults[i]);
        }
        cfg->keys_ntypes = sizeof(defaults) / sizeof(defaults[0]);
        return CT_OK;
    }
    int n = config_setting_is_array(types) ? config_setting_length(types) : -1;
    if (n < 1 || n > GW_KEY_TYPES_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG, "keys.types must be a list of 1 to %d key types",
                            GW_KEY_TYPES_MAX);
    }
    for (int i = 0; i < n; i++) {
        const char *t = config_setting_get_string_elem(types, i);
        if (t == NULL || !pubkey_type_allowed(t) ||
            !str_copy(cfg->keys_types[i], sizeof(cfg->keys_types[i]), t)) {
            return ct_error_set(err, CT_ERR_CONFIG, "keys.types: %s is not a key type ctgate takes",
                                t != NULL ? t : "(not a string)");
        }
    }
    cfg->keys_ntypes = (size_t)n;
    return CT_OK;
}

/* A list of strings at path (min..max of them), each added to policy by add. */
static enum ct_err read_list(const config_t *conf, const char *path, int min, int max,
                             bool (*add)(struct repo_policy *, const char *),
                             struct repo_policy *policy, const char *what,
                             struct ct_error *err)
{
    const config_setting_t *list = config_lookup(conf, path);
    if (list == NULL && min == 0) {
        return CT_OK;
    }
    int n = list != NULL && (config_setting_is_array(list) || config_setting_is_list(list))
                ? config_setting_length(list)
                : -1;
    if (n < min || n > max) {
        return ct_error_set(err, CT_ERR_CONFIG, "%s must be a list of %d to %d %s", path, min,
                            max, what);
    }
    for (int i = 0; i < n; i++) {
        const char *v = config_setting_get_string_elem(list, i);
        if (v == NULL || !add(policy, v)) {
            return ct_error_set(err, CT_ERR_CONFIG, "%s: \"%.80s\" is not one of %s", path,
                                v != NULL ? v : "(not a string)", what);
        }
    }
    return CT_OK;
}

/* repo: optional; without it the gateway deploys no repository. */
static enum ct_err load_repo(const config_t *conf, struct gw_repo *repo, struct ct_error *err)
{
    const config_setting_t *section = config_lookup(conf, "repo");
    enum ct_err rc;
    if (section == NULL) {
        return CT_OK;
    }
    if (!config_setting_is_group(section)) {
        return ct_error_set(err, CT_ERR_CONFIG, "repo must be a group: repo = { ... };");
    }
    repo->enabled = true;
    if ((rc = read_list(conf, "repo.allowed_hosts", 1, REPO_HOSTS_MAX, repo_policy_add_host,
                        &repo->policy, "host names (\"name\" or \".domain\")", err)) != CT_OK ||
        (rc = read_list(conf, "repo.denied_ranges", 0, REPO_RANGES_MAX, repo_policy_add_range,
                        &repo->policy, "address ranges (\"10.0.0.0/8\", \"fc00::/7\")", err)) !=
            CT_OK ||
        (rc = read_list(conf, "repo.pin", 0, REPO_PINS_MAX, repo_policy_add_pin, &repo->policy,
                        "pins (\"host=address\")", err)) != CT_OK ||
        (rc = cfgread_string(conf, "repo.ca_file", repo->ca_file, sizeof(repo->ca_file), "",
                             err)) != CT_OK ||
        (rc = cfgread_int(conf, "repo.timeout", 1, 120, 10, &repo->timeout_s, err)) != CT_OK ||
        (rc = cfgread_int(conf, "repo.connect_timeout", 1, 120, 10, &repo->connect_timeout_s,
                          err)) != CT_OK) {
        return rc;
    }
    if (repo->ca_file[0] != '\0' && !is_absolute(repo->ca_file)) {
        return ct_error_set(err, CT_ERR_CONFIG, "repo.ca_file must be an absolute path");
    }
    return CT_OK;
}

/* A duration ("15m", "2s") at path between min and max seconds, or fallback when absent. */
static enum ct_err read_duration(const config_t *conf, const char *path, const char *fallback,
                                 long long min, long long max, long long *out,
                                 struct ct_error *err)
{
    char text[32];
    enum ct_err rc = cfgread_string(conf, path, text, sizeof(text), fallback, err);
    if (rc != CT_OK) {
        return rc;
    }
    if (!units_parse_duration(text, out) || *out < min || *out > max) {
        return ct_error_set(err, CT_ERR_CONFIG, "%s must be a duration such as \"%s\"", path,
                            fallback);
    }
    return CT_OK;
}

/* throttle.*: where failures are counted and how many are allowed. */
static enum ct_err load_throttle(const config_t *conf, struct throttle_policy *t,
                                 struct ct_error *err)
{
    enum ct_err rc;
    if ((rc = cfgread_string(conf, "throttle.dir", t->dir, sizeof(t->dir),
                             "/var/lib/ctgate-gateway/throttle", err)) != CT_OK ||
        (rc = cfgread_int(conf, "throttle.failures", 1, THROTTLE_FAILURES_MAX, 5,
                          &t->user_failures, err)) != CT_OK ||
        (rc = cfgread_int(conf, "throttle.address_failures", 1, THROTTLE_FAILURES_MAX, 20,
                          &t->address_failures, err)) != CT_OK ||
        (rc = read_duration(conf, "throttle.window", "15m", 1, 7LL * 86400, &t->window_s, err)) !=
            CT_OK ||
        (rc = read_duration(conf, "throttle.delay", "2s", 0, 60, &t->delay_s, err)) != CT_OK) {
        return rc;
    }
    if (!is_absolute(t->dir)) {
        return ct_error_set(err, CT_ERR_CONFIG, "throttle.dir must be an absolute path");
    }
    return CT_OK;
}

enum ct_err gwconf_load(const char *path, struct gw_config *cfg, struct ct_error *err)
{
    memset(cfg, 0, sizeof(*cfg));
    config_t conf;
    config_init(&conf);
    enum ct_err rc;

    if ((rc = cfgread_file(&conf, path, err)) != CT_OK) {
        goto out;
    }
    if ((rc = cfgread_string(&conf, "ldap.uri", cfg->ldap_uri, sizeof(cfg->ldap_uri), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_string(&conf, "ldap.base", cfg->ldap_base, sizeof(cfg->ldap_base), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_string(&conf, "ldap.group_base", cfg->ldap_group_base,
                             sizeof(cfg->ldap_group_base), cfg->ldap_base, err)) != CT_OK ||
        (rc = cfgread_string(&conf, "ldap.user_filter", cfg->ldap_user_filter,
                             sizeof(cfg->ldap_user_filter), "(objectClass=posixAccount)", err)) !=
            CT_OK ||
        (rc = cfgread_string(&conf, "ldap.users_group", cfg->ldap_users_group,
                             sizeof(cfg->ldap_users_group), NULL, err)) != CT_OK ||
        (rc = cfgread_string(&conf, "ldap.ca_file", cfg->ldap_ca_file, sizeof(cfg->ldap_ca_file),
                             "/etc/ssl/certs/ca-certificates.crt", err)) != CT_OK ||
        (rc = cfgread_string(&conf, "ldap.bind_dn", cfg->ldap_bind_dn, sizeof(cfg->ldap_bind_dn),
                             "", err)) != CT_OK ||
        (rc = cfgread_string(&conf, "ldap.bind_password_file", cfg->ldap_bind_password_file,
                             sizeof(cfg->ldap_bind_password_file), "", err)) != CT_OK ||
        (rc = cfgread_bool(&conf, "ldap.tls_verify", true, &cfg->ldap_tls_verify, err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "ldap.timeout", 10, &cfg->ldap_timeout_s, err)) != CT_OK ||
        (rc = cfgread_int(&conf, "ldap.key_search_limit", 0, 100000, 0,
                          &cfg->ldap_key_search_limit, err)) != CT_OK ||
        (rc = cfgread_string(&conf, "agent.host", cfg->agent_host, sizeof(cfg->agent_host), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_int(&conf, "agent.port", 1, 65535, 22, &cfg->agent_port, err)) != CT_OK ||
        (rc = cfgread_string(&conf, "agent.user", cfg->agent_user, sizeof(cfg->agent_user), "ctgate",
                             err)) != CT_OK ||
        (rc = cfgread_string(&conf, "agent.key", cfg->agent_key, sizeof(cfg->agent_key),
                             "/etc/ctgate/agent_key", err)) != CT_OK ||
        (rc = cfgread_string(&conf, "agent.known_hosts", cfg->agent_known_hosts,
                             sizeof(cfg->agent_known_hosts), "/etc/ctgate/agent_known_hosts",
                             err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "agent.connect_timeout", 10, &cfg->agent_connect_timeout_s,
                              err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "agent.idle_timeout", 300, &cfg->agent_idle_timeout_s,
                              err)) != CT_OK ||
        (rc = cfgread_string(&conf, "create.default_template", cfg->default_template,
                             sizeof(cfg->default_template), NULL, err)) != CT_OK ||
        (rc = cfgread_string(&conf, "create.ssh_host_hint", cfg->ssh_host_hint,
                             sizeof(cfg->ssh_host_hint), "", err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "prompt_timeout", 120, &cfg->prompt_timeout_s, err)) !=
            CT_OK ||
        (rc = cfgread_string(&conf, "keys.account", cfg->keys_account, sizeof(cfg->keys_account),
                             "create-container", err)) != CT_OK ||
        (rc = cfgread_int(&conf, "keys.timeout", 1, 60, 5, &cfg->keys_timeout_s, err)) != CT_OK ||
        (rc = load_keys(&conf, cfg, err)) != CT_OK ||
        (rc = load_throttle(&conf, &cfg->throttle, err)) != CT_OK ||
        (rc = load_repo(&conf, &cfg->repo, err)) != CT_OK) {
        goto out;
    }
    rc = check(cfg, err);
    if (rc == CT_OK && !cfg->ldap_tls_verify) {
        log_warn("ldap.tls_verify is false: LDAP server certificates are NOT checked");
    }
out:
    config_destroy(&conf);
    return rc;
}
