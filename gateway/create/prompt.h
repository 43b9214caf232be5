/*
 * prompt.h - questions on the user's terminal, and one line from stdin.
 *
 * Every read is bounded (PROMPT_LINE_MAX bytes) and timed (the caller's
 * timeout covers the whole answer, so slow typing cannot hold a session
 * forever).  With echo off the terminal is restored on every exit path,
 * including SIGINT/SIGTERM/SIGHUP.  Answers may be secrets: callers wipe
 * them with sodium_memzero() once used.  Not thread-safe.
 */
#ifndef CTGATE_PROMPT_H
#define CTGATE_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

#define PROMPT_LINE_MAX 1024
#define PROMPT_TRIES 5 /* a rejected answer is explained and asked again, this many times at most */

/* Whether stdin is a terminal (prompts are allowed only then). */
bool prompt_is_tty(void);
/*
 * Print question on stderr (stdout may hold a --json document), read one line from stdin into out (without the
 * newline).  echo=false turns terminal echo off for the answer.  Errors:
 * CT_ERR_TIMEOUT, CT_ERR_BAD_REQUEST (too long, end of input, control chars).
 */
enum ct_err prompt_ask(const char *question, bool echo, int timeout_s, char *out, size_t len,
                       struct ct_error *err);
/* One line from stdin without a question (--password-stdin). */
enum ct_err prompt_read_line(int timeout_s, char *out, size_t len, struct ct_error *err);
/*
 * When stdin is a terminal, turn its echo off now, keeping what is queued
 * (a --password-stdin password sent into `ssh -tt` must not be printed
 * back), until prompt_show_input(), exit or a fatal signal.  Without a
 * terminal, nothing.  Called as early as the command line is known: bytes
 * the terminal received before are echoed by the kernel already.
 */
void prompt_hide_input(void);
/* Echo as it was before prompt_hide_input (or prompt_ask's echo=false). */
void prompt_show_input(void);

#endif
