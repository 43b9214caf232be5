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

bool validate_snapshot_name(const char *s)
{
    return s != NULL && strnlen(s, CT_SNAPSHOT_MAX + 1) <= CT_SNAPSHOT_MAX && validate_hostname(s);
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

/* Length of the UTF-8 sequence at s and its code point; 0 when malformed. */
static size_t utf8_decode(const unsigned char *s, size_t left, unsigned long *cp)
{
    size_t len;
    unsigned long min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        min = 0x80;
        *cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        min = 0x800;
        *cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        min = 0x10000;
        *cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > left) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0u) != 0x80) {
            return 0;
        }
        *cp = (*cp << 6) | (s[i] & 0x3fu);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

static bool is_control(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

bool validate_text(const char *s, size_t max)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max) {
        return false;
    }
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned long cp = 0;
        size_t len = utf8_decode(p + i, n - i, &cp);
        if (len == 0 || is_control(cp)) {
            return false;
        }
        i += len;
    }
    return true;
}
