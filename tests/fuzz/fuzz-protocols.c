/* libFuzzer harness: the protocol catalogue parser (shared/protocols.c). */
#include <stdint.h>

#include "protocols.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct protocol_catalog c;
    struct ct_error err = {0};
    if (protocols_parse((const char *)data, size, &c, &err) == CT_OK) {
        for (size_t i = 0; i < c.n; i++) {
            if (protocols_find(&c, c.items[i].name) != &c.items[i]) {
                __builtin_trap(); /* names are unique */
            }
        }
    }
    return 0;
}
