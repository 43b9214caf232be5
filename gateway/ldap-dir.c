/* ldap-dir.c - see ldap-dir.h. */
#include "ldap-dir.h"

#include <errno.h>
#include <fcntl.h>
#include <ldap.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "strcopy.h"

struct ldap_dir {
    LDAP *ld;
    const struct gw_config *cfg;
};

/* The library's words go to the log; the user learns only that the directory failed. */
static enum ct_err ldap_failure(int code, const char *what, struct ct_error *err)
{
    bool late = code == LDAP_TIMEOUT || code == LDAP_TIMELIMIT_EXCEEDED;
    log_error("LDAP %s: %s (%d)", what, ldap_err2string(code), code);
    ct_error_set(err, late ? CT_ERR_TIMEOUT : CT_ERR_BACKEND, "the directory (LDAP) %s",
                 late ? "did not answer in time" : "cannot be reached or failed");
    err->detail_public = true;
    return err->code;
}

bool ldap_dir_escape(const char *value, char *out, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
        bool special = *p == '*' || *p == '(' || *p == ')' || *p == '\\' || *p < 0x20 ||
                       *p >= 0x7f;
        size_t need = special ? 3 : 1;
        if (n + need >= len) {
            return false;
        }
        if (special) {
            out[n++] = '\\';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        } else {
            out[n++] = (char)*p;
        }
    }
    if (n >= len) {
        return false;
    }
    out[n] = '\0';
    return true;
}

/* The service account's password: one line of a file only the gateway reads. */
static enum ct_err service_bind(struct ldap_dir *dir, struct ct_error *err)
{
    char secret[1025];
    ssize_t n = -1;
    int fd = open(dir->cfg->ldap_bind_password_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        n = read(fd, secret, sizeof(secret) - 1);
        close(fd);
    }
    if (n <= 0) {
        return ct_error_set(err, CT_ERR_CONFIG, "cannot read ldap.bind_password_file");
    }
    secret[n] = '\0';
    secret[strcspn(secret, "\r\n")] = '\0';
    enum ct_err rc = ldap_dir_bind(dir, dir->cfg->ldap_bind_dn, secret, err);
    sodium_memzero(secret, sizeof(secret));
    if (rc == CT_ERR_NOT_AUTHENTICATED) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "the LDAP service account cannot bind");
    }
    return rc;
}

enum ct_err ldap_dir_open(const struct gw_config *cfg, struct ldap_dir **out,
                          struct ct_error *err)
{
    struct ldap_dir *dir = calloc(1, sizeof(*dir));
    struct timeval tv = {.tv_sec = cfg->ldap_timeout_s};
    int version = LDAP_VERSION3;
    int require = cfg->ldap_tls_verify ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
    int tls_min = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
    int no = 0;
    int rc;
    enum ct_err result = CT_OK;

    if (dir == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    dir->cfg = cfg;
    if ((rc = ldap_initialize(&dir->ld, cfg->ldap_uri)) != LDAP_SUCCESS) {
        result = ldap_failure(rc, "initialize", err);
        goto out;
    }
    if (ldap_set_option(dir->ld, LDAP_OPT_PROTOCOL_VERSION, &version) != LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF) != LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_TIMEOUT, &tv) != LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require) != LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_X_TLS_CACERTFILE, cfg->ldap_ca_file) !=
            LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls_min) != LDAP_OPT_SUCCESS ||
        ldap_set_option(dir->ld, LDAP_OPT_X_TLS_NEWCTX, &no) != LDAP_OPT_SUCCESS) {
        result = ct_error_set(err, CT_ERR_CONFIG, "cannot set LDAP options (CA file %s?)",
                              cfg->ldap_ca_file);
        goto out;
    }
    if (strncmp(cfg->ldap_uri, "ldap://", 7) == 0 &&
        (rc = ldap_start_tls_s(dir->ld, NULL, NULL)) != LDAP_SUCCESS) {
        result = ldap_failure(rc, "StartTLS", err);
        goto out;
    }
    if (cfg->ldap_bind_dn[0] != '\0') {
        result = service_bind(dir, err);
    }
out:
    if (result != CT_OK) {
        ldap_dir_close(dir);
        return result;
    }
    *out = dir;
    return CT_OK;
}

void ldap_dir_close(struct ldap_dir *dir)
{
    if (dir != NULL) {
        if (dir->ld != NULL) {
            ldap_unbind_ext_s(dir->ld, NULL, NULL);
        }
        free(dir);
    }
}

static enum ct_err search(struct ldap_dir *dir, const char *base, int scope, const char *filter,
                          char **attrs, int sizelimit, LDAPMessage **res, struct ct_error *err)
{
    struct timeval tv = {.tv_sec = dir->cfg->ldap_timeout_s};
    *res = NULL;
    int rc = ldap_search_ext_s(dir->ld, base, scope, filter, attrs, 0, NULL, NULL,
                               &tv, sizelimit, res);
    if (rc != LDAP_SUCCESS && rc != LDAP_SIZELIMIT_EXCEEDED) {
        ldap_msgfree(*res);
        *res = NULL;
        return ldap_failure(rc, "search", err);
    }
    if (rc == LDAP_SIZELIMIT_EXCEEDED) {
        log_warn("LDAP search hit its size limit (%d)", sizelimit);
    }
    return CT_OK;
}

/* Does any value of attr in entry parse as a key equal to key? */
static bool entry_has_key(LDAP *ld, LDAPMessage *entry, const struct pubkey *key)
{
    struct berval **vals = ldap_get_values_len(ld, entry, "sshPublicKey");
    bool match = false;
    for (size_t i = 0; vals != NULL && vals[i] != NULL && !match; i++) {
        struct pubkey k;
        if (pubkey_parse(vals[i]->bv_val, vals[i]->bv_len, &k, NULL)) {
            match = pubkey_equal(&k, key);
            pubkey_free(&k);
        }
    }
    ldap_value_free_len(vals);
    return match;
}

/* First value of attr as a string into out; false when absent or too long. */
static bool first_value(LDAP *ld, LDAPMessage *entry, const char *attr, char *out, size_t len)
{
    struct berval **vals = ldap_get_values_len(ld, entry, attr);
    bool ok = vals != NULL && vals[0] != NULL && vals[0]->bv_len < len &&
              memchr(vals[0]->bv_val, '\0', vals[0]->bv_len) == NULL;
    if (ok) {
        memcpy(out, vals[0]->bv_val, vals[0]->bv_len);
        out[vals[0]->bv_len] = '\0';
    }
    ldap_value_free_len(vals);
    return ok;
}

/* Search filter for users; count in *matches those listing key, the first one's uid into uid. */
static enum ct_err users_with_key(struct ldap_dir *dir, const char *filter, int sizelimit,
                                  const struct pubkey *key, char *uid, size_t len,
                                  size_t *matches, struct ct_error *err)
{
    char *attrs[] = {"uid", "sshPublicKey", NULL};
    LDAPMessage *res = NULL;
    enum ct_err rc = search(dir, dir->cfg->ldap_base, LDAP_SCOPE_SUBTREE, filter, attrs, sizelimit,
                            &res, err);
    if (rc != CT_OK) {
        return rc;
    }
    for (LDAPMessage *e = ldap_first_entry(dir->ld, res); e != NULL;
         e = ldap_next_entry(dir->ld, e)) {
        char found[CT_UID_MAX + 1];
        if (entry_has_key(dir->ld, e, key) && first_value(dir->ld, e, "uid", found, sizeof(found)) &&
            validate_uid(found)) {
            if ((*matches)++ == 0) {
                str_copy(uid, len, found);
            }
        }
    }
    ldap_msgfree(res);
    return CT_OK;
}

enum ct_err ldap_dir_uid_for_key(struct ldap_dir *dir, const struct pubkey *key, char *uid,
                                 size_t len, struct ct_error *err)
{
    /*
     * sshPublicKey (openssh-lpk) has only octetStringMatch equality: one
     * indexed equality search for the exact value "TYPE BASE64" (a value
     * stored with a comment does not match it).  Reading every entry with a
     * key, to compare here, happens only when the admin turned it on with
     * ldap.key_search_limit (docs/security.md).
     */
    size_t vlen = strlen(key->type) + 1 + strlen(key->blob_b64) + 1;
    char *value = malloc(vlen);
    char *escaped = malloc(vlen * 3);
    size_t flen = strlen(dir->cfg->ldap_user_filter) + vlen * 3 + 64;
    char *filter = malloc(flen);
    size_t matches = 0;
    enum ct_err rc = CT_OK;

    uid[0] = '\0';
    if (value == NULL || escaped == NULL || filter == NULL) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
        goto out;
    }
    snprintf(value, vlen, "%s %s", key->type, key->blob_b64);
    if (!ldap_dir_escape(value, escaped, vlen * 3)) {
        goto out; /* cannot happen for a parsed key: simply nobody */
    }
    snprintf(filter, flen, "(&%s(sshPublicKey=%s))", dir->cfg->ldap_user_filter, escaped);
    rc = users_with_key(dir, filter, 2, key, uid, len, &matches, err);
    if (rc == CT_OK && matches == 0 && dir->cfg->ldap_key_search_limit > 0) {
        snprintf(filter, flen, "(&%s(sshPublicKey=*))", dir->cfg->ldap_user_filter);
        rc = users_with_key(dir, filter, dir->cfg->ldap_key_search_limit, key, uid, len, &matches,
                            err);
    }
    if (rc == CT_OK && matches > 1) {
        log_warn("login key belongs to %zu LDAP users: no default user", matches);
        uid[0] = '\0';
    }
out:
    free(filter);
    free(escaped);
    free(value);
    return rc;
}

enum ct_err ldap_dir_lookup(struct ldap_dir *dir, const char *uid, const struct pubkey *key,
                            struct ldap_user *out, struct ct_error *err)
{
    char escaped[CT_UID_MAX * 3 + 1];
    char filter[512];
    char *attrs[] = {"uid", "uidNumber", "sshPublicKey", NULL};
    LDAPMessage *res = NULL;

    memset(out, 0, sizeof(*out));
    if (!ldap_dir_escape(uid, escaped, sizeof(escaped))) {
        return CT_OK; /* cannot be a uid: simply not found */
    }
    snprintf(filter, sizeof(filter), "(&%s(uid=%s))", dir->cfg->ldap_user_filter, escaped);
    enum ct_err rc =
        search(dir, dir->cfg->ldap_base, LDAP_SCOPE_SUBTREE, filter, attrs, 2, &res, err);
    if (rc != CT_OK) {
        return rc;
    }
    LDAPMessage *e = ldap_first_entry(dir->ld, res);
    if (e != NULL && ldap_next_entry(dir->ld, e) != NULL) {
        log_warn("LDAP uid %s matches several entries: refused", uid);
        e = NULL;
    }
    char number[24];
    char *dn = e != NULL ? ldap_get_dn(dir->ld, e) : NULL;
    if (e != NULL && dn != NULL && strlen(dn) < sizeof(out->dn) &&
        first_value(dir->ld, e, "uid", out->uid, sizeof(out->uid)) && validate_uid(out->uid) &&
        first_value(dir->ld, e, "uidNumber", number, sizeof(number))) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(number, &end, 10);
        if (errno == 0 && end != number && *end == '\0' && n >= 1000 && n <= 2147483647LL) {
            str_copy(out->dn, sizeof(out->dn), dn);
            out->uid_number = n;
            out->found = true;
            out->key_matches = key != NULL && entry_has_key(dir->ld, e, key);
        } else {
            log_warn("LDAP user %s has no usable uidNumber (>= 1000)", uid);
        }
    }
    ldap_memfree(dn);
    ldap_msgfree(res);
    return CT_OK;
}

enum ct_err ldap_dir_bind(struct ldap_dir *dir, const char *dn, const char *password,
                          struct ct_error *err)
{
    if (password == NULL || password[0] == '\0') {
        /* An empty simple bind is an anonymous bind: it would "succeed". */
        return ct_error_set(err, CT_ERR_NOT_AUTHENTICATED, "empty password");
    }
    struct berval cred = {.bv_val = (char *)password, .bv_len = strlen(password)};
    int rc = ldap_sasl_bind_s(dir->ld, dn, LDAP_SASL_SIMPLE, &cred, NULL, NULL, NULL);
    if (rc == LDAP_SUCCESS) {
        return CT_OK;
    }
    if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH ||
        rc == LDAP_UNWILLING_TO_PERFORM || rc == LDAP_INVALID_DN_SYNTAX) {
        return ct_error_set(err, CT_ERR_NOT_AUTHENTICATED, "wrong password");
    }
    return ldap_failure(rc, "bind", err);
}

/*
 * The group name an entry's DN gives: its RDN must be one cn=NAME (the
 * search is one level under ldap.group_base, so the rest of the DN is the
 * base).  The cn attribute itself is not read: it may hold other values.
 */
static bool group_name_from_dn(LDAP *ld, LDAPMessage *entry, char *out, size_t len)
{
    char *dn = ldap_get_dn(ld, entry);
    LDAPDN parsed = NULL;
    bool ok = false;
    if (dn != NULL && ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAPV3) == LDAP_SUCCESS &&
        parsed != NULL && parsed[0] != NULL && parsed[0][0] != NULL && parsed[0][1] == NULL) {
        const LDAPAVA *ava = parsed[0][0];
        ok = ava->la_attr.bv_len == 2 && strncasecmp(ava->la_attr.bv_val, "cn", 2) == 0 &&
             (ava->la_flags & LDAP_AVA_BINARY) == 0 && ava->la_value.bv_len < len &&
             memchr(ava->la_value.bv_val, '\0', ava->la_value.bv_len) == NULL;
        if (ok) {
            memcpy(out, ava->la_value.bv_val, ava->la_value.bv_len);
            out[ava->la_value.bv_len] = '\0';
        }
    }
    ldap_dnfree(parsed);
    ldap_memfree(dn);
    return ok;
}

enum ct_err ldap_dir_groups(struct ldap_dir *dir, const struct ldap_user *user,
                            char groups[][CT_GROUP_MAX + 1], size_t max, size_t *n,
                            struct ct_error *err)
{
    char uid[CT_UID_MAX * 3 + 1];
    char dn[LDAP_DIR_DN_MAX * 3 + 1];
    char filter[sizeof(uid) + sizeof(dn) + 128];
    char *attrs[] = {LDAP_NO_ATTRS, NULL};
    LDAPMessage *res = NULL;

    *n = 0;
    if (!ldap_dir_escape(user->uid, uid, sizeof(uid)) ||
        !ldap_dir_escape(user->dn, dn, sizeof(dn))) {
        return CT_OK;
    }
    snprintf(filter, sizeof(filter),
             "(|(&(objectClass=posixGroup)(memberUid=%s))(&(objectClass=groupOfNames)(member=%s)))",
             uid, dn);
    /*
     * Only the direct children of ldap.group_base: group GROUP is the entry
     * cn=GROUP,<group_base>, never a same-named group further down (which
     * someone with rights on a sub-tree could make).
     */
    enum ct_err rc = search(dir, dir->cfg->ldap_group_base, LDAP_SCOPE_ONELEVEL, filter, attrs,
                            (int)max, &res, err);
    if (rc != CT_OK) {
        return rc;
    }
    for (LDAPMessage *e = ldap_first_entry(dir->ld, res); e != NULL && *n < max;
         e = ldap_next_entry(dir->ld, e)) {
        if (group_name_from_dn(dir->ld, e, groups[*n], CT_GROUP_MAX + 1) &&
            validate_name(groups[*n], CT_GROUP_MAX)) {
            (*n)++;
        }
    }
    ldap_msgfree(res);
    return CT_OK;
}
