/*
 * output.h - what the user sees: errors, JSON documents, key/value blocks.
 *
 * Text goes to stdout, errors to stderr; with --json exactly one JSON
 * document goes to stdout ({"ok":true,"data":...} or {"ok":false,
 * "error":{...}}) and nothing else is printed there.  Every function that
 * ends a command returns the process exit code.
 */
#ifndef CTGATE_OUTPUT_H
#define CTGATE_OUTPUT_H

#include <jansson.h>

#include "error.h"
#include "session.h"

/* Print err (text or JSON) and return its exit code. */
int output_error(const struct session *s, const struct ct_error *err);
/*
 * Handle an agent result object: on ok, *data is set (borrowed from result)
 * and 0 returned; on an error result it is printed and its exit code
 * returned.
 */
int output_agent_result(const struct session *s, json_t *result, json_t **data);
/* {"ok":true,"data":data} on stdout; returns 0. */
int output_json_ok(json_t *data);
/* "  label      value" lines; NULL values are skipped. */
void output_field(const char *label, const char *value);
/* One line per published extra protocol of data ("protocols" array). */
void output_protocols(json_t *data);
/* "limits  2 CPUs, 256MiB memory, 2048MiB disk" from data's "limits" object. */
void output_limits(json_t *data);
/* "ctid" (the container's number on the site) as a field, when the data has one. */
void output_ctid(json_t *data);
/* The fields of one container (an agent "info" object), as key/value lines. */
void output_instance(json_t *inst);
/* Printable text only: control characters become '?'.  Agent text is not trusted blindly. */
const char *output_clean(const char *text, char *buf, size_t len);

#endif
