/* proto.c - see proto.h. */
#include "proto.h"

#include <sodium.h>
#include <stdbool.h>
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

void proto_result_error(FILE *out, const struct ct_error *err, const char *ref)
{
    char message[CT_ERROR_DETAIL_MAX + 512];
    ct_error_format_public(err, "agent", ref, message, sizeof(message));
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

int proto_data(FILE *out, const void *bytes, size_t len)
{
    static const char head[] = "{\"v\":1,\"type\":\"data\",\"b64\":\"";
    static const char tail[] = "\"}\n";
    char b64[sodium_base64_ENCODED_LEN(PROTO_DATA_CHUNK, sodium_base64_VARIANT_ORIGINAL)];
    if (len > PROTO_DATA_CHUNK) {
        return -1;
    }
    sodium_bin2base64(b64, sizeof(b64), bytes, len, sodium_base64_VARIANT_ORIGINAL);
    if (fputs(head, out) == EOF || fputs(b64, out) == EOF || fputs(tail, out) == EOF ||
        fflush(out) != 0) {
        return -1;
    }
    return 0;
}

int proto_data_decode(json_t *line, unsigned char *out, size_t *len)
{
    const char *b64 = json_string_value(json_object_get(line, "b64"));
    const char *end = NULL;
    *len = 0;
    if (b64 == NULL) {
        return -1;
    }
    size_t n = strlen(b64);
    if (sodium_base642bin(out, PROTO_DATA_CHUNK, b64, n, NULL, len, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        end != b64 + n) {
        *len = 0;
        return -1;
    }
    return 0;
}

static bool optional_string(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v == NULL || json_is_string(v);
}

static enum proto_line classify(json_t *line)
{
    json_t *v = json_object_get(line, "v");
    const char *type = json_string_value(json_object_get(line, "type"));
    if (!json_is_object(line) || !json_is_integer(v) || json_integer_value(v) != PROTO_VERSION ||
        type == NULL) {
        return PROTO_LINE_INVALID;
    }
    if (strcmp(type, "progress") == 0) {
        return json_is_string(json_object_get(line, "step")) &&
                       json_is_string(json_object_get(line, "state")) &&
                       json_is_integer(json_object_get(line, "ms")) &&
                       optional_string(line, "msg")
                   ? PROTO_LINE_PROGRESS
                   : PROTO_LINE_INVALID;
    }
    if (strcmp(type, "result") == 0) {
        json_t *ok = json_object_get(line, "ok");
        if (json_is_true(ok)) {
            return json_is_object(json_object_get(line, "data")) ? PROTO_LINE_RESULT
                                                                  : PROTO_LINE_INVALID;
        }
        json_t *e = json_object_get(line, "error");
        return json_is_false(ok) && json_is_string(json_object_get(e, "code")) &&
                       json_is_string(json_object_get(e, "message")) && optional_string(e, "step")
                   ? PROTO_LINE_RESULT
                   : PROTO_LINE_INVALID;
    }
    if (strcmp(type, "data") == 0) {
        const char *b64 = json_string_value(json_object_get(line, "b64"));
        return b64 != NULL && strlen(b64) <= sodium_base64_ENCODED_LEN(
                                                 PROTO_DATA_CHUNK, sodium_base64_VARIANT_ORIGINAL)
                   ? PROTO_LINE_DATA
                   : PROTO_LINE_INVALID;
    }
    return PROTO_LINE_INVALID;
}

enum proto_line proto_parse_line(const char *text, size_t len, json_t **obj)
{
    *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    enum proto_line kind = *obj != NULL ? classify(*obj) : PROTO_LINE_INVALID;
    if (kind == PROTO_LINE_INVALID) {
        json_decref(*obj);
        *obj = NULL;
    }
    return kind;
}
