/* doctor-report.c - see doctor-report.h. */
#include "doctor-report.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "json-secure.h"

void doctor_report_init(struct doctor_report *d, bool json)
{
    memset(d, 0, sizeof(*d));
    d->json = json;
    d->checks = json_array();
}

void doctor_say(void *ctx, const char *name, bool ok, const char *detail, const char *fix)
{
    struct doctor_report *d = ctx;
    if (!ok) {
        d->failed++;
        d->backend_down = d->backend_down || strcmp(name, "backend") == 0;
    }
    if (d->json) {
        json_t *one = json_pack("{s:s, s:b, s:s}", "name", name, "ok", ok, "detail", detail);
        if (one != NULL && !ok && fix != NULL) {
            json_object_set_new(one, "fix", json_string(fix));
        }
        json_array_append_new(d->checks, one);
        return;
    }
    printf("%-4s %-18s %s\n", ok ? "ok" : "FAIL", name, detail);
    if (!ok && fix != NULL) {
        printf("     %-18s -> %s\n", "", fix);
    }
}

void doctor_sayf(struct doctor_report *d, const char *name, bool ok, const char *fix,
                 const char *fmt, ...)
{
    char detail[DOCTOR_DETAIL_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    doctor_say(d, name, ok, detail, fix);
}

int doctor_report_finish(struct doctor_report *d)
{
    if (d->json) {
        json_t *doc = json_pack("{s:b, s:O}", "ok", d->failed == 0, "checks", d->checks);
        char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
        if (text != NULL) {
            printf("%s\n", text);
        }
        json_secure_free_text(text);
        json_decref(doc);
    } else {
        printf("%s\n", d->failed == 0 ? "all checks passed"
                                      : "some checks failed: see the lines marked FAIL");
    }
    json_decref(d->checks);
    d->checks = NULL;
    fflush(stdout);
    return d->failed == 0 ? CT_EXIT_OK : CT_EXIT_BACKEND;
}
