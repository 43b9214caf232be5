/* identity.c - see identity.h. */
#include "identity.h"

#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "ops.h"
#include "strcopy.h"
#include "validate.h"

#define CA_FILE_MAX ((size_t)256 * 1024)
#define SSSD_CONF_MAX ((size_t)16 * 1024)

/* ldaps:// or ldap:// then a host, an optional port and path: no spaces, commas or controls. */
static bool valid_uri(const char *s)
{
    const char *rest = NULL;
    if (strncmp(s, "ldaps://", 8) == 0) {
        rest = s + 8;
    } else if (strncmp(s, "ldap://", 7) == 0) {
        rest = s + 7;
    } else {
        return false;
    }
    if (*rest == '\0' || *rest == '/' || *rest == ':') {
        return false;
    }
    for (; *rest != '\0'; rest++) {
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]/_",
                   *rest) == NULL) {
            return false;
        }
    }
    return true;
}

/* One setting of `directory`: a string of at most len-1 bytes, checked by ok. */
static enum ct_err dir_string(const config_setting_t *s, const char *name, char *dst, size_t len,
                              bool required, bool (*ok)(const char *, size_t), struct ct_error *err)
{
    const char *value = NULL;
    if (config_setting_lookup_string(s, name, &value) != CONFIG_TRUE) {
        dst[0] = '\0';
        return required ? ct_error_set(err, CT_ERR_CONFIG, "directory at line %d: missing '%s'",
                                       config_setting_source_line(s), name)
                        : CT_OK;
    }
    if (!str_copy(dst, len, value) || !ok(dst, len - 1)) {
        return ct_error_set(err, CT_ERR_CONFIG, "directory at line %d: '%s' is %s",
                            config_setting_source_line(s), name,
                            strlen(value) >= len ? "too long" : "not valid");
    }
    return CT_OK;
}

static bool ok_uri(const char *s, size_t max)
{
    return strlen(s) <= max && valid_uri(s);
}

static bool ok_dn(const char *s, size_t max)
{
    return s[0] != '\0' && s[0] != ' ' && validate_text(s, max) && strchr(s, '\\') == NULL;
}

static bool ok_path(const char *s, size_t max)
{
    return s[0] == '/' && validate_token(s, max);
}

enum ct_err identity_load_directory(const config_t *conf, struct directory_config *d,
                                    struct ct_error *err)
{
    memset(d, 0, sizeof(*d));
    const config_setting_t *s = config_lookup(conf, "directory");
    if (s == NULL) {
        return CT_OK;
    }
    if (!config_setting_is_group(s)) {
        return ct_error_set(err, CT_ERR_CONFIG, "directory at line %d: must be a group { ... }",
                            config_setting_source_line(s));
    }
    enum ct_err rc;
    if ((rc = dir_string(s, "uri", d->uri, sizeof(d->uri), true, ok_uri, err)) != CT_OK ||
        (rc = dir_string(s, "base", d->base, sizeof(d->base), true, ok_dn, err)) != CT_OK ||
        (rc = dir_string(s, "group_base", d->group_base, sizeof(d->group_base), false, ok_dn,
                         err)) != CT_OK ||
        (rc = dir_string(s, "ca_file", d->ca_file, sizeof(d->ca_file), true, ok_path, err)) !=
            CT_OK) {
        return rc;
    }
    if (d->group_base[0] == '\0') {
        str_copy(d->group_base, sizeof(d->group_base), d->base);
    }
    d->enabled = true;
    return CT_OK;
}

enum ct_err identity_load_template(config_setting_t *s, const struct directory_config *d,
                                   struct template_def *t, struct ct_error *err)
{
    int line = config_setting_source_line(s);
    const char *client = NULL;
    t->ldap_client = TEMPLATE_LDAP_NONE;
    t->nlogin_groups = 0;
    if (config_setting_lookup_string(s, "ldap_client", &client) == CONFIG_TRUE &&
        strcmp(client, "none") != 0) {
        if (strcmp(client, "sssd") != 0) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: ldap_client must be \"none\" or \"sssd\"",
                                line);
        }
        if (!d->enabled) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: ldap_client needs a directory = { uri; "
                                "base; ca_file; } section",
                                line);
        }
        t->ldap_client = TEMPLATE_LDAP_SSSD;
    }
    const config_setting_t *groups = config_setting_get_member(s, "login_groups");
    if (groups == NULL) {
        return CT_OK;
    }
    int n = config_setting_length(groups);
    if (!config_setting_is_array(groups) || n > TEMPLATE_LOGIN_GROUPS_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "template at line %d: login_groups must be an array of at most %d "
                            "group names",
                            line, TEMPLATE_LOGIN_GROUPS_MAX);
    }
    if (n > 0 && t->ldap_client == TEMPLATE_LDAP_NONE) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "template at line %d: login_groups needs an ldap_client", line);
    }
    for (int i = 0; i < n; i++) {
        const char *g = config_setting_get_string_elem(groups, i);
        if (g == NULL || !validate_name(g, CT_GROUP_MAX)) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: login_groups[%d] is not a group name", line,
                                i);
        }
        str_copy(t->login_groups[i], sizeof(t->login_groups[i]), g);
        t->nlogin_groups = (size_t)i + 1;
    }
    return CT_OK;
}

enum ct_err identity_render_sssd(const struct agent_config *cfg, const struct template_def *t,
                                 const char *owner, struct buf *out, struct ct_error *err)
{
    const struct directory_config *d = &cfg->directory;
    if (!d->enabled || !validate_uid(owner)) {
        return ct_error_set(err, CT_ERR_INTERNAL, "no directory to configure");
    }
    /* Members of these groups may log in besides the owner; the owner's own groups do not count. */
    char groups[(CT_GROUP_MAX + 2) * (TEMPLATE_LOGIN_GROUPS_MAX + 1)] = "";
    size_t len = 0;
    for (size_t i = 0; i <= t->nlogin_groups; i++) {
        const char *g = i == 0 ? cfg->admin_group : t->login_groups[i - 1];
        if (g[0] != '\0') {
            len += (size_t)snprintf(groups + len, sizeof(groups) - len, "%s%s", len > 0 ? ", " : "",
                                    g); /* sized for every group */
        }
    }
    int bad =
        buf_appendf(out, "# Written by ctgate when this container was created: who logs in from\n"
                         "# the directory, checked against its CA.\n"
                         "[sssd]\nservices = nss, pam\ndomains = directory\n\n"
                         "[nss]\nfilter_users = root\nfilter_groups = root\n\n"
                         "[domain/directory]\nid_provider = ldap\nauth_provider = ldap\n"
                         "chpass_provider = none\nldap_schema = rfc2307\n");
    bad |= buf_appendf(out, "ldap_uri = %s\n%s", d->uri,
                       strncmp(d->uri, "ldap://", 7) == 0 ? "ldap_id_use_start_tls = true\n" : "");
    bad |=
        buf_appendf(out, "ldap_search_base = %s\nldap_user_search_base = %s\n", d->base, d->base);
    bad |= buf_appendf(out, "ldap_group_search_base = %s\n", d->group_base);
    bad |= buf_appendf(out, "ldap_tls_reqcert = demand\nldap_tls_cacert = %s\n", IDENTITY_CA_FILE);
    bad |= buf_appendf(out, "ldap_network_timeout = 5\nldap_opt_timeout = 5\n"
                            "cache_credentials = false\nenumerate = false\n");
    bad |= buf_appendf(out, "access_provider = simple\nsimple_allow_users = %s\n", owner);
    if (groups[0] != '\0') {
        bad |= buf_appendf(out, "simple_allow_groups = %s\n", groups);
    }
    if (bad != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "sssd.conf too large");
    }
    return CT_OK;
}

/* argv inside the container as root; a non-zero exit is an error naming what and why. */
static enum ct_err run_inside(struct agent_ctx *a, const char *name, const char *const *argv,
                              const char *what, struct ct_error *err)
{
    struct backend_exec ex = {.argv = argv};
    enum ct_err rc = a->backend->exec(a->handle, name, &ex, err);
    if (rc == CT_OK && ex.exit_status != 0) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "%s (%s exited with %d%s%s)", what, argv[0],
                          ex.exit_status, ex.stderr_excerpt[0] ? ": " : "", ex.stderr_excerpt);
    }
    return rc;
}

enum ct_err identity_configure(struct agent_ctx *a, const char *name, const char *owner,
                               const struct template_def *t, struct ct_error *err)
{
    if (t->ldap_client == TEMPLATE_LDAP_NONE) {
        return CT_OK;
    }
    const struct directory_config *d = &a->cfg->directory;
    struct buf ca, conf;
    buf_init(&ca, CA_FILE_MAX);
    buf_init(&conf, SSSD_CONF_MAX);
    enum ct_err rc = CT_OK;
    int rd = buf_read_file(&ca, d->ca_file);
    if (rd != 0 || ca.data == NULL || strstr(ca.data, "-----BEGIN CERTIFICATE-----") == NULL) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "directory.ca_file %s: %s", d->ca_file,
                          rd != 0 ? strerror(-rd) : "not a PEM certificate");
        goto out;
    }
    if ((rc = identity_render_sssd(a->cfg, t, owner, &conf, err)) != CT_OK) {
        goto out;
    }
    /* sssd refuses a config file that is not root's and 0600. */
    struct backend_file cafile = {IDENTITY_CA_FILE, ca.data, ca.len, 0644, 0, 0};
    struct backend_file conffile = {IDENTITY_SSSD_CONF, conf.data, conf.len, 0600, 0, 0};
    if ((rc = a->backend->push_file(a->handle, name, &cafile, err)) != CT_OK ||
        (rc = a->backend->push_file(a->handle, name, &conffile, err)) != CT_OK) {
        goto out;
    }
    const char *const restart[] = {"systemctl", "restart", "sssd.service", NULL};
    if ((rc = run_inside(a, name, restart, "sssd did not start", err)) != CT_OK) {
        goto out;
    }
    /* The owner through sssd alone: the directory is reachable and its certificate checks out. */
    const char *const lookup[] = {"getent", "-s", "sss", "passwd", owner, NULL};
    rc = run_inside(a, name, lookup,
                    "the container cannot look the owner up in the directory (is it reachable "
                    "from containers over TLS?)",
                    err);
out:
    buf_free(&ca);
    buf_free(&conf);
    return rc;
}
