/*
 * run.h - run one program with an argv array (never a shell) and wait.
 *
 * run_argv() spawns argv[0] with a minimal environment, stdin from
 * /dev/null, stdout discarded, no other descriptor of ours (fd 3 and up
 * closed), and stderr captured (the first line, for error
 * messages), and waits at most timeout_s seconds (then SIGKILL).  CT_OK when
 * it exited 0; CT_ERR_BACKEND with the exit status and stderr excerpt when
 * not; CT_ERR_TIMEOUT when it had to be killed.
 */
#ifndef CTGATE_RUN_H
#define CTGATE_RUN_H

#include "error.h"

enum ct_err run_argv(char *const argv[], int timeout_s, struct ct_error *err);

#endif
