/* The upload benchmark server: multipart/form-data bodies go through the
 * POST processor and the file data is written to /dev/null by the
 * iterator. Public API only; built once against Debian's libmicrohttpd and
 * once against ours (bench/upload.sh).
 *
 *   upload [--port P] [--mode M] [--buffer N] [--memory N]
 *
 * Modes: int-select, int-poll, int-epoll (default), pool-N (epoll, N
 * threads). --buffer is the processor's buffer size (default 32768);
 * --memory sets MHD_OPTION_CONNECTION_MEMORY_LIMIT (default: the library's).
 * Every POST is answered with "<file bytes> <iterator calls>\n"; any other
 * request with "ready\n". SIGINT or SIGTERM stops the server. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int MHD_RESULT;
#else
typedef enum MHD_Result MHD_RESULT;
#endif

static int null_fd = -1;
static size_t pp_buffer = 32768;

struct upload {
    struct MHD_PostProcessor *pp;
    uint64_t file_bytes;
    unsigned long calls;
    int failed;
};

static MHD_RESULT on_data(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
                          const char *content_type, const char *transfer_encoding, const char *data,
                          uint64_t off, size_t size)
{
    struct upload *u = cls;
    (void)kind;
    (void)key;
    (void)content_type;
    (void)transfer_encoding;
    (void)off;
    u->calls++;
    if (filename == NULL || size == 0)
        return MHD_YES;
    while (size > 0) {
        ssize_t n = write(null_fd, data, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return MHD_NO;
        data += n;
        size -= (size_t)n;
        u->file_bytes += (uint64_t)n;
    }
    return MHD_YES;
}

static MHD_RESULT send_text(struct MHD_Connection *c, unsigned int status, const char *text)
{
    struct MHD_Response *r;
#if MHD_VERSION >= 0x01000100
    r = MHD_create_response_from_buffer_copy(strlen(text), text);
#else
    r = MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
#endif
    if (r == NULL)
        return MHD_NO;
    MHD_RESULT ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The request state of anything but a POST. */
static int plain;

static MHD_RESULT handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                          const char *version, const char *upload_data, size_t *upload_data_size,
                          void **req_cls)
{
    (void)cls;
    (void)url;
    (void)version;
    if (*req_cls == NULL) {
        if (strcmp(method, "POST") != 0) {
            *req_cls = &plain;
            return MHD_YES;
        }
        struct upload *u = calloc(1, sizeof(*u));
        if (u == NULL)
            return MHD_NO;
        u->pp = MHD_create_post_processor(c, pp_buffer, on_data, u);
        if (u->pp == NULL)
            u->failed = 1;
        *req_cls = u;
        return MHD_YES;
    }
    if (*req_cls == &plain) {
        *upload_data_size = 0;
        return send_text(c, 200, "ready\n");
    }
    struct upload *u = *req_cls;
    if (*upload_data_size != 0) {
        if (!u->failed && MHD_post_process(u->pp, upload_data, *upload_data_size) != MHD_YES)
            u->failed = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (u->failed)
        return send_text(c, 400, "bad form\n");
    char out[64];
    snprintf(out, sizeof(out), "%llu %lu\n", (unsigned long long)u->file_bytes, u->calls);
    return send_text(c, 200, out);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    struct upload *u = *req_cls;
    *req_cls = NULL;
    if (u == NULL || (void *)u == (void *)&plain)
        return;
    if (u->pp != NULL)
        MHD_destroy_post_processor(u->pp);
    free(u);
}

int main(int argc, char **argv)
{
    unsigned int port = 8090;
    unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD;
    unsigned int threads = 0;
    size_t memory = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v == NULL) {
            fprintf(stderr, "option %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--port") == 0) {
            port = (unsigned int)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--buffer") == 0) {
            pp_buffer = (size_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--memory") == 0) {
            memory = (size_t)strtoul(v, NULL, 10);
        } else if (strcmp(a, "--mode") == 0) {
            if (strcmp(v, "int-select") == 0) {
                flags = MHD_USE_INTERNAL_POLLING_THREAD;
            } else if (strcmp(v, "int-poll") == 0) {
                flags = MHD_USE_POLL_INTERNAL_THREAD;
            } else if (strcmp(v, "int-epoll") == 0) {
                flags = MHD_USE_EPOLL_INTERNAL_THREAD;
            } else if (strncmp(v, "pool-", 5) == 0) {
                flags = MHD_USE_EPOLL_INTERNAL_THREAD;
                threads = (unsigned int)strtoul(v + 5, NULL, 10);
            } else {
                fprintf(stderr, "unknown mode %s\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    if (pp_buffer < 256) {
        fprintf(stderr, "--buffer must be at least 256\n");
        return 2;
    }
    null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (null_fd < 0) {
        perror("/dev/null");
        return 1;
    }
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct MHD_OptionItem opts[5];
    size_t n = 0;
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, NULL};
    opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL};
    if (threads != 0)
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL};
    if (memory != 0)
        opts[n++] =
            (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)memory, NULL};
    opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    struct MHD_Daemon *d = MHD_start_daemon(flags | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL,
                                            handler, NULL, MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "cannot start the daemon on port %u\n", port);
        return 1;
    }
    printf("listening on %u (%s)\n", port, MHD_get_version());
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    close(null_fd);
    return 0;
}
