/*
 * doctor.h - `ctgate-agent doctor [--json]`: every prerequisite of this
 * hypervisor's agent, checked as the account that runs it, each failure
 * with what to do.  Exit 0 only when every check passes.
 */
#ifndef CTGATE_DOCTOR_H
#define CTGATE_DOCTOR_H

#include "admin.h"

int doctor_run(struct admin_ctx *ctx);
int doctor_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
