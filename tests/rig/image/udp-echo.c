/*
 * udp-echo.c - a UDP echo server for the rig's busybox image (busybox-static
 * has no UDP server).  Built statically by tests/rig/build-image.sh; started
 * from inittab as `udp-echo PORT`.  Answers every datagram with its bytes.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    addr.sin_port = htons((unsigned short)(argc > 1 ? atoi(argv[1]) : 7));
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        return 1;
    }
    for (;;) {
        char buf[2048];
        struct sockaddr_in peer;
        socklen_t len = sizeof(peer);
        ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &len);
        if (n > 0) {
            sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, len);
        }
    }
}
