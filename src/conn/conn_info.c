/* MHD_get_connection_info and MHD_set_connection_option. */
#include "conn/conn_internal.h"

#include <limits.h>
#include <stdarg.h>

#include "io/tls.h"
#include "util/alloc.h"

_MHD_EXTERN const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *connection, enum MHD_ConnectionInfoType info_type,
                        ...)
{
    struct MHD_Connection *c = connection;
    if (c == NULL)
        return NULL;
    if ((unsigned int)info_type >= MHD_CONN_INFO_SLOTS)
        return NULL;
    union MHD_ConnectionInfo *slots = atomic_load_explicit(&c->info, memory_order_acquire);
    if (slots == NULL) {
        union MHD_ConnectionInfo *mine = mhd_calloc(MHD_CONN_INFO_SLOTS, sizeof(*mine));
        if (mine == NULL)
            return NULL;
        if (atomic_compare_exchange_strong_explicit(&c->info, &slots, mine, memory_order_acq_rel,
                                                    memory_order_acquire))
            slots = mine;
        else
            mhd_free(mine); /* another thread's came first: `slots` is it */
    }
    union MHD_ConnectionInfo *out = &slots[info_type];
    /* What belongs to the connection, for a request of an HTTP/2 carrier,
     * is the carrier's; the answer goes to the request's own storage. */
    struct MHD_Connection *base = c->carrier != NULL ? c->carrier : c;
    switch (info_type) {
    case MHD_CONNECTION_INFO_CLIENT_ADDRESS:
        if (base->addr_len == 0)
            return NULL;
        out->client_addr = base->addr;
        return out;
    case MHD_CONNECTION_INFO_DAEMON:
        out->daemon = c->cfg->daemon;
        return out;
    case MHD_CONNECTION_INFO_CONNECTION_FD:
        out->connect_fd = base->item.poll.fd;
        return out;
    case MHD_CONNECTION_INFO_SOCKET_CONTEXT:
        out->socket_context = base->socket_context;
        return out;
    case MHD_CONNECTION_INFO_CONNECTION_SUSPENDED:
        out->suspended = c->item.suspended ? MHD_YES : MHD_NO;
        return out;
    case MHD_CONNECTION_INFO_CONNECTION_TIMEOUT: {
        uint64_t s = base->item.timeout_ms / 1000;
        out->connection_timeout = s > UINT_MAX ? UINT_MAX : (unsigned int)s;
        return out;
    }
    case MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE:
        if (c->busy == NULL || c->busy->rq.head_size == 0 || c->state == CONN_CLOSED)
            return NULL;
        out->header_size = c->busy->rq.head_size;
        return out;
    case MHD_CONNECTION_INFO_HTTP_STATUS:
        if (c->busy == NULL || c->busy->tx.resp == NULL)
            return NULL;
        out->http_status = c->busy->tx.status;
        return out;
    case MHD_CONNECTION_INFO_CIPHER_ALGO:
    case MHD_CONNECTION_INFO_PROTOCOL:
    case MHD_CONNECTION_INFO_GNUTLS_SESSION: {
        int cipher, protocol;
        void *session;
        if (!mhd_tls_info(&base->xp, &cipher, &protocol, &session))
            return NULL; /* a plain connection */
        if (info_type == MHD_CONNECTION_INFO_CIPHER_ALGO)
            out->cipher_algorithm = cipher;
        else if (info_type == MHD_CONNECTION_INFO_PROTOCOL)
            out->protocol = protocol;
        else
            out->tls_session = session;
        return out;
    }
    case MHD_CONNECTION_INFO_GNUTLS_CLIENT_CERT: /* never provided, as upstream */
    default:
        return NULL;
    }
}

/* Seconds to milliseconds without overflow. */
static uint64_t seconds_to_ms(unsigned int s)
{
    return (uint64_t)s * 1000u;
}

_MHD_EXTERN enum MHD_Result MHD_set_connection_option(struct MHD_Connection *connection,
                                                      enum MHD_CONNECTION_OPTION option, ...)
{
    if (connection == NULL || option != MHD_CONNECTION_OPTION_TIMEOUT)
        return MHD_NO;
    va_list ap;
    va_start(ap, option);
    unsigned int secs = va_arg(ap, unsigned int);
    va_end(ap);
    struct MHD_Connection *c = connection;
    if (c->proto != NULL && c->proto->set_timeout != NULL)
        c->proto->set_timeout(c, seconds_to_ms(secs)); /* an HTTP/2 stream: its carrier's */
    else
        mhd_timeout_set(c->worker, &c->item, seconds_to_ms(secs));
    return MHD_YES;
}
