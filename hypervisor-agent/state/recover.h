/*
 * recover.h - put right what an operation left when its process died
 * between two steps (a crash, a SIGKILL, a power cut).
 *
 * The registry marks every create and delete in progress with the process
 * doing it (registry.h, procid.h).  An entry whose process is gone is
 * "abandoned"; recovering it ends in the one state both a create that never
 * finished and a delete that never finished should reach: no instance of
 * that request (an instance of another request with the same name is left
 * alone; request ids are scoped to their owner, so the instance must carry
 * both the entry's id and its owner), no reservation, nginx's files
 * regenerated.  A create that finished
 * its last step is settled, never abandoned.  Used by `reconcile --fix` and
 * by the next create of the same name; safe to run twice at once.
 */
#ifndef CTGATE_RECOVER_H
#define CTGATE_RECOVER_H

#include "agent-config.h"
#include "backend.h"
#include "error.h"

enum ct_err recover_abandoned(const struct agent_config *cfg, const struct backend_ops *backend,
                              void *handle, const char *name, const char *request_id,
                              struct ct_error *err);

#endif
