/*
 * proto.h - the gateway <-> agent wire protocol (docs/protocol.md).
 *
 * One request object on one line from the gateway; JSON lines back: any
 * number of "progress" lines, then exactly one "result" line.  These helpers
 * write one complete line each and flush, so a reader sees progress live.
 * Output that may hold a secret is zeroed before its memory is released.
 */
#ifndef CTGATE_PROTO_H
#define CTGATE_PROTO_H

#include <jansson.h>
#include <stdio.h>

#include "error.h"

#define PROTO_VERSION 1
#define PROTO_REQUEST_MAX (64 * 1024)

/* state is "begin", "done" or "fail"; msg may be NULL. */
void proto_progress(FILE *out, const char *step, const char *state, long ms, const char *msg);
/* {"v":1,"type":"result","ok":true,"data":DATA}; data is borrowed. */
void proto_result_ok(FILE *out, json_t *data);
/* {"v":1,"type":"result","ok":false,"error":{"code","message","step"}} */
void proto_result_error(FILE *out, const struct ct_error *err);

#endif
