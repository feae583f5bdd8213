/* Every refusal of MHD_start_daemon comes with a logged reason: a NULL
 * access handler (on stderr, since the option list is not read), invalid
 * flag combinations and options (through the application's logger), and a
 * port in use, whose message names the address and the port. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "microhttpd.h"

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)c;
    (void)url;
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    (void)req_cls;
    return MHD_NO;
}

/* The messages the application's logger received, one per line. */
static char logged[4096];

static void logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    size_t n = strlen(logged);
    if (n + 2 >= sizeof(logged))
        return;
    vsnprintf(logged + n, sizeof(logged) - n - 1, fmt, ap);
    strcat(logged, "\n");
}

/* Runs MHD_start_daemon(flags, 0, NULL, NULL, NULL, NULL) with stderr sent
 * to a file and returns what it wrote there. */
static const char *stderr_of_null_handler(unsigned int flags, struct MHD_Daemon **d)
{
    static char text[1024];
    FILE *tmp = tmpfile();
    int saved = dup(STDERR_FILENO);
    fflush(stderr);
    dup2(fileno(tmp), STDERR_FILENO);
    *d = MHD_start_daemon(flags, 0, NULL, NULL, NULL, NULL);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(text, 1, sizeof(text) - 1, tmp);
    text[n] = '\0';
    fclose(tmp);
    return text;
}

static void test_null_handler(void)
{
    struct MHD_Daemon *d;
    const char *err = stderr_of_null_handler(MHD_USE_ERROR_LOG, &d);
    CHECK(d == NULL);
    CHECK_MSG(strstr(err, "no access handler") != NULL, "stderr: \"%s\"", err);
    err = stderr_of_null_handler(MHD_NO_FLAG, &d);
    CHECK(d == NULL);
    CHECK_MSG(err[0] == '\0', "logged without MHD_USE_ERROR_LOG: \"%s\"", err);
}

static void expect_refusal_logged(unsigned int flags, const char *what, const char *needle, ...)
{
    logged[0] = '\0';
    va_list ap;
    va_start(ap, needle);
    struct MHD_Daemon *d = MHD_start_daemon_va(flags | MHD_USE_ERROR_LOG, 0, NULL, NULL, handler,
                                               NULL, ap);
    va_end(ap);
    CHECK_MSG(d == NULL, "%s: started", what);
    if (d != NULL)
        MHD_stop_daemon(d);
    CHECK_MSG(strstr(logged, needle) != NULL, "%s: logged \"%s\", want \"%s\"", what, logged,
              needle);
}

static void test_refusals_logged(void)
{
    expect_refusal_logged(MHD_USE_POLL | MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD,
                          "poll and epoll", "exclude", MHD_OPTION_EXTERNAL_LOGGER, logger, NULL,
                          MHD_OPTION_END);
    expect_refusal_logged(MHD_USE_EPOLL | MHD_USE_THREAD_PER_CONNECTION, "epoll and tpc",
                          "MHD_USE_EPOLL", MHD_OPTION_EXTERNAL_LOGGER, logger, NULL,
                          MHD_OPTION_END);
    expect_refusal_logged(MHD_USE_POLL, "poll without a thread", "MHD_USE_POLL",
                          MHD_OPTION_EXTERNAL_LOGGER, logger, NULL, MHD_OPTION_END);
    expect_refusal_logged(MHD_NO_FLAG, "pool without threads", "MHD_OPTION_THREAD_POOL_SIZE",
                          MHD_OPTION_EXTERNAL_LOGGER, logger, NULL, MHD_OPTION_THREAD_POOL_SIZE,
                          4u, MHD_OPTION_END);
    expect_refusal_logged(MHD_NO_FLAG, "unknown option", "Unknown option",
                          MHD_OPTION_EXTERNAL_LOGGER, logger, NULL, (enum MHD_OPTION)9999, 1,
                          MHD_OPTION_END);
}

/* A listening socket on 127.0.0.1 with a port the kernel chose. */
static int occupy(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("occupy");
        exit(1);
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static void test_port_in_use(void)
{
    uint16_t port;
    int fd = occupy(&port);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char want[64];
    snprintf(want, sizeof(want), "127.0.0.1:%u", (unsigned int)port);

    logged[0] = '\0';
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL, handler, NULL,
        MHD_OPTION_EXTERNAL_LOGGER, logger, NULL, MHD_OPTION_SOCK_ADDR_LEN,
        (socklen_t)sizeof(a), &a, MHD_OPTION_END);
    int err = errno;
    CHECK(d == NULL);
    if (d != NULL)
        MHD_stop_daemon(d);
    CHECK_EQ_INT(err, EADDRINUSE);
    CHECK_MSG(strstr(logged, want) != NULL, "logged \"%s\", want the address %s", logged, want);
    CHECK_MSG(strstr(logged, strerror(EADDRINUSE)) != NULL, "logged \"%s\"", logged);

    /* The default (wildcard) address is named too. */
    snprintf(want, sizeof(want), "0.0.0.0:%u", (unsigned int)port);
    logged[0] = '\0';
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL,
                         handler, NULL, MHD_OPTION_EXTERNAL_LOGGER, logger, NULL,
                         MHD_OPTION_LISTENING_ADDRESS_REUSE, 0u, MHD_OPTION_END);
    CHECK(d == NULL);
    if (d != NULL)
        MHD_stop_daemon(d);
    CHECK_MSG(strstr(logged, want) != NULL, "logged \"%s\", want the address %s", logged, want);
    close(fd);
}

int main(void)
{
    test_null_handler();
    test_refusals_logged();
    test_port_in_use();
    return check_done();
}
