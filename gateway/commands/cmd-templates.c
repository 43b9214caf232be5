/*
 * cmd-templates.c - `templates`: what a create may ask for, from the
 * agent's catalog: each template with its sizes, ceiling, runtimes and the
 * services --service may ask for (a line only when it offers some), the
 * sizes themselves, expiry bounds and the caller's quota.  A template the
 * agent builds (`ctgate-agent template build`) also says when its image was
 * built and its fingerprint.
 */
#include <stdio.h>

#include "command.h"
#include "output.h"
#include "units.h"

static const char *str_or(json_t *obj, const char *key, char *buf, size_t len,
                          const char *none)
{
    const char *v = output_clean(json_string_value(json_object_get(obj, key)), buf, len);
    return v != NULL ? v : none;
}

static const char *str(json_t *obj, const char *key, char *buf, size_t len)
{
    return str_or(obj, key, buf, len, "-");
}

/* The names of an array of strings, comma-separated. */
static void join(json_t *arr, char *buf, size_t len)
{
    size_t used = 0;
    size_t i;
    json_t *v;
    buf[0] = '\0';
    json_array_foreach (arr, i, v) {
        char clean[64];
        int n = snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                         output_clean(json_string_value(v), clean, sizeof(clean)));
        if (n < 0 || (size_t)n >= len - used) {
            return;
        }
        used += (size_t)n;
    }
    if (used == 0) {
        snprintf(buf, len, "-");
    }
}

/* Only for templates built from a recipe: when, and which image ("not yet" before the first). */
static void print_build(json_t *t)
{
    char when[32];
    char fp[80];
    json_t *build = json_object_get(t, "build");
    if (build == NULL) {
        return;
    }
    if (json_is_null(build)) {
        printf("  %-12s %s\n", "built", "not yet");
        return;
    }
    /* The short form of the fingerprint, as `lxc image list` shows it. */
    printf("  %-12s %s, image %.12s\n", "built", str(build, "built", when, sizeof(when)),
           str(build, "fingerprint", fp, sizeof(fp)));
}

static void print_templates(const struct session *s, json_t *data, const void *ctx)
{
    (void)s;
    (void)ctx;
    size_t i;
    json_t *t;
    char a[64], b[160], c[160], d[32], e[32], f[32];
    json_array_foreach (json_object_get(data, "templates"), i, t) {
        json_t *max = json_object_get(t, "max");
        json_int_t cpu = json_integer_value(json_object_get(max, "cpu"));
        printf("%s\n", str(t, "name", a, sizeof(a)));
        printf("  %-12s %s\n", "description", str(t, "description", b, sizeof(b)));
        join(json_object_get(t, "sizes"), c, sizeof(c));
        printf("  %-12s %s (default %s)\n", "sizes", c, str(t, "size", d, sizeof(d)));
        snprintf(b, sizeof(b), "%lld", (long long)cpu);
        printf("  %-12s %s CPU, %s memory, %s disk\n", "at most", cpu > 0 ? b : "any",
               str_or(max, "memory", e, sizeof(e), "any"), str_or(max, "disk", f, sizeof(f), "any"));
        join(json_object_get(t, "runtimes"), c, sizeof(c));
        printf("  %-12s %s\n", "runtimes", c);
        if (json_array_size(json_object_get(t, "services")) > 0) { /* an older agent: none */
            join(json_object_get(t, "services"), c, sizeof(c));
            printf("  %-12s %s\n", "services", c);
        }
        print_build(t);
    }
    json_array_foreach (json_object_get(data, "sizes"), i, t) {
        if (i == 0) {
            printf("\nSizes:\n");
        }
        printf("  %-10s %lld CPU, %s memory, %s disk\n", str(t, "name", a, sizeof(a)),
               (long long)json_integer_value(json_object_get(t, "cpu")),
               str_or(t, "memory", e, sizeof(e), "any"), str_or(t, "disk", f, sizeof(f), "any"));
    }
    json_t *expiry = json_object_get(data, "expiry");
    json_int_t def = json_integer_value(json_object_get(expiry, "default"));
    json_int_t max = json_integer_value(json_object_get(expiry, "max"));
    units_format_duration(def, d, sizeof(d));
    units_format_duration(max, e, sizeof(e));
    printf("\nExpiry: default %s, at most %s\n", def > 0 ? d : "never", max > 0 ? e : "unlimited");
    json_t *quota = json_object_get(data, "quota");
    json_int_t n = json_integer_value(json_object_get(quota, "containers"));
    snprintf(b, sizeof(b), "%lld containers", (long long)n);
    json_int_t rate = json_integer_value(json_object_get(quota, "creates_per_hour"));
    snprintf(c, sizeof(c), "%lld creates per hour", (long long)rate);
    json_int_t snaps = json_integer_value(json_object_get(quota, "snapshots"));
    printf("Your quota: %s, %s memory in total, %s", n > 0 ? b : "any number of containers",
           str_or(quota, "memory", f, sizeof(f), "any"), rate > 0 ? c : "any number of creates");
    if (snaps > 0) {
        printf(", %lld snapshots", (long long)snaps);
    }
    putchar('\n');
}

const struct cmd_entry cmd_templates_entry = {
    .name = "templates",
    .args_usage = "",
    .summary = "list the templates, sizes and limits you may ask for",
    .max_args = 0,
    .needs_auth = true,
    .print = print_templates,
    .exec = cmd_agent_exec,
};
