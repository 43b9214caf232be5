/*
 * ldap-dir.h - the organisation's directory, read with libldap.
 *
 * One connection per gateway run, always over TLS (ldaps:// or StartTLS on
 * ldap://) with certificate verification against the configured CA, every
 * option set explicitly (LDAPNOINIT is in the environment, see startup.h)
 * and every call bounded by ldap.timeout.  Filters are built only from
 * escaped values (RFC 4515).  Errors are CT_ERR_NOT_AUTHENTICATED for
 * anything the user could cause and CT_ERR_BACKEND/CT_ERR_TIMEOUT for the
 * directory itself; details are for the log, never for the user.
 */
#ifndef CTGATE_LDAP_DIR_H
#define CTGATE_LDAP_DIR_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "gw-config.h"
#include "pubkey.h"
#include "validate.h"

#define LDAP_DIR_GROUPS_MAX 64
#define LDAP_DIR_DN_MAX 512

struct ldap_dir; /* opaque */

struct ldap_user {
    bool found;
    char uid[CT_UID_MAX + 1];
    char dn[LDAP_DIR_DN_MAX];
    long long uid_number;
    bool key_matches; /* the login key is one of the entry's sshPublicKey values */
};

enum ct_err ldap_dir_open(const struct gw_config *cfg, struct ldap_dir **out,
                          struct ct_error *err);
void ldap_dir_close(struct ldap_dir *dir);
/*
 * The uid of the one user whose sshPublicKey equals key: one equality
 * search for the value "TYPE BASE64" (no comment), then, only when
 * ldap.key_search_limit > 0 and nothing matched, a bounded read of the
 * entries that have a key.  uid[0] == '\0' when none or more than one matches.
 */
enum ct_err ldap_dir_uid_for_key(struct ldap_dir *dir, const struct pubkey *key, char *uid,
                                 size_t len, struct ct_error *err);
/* Look up uid (found=false when absent); key may be NULL. */
enum ct_err ldap_dir_lookup(struct ldap_dir *dir, const char *uid, const struct pubkey *key,
                            struct ldap_user *out, struct ct_error *err);
/* Simple bind as dn; an empty password is always refused. */
enum ct_err ldap_dir_bind(struct ldap_dir *dir, const char *dn, const char *password,
                          struct ct_error *err);
/*
 * Names of the posixGroup/groupOfNames groups that list uid or dn, each
 * taken from the group's DN cn=NAME,<ldap.group_base>: only direct children
 * of the configured base count.
 */
enum ct_err ldap_dir_groups(struct ldap_dir *dir, const struct ldap_user *user,
                            char groups[][CT_GROUP_MAX + 1], size_t max, size_t *n,
                            struct ct_error *err);
/* RFC 4515 escaping of one assertion value; false when it does not fit. */
bool ldap_dir_escape(const char *value, char *out, size_t len);

#endif
