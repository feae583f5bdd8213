/* The bridge between a connection and the pure authentication code: what a
 * request carries (Authorization header, method, path, arguments, client
 * address) is gathered here through the public accessors, and challenges
 * leave through the public response API. Nothing here keeps state; every
 * pointer handed on is borrowed from the connection for the duration of
 * one public call on the connection's thread. */
#include "api/auth_conn.h"

#include <netinet/in.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "conn/conn.h"
#include "util/alloc.h"

struct header_search {
    const char *scheme;
    const char *value;
    size_t len;
    bool found;
};

static enum MHD_Result match_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
    static const char name[] = MHD_HTTP_HEADER_AUTHORIZATION;
    struct header_search *hs = cls;
    size_t rest;
    (void)kind;
    if (key == NULL || value == NULL || key_size != sizeof(name) - 1 ||
        strncasecmp(key, name, key_size) != 0)
        return MHD_YES;
    if (!mhd_auth_match_scheme(value, value_size, hs->scheme, &rest))
        return MHD_YES;
    hs->value = value;
    hs->len = value_size;
    hs->found = true;
    return MHD_NO; /* the first one wins */
}

bool mhd_auth_conn_header(struct MHD_Connection *c, const char *scheme, const char **value,
                          size_t *len)
{
    struct header_search hs = {scheme, NULL, 0, false};
    if (c == NULL)
        return false;
    (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, match_header, &hs);
    if (!hs.found)
        return false;
    *value = hs.value;
    *len = hs.len;
    return true;
}

struct arg_walk {
    mhd_auth_arg_visit visit;
    void *ctx;
};

static enum MHD_Result visit_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 size_t key_size, const char *value, size_t value_size)
{
    const struct arg_walk *w = cls;
    (void)kind;
    if (key == NULL)
        return MHD_YES;
    w->visit(w->ctx, key, key_size, value, value != NULL ? value_size : 0);
    return MHD_YES;
}

static void walk_conn_args(const void *cls, mhd_auth_arg_visit visit, void *ctx)
{
    const struct mhd_auth_conn *ac = cls;
    struct arg_walk w = {visit, ctx};
    (void)MHD_get_connection_values_n(ac->conn, MHD_GET_ARGUMENT_KIND, visit_arg, &w);
}

/* The connection reports its peer without a length; the family tells. */
static size_t addr_len(const struct sockaddr *sa)
{
    switch (sa->sa_family) {
    case AF_INET:
        return sizeof(struct sockaddr_in);
    case AF_INET6:
        return sizeof(struct sockaddr_in6);
    default:
        return sizeof(sa_family_t);
    }
}

bool mhd_auth_conn_request(struct MHD_Connection *c, struct mhd_auth_conn *ac)
{
    memset(ac, 0, sizeof(*ac));
    if (c == NULL)
        return false;
    const char *method = mhd_conn_method(c);
    const char *path = mhd_conn_path(c);
    if (method == NULL || path == NULL)
        return false;
    struct mhd_auth_request *req = &ac->req;
    ac->conn = c;
    if (!mhd_auth_conn_header(c, "Digest", &req->authorization, &req->authorization_len)) {
        req->authorization = NULL;
        req->authorization_len = 0;
    }
    req->method = method;
    req->method_len = strlen(method);
    req->path = path;
    req->path_len = strlen(path);
    req->walk_args = walk_conn_args;
    req->args_cls = ac;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci != NULL && ci->client_addr != NULL) {
        req->client_addr = ci->client_addr;
        req->client_addr_len = addr_len(ci->client_addr);
    }
    req->dauth = mhd_conn_dauth(c);
    req->now_ms = mhd_dauth_now_ms();
    return true;
}

enum MHD_Result mhd_auth_queue_challenge(struct MHD_Connection *c, struct MHD_Response *response,
                                         char *value)
{
    enum MHD_Result ret = MHD_NO;
    if (c != NULL && response != NULL && value != NULL &&
        MHD_add_response_header(response, MHD_HTTP_HEADER_WWW_AUTHENTICATE, value) == MHD_YES)
        ret = MHD_queue_response(c, MHD_HTTP_UNAUTHORIZED, response);
    mhd_free(value);
    return ret;
}
