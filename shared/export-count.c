/* export-count.c - see export-count.h. */
#include "export-count.h"

#include <string.h>

void export_count_init(struct export_count *c, long long max_bytes)
{
    memset(c, 0, sizeof(*c));
    c->max_bytes = max_bytes;
    crypto_hash_sha256_init(&c->sha);
}

bool export_count_add(struct export_count *c, const void *bytes, size_t len)
{
    if (c->max_bytes > 0 && c->bytes + (long long)len > c->max_bytes) {
        c->too_large = true;
        return false;
    }
    c->bytes += (long long)len;
    crypto_hash_sha256_update(&c->sha, bytes, len);
    return true;
}

void export_count_sha256(struct export_count *c, char hex[EXPORT_SHA256_HEX])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&c->sha, digest);
    sodium_bin2hex(hex, EXPORT_SHA256_HEX, digest, sizeof(digest));
}
