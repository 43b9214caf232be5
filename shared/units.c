/* units.c - see units.h. */
#include "units.h"

#include <stdio.h>
#include <strings.h>

/* Leading digits of s into *n; returns the rest, or NULL when none or too many. */
static const char *digits(const char *s, long long *n)
{
    size_t i = 0;
    *n = 0;
    while (s[i] >= '0' && s[i] <= '9') {
        if (i == UNITS_DIGITS_MAX) {
            return NULL;
        }
        *n = *n * 10 + (s[i] - '0');
        i++;
    }
    return i > 0 ? s + i : NULL;
}

/* Suffixes of a size, binary before decimal when printing (see units.h). */
static const struct {
    const char *suffix; /* as printed; parsed case-insensitively */
    long long factor;
    bool print;
} sizes[] = {
    {"TiB", 1024LL * 1024 * UNITS_MIB, true},
    {"GiB", 1024LL * UNITS_MIB, true},
    {"MiB", UNITS_MIB, true},
    {"TB", 1000LL * 1000 * 1000 * 1000, true},
    {"GB", 1000LL * 1000 * 1000, true},
    {"MB", 1000LL * 1000, true},
    {"KiB", 1024, false}, /* no limit is set in KiB: print kB or MiB instead */
    {"kB", 1000, true},
    {"B", 1, true},
    {"", UNITS_MIB, false},
    {"K", 1024, false},
    {"M", UNITS_MIB, false},
    {"G", 1024LL * UNITS_MIB, false},
    {"T", 1024LL * 1024 * UNITS_MIB, false},
};

bool units_parse_size(const char *s, long long *bytes)
{
    long long n;
    const char *rest = digits(s, &n);
    if (rest == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (strcasecmp(rest, sizes[i].suffix) == 0) {
            if (n > UNITS_BYTES_MAX / sizes[i].factor) {
                return false;
            }
            *bytes = n * sizes[i].factor;
            return true;
        }
    }
    return false;
}

static const struct {
    char unit;
    long long seconds;
} durations[] = {{'w', 7LL * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};

bool units_parse_duration(const char *s, long long *seconds)
{
    long long n;
    const char *rest = digits(s, &n);
    if (rest == NULL || rest[0] == '\0' || rest[1] != '\0') {
        return false;
    }
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        if (rest[0] == durations[i].unit) {
            if (n > UNITS_SECONDS_MAX / durations[i].seconds) {
                return false;
            }
            *seconds = n * durations[i].seconds;
            return true;
        }
    }
    return false;
}

void units_format_size(long long bytes, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        if (sizes[i].print && bytes >= sizes[i].factor && bytes % sizes[i].factor == 0) {
            snprintf(buf, len, "%lld%s", bytes / sizes[i].factor, sizes[i].suffix);
            return;
        }
    }
    snprintf(buf, len, "%lldB", bytes);
}

void units_format_duration(long long seconds, char *buf, size_t len)
{
    for (size_t i = 0; i < sizeof(durations) / sizeof(durations[0]); i++) {
        if (seconds > 0 && seconds % durations[i].seconds == 0) {
            snprintf(buf, len, "%lld%c", seconds / durations[i].seconds, durations[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%llds", seconds);
}
