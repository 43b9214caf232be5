/*
 * enrol-listener.c - the test rig's stand-in for a security manager
 * (tests/rig.sh starts it as ctgrig-enrol; tests/integration/hooks.sh reads
 * what it wrote).
 *
 *   ctgrig-enrol ADDRESS PORT LOGFILE
 *
 * Listens on ADDRESS:PORT (TCP, IPv4: the LXD bridge's host address); for
 * each connection reads one line (at most 200 bytes, 5 s) and appends
 * "PEER_IP LINE\n" to LOGFILE, characters outside [A-Za-z0-9 ._:-] made '?'.
 * One connection at a time: enrolments are rare and short.  Runs until
 * killed (SIGTERM).  Not part of the product.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 200

static int listen_on(const char *address, const char *port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    char *end = NULL;
    long p = strtol(port, &end, 10);
    if (inet_pton(AF_INET, address, &sa.sin_addr) != 1 || *end != '\0' || p < 1 || p > 65535) {
        fprintf(stderr, "ctgrig-enrol: bad address or port\n");
        return -1;
    }
    sa.sin_port = htons((unsigned short)p);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0) {
        fprintf(stderr, "ctgrig-enrol: cannot listen on %s:%s: %s\n", address, port,
                strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

/* One line from the peer (up to newline, EOF, the size limit or 5 s), cleaned. */
static size_t read_line(int fd, char *line, size_t len)
{
    struct timeval tv = {5, 0};
    size_t n = 0;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (n + 1 < len) {
        ssize_t got = read(fd, line + n, len - 1 - n);
        if (got <= 0) {
            break;
        }
        n += (size_t)got;
        if (memchr(line, '\n', n) != NULL) {
            break;
        }
    }
    line[n] = '\0';
    n = strcspn(line, "\r\n");
    line[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        char c = line[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == ' ' || c == '.' || c == '_' || c == ':' || c == '-')) {
            line[i] = '?';
        }
    }
    return n;
}

static void record(const char *logfile, const char *peer, const char *line)
{
    char text[LINE_MAX_BYTES + INET_ADDRSTRLEN + 4];
    int n = snprintf(text, sizeof(text), "%s %s\n", peer, line);
    int fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0 || write(fd, text, (size_t)n) != n) {
        fprintf(stderr, "ctgrig-enrol: cannot append to %s: %s\n", logfile, strerror(errno));
    }
    if (fd >= 0) {
        close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: ctgrig-enrol ADDRESS PORT LOGFILE\n");
        return 2;
    }
    int lfd = listen_on(argv[1], argv[2]);
    if (lfd < 0) {
        return 1;
    }
    fprintf(stderr, "ctgrig-enrol: listening on %s:%s, recording to %s\n", argv[1], argv[2],
            argv[3]);
    for (;;) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd = accept4(lfd, (struct sockaddr *)&peer, &plen, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            fprintf(stderr, "ctgrig-enrol: accept: %s\n", strerror(errno));
            return 1;
        }
        char line[LINE_MAX_BYTES + 1];
        char ip[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
        if (read_line(fd, line, sizeof(line)) > 0) {
            record(argv[3], ip, line);
        }
        close(fd);
    }
}
