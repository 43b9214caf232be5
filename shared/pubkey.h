/*
 * pubkey.h - parse and check one OpenSSH public key line.
 *
 * Accepts "TYPE BASE64 [COMMENT]" only: no authorized_keys options, an
 * allowed TYPE, a blob that decodes and whose embedded type equals TYPE.
 * Control characters are stripped from the comment, which is cut at
 * PUBKEY_COMMENT_MAX bytes, never inside a UTF-8 character.  A parsed key owns its
 * memory; release it with pubkey_free().  No global state.
 */
#ifndef CTGATE_PUBKEY_H
#define CTGATE_PUBKEY_H

#include <stdbool.h>
#include <stddef.h>

#define PUBKEY_LINE_MAX 16384
#define PUBKEY_COMMENT_MAX 256
#define PUBKEY_FINGERPRINT_LEN 51 /* "SHA256:" + 43 base64 chars + NUL */

struct pubkey {
    char type[48];
    char *blob_b64;      /* canonical base64 of blob */
    unsigned char *blob; /* decoded key blob */
    size_t blob_len;
    char comment[PUBKEY_COMMENT_MAX + 1];
};

/* Is type one of the key types ctgate takes (ssh-ed25519, ssh-rsa, ecdsa-*, sk-*)? */
bool pubkey_type_allowed(const char *type);
/*
 * Parse line (len bytes, need not be NUL-terminated; one trailing newline is
 * allowed).  On failure returns false and, when why is not NULL, points it at
 * a static reason.
 */
bool pubkey_parse(const char *line, size_t len, struct pubkey *out, const char **why);
/* "TYPE BASE64[ COMMENT]" into buf; false when it does not fit. */
bool pubkey_format(const struct pubkey *key, char *buf, size_t len);
/* OpenSSH-style "SHA256:..." fingerprint of the blob. */
void pubkey_fingerprint(const struct pubkey *key, char out[PUBKEY_FINGERPRINT_LEN]);
/* True when both keys have the same type and blob (comments ignored). */
bool pubkey_equal(const struct pubkey *a, const struct pubkey *b);
void pubkey_free(struct pubkey *key);

#endif
