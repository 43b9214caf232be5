/* proto.c - see proto.h. */
#include "proto.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Write obj as one line and release it; a NULL obj (a failed json_pack) writes nothing. */
static void emit_line(FILE *out, json_t *obj)
{
    if (obj == NULL) {
        return;
    }
    /* json_dumpb into memory we own, so it can be wiped whatever allocator jansson uses. */
    size_t len = json_dumpb(obj, NULL, 0, JSON_COMPACT);
    char *text = len > 0 ? malloc(len) : NULL;
    if (text == NULL) {
        json_decref(obj);
        return;
    }
    if (json_dumpb(obj, text, len, JSON_COMPACT) == len) {
        fwrite(text, 1, len, out);
        fputc('\n', out);
        fflush(out);
    }
    sodium_memzero(text, len);
    free(text);
    json_decref(obj);
}

void proto_progress(FILE *out, const char *step, const char *state, long ms, const char *msg)
{
    json_t *obj = json_pack("{s:i, s:s, s:s, s:s, s:I}", "v", PROTO_VERSION, "type", "progress",
                            "step", step, "state", state, "ms", (json_int_t)ms);
    if (obj == NULL) {
        return;
    }
    if (msg != NULL) {
        json_object_set_new(obj, "msg", json_string(msg));
    }
    emit_line(out, obj);
}

void proto_result_ok(FILE *out, json_t *data)
{
    emit_line(out, json_pack("{s:i, s:s, s:b, s:O}", "v", PROTO_VERSION, "type", "result", "ok", 1,
                             "data", data));
}

void proto_result_error(FILE *out, const struct ct_error *err)
{
    char message[CT_ERROR_DETAIL_MAX + 256];
    ct_error_format(err, message, sizeof(message));
    json_t *error = json_pack("{s:s, s:s}", "code", ct_err_code(err->code), "message", message);
    if (error == NULL) {
        return;
    }
    if (err->step != NULL) {
        json_object_set_new(error, "step", json_string(err->step));
    }
    emit_line(out, json_pack("{s:i, s:s, s:b, s:o}", "v", PROTO_VERSION, "type", "result", "ok", 0,
                             "error", error));
}
