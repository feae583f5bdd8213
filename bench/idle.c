/* Opens N keep-alive connections to 127.0.0.1:PORT, makes one request on
 * each (so the server has really served it), then holds them all idle until
 * it gets SIGTERM or stdin closes. Prints "ready N" once all are idle.
 * Connections are opened in batches of 100 whose requests go out together,
 * so a server that polls every descriptor (poll, select) is not woken once
 * per connection while thousands are already open.
 *
 *   idle PORT N */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int connect_one(unsigned int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_request(int fd)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    return send(fd, req, sizeof(req) - 1, 0) == (ssize_t)(sizeof(req) - 1) ? 0 : -1;
}

/* Reads until the end of the (small) response to the request sent. */
static int read_response(int fd)
{
    char buf[4096];
    size_t len = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 10000) <= 0)
            return -1;
        ssize_t n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        char *end = strstr(buf, "\r\n\r\n");
        char *cl = strstr(buf, "Content-Length:");
        if (end != NULL && cl != NULL &&
            len >= (size_t)(end - buf) + 4 + strtoul(cl + 15, NULL, 10))
            return 0;
    }
}

#define BATCH 100

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT N\n", argv[0]);
        return 2;
    }
    unsigned int port = (unsigned int)strtoul(argv[1], NULL, 10);
    long n = strtol(argv[2], NULL, 10);
    struct rlimit rl = {(rlim_t)n + 64, (rlim_t)n + 64};
    setrlimit(RLIMIT_NOFILE, &rl);
    int *fds = calloc((size_t)n, sizeof(int));
    long ok = 0;
    for (long first = 0; first < n && ok == first; first += BATCH) {
        long last = first + BATCH < n ? first + BATCH : n, sent = first;
        for (; sent < last; sent++) {
            fds[sent] = connect_one(port);
            if (fds[sent] < 0 || send_request(fds[sent]) != 0) {
                fprintf(stderr, "connection %ld failed: %s\n", sent, strerror(errno));
                if (fds[sent] >= 0)
                    close(fds[sent]);
                break;
            }
        }
        for (long i = first; i < sent; i++) {
            if (ok == i && read_response(fds[i]) == 0) {
                ok++;
            } else {
                if (ok == i)
                    fprintf(stderr, "connection %ld: no response: %s\n", i, strerror(errno));
                close(fds[i]);
            }
        }
    }
    printf("ready %ld\n", ok);
    fflush(stdout);
    char c;
    while (read(0, &c, 1) > 0) {
    }
    for (long i = 0; i < ok; i++)
        close(fds[i]);
    free(fds);
    return ok == n ? 0 : 1;
}
