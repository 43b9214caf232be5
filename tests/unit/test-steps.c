/* Unit tests: hypervisor-agent/ops/steps.c - order of runs and undos. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "steps.h"

struct trace {
    char log[256];
    int fail_at; /* index of the step that fails, -1 for none */
    int index;
};

static void note(struct trace *t, const char *what)
{
    strncat(t->log, what, sizeof(t->log) - strlen(t->log) - 1);
    strncat(t->log, " ", sizeof(t->log) - strlen(t->log) - 1);
}

#define STEP(n)                                                                                    \
    static enum ct_err run_##n(void *p, struct ct_error *err)                                      \
    {                                                                                              \
        struct trace *t = p;                                                                       \
        note(t, "run" #n);                                                                         \
        if (t->fail_at == n) {                                                                     \
            return ct_error_set(err, CT_ERR_BACKEND, "step %d broke", n);                          \
        }                                                                                          \
        return CT_OK;                                                                              \
    }                                                                                              \
    __attribute__((unused)) static void undo_##n(void *p)                                          \
    {                                                                                              \
        note(p, "undo" #n);                                                                        \
    }
STEP(0)
STEP(1)
STEP(2)

static const struct step steps[] = {
    {"zero", run_0, undo_0, NULL},
    {"one", run_1, NULL, NULL},
    {"two", run_2, undo_2, NULL},
};

static void report(void *p, const char *step, const char *state, long ms, const char *msg)
{
    (void)ms;
    (void)msg;
    char line[64];
    snprintf(line, sizeof(line), "%s:%s", step, state);
    note(p, line);
}

static enum ct_err run(struct trace *t, const char *fail_after, struct ct_error *err)
{
    /* fail_after exists in test builds only (fault.h); the unit tests are one. */
    struct step_runner r = {.steps = steps, .nsteps = 3, .ctx = t, .fail_after = fail_after};
    return steps_run(&r, err);
}

static void test_all_succeed(void **state)
{
    (void)state;
    struct trace t = {.fail_at = -1};
    struct ct_error err = {0};
    assert_int_equal(run(&t, NULL, &err), CT_OK);
    assert_string_equal(t.log, "run0 run1 run2 ");
}

static void test_failure_undoes_in_reverse(void **state)
{
    (void)state;
    struct trace t = {.fail_at = 2};
    struct ct_error err = {0};
    assert_int_equal(run(&t, NULL, &err), CT_ERR_BACKEND);
    /* the failed step's own undo runs too: it was armed before the step began */
    assert_string_equal(t.log, "run0 run1 run2 undo2 undo0 ");
    assert_string_equal(err.step, "two");
    assert_string_equal(err.detail, "step 2 broke");
}

static void test_first_step_fails(void **state)
{
    (void)state;
    struct trace t = {.fail_at = 0};
    struct ct_error err = {0};
    assert_int_equal(run(&t, NULL, &err), CT_ERR_BACKEND);
    assert_string_equal(t.log, "run0 undo0 ");
}

static void test_injected_failure(void **state)
{
    (void)state;
    struct trace t = {.fail_at = -1};
    struct ct_error err = {0};
    assert_int_equal(run(&t, "one", &err), CT_ERR_INJECTED);
    assert_string_equal(t.log, "run0 run1 undo0 ");
    assert_string_equal(err.step, "one");
}

static void test_reports(void **state)
{
    (void)state;
    struct trace t = {.fail_at = 1};
    struct ct_error err = {0};
    struct step_runner r = {
        .steps = steps, .nsteps = 3, .ctx = &t, .report = report, .report_ctx = &t};
    assert_int_equal(steps_run(&r, &err), CT_ERR_BACKEND);
    assert_string_equal(t.log,
                        "zero:begin run0 zero:done one:begin run1 one:fail undo0 zero:undo ");
}

static bool always(void *p)
{
    (void)p;
    return true;
}

/* A skipped step is neither run, reported nor undone; the others are, as ever. */
static void test_skipped(void **state)
{
    (void)state;
    struct trace t = {.fail_at = 2};
    struct ct_error err = {0};
    const struct step some[] = {
        {"zero", run_0, undo_0, NULL},
        {"one", run_1, undo_0, always},
        {"two", run_2, undo_2, NULL},
    };
    struct step_runner r = {.steps = some, .nsteps = 3, .ctx = &t, .report = report, .report_ctx = &t};
    assert_int_equal(steps_run(&r, &err), CT_ERR_BACKEND);
    assert_string_equal(t.log, "zero:begin run0 zero:done two:begin run2 two:fail undo2 two:undo "
                               "undo0 zero:undo ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_succeed),      cmocka_unit_test(test_failure_undoes_in_reverse),
        cmocka_unit_test(test_first_step_fails), cmocka_unit_test(test_injected_failure),
        cmocka_unit_test(test_skipped),
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
