/* prompt.c - see prompt.h. */
#include "prompt.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "clock.h"

static struct termios saved_termios;
static volatile sig_atomic_t echo_is_off;

static void restore_echo(void)
{
    if (echo_is_off) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
        echo_is_off = 0;
    }
}

static void on_signal(int sig)
{
    restore_echo(); /* tcsetattr is async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Echo off now; with flush, type-ahead is discarded (a prompt), else kept (--password-stdin). */
static int echo_off_when(int when)
{
    struct termios t;
    if (echo_is_off) {
        return 0; /* off already: saved_termios holds the terminal as we found it */
    }
    if (tcgetattr(STDIN_FILENO, &saved_termios) != 0) {
        return -1;
    }
    t = saved_termios;
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    echo_is_off = 1;
    if (tcsetattr(STDIN_FILENO, when, &t) != 0) {
        echo_is_off = 0;
        return -1;
    }
    return 0;
}

static int echo_off(void)
{
    return echo_off_when(TCSAFLUSH);
}

static void restore_at_exit(void)
{
    restore_echo();
}

void prompt_hide_input(void)
{
    static bool registered;
    if (!prompt_is_tty()) {
        return;
    }
    if (!registered) {
        registered = atexit(restore_at_exit) == 0;
    }
    /* TCSANOW: a password already waiting in the terminal's queue must stay there */
    (void)echo_off_when(TCSANOW);
}

void prompt_show_input(void)
{
    restore_echo();
}

bool prompt_is_tty(void)
{
    return isatty(STDIN_FILENO) == 1;
}

/* Byte by byte, so nothing after the newline is consumed. */
enum ct_err prompt_read_line(int timeout_s, char *out, size_t len, struct ct_error *err)
{
    long deadline = clock_now_ms() + (long)timeout_s * 1000;
    size_t n = 0;
    bool too_long = false;
    out[0] = '\0';
    for (;;) {
        long left = deadline - clock_now_ms();
        if (left <= 0) {
            out[0] = '\0';
            ct_error_set(err, CT_ERR_TIMEOUT, "no answer within %d seconds", timeout_s);
            err->detail_public = true; /* about the user's own typing */
            return CT_ERR_TIMEOUT;
        }
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
        int ready = poll(&pfd, 1, (int)left);
        if (ready < 0 && errno != EINTR) {
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "cannot read input");
        }
        if (ready <= 0) {
            continue;
        }
        char c;
        ssize_t r = read(STDIN_FILENO, &c, 1);
        if (r < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (r <= 0) {
            if (n == 0 || too_long) {
                out[0] = '\0';
                return ct_error_set(err, CT_ERR_BAD_REQUEST, "end of input");
            }
            break; /* a last line without a newline */
        }
        if (c == '\n' || c == '\r') {
            break;
        }
        if (n + 1 >= len || n >= PROMPT_LINE_MAX) {
            too_long = true;
            if (!isatty(STDIN_FILENO)) {
                break; /* a pipe may never send a newline: fail now */
            }
            continue; /* a terminal line is short: read to its end so the next prompt starts clean */
        }
        out[n++] = c;
        out[n] = '\0';
    }
    if (too_long) {
        memset(out, 0, len);
        return ct_error_set(err, CT_ERR_BAD_REQUEST, "answer longer than %d bytes",
                            PROMPT_LINE_MAX);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)out[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            memset(out, 0, len);
            return ct_error_set(err, CT_ERR_BAD_REQUEST, "control character in the answer");
        }
    }
    return CT_OK;
}

enum ct_err prompt_ask(const char *question, bool echo, int timeout_s, char *out, size_t len,
                       struct ct_error *err)
{
    fflush(stdout);
    fputs(question, stderr); /* stdout may have to hold one JSON document */
    if (!echo && echo_off() != 0) {
        return ct_error_set(err, CT_ERR_INTERNAL, "cannot turn terminal echo off");
    }
    enum ct_err rc = prompt_read_line(timeout_s, out, len, err);
    if (!echo) {
        restore_echo();
        fputs("\n", stderr);
    }
    return rc;
}
