/*
 * tokenize.h - split SSH_ORIGINAL_COMMAND into words, without a shell.
 *
 * Words are separated by spaces or tabs.  'single quotes' keep everything
 * literally; "double quotes" keep everything except that \" and \\ stand
 * for " and \; outside quotes a backslash makes the next character literal.
 * Refused, with a reason: control characters (newline, CR, NUL, ...), an
 * unbalanced quote, a shell operator outside quotes (; & | < > ( ) $ `),
 * more than TOKENIZE_WORDS_MAX words, a word longer than TOKENIZE_WORD_MAX.
 * Nothing is ever expanded or executed.  The words are heap copies owned by
 * the caller: tokenize_free() releases them.
 */
#ifndef CTGATE_TOKENIZE_H
#define CTGATE_TOKENIZE_H

#include <stddef.h>

#define TOKENIZE_WORDS_MAX 128
#define TOKENIZE_WORD_MAX 8192

struct words {
    char *v[TOKENIZE_WORDS_MAX + 1]; /* NULL-terminated */
    size_t n;
};

/* 0 on success; -1 with *why pointing at a static reason. */
int tokenize(const char *line, struct words *out, const char **why);
void tokenize_free(struct words *w);

#endif
