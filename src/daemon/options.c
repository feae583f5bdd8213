/* Reading the MHD_OPTION_* list of MHD_start_daemon.
 *
 * One table row per option: its id, the shape of its arguments and the
 * function that stores them. The shape decides how many arguments are read
 * and with which types, from the varargs list or from an MHD_OptionItem, so
 * the list never gets out of step, even for options this build ignores. */
#include "daemon/daemon.h"

#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/select.h>

#include "util/alloc.h"

typedef void (*any_fn)(void);

enum arg_shape {
    ARG_SIZE,     /* size_t */
    ARG_UINT,     /* unsigned int */
    ARG_INT,      /* int */
    ARG_UINT32,   /* uint32_t */
    ARG_SOCKET,   /* MHD_socket */
    ARG_PTR,      /* one pointer */
    ARG_FN,       /* one function pointer */
    ARG_FN_CLS,   /* function pointer, closure */
    ARG_LEN_PTR,  /* socklen_t, pointer */
    ARG_SIZE_PTR, /* size_t, pointer */
    ARG_ARRAY     /* struct MHD_OptionItem * */
};

/* One option's arguments, whatever their shape. */
struct optval {
    uint64_t num;
    intptr_t snum;
    const void *ptr;
    any_fn fn;
};

typedef bool (*opt_setter)(struct MHD_Daemon *d, const struct optval *v);

struct opt_row {
    enum MHD_OPTION id;
    enum arg_shape shape;
    opt_setter set;
    const char *name;
};

static bool set_mem_limit(struct MHD_Daemon *d, const struct optval *v)
{
    struct mhd_config *c = &d->cfg;
    if (v->num == 0)
        return true;
    c->pool_size = v->num < 64 ? 64 : (size_t)v->num;
    if (c->pool_increment > c->pool_size / 4)
        c->pool_increment = c->pool_size / 4;
    return true;
}

static bool set_mem_increment(struct MHD_Daemon *d, const struct optval *v)
{
    struct mhd_config *c = &d->cfg;
    if (v->num == 0)
        return true;
    c->pool_increment = v->num > c->pool_size / 4 ? c->pool_size / 4 : (size_t)v->num;
    return true;
}

static bool set_conn_limit(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.conn_limit = (unsigned int)v->num;
    d->cfg.conn_limit_set = true;
    return true;
}

static bool set_timeout(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.timeout_ms = v->num * 1000u;
    return true;
}

static bool set_notify_completed(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.notify_completed = (MHD_RequestCompletedCallback)v->fn;
    d->cfg.notify_completed_cls = (void *)(uintptr_t)v->ptr;
    return true;
}

static bool set_notify_connection(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.notify_connection = (MHD_NotifyConnectionCallback)v->fn;
    d->cfg.notify_connection_cls = (void *)(uintptr_t)v->ptr;
    return true;
}

static bool set_per_ip(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.per_ip_limit = (unsigned int)v->num;
    return true;
}

static socklen_t family_len(int family)
{
    switch (family) {
    case AF_INET:
        return (socklen_t)sizeof(struct sockaddr_in);
    case AF_INET6:
        return (socklen_t)sizeof(struct sockaddr_in6);
    default:
        return 0;
    }
}

static bool store_addr(struct MHD_Daemon *d, const struct sockaddr *sa, socklen_t len)
{
    if (len > (socklen_t)sizeof(d->cfg.bind_addr)) {
        mhd_dlog(d, "The bind address is too long (%u bytes)", (unsigned int)len);
        return false;
    }
    memcpy(&d->cfg.bind_addr, sa, len);
    d->cfg.bind_addr_len = len;
    return true;
}

static bool set_sock_addr(struct MHD_Daemon *d, const struct optval *v)
{
    const struct sockaddr *sa = v->ptr;
    if (sa == NULL)
        return true;
    socklen_t len = family_len(sa->sa_family);
    if (len == 0) {
        mhd_dlog(d, "MHD_OPTION_SOCK_ADDR: unknown address family %d, use MHD_OPTION_SOCK_ADDR_LEN",
                 (int)sa->sa_family);
        return false;
    }
    return store_addr(d, sa, len);
}

static bool set_sock_addr_len(struct MHD_Daemon *d, const struct optval *v)
{
    const struct sockaddr *sa = v->ptr;
    socklen_t len = (socklen_t)v->num;
    if (sa == NULL && len == 0)
        return true;
    if (sa == NULL || len == 0 || len < (socklen_t)sizeof(sa->sa_family)) {
        mhd_dlog(d, "MHD_OPTION_SOCK_ADDR_LEN: address and length do not match");
        return false;
    }
    socklen_t need = family_len(sa->sa_family);
    if (need != 0 && len < need) {
        mhd_dlog(d, "MHD_OPTION_SOCK_ADDR_LEN: %u bytes is too short for the address family",
                 (unsigned int)len);
        return false;
    }
    return store_addr(d, sa, len);
}

static bool set_uri_log(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.uri_log = (mhd_uri_log_fn)v->fn;
    d->cfg.uri_log_cls = (void *)(uintptr_t)v->ptr;
    return true;
}

static bool set_listen_socket(struct MHD_Daemon *d, const struct optval *v)
{
    int fd = (int)v->snum;
    if (fd == MHD_INVALID_SOCKET)
        return true;
    if (fd < 0) {
        mhd_dlog(d, "MHD_OPTION_LISTEN_SOCKET: invalid socket %d", fd);
        return false;
    }
    d->cfg.listen_fd = fd;
    return true;
}

static bool set_logger(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.log.fn = (mhd_log_fn)v->fn;
    d->cfg.log.cls = (void *)(uintptr_t)v->ptr;
    return true;
}

static bool set_pool_threads(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.pool_threads = (unsigned int)v->num;
    return true;
}

static bool set_unescape(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.unescape = (mhd_unescape_cb)v->fn;
    d->cfg.unescape_cls = (void *)(uintptr_t)v->ptr;
    return true;
}

static bool set_random(struct MHD_Daemon *d, const struct optval *v, bool copy)
{
    d->cfg.dauth_random = v->ptr;
    d->cfg.dauth_random_len = (size_t)v->num;
    d->cfg.dauth_random_copy = copy;
    return true;
}

static bool set_random_ref(struct MHD_Daemon *d, const struct optval *v)
{
    return set_random(d, v, false);
}

static bool set_random_copy(struct MHD_Daemon *d, const struct optval *v)
{
    return set_random(d, v, true);
}

static bool set_nonce_nc_size(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.nonce_nc_size = (unsigned int)v->num;
    return true;
}

static bool set_stack(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.thread_stack = (size_t)v->num;
    return true;
}

static bool set_tfo_queue(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.tfo_queue = v->num ? (unsigned int)v->num : MHD_DEFAULT_TFO_QUEUE;
    return true;
}

static bool set_reuse(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.reuse = v->num ? 1 : 0;
    return true;
}

static bool set_backlog(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.backlog = (unsigned int)v->num;
    return true;
}

static bool set_strict(struct MHD_Daemon *d, const struct optval *v)
{
    int s = (int)v->snum;
    d->cfg.discipline = s > 0 ? 1 : (s < 0 ? -3 : 0);
    d->cfg.discipline_set = true;
    return true;
}

static bool set_discipline(struct MHD_Daemon *d, const struct optval *v)
{
    int s = (int)v->snum;
    d->cfg.discipline = s > 3 ? 3 : (s < -3 ? -3 : s);
    d->cfg.discipline_set = true;
    return true;
}

static bool set_insanity(struct MHD_Daemon *d, const struct optval *v)
{
    if (v->num != MHD_DSC_SANE) {
        mhd_dlog(d, "MHD_OPTION_SERVER_INSANITY: unknown value %u", (unsigned int)v->num);
        return false;
    }
    return true;
}

static bool set_sigpipe(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.sigpipe_by_app = v->snum != 0;
    return true;
}

static bool set_fd_setsize(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.fd_setsize = (int)v->snum;
    return true;
}

static bool set_bind_type(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.dauth_bind = (unsigned int)v->num;
    return true;
}

static bool set_nonce_timeout(struct MHD_Daemon *d, const struct optval *v)
{
    if (v->num)
        d->cfg.dauth_timeout = (unsigned int)v->num;
    return true;
}

static bool set_max_nc(struct MHD_Daemon *d, const struct optval *v)
{
    if (v->num)
        d->cfg.dauth_max_nc = (uint32_t)v->num;
    return true;
}

/* TLS settings are stored as given and checked when the daemon's TLS is
 * set up. Without MHD_USE_TLS they mean nothing: they are read (the list
 * stays in step), logged and ignored; the credentials type is stored
 * anyway. A build without TLS reads them the same way. */
static bool tls_ignored(struct MHD_Daemon *d, const char *name)
{
    if (d->cfg.flags & MHD_USE_TLS)
        return false;
    mhd_dlog(d, "MHD_OPTION_%s was given without MHD_USE_TLS; it is ignored", name);
    return true;
}

static bool set_tls_string(struct MHD_Daemon *d, const struct optval *v, const char **dst,
                           const char *name)
{
    if (!tls_ignored(d, name))
        *dst = v->ptr;
    return true;
}

static bool set_tls_key(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.mem_key, "HTTPS_MEM_KEY");
}

static bool set_tls_cert(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.mem_cert, "HTTPS_MEM_CERT");
}

static bool set_tls_password(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.key_password, "HTTPS_KEY_PASSWORD");
}

static bool set_tls_trust(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.mem_trust, "HTTPS_MEM_TRUST");
}

static bool set_tls_dhparams(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.mem_dhparams, "HTTPS_MEM_DHPARAMS");
}

static bool set_tls_priorities(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.priorities, "HTTPS_PRIORITIES");
}

static bool set_tls_priorities_append(struct MHD_Daemon *d, const struct optval *v)
{
    return set_tls_string(d, v, &d->cfg.tls.priorities_append, "HTTPS_PRIORITIES_APPEND");
}

static bool set_tls_cred_type(struct MHD_Daemon *d, const struct optval *v)
{
    d->cfg.tls.cred_type = (int)v->snum;
    d->cfg.tls.cred_type_set = true;
    return true;
}

static bool set_tls_cert_callback(struct MHD_Daemon *d, const struct optval *v)
{
    if (!tls_ignored(d, "HTTPS_CERT_CALLBACK"))
        d->cfg.tls.cert_callback = (mhd_tls_any_fn)v->fn;
    return true;
}

static bool set_tls_cert_callback2(struct MHD_Daemon *d, const struct optval *v)
{
    if (!tls_ignored(d, "HTTPS_CERT_CALLBACK2"))
        d->cfg.tls.cert_callback2 = (mhd_tls_any_fn)v->fn;
    return true;
}

static bool set_tls_psk(struct MHD_Daemon *d, const struct optval *v)
{
    if (tls_ignored(d, "GNUTLS_PSK_CRED_HANDLER"))
        return true;
    d->cfg.tls.psk_handler = (MHD_PskServerCredentialsCallback)v->fn;
    d->cfg.tls.psk_handler_cls = (void *)(uintptr_t)v->ptr;
    return true;
}

static bool set_tls_no_alpn(struct MHD_Daemon *d, const struct optval *v)
{
    if (!tls_ignored(d, "TLS_NO_ALPN"))
        d->cfg.tls.no_alpn = v->snum != 0;
    return true;
}

static const struct opt_row rows[] = {
    {MHD_OPTION_CONNECTION_MEMORY_LIMIT, ARG_SIZE, set_mem_limit, "CONNECTION_MEMORY_LIMIT"},
    {MHD_OPTION_CONNECTION_LIMIT, ARG_UINT, set_conn_limit, "CONNECTION_LIMIT"},
    {MHD_OPTION_CONNECTION_TIMEOUT, ARG_UINT, set_timeout, "CONNECTION_TIMEOUT"},
    {MHD_OPTION_NOTIFY_COMPLETED, ARG_FN_CLS, set_notify_completed, "NOTIFY_COMPLETED"},
    {MHD_OPTION_PER_IP_CONNECTION_LIMIT, ARG_UINT, set_per_ip, "PER_IP_CONNECTION_LIMIT"},
    {MHD_OPTION_SOCK_ADDR, ARG_PTR, set_sock_addr, "SOCK_ADDR"},
    {MHD_OPTION_URI_LOG_CALLBACK, ARG_FN_CLS, set_uri_log, "URI_LOG_CALLBACK"},
    {MHD_OPTION_HTTPS_MEM_KEY, ARG_PTR, set_tls_key, "HTTPS_MEM_KEY"},
    {MHD_OPTION_HTTPS_MEM_CERT, ARG_PTR, set_tls_cert, "HTTPS_MEM_CERT"},
    {MHD_OPTION_HTTPS_CRED_TYPE, ARG_INT, set_tls_cred_type, "HTTPS_CRED_TYPE"},
    {MHD_OPTION_HTTPS_PRIORITIES, ARG_PTR, set_tls_priorities, "HTTPS_PRIORITIES"},
    {MHD_OPTION_LISTEN_SOCKET, ARG_SOCKET, set_listen_socket, "LISTEN_SOCKET"},
    {MHD_OPTION_EXTERNAL_LOGGER, ARG_FN_CLS, set_logger, "EXTERNAL_LOGGER"},
    {MHD_OPTION_THREAD_POOL_SIZE, ARG_UINT, set_pool_threads, "THREAD_POOL_SIZE"},
    {MHD_OPTION_ARRAY, ARG_ARRAY, NULL, "ARRAY"},
    {MHD_OPTION_UNESCAPE_CALLBACK, ARG_FN_CLS, set_unescape, "UNESCAPE_CALLBACK"},
    {MHD_OPTION_DIGEST_AUTH_RANDOM, ARG_SIZE_PTR, set_random_ref, "DIGEST_AUTH_RANDOM"},
    {MHD_OPTION_NONCE_NC_SIZE, ARG_UINT, set_nonce_nc_size, "NONCE_NC_SIZE"},
    {MHD_OPTION_THREAD_STACK_SIZE, ARG_SIZE, set_stack, "THREAD_STACK_SIZE"},
    {MHD_OPTION_HTTPS_MEM_TRUST, ARG_PTR, set_tls_trust, "HTTPS_MEM_TRUST"},
    {MHD_OPTION_CONNECTION_MEMORY_INCREMENT, ARG_SIZE, set_mem_increment,
     "CONNECTION_MEMORY_INCREMENT"},
    {MHD_OPTION_HTTPS_CERT_CALLBACK, ARG_FN, set_tls_cert_callback, "HTTPS_CERT_CALLBACK"},
    {MHD_OPTION_TCP_FASTOPEN_QUEUE_SIZE, ARG_UINT, set_tfo_queue, "TCP_FASTOPEN_QUEUE_SIZE"},
    {MHD_OPTION_HTTPS_MEM_DHPARAMS, ARG_PTR, set_tls_dhparams, "HTTPS_MEM_DHPARAMS"},
    {MHD_OPTION_LISTENING_ADDRESS_REUSE, ARG_UINT, set_reuse, "LISTENING_ADDRESS_REUSE"},
    {MHD_OPTION_HTTPS_KEY_PASSWORD, ARG_PTR, set_tls_password, "HTTPS_KEY_PASSWORD"},
    {MHD_OPTION_NOTIFY_CONNECTION, ARG_FN_CLS, set_notify_connection, "NOTIFY_CONNECTION"},
    {MHD_OPTION_LISTEN_BACKLOG_SIZE, ARG_UINT, set_backlog, "LISTEN_BACKLOG_SIZE"},
    {MHD_OPTION_STRICT_FOR_CLIENT, ARG_INT, set_strict, "STRICT_FOR_CLIENT"},
    {MHD_OPTION_GNUTLS_PSK_CRED_HANDLER, ARG_FN_CLS, set_tls_psk, "GNUTLS_PSK_CRED_HANDLER"},
    {MHD_OPTION_HTTPS_CERT_CALLBACK2, ARG_FN, set_tls_cert_callback2, "HTTPS_CERT_CALLBACK2"},
    {MHD_OPTION_SERVER_INSANITY, ARG_UINT, set_insanity, "SERVER_INSANITY"},
    {MHD_OPTION_SIGPIPE_HANDLED_BY_APP, ARG_INT, set_sigpipe, "SIGPIPE_HANDLED_BY_APP"},
    {MHD_OPTION_TLS_NO_ALPN, ARG_INT, set_tls_no_alpn, "TLS_NO_ALPN"},
    {MHD_OPTION_DIGEST_AUTH_RANDOM_COPY, ARG_SIZE_PTR, set_random_copy, "DIGEST_AUTH_RANDOM_COPY"},
    {MHD_OPTION_DIGEST_AUTH_NONCE_BIND_TYPE, ARG_UINT, set_bind_type,
     "DIGEST_AUTH_NONCE_BIND_TYPE"},
    {MHD_OPTION_HTTPS_PRIORITIES_APPEND, ARG_PTR, set_tls_priorities_append,
     "HTTPS_PRIORITIES_APPEND"},
    {MHD_OPTION_CLIENT_DISCIPLINE_LVL, ARG_INT, set_discipline, "CLIENT_DISCIPLINE_LVL"},
    {MHD_OPTION_APP_FD_SETSIZE, ARG_INT, set_fd_setsize, "APP_FD_SETSIZE"},
    {MHD_OPTION_SOCK_ADDR_LEN, ARG_LEN_PTR, set_sock_addr_len, "SOCK_ADDR_LEN"},
    {MHD_OPTION_DIGEST_AUTH_DEFAULT_NONCE_TIMEOUT, ARG_UINT, set_nonce_timeout,
     "DIGEST_AUTH_DEFAULT_NONCE_TIMEOUT"},
    {MHD_OPTION_DIGEST_AUTH_DEFAULT_MAX_NC, ARG_UINT32, set_max_nc,
     "DIGEST_AUTH_DEFAULT_MAX_NC"},
};

static const struct opt_row *find_row(int id)
{
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if ((int)rows[i].id == id)
            return &rows[i];
    }
    return NULL;
}

/* Reads one option's arguments from the varargs list, in their C types. */
static void read_va(enum arg_shape shape, va_list *ap, struct optval *v)
{
    switch (shape) {
    case ARG_SIZE:
        v->num = va_arg(*ap, size_t);
        break;
    case ARG_UINT:
        v->num = va_arg(*ap, unsigned int);
        break;
    case ARG_INT:
        v->snum = va_arg(*ap, int);
        v->num = (uint64_t)v->snum;
        break;
    case ARG_UINT32:
        v->num = va_arg(*ap, uint32_t);
        break;
    case ARG_SOCKET:
        v->snum = va_arg(*ap, MHD_socket);
        break;
    case ARG_PTR:
    case ARG_ARRAY:
        v->ptr = va_arg(*ap, const void *);
        break;
    case ARG_FN:
        v->fn = va_arg(*ap, any_fn);
        break;
    case ARG_FN_CLS:
        v->fn = va_arg(*ap, any_fn);
        v->ptr = va_arg(*ap, const void *);
        break;
    case ARG_LEN_PTR:
        v->num = va_arg(*ap, socklen_t);
        v->ptr = va_arg(*ap, const void *);
        break;
    case ARG_SIZE_PTR:
        v->num = va_arg(*ap, size_t);
        v->ptr = va_arg(*ap, const void *);
        break;
    }
}

/* The same from an MHD_OptionItem: numbers from `value`, a single pointer
 * from `ptr_value`, and for two-part options the first part from `value`. */
static void read_item(enum arg_shape shape, const struct MHD_OptionItem *it, struct optval *v)
{
    switch (shape) {
    case ARG_SIZE:
    case ARG_UINT:
    case ARG_UINT32:
        v->num = (uint64_t)it->value;
        if (shape == ARG_UINT)
            v->num = (unsigned int)it->value;
        else if (shape == ARG_UINT32)
            v->num = (uint32_t)it->value;
        break;
    case ARG_INT:
    case ARG_SOCKET:
        v->snum = (int)it->value;
        v->num = (uint64_t)v->snum;
        break;
    case ARG_PTR:
    case ARG_ARRAY:
        v->ptr = it->ptr_value;
        break;
    case ARG_FN:
        v->fn = (any_fn)(uintptr_t)it->ptr_value;
        break;
    case ARG_FN_CLS:
        v->fn = (any_fn)it->value;
        v->ptr = it->ptr_value;
        break;
    case ARG_LEN_PTR:
    case ARG_SIZE_PTR:
        v->num = (uint64_t)it->value;
        v->ptr = it->ptr_value;
        break;
    }
}

static bool apply_array(struct MHD_Daemon *d, const struct MHD_OptionItem *items, unsigned int depth);

static bool apply(struct MHD_Daemon *d, const struct opt_row *row, const struct optval *v,
                  unsigned int depth)
{
    if (row->shape == ARG_ARRAY)
        return v->ptr == NULL || apply_array(d, v->ptr, depth + 1);
    return row->set(d, v);
}

static bool apply_array(struct MHD_Daemon *d, const struct MHD_OptionItem *items, unsigned int depth)
{
    if (depth > 16) {
        mhd_dlog(d, "MHD_OPTION_ARRAY nested too deeply");
        return false;
    }
    for (; items->option != MHD_OPTION_END; items++) {
        const struct opt_row *row = find_row((int)items->option);
        if (row == NULL) {
            mhd_dlog(d, "Unknown option %d in MHD_OPTION_ARRAY", (int)items->option);
            return false;
        }
        struct optval v = {0, 0, NULL, NULL};
        read_item(row->shape, items, &v);
        if (!apply(d, row, &v, depth))
            return false;
    }
    return true;
}

/* The rest of `c` is zero (the daemon is allocated so) or was set by the
 * start before the options: flags, handler, logger. */
static void set_defaults(struct mhd_config *c)
{
    c->pool_size = MHD_DEFAULT_POOL_SIZE;
    c->pool_increment = MHD_DEFAULT_POOL_INCREMENT;
    c->conn_limit = FD_SETSIZE - 5;
    c->listen_fd = MHD_INVALID_SOCKET;
    c->tfo_queue = MHD_DEFAULT_TFO_QUEUE;
    c->reuse = -1;
    c->fd_setsize = FD_SETSIZE;
    c->nonce_nc_size = MHD_DEFAULT_NONCE_NC_SIZE;
    c->dauth_timeout = MHD_DEFAULT_NONCE_TIMEOUT;
    c->dauth_max_nc = MHD_DEFAULT_MAX_NC;
}

bool mhd_options_parse(struct MHD_Daemon *d, va_list ap)
{
    set_defaults(&d->cfg);
    va_list aq;
    va_copy(aq, ap);
    bool ok = true;
    for (;;) {
        int id = va_arg(aq, int);
        if (id == MHD_OPTION_END)
            break;
        const struct opt_row *row = find_row(id);
        if (row == NULL) {
            mhd_dlog(d, "Unknown option %d: the rest of the option list cannot be read", id);
            ok = false;
            break;
        }
        struct optval v = {0, 0, NULL, NULL};
        read_va(row->shape, &aq, &v);
        if (!apply(d, row, &v, 0)) {
            ok = false;
            break;
        }
    }
    va_end(aq);
    return ok;
}
