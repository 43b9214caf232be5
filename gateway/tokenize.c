/* tokenize.c - see tokenize.h. */
#include "tokenize.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static bool is_operator(char c)
{
    return c != '\0' && strchr(";&|<>()$`", c) != NULL;
}

static bool is_control(unsigned char c)
{
    return c < 0x20 ? c != '\t' : c == 0x7f;
}

static int finish_word(struct words *out, struct buf *word, const char **why)
{
    if (out->n == TOKENIZE_WORDS_MAX) {
        *why = "too many words";
        return -1;
    }
    out->v[out->n] = strdup(word->len > 0 ? word->data : "");
    if (out->v[out->n] == NULL) {
        *why = "out of memory";
        return -1;
    }
    out->n++;
    word->len = 0;
    if (word->data != NULL) {
        word->data[0] = '\0';
    }
    return 0;
}

int tokenize(const char *line, struct words *out, const char **why)
{
    struct buf word;
    enum { NONE, SINGLE, DOUBLE } quote = NONE;
    bool in_word = false;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    buf_init(&word, TOKENIZE_WORD_MAX);
    for (const char *p = line;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\0') {
            if (quote != NONE) {
                *why = "unbalanced quote";
                goto out;
            }
            if (in_word && finish_word(out, &word, why) != 0) {
                goto out;
            }
            break;
        }
        if (is_control(c)) {
            *why = "control character (newline, carriage return, ...) in the command";
            goto out;
        }
        char lit = (char)c;
        if (quote == SINGLE) {
            if (c == '\'') {
                quote = NONE;
                continue;
            }
        } else if (quote == DOUBLE) {
            if (c == '"') {
                quote = NONE;
                continue;
            }
            if (c == '\\' && (p[1] == '"' || p[1] == '\\')) {
                lit = *++p;
            }
        } else if (c == ' ' || c == '\t') {
            if (in_word && finish_word(out, &word, why) != 0) {
                goto out;
            }
            in_word = false;
            continue;
        } else if (c == '\'' || c == '"') {
            quote = c == '\'' ? SINGLE : DOUBLE;
            in_word = true;
            continue;
        } else if (c == '\\') {
            if (p[1] == '\0' || is_control((unsigned char)p[1])) {
                *why = "a backslash at the end of the command";
                goto out;
            }
            lit = *++p;
        } else if (is_operator((char)c)) {
            *why = "shell syntax (; & | < > ( ) $ `) is not accepted; quote the value if you "
                   "mean it literally";
            goto out;
        }
        in_word = true;
        if (buf_append(&word, &lit, 1) != 0) {
            *why = "a word is too long";
            goto out;
        }
    }
    rc = 0;
out:
    buf_free(&word);
    if (rc != 0) {
        tokenize_free(out);
    }
    return rc;
}

void tokenize_free(struct words *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i]);
    }
    memset(w, 0, sizeof(*w));
}
