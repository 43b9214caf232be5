/* pve-config.c - see pve-config.h. */
#include "pve-config.h"

#include <stdlib.h>
#include <string.h>

#include "addr-policy.h"
#include "cfgread.h"
#include "strcopy.h"
#include "validate.h"

/* https://HOST[:PORT]: a DNS name, an IPv4 address or a bracketed IPv6 one; nothing after. */
static bool url_ok(const char *url)
{
    if (strncmp(url, "https://", 8) != 0) {
        return false;
    }
    const char *host = url + 8;
    size_t n = strlen(host);
    if (n == 0 || host[n - 1] == ':') {
        return false;
    }
    if (host[0] == '[') {
        size_t close = strspn(host + 1, "0123456789abcdefABCDEF:.");
        if (host[1 + close] != ']') {
            return false;
        }
        host += close + 2;
    } else {
        host += strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");
    }
    if (*host == ':') {
        size_t digits = strspn(host + 1, "0123456789");
        long port = strtol(host + 1, NULL, 10);
        return digits >= 1 && digits <= 5 && host[1 + digits] == '\0' && port > 0 &&
               port < 65536;
    }
    return *host == '\0' && url[8] != '\0' && url[8] != '.' && url[8] != '-';
}

static enum ct_err load_nodes(const config_t *conf, struct pve_config *c, struct ct_error *err)
{
    const config_setting_t *arr = config_lookup(conf, "proxmox.nodes");
    if (arr == NULL) {
        return CT_OK;
    }
    int n = config_setting_is_array(arr) ? config_setting_length(arr) : -1;
    if (n < 0 || n > PVE_NODES_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.nodes must be a list of at most %d node names",
                            PVE_NODES_MAX);
    }
    for (int i = 0; i < n; i++) {
        const char *node = config_setting_get_string_elem(arr, i);
        if (node == NULL || !validate_hostname(node) ||
            !str_copy(c->nodes[c->nnodes], sizeof(c->nodes[0]), node)) {
            return ct_error_set(err, CT_ERR_CONFIG, "proxmox.nodes: element %d is not a node name",
                                i + 1);
        }
        for (size_t j = 0; j < c->nnodes; j++) {
            if (strcmp(c->nodes[j], node) == 0) {
                return ct_error_set(err, CT_ERR_CONFIG, "proxmox.nodes names %s twice", node);
            }
        }
        c->nnodes++;
    }
    return CT_OK;
}

/*
 * Whether the prefix may hand its words to a remote shell: anything but pct
 * itself (ssh, and also timeout ... ssh, sudo, a wrapper script), so that a
 * prefix nobody thought of is quoted rather than injectable.
 */
static bool maybe_remote(const char *prog)
{
    const char *slash = strrchr(prog, '/');
    const char *base = slash != NULL ? slash + 1 : prog;
    return strcmp(base, "pct") != 0;
}

static enum ct_err load_pct(const config_t *conf, struct pve_config *c, struct ct_error *err)
{
    static const char *const fallback[] = {"/usr/sbin/pct"};
    const config_setting_t *arr = config_lookup(conf, "proxmox.pct");
    int n = 1;
    if (arr != NULL) {
        n = config_setting_is_array(arr) ? config_setting_length(arr) : -1;
        if (n < 1 || n > PVE_PCT_ARGV_MAX) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "proxmox.pct must be a list of 1 to %d words (an argv prefix)",
                                PVE_PCT_ARGV_MAX);
        }
    }
    for (int i = 0; i < n; i++) {
        const char *word = arr != NULL ? config_setting_get_string_elem(arr, i) : fallback[i];
        if (word == NULL || word[0] == '\0' || strlen(word) > 256 ||
            strpbrk(word, "\n\r") != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "proxmox.pct: element %d is not a word", i + 1);
        }
        if ((c->pct[i] = strdup(word)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        c->npct++;
    }
    if (c->pct[0][0] != '/') {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.pct: the program (its first word) must be an absolute path");
    }
    return CT_OK;
}

static bool suffix_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && s[0] == '@' &&
           strspn(s + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") ==
               n - 1;
}

/* A Proxmox role or storage id: a letter, then letters, digits, '_', '-' or '.'. */
static bool pve_id_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 63 &&
           ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z')) &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static enum ct_err check(struct pve_config *c, const char *placement, struct ct_error *err)
{
    struct addr_subnet net;
    if (!url_ok(c->url)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.url must be https://HOST or https://HOST:PORT (no path)");
    }
    if (c->token_file[0] != '/' || c->ca_file[0] != '/') {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.token_file and proxmox.ca_file must be absolute paths");
    }
    if (strcmp(placement, "least-memory") == 0) {
        c->placement = PVE_PLACE_LEAST_MEMORY;
    } else if (strcmp(placement, "ordered") == 0) {
        c->placement = PVE_PLACE_ORDERED;
    } else {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.placement must be \"least-memory\" or \"ordered\"");
    }
    if (c->storage[0] != '\0' && (!pve_id_ok(c->storage) || !c->full_clone)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.storage must be a storage id, and needs full_clone = true "
                            "(Proxmox refuses a storage for linked clones)");
    }
    /*
     * The owner may only look and power: a role with VM.Config.* would let them
     * rewrite the description (ctgate's metadata: another owner), the hostname or
     * net0 (the address checks) through Proxmox's own API.
     */
    if (c->acl_role[0] != '\0' && strcmp(c->acl_role, "PVEVMUser") != 0 &&
        strcmp(c->acl_role, "PVEAuditor") != 0) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.acl_role must be \"PVEVMUser\" or \"PVEAuditor\" (a role "
                            "that may change a CT's config lets its owner rewrite ctgate's "
                            "metadata)");
    }
    if (!suffix_ok(c->acl_user_suffix)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.acl_user_suffix must be @REALM (e.g. \"@ldap\")");
    }
    if (c->bridge[0] != '\0' && !pve_id_ok(c->bridge)) {
        return ct_error_set(err, CT_ERR_CONFIG, "proxmox.bridge is not a bridge name");
    }
    if (c->subnet[0] != '\0' && !addr_subnet_parse(c->subnet, &net)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "proxmox.subnet must be the bridge's address and prefix, "
                            "e.g. \"10.0.0.1/24\"");
    }
    return CT_OK;
}

enum ct_err pve_config_load(const config_t *conf, void **settings, struct ct_error *err)
{
    char placement[24];
    enum ct_err rc = CT_OK;
    struct pve_config *c = calloc(1, sizeof(*c));

    *settings = NULL;
    if (c == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if ((rc = cfgread_string(conf, "proxmox.url", c->url, sizeof(c->url), NULL, err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.token_file", c->token_file, sizeof(c->token_file),
                             NULL, err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.ca_file", c->ca_file, sizeof(c->ca_file), NULL,
                             err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.placement", placement, sizeof(placement),
                             "least-memory", err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.storage", c->storage, sizeof(c->storage), "", err)) !=
            CT_OK ||
        (rc = cfgread_bool(conf, "proxmox.full_clone", false, &c->full_clone, err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.acl_role", c->acl_role, sizeof(c->acl_role), "",
                             err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.acl_user_suffix", c->acl_user_suffix,
                             sizeof(c->acl_user_suffix), "@ldap", err)) != CT_OK ||
        (rc = cfgread_seconds(conf, "proxmox.timeout", 300, &c->timeout_s, err)) != CT_OK ||
        (rc = cfgread_string(conf, "proxmox.bridge", c->bridge, sizeof(c->bridge), "", err)) !=
            CT_OK ||
        (rc = cfgread_string(conf, "proxmox.subnet", c->subnet, sizeof(c->subnet), "", err)) !=
            CT_OK ||
        (rc = load_nodes(conf, c, err)) != CT_OK || (rc = load_pct(conf, c, err)) != CT_OK ||
        (rc = cfgread_bool(conf, "proxmox.pct_remote_shell", maybe_remote(c->pct[0]),
                           &c->pct_remote_shell, err)) != CT_OK ||
        (rc = check(c, placement, err)) != CT_OK) {
        pve_config_free(c);
        return rc;
    }
    *settings = c;
    return CT_OK;
}

void pve_config_free(void *settings)
{
    struct pve_config *c = settings;
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->npct; i++) {
        free(c->pct[i]);
    }
    free(c);
}

enum ct_err pve_config_check_image(const void *settings, const char *image, struct ct_error *err)
{
    (void)settings;
    /* The template CT's name: Proxmox keeps a CT's hostname as its name. */
    if (!validate_hostname(image)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "invalid image: the name (hostname) of a Proxmox template CT");
    }
    return CT_OK;
}

bool pve_config_node_allowed(const struct pve_config *c, const char *node)
{
    if (c->nnodes == 0) {
        return true;
    }
    for (size_t i = 0; i < c->nnodes; i++) {
        if (strcmp(c->nodes[i], node) == 0) {
            return true;
        }
    }
    return false;
}
