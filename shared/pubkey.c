/* pubkey.c - see pubkey.h. */
#include "pubkey.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const allowed_types[] = {
    "ssh-ed25519",
    "ssh-rsa",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
};

static bool type_allowed(const char *type, size_t len)
{
    for (size_t i = 0; i < sizeof(allowed_types) / sizeof(allowed_types[0]); i++) {
        if (strlen(allowed_types[i]) == len && memcmp(allowed_types[i], type, len) == 0) {
            return true;
        }
    }
    return false;
}

bool pubkey_type_allowed(const char *type)
{
    return type_allowed(type, strlen(type));
}

static size_t skip_spaces(const char *s, size_t i, size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t')) {
        i++;
    }
    return i;
}

static size_t token_end(const char *s, size_t i, size_t len)
{
    while (i < len && s[i] != ' ' && s[i] != '\t') {
        i++;
    }
    return i;
}

/*
 * The length of s[0..n) without a UTF-8 sequence its end cuts short (a
 * comment cut at PUBKEY_COMMENT_MAX bytes must not end in half a character).
 */
static size_t utf8_whole(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && n - k < 3 && ((unsigned char)s[k - 1] & 0xC0) == 0x80) {
        k--; /* continuation bytes of the last character */
    }
    if (k == 0) {
        return n;
    }
    unsigned char lead = (unsigned char)s[k - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return need > 1 && n - (k - 1) < need ? k - 1 : n;
}

static void copy_comment(char *dst, const char *src, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len && o < PUBKEY_COMMENT_MAX; i++) {
        unsigned char c = (unsigned char)src[i];
        if (c >= 0x20 && c != 0x7f) {
            dst[o++] = (char)c;
        }
    }
    o = utf8_whole(dst, o);
    while (o > 0 && dst[o - 1] == ' ') {
        o--;
    }
    dst[o] = '\0';
}

static bool fail(const char **why, const char *reason)
{
    if (why != NULL) {
        *why = reason;
    }
    return false;
}

bool pubkey_parse(const char *line, size_t len, struct pubkey *out, const char **why)
{
    memset(out, 0, sizeof(*out));
    if (len > PUBKEY_LINE_MAX) {
        return fail(why, "key line too long");
    }
    if (len > 0 && line[len - 1] == '\n') {
        len--;
    }
    if (len > 0 && line[len - 1] == '\r') {
        len--;
    }
    if (memchr(line, '\n', len) != NULL || memchr(line, '\0', len) != NULL ||
        memchr(line, '\r', len) != NULL) {
        return fail(why, "key must be a single line");
    }
    size_t i = skip_spaces(line, 0, len);
    size_t type_start = i;
    i = token_end(line, i, len);
    size_t type_len = i - type_start;
    if (type_len == 0) {
        return fail(why, "empty key");
    }
    if (!type_allowed(line + type_start, type_len)) {
        return fail(why, "unsupported key type or key options present");
    }
    i = skip_spaces(line, i, len);
    size_t b64_start = i;
    i = token_end(line, i, len);
    size_t b64_len = i - b64_start;
    if (b64_len == 0) {
        return fail(why, "missing key data");
    }
    size_t max_bin = b64_len / 4 * 3 + 3;
    out->blob = malloc(max_bin);
    if (out->blob == NULL) {
        return fail(why, "out of memory");
    }
    const char *end = NULL;
    if (sodium_base642bin(out->blob, max_bin, line + b64_start, b64_len, NULL, &out->blob_len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != line + b64_start + b64_len) {
        pubkey_free(out);
        return fail(why, "key data is not valid base64");
    }
    if (out->blob_len < 4) {
        pubkey_free(out);
        return fail(why, "key data too short");
    }
    uint32_t inner = ((uint32_t)out->blob[0] << 24) | ((uint32_t)out->blob[1] << 16) |
                     ((uint32_t)out->blob[2] << 8) | (uint32_t)out->blob[3];
    if (inner != type_len || out->blob_len - 4 < inner ||
        memcmp(out->blob + 4, line + type_start, type_len) != 0) {
        pubkey_free(out);
        return fail(why, "key data does not match the key type");
    }
    if (out->blob_len == 4 + inner) {
        pubkey_free(out);
        return fail(why, "key data holds no key");
    }
    memcpy(out->type, line + type_start, type_len);
    out->type[type_len] = '\0';
    size_t b64_cap = sodium_base64_ENCODED_LEN(out->blob_len, sodium_base64_VARIANT_ORIGINAL);
    out->blob_b64 = malloc(b64_cap);
    if (out->blob_b64 == NULL) {
        pubkey_free(out);
        return fail(why, "out of memory");
    }
    sodium_bin2base64(out->blob_b64, b64_cap, out->blob, out->blob_len,
                      sodium_base64_VARIANT_ORIGINAL);
    i = skip_spaces(line, i, len);
    copy_comment(out->comment, line + i, len - i);
    return true;
}

bool pubkey_format(const struct pubkey *key, char *buf, size_t len)
{
    int n;
    if (key->comment[0] != '\0') {
        n = snprintf(buf, len, "%s %s %s", key->type, key->blob_b64, key->comment);
    } else {
        n = snprintf(buf, len, "%s %s", key->type, key->blob_b64);
    }
    return n > 0 && (size_t)n < len;
}

void pubkey_fingerprint(const struct pubkey *key, char out[PUBKEY_FINGERPRINT_LEN])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(digest, key->blob, key->blob_len);
    memcpy(out, "SHA256:", sizeof("SHA256:")); /* with its NUL; the base64 follows it */
    sodium_bin2base64(out + 7, PUBKEY_FINGERPRINT_LEN - 7, digest, sizeof(digest),
                      sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

bool pubkey_equal(const struct pubkey *a, const struct pubkey *b)
{
    return strcmp(a->type, b->type) == 0 && a->blob_len == b->blob_len &&
           sodium_memcmp(a->blob, b->blob, a->blob_len) == 0;
}

void pubkey_free(struct pubkey *key)
{
    free(key->blob);
    free(key->blob_b64);
    key->blob = NULL;
    key->blob_b64 = NULL;
    key->blob_len = 0;
}
