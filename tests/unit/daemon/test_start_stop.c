/* Starting and stopping daemons: flag checks, option parsing (including
 * MHD_OPTION_ARRAY and every argument type), effective flags, daemon info,
 * the external-loop functions in the wrong mode, restart on the same port,
 * quiesce. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
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

static int log_count;

static void logger(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    (void)fmt;
    (void)ap;
    log_count++;
}

static uint16_t port_of(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    return i ? i->port : 0;
}

static void test_null_handler(void)
{
    /* No option list at all: it must not be read. */
    CHECK(MHD_start_daemon(MHD_USE_ERROR_LOG, 0, NULL, NULL, NULL, NULL) == NULL);
}

static void test_invalid_flags(void)
{
    static const unsigned int bad[] = {
        MHD_USE_POLL | MHD_USE_EPOLL | MHD_USE_INTERNAL_POLLING_THREAD,
        MHD_USE_EPOLL | MHD_USE_THREAD_PER_CONNECTION,
        MHD_USE_POLL,
        MHD_USE_AUTO | MHD_USE_POLL_INTERNAL_THREAD,
        MHD_USE_NO_THREAD_SAFETY | MHD_USE_INTERNAL_POLLING_THREAD,
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct MHD_Daemon *d = MHD_start_daemon(bad[i], 0, NULL, NULL, handler, NULL,
                                                MHD_OPTION_END);
        CHECK_MSG(d == NULL, "flags 0x%x started", bad[i]);
        if (d)
            MHD_stop_daemon(d);
    }
    struct MHD_Daemon *d = MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL,
                                            MHD_OPTION_THREAD_POOL_SIZE, 4u, MHD_OPTION_END);
    CHECK(d == NULL);
    d = MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL, MHD_OPTION_APP_FD_SETSIZE, 0,
                         MHD_OPTION_END);
    CHECK(d == NULL);
    /* An unknown option stops the start. */
    d = MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL, (enum MHD_OPTION)9999, 1,
                         MHD_OPTION_END);
    CHECK(d == NULL);
}

static void test_sock_addr(void)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR_LEN,
                         (socklen_t)(sizeof(sa) - 1), &sa, MHD_OPTION_END);
    CHECK(d == NULL);
    d = MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                         MHD_OPTION_END);
    CHECK(d != NULL && port_of(d) != 0);
    MHD_stop_daemon(d);
    d = MHD_start_daemon(MHD_USE_IPv6, 0, NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR, &sa,
                         MHD_OPTION_END);
    CHECK(d == NULL);
}

/* Every argument type, in a list and in an array, followed by an option
 * whose value is checked: a misread type would show there. */
static void test_all_option_types(void)
{
    static char random_buf[16] = "0123456789abcdef";
    struct MHD_OptionItem inner[] = {
        {MHD_OPTION_CONNECTION_TIMEOUT, 7, NULL},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem items[] = {
        {MHD_OPTION_CONNECTION_MEMORY_LIMIT, 65536, NULL},
        {MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)logger, NULL},
        {MHD_OPTION_DIGEST_AUTH_RANDOM, sizeof(random_buf), random_buf},
        {MHD_OPTION_ARRAY, 0, inner},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_ERROR_LOG, 0, NULL, NULL, handler, NULL, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)16384, MHD_OPTION_CONNECTION_LIMIT, 100u, MHD_OPTION_PER_IP_CONNECTION_LIMIT, 4u,
        MHD_OPTION_NOTIFY_COMPLETED, NULL, NULL, MHD_OPTION_URI_LOG_CALLBACK, NULL, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, NULL, NULL, MHD_OPTION_DIGEST_AUTH_RANDOM_COPY,
        sizeof(random_buf), random_buf, MHD_OPTION_NONCE_NC_SIZE, 8u, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)0, MHD_OPTION_CONNECTION_MEMORY_INCREMENT, (size_t)1024,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 32u, MHD_OPTION_STRICT_FOR_CLIENT, 1,
        MHD_OPTION_SERVER_INSANITY, 0u, MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1,
        MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE, 0u, MHD_OPTION_CLIENT_DISCIPLINE_LVL, 2,
        MHD_OPTION_APP_FD_SETSIZE, (int)FD_SETSIZE, MHD_OPTION_SOCK_ADDR_LEN, (socklen_t)0, NULL,
        MHD_OPTION_DIGEST_AUTH_DEFAULT_NONCE_TIMEOUT, 30u, MHD_OPTION_DIGEST_AUTH_DEFAULT_MAX_NC,
        (uint32_t)50, MHD_OPTION_LISTEN_SOCKET, MHD_INVALID_SOCKET, MHD_OPTION_ARRAY, items,
        MHD_OPTION_NOTIFY_CONNECTION, NULL, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
        MHD_OPTION_END);
    CHECK(d != NULL);
    if (d != NULL) {
        CHECK(port_of(d) != 0);
        const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        CHECK(i != NULL && i->num_connections == 0);
        MHD_stop_daemon(d);
    }
    /* TLS options without MHD_USE_TLS are read and ignored. */
    d = MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL, MHD_OPTION_HTTPS_MEM_KEY, "k",
                         MHD_OPTION_HTTPS_MEM_CERT, "c", MHD_OPTION_HTTPS_CRED_TYPE, 1,
                         MHD_OPTION_HTTPS_CERT_CALLBACK, NULL, MHD_OPTION_GNUTLS_PSK_CRED_HANDLER,
                         NULL, NULL, MHD_OPTION_TLS_NO_ALPN, 1, MHD_OPTION_CONNECTION_LIMIT, 5u,
                         MHD_OPTION_END);
    CHECK(d != NULL);
    MHD_stop_daemon(d);
}

static void test_modes_and_info(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            handler, NULL, MHD_OPTION_END);
    CHECK(d != NULL);
    CHECK_EQ_INT(MHD_run(d), MHD_NO);
    fd_set rs;
    FD_ZERO(&rs);
    MHD_socket max = -1;
    CHECK_EQ_INT(MHD_get_fdset(d, &rs, &rs, &rs, &max), MHD_NO);
    uint64_t to;
    CHECK_EQ_INT(MHD_get_timeout64(d, &to), MHD_NO);
    CHECK_EQ_INT(MHD_get_timeout_i(d), -1);
    const union MHD_DaemonInfo *fi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_FLAGS);
    CHECK(fi != NULL && (fi->flags & MHD_USE_INTERNAL_POLLING_THREAD));
    CHECK(MHD_get_daemon_info(d, MHD_DAEMON_INFO_KEY_SIZE) == NULL);
    CHECK(MHD_get_daemon_info(NULL, MHD_DAEMON_INFO_FLAGS) == NULL);
    uint16_t port = port_of(d);
    MHD_stop_daemon(d);

    /* The same port again at once (SO_REUSEADDR). */
    d = MHD_start_daemon(MHD_USE_AUTO, port, NULL, NULL, handler, NULL, MHD_OPTION_END);
    CHECK(d != NULL && port_of(d) == port);
    fi = MHD_get_daemon_info(d, MHD_DAEMON_INFO_FLAGS);
    CHECK(fi != NULL && (fi->flags & MHD_USE_EPOLL));
    const union MHD_DaemonInfo *ei = MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);
    CHECK(ei != NULL && ei->epoll_fd >= 0);
    for (int i = 0; i < 15; i++) {
        FD_ZERO(&rs);
        max = -1;
        CHECK_EQ_INT(MHD_get_fdset(d, &rs, &rs, &rs, &max), MHD_YES);
        CHECK(max == ei->epoll_fd);
        CHECK_EQ_INT(MHD_run(d), MHD_YES);
    }
    CHECK_EQ_INT(MHD_get_timeout64(d, &to), MHD_NO); /* nothing to wait for */
    MHD_stop_daemon(d);

    d = MHD_start_daemon(MHD_NO_FLAG, 0, NULL, NULL, handler, NULL, MHD_OPTION_END);
    for (int i = 0; i < 15; i++) {
        FD_ZERO(&rs);
        max = -1;
        CHECK_EQ_INT(MHD_get_fdset(d, &rs, &rs, &rs, &max), MHD_YES);
        CHECK(max >= 0);
        CHECK_EQ_INT(MHD_run(d), MHD_YES);
    }
    CHECK_EQ_INT(MHD_run_wait(d, 0), MHD_YES);
    MHD_stop_daemon(d);
    MHD_stop_daemon(NULL);
}

static void test_quiesce(void)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                            handler, NULL, MHD_OPTION_END);
    CHECK_EQ_INT(MHD_quiesce_daemon(d), MHD_INVALID_SOCKET); /* threads without ITC */
    MHD_stop_daemon(d);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC, 0, NULL, NULL, handler,
                         NULL, MHD_OPTION_END);
    uint16_t port = port_of(d);
    MHD_socket fd = MHD_quiesce_daemon(d);
    CHECK(fd != MHD_INVALID_SOCKET);
    CHECK_EQ_INT(MHD_quiesce_daemon(d), MHD_INVALID_SOCKET);
    struct MHD_Daemon *d2 = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
                                             handler, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
                                             MHD_OPTION_END);
    CHECK(d2 != NULL && port_of(d2) == port);
    MHD_stop_daemon(d);
    MHD_stop_daemon(d2); /* closes the socket it was given */
    CHECK(close(fd) != 0 && errno == EBADF);
    d = MHD_start_daemon(MHD_USE_NO_LISTEN_SOCKET, 0, NULL, NULL, handler, NULL, MHD_OPTION_END);
    CHECK(d != NULL);
    CHECK_EQ_INT(MHD_quiesce_daemon(d), MHD_INVALID_SOCKET);
    const union MHD_DaemonInfo *li = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    CHECK(li != NULL && li->listen_fd == MHD_INVALID_SOCKET);
    MHD_stop_daemon(d);
}

int main(void)
{
    test_null_handler();
    test_invalid_flags();
    test_sock_addr();
    test_all_option_types();
    test_modes_and_info();
    test_quiesce();
    return check_done();
}
