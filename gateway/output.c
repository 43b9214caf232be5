/* output.c - see output.h. */
#include "output.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

const char *output_clean(const char *text, char *buf, size_t len)
{
    size_t n = 0;
    if (text == NULL) {
        return NULL;
    }
    for (; text[n] != '\0' && n + 1 < len; n++) {
        unsigned char c = (unsigned char)text[n];
        unsigned char next = (unsigned char)text[n + 1];
        buf[n] = text[n];
        if (c < 0x20 || c == 0x7f) {
            buf[n] = '?';
        } else if (c == 0xc2 && next >= 0x80 && next <= 0x9f && n + 2 < len) {
            /* U+0080..U+009F: C1 controls (CSI, OSC) that some terminals obey */
            buf[n++] = '?';
            buf[n] = '?';
        }
    }
    buf[n] = '\0';
    return buf;
}

static int print_error(const struct session *s, const char *code, const char *message,
                       const char *step, int exit_code)
{
    if (s != NULL && s->json) {
        json_t *doc = json_pack("{s:b, s:{s:s, s:s, s:s?}}", "ok", 0, "error", "code", code,
                                "message", message, "step", step);
        if (doc != NULL) {
            json_dumpf(doc, stdout, JSON_COMPACT);
            fputc('\n', stdout);
            json_decref(doc);
        }
    } else {
        char clean[512];
        fflush(stdout);
        if (step != NULL) {
            fprintf(stderr, "ctgate: %s (step: %s)\n", output_clean(message, clean, sizeof(clean)),
                    step);
        } else {
            fprintf(stderr, "ctgate: %s\n", output_clean(message, clean, sizeof(clean)));
        }
    }
    fflush(stdout);
    return exit_code;
}

int output_error(const struct session *s, const struct ct_error *err)
{
    char message[CT_ERROR_DETAIL_MAX + 128];
    char ref[24] = "";
    if (!ct_error_is_public(err)) {
        /* Host paths and the libraries' own words go to the admin's log, under a reference. */
        ct_error_new_ref(ref, sizeof(ref));
        ct_error_format(err, message, sizeof(message));
        log_error("ref=%s %s%s%s", ref, message, err->step != NULL ? " step=" : "",
                  err->step != NULL ? err->step : "");
    }
    ct_error_format_public(err, "gateway", ref, message, sizeof(message));
    return print_error(s, ct_err_code(err->code), message, err->step, ct_err_exit(err->code));
}

int output_agent_result(const struct session *s, json_t *result, json_t **data)
{
    *data = NULL;
    if (json_is_true(json_object_get(result, "ok"))) {
        *data = json_object_get(result, "data");
        if (json_is_object(*data)) {
            return 0;
        }
        struct ct_error err = {0};
        ct_error_set(&err, CT_ERR_BACKEND, "the agent's answer has no data");
        return output_error(s, &err);
    }
    json_t *e = json_object_get(result, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *message = json_string_value(json_object_get(e, "message"));
    const char *step = json_string_value(json_object_get(e, "step"));
    enum ct_err known = ct_err_from_code(code != NULL ? code : "");
    char clean_step[32];
    return print_error(s, ct_err_code(known), message != NULL ? message : ct_err_message(known),
                       output_clean(step, clean_step, sizeof(clean_step)), ct_err_exit(known));
}

int output_json_ok(json_t *data)
{
    json_t *doc = json_pack("{s:b, s:O}", "ok", 1, "data", data);
    if (doc != NULL) {
        json_dumpf(doc, stdout, JSON_COMPACT);
        fputc('\n', stdout);
        json_decref(doc);
    }
    fflush(stdout);
    return 0;
}

void output_field(const char *label, const char *value)
{
    if (value != NULL) {
        char clean[1024];
        printf("  %-14s %s\n", label, output_clean(value, clean, sizeof(clean)));
    }
}

void output_limits(json_t *data)
{
    json_t *limits = json_object_get(data, "limits");
    const char *cpu = json_string_value(json_object_get(limits, "cpu"));
    const char *memory = json_string_value(json_object_get(limits, "memory"));
    const char *disk = json_string_value(json_object_get(limits, "disk"));
    char line[160];
    snprintf(line, sizeof(line), "%s CPU, %s memory, %s disk", cpu != NULL ? cpu : "any",
             memory != NULL ? memory : "any", disk != NULL ? disk : "any");
    if (json_is_object(limits)) {
        output_field("limits", line);
    }
    json_int_t port = json_integer_value(json_object_get(data, "http_port"));
    if (port > 0) {
        snprintf(line, sizeof(line), "%lld (inside; the url routes to it)", (long long)port);
        output_field("http port", line);
    }
}

void output_ctid(json_t *data)
{
    json_int_t ctid = json_integer_value(json_object_get(data, "ctid"));
    if (ctid > 0) {
        char line[24];
        snprintf(line, sizeof(line), "%lld", (long long)ctid);
        output_field("ctid", line);
    }
}

void output_instance(json_t *inst)
{
    static const char *const keys[][2] = {
        {"name", "name"},         {"state", "state"},     {"ipv4", "address"},
        {"owner", "owner"},       {"template", "template"}, {"description", "description"},
        {"created", "created"},   {"expires", "expires"},   {"request_id", "request id"},
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        output_field(keys[i][1], json_string_value(json_object_get(inst, keys[i][0])));
        if (i == 0) {
            output_ctid(inst);
        }
    }
    output_limits(inst);
    json_int_t port = json_integer_value(json_object_get(inst, "ssh_port"));
    const char *host = json_string_value(json_object_get(inst, "ssh_host"));
    if (port > 0 && host != NULL) {
        char line[300];
        snprintf(line, sizeof(line), "ssh -p %lld USER@%s", (long long)port, host);
        output_field("ssh", line);
    }
    output_field("url", json_string_value(json_object_get(inst, "url")));
    output_protocols(inst);
}

void output_protocols(json_t *data)
{
    const char *host = json_string_value(json_object_get(data, "ssh_host"));
    size_t i;
    json_t *p;
    json_array_foreach (json_object_get(data, "protocols"), i, p) {
        char label[64];
        char line[300];
        char name[40];
        char h[256];
        char transport[8];
        output_clean(json_string_value(json_object_get(p, "name")), name, sizeof(name));
        snprintf(label, sizeof(label), "%s", name);
        snprintf(line, sizeof(line), "%s:%lld -> port %lld/%s",
                 host != NULL ? output_clean(host, h, sizeof(h)) : "?",
                 (long long)json_integer_value(json_object_get(p, "external_port")),
                 (long long)json_integer_value(json_object_get(p, "port")),
                 output_clean(json_string_value(json_object_get(p, "transport")), transport,
                              sizeof(transport)) != NULL
                     ? transport
                     : "?");
        output_field(label, line);
    }
}
