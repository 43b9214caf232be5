/* agent-config.c - see agent-config.h. */
#include "agent-config.h"

#include <arpa/inet.h>

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr-policy.h"
#include "backend.h"
#include "cfgread.h"
#include "identity.h"
#include "policy.h"
#include "ratelimit.h"
#include "registry.h"
#include "units.h"
#include "validate.h"
#include "strcopy.h"
#include "template-recipe.h"

static enum ct_err member_string(config_setting_t *s, const char *name, char *dst, size_t len,
                                 bool required, struct ct_error *err)
{
    const char *value = NULL;
    if (config_setting_lookup_string(s, name, &value) != CONFIG_TRUE) {
        if (required) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: missing '%s'",
                                config_setting_source_line(s), name);
        }
        dst[0] = '\0';
        return CT_OK;
    }
    if (strlen(value) >= len) {
        return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: '%s' too long",
                            config_setting_source_line(s), name);
    }
    memcpy(dst, value, strlen(value) + 1);
    return CT_OK;
}

/* How the owner works inside: `sudo` and `sshd` of a template. */
static enum ct_err load_template_login(config_setting_t *s, struct template_def *t,
                                       struct ct_error *err)
{
    static const char *const sudo_names[] = {
        [TEMPLATE_SUDO_NONE] = "none",
        [TEMPLATE_SUDO_NOPASSWD] = "nopasswd",
        [TEMPLATE_SUDO_PASSWORD] = "password",
    };
    char sudo[16] = "";
    int line = config_setting_source_line(s);
    enum ct_err rc = member_string(s, "sudo", sudo, sizeof(sudo), false, err);
    if (rc != CT_OK) {
        return rc;
    }
    t->sudo = TEMPLATE_SUDO_NONE;
    if (sudo[0] != '\0') {
        size_t i = 0;
        while (i < sizeof(sudo_names) / sizeof(sudo_names[0]) && strcmp(sudo, sudo_names[i]) != 0) {
            i++;
        }
        if (i == sizeof(sudo_names) / sizeof(sudo_names[0])) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: sudo must be \"none\", \"nopasswd\" or "
                                "\"password\"",
                                line);
        }
        t->sudo = (enum template_sudo)i;
    }
    config_setting_t *sshd = config_setting_get_member(s, "sshd");
    if (sshd != NULL && config_setting_type(sshd) != CONFIG_TYPE_BOOL) {
        return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: sshd must be true or false",
                            line);
    }
    t->sshd = sshd != NULL && config_setting_get_bool(sshd);
    return CT_OK;
}

/* A template's `services`: names in the catalogue (services_file), at most 8. */
static enum ct_err load_template_services(config_setting_t *s, const struct agent_config *cfg,
                                          struct template_def *t, struct ct_error *err)
{
    const config_setting_t *arr = config_setting_get_member(s, "services");
    int line = config_setting_source_line(s);
    t->nservices = 0;
    if (arr == NULL) {
        return CT_OK;
    }
    int n = config_setting_is_array(arr) ? config_setting_length(arr) : -1;
    if (n < 0 || n > TEMPLATE_SERVICES_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "template at line %d: 'services' must be an array of at most %d "
                            "service names",
                            line, TEMPLATE_SERVICES_MAX);
    }
    for (int i = 0; i < n; i++) {
        const char *name = config_setting_get_string_elem(arr, i);
        if (name == NULL || !validate_service_name(name)) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: services[%d] is not a service name", line, i);
        }
        if (services_find(&cfg->services, name) == NULL) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: service '%s' is not in %s", line, name,
                                cfg->services_file[0] != '\0' ? cfg->services_file
                                                              : "the catalogue (no services_file)");
        }
        for (size_t j = 0; j < t->nservices; j++) {
            if (strcmp(t->services[j], name) == 0) {
                return ct_error_set(err, CT_ERR_CONFIG,
                                    "template at line %d: service '%s' is listed twice", line,
                                    name);
            }
        }
        str_copy(t->services[t->nservices++], sizeof(t->services[0]), name);
    }
    return CT_OK;
}

/* A recipe's build gets the packages of the template's services and disables their units. */
static enum ct_err add_recipe_services(const struct agent_config *cfg, struct template_def *t,
                                       struct ct_error *err)
{
    enum ct_err rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && t->recipe != NULL && i < t->nservices; i++) {
        rc = template_recipe_add_service(t->recipe, services_find(&cfg->services, t->services[i]),
                                         err);
    }
    return rc;
}

static enum ct_err load_templates(config_t *conf, struct agent_config *cfg, struct ct_error *err)
{
    config_setting_t *list = config_lookup(conf, "templates");
    if (list == NULL || !config_setting_is_list(list) || config_setting_length(list) == 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "'templates' must be a non-empty list");
    }
    size_t n = (size_t)config_setting_length(list);
    cfg->templates = calloc(n, sizeof(*cfg->templates));
    if (cfg->templates == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        config_setting_t *s = config_setting_get_elem(list, (unsigned)i);
        struct template_def *t = &cfg->templates[i];
        enum ct_err rc;
        if ((rc = member_string(s, "name", t->name, sizeof(t->name), true, err)) != CT_OK ||
            (rc = member_string(s, "image", t->image, sizeof(t->image), true, err)) != CT_OK ||
            (rc = member_string(s, "description", t->description, sizeof(t->description), false,
                                err)) != CT_OK ||
            (rc = member_string(s, "shell", t->shell, sizeof(t->shell), false, err)) != CT_OK ||
            (rc = policy_load_template(s, &cfg->policy, t, err)) != CT_OK) {
            return rc;
        }
        int line = config_setting_source_line(s);
        if (!validate_name(t->name, CT_TEMPLATE_MAX)) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: invalid name", line);
        }
        if (agent_config_template(cfg, t->name) != NULL) { /* searches templates[0..i-1] */
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: duplicate name '%s'",
                                line, t->name);
        }
        struct ct_error why = {0};
        if (cfg->backend_ops->check_image(cfg->backend_settings, t->image, &why) != CT_OK) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: %s", line, why.detail);
        }
        if (t->shell[0] == '\0') {
            str_copy(t->shell, sizeof(t->shell), "/bin/sh");
        }
        if (t->shell[0] != '/' || !validate_token(t->shell, sizeof(t->shell) - 1)) {
            return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: shell must be a path",
                                line);
        }
        if ((rc = load_template_login(s, t, err)) != CT_OK ||
            (rc = identity_load_template(s, &cfg->directory, t, err)) != CT_OK ||
            (rc = load_template_services(s, cfg, t, err)) != CT_OK) {
            return rc;
        }
        config_setting_t *build = config_setting_get_member(s, "build");
        if (build != NULL && (rc = template_recipe_load(build, &t->recipe, err)) != CT_OK) {
            return rc;
        }
        cfg->ntemplates = i + 1; /* from here agent_config_free frees its recipe */
        if ((rc = add_recipe_services(cfg, t, err)) != CT_OK) {
            return rc;
        }
    }
    return CT_OK;
}

static enum ct_err load_reserved(config_t *conf, struct agent_config *cfg, struct ct_error *err)
{
    config_setting_t *arr = config_lookup(conf, "reserved_hostnames");
    if (arr == NULL) {
        return CT_OK;
    }
    if (!config_setting_is_array(arr)) {
        return ct_error_set(err, CT_ERR_CONFIG, "'reserved_hostnames' must be an array");
    }
    size_t n = (size_t)config_setting_length(arr);
    cfg->reserved = calloc(n + 1, sizeof(char *));
    if (cfg->reserved == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const char *name = config_setting_get_string_elem(arr, (int)i);
        if (name == NULL || !validate_hostname(name)) {
            return ct_error_set(err, CT_ERR_CONFIG, "reserved_hostnames[%zu] is not a hostname", i);
        }
        cfg->reserved[i] = strdup(name);
        if (cfg->reserved[i] == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        cfg->nreserved = i + 1;
    }
    return CT_OK;
}

static bool is_domain(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 120 || s[0] == '.' || s[0] == '-' || s[n - 1] == '.') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
            return false;
        }
    }
    return strstr(s, "..") == NULL;
}

static enum ct_err load_argv(const config_t *conf, const char *path, char **argv,
                             struct ct_error *err)
{
    config_setting_t *arr = config_lookup(conf, path);
    int n = arr != NULL && config_setting_is_array(arr) ? config_setting_length(arr) : 0;
    if (n < 1 || n > PUBLISH_ARGV_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG, "'%s' must be an array of 1..%d strings", path,
                            PUBLISH_ARGV_MAX);
    }
    for (int i = 0; i < n; i++) {
        const char *word = config_setting_get_string_elem(arr, i);
        if (word == NULL || (i == 0 && word[0] != '/')) {
            return ct_error_set(err, CT_ERR_CONFIG, "'%s': strings only, the first an absolute path",
                                path);
        }
        if ((argv[i] = strdup(word)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
    }
    return CT_OK;
}

/* [ FIRST, LAST ] within 1024..65535; absent is an error only when required. */
static enum ct_err load_range(const config_t *conf, const char *path, bool required, int *min,
                              int *max, struct ct_error *err)
{
    config_setting_t *range = config_lookup(conf, path);
    *min = 0;
    *max = 0;
    if (range == NULL && !required) {
        return CT_OK;
    }
    if (range == NULL || !config_setting_is_array(range) || config_setting_length(range) != 2) {
        return ct_error_set(err, CT_ERR_CONFIG, "%s must be [ FIRST, LAST ]", path);
    }
    *min = config_setting_get_int_elem(range, 0);
    *max = config_setting_get_int_elem(range, 1);
    if (*min < 1024 || *max > 65535 || *min > *max) {
        return ct_error_set(err, CT_ERR_CONFIG, "%s must lie in 1024..65535", path);
    }
    return CT_OK;
}

static enum ct_err load_publish(const config_t *conf, struct publish_config *p,
                                struct ct_error *err)
{
    enum ct_err rc;
    if (config_lookup(conf, "publish") == NULL) {
        return CT_OK;
    }
    p->enabled = true;
    if ((rc = cfgread_string(conf, "publish.domain", p->domain, sizeof(p->domain), NULL, err)) !=
            CT_OK ||
        (rc = cfgread_string(conf, "publish.url_scheme", p->url_scheme, sizeof(p->url_scheme),
                             "https", err)) != CT_OK ||
        (rc = cfgread_string(conf, "publish.ssh_host", p->ssh_host, sizeof(p->ssh_host), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_string(conf, "publish.subnet", p->subnet, sizeof(p->subnet), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_string(conf, "publish.listen_address", p->listen_address,
                             sizeof(p->listen_address), "", err)) != CT_OK ||
        (rc = cfgread_string(conf, "publish.http_listen", p->http_listen, sizeof(p->http_listen),
                             "80", err)) != CT_OK ||
        (rc = cfgread_int(conf, "publish.http_port", 1, 65535, 80, &p->http_port, err)) != CT_OK ||
        (rc = cfgread_string(conf, "publish.http_file", p->http_file, sizeof(p->http_file), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_string(conf, "publish.stream_file", p->stream_file, sizeof(p->stream_file),
                             NULL, err)) != CT_OK ||
        (rc = cfgread_seconds(conf, "publish.command_timeout", 30, &p->command_timeout_s, err)) !=
            CT_OK ||
        (rc = load_argv(conf, "publish.test", p->test_argv, err)) != CT_OK ||
        (rc = load_argv(conf, "publish.reload", p->reload_argv, err)) != CT_OK) {
        return rc;
    }
    if ((rc = load_range(conf, "publish.ssh_ports", true, &p->ssh_port_min, &p->ssh_port_max,
                         err)) != CT_OK ||
        (rc = load_range(conf, "publish.protocol_ports", false, &p->protocol_port_min,
                         &p->protocol_port_max, err)) != CT_OK) {
        return rc;
    }
    if (p->protocol_port_min != 0 && p->protocol_port_min <= p->ssh_port_max &&
        p->ssh_port_min <= p->protocol_port_max) {
        return ct_error_set(err, CT_ERR_CONFIG, "publish.ssh_ports and protocol_ports overlap");
    }
    struct addr_subnet net;
    if (!addr_subnet_parse(p->subnet, &net)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "publish.subnet must be the containers' network as LXD's ipv4.address "
                            "gives it, e.g. \"10.213.77.1/24\"");
    }
    if (!is_domain(p->domain)) {
        return ct_error_set(err, CT_ERR_CONFIG, "publish.domain is not a domain name");
    }
    if (strcmp(p->url_scheme, "http") != 0 && strcmp(p->url_scheme, "https") != 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "publish.url_scheme must be \"http\" or \"https\"");
    }
    if (!validate_token(p->ssh_host, sizeof(p->ssh_host) - 1) ||
        (p->listen_address[0] != '\0' &&
         !validate_token(p->listen_address, sizeof(p->listen_address) - 1)) ||
        !validate_token(p->http_listen, sizeof(p->http_listen) - 1) ||
        strpbrk(p->listen_address, ";{}'\"$") != NULL || strpbrk(p->http_listen, ";{}'\"$") != NULL) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "publish.ssh_host, listen_address or http_listen is invalid");
    }
    if (p->http_file[0] != '/' || p->stream_file[0] != '/') {
        return ct_error_set(err, CT_ERR_CONFIG, "publish.http_file and stream_file must be absolute");
    }
    return CT_OK;
}

static enum ct_err load_protocols(const config_t *conf, struct agent_config *cfg,
                                  struct ct_error *err)
{
    char path[PATH_MAX];
    enum ct_err rc = cfgread_string(conf, "protocols_file", path, sizeof(path), "", err);
    if (rc != CT_OK || path[0] == '\0') {
        return rc;
    }
    if ((rc = protocols_load(path, &cfg->protocols, err)) != CT_OK) {
        return rc;
    }
    if (cfg->protocols.n > 0 && cfg->publish.protocol_port_min == 0) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "protocols_file needs publish.protocol_ports for their external ports");
    }
    return CT_OK;
}

/* services_file (optional; none: no services) into cfg->services, before the templates. */
static enum ct_err load_services(const config_t *conf, struct agent_config *cfg,
                                 struct ct_error *err)
{
    enum ct_err rc = cfgread_string(conf, "services_file", cfg->services_file,
                                    sizeof(cfg->services_file), "", err);
    if (rc != CT_OK || cfg->services_file[0] == '\0') {
        return rc;
    }
    if (cfg->services_file[0] != '/') {
        return ct_error_set(err, CT_ERR_CONFIG, "services_file must be an absolute path");
    }
    return services_load(cfg->services_file, &cfg->services, err);
}

/* `backend` (default: the table's first) and that backend's own section, read by it. */
static enum ct_err load_backend(const config_t *conf, struct agent_config *cfg,
                                struct ct_error *err)
{
    enum ct_err rc = cfgread_string(conf, "backend", cfg->backend, sizeof(cfg->backend),
                                    backend_default()->name, err);
    if (rc != CT_OK) {
        return rc;
    }
    cfg->backend_ops = backend_find(cfg->backend);
    if (cfg->backend_ops == NULL) {
        char names[128];
        backend_names(names, sizeof(names));
        return ct_error_set(err, CT_ERR_CONFIG, "backend '%s' is not supported (use %s)",
                            cfg->backend, names);
    }
    return cfg->backend_ops->load_settings(conf, &cfg->backend_settings, err);
}

/* reuse_cooldown: a duration ("1h"; "0s": off) or seconds; AGENT_REUSE_COOLDOWN_DEFAULT_S. */
static enum ct_err load_cooldown(const config_t *conf, struct agent_config *cfg,
                                 struct ct_error *err)
{
    const config_setting_t *s = config_lookup(conf, "reuse_cooldown");
    cfg->reuse_cooldown_s = AGENT_REUSE_COOLDOWN_DEFAULT_S;
    if (s == NULL) {
        return CT_OK;
    }
    if (config_setting_type(s) == CONFIG_TYPE_INT && config_setting_get_int(s) >= 0) {
        cfg->reuse_cooldown_s = config_setting_get_int(s);
        return CT_OK;
    }
    const char *text = config_setting_get_string(s);
    if (text == NULL || !units_parse_duration(text, &cfg->reuse_cooldown_s)) {
        return ct_error_set(
            err, CT_ERR_CONFIG,
            "line %d: 'reuse_cooldown' must be a duration like \"1h\" (\"0s\": off)",
            config_setting_source_line(s));
    }
    return CT_OK;
}

/* `ctids = [ MIN, MAX ]`: 100 <= MIN <= MAX <= 999999999 (Proxmox's vmid range). */
static enum ct_err load_ctids(const config_t *conf, struct agent_config *cfg, struct ct_error *err)
{
    const config_setting_t *s = config_lookup(conf, "ctids");
    cfg->ctid_min = AGENT_CTID_MIN_DEFAULT;
    cfg->ctid_max = AGENT_CTID_MAX_DEFAULT;
    if (s == NULL) {
        return CT_OK;
    }
    const config_setting_t *lo = config_setting_get_elem(s, 0);
    const config_setting_t *hi = config_setting_get_elem(s, 1);
    if (!config_setting_is_array(s) || config_setting_length(s) != 2 || lo == NULL || hi == NULL ||
        config_setting_type(lo) != CONFIG_TYPE_INT || config_setting_type(hi) != CONFIG_TYPE_INT ||
        config_setting_get_int(lo) < 100 || config_setting_get_int(hi) > 999999999 ||
        config_setting_get_int(lo) > config_setting_get_int(hi)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "line %d: 'ctids' must be [ MIN, MAX ] with 100 <= MIN <= MAX <= "
                            "999999999",
                            config_setting_source_line(s));
    }
    cfg->ctid_min = config_setting_get_int(lo);
    cfg->ctid_max = config_setting_get_int(hi);
    return CT_OK;
}

/*
 * `addresses = [ "FIRST", "LAST" ]`: each container's IPv4 address, reserved
 * with its name; only for a backend that can give a NIC its address.
 */
static enum ct_err load_addresses(const config_t *conf, struct agent_config *cfg,
                                  struct ct_error *err)
{
    const config_setting_t *s = config_lookup(conf, "addresses");
    cfg->addr_min = 0;
    cfg->addr_max = 0;
    if (s == NULL) {
        return CT_OK;
    }
    const char *lo = config_setting_get_string_elem(s, 0);
    const char *hi = config_setting_get_string_elem(s, 1);
    struct in_addr a;
    struct in_addr b;
    if (!config_setting_is_array(s) || config_setting_length(s) != 2 || lo == NULL ||
        hi == NULL || inet_pton(AF_INET, lo, &a) != 1 || inet_pton(AF_INET, hi, &b) != 1 ||
        ntohl(a.s_addr) == 0 || ntohl(a.s_addr) > ntohl(b.s_addr) ||
        ntohl(b.s_addr) - ntohl(a.s_addr) >= REGISTRY_ADDRESSES_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "line %d: 'addresses' must be [ \"FIRST\", \"LAST\" ], two IPv4 "
                            "addresses, FIRST <= LAST, at most %u of them",
                            config_setting_source_line(s), REGISTRY_ADDRESSES_MAX);
    }
    if ((cfg->backend_ops->supports & BACKEND_CAN_STATIC_ADDRESS) == 0) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "line %d: 'addresses': the %s backend cannot give a container a "
                            "static address; leave it out (its network's DHCP gives them)",
                            config_setting_source_line(s), cfg->backend);
    }
    cfg->addr_min = ntohl(a.s_addr);
    cfg->addr_max = ntohl(b.s_addr);
    /* Inside the containers' subnet, never its network, broadcast or bridge address. */
    struct addr_subnet net;
    if (cfg->publish.subnet[0] != '\0' && addr_subnet_parse(cfg->publish.subnet, &net)) {
        uint32_t broadcast = net.network | ~net.mask;
        if (cfg->addr_min <= net.network || cfg->addr_max >= broadcast ||
            (net.gateway >= cfg->addr_min && net.gateway <= cfg->addr_max)) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "line %d: 'addresses' must lie inside publish.subnet %s without "
                                "its network, broadcast or bridge address",
                                config_setting_source_line(s), cfg->publish.subnet);
        }
    }
    return CT_OK;
}

/*
 * `pool = ( { template = "NAME"; size = N; }, ... )` (or one such group): N
 * started containers of that template kept ready to be claimed (pool.h);
 * only for a backend that can adopt one.
 */
static enum ct_err load_pool(const config_t *conf, struct agent_config *cfg, struct ct_error *err)
{
    config_setting_t *s = config_lookup(conf, "pool");
    if (s == NULL) {
        return CT_OK;
    }
    int n = config_setting_is_group(s) ? 1 : config_setting_is_list(s) ? config_setting_length(s) : -1;
    for (int i = 0; i < n; i++) {
        config_setting_t *g = config_setting_is_group(s) ? s : config_setting_get_elem(s, (unsigned)i);
        const char *name = NULL;
        int size = 0;
        struct template_def *t = NULL;
        if (g != NULL && config_setting_is_group(g) &&
            config_setting_lookup_string(g, "template", &name) == CONFIG_TRUE &&
            config_setting_lookup_int(g, "size", &size) == CONFIG_TRUE) {
            t = (struct template_def *)agent_config_template(cfg, name);
        }
        if (t == NULL || size < 1 || size > POOL_SIZE_MAX || t->pool != 0) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "line %d: 'pool' entries are { template = \"NAME\"; size = N; }: "
                                "a template of 'templates', once, N from 1 to %d",
                                config_setting_source_line(g != NULL ? g : s), POOL_SIZE_MAX);
        }
        t->pool = size;
    }
    if (n < 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "line %d: 'pool' must be a list of groups",
                            config_setting_source_line(s));
    }
    if (n > 0 && (cfg->backend_ops->supports & BACKEND_CAN_POOL) == 0) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "line %d: 'pool': the %s backend cannot keep a warm pool; leave it out",
                            config_setting_source_line(s), cfg->backend);
    }
    return CT_OK;
}

#define EXPORT_MAX_SIZE_DEFAULT "4G"

static enum ct_err load_export(const config_t *conf, struct export_config *x, struct ct_error *err)
{
    char size[32];
    enum ct_err rc;
    if ((rc = cfgread_string(conf, "export.max_size", size, sizeof(size), EXPORT_MAX_SIZE_DEFAULT,
                             err)) != CT_OK ||
        (rc = cfgread_seconds(conf, "export.timeout", 1800, &x->timeout_s, err)) != CT_OK ||
        (rc = cfgread_int(conf, "export.per_hour", 0, RATELIMIT_PER_HOUR_MAX, 4, &x->per_hour,
                          err)) != CT_OK ||
        (rc = cfgread_int(conf, "backup.keep", 1, 1000, 7, &x->keep, err)) != CT_OK) {
        return rc;
    }
    if (strcmp(size, "none") == 0) {
        x->max_bytes = 0;
    } else if (!units_parse_size(size, &x->max_bytes) || x->max_bytes <= 0) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "export.max_size must be a size like \"4G\" or \"none\"");
    }
    return CT_OK;
}

enum ct_err agent_config_load(const char *path, struct agent_config *cfg, struct ct_error *err)
{
    memset(cfg, 0, sizeof(*cfg));
    config_t conf;
    config_init(&conf);
    enum ct_err rc = CT_OK;
    const char *root_password = NULL;

    if ((rc = cfgread_file(&conf, path, err)) != CT_OK) {
        goto out;
    }
    if ((rc = load_backend(&conf, cfg, err)) != CT_OK ||
        (rc = cfgread_string(&conf, "state_dir", cfg->state_dir, sizeof(cfg->state_dir),
                             "/var/lib/ctgate", err)) != CT_OK ||
        (rc = cfgread_string(&conf, "admin_group", cfg->admin_group, sizeof(cfg->admin_group), "",
                             err)) != CT_OK) {
        goto out;
    }
    if (cfg->admin_group[0] != '\0' && !validate_name(cfg->admin_group, CT_GROUP_MAX)) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "admin_group is invalid");
        goto out;
    }
    if (cfg->state_dir[0] != '/') {
        rc = ct_error_set(err, CT_ERR_CONFIG, "state_dir must be an absolute path");
        goto out;
    }
    if ((rc = cfgread_seconds(&conf, "timeouts.call", 30, &cfg->call_timeout_s, err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "timeouts.operation", 120, &cfg->operation_timeout_s, err)) !=
            CT_OK ||
        (rc = cfgread_seconds(&conf, "timeouts.ipv4", 30, &cfg->ipv4_timeout_s, err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "timeouts.request_read", 30, &cfg->request_read_timeout_s,
                             err)) != CT_OK ||
        (rc = cfgread_seconds(&conf, "timeouts.build", 1800, &cfg->build_timeout_s, err)) !=
            CT_OK ||
        (rc = cfgread_string(&conf, "template_cache", cfg->template_cache,
                             sizeof(cfg->template_cache), "/var/cache/ctgate/templates", err)) !=
            CT_OK) {
        goto out;
    }
    if (cfg->template_cache[0] != '/') {
        rc = ct_error_set(err, CT_ERR_CONFIG, "template_cache must be an absolute path");
        goto out;
    }
    cfg->root_password_random = true;
    if (config_lookup_string(&conf, "root_password", &root_password) == CONFIG_TRUE) {
        if (strcmp(root_password, "locked") == 0) {
            cfg->root_password_random = false;
        } else if (strcmp(root_password, "random") != 0) {
            rc = ct_error_set(err, CT_ERR_CONFIG, "root_password must be \"random\" or \"locked\"");
            goto out;
        }
    }
    if ((rc = load_reserved(&conf, cfg, err)) != CT_OK ||
        (rc = load_cooldown(&conf, cfg, err)) != CT_OK ||
        (rc = load_ctids(&conf, cfg, err)) != CT_OK ||
        (rc = policy_load(&conf, &cfg->policy, err)) != CT_OK ||
        (rc = identity_load_directory(&conf, &cfg->directory, err)) != CT_OK ||
        (rc = load_services(&conf, cfg, err)) != CT_OK ||
        (rc = load_templates(&conf, cfg, err)) != CT_OK ||
        (rc = load_publish(&conf, &cfg->publish, err)) != CT_OK ||
        (rc = load_addresses(&conf, cfg, err)) != CT_OK ||
        (rc = load_pool(&conf, cfg, err)) != CT_OK ||
        (rc = load_protocols(&conf, cfg, err)) != CT_OK ||
        (rc = hooks_load(&conf, cfg, &cfg->hooks, err)) != CT_OK ||
        (rc = deploy_config_load(&conf, &cfg->deploy, err)) != CT_OK ||
        (rc = load_export(&conf, &cfg->export, err)) != CT_OK) {
        goto out;
    }
out:
    config_destroy(&conf);
    if (rc != CT_OK) {
        agent_config_free(cfg);
    }
    return rc;
}

void agent_config_free(struct agent_config *cfg)
{
    if (cfg->backend_ops != NULL && cfg->backend_settings != NULL) {
        cfg->backend_ops->free_settings(cfg->backend_settings);
    }
    cfg->backend_settings = NULL;
    for (size_t i = 0; i < cfg->nreserved; i++) {
        free(cfg->reserved[i]);
    }
    free(cfg->reserved);
    for (size_t i = 0; i < cfg->ntemplates; i++) {
        template_recipe_free(cfg->templates[i].recipe);
    }
    free(cfg->templates);
    policy_free(&cfg->policy);
    hooks_free(&cfg->hooks);
    deploy_config_free(&cfg->deploy);
    services_free(&cfg->services);
    for (size_t i = 0; i <= PUBLISH_ARGV_MAX; i++) {
        free(cfg->publish.test_argv[i]);
        free(cfg->publish.reload_argv[i]);
        cfg->publish.test_argv[i] = NULL;
        cfg->publish.reload_argv[i] = NULL;
    }
    cfg->reserved = NULL;
    cfg->templates = NULL;
    cfg->nreserved = 0;
    cfg->ntemplates = 0;
}

const struct template_def *agent_config_template(const struct agent_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ntemplates; i++) {
        if (strcmp(cfg->templates[i].name, name) == 0) {
            return &cfg->templates[i];
        }
    }
    return NULL;
}

const struct service_def *agent_config_service(const struct agent_config *cfg,
                                               const struct template_def *t, const char *name)
{
    for (size_t i = 0; i < t->nservices; i++) {
        if (strcmp(t->services[i], name) == 0) {
            return services_find(&cfg->services, name);
        }
    }
    return NULL;
}

bool agent_config_is_reserved(const struct agent_config *cfg, const char *hostname)
{
    for (size_t i = 0; i < cfg->nreserved; i++) {
        if (strcmp(cfg->reserved[i], hostname) == 0) {
            return true;
        }
    }
    return false;
}
