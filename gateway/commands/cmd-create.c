/*
 * cmd-create.c - `create`: collect the parameters, log in, ask the agent to
 * build the container while showing its progress, print how to reach it.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "command.h"
#include "create-params.h"
#include "output.h"
#include "param.h"
#include "prompt.h"

/* --- the summary --------------------------------------------------------- */

/* What the agent says went wrong without failing the create (an after-create hook under "warn"). */
static void print_warnings(json_t *data)
{
    size_t i;
    json_t *w;
    json_array_foreach (json_object_get(data, "warnings"), i, w) {
        char clean[400];
        if (output_clean(json_string_value(w), clean, sizeof(clean)) != NULL) {
            printf("%swarning: %s\n", i == 0 ? "\n" : "", clean);
        }
    }
}

static void print_summary(const struct session *s, json_t *data, const void *ctx)
{
    (void)ctx;
    const char *name = json_string_value(json_object_get(data, "name"));
    const char *ip = json_string_value(json_object_get(data, "ipv4"));
    const char *user = json_string_value(json_object_get(data, "user"));
    const char *password = json_string_value(json_object_get(data, "root_password"));
    const char *ssh_host = json_string_value(json_object_get(data, "ssh_host"));
    json_int_t ssh_port = json_integer_value(json_object_get(data, "ssh_port"));
    char clean[128];
    char ssh[512] = "";
    if (ssh_host != NULL && ssh_port > 0 && user != NULL) {
        char u[64];
        char h[256];
        snprintf(ssh, sizeof(ssh), "ssh -p %lld %s@%s", (long long)ssh_port,
                 output_clean(user, u, sizeof(u)), output_clean(ssh_host, h, sizeof(h)));
    } else if (ip != NULL && user != NULL) {
        char u[64];
        char h[64];
        output_clean(user, u, sizeof(u));
        output_clean(ip, h, sizeof(h));
        snprintf(ssh, sizeof(ssh), "ssh %s@%s%s%s", u, h,
                 s->cfg.ssh_host_hint[0] ? "   " : "", s->cfg.ssh_host_hint);
    }
    bool repeated = json_is_true(json_object_get(data, "repeated"));
    printf("\nContainer %s is ready%s.\n", output_clean(name, clean, sizeof(clean)),
           repeated ? " (made by the first create with this request id; nothing new was made)"
                    : "");
    output_field("name", name);
    output_ctid(data);
    output_field("address", ip);
    output_field("login", ssh[0] ? ssh : NULL);
    output_field("host key", json_string_value(json_object_get(data, "ssh_host_key")));
    output_field("url", json_string_value(json_object_get(data, "url")));
    output_protocols(data);
    output_field("user", user);
    output_field("template", json_string_value(json_object_get(data, "template")));
    output_field("description", json_string_value(json_object_get(data, "description")));
    output_limits(data);
    output_field("created", json_string_value(json_object_get(data, "created")));
    output_field("expires", json_string_value(json_object_get(data, "expires")));
    output_field("request id", json_string_value(json_object_get(data, "request_id")));
    print_warnings(data);
    if (password != NULL) {
        output_field("root password", password);
        printf("\nThe root password is shown only this once: keep it somewhere safe.\n");
    }
    fflush(stdout);
}

/* On a terminal, after questions were asked: the settings, then "create?" (exit 2 on no). */
static enum ct_err confirm(struct session *s, const struct param_values *values,
                           struct ct_error *err)
{
    char answer[PROMPT_LINE_MAX + 1];
    if (!values->asked_any) {
        return CT_OK; /* everything came from flags or variables: already decided */
    }
    create_params_show(s, values);
    for (int tries = 0; tries < PROMPT_TRIES; tries++) {
        enum ct_err rc = prompt_ask("Create with these settings? [Y/n]: ", true,
                                    s->cfg.prompt_timeout_s, answer, sizeof(answer), err);
        if (rc != CT_OK) {
            return rc;
        }
        if (answer[0] == '\0' || strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0) {
            return CT_OK;
        }
        if (strcasecmp(answer, "n") == 0 || strcasecmp(answer, "no") == 0) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "create cancelled: nothing was created");
        }
        fprintf(stderr, "  answer y or n\n");
    }
    return ct_error_set(err, CT_ERR_BAD_REQUEST, "create not confirmed: nothing was created");
}

static int create_exec(struct session *s, const struct cmd_args *args)
{
    struct ct_error err = {0};
    struct param_values values;
    json_t *req = NULL;
    int code;

    if (param_resolve(s, create_prompts, args, &values, &err) != CT_OK) {
        return output_error(s, &err);
    }
    if (create_repo_precheck(s, &values, &err) != CT_OK ||
        cmd_login(s, &cmd_create_entry, args, &err) != CT_OK ||
        param_prompt(s, create_prompts, &values, &err) != CT_OK ||
        create_repo_settle(s, &values, &err) != CT_OK || confirm(s, &values, &err) != CT_OK) {
        code = output_error(s, &err);
        goto out;
    }
    req = session_request(s, "create");
    if (req == NULL || create_params_to_request(&values, req) != 0 ||
        create_repo_to_request(req) != 0) {
        ct_error_set(&err, CT_ERR_INTERNAL, "out of memory");
        code = output_error(s, &err);
        goto out;
    }
    if (!s->json) {
        printf("Creating %s from template %s for %s:\n", values.v[CT_P_HOSTNAME].text,
               values.v[CT_P_TEMPLATE].text, s->id.uid);
        fflush(stdout);
    }
    code = cmd_run(s, req, true, print_summary, NULL);
out:
    json_decref(req);
    param_values_free(&values);
    create_repo_forget();
    return code;
}

const struct cmd_entry cmd_create_entry = {
    .name = "create",
    .args_usage = "",
    .summary = "create a container (the default when no command is given)",
    .details = "Each value comes from its --flag, else its CT_* variable (ssh -o SendEnv=CT_*),\n"
               "else a prompt when you are on a terminal (ssh -t), else its default.",
    .min_args = 0,
    .max_args = 0,
    .needs_auth = true,
    .params = ct_params,
    .nparams = CT_P_COUNT,
    .exec = create_exec,
};
