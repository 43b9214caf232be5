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

/* Keep the first line of stderr (printable) in io->excerpt. */
static void keep_excerpt(struct run_io *io, size_t *used, const char *chunk, size_t n)
{
    size_t room = sizeof(io->excerpt) - 1 - *used;
    size_t take = n < room ? n : room;
    memcpy(io->excerpt + *used, chunk, take);
    *used += take;
    io->excerpt[*used] = '\0';
}

static void finish_excerpt(struct run_io *io)
{
    io->excerpt[strcspn(io->excerpt, "\r\n")] = '\0';
    for (char *p = io->excerpt; *p != '\0'; p++) {
        if ((unsigned char)*p < ' ' || (unsigned char)*p > '~') {
            *p = '?';
        }
    }
}

/* posix_spawn argv[0] with the three pipes as its stdin, stdout, stderr (-1: /dev/null). */
static int spawn_piped(char *const argv[], int in, int out, int errfd, pid_t *pid)
{
    static char *const envp[] = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (in >= 0) {
        posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    if (out >= 0) {
        posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
    } else {
        posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&fa, errfd, STDERR_FILENO);
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
    int rc = posix_spawn(pid, argv[0], &fa, NULL, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

enum ct_err run_argv_io(char *const argv[], struct run_io *io, struct ct_error *err)
{
    int inp[2] = {-1, -1}, outp[2] = {-1, -1}, errp[2] = {-1, -1};
    pid_t pid;
    size_t used = 0, fed = 0;
    enum ct_err rc = CT_OK;

    io->exit_status = -1;
    io->excerpt[0] = '\0';
    io->timed_out = false;
    io->overflow = false;
    if ((io->stdin_data != NULL && pipe2(inp, O_CLOEXEC) != 0) ||
        (io->out != NULL && pipe2(outp, O_CLOEXEC) != 0) || pipe2(errp, O_CLOEXEC) != 0) {
        rc = ct_error_set(err, CT_ERR_INTERNAL, "pipe: %s", strerror(errno));
        goto out;
    }
    int spawned = spawn_piped(argv, inp[0], outp[1], errp[1], &pid);
    close_fd(&inp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[1]);
    if (spawned != 0) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "cannot run %s: %s", argv[0], strerror(spawned));
        goto out;
    }
    if (inp[1] >= 0) {
        fcntl(inp[1], F_SETFL, fcntl(inp[1], F_GETFL) | O_NONBLOCK);
        if (io->stdin_len == 0) {
            close_fd(&inp[1]);
        }
    }
    long deadline = clock_now_ms() + (long)io->timeout_s * 1000;
    long next_tick = clock_now_ms() + 1000;
    bool killed = false;
    while (outp[0] >= 0 || errp[0] >= 0 || inp[1] >= 0) {
        long now = clock_now_ms();
        if (now >= deadline) {
            killed = true;
            break;
        }
        if (io->on_tick != NULL && now >= next_tick) {
            next_tick = now + 1000;
            if (!io->on_tick(io->tick_ctx)) {
                killed = true;
                break;
            }
        }
        struct pollfd pfd[3] = {{.fd = inp[1], .events = POLLOUT},
                                {.fd = outp[0], .events = POLLIN},
                                {.fd = errp[0], .events = POLLIN}};
        long wait = deadline - now < next_tick - now ? deadline - now : next_tick - now;
        if (poll(pfd, 3, (int)(wait > 0 ? wait : 1)) <= 0) {
            continue;
        }
        if (pfd[0].revents != 0) {
            ssize_t n = write(inp[1], (const char *)io->stdin_data + fed, io->stdin_len - fed);
            if (n > 0) {
                fed += (size_t)n;
            }
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || fed == io->stdin_len) {
                close_fd(&inp[1]); /* all of it, or the program will not read more */
            }
        }
        char chunk[4096];
        if (pfd[1].revents != 0) {
            ssize_t n = read(outp[0], chunk, sizeof(chunk));
            if (n > 0 && buf_append(io->out, chunk, (size_t)n) != 0) {
                io->overflow = true;
                killed = true;
                break;
            }
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                close_fd(&outp[0]);
            }
        }
        if (pfd[2].revents != 0) {
            ssize_t n = read(errp[0], chunk, sizeof(chunk));
            if (n > 0) {
                keep_excerpt(io, &used, chunk, (size_t)n);
            }
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                close_fd(&errp[0]);
            }
        }
    }
    close_fd(&inp[1]);
    close_fd(&outp[0]);
    close_fd(&errp[0]);
    int status = 0;
    for (;;) {
        if (killed) {
            kill(pid, SIGKILL);
        }
        pid_t done = waitpid(pid, &status, killed ? 0 : WNOHANG);
        if (done == pid || (done < 0 && errno != EINTR)) {
            break;
        }
        if (done == 0 && clock_now_ms() >= deadline) {
            killed = true; /* its output closed but it runs on: the deadline holds */
            continue;
        }
        struct timespec pause = {0, 10L * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    finish_excerpt(io);
    if (io->overflow && io->out != NULL) {
        rc = ct_error_set(err, CT_ERR_BACKEND, "%s: its output is larger than %zu bytes", argv[0],
                          io->out->max);
    } else if (killed) {
        io->timed_out = true;
        rc = ct_error_set(err, CT_ERR_TIMEOUT, "%s took longer than %ds", argv[0], io->timeout_s);
    } else if (WIFEXITED(status)) {
        io->exit_status = WEXITSTATUS(status);
    }
out:
    close_fd(&inp[0]);
    close_fd(&inp[1]);
    close_fd(&outp[0]);
    close_fd(&outp[1]);
    close_fd(&errp[0]);
    close_fd(&errp[1]);
    return rc;
}
