/* libFuzzer harness: the gateway's reading of one agent answer line (shared/proto.c). */
#include <stdint.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *line = NULL;
    enum proto_line kind = proto_parse_line((const char *)data, size, &line);
    if ((kind == PROTO_LINE_INVALID) != (line == NULL)) {
        __builtin_trap();
    }
    json_decref(line);
    return 0;
}
