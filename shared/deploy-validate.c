/* deploy-validate.c - see deploy-validate.h. */
#include "deploy-validate.h"

#include <string.h>

#include "validate.h"

static bool in_set(char c, const char *set)
{
    return c != '\0' && strchr(set, c) != NULL;
}

#define ALNUM "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

bool validate_repo_syntax(const char *s)
{
    if (s == NULL || strncmp(s, "https://", 8) != 0) {
        return false;
    }
    size_t n = strnlen(s, CT_REPO_URL_MAX + 1);
    if (n <= 8 || n > CT_REPO_URL_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c >= 0x7f || in_set((char)c, "\"'\\`<>{}|^")) {
            return false;
        }
    }
    return true;
}

bool validate_git_branch(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_BRANCH_MAX + 1);
    if (n == 0 || n > CT_BRANCH_MAX || s[0] == '-' || s[0] == '.' || s[0] == '/' ||
        s[n - 1] == '/' || s[n - 1] == '.' ||
        (n >= 5 && strcmp(s + n - 5, ".lock") == 0) || strstr(s, "..") != NULL ||
        strstr(s, "//") != NULL || strstr(s, "/.") != NULL) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!in_set(s[i], ALNUM "._/-")) {
            return false;
        }
    }
    return true;
}

bool validate_app_root(const char *s)
{
    if (s == NULL) {
        return false;
    }
    if (strcmp(s, ".") == 0) {
        return true;
    }
    size_t n = strnlen(s, CT_APP_ROOT_MAX + 1);
    if (n == 0 || n > CT_APP_ROOT_MAX) {
        return false;
    }
    /* Each part: 1+ of [A-Za-z0-9._-], not "." or "..". */
    size_t start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '/') {
            size_t len = i - start;
            if (len == 0 || (len == 1 && s[start] == '.') ||
                (len == 2 && s[start] == '.' && s[start + 1] == '.')) {
                return false;
            }
            start = i + 1;
        } else if (!in_set(s[i], ALNUM "._-")) {
            return false;
        }
    }
    return true;
}

bool validate_runtime(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_RUNTIME_MAX + 1);
    const char *at = memchr(s, '@', n);
    if (n == 0 || n > CT_RUNTIME_MAX || at == NULL || at == s || at[1] == '\0') {
        return false;
    }
    for (const char *p = s; p < at; p++) {
        if (!in_set(*p, "abcdefghijklmnopqrstuvwxyz0123456789-")) {
            return false;
        }
    }
    for (const char *p = at + 1; *p != '\0'; p++) {
        if (!in_set(*p, "0123456789.")) {
            return false;
        }
    }
    return true;
}

bool validate_command(const char *s)
{
    return validate_text(s, CT_COMMAND_MAX);
}

bool validate_env_key(const char *s, size_t len)
{
    if (s == NULL || len == 0 || len > CT_ENV_KEY_MAX || (s[0] >= '0' && s[0] <= '9')) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        if (!in_set(s[i], ALNUM "_")) {
            return false;
        }
    }
    return true;
}

bool validate_env_item(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_ENV_KEY_MAX + CT_ENV_VALUE_MAX + 2);
    const char *eq = memchr(s, '=', n);
    if (eq == NULL || !validate_env_key(s, (size_t)(eq - s))) {
        return false;
    }
    const char *value = eq + 1;
    return value[0] == '\0' || validate_text(value, CT_ENV_VALUE_MAX);
}

bool validate_service_name(const char *s)
{
    if (s == NULL) {
        return false;
    }
    size_t n = strnlen(s, CT_SERVICE_MAX + 1);
    if (n == 0 || n > CT_SERVICE_MAX || s[0] == '-') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!in_set(s[i], "abcdefghijklmnopqrstuvwxyz0123456789-")) {
            return false;
        }
    }
    return true;
}
