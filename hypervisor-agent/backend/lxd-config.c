/* lxd-config.c - see lxd-config.h. */
#include "lxd-config.h"

#include <stdlib.h>
#include <string.h>

#include "cfgread.h"
#include "validate.h"

enum ct_err lxd_config_load(const config_t *conf, void **settings, struct ct_error *err)
{
    char product[16];
    enum ct_err rc = CT_OK;
    struct lxd_config *c = calloc(1, sizeof(*c));

    *settings = NULL;
    if (c == NULL) {
        return ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
    }
    if ((rc = cfgread_string(conf, "lxd.socket", c->socket, sizeof(c->socket),
                             "/var/lib/lxd/unix.socket", err)) != CT_OK ||
        (rc = cfgread_string(conf, "lxd.pool", c->pool, sizeof(c->pool), "default", err)) !=
            CT_OK ||
        (rc = cfgread_string(conf, "lxd.profile", c->profile, sizeof(c->profile), "default",
                             err)) != CT_OK ||
        (rc = cfgread_string(conf, "lxd.target", c->target, sizeof(c->target), "", err)) != CT_OK ||
        (rc = cfgread_string(conf, "lxd.project", c->project, sizeof(c->project), "", err)) !=
            CT_OK ||
        (rc = cfgread_string(conf, "lxd.product", product, sizeof(product), "lxd", err)) != CT_OK) {
        goto out;
    }
    if (strcmp(product, "lxd") != 0 && strcmp(product, "incus") != 0) {
        rc = ct_error_set(err, CT_ERR_CONFIG, "lxd.product must be \"lxd\" or \"incus\"");
        goto out;
    }
    c->incus = strcmp(product, "incus") == 0;
    if (!validate_name(c->pool, 63) || !validate_name(c->profile, 63) ||
        (c->target[0] != '\0' && !validate_name(c->target, 63)) ||
        (c->project[0] != '\0' && !validate_name(c->project, 63))) {
        rc = ct_error_set(err, CT_ERR_CONFIG,
                          "lxd.pool, lxd.profile, lxd.target or lxd.project is invalid");
        goto out;
    }
    if (c->socket[0] != '/') {
        rc = ct_error_set(err, CT_ERR_CONFIG, "lxd.socket must be an absolute path");
        goto out;
    }
out:
    if (rc != CT_OK) {
        free(c);
        return rc;
    }
    *settings = c;
    return CT_OK;
}

void lxd_config_free(void *settings)
{
    free(settings);
}

enum ct_err lxd_config_check_image(const void *settings, const char *image, struct ct_error *err)
{
    (void)settings;
    /* An image alias: printable, no spaces (it ends up in logs and error details). */
    if (!validate_token(image, strlen(image))) {
        return ct_error_set(err, CT_ERR_CONFIG, "invalid image");
    }
    return CT_OK;
}
