/*
 * run.h - run one program with an argv array (never a shell) and wait.
 *
 * run_argv() spawns argv[0] with a minimal environment, stdin from
 * /dev/null, stdout discarded, no other descriptor of ours (fd 3 and up
 * closed), and stderr captured (the first line, for error
 * messages), and waits at most timeout_s seconds (then SIGKILL).  CT_OK when
 * it exited 0; CT_ERR_BACKEND with the exit status and stderr excerpt when
 * not; CT_ERR_TIMEOUT when it had to be killed.
 *
 * run_argv_io() is the same with its input and output: stdin fed from
 * memory, stdout kept in a struct buf up to its ceiling, a tick about once
 * a second that may stop the wait, and the exit status handed back rather
 * than judged (a command's own failure is its caller's business).
 * The caller ignores SIGPIPE (the agent does): a program that stops
 * reading its stdin must not kill us.
 */
#ifndef CTGATE_RUN_H
#define CTGATE_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "error.h"

enum ct_err run_argv(char *const argv[], int timeout_s, struct ct_error *err);

struct run_io {
    const void *stdin_data; /* fed to the program's stdin, then closed; NULL: /dev/null */
    size_t stdin_len;
    struct buf *out; /* stdout, up to out's ceiling; NULL: discarded */
    int timeout_s;   /* then SIGKILL */
    /* Called about once a second while it runs; false stops the wait as a timeout would. */
    bool (*on_tick)(void *ctx);
    void *tick_ctx;
    int exit_status;   /* out: its exit status; -1 when killed or ended by a signal */
    char excerpt[160]; /* out: the first line of its stderr, printable ASCII */
    bool timed_out;    /* out: killed at the deadline (or by on_tick) */
    bool overflow;     /* out: stdout was larger than out's ceiling (the program was killed) */
};

/*
 * Run argv as run_argv does, with io's input and output.  CT_OK when it ran
 * to its end whatever its exit status (io->exit_status); CT_ERR_TIMEOUT when
 * it was killed at the deadline or by on_tick; CT_ERR_BACKEND when it could
 * not be started or its output overflowed.
 */
enum ct_err run_argv_io(char *const argv[], struct run_io *io, struct ct_error *err);

#endif
