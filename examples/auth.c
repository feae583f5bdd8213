/* A small server with password-protected pages.
 *
 *   /        an index page linking the two protected pages
 *   /basic   Basic authentication (user "admin", password "secret")
 *   /digest  Digest authentication with SHA-256 (same credentials)
 *
 * Usage: auth [port]   (default 8081, on 127.0.0.1 unless the environment
 *        names LISTEN_ADDRESS, e.g. 0.0.0.0; Ctrl-C stops it)
 * Try:   curl -u admin:secret http://127.0.0.1:8081/basic
 *        curl --digest -u admin:secret http://127.0.0.1:8081/digest
 *
 * The credentials are compiled in to keep the example short; a real server
 * would store a digest (MHD_digest_auth_calc_userdigest) rather than the
 * password, and serve these pages over TLS only. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "microhttpd.h"

#define USERNAME "admin"
#define PASSWORD "secret"
#define REALM "Example realm"
/* Sent back unchanged by Digest clients; any fixed string will do. */
#define OPAQUE "5ccc069c403ebaf9f0171e9517f40e41"

static const char INDEX_PAGE[] =
    "<!DOCTYPE html>\n<html><head><title>Authentication example</title></head><body>\n"
    "<h1>Authentication example</h1>\n<ul>\n"
    "<li><a href=\"/basic\">Basic authentication</a></li>\n"
    "<li><a href=\"/digest\">Digest authentication (SHA-256)</a></li>\n"
    "</ul>\n<p>User <code>" USERNAME "</code>, password <code>" PASSWORD "</code>.</p>\n"
    "</body></html>\n";

static const char DENIED_PAGE[] = "<!DOCTYPE html>\n<html><head><title>Denied</title></head>"
                                  "<body><p>Access denied.</p></body></html>\n";

static struct MHD_Response *html_response(const char *page)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(strlen(page), page);
    if (r != NULL)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    return r;
}

static enum MHD_Result send_page(struct MHD_Connection *c, unsigned int status, const char *page)
{
    struct MHD_Response *r = html_response(page);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char BASIC_OK_PAGE[] =
    "<!DOCTYPE html>\n<html><head><title>Basic</title></head>"
    "<body><p>Welcome, you passed Basic authentication.</p><p><a href=\"/\">Back</a></p>"
    "</body></html>\n";

static const char DIGEST_OK_PAGE[] =
    "<!DOCTYPE html>\n<html><head><title>Digest</title></head>"
    "<body><p>Welcome, you passed Digest authentication.</p><p><a href=\"/\">Back</a></p>"
    "</body></html>\n";

static bool basic_credentials_ok(struct MHD_Connection *c)
{
    struct MHD_BasicAuthInfo *info = MHD_basic_auth_get_username_password3(c);
    if (info == NULL)
        return false;
    bool ok = info->username_len == strlen(USERNAME) &&
              memcmp(info->username, USERNAME, info->username_len) == 0 && info->password != NULL &&
              info->password_len == strlen(PASSWORD) &&
              memcmp(info->password, PASSWORD, info->password_len) == 0;
    MHD_free(info);
    return ok;
}

static enum MHD_Result serve_basic(struct MHD_Connection *c)
{
    if (basic_credentials_ok(c))
        return send_page(c, MHD_HTTP_OK, BASIC_OK_PAGE);
    /* The 401 page is what a browser shows when the user cancels. */
    struct MHD_Response *r = html_response(DENIED_PAGE);
    if (r == NULL)
        return MHD_NO;
    enum MHD_Result ret = MHD_queue_basic_auth_required_response3(c, REALM, 1, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result serve_digest(struct MHD_Connection *c)
{
    enum MHD_DigestAuthResult res =
        MHD_digest_auth_check3(c, REALM, USERNAME, PASSWORD, 0, 0, MHD_DIGEST_AUTH_MULT_QOP_AUTH,
                               MHD_DIGEST_AUTH_MULT_ALGO3_SHA256);
    if (res == MHD_DAUTH_OK)
        return send_page(c, MHD_HTTP_OK, DIGEST_OK_PAGE);
    struct MHD_Response *r = html_response(DENIED_PAGE);
    if (r == NULL)
        return MHD_NO;
    /* A stale nonce is no reason to ask the user again: stale=true tells
     * the client to retry with the new nonce and the same password. */
    enum MHD_Result ret = MHD_queue_auth_required_response3(
        c, REALM, OPAQUE, NULL, r, res == MHD_DAUTH_NONCE_STALE, MHD_DIGEST_AUTH_MULT_QOP_AUTH,
        MHD_DIGEST_AUTH_MULT_ALGO3_SHA256, 0, 1);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    static int first_call_marker;
    (void)cls;
    (void)version;
    (void)upload_data;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return MHD_NO;
    /* Answer on the second call, so the connection can be kept alive. */
    if (*req_cls == NULL) {
        *req_cls = &first_call_marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0)
        return MHD_NO;
    if (strcmp(url, "/") == 0)
        return send_page(c, MHD_HTTP_OK, INDEX_PAGE);
    if (strcmp(url, "/basic") == 0)
        return serve_basic(c);
    if (strcmp(url, "/digest") == 0)
        return serve_digest(c);
    return send_page(c, MHD_HTTP_NOT_FOUND,
                     "<!DOCTYPE html>\n<html><body><p>Not found.</p></body></html>\n");
}

/* 127.0.0.1, or the IPv4 address named by the environment's LISTEN_ADDRESS
 * (0.0.0.0: every interface). Returns the address as text, NULL if invalid. */
static const char *listen_address(struct sockaddr_in *sa, uint16_t port)
{
    const char *env = getenv("LISTEN_ADDRESS");
    const char *text = env != NULL ? env : "127.0.0.1";
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (inet_pton(AF_INET, text, &sa->sin_addr) != 1) {
        fprintf(stderr, "LISTEN_ADDRESS: not an IPv4 address: %s\n", text);
        return NULL;
    }
    return text;
}

int main(int argc, char **argv)
{
    unsigned long port = 8081;
    if (argc > 1) {
        char *end;
        port = strtoul(argv[1], &end, 10);
        if (*end != '\0' || port == 0 || port > 65535) {
            fprintf(stderr, "usage: %s [port]\n", argv[0]);
            return 2;
        }
    }
    /* Block the stop signals before the daemon's threads start, so they
     * inherit the mask and only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct sockaddr_in sa;
    const char *host = listen_address(&sa, (uint16_t)port);
    if (host == NULL)
        return 2;
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, handler,
        NULL, MHD_OPTION_SOCK_ADDR_LEN, (socklen_t)sizeof(sa), &sa, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)30, MHD_OPTION_END);
    if (d == NULL)
        return 1; /* the library logged why */
    printf("Serving on http://%s:%lu/ (user \"%s\", password \"%s\"); Ctrl-C stops.\n", host,
           port, USERNAME, PASSWORD);
    fflush(stdout);
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    return 0;
}
