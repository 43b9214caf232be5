/* validate.c - see validate.h.  Hand-written matchers: no regex engine, no locale. */
#include "validate.h"

#include <string.h>

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

bool validate_hostname(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_HOSTNAME_MAX + 1);
    if (n == 0 || n > CT_HOSTNAME_MAX) {
        return false;
    }
    if (!is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1])) {
        return false;
    }
    for (size_t i = 1; i + 1 < n; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '-') {
            return false;
        }
    }
    return true;
}

bool validate_uid(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_UID_MAX + 1);
    if (n == 0 || n > CT_UID_MAX) {
        return false;
    }
    if (!(s[0] >= 'a' && s[0] <= 'z') && s[0] != '_') {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

bool validate_name(const char *s, size_t max)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max || !is_lower_alnum(s[0])) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_lower_alnum(s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.') {
            return false;
        }
    }
    return true;
}

bool validate_request_id(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_REQUEST_ID_MAX + 1);
    if (n < 8 || n > CT_REQUEST_ID_MAX || !is_alnum(s[0])) {
        return false;
    }
    for (size_t i = 1; i < n; i++) {
        if (!is_alnum(s[i]) && s[i] != '_' && s[i] != '-') {
            return false;
        }
    }
    return true;
}

bool validate_token(const char *s, size_t max)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            return false;
        }
    }
    return true;
}
