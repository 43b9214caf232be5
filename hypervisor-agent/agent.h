/*
 * agent.h - `serve` and `check-config`, two rows of the subcommand table
 * (admin.h), which has loaded the configuration before they run.
 */
#ifndef CTGATE_AGENT_H
#define CTGATE_AGENT_H

#include "error.h"

struct admin_ctx;

/* Read one request from stdin, run it, answer on stdout.  Returns an exit code. */
int agent_serve(struct admin_ctx *ctx);
/* A failed startup, answered as the protocol's error result on stdout and logged. */
int agent_serve_failed(const char *step, const char *subject, const struct ct_error *err);
/* Say that the configuration loaded.  Returns an exit code. */
int agent_check_config(struct admin_ctx *ctx);
/* A configuration that does not load, reported on stderr. */
int agent_check_config_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
