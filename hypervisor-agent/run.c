/* run.c - see run.h. */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

enum ct_err run_argv(char *const argv[], int timeout_s, struct ct_error *err)
{
    static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
    int pipefd[2];
    posix_spawn_file_actions_t fa;
    pid_t pid;
    char excerpt[200] = "";
    size_t used = 0;

    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
    /*
     * Nothing else of ours: a socket to LXD or syslog on fd 3 and up would
     * be held open by the program, and mmdebstrap's apt hooks expect the
     * descriptors they set up there themselves.
     */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (rc != 0) {
        close(pipefd[0]);
        return ct_error_set(err, CT_ERR_BACKEND, "cannot run %s: %s", argv[0], strerror(rc));
    }
    long deadline = clock_now_ms() + (long)timeout_s * 1000;
    bool killed = false;
    for (;;) {
        long left = deadline - clock_now_ms();
        if (left <= 0) {
            kill(pid, SIGKILL);
            killed = true;
            break;
        }
        struct pollfd pfd = {.fd = pipefd[0], .events = POLLIN};
        if (poll(&pfd, 1, (int)left) <= 0) {
            continue;
        }
        char chunk[512];
        ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break; /* the program closed stderr: it is exiting */
        }
        size_t take = (size_t)n < sizeof(excerpt) - 1 - used ? (size_t)n : sizeof(excerpt) - 1 - used;
        memcpy(excerpt + used, chunk, take);
        used += take;
    }
    close(pipefd[0]);
    int status = 0;
    for (;;) {
        pid_t done = waitpid(pid, &status, killed ? 0 : WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            break;
        }
        if (done == 0 && clock_now_ms() >= deadline) {
            kill(pid, SIGKILL); /* stderr closed but still running: the deadline holds */
            killed = true;
            continue;
        }
        struct timespec pause = {0, 10L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    excerpt[used] = '\0';
    excerpt[strcspn(excerpt, "\n")] = '\0';
    for (char *p = excerpt; *p != '\0'; p++) {
        if ((unsigned char)*p < ' ' || (unsigned char)*p > '~') {
            *p = '?';
        }
    }
    if (killed) {
        return ct_error_set(err, CT_ERR_TIMEOUT, "%s took longer than %ds", argv[0], timeout_s);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        return ct_error_set(err, CT_ERR_BACKEND, "%s failed (status %d): %s", argv[0],
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1, excerpt);
    }
    return CT_OK;
}
