/*
 * keys-admit.h - whether ctgate-keys gives sshd the offered key (keys.admit).
 *
 * "any-key": every key keys_check_request() accepted; the gateway then finds
 * no LDAP user by it and asks for a user and the LDAP password.
 * "ldap-keys": only when exactly one LDAP user (ldap.user_filter) lists the
 * key in sshPublicKey and is in ldap.users_group - the same match the
 * gateway makes after login (ldap_dir_uid_for_key()), so a key admitted here
 * names its user there.  LDAP unreachable, slow or failing is an error
 * (fail closed), never an admission.  No state of its own.
 */
#ifndef CTGATE_KEYS_ADMIT_H
#define CTGATE_KEYS_ADMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "gw-config.h"
#include "pubkey.h"

struct keys_decision {
    bool admit;
    char uid[CT_UID_MAX + 1]; /* ldap-keys: the user the key names; "" otherwise */
    const char *why;          /* refused: a reason for the log */
};

/* CT_OK with the decision, or the directory's error (then nobody is admitted). */
enum ct_err keys_admit(const struct gw_config *cfg, const struct pubkey *key,
                       struct keys_decision *out, struct ct_error *err);

#endif
