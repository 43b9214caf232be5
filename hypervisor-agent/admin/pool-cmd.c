/* pool-cmd.c - see pool-cmd.h. */
#include "pool-cmd.h"

#include <stdio.h>

#include "admin.h"
#include "pool.h"
#include "registry.h"

static void say(void *ctx, const char *template_name, const char *name, bool ok,
                const char *detail, long ms)
{
    (void)ctx;
    if (ok) {
        printf("pool %s: %s %s (%ld ms)\n", template_name, name, detail[0] ? detail : "ready", ms);
    } else {
        printf("pool %s: %s%sFAILED: %s\n", template_name, name, name[0] ? " " : "", detail);
    }
    fflush(stdout);
}

int pool_fill_failed(const char *step, const char *subject, const struct ct_error *err)
{
    char msg[CT_ERROR_DETAIL_MAX + 64];
    ct_error_format(err, msg, sizeof(msg));
    fprintf(stderr, "ctgate-agent pool fill: %s %s: %s\n", step, subject, msg);
    return ct_err_exit(err->code);
}

int pool_fill_run(struct admin_ctx *admin)
{
    struct ct_error err = {0};
    enum ct_err rc = pool_fill(&admin->agent, admin_opt(admin, "if-idle") == NULL, say, NULL, &err);
    for (size_t i = 0; i < admin->cfg.ntemplates; i++) {
        const struct template_def *t = &admin->cfg.templates[i];
        int have = 0;
        struct ct_error why = {0};
        if (t->pool > 0 && registry_pool_count(admin->cfg.state_dir, t->name, &have, &why) == CT_OK) {
            printf("pool %s: %d of %d\n", t->name, have, t->pool);
        }
    }
    if (rc != CT_OK) {
        return pool_fill_failed("fill", "the pool", &err);
    }
    return 0;
}
