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

bool units_parse_mib(const char *s, long long *mib)
{
    static const struct {
        const char *suffix;
        long long factor;
    } units[] = {
        {"", 1},         {"m", 1},           {"mib", 1},           {"g", 1024},
        {"gib", 1024},   {"t", 1024LL * 1024}, {"tib", 1024LL * 1024},
    };
    long long n;
    const char *rest = digits(s, &n);
    if (rest == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
        if (strcasecmp(rest, units[i].suffix) == 0) {
            if (n > UNITS_MIB_MAX / units[i].factor) {
                return false;
            }
            *mib = n * units[i].factor;
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

void units_format_mib(long long mib, char *buf, size_t len)
{
    if (mib >= 1024 && mib % 1024 == 0) {
        snprintf(buf, len, "%lldGiB", mib / 1024);
    } else {
        snprintf(buf, len, "%lldMiB", mib);
    }
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
