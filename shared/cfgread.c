/* cfgread.c - see cfgread.h. */
#include "cfgread.h"

#include <string.h>

enum ct_err cfgread_string(const config_t *conf, const char *path, char *dst, size_t len,
                           const char *fallback, struct ct_error *err)
{
    const char *value = NULL;
    if (config_lookup_string(conf, path, &value) != CONFIG_TRUE) {
        if (config_lookup(conf, path) != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "setting '%s' must be a string", path);
        }
        if (fallback == NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "missing setting '%s'", path);
        }
        value = fallback;
    }
    if (strlen(value) >= len) {
        return ct_error_set(err, CT_ERR_CONFIG, "setting '%s' is too long", path);
    }
    memcpy(dst, value, strlen(value) + 1);
    return CT_OK;
}

enum ct_err cfgread_int(const config_t *conf, const char *path, int min, int max, int fallback,
                        int *out, struct ct_error *err)
{
    int value = fallback;
    if (config_lookup_int(conf, path, &value) != CONFIG_TRUE) {
        if (config_lookup(conf, path) != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "setting '%s' must be an integer", path);
        }
        value = fallback;
    } else if (value < min || value > max) {
        return ct_error_set(err, CT_ERR_CONFIG, "'%s' must be %d..%d", path, min, max);
    }
    *out = value;
    return CT_OK;
}

enum ct_err cfgread_seconds(const config_t *conf, const char *path, int fallback, int *out,
                            struct ct_error *err)
{
    return cfgread_int(conf, path, 1, 3600, fallback, out, err);
}

enum ct_err cfgread_bool(const config_t *conf, const char *path, bool fallback, bool *out,
                         struct ct_error *err)
{
    int value = 0;
    if (config_lookup_bool(conf, path, &value) != CONFIG_TRUE) {
        if (config_lookup(conf, path) != NULL) {
            return ct_error_set(err, CT_ERR_CONFIG, "setting '%s' must be true or false", path);
        }
        *out = fallback;
        return CT_OK;
    }
    *out = value != 0;
    return CT_OK;
}

enum ct_err cfgread_file(config_t *conf, const char *path, struct ct_error *err)
{
    if (config_read_file(conf, path) == CONFIG_TRUE) {
        return CT_OK;
    }
    if (config_error_type(conf) == CONFIG_ERR_FILE_IO) {
        return ct_error_set(err, CT_ERR_CONFIG, "cannot read %s", path);
    }
    return ct_error_set(err, CT_ERR_CONFIG, "%s:%d: %s", path, config_error_line(conf),
                        config_error_text(conf));
}
