#include "client.h"
#include "slow.h"
#include "tlstest.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct sink {
    char *p;
    size_t len;
    size_t cap;
};

static size_t sink_write(char *data, size_t size, size_t n, void *ud)
{
    struct sink *s = ud;
    size_t add = size * n;
    if (s->len + add + 1 > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->len + add + 1)
            cap *= 2;
        char *p = realloc(s->p, cap);
        if (p == NULL)
            return 0;
        s->p = p;
        s->cap = cap;
    }
    memcpy(s->p + s->len, data, add);
    s->len += add;
    s->p[s->len] = '\0';
    return add;
}

struct upload {
    const char *p;
    size_t left;
};

static size_t upload_read(char *buf, size_t size, size_t n, void *ud)
{
    struct upload *u = ud;
    size_t k = size * n < u->left ? size * n : u->left;
    memcpy(buf, u->p, k);
    u->p += k;
    u->left -= k;
    return k;
}

void tc_set_url(CURL *curl, uint16_t port, const char *path)
{
    char url[4096];
    snprintf(url, sizeof(url), "%s://127.0.0.1:%u%s", tt_on() ? "https" : "http",
             (unsigned int)port, path ? path : "/");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    if (tt_on())
        curl_easy_setopt(curl, CURLOPT_CAINFO, tt_path("ca.pem"));
}

void tc_perform(CURL *curl, uint16_t port, const struct tc_request *rq, struct tc_reply *out)
{
    memset(out, 0, sizeof(*out));
    struct sink body = {0}, head = {0};
    struct upload up = {rq->body, rq->body_len};
    struct curl_slist *hl = NULL;
    for (const char *const *h = rq->headers; h && *h; h++)
        hl = curl_slist_append(hl, *h);
    if (rq->chunked)
        hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
    tc_set_url(curl, port, rq->path);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, sink_write);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, test_ms(rq->timeout_ms ? rq->timeout_ms : 10000L));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hl);
    long version = CURL_HTTP_VERSION_1_1;
    if (rq->http10)
        version = CURL_HTTP_VERSION_1_0;
    else if (th_on())
        version = tt_on() ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
    curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, version);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
    if (rq->body != NULL) {
        curl_easy_setopt(curl, CURLOPT_UPLOAD, 0L);
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
        curl_easy_setopt(curl, CURLOPT_READDATA, &up);
        if (!rq->chunked)
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
        else
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    } else {
        curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
        if (rq->method != NULL)
            curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    /* After HTTPGET/POST, which reset it. */
    bool is_head = rq->method != NULL && strcmp(rq->method, "HEAD") == 0;
    curl_easy_setopt(curl, CURLOPT_NOBODY, is_head ? 1L : 0L);
    out->code = curl_easy_perform(curl);
    if (out->code == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out->status);
        curl_easy_getinfo(curl, CURLINFO_HTTP_VERSION, &out->http_version);
        curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &out->connects);
        /* A run over HTTP/2 that quietly fell back to HTTP/1.1 proves
         * nothing: the reply does not count. */
        if ((version == CURL_HTTP_VERSION_2TLS || version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE) &&
            out->http_version != CURL_HTTP_VERSION_2_0) {
            fprintf(stderr, "%s: HTTP/2 asked for, version %ld answered\n", rq->path,
                    out->http_version);
            out->status = -1;
        }
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hl);
    out->body = body.p ? body.p : calloc(1, 1);
    out->body_len = body.len;
    out->headers = head.p ? head.p : calloc(1, 1);
    out->headers_len = head.len;
}

void tc_get(uint16_t port, const char *path, struct tc_reply *out)
{
    CURL *c = curl_easy_init();
    struct tc_request rq = {0};
    rq.path = path;
    tc_perform(c, port, &rq, out);
    curl_easy_cleanup(c);
}

bool tc_header(const struct tc_reply *r, const char *name, char *buf, size_t cap)
{
    size_t n = strlen(name);
    const char *p = r->headers;
    while (p && *p) {
        const char *eol = strstr(p, "\r\n");
        size_t line = eol ? (size_t)(eol - p) : strlen(p);
        if (line > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t vl = line - (size_t)(v - p);
            if (vl >= cap)
                vl = cap - 1;
            memcpy(buf, v, vl);
            buf[vl] = '\0';
            return true;
        }
        p = eol ? eol + 2 : NULL;
    }
    return false;
}

bool tc_is_chunked(const struct tc_reply *r)
{
    char v[64];
    if (r->http_version == CURL_HTTP_VERSION_2_0)
        return !tc_header(r, "Transfer-Encoding", v, sizeof(v)) &&
               !tc_header(r, "Content-Length", v, sizeof(v));
    return tc_header(r, "Transfer-Encoding", v, sizeof(v)) && strcmp(v, "chunked") == 0;
}

void tc_reply_free(struct tc_reply *r)
{
    free(r->body);
    free(r->headers);
    r->body = r->headers = NULL;
}

int rs_connect(uint16_t port)
{
    if (tt_on())
        return tt_connect_raw(port);
    return rs_connect_tcp(port);
}

int rs_connect_tcp(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
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

uint16_t rs_local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        return 0;
    return ntohs(sa.sin_port);
}

static long long mono_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

long rs_wait_closed(int fd, int limit_ms, int *first)
{
    long long t0 = mono_ms();
    char buf[4096];
    if (first != NULL)
        *first = -1;
    for (;;) {
        long long left = limit_ms - (mono_ms() - t0);
        struct pollfd p = {fd, POLLIN, 0};
        if (left <= 0 || poll(&p, 1, (int)left) <= 0)
            return -1;
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return (long)(mono_ms() - t0);
        if (first != NULL && *first < 0)
            *first = (unsigned char)buf[0];
    }
}

bool rs_send(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        p += n;
        len -= (size_t)n;
    }
    return true;
}

size_t rs_recv(int fd, char *buf, size_t cap, int timeout_ms, bool *closed)
{
    size_t len = 0;
    if (closed)
        *closed = false;
    while (len + 1 < cap) {
        struct pollfd p = {fd, POLLIN, 0};
        int r = poll(&p, 1, (int)test_ms(timeout_ms));
        if (r <= 0)
            break;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (closed)
                *closed = true;
            break;
        }
        len += (size_t)n;
    }
    buf[len] = '\0';
    return len;
}

/* Length of the complete response at buf, 0 if it is not complete yet. */
static size_t complete_len(const char *buf, size_t len)
{
    const char *end = strstr(buf, "\r\n\r\n");
    if (end == NULL)
        return 0;
    size_t head = (size_t)(end - buf) + 4;
    const char *cl = strcasestr(buf, "\r\nContent-Length:");
    if (cl == NULL || cl > end)
        return 0;
    size_t body = (size_t)strtoul(cl + 17, NULL, 10);
    return len >= head + body ? head + body : 0;
}

size_t rs_recv_response(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t len = 0;
    buf[0] = '\0';
    while (len + 1 < cap) {
        if (complete_len(buf, len))
            return len;
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)test_ms(timeout_ms)) <= 0)
            return 0;
        ssize_t n = recv(fd, buf + len, cap - 1 - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    return len;
}

size_t rs_recv_until(int fd, char *buf, size_t cap, const char *marker, int timeout_ms)
{
    size_t len = 0;
    buf[0] = '\0';
    while (len + 1 < cap && strstr(buf, marker) == NULL) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, (int)test_ms(timeout_ms)) <= 0)
            break;
        /* One byte at a time: nothing after the marker is consumed. */
        ssize_t n = recv(fd, buf + len, 1, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        buf[len] = '\0';
    }
    return len;
}

size_t rs_exchange(uint16_t port, const char *request, size_t len, char *buf, size_t cap,
                   int timeout_ms)
{
    int fd = rs_connect(port);
    if (fd < 0) {
        buf[0] = '\0';
        return 0;
    }
    rs_send(fd, request, len);
    size_t n = rs_recv(fd, buf, cap, timeout_ms, NULL);
    close(fd);
    return n;
}

int rs_status(const char *resp)
{
    if (strncmp(resp, "HTTP/1.", 7) != 0 || strlen(resp) < 12)
        return 0;
    return (int)strtol(resp + 9, NULL, 10);
}

int rs_count_responses(const char *buf)
{
    int n = 0;
    for (const char *p = buf; (p = strstr(p, "HTTP/1.1 ")) != NULL; p += 9)
        n++;
    return n;
}
