/* libFuzzer harness: the OpenSSH public key parser (shared/pubkey.c). */
#include <stdint.h>
#include <string.h>

#include "pubkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct pubkey key;
    const char *why = NULL;
    if (pubkey_parse((const char *)data, size, &key, &why)) {
        char line[PUBKEY_LINE_MAX + 1];
        char fp[PUBKEY_FINGERPRINT_LEN];
        struct pubkey again;
        pubkey_fingerprint(&key, fp);
        /* The canonical form must parse back to the same key. */
        if (pubkey_format(&key, line, sizeof(line))) {
            if (!pubkey_parse(line, strlen(line), &again, &why)) {
                __builtin_trap();
            }
            if (!pubkey_equal(&key, &again)) {
                __builtin_trap();
            }
            pubkey_free(&again);
        }
        pubkey_free(&key);
    }
    return 0;
}
