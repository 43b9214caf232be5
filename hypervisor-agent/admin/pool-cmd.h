/*
 * pool-cmd.h - `ctgate-agent pool fill`: bring every template's warm pool
 * up to its size (pool.h), for a timer and for the background fill a
 * create starts.
 */
#ifndef CTGATE_POOL_CMD_H
#define CTGATE_POOL_CMD_H

#include "error.h"

struct admin_ctx;

int pool_fill_run(struct admin_ctx *ctx);
int pool_fill_failed(const char *step, const char *subject, const struct ct_error *err);

#endif
