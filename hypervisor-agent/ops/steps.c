/* steps.c - see steps.h. */
#include "steps.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"

#ifdef CTGATE_FAULT_INJECTION
/* Test builds: "STEP" makes STEP fail once it has run (so its undo runs too). */
static enum ct_err injected(const struct step_runner *r, const char *step, struct ct_error *err)
{
    if (r->fail_after != NULL && strcmp(r->fail_after, step) == 0) {
        return ct_error_set(err, CT_ERR_INJECTED, "after step %s", step);
    }
    return CT_OK;
}

/* Test builds: "kill-STEP" makes the agent die by SIGKILL once STEP has run, as a crash would. */
static void maybe_die(const struct step_runner *r, const char *step)
{
    char word[48];
    snprintf(word, sizeof(word), "kill-%s", step);
    if (r->fail_after != NULL && strcmp(r->fail_after, word) == 0) {
        kill(getpid(), SIGKILL);
    }
}
#else
/* Release builds: no fault injection (the calls compile to nothing). */
static inline enum ct_err injected(const struct step_runner *r, const char *step,
                                   struct ct_error *err)
{
    (void)r;
    (void)step;
    (void)err;
    return CT_OK;
}

static inline void maybe_die(const struct step_runner *r, const char *step)
{
    (void)r;
    (void)step;
}
#endif

static void report(const struct step_runner *r, const char *step, const char *state, long ms,
                   const char *msg)
{
    if (r->report != NULL) {
        r->report(r->report_ctx, step, state, ms, msg);
    }
}

enum ct_err steps_run(const struct step_runner *r, struct ct_error *err)
{
    size_t registered = 0;
    enum ct_err rc = CT_OK;

    for (size_t i = 0; i < r->nsteps; i++) {
        const struct step *s = &r->steps[i];
        registered = i + 1; /* the undo is armed before the step starts */
        if (s->skip != NULL && s->skip(r->ctx)) {
            continue;
        }
        long start = clock_now_ms();
        report(r, s->name, "begin", 0, NULL);
        rc = s->run(r->ctx, err);
        if (rc == CT_OK) {
            rc = injected(r, s->name, err);
        }
        if (rc != CT_OK) {
            char msg[CT_ERROR_DETAIL_MAX + 512];
            err->step = s->name;
            /* The progress line goes to the user: the full detail is in the result's log line. */
            ct_error_format_public(err, "agent", NULL, msg, sizeof(msg));
            report(r, s->name, "fail", clock_now_ms() - start, msg);
            break;
        }
        report(r, s->name, "done", clock_now_ms() - start, NULL);
        maybe_die(r, s->name);
    }
    if (rc == CT_OK) {
        return CT_OK;
    }
    while (registered > 0) {
        const struct step *s = &r->steps[--registered];
        if (s->undo != NULL && (s->skip == NULL || !s->skip(r->ctx))) {
            long start = clock_now_ms();
            s->undo(r->ctx);
            report(r, s->name, "undo", clock_now_ms() - start, NULL);
        }
    }
    return rc;
}
