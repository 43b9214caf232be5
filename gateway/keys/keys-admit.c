/* keys-admit.c - see keys-admit.h. */
#include "keys-admit.h"

#include <string.h>

#include "ldap-dir.h"

static bool in_group(char groups[][CT_GROUP_MAX + 1], size_t n, const char *group)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(groups[i], group) == 0) {
            return true;
        }
    }
    return false;
}

/* The one user listing key, if in the users group. */
static enum ct_err by_directory(const struct gw_config *cfg, const struct pubkey *key,
                                struct keys_decision *out, struct ct_error *err)
{
    struct ldap_dir *dir = NULL;
    struct ldap_user user;
    char groups[LDAP_DIR_GROUPS_MAX][CT_GROUP_MAX + 1];
    size_t ngroups = 0;
    enum ct_err rc;

    if ((rc = ldap_dir_open(cfg, &dir, err)) != CT_OK ||
        (rc = ldap_dir_uid_for_key(dir, key, out->uid, sizeof(out->uid), err)) != CT_OK) {
        goto out;
    }
    if (out->uid[0] == '\0') {
        out->why = "no LDAP user (or more than one) lists the key";
        goto out;
    }
    if ((rc = ldap_dir_lookup(dir, out->uid, key, &user, err)) != CT_OK) {
        goto out;
    }
    if (!user.found || !user.key_matches) {
        out->why = "the LDAP user is not usable (uidNumber?)";
        goto out;
    }
    if ((rc = ldap_dir_groups(dir, &user, groups, LDAP_DIR_GROUPS_MAX, &ngroups, err)) != CT_OK) {
        goto out;
    }
    if (!in_group(groups, ngroups, cfg->ldap_users_group)) {
        out->why = "not in the users group";
        goto out;
    }
    out->admit = true;
out:
    ldap_dir_close(dir);
    return rc;
}

enum ct_err keys_admit(const struct gw_config *cfg, const struct pubkey *key,
                       struct keys_decision *out, struct ct_error *err)
{
    memset(out, 0, sizeof(*out));
    if (cfg->keys_admit == GW_ADMIT_ANY_KEY) {
        out->admit = true;
        return CT_OK;
    }
    enum ct_err rc = by_directory(cfg, key, out, err);
    if (rc != CT_OK) {
        out->admit = false;
        out->why = "LDAP failed";
    }
    return rc;
}
