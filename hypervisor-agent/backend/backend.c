/* backend.c - the table of backends agent.conf can name; see backend.h. */
#include "backend.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "addr-policy.h"
#include "clock.h"

#define ADDRESS_REFUSAL_SETTLE_MS 2000L

enum ct_err backend_wait_address(backend_address_fn look, void *ctx, int timeout_s, long pause_ms,
                                 char *out, size_t len, struct ct_error *err)
{
    long deadline = clock_now_ms() + (long)timeout_s * 1000;
    long refused_since = 0;
    for (;;) {
        int verdict = ADDR_NOT_YET;
        out[0] = '\0';
        enum ct_err rc = look(ctx, &verdict, out, len, err);
        if (rc != CT_OK || verdict == ADDR_OK) {
            if (rc != CT_OK) {
                out[0] = '\0';
            }
            return rc;
        }
        long now = clock_now_ms();
        if (verdict != ADDR_NOT_YET) {
            refused_since = refused_since != 0 ? refused_since : now;
            if (now - refused_since >= ADDRESS_REFUSAL_SETTLE_MS || now >= deadline) {
                char bad[48];
                snprintf(bad, sizeof(bad), "%s", out);
                out[0] = '\0';
                return ct_error_set(err, CT_ERR_NOT_ALLOWED,
                                    "the container's address %s %s: it is not published", bad,
                                    addr_policy_reason((enum addr_verdict)verdict));
            }
        } else {
            refused_since = 0;
        }
        out[0] = '\0';
        if (now >= deadline) {
            return ct_error_set(err, CT_ERR_TIMEOUT, "no IPv4 address after %ds", timeout_s);
        }
        struct timespec pause = {pause_ms / 1000, (pause_ms % 1000) * 1000L * 1000};
        nanosleep(&pause, NULL);
    }
}

/* The first is the default.  A new backend is one file in backend/ and one line here. */
static const struct backend_ops *const backends[] = {
    &backend_lxd,
    &backend_proxmox,
};

#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

const struct backend_ops *backend_find(const char *name)
{
    for (size_t i = 0; i < NBACKENDS; i++) {
        if (strcmp(backends[i]->name, name) == 0) {
            return backends[i];
        }
    }
    return NULL;
}

const struct backend_ops *backend_default(void)
{
    return backends[0];
}

void backend_names(char *out, size_t len)
{
    int n = snprintf(out, len, "\"%s\"", backends[0]->name);
    size_t used = n > 0 ? (size_t)n : len;
    for (size_t i = 1; i < NBACKENDS && used < len; i++) {
        const char *sep = i + 1 < NBACKENDS ? ", " : " or ";
        n = snprintf(out + used, len - used, "%s\"%s\"", sep, backends[i]->name);
        used += n > 0 ? (size_t)n : len;
    }
}

enum ct_err backend_can(const struct backend_ops *ops, void *h, unsigned want, bool *yes,
                        struct ct_error *err)
{
    unsigned have = ops->supports & want;
    *yes = false;
    if (have != want) {
        return CT_OK;
    }
    if (ops->probe != NULL) {
        enum ct_err rc = ops->probe(h, want, &have, err);
        if (rc != CT_OK) {
            return rc;
        }
    }
    *yes = (have & want) == want;
    return CT_OK;
}
