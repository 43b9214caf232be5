/*
 * op-templates.c - the "templates" operation: everything a person may ask
 * for in a create, as this agent's configuration allows it to this caller:
 * templates (with their sizes, ceilings, runtimes and services), the named sizes, the
 * extra protocols, the defaults and bounds of expiry and HTTP port, and the
 * caller's quota.  The gateway builds its menus and prompts from it.
 *
 * A template with a build recipe also says what its image is now, from the
 * image itself (the backend's image_info: ctgate.built and the
 * fingerprint), not from the last build record: the image is what a create
 * gets, whatever happened to it since.  Templates without a recipe answer
 * as before.
 */
#include "log.h"
#include "ops.h"
#include "policy.h"
#include "units.h"

static json_t *size_or_null(long long bytes)
{
    char text[32];
    if (bytes == 0) {
        return json_null();
    }
    units_format_size(bytes, text, sizeof(text));
    return json_string(text);
}

static json_t *spec_json(const struct size_spec *s)
{
    return json_pack("{s:o, s:o, s:o}", "cpu", s->cpu != 0 ? json_integer(s->cpu) : json_null(),
                     "memory", size_or_null(s->memory_bytes), "disk", size_or_null(s->disk_bytes));
}

/* {"built", "fingerprint", "size"} of a built template's image; null when it has none yet. */
static json_t *build_json(struct agent_ctx *ctx, const struct template_def *t)
{
    struct backend_image image;
    struct ct_error err = {0};
    if ((ctx->backend->supports & BACKEND_CAN_IMPORT_IMAGE) == 0 ||
        ctx->backend->image_info == NULL) {
        return json_null();
    }
    enum ct_err rc = ctx->backend->image_info(ctx->handle, t->image, &image, &err);
    if (rc != CT_OK) {
        if (rc != CT_ERR_NOT_FOUND) {
            log_error("templates: image of %s: %s", t->name, err.detail);
        }
        return json_null();
    }
    return json_pack("{s:s?, s:s, s:I}", "built", image.built[0] != '\0' ? image.built : NULL,
                     "fingerprint", image.fingerprint, "size", (json_int_t)image.size);
}

static json_t *template_json(struct agent_ctx *ctx, const struct policy_config *p,
                             const struct template_def *t)
{
    json_t *sizes = json_array();
    json_t *runtimes = json_array();
    json_t *services = json_array();
    for (size_t i = 0; i < p->nsizes; i++) {
        if (policy_template_offers(t, p->sizes[i].name)) {
            json_array_append_new(sizes, json_string(p->sizes[i].name));
        }
    }
    for (size_t i = 0; i < t->nruntimes; i++) {
        json_array_append_new(runtimes, json_string(t->runtimes[i]));
    }
    for (size_t i = 0; i < t->nservices; i++) {
        json_array_append_new(services, json_string(t->services[i]));
    }
    json_t *one = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o, s:o}", "name", t->name, "description",
                            t->description, "size", t->size[0] ? t->size : NULL, "sizes", sizes,
                            "max", spec_json(&t->max), "runtimes", runtimes, "services", services);
    if (one != NULL && t->recipe != NULL) {
        json_object_set_new(one, "build", build_json(ctx, t));
    }
    return one;
}

static json_t *seconds_or_null(long long s)
{
    return s != 0 ? json_integer(s) : json_null();
}

enum ct_err op_templates(struct agent_ctx *ctx, const struct request *req, json_t **data,
                         struct ct_error *err)
{
    const struct agent_config *cfg = ctx->cfg;
    const struct policy_config *p = &cfg->policy;
    json_t *templates = json_array();
    json_t *sizes = json_array();
    json_t *protocols = json_array();
    for (size_t i = 0; i < cfg->ntemplates; i++) {
        json_array_append_new(templates, template_json(ctx, p, &cfg->templates[i]));
    }
    for (size_t i = 0; i < p->nsizes; i++) {
        json_t *one = spec_json(&p->sizes[i].spec);
        json_object_set_new(one, "name", json_string(p->sizes[i].name));
        json_array_append_new(sizes, one);
    }
    for (size_t i = 0; cfg->publish.enabled && i < cfg->protocols.n; i++) {
        const struct protocol *pr = &cfg->protocols.items[i];
        json_array_append_new(protocols, json_pack("{s:s, s:i, s:s}", "name", pr->name, "port",
                                                   pr->port, "transport", pr->udp ? "udp" : "tcp"));
    }
    struct quota q = policy_quota(p, req->caller.uid,
                                  request_caller_in_group(req, cfg->admin_group));
    *data = json_pack("{s:o, s:o, s:o, s:{s:i}, s:{s:o, s:o, s:o}, s:{s:o, s:o, s:o, s:o}}",
                      "templates", templates, "sizes", sizes, "protocols", protocols, "http",
                      "default_port", cfg->publish.http_port != 0 ? cfg->publish.http_port : 80,
                      "expiry", "default", seconds_or_null(p->expiry_default_s), "max",
                      seconds_or_null(p->expiry_max_s), "grace", seconds_or_null(p->expiry_grace_s),
                      "quota", "containers",
                      q.containers != 0 ? json_integer(q.containers) : json_null(), "memory",
                      size_or_null(q.memory_bytes), "creates_per_hour",
                      q.creates_per_hour != 0 ? json_integer(q.creates_per_hour) : json_null(),
                      "snapshots", q.snapshots != 0 ? json_integer(q.snapshots) : json_null());
    return *data != NULL ? CT_OK : ct_error_set(err, CT_ERR_INTERNAL, "out of memory");
}
