/*
 * keys-check.h - what sshd hands ctgate-keys (AuthorizedKeysCommand %u %t
 * %k: the account, the key type, the base64 key), checked before anything
 * is looked up.
 *
 * All three come from whoever connects: %u is any name a client asks for,
 * %t and %k the key it offers.  keys_check_request() accepts only the
 * configured account, a type of keys.types, and a key that is plain
 * base64 (no spaces, options, comments or a second key), at most
 * KEYS_B64_MAX long, whose canonical encoding it is and whose embedded
 * type equals %t (shared/pubkey.h).  On success *out owns a parsed key:
 * pubkey_free() it.  No state; thread-safe.
 */
#ifndef CTGATE_KEYS_CHECK_H
#define CTGATE_KEYS_CHECK_H

#include <stdbool.h>

#include "gw-config.h"
#include "pubkey.h"

#define KEYS_B64_MAX 8192 /* an RSA-16384 key is about 2800 */

/* false, with a reason for the log in *why (never the key), when refused. */
bool keys_check_request(const struct gw_config *cfg, const char *account, const char *type,
                        const char *b64, struct pubkey *out, const char **why);
/* text when it is a plausible name to log (an account or key type), else "(invalid)". */
const char *keys_loggable(const char *text);

#endif
