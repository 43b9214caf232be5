/* deploy-env.c - see deploy-env.h. */
#include "deploy-env.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "deploy-validate.h"

/* The length of item's key (the item is validate_env_item: it has a '='). */
static size_t key_len(const char *item)
{
    return (size_t)(strchr(item, '=') - item);
}

static bool same_key(const char *a, const char *b)
{
    size_t n = key_len(a);
    return n == key_len(b) && memcmp(a, b, n) == 0;
}

/*
 * Whether systemd takes value (well-formed UTF-8 already, validate_env_item)
 * in an environment file: its utf8_is_valid() refuses the Unicode
 * noncharacters (U+FDD0..U+FDEF and U+xFFFE, U+xFFFF of every plane), and
 * systemd.exec(5) excludes U+FEFF too.  A refused value makes the whole
 * file fail to load, and with it the app's unit.
 */
static bool systemd_value_ok(const char *value)
{
    const unsigned char *p = (const unsigned char *)value;
    while (*p != '\0') {
        uint32_t cp = 0;
        size_t len = 1;
        if (*p < 0x80) {
            cp = *p;
        } else if ((*p & 0xe0) == 0xc0) {
            cp = *p & 0x1fU;
            len = 2;
        } else if ((*p & 0xf0) == 0xe0) {
            cp = *p & 0x0fU;
            len = 3;
        } else {
            cp = *p & 0x07U;
            len = 4;
        }
        for (size_t i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) {
                return false; /* not what validate_env_item let through */
            }
            cp = (cp << 6) | (p[i] & 0x3fU);
        }
        if ((cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffeU) == 0xfffeU || cp == 0xfeff) {
            return false;
        }
        p += len;
    }
    return true;
}

/* validate_env_item, and a value systemd loads. */
static bool item_ok(const char *item)
{
    return validate_env_item(item) && systemd_value_ok(strchr(item, '=') + 1);
}

enum ct_err deploy_env_check(char *const *items, size_t n, struct ct_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (!validate_env_item(items[i])) {
            return ct_error_set(err, CT_ERR_BAD_VALUE, "env item %zu is not KEY=VALUE", i + 1);
        }
        int klen = (int)key_len(items[i]);
        if (!systemd_value_ok(items[i] + klen + 1)) {
            return ct_error_set(err, CT_ERR_BAD_VALUE,
                                "the value of %.*s holds a Unicode noncharacter or U+FEFF, which "
                                "systemd refuses",
                                klen, items[i]);
        }
        for (size_t j = 0; j < i; j++) {
            if (same_key(items[i], items[j])) {
                return ct_error_set(err, CT_ERR_BAD_VALUE, "variable %.*s is given twice", klen,
                                    items[i]);
            }
        }
        total += strlen(items[i]) + 1;
        if (total > DEPLOY_ENV_TOTAL_MAX) {
            return ct_error_set(err, CT_ERR_BAD_VALUE,
                                "the variables take more than %zu bytes in all (KEY=VALUE and a "
                                "newline each)",
                                DEPLOY_ENV_TOTAL_MAX);
        }
    }
    return CT_OK;
}

enum ct_err deploy_env_merge(char *const *user, size_t nuser, const struct service_expanded *svc,
                             size_t nsvc, char ***out, size_t *nout, struct ct_error *err)
{
    size_t total = nuser + 1;
    size_t used = 0;
    char **list = NULL;
    enum ct_err rc = CT_OK;

    *out = NULL;
    *nout = 0;
    for (size_t s = 0; s < nsvc; s++) {
        total += svc[s].nenv;
    }
    if ((list = calloc(total, sizeof(*list))) == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    for (size_t s = 0; s < nsvc; s++) {
        for (size_t i = 0; i < svc[s].nenv; i++) {
            const char *item = svc[s].env[i];
            for (size_t t = 0; t < s; t++) {
                for (size_t j = 0; j < svc[t].nenv; j++) {
                    if (same_key(item, svc[t].env[j])) {
                        rc = ct_error_set(err, CT_ERR_BAD_VALUE,
                                          "services %s and %s both set %.*s: ask for one of them",
                                          svc[t].def->name, svc[s].def->name, (int)key_len(item),
                                          item);
                        goto out;
                    }
                }
            }
            list[used++] = svc[s].env[i];
        }
    }
    for (size_t u = 0; u < nuser; u++) {
        if (!validate_env_item(user[u])) {
            rc = ct_error_set(err, CT_ERR_BAD_VALUE, "env item %zu is not KEY=VALUE", u + 1);
            goto out;
        }
        for (size_t s = 0; s < nsvc; s++) {
            for (size_t j = 0; j < svc[s].nenv; j++) {
                if (same_key(user[u], svc[s].env[j])) {
                    rc = ct_error_set(err, CT_ERR_BAD_VALUE,
                                      "variable %.*s is set by service %s: choose another name",
                                      (int)key_len(user[u]), user[u], svc[s].def->name);
                    goto out;
                }
            }
        }
        list[used++] = user[u];
    }
out:
    if (rc != CT_OK) {
        free(list);
        return rc;
    }
    *out = list;
    *nout = used;
    return CT_OK;
}

/* Every item ok, else CT_ERR_BAD_VALUE naming the first bad one (by number: no value shown). */
static enum ct_err check_items(char *const *items, size_t n, struct ct_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (!item_ok(items[i])) {
            return ct_error_set(err, CT_ERR_BAD_VALUE, "env item %zu cannot be written", i + 1);
        }
    }
    return CT_OK;
}

static enum ct_err full(struct ct_error *err)
{
    return ct_error_set(err, CT_ERR_INTERNAL, "the environment file would be too large");
}

enum ct_err deploy_env_render_dotenv(char *const *items, size_t n, struct buf *out,
                                     struct ct_error *err)
{
    enum ct_err rc = check_items(items, n, err);
    for (size_t i = 0; rc == CT_OK && i < n; i++) {
        if (buf_append(out, items[i], strlen(items[i])) != 0 || buf_append(out, "\n", 1) != 0) {
            rc = full(err);
        }
    }
    return rc;
}

/*
 * systemd's rule for a value in an EnvironmentFile= (systemd.exec(5),
 * "EnvironmentFile=", and parse_env_file_internal() in systemd's
 * src/basic/env-file.c, the same in Debian 12's systemd 252 and since):
 *
 *  - unquoted, leading and trailing whitespace is dropped and a backslash
 *    escapes the next character: never used here;
 *  - in '...' every character up to the next single quote is taken
 *    verbatim, with no escape at all (state SINGLE_QUOTE_VALUE);
 *  - in "..." a backslash followed by one of " \ ` $ (SHELL_NEED_ESCAPE)
 *    gives that character; before any other character both are kept
 *    (DOUBLE_QUOTE_VALUE_ESCAPE; older systemd versions dropped the
 *    backslash there, which is why nothing else is ever escaped);
 *  - '#' and ';' start a comment only at the start of a line, and '%' and
 *    '$' are not expanded in the file (specifiers and ${VAR} belong to
 *    unit-file lines, not to the file's values).
 *
 * So a value without a single quote goes in single quotes as it is, and
 * one with a single quote goes in double quotes with " \ ` $ escaped.
 * Values never hold a newline or another control character
 * (validate_env_item), and a quoted empty value reads as "".
 */
static int append_systemd_value(struct buf *out, const char *value)
{
    if (strchr(value, '\'') == NULL) {
        return buf_append(out, "'", 1) != 0 || buf_append(out, value, strlen(value)) != 0 ||
                       buf_append(out, "'", 1) != 0
                   ? -1
                   : 0;
    }
    if (buf_append(out, "\"", 1) != 0) {
        return -1;
    }
    for (const char *p = value; *p != '\0'; p++) {
        if (strchr("\"\\`$", *p) != NULL && buf_append(out, "\\", 1) != 0) {
            return -1;
        }
        if (buf_append(out, p, 1) != 0) {
            return -1;
        }
    }
    return buf_append(out, "\"", 1);
}

enum ct_err deploy_env_render_systemd(char *const *items, size_t n, struct buf *out,
                                      struct ct_error *err)
{
    enum ct_err rc = check_items(items, n, err);
    for (size_t i = 0; rc == CT_OK && i < n; i++) {
        size_t klen = key_len(items[i]);
        if (buf_append(out, items[i], klen + 1) != 0 ||
            append_systemd_value(out, items[i] + klen + 1) != 0 || buf_append(out, "\n", 1) != 0) {
            rc = full(err);
        }
    }
    return rc;
}
