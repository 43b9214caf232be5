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
#define PROTO_REQUEST_MAX ((size_t)64 * 1024)

/* state is "begin", "done" or "fail"; msg may be NULL. */
void proto_progress(FILE *out, const char *step, const char *state, long ms, const char *msg);
/* {"v":1,"type":"result","ok":true,"data":DATA}; data is borrowed. */
void proto_result_ok(FILE *out, json_t *data);
/*
 * {"v":1,"type":"result","ok":false,"error":{"code","message","step"}}: the
 * message is what the user may see (ct_error_format_public), ref the
 * reference the agent's log line carries (NULL: none).
 */
void proto_result_error(FILE *out, const struct ct_error *err, const char *ref);

/*
 * Bytes of a stream (export's backup) travel as "data" lines before the
 * result: {"v":1,"type":"data","b64":"..."}, at most PROTO_DATA_CHUNK bytes
 * each (base64, standard alphabet, padded).  Returns 0, or -1 when the line
 * could not be written (the reader went away: stop sending).
 */
#define PROTO_DATA_CHUNK ((size_t)48 * 1024)
int proto_data(FILE *out, const void *bytes, size_t len);

enum proto_line { PROTO_LINE_INVALID, PROTO_LINE_PROGRESS, PROTO_LINE_RESULT, PROTO_LINE_DATA };

/*
 * Parse one answer line (len bytes, no newline) as the gateway reads it.
 * Only well-formed lines are accepted: v 1; a progress line with string
 * step and state, integer ms, optional string msg; a result line with ok
 * true and an object data, or ok false and an error object with string code
 * and message and optional string step; a data line with a string b64 of
 * at most PROTO_DATA_CHUNK bytes' encoding.  On success *obj holds the line
 * (the caller releases it); on PROTO_LINE_INVALID *obj is NULL.
 */
enum proto_line proto_parse_line(const char *text, size_t len, json_t **obj);

/*
 * The bytes of a data line (as proto_parse_line gave it) into out, which
 * holds PROTO_DATA_CHUNK bytes; *len their count.  -1 when b64 is not
 * valid base64.
 */
int proto_data_decode(json_t *line, unsigned char *out, size_t *len);

#endif
