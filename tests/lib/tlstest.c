#include "tlstest.h"
#include "slow.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool tt_on(void)
{
    const char *s = getenv("TEST_TLS");
    return s != NULL && strcmp(s, "1") == 0;
}

bool th_on(void)
{
    const char *s = getenv("TEST_H2");
    return s != NULL && strcmp(s, "1") == 0;
}

static const char *cert_dir(void)
{
    static char dir[512];
    if (dir[0] == '\0') {
        const char *d = getenv("TEST_CERTS");
        const char *b = getenv("BUILD");
        if (d != NULL)
            snprintf(dir, sizeof(dir), "%s", d);
        else
            snprintf(dir, sizeof(dir), "%s/tests/certs", b != NULL ? b : "build");
    }
    return dir;
}

/* Paths and contents are kept for the life of the process. */
#define MAX_FILES 32
static struct {
    char name[64];
    char path[600];
    char *data;
} files[MAX_FILES];
static pthread_mutex_t files_lock = PTHREAD_MUTEX_INITIALIZER;

static int file_slot(const char *name)
{
    int i;
    for (i = 0; i < MAX_FILES && files[i].name[0] != '\0'; i++)
        if (strcmp(files[i].name, name) == 0)
            return i;
    if (i == MAX_FILES)
        abort();
    snprintf(files[i].name, sizeof(files[i].name), "%s", name);
    snprintf(files[i].path, sizeof(files[i].path), "%s/%s", cert_dir(), name);
    return i;
}

const char *tt_path(const char *name)
{
    pthread_mutex_lock(&files_lock);
    const char *p = files[file_slot(name)].path;
    pthread_mutex_unlock(&files_lock);
    return p;
}

const char *tt_file(const char *name)
{
    pthread_mutex_lock(&files_lock);
    int i = file_slot(name);
    if (files[i].data == NULL) {
        FILE *f = fopen(files[i].path, "rb");
        if (f != NULL) {
            char *buf = calloc(1, 65536);
            size_t n = buf ? fread(buf, 1, 65535, f) : 0;
            fclose(f);
            if (n > 0)
                files[i].data = buf;
            else
                free(buf);
        }
        if (files[i].data == NULL)
            fprintf(stderr, "tlstest: cannot read %s (run make tests)\n", files[i].path);
    }
    const char *d = files[i].data;
    pthread_mutex_unlock(&files_lock);
    return d;
}

/* ---- the client proxy --------------------------------------------------- */

#define BUF 16384

struct proxy {
    struct proxy *next;
    pthread_t thread;
    atomic_bool done;
    int local; /* our end of the socketpair */
    int tcp;
    gnutls_session_t s;
    char up[BUF]; /* local -> server */
    size_t up_len, up_off;
    char down[BUF]; /* server -> local */
    size_t down_len, down_off;
    bool local_eof, server_eof, local_shut, bye_sent, local_gone;
};

static pthread_mutex_t proxies_lock = PTHREAD_MUTEX_INITIALIZER;
static struct proxy *proxies;
static atomic_bool stopping;
static gnutls_certificate_credentials_t client_cred;

static void reap(bool all)
{
    pthread_mutex_lock(&proxies_lock);
    struct proxy **pp = &proxies;
    while (*pp != NULL) {
        struct proxy *p = *pp;
        if (all || atomic_load(&p->done)) {
            *pp = p->next;
            pthread_join(p->thread, NULL);
            free(p);
        } else {
            pp = &p->next;
        }
    }
    pthread_mutex_unlock(&proxies_lock);
}

void tt_join_all(void)
{
    atomic_store(&stopping, true);
    reap(true);
    atomic_store(&stopping, false);
}

/* One round of moving bytes; true when anything moved. Sets *want_tcp and
 * *want_local to the poll events each side waits for. */
static bool step(struct proxy *p, short *want_tcp, short *want_local)
{
    bool progress = false;
    if (!p->server_eof && p->down_len == 0) {
        ssize_t n = gnutls_record_recv(p->s, p->down, sizeof(p->down));
        if (n > 0) {
            p->down_len = (size_t)n;
            p->down_off = 0;
            progress = true;
        } else if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            *want_tcp |= gnutls_record_get_direction(p->s) ? POLLOUT : POLLIN;
        } else if (n == 0 || gnutls_error_is_fatal((int)n)) {
            p->server_eof = true;
            progress = true;
        }
    }
    if (p->down_off < p->down_len) {
        ssize_t n = send(p->local, p->down + p->down_off, p->down_len - p->down_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            p->down_off += (size_t)n;
            progress = true;
            if (p->down_off == p->down_len)
                p->down_off = p->down_len = 0;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            *want_local |= POLLOUT;
        } else if (n < 0 && errno != EINTR) {
            p->local_gone = true; /* the test closed its socket */
            return true;
        }
    }
    if (p->server_eof && p->down_len == 0 && !p->local_shut) {
        shutdown(p->local, SHUT_WR);
        p->local_shut = true;
        progress = true;
    }
    if (!p->local_eof && p->up_len == 0) {
        ssize_t n = recv(p->local, p->up, sizeof(p->up), MSG_DONTWAIT);
        if (n > 0) {
            p->up_len = (size_t)n;
            p->up_off = 0;
            progress = true;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            *want_local |= POLLIN;
        } else if (n == 0 || errno != EINTR) {
            p->local_eof = true;
            progress = true;
        }
    }
    if (p->up_off < p->up_len) {
        ssize_t n = gnutls_record_send(p->s, p->up + p->up_off, p->up_len - p->up_off);
        if (n > 0) {
            p->up_off += (size_t)n;
            progress = true;
            if (p->up_off == p->up_len)
                p->up_off = p->up_len = 0;
        } else if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
            *want_tcp |= POLLOUT;
        } else {
            p->up_off = p->up_len = 0; /* the server is gone */
            p->local_eof = p->bye_sent = true;
            progress = true;
        }
    }
    if (p->local_eof && p->up_len == 0 && !p->bye_sent) {
        int rc = gnutls_bye(p->s, GNUTLS_SHUT_WR);
        if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
            *want_tcp |= POLLOUT;
        } else {
            shutdown(p->tcp, SHUT_WR);
            p->bye_sent = true;
            progress = true;
        }
    }
    return progress;
}

static void *proxy_main(void *arg)
{
    struct proxy *p = arg;
    while (!atomic_load(&stopping) && !p->local_gone && !(p->local_shut && p->bye_sent)) {
        short want_tcp = 0, want_local = 0;
        if (step(p, &want_tcp, &want_local) || gnutls_record_check_pending(p->s) > 0)
            continue;
        struct pollfd pf[2] = {{p->tcp, want_tcp, 0}, {p->local, want_local, 0}};
        poll(pf, 2, 100);
    }
    gnutls_deinit(p->s);
    close(p->tcp);
    close(p->local);
    atomic_store(&p->done, true);
    return NULL;
}

static pthread_once_t cred_once = PTHREAD_ONCE_INIT;

static void free_cred(void)
{
    tt_join_all();
    gnutls_certificate_free_credentials(client_cred);
}

static void init_cred(void)
{
    gnutls_certificate_allocate_credentials(&client_cred);
    gnutls_certificate_set_x509_trust_file(client_cred, tt_path("ca.pem"), GNUTLS_X509_FMT_PEM);
    atexit(free_cred);
}

static int tcp_connect(uint16_t port, const char *src_ip)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    if (src_ip != NULL) {
        inet_pton(AF_INET, src_ip, &sa.sin_addr);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            close(fd);
            return -1;
        }
    }
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

static int connect_tls(uint16_t port, const char *sni, const char *src_ip, bool eof_on_fail)
{
    pthread_once(&cred_once, init_cred);
    reap(false);
    struct proxy *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return -1;
    int sv[2] = {-1, -1};
    p->tcp = tcp_connect(port, src_ip);
    if (p->tcp < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        goto fail;
    gnutls_init(&p->s, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
    gnutls_set_default_priority(p->s);
    gnutls_credentials_set(p->s, GNUTLS_CRD_CERTIFICATE, client_cred);
    gnutls_session_set_verify_cert(p->s, sni ? sni : "localhost", 0);
    if (sni != NULL)
        gnutls_server_name_set(p->s, GNUTLS_NAME_DNS, sni, strlen(sni));
    gnutls_transport_set_int(p->s, p->tcp);
    gnutls_handshake_set_timeout(p->s, (unsigned int)test_ms(10000));
    int rc;
    do
        rc = gnutls_handshake(p->s);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0) {
        if (getenv("TT_DEBUG"))
            fprintf(stderr, "tlstest: handshake with port %u failed: %s\n", (unsigned int)port,
                    gnutls_strerror(rc));
        gnutls_deinit(p->s);
        if (eof_on_fail) {
            close(p->tcp);
            close(sv[1]);
            free(p);
            return sv[0];
        }
        goto fail;
    }
    fcntl(p->tcp, F_SETFL, fcntl(p->tcp, F_GETFL) | O_NONBLOCK);
    p->local = sv[1];
    atomic_init(&p->done, false);
    pthread_mutex_lock(&proxies_lock);
    if (pthread_create(&p->thread, NULL, proxy_main, p) != 0) {
        pthread_mutex_unlock(&proxies_lock);
        gnutls_deinit(p->s);
        goto fail;
    }
    p->next = proxies;
    proxies = p;
    pthread_mutex_unlock(&proxies_lock);
    return sv[0];
fail:
    if (p->tcp >= 0)
        close(p->tcp);
    if (sv[0] >= 0) {
        close(sv[0]);
        close(sv[1]);
    }
    free(p);
    return -1;
}

int tt_connect(uint16_t port, const char *sni)
{
    return connect_tls(port, sni, NULL, false);
}

int tt_connect_from(uint16_t port, const char *src_ip)
{
    return connect_tls(port, NULL, src_ip, false);
}

int tt_connect_raw(uint16_t port)
{
    return connect_tls(port, NULL, NULL, true);
}
