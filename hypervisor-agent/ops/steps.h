/*
 * steps.h - run an ordered list of steps, undoing them in reverse on failure.
 *
 * A step's undo is registered before the step runs, so a step that fails
 * half-way is undone too: every undo must cope with work that never
 * happened.  Progress ("begin", "done", "fail", "undo") goes to a report
 * callback with elapsed milliseconds.  docs/internals/steps.md has the rules.
 */
#ifndef CTGATE_STEPS_H
#define CTGATE_STEPS_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct step {
    const char *name;
    enum ct_err (*run)(void *ctx, struct ct_error *err);
    void (*undo)(void *ctx); /* NULL when there is nothing to undo */
    /*
     * NULL, or true when this run has no use for the step (a create that
     * claimed a pooled container makes none): it is neither run, reported
     * nor undone.  Asked again before its undo: the answer must not change.
     */
    bool (*skip)(void *ctx);
};

typedef void (*step_report_fn)(void *report_ctx, const char *step, const char *state, long ms,
                               const char *msg);

struct step_runner {
    const struct step *steps;
    size_t nsteps;
    void *ctx;
    step_report_fn report; /* may be NULL */
    void *report_ctx;
#ifdef CTGATE_FAULT_INJECTION
    /*
     * Fault injection, test builds only (fault.h): "STEP" fails once STEP
     * has run; "kill-STEP" kills the process with SIGKILL once STEP has run.
     * NULL: none.
     */
    const char *fail_after;
#endif
};

/*
 * Runs every step.  On failure err->step names the failed step, the undos of
 * that step and all earlier ones have run (last first), and the error code
 * is returned.
 */
enum ct_err steps_run(const struct step_runner *runner, struct ct_error *err);

#endif
