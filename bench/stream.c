/* The download benchmark server: large bodies from a file (sent with
 * sendfile where the library can) and from a content-reader callback of
 * unknown size (sent chunked). Public API only; built once against Debian's
 * libmicrohttpd and once against ours (bench/stream.sh).
 *
 *   stream --file PATH [--port P] [--mode M] [--block N]
 *
 *   GET /file            the whole file, MHD_create_response_from_fd64
 *   GET /chunked?mib=N   N MiB from a content reader, MHD_SIZE_UNKNOWN
 *
 * Modes: int-epoll (default), int-poll, int-select, tpc (a thread per
 * connection). --block is the content reader's block size (default
 * 65536); the reader copies from a 1 MiB buffer made at start, so both
 * libraries pay the same for producing the data. SIGINT or SIGTERM stops
 * the server. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

#define SOURCE_LEN ((size_t)1 << 20)

static int file_fd = -1;
static uint64_t file_size;
static size_t block = 65536;
static char *source;

static ssize_t produce(void *cls, uint64_t pos, char *buf, size_t max)
{
    uint64_t end = *(uint64_t *)cls;
    if (pos >= end)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = end - pos < max ? (size_t)(end - pos) : max;
    size_t off = (size_t)(pos % SOURCE_LEN);
    size_t first = SOURCE_LEN - off < n ? SOURCE_LEN - off : n;
    memcpy(buf, source + off, first);
    memcpy(buf + first, source, n - first);
    return (ssize_t)n;
}

static MHD_RESULT handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                          const char *version, const char *upload_data, size_t *upload_data_size,
                          void **req_cls)
{
    static int seen;
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (*req_cls == NULL) {
        *req_cls = &seen;
        return MHD_YES;
    }
    struct MHD_Response *r = NULL;
    if (strcmp(url, "/file") == 0) {
        r = MHD_create_response_from_fd64(file_size, dup(file_fd));
    } else if (strcmp(url, "/chunked") == 0) {
        const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "mib");
        uint64_t *end = malloc(sizeof(*end));
        if (end == NULL)
            return MHD_NO;
        *end = (v ? strtoull(v, NULL, 10) : 1024) << 20;
        r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, block, produce, end, free);
    }
    if (r == NULL)
        return MHD_NO;
    MHD_RESULT ret = MHD_queue_response(c, 200, r);
    MHD_destroy_response(r);
    return ret;
}

static unsigned int mode_flags(const char *m)
{
    if (strcmp(m, "int-epoll") == 0)
        return MHD_USE_EPOLL_INTERNAL_THREAD;
    if (strcmp(m, "int-poll") == 0)
        return MHD_USE_POLL_INTERNAL_THREAD;
    if (strcmp(m, "int-select") == 0)
        return MHD_USE_INTERNAL_POLLING_THREAD;
    if (strcmp(m, "tpc") == 0)
        return MHD_USE_THREAD_PER_CONNECTION;
    return 0;
}

int main(int argc, char **argv)
{
    unsigned int port = 8091;
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD;
    const char *path = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--port") == 0)
            port = (unsigned int)strtoul(v, NULL, 10);
        else if (strcmp(a, "--file") == 0)
            path = v;
        else if (strcmp(a, "--block") == 0)
            block = (size_t)strtoul(v, NULL, 10);
        else if (strcmp(a, "--mode") == 0 && mode_flags(v) != 0)
            flags = mode_flags(v);
        else
            argc = 0; /* usage below */
    }
    if (argc % 2 == 0 || path == NULL || block == 0) {
        fprintf(stderr, "usage: %s --file PATH [--port P] [--mode M] [--block N]\n", argv[0]);
        return 2;
    }
    file_fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (file_fd < 0 || fstat(file_fd, &st) != 0) {
        perror(path);
        return 1;
    }
    file_size = (uint64_t)st.st_size;
    source = malloc(SOURCE_LEN);
    if (source == NULL)
        return 1;
    for (size_t i = 0; i < SOURCE_LEN; i++)
        source[i] = (char)('a' + i % 26);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct MHD_Daemon *d =
        MHD_start_daemon(flags | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, handler, NULL,
                         MHD_OPTION_CONNECTION_TIMEOUT, 120u, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "cannot start the daemon on port %u\n", port);
        return 1;
    }
    printf("listening on %u (%s)\n", port, MHD_get_version());
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    close(file_fd);
    free(source);
    return 0;
}
