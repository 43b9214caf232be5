/* create-checks.c - checks of typed create answers that need the agent; see create-parts.h. */
#include <stdio.h>
#include <string.h>

#include "create-params.h"
#include "create-parts.h"
#include "output.h"

/* Ask the agent, while the person is still at the prompt, whether the value would do. */
static bool ask_agent(struct session *s, const char *field, const char *value, char *why,
                      size_t len)
{
    struct ct_error err = {0};
    json_t *result = NULL;
    json_t *req = session_request(s, "check");
    json_object_set_new(req, field, json_string(value));
    enum ct_err rc = session_call(s, req, NULL, &result, &err);
    json_decref(req);
    if (rc != CT_OK) {
        return true; /* cannot ask now: the create itself will decide */
    }
    bool ok = json_is_true(json_object_get(result, "ok"));
    if (!ok) {
        const char *msg =
            json_string_value(json_object_get(json_object_get(result, "error"), "message"));
        snprintf(why, len, "%s", msg != NULL ? msg : "refused by the agent");
    }
    json_decref(result);
    return ok;
}

bool create_live_hostname(struct session *s, const struct param_values *so_far, const char *value,
                          char *why, size_t len)
{
    (void)so_far;
    return ask_agent(s, "hostname", value, why, len);
}

bool create_live_template(struct session *s, const struct param_values *so_far, const char *value,
                          char *why, size_t len)
{
    (void)so_far;
    return ask_agent(s, "template", value, why, len);
}

/* At the prompt: a size the chosen template offers (when the catalog says). */
bool create_live_size(struct session *s, const struct param_values *so_far, const char *value,
                      char *why, size_t len)
{
    json_t *offered = json_object_get(session_catalog_template(s, so_far->v[CT_P_TEMPLATE].text), "sizes");
    size_t i;
    json_t *name;
    if (!json_is_array(offered)) {
        return true; /* nothing to go by: the agent decides */
    }
    json_array_foreach (offered, i, name) {
        const char *n = json_string_value(name);
        if (n != NULL && strcmp(n, value) == 0) {
            return true;
        }
    }
    char t[40];
    snprintf(why, len, "size %s is not offered by template %s", value,
             output_clean(so_far->v[CT_P_TEMPLATE].text, t, sizeof(t)));
    return false;
}
