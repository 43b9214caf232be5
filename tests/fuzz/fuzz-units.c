/*
 * libFuzzer harness: sizes and durations as people type them
 * (shared/units.c).  Whatever parses must print back to a string that
 * parses to the same value: the size the agent sends LXD is the size typed.
 */
#include <stdint.h>
#include <string.h>

#include "units.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[64];
    char out[64];
    long long a = 0;
    long long b = 0;
    if (size >= sizeof(text)) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';
    if (units_parse_size(text, &a)) {
        units_format_size(a, out, sizeof(out));
        if (!units_parse_size(out, &b) || a != b || a < 0 || a > UNITS_BYTES_MAX) {
            __builtin_trap();
        }
    }
    if (units_parse_duration(text, &a)) {
        units_format_duration(a, out, sizeof(out));
        if (!units_parse_duration(out, &b) || a != b || a < 0 || a > UNITS_SECONDS_MAX) {
            __builtin_trap();
        }
    }
    return 0;
}
