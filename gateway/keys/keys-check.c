/* keys-check.c - see keys-check.h. */
#include "keys-check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool refuse(const char **why, const char *reason)
{
    *why = reason;
    return false;
}

static bool type_listed(const struct gw_config *cfg, const char *type)
{
    for (size_t i = 0; i < cfg->keys_ntypes; i++) {
        if (strcmp(cfg->keys_types[i], type) == 0) {
            return true;
        }
    }
    return false;
}

/* RFC 4648 base64 with padding only at the end: what OpenSSH prints for %k. */
static bool plain_base64(const char *s, size_t len)
{
    size_t pad = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool alpha = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                     c == '+' || c == '/';
        if (c == '=') {
            pad++;
        } else if (!alpha || pad > 0) {
            return false;
        }
    }
    return pad <= 2 && len % 4 == 0;
}

/* How many length-prefixed fields a blob of this type holds (RFC 4253 6.6, PROTOCOL.u2f). */
static int field_count(const char *type)
{
    if (strcmp(type, "ssh-ed25519") == 0) {
        return 2; /* type, key */
    }
    if (strcmp(type, "sk-ecdsa-sha2-nistp256@openssh.com") == 0) {
        return 4; /* type, curve, point, application */
    }
    return 3; /* rsa: type, e, n; ecdsa: type, curve, point; sk-ed25519: type, key, application */
}

/* Exactly n length-prefixed fields, nothing after: one key, not a key and more. */
static bool whole_key(const unsigned char *blob, size_t len, int n)
{
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        if (len - at < 4) {
            return false;
        }
        uint32_t field = ((uint32_t)blob[at] << 24) | ((uint32_t)blob[at + 1] << 16) |
                         ((uint32_t)blob[at + 2] << 8) | (uint32_t)blob[at + 3];
        at += 4;
        if (field == 0 || field > len - at) {
            return false;
        }
        at += field;
    }
    return at == len;
}

bool keys_check_request(const struct gw_config *cfg, const char *account, const char *type,
                        const char *b64, struct pubkey *out, const char **why)
{
    char *line = NULL;
    bool ok = false;
    memset(out, 0, sizeof(*out));
    if (account == NULL || strcmp(account, cfg->keys_account) != 0) {
        return refuse(why, "another account");
    }
    if (type == NULL || !type_listed(cfg, type)) {
        return refuse(why, "key type not allowed");
    }
    size_t len = b64 != NULL ? strnlen(b64, KEYS_B64_MAX + 1) : 0;
    if (len == 0 || len > KEYS_B64_MAX) {
        return refuse(why, len == 0 ? "no key" : "key too long");
    }
    if (!plain_base64(b64, len)) {
        return refuse(why, "key is not base64");
    }
    size_t n = strlen(type) + 1 + len + 1;
    line = malloc(n);
    if (line == NULL) {
        return refuse(why, "out of memory");
    }
    snprintf(line, n, "%s %s", type, b64);
    if (!pubkey_parse(line, n - 1, out, why)) {
        goto out;
    }
    /* The same bytes sshd would compare: one canonical encoding of this one key. */
    if (!whole_key(out->blob, out->blob_len, field_count(type))) {
        pubkey_free(out);
        refuse(why, "key data is not one key of its type");
        goto out;
    }
    if (strcmp(out->type, type) != 0 || strcmp(out->blob_b64, b64) != 0) {
        pubkey_free(out);
        refuse(why, "key is not in canonical form");
        goto out;
    }
    ok = true;
out:
    free(line);
    return ok;
}

const char *keys_loggable(const char *text)
{
    size_t n = 0;
    if (text == NULL) {
        return "(none)";
    }
    for (; n <= GW_KEY_TYPE_MAX && text[n] != '\0'; n++) {
        char c = text[n];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == '@')) {
            return "(invalid)";
        }
    }
    return n > 0 && n <= GW_KEY_TYPE_MAX ? text : "(invalid)";
}
