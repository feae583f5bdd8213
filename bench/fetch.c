/* A minimal load generator for big responses: fetches http://127.0.0.1:PORT/
 * N times, one after the other, over one keep-alive connection, and discards
 * the bodies (read into a 1 MiB buffer). wrk is not used for these because it
 * runs each body through its parser and times out multi-second responses.
 *
 *   fetch PORT N
 *
 * Prints one line in the format of bench/report.lua:
 *   RESULT requests duration_us bytes connect_err read_err write_err
 *          status_err timeout_err p50_us p99_us
 * and exits non-zero if any request failed. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (1u << 20)

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One request; returns the body length, or -1 on a read error, -2 on a
 * status other than 200. */
static long long one_request(int fd, char *buf)
{
    static const char req[] = "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";
    if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof(req) - 1))
        return -1;
    size_t len = 0;
    char *end = NULL;
    while (end == NULL) {
        if (len >= 65536)
            return -1;
        ssize_t n = recv(fd, buf + len, 65536 - len, 0);
        if (n <= 0)
            return -1;
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    int status = strncmp(buf, "HTTP/1.1 ", 9) == 0 ? atoi(buf + 9) : 0;
    long long body = -1;
    for (char *line = strstr(buf, "\r\n"); line != NULL && line < end;
         line = strstr(line + 2, "\r\n")) {
        if (strncasecmp(line + 2, "Content-Length:", 15) == 0)
            body = strtoll(line + 17, NULL, 10);
    }
    if (body < 0)
        return -1;
    long long left = body - (long long)(len - (size_t)(end + 4 - buf));
    while (left > 0) {
        ssize_t n = recv(fd, buf, left < BUF_SIZE ? (size_t)left : BUF_SIZE, 0);
        if (n <= 0)
            return -1;
        left -= n;
    }
    return status == 200 ? body : -2;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s PORT N\n", argv[0]);
        return 2;
    }
    unsigned int port = (unsigned int)strtoul(argv[1], NULL, 10);
    int n = atoi(argv[2]);
    char *buf = malloc(BUF_SIZE + 1);
    double *lat = calloc((size_t)(n > 0 ? n : 1), sizeof(double));
    unsigned long errs[5] = {0, 0, 0, 0, 0}; /* connect read write status timeout */
    long long bytes = 0;
    int done = 0;
    double start = now_us();
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tmo = {30, 0}; /* never hang on a stuck server */
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo));
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        errs[0]++;
    } else {
        for (int i = 0; i < n; i++) {
            double t = now_us();
            long long r = one_request(fd, buf);
            if (r < 0) {
                errs[r == -2 ? 3 : 1]++;
                break;
            }
            lat[done++] = now_us() - t;
            bytes += r;
        }
    }
    double duration = now_us() - start;
    qsort(lat, (size_t)done, sizeof(double), cmp_double);
    double p50 = done ? lat[(done - 1) / 2] : 0;
    double p99 = done ? lat[(size_t)((done - 1) * 0.99 + 0.5)] : 0;
    printf("RESULT %d %.0f %lld %lu %lu %lu %lu %lu %.0f %.0f\n", done, duration, bytes, errs[0],
           errs[1], errs[2], errs[3], errs[4], p50, p99);
    if (fd >= 0)
        close(fd);
    free(buf);
    free(lat);
    return done == n ? 0 : 1;
}
