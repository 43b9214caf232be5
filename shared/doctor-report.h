/*
 * doctor-report.h - how both doctors (`ctgate doctor`, `ctgate-agent
 * doctor`) say what they found: one line per check ("ok"/"FAIL", its name,
 * what was seen, and for a failure what to do), or with json one document
 * {"ok":bool,"checks":[{"name","ok","detail","fix"}]} at the end.
 * The report owns its JSON; doctor_report_finish() prints and frees it.
 */
#ifndef CTGATE_DOCTOR_REPORT_H
#define CTGATE_DOCTOR_REPORT_H

#include <jansson.h>
#include <stdbool.h>

#define DOCTOR_DETAIL_MAX 5120

struct doctor_report {
    bool json;
    json_t *checks;
    int failed;
    bool backend_down; /* a check named "backend" failed: nothing more is asked of it */
};

void doctor_report_init(struct doctor_report *d, bool json);
/* One finding (ctx is the report: the signature backend.h's doctor hook calls). */
void doctor_say(void *ctx, const char *name, bool ok, const char *detail, const char *fix);
void doctor_sayf(struct doctor_report *d, const char *name, bool ok, const char *fix,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Print the summary (or the JSON document), free the report; the exit code: 0 or 6. */
int doctor_report_finish(struct doctor_report *d);

#endif
