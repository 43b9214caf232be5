/*
 * export-count.h - what is kept of an export's bytes as they pass: how
 * many, their SHA-256, and whether a limit was passed.  The agent's export
 * and scheduled backup (op-export.c, admin/backup.c) count what they send
 * or write, the gateway (cmd-export.c) what it received, and the two
 * sums must agree.
 */
#ifndef CTGATE_EXPORT_COUNT_H
#define CTGATE_EXPORT_COUNT_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>

#define EXPORT_SHA256_HEX (crypto_hash_sha256_BYTES * 2 + 1)

struct export_count {
    long long bytes;
    long long max_bytes; /* 0: no limit */
    bool too_large;      /* a piece would have passed max_bytes: it was not counted */
    crypto_hash_sha256_state sha;
};

void export_count_init(struct export_count *c, long long max_bytes);
/* Count len more bytes; false (and too_large) when they would pass max_bytes. */
bool export_count_add(struct export_count *c, const void *bytes, size_t len);
/* The SHA-256 of everything counted, in hex (ends the count). */
void export_count_sha256(struct export_count *c, char hex[EXPORT_SHA256_HEX]);

#endif
