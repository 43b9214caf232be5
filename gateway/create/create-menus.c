/* create-menus.c - defaults and menus of the create prompts; see create-parts.h. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "create-params.h"
#include "create-parts.h"
#include "output.h"
#include "prompt.h"
#include "units.h"
#include "validate.h"

/* --- defaults and menus (only once logged in: the catalog is the agent's) --- */

static const char *str(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

void create_default_template(struct session *s, const struct param_values *so_far, char *out,
                             size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    snprintf(out, len, "%s", s->cfg.default_template);
    snprintf(shown, shownlen, "%s", s->cfg.default_template);
}

void create_default_pubkey(struct session *s, const struct param_values *so_far, char *out,
                           size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    out[0] = '\0';
    if (s->has_login_key && pubkey_format(&s->login_key, out, len)) {
        snprintf(shown, shownlen, "the key you logged in with, %s", s->key_fingerprint);
    }
}

void create_default_size(struct session *s, const struct param_values *so_far, char *out,
                         size_t len, char *shown, size_t shownlen)
{
    const char *size =
        s->authenticated ? str(session_catalog_template(s, so_far->v[CT_P_TEMPLATE].text), "size") : NULL;
    if (size != NULL && validate_name(size, CT_SIZE_NAME_MAX)) {
        snprintf(out, len, "%s", size);
        snprintf(shown, shownlen, "%s", size);
    }
}

void create_default_http_port(struct session *s, const struct param_values *so_far, char *out,
                              size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    json_int_t port = s->authenticated
                          ? json_integer_value(json_object_get(
                                json_object_get(session_catalog(s), "http"), "default_port"))
                          : 0;
    if (port > 0 && port <= 65535) {
        snprintf(out, len, "%lld", (long long)port);
        snprintf(shown, shownlen, "%lld", (long long)port);
    }
}

void create_default_expires(struct session *s, const struct param_values *so_far, char *out,
                            size_t len, char *shown, size_t shownlen)
{
    (void)so_far;
    if (!s->authenticated || session_catalog(s) == NULL) {
        return;
    }
    json_t *expiry = json_object_get(session_catalog(s), "expiry");
    json_int_t def = json_integer_value(json_object_get(expiry, "default"));
    json_int_t max = json_integer_value(json_object_get(expiry, "max"));
    if (def > 0) {
        units_format_duration(def, out, len);
    } else {
        snprintf(out, len, "never");
    }
    if (max > 0) {
        char m[32];
        units_format_duration(max, m, sizeof(m));
        snprintf(shown, shownlen, "%s; at most %s", out, m);
    } else {
        snprintf(shown, shownlen, "%s", out);
    }
}

/* Index (1-based) of a menu answer, or 0 when it is not a number. */
static size_t menu_number(const char *answer)
{
    if (answer[0] == '\0' || strspn(answer, "0123456789") != strlen(answer) || strlen(answer) > 3) {
        return 0;
    }
    return (size_t)strtoul(answer, NULL, 10);
}

void create_default_request_id(struct session *s, const struct param_values *so_far, char *out,
                               size_t len, char *shown, size_t shownlen)
{
    (void)s;
    (void)so_far;
    unsigned char rnd[16];
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(out, len, rnd, sizeof(rnd));
    snprintf(shown, shownlen, "a new random id");
}

/* answer = the name of entry number answer of a catalog list of {"name": ...}. */
static void pick_by_number(json_t *list, char *answer, size_t len)
{
    size_t k = menu_number(answer);
    const char *name = k > 0 ? str(json_array_get(list, k - 1), "name") : NULL;
    if (name != NULL) {
        snprintf(answer, len, "%s", name);
    }
}

void create_menu_templates(struct session *s, const struct param_values *so_far)
{
    (void)so_far;
    size_t i;
    json_t *t;
    json_t *list = json_object_get(session_catalog(s), "templates");
    if (json_array_size(list) == 0) {
        return;
    }
    fprintf(stderr, "Templates:\n");
    json_array_foreach (list, i, t) {
        char n[40];
        char d[120];
        fprintf(stderr, "  %zu) %-16s %s\n", i + 1, output_clean(str(t, "name"), n, sizeof(n)),
                output_clean(str(t, "description"), d, sizeof(d)));
    }
}

void create_pick_template(struct session *s, const struct param_values *so_far, char *answer,
                          size_t len)
{
    (void)so_far;
    pick_by_number(json_object_get(session_catalog(s), "templates"), answer, len);
}

/* "1 CPU, 128MiB memory, 1GiB disk" for a catalog size. */
void create_describe_size(json_t *size, char *buf, size_t len)
{
    char m[32];
    char d[32];
    json_int_t cpu = json_integer_value(json_object_get(size, "cpu"));
    snprintf(buf, len, "%lld CPU%s, %s memory, %s disk", (long long)cpu, cpu == 1 ? "" : "s",
             output_clean(str(size, "memory"), m, sizeof(m)) != NULL ? m : "any",
             output_clean(str(size, "disk"), d, sizeof(d)) != NULL ? d : "any");
}

json_t *create_catalog_size(struct session *s, const char *name)
{
    size_t i;
    json_t *size;
    json_array_foreach (json_object_get(session_catalog(s), "sizes"), i, size) {
        const char *n = str(size, "name");
        if (n != NULL && name != NULL && strcmp(n, name) == 0) {
            return size;
        }
    }
    return NULL;
}

void create_menu_sizes(struct session *s, const struct param_values *so_far)
{
    json_t *offered = json_object_get(session_catalog_template(s, so_far->v[CT_P_TEMPLATE].text), "sizes");
    size_t i;
    json_t *name;
    if (json_array_size(offered) == 0) {
        return;
    }
    fprintf(stderr, "Sizes:\n");
    json_array_foreach (offered, i, name) {
        char n[40];
        char d[128];
        create_describe_size(create_catalog_size(s, json_string_value(name)), d, sizeof(d));
        fprintf(stderr, "  %zu) %-8s %s\n", i + 1,
                output_clean(json_string_value(name), n, sizeof(n)), d);
    }
}

void create_pick_size(struct session *s, const struct param_values *so_far, char *answer,
                      size_t len)
{
    size_t k = menu_number(answer);
    json_t *offered = json_object_get(session_catalog_template(s, so_far->v[CT_P_TEMPLATE].text), "sizes");
    const char *name = k > 0 ? json_string_value(json_array_get(offered, k - 1)) : NULL;
    if (name != NULL) {
        snprintf(answer, len, "%s", name);
    }
}

void create_menu_protocols(struct session *s, const struct param_values *so_far)
{
    (void)so_far;
    size_t i;
    json_t *p;
    json_t *list = json_object_get(session_catalog(s), "protocols");
    if (json_array_size(list) == 0) {
        return;
    }
    fprintf(stderr, "Extra protocols (each gets its own external port):\n");
    json_array_foreach (list, i, p) {
        char n[40];
        char t[8];
        fprintf(stderr, "  %zu) %-16s port %lld/%s\n", i + 1,
                output_clean(str(p, "name"), n, sizeof(n)),
                (long long)json_integer_value(json_object_get(p, "port")),
                output_clean(str(p, "transport"), t, sizeof(t)));
    }
}

/* "3" -> "ssh-alt": a number of the menu becomes its name (each item of the answer). */
void create_pick_protocol(struct session *s, const struct param_values *so_far, char *answer,
                          size_t len)
{
    (void)so_far;
    pick_by_number(json_object_get(session_catalog(s), "protocols"), answer, len);
}
