/* pve-meta.c - see pve-meta.h. */
#include "pve-meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strcopy.h"

#define BEGIN "ctgate-metadata-v1"
#define END "ctgate-metadata-end"

void pve_tag_normalise(const char *in, char *out, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; in[i] != '\0' && o + 1 < len; i++) {
        char c = in[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c | 0x20);
        }
        bool first_ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        bool ok = first_ok || c == '-' || c == '+' || c == '.';
        if (o == 0 && !first_ok) {
            if (!ok) {
                continue;
            }
            out[o++] = '_';
            if (o + 1 >= len) {
                break;
            }
        }
        if (!ok) {
            c = '_';
        }
        out[o++] = c;
    }
    if (len > 0) {
        out[o] = '\0';
    }
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void pve_tags_make(const char *owner, const char *template_name, char *out, size_t len)
{
    char t[3][80];
    const char *sorted[3] = {NULL, NULL, NULL};
    size_t n = 0;
    pve_tag_normalise(PVE_TAG, t[0], sizeof(t[0]));
    pve_tag_normalise(owner, t[1], sizeof(t[1]));
    pve_tag_normalise(template_name, t[2], sizeof(t[2]));
    for (size_t i = 0; i < 3; i++) {
        bool dup = t[i][0] == '\0';
        for (size_t j = 0; j < n && !dup; j++) {
            dup = strcmp(sorted[j], t[i]) == 0;
        }
        if (!dup) {
            sorted[n++] = t[i];
        }
    }
    qsort(sorted, n, sizeof(sorted[0]), by_string);
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(out + used, len - used, "%s%s", i > 0 ? ";" : "", sorted[i]);
        if (w < 0 || (size_t)w >= len - used) {
            out[used] = '\0';
            return;
        }
        used += (size_t)w;
    }
}

bool pve_tags_has(const char *tags, const char *tag)
{
    size_t n = strlen(tag);
    const char *p = tags != NULL ? tags : "";
    while (*p != '\0') {
        size_t len = strcspn(p, ";, \t");
        if (len == n && strncmp(p, tag, n) == 0) {
            return true;
        }
        p += len;
        p += strspn(p, ";, \t");
    }
    return false;
}

bool pve_meta_format(const struct backend_create *a, char *out, size_t len)
{
    int n = snprintf(out, len, BEGIN "\nowner=%s\nrequest_id=%s\ntemplate=%s\ncreated=%s\n%s%s%s%s%s%s" END "\n",
                     a->owner, a->request_id, a->tmpl->name, a->created,
                     a->expires != NULL ? "expires=" : "", a->expires != NULL ? a->expires : "",
                     a->expires != NULL ? "\n" : "", a->description != NULL ? "description=" : "",
                     a->description != NULL ? a->description : "",
                     a->description != NULL ? "\n" : "");
    return n > 0 && (size_t)n < len;
}

/* RFC 3339 as ctgate writes it: digits, 'T', 'Z', ':', '-', '+', '.'; 20..31 bytes. */
static bool time_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 20 && n <= 31 && s[4] == '-' && s[10] == 'T' &&
           strspn(s, "0123456789TZ:-+.") == n;
}

struct field {
    const char *key;
    char *dst;
    size_t len;
    bool required;
    bool seen;
};

static bool value_ok(size_t i, const char *v)
{
    switch (i) {
    case 0:
        return validate_uid(v);
    case 1:
        return validate_request_id(v);
    case 2:
        return validate_name(v, CT_TEMPLATE_MAX);
    case 3:
    case 4:
        return time_ok(v);
    default:
        return validate_text(v, CT_DESCRIPTION_MAX);
    }
}

/* Parse the lines between the markers (body, n bytes) into fields. */
static bool parse_lines(const char *body, size_t n, struct field *f, size_t nf)
{
    char line[PVE_META_MAX];
    size_t pos = 0;
    while (pos < n) {
        const char *nl = memchr(body + pos, '\n', n - pos);
        size_t ll = nl != NULL ? (size_t)(nl - body - pos) : n - pos;
        if (ll >= sizeof(line)) {
            return false;
        }
        memcpy(line, body + pos, ll);
        line[ll] = '\0';
        if (ll > 0 && line[ll - 1] == '\r') {
            line[ll - 1] = '\0';
        }
        pos += ll + 1;
        char *eq = strchr(line, '=');
        if (eq == NULL) {
            return false;
        }
        *eq = '\0';
        size_t i = 0;
        while (i < nf && strcmp(f[i].key, line) != 0) {
            i++;
        }
        if (i == nf || f[i].seen || !value_ok(i, eq + 1) ||
            !str_copy(f[i].dst, f[i].len, eq + 1)) {
            return false;
        }
        f[i].seen = true;
    }
    for (size_t i = 0; i < nf; i++) {
        if (f[i].required && !f[i].seen) {
            return false;
        }
    }
    return true;
}

static void clear_meta(struct backend_instance *out)
{
    out->owner[0] = out->request_id[0] = out->template_name[0] = '\0';
    out->created[0] = out->expires[0] = out->description[0] = '\0';
    out->managed = false;
}

bool pve_meta_parse(const char *text, struct backend_instance *out)
{
    struct field f[] = {
        {"owner", out->owner, sizeof(out->owner), true, false},
        {"request_id", out->request_id, sizeof(out->request_id), true, false},
        {"template", out->template_name, sizeof(out->template_name), true, false},
        {"created", out->created, sizeof(out->created), true, false},
        {"expires", out->expires, sizeof(out->expires), false, false},
        {"description", out->description, sizeof(out->description), false, false},
    };
    clear_meta(out);
    if (text == NULL) {
        return false;
    }
    /*
     * Exactly one begin marker that is a line of its own.  The marker's words
     * inside a line (a user's description naming it) are only text: they
     * neither start a block nor spoil the one ctgate wrote.
     */
    const char *begin = NULL;
    size_t nbegin = 0;
    for (const char *at = strstr(text, BEGIN); at != NULL; at = strstr(at + 1, BEGIN)) {
        const char *rest = at + strlen(BEGIN);
        if ((at == text || at[-1] == '\n') && (*rest == '\n' || strncmp(rest, "\r\n", 2) == 0)) {
            begin = nbegin++ == 0 ? at : begin;
        }
    }
    if (nbegin != 1) {
        return false;
    }
    const char *body = strchr(begin, '\n') + 1;
    const char *end = strstr(body, "\n" END);
    if (end == NULL && strncmp(body, END, strlen(END)) == 0) {
        end = body - 1; /* an empty block: refused below (owner is required) */
    }
    if (end == NULL) {
        return false;
    }
    const char *after = end + 1 + strlen(END);
    if (after[strspn(after, " \t\r\n")] != '\0') {
        return false;
    }
    size_t n = end >= body ? (size_t)(end - body) : 0;
    if (n >= PVE_META_MAX || !parse_lines(body, n, f, sizeof(f) / sizeof(f[0]))) {
        clear_meta(out);
        return false;
    }
    out->managed = true;
    return true;
}
