/* audit-cmd.c - see audit-cmd.h. */
#include "audit-cmd.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "audit.h"
#include "timefmt.h"
#include "units.h"
#include "validate.h"

bool audit_since_parse(const char *value, time_t *since)
{
    long long ago = 0;
    if (units_parse_duration(value, &ago)) {
        *since = time(NULL) - (time_t)ago;
        return true;
    }
    return timefmt_parse(value, since);
}

bool audit_since_valid(const char *value)
{
    time_t since;
    return audit_since_parse(value, &since);
}

bool audit_actor_valid(const char *value)
{
    return validate_uid(value) || (value[0] == '@' && validate_uid(value + 1));
}

int audit_failed(const char *step, const char *subject, const struct ct_error *err)
{
    (void)step;
    (void)subject;
    fprintf(stderr, "ctgate-agent audit: %s\n", err->detail);
    return ct_err_exit(err->code != CT_OK ? err->code : CT_ERR_INTERNAL);
}

static void print_record(json_t *r)
{
    json_t *result = json_object_get(r, "result");
    json_t *params = json_object_get(r, "params");
    const char *host = json_string_value(json_object_get(params, "hostname"));
    const char *step = json_string_value(json_object_get(result, "step"));
    const char *code = json_string_value(json_object_get(result, "code"));
    if (code == NULL) { /* a begin record: the operation's result is a later record */
        code = json_object_get(r, "phase") != NULL ? "begun" : "-";
    }
    printf("%6lld %s %-12s %-10s %-24s %s%s%s\n",
           (long long)json_integer_value(json_object_get(r, "seq")),
           json_string_value(json_object_get(r, "time")),
           json_string_value(json_object_get(json_object_get(r, "who"), "uid")),
           json_string_value(json_object_get(r, "op")), host != NULL ? host : "-", code,
           step != NULL ? " at " : "", step != NULL ? step : "");
}

int audit_show_run(struct admin_ctx *ctx)
{
    json_t *records = NULL;
    struct ct_error err = {0};
    const char *since_text = admin_opt(ctx, "since");
    bool as_json = admin_opt(ctx, "json") != NULL;
    time_t since = 0;
    if (since_text != NULL && !audit_since_parse(since_text, &since)) {
        return CT_EXIT_BAD_INPUT; /* admin_parse checked it already */
    }
    if (audit_select(ctx->cfg.state_dir, admin_opt(ctx, "user"), since, admin_opt(ctx, "name"), 0,
                     true, &records, &err) != CT_OK) {
        fprintf(stderr, "ctgate-agent audit: %s\n", err.detail);
        return ct_err_exit(err.code);
    }
    size_t i;
    json_t *r;
    json_array_foreach (records, i, r) {
        if (as_json) {
            json_dumpf(r, stdout, JSON_COMPACT | JSON_SORT_KEYS);
            putchar('\n');
        } else {
            print_record(r);
        }
    }
    json_decref(records);
    return 0;
}

int audit_keygen_run(struct admin_ctx *ctx)
{
    struct ct_error err = {0};
    int code = audit_keygen(ctx->cfg.state_dir, &err) == CT_OK ? 0 : ct_err_exit(err.code);
    fprintf(code == 0 ? stdout : stderr, "ctgate-agent audit: %s\n",
            code == 0 ? "signing key made (audit.key, audit.pub)" : err.detail);
    return code;
}

int audit_verify_run(struct admin_ctx *ctx)
{
    return audit_verify(ctx->cfg.state_dir, admin_opt(ctx, "pubkey"), stdout);
}
