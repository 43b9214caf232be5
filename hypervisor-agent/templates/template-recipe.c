/* template-recipe.c - see template-recipe.h. */
#include "template-recipe.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "strcopy.h"

#define CA_FILE_MAX ((size_t)256 * 1024)

const char *const template_base_packages[] = {
    "systemd",    "systemd-sysv", "openssh-server", "sudo",     "ca-certificates", "git",
    "libnss-sss", "libpam-sss",   "sssd-ldap",      "ifupdown", "isc-dhcp-client", "iproute2",
    NULL,
};

static bool is_lower_or_digit(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool template_package_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > TEMPLATE_PACKAGE_MAX || !is_lower_or_digit(name[0])) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_lower_or_digit(name[i]) && strchr("+.-", name[i]) == NULL) {
            return false;
        }
    }
    return true;
}

bool template_suite_valid(const char *suite)
{
    size_t n = strlen(suite);
    if (n == 0 || n > TEMPLATE_SUITE_MAX || suite[0] < 'a' || suite[0] > 'z') {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_lower_or_digit(suite[i]) && suite[i] != '-') {
            return false;
        }
    }
    return true;
}

bool template_mirror_valid(const char *url)
{
    size_t n = strlen(url);
    size_t scheme = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
    if (scheme == 0 || n <= scheme || n > TEMPLATE_MIRROR_MAX) {
        return false;
    }
    /* RFC 3986's characters minus quotes and the ones a shell or apt would read. */
    for (size_t i = 0; i < n; i++) {
        char c = url[i];
        if (!(is_lower_or_digit(c) || (c >= 'A' && c <= 'Z') || strchr("-._~:/?#[]@!&+,=%", c))) {
            return false;
        }
    }
    return true;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_hex(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

void template_recipe_free(struct template_recipe *r)
{
    if (r != NULL) {
        free_list(r->packages, r->npackages);
        free_list(r->ca_certificates, r->nca);
        free_list(r->disabled_units, r->nunits);
        free(r);
    }
}

/* Append a copy of name to *list (n entries) unless it is there already (sorted later). */
static enum ct_err add_name(char ***list, size_t *n, const char *name, struct ct_error *err)
{
    for (size_t i = 0; i < *n; i++) {
        if (strcmp((*list)[i], name) == 0) {
            return CT_OK;
        }
    }
    char **grown = realloc(*list, (*n + 2) * sizeof(**list));
    if (grown == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    *list = grown;
    if ((grown[*n] = strdup(name)) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    (*n)++;
    grown[*n] = NULL;
    return CT_OK;
}

static enum ct_err add_package(struct template_recipe *r, const char *name, struct ct_error *err)
{
    return add_name(&r->packages, &r->npackages, name, err);
}

static enum ct_err load_packages(const config_setting_t *s, struct template_recipe *r, int line,
                                 struct ct_error *err)
{
    size_t nbase = 0;
    while (template_base_packages[nbase] != NULL) {
        nbase++;
    }
    const config_setting_t *arr = config_setting_get_member(s, "packages");
    int n = arr != NULL ? config_setting_length(arr) : 0;
    if (arr != NULL && (!config_setting_is_array(arr) || n > TEMPLATE_PACKAGES_MAX)) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "template at line %d: build.packages must be an array of at most %d "
                            "package names",
                            line, TEMPLATE_PACKAGES_MAX);
    }
    enum ct_err rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < nbase; i++) {
        rc = add_package(r, template_base_packages[i], err);
    }
    for (int i = 0; rc == CT_OK && i < n; i++) {
        const char *name = config_setting_get_string_elem(arr, i);
        if (name == NULL || !template_package_valid(name)) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: build.packages[%d] is not a package name",
                                line, i);
        }
        rc = add_package(r, name, err);
    }
    if (rc == CT_OK) {
        qsort(r->packages, r->npackages, sizeof(*r->packages), compare_names);
    }
    return rc;
}

static enum ct_err load_cas(const config_setting_t *s, struct template_recipe *r, int line,
                            struct ct_error *err)
{
    const config_setting_t *arr = config_setting_get_member(s, "ca_certificates");
    if (arr == NULL) {
        return CT_OK;
    }
    int n = config_setting_length(arr);
    if (!config_setting_is_array(arr) || n > TEMPLATE_CAS_MAX) {
        return ct_error_set(err, CT_ERR_CONFIG,
                            "template at line %d: build.ca_certificates must be an array of at "
                            "most %d paths",
                            line, TEMPLATE_CAS_MAX);
    }
    r->ca_certificates = calloc((size_t)n + 1, sizeof(*r->ca_certificates));
    if (r->ca_certificates == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const char *path = config_setting_get_string_elem(arr, i);
        if (path == NULL || path[0] != '/' || strlen(path) >= 4096 || strstr(path, "/../") ||
            strpbrk(path, "\n\r\t") != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: build.ca_certificates[%d] must be an "
                                "absolute path",
                                line, i);
        }
        if ((r->ca_certificates[i] = strdup(path)) == NULL) {
            return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        }
        r->nca = (size_t)i + 1;
    }
    return CT_OK;
}

static enum ct_err member(const config_setting_t *s, const char *name, char *dst, size_t len,
                          const char *fallback, int line, struct ct_error *err)
{
    const char *value = NULL;
    if (config_setting_lookup_string(s, name, &value) != CONFIG_TRUE) {
        if (config_setting_get_member(s, name) != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "template at line %d: build.%s must be a string", line, name);
        }
        value = fallback;
    }
    if (!str_copy(dst, len, value)) {
        return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: build.%s is too long", line,
                            name);
    }
    return CT_OK;
}

enum ct_err template_recipe_load(const config_setting_t *s, struct template_recipe **out,
                                 struct ct_error *err)
{
    int line = config_setting_source_line(s);
    enum ct_err rc = CT_OK;
    struct template_recipe *r = NULL;

    *out = NULL;
    if (!config_setting_is_group(s)) {
        return ct_error_set(err, CT_ERR_CONFIG, "template at line %d: build must be a group { }",
                            line);
    }
    if ((r = calloc(1, sizeof(*r))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if ((rc = member(s, "suite", r->suite, sizeof(r->suite), "bookworm", line, err)) != CT_OK ||
        (rc = member(s, "mirror", r->mirror, sizeof(r->mirror), "", line, err)) != CT_OK) {
        goto out;
    }
    if (!template_suite_valid(r->suite)) {
        rc = ct_error_set(err, CT_ERR_CONFIG,
                          "template at line %d: build.suite is not a suite name", line);
        goto out;
    }
    if (r->mirror[0] != '\0' && !template_mirror_valid(r->mirror)) {
        rc = ct_error_set(err, CT_ERR_CONFIG,
                          "template at line %d: build.mirror must be an http:// or https:// URL",
                          line);
        goto out;
    }
    if ((rc = load_packages(s, r, line, err)) != CT_OK ||
        (rc = load_cas(s, r, line, err)) != CT_OK) {
        goto out;
    }
    for (int i = 0; i < config_setting_length(s); i++) {
        const char *name = config_setting_name(config_setting_get_elem(s, (unsigned)i));
        if (name == NULL ||
            (strcmp(name, "suite") != 0 && strcmp(name, "mirror") != 0 &&
             strcmp(name, "packages") != 0 && strcmp(name, "ca_certificates") != 0)) {
            rc = ct_error_set(err, CT_ERR_CONFIG, "template at line %d: unknown setting build.%s",
                              line, name != NULL ? name : "?");
            goto out;
        }
    }
out:
    if (rc != CT_OK) {
        template_recipe_free(r);
        return rc;
    }
    *out = r;
    return CT_OK;
}

enum ct_err template_recipe_add_service(struct template_recipe *r, const struct service_def *s,
                                        struct ct_error *err)
{
    enum ct_err rc = CT_OK;
    for (size_t i = 0; rc == CT_OK && i < s->npackages; i++) {
        rc = add_package(r, s->packages[i], err);
    }
    if (rc == CT_OK) {
        rc = add_name(&r->disabled_units, &r->nunits, s->unit, err);
    }
    if (rc == CT_OK) {
        qsort(r->packages, r->npackages, sizeof(*r->packages), compare_names);
        qsort(r->disabled_units, r->nunits, sizeof(*r->disabled_units), compare_names);
    }
    return rc;
}

/* One "key=value\n" line of the hashed text. */
static void hash_line(crypto_generichash_state *st, const char *key, const char *value)
{
    crypto_generichash_update(st, (const unsigned char *)key, strlen(key));
    crypto_generichash_update(st, (const unsigned char *)"=", 1);
    crypto_generichash_update(st, (const unsigned char *)value, strlen(value));
    crypto_generichash_update(st, (const unsigned char *)"\n", 1);
}

/* hex of the BLAKE2b-256 of the file at path (at most CA_FILE_MAX bytes). */
static enum ct_err file_hash(const char *path, char hex[TEMPLATE_INPUTS_HEX], struct ct_error *err)
{
    unsigned char h[32];
    struct buf text;
    buf_init(&text, CA_FILE_MAX);
    int rd = buf_read_file(&text, path);
    if (rd != 0) {
        buf_free(&text);
        return ct_error_set(err, CT_ERR_CONFIG, "cannot read %s: %s", path, strerror(-rd));
    }
    crypto_generichash(h, sizeof(h), (const unsigned char *)(text.data != NULL ? text.data : ""),
                       text.len, NULL, 0);
    sodium_bin2hex(hex, TEMPLATE_INPUTS_HEX, h, sizeof(h));
    buf_free(&text);
    return CT_OK;
}

enum ct_err template_host_sources(const char *suite, char *path, size_t len, struct ct_error *err)
{
    static const char *const candidates[] = {"/etc/apt/sources.list.d/debian.sources",
                                             "/etc/apt/sources.list"};
    for (size_t i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
        struct buf text;
        buf_init(&text, CA_FILE_MAX);
        if (buf_read_file(&text, candidates[i]) != 0 || text.data == NULL) {
            buf_free(&text);
            continue;
        }
        bool names = false;
        size_t n = strlen(suite);
        for (const char *p = strstr(text.data, suite); p != NULL && !names;
             p = strstr(p + 1, suite)) {
            /* a whole word: "bookworm" in "Suites: bookworm bookworm-updates" */
            names = (p == text.data || p[-1] == ' ' || p[-1] == '\t') &&
                    (p[n] == ' ' || p[n] == '\t' || p[n] == '\n' || p[n] == '\0');
        }
        buf_free(&text);
        if (!names) {
            return ct_error_set(err, CT_ERR_CONFIG,
                                "%s does not name suite %s: give the recipe a mirror",
                                candidates[i], suite);
        }
        if (!str_copy(path, len, candidates[i])) {
            return ct_error_set(err, CT_ERR_INTERNAL, "path too long");
        }
        return CT_OK;
    }
    return ct_error_set(err, CT_ERR_CONFIG,
                        "no apt sources on this host: give the recipe a mirror");
}

enum ct_err template_recipe_hash(const struct template_recipe *r, const char *arch,
                                 const char *host_sources, char hex[TEMPLATE_INPUTS_HEX],
                                 struct ct_error *err)
{
    crypto_generichash_state st;
    unsigned char h[32];
    char(*ca_hex)[TEMPLATE_INPUTS_HEX] = NULL;
    char sources_hex[TEMPLATE_INPUTS_HEX] = "";
    enum ct_err rc = CT_OK;

    if (r->mirror[0] == '\0' && host_sources != NULL &&
        (rc = file_hash(host_sources, sources_hex, err)) != CT_OK) {
        return rc;
    }

    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    hash_line(&st, "format", TEMPLATE_RECIPE_FORMAT);
    hash_line(&st, "arch", arch);
    hash_line(&st, "suite", r->suite);
    hash_line(&st, "mirror", r->mirror);
    hash_line(&st, "host-sources", sources_hex);
    for (size_t i = 0; i < r->npackages; i++) { /* sorted at load: order is irrelevant */
        hash_line(&st, "package", r->packages[i]);
    }
    for (size_t i = 0; i < r->nunits; i++) { /* sorted too */
        hash_line(&st, "disable", r->disabled_units[i]);
    }
    /* The certificates by content, sorted: where they live or in which order is irrelevant. */
    ca_hex = calloc(r->nca + 1, sizeof(*ca_hex));
    if (ca_hex == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t i = 0; i < r->nca; i++) {
        if ((rc = file_hash(r->ca_certificates[i], ca_hex[i], err)) != CT_OK) {
            free(ca_hex);
            return rc;
        }
    }
    qsort(ca_hex, r->nca, sizeof(*ca_hex), compare_hex);
    for (size_t i = 0; i < r->nca; i++) {
        hash_line(&st, "ca", ca_hex[i]);
    }
    free(ca_hex);
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(hex, TEMPLATE_INPUTS_HEX, h, sizeof(h));
    return CT_OK;
}

/* The value of "Field: value" at line (len bytes), into out; false if line is another field. */
static bool field(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t n = strlen(name);
    if (len <= n + 1 || strncmp(line, name, n) != 0 || line[n] != ':') {
        return false;
    }
    const char *v = line + n + 1;
    size_t vlen = len - n - 1;
    while (vlen > 0 && (*v == ' ' || *v == '\t')) {
        v++;
        vlen--;
    }
    if (vlen >= outlen) {
        vlen = outlen - 1;
    }
    memcpy(out, v, vlen);
    out[vlen] = '\0';
    return true;
}

struct stanza {
    char package[TEMPLATE_PACKAGE_MAX + 1];
    char version[128];
    char status[64];
    char arch[32];
    char multi_arch[16];
};

static void add_stanza(json_t *out, struct stanza *s)
{
    if (s->package[0] != '\0' && s->version[0] != '\0' &&
        strcmp(s->status, "install ok installed") == 0) {
        char key[TEMPLATE_PACKAGE_MAX + 34];
        if (strcmp(s->multi_arch, "same") == 0 && s->arch[0] != '\0') {
            snprintf(key, sizeof(key), "%s:%s", s->package, s->arch);
        } else {
            snprintf(key, sizeof(key), "%s", s->package);
        }
        json_object_set_new(out, key, json_string(s->version));
    }
    memset(s, 0, sizeof(*s));
}

json_t *template_dpkg_versions(const char *text, size_t len)
{
    json_t *out = json_object();
    struct stanza s;
    memset(&s, 0, sizeof(s));
    size_t pos = 0;
    while (out != NULL && pos < len) {
        const char *line = text + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - line) : len - pos;
        pos += n + 1;
        if (n == 0) {
            add_stanza(out, &s);
            continue;
        }
        if (!field(line, n, "Package", s.package, sizeof(s.package)) &&
            !field(line, n, "Version", s.version, sizeof(s.version)) &&
            !field(line, n, "Status", s.status, sizeof(s.status)) &&
            !field(line, n, "Architecture", s.arch, sizeof(s.arch))) {
            (void)field(line, n, "Multi-Arch", s.multi_arch, sizeof(s.multi_arch));
        }
    }
    if (out != NULL) {
        add_stanza(out, &s);
    }
    return out;
}
