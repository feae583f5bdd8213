/* Connections: the HTTP/1.1 state machine over one socket.
 *
 * A connection belongs to one worker and is only touched on that worker's
 * thread (suspend/resume and add_connection go through the worker's queue).
 * Its request data lives in a memory pool taken when bytes arrive and given
 * back when the connection goes idle, so an idle keep-alive connection costs
 * only this struct (392 bytes) and the client's address after it. The
 * request itself, its reply's send state and the head scanner (struct
 * mhd_busy, `busy`) sit at the start of the pool's block: without a pool
 * there is no request, and `busy` is NULL.
 *
 * Pool layout while a request is in progress (offsets into `mem`, which
 * starts after the busy block):
 *
 *   [0, out_end)         response bytes staged but not yet sent (pipelining)
 *   [rbuf, rbuf + rlen)  received bytes: the request head (parsed in place,
 *                        so names and values point here), body bytes not yet
 *                        consumed, then bytes of pipelined requests
 *   [.., back)           free: the response head is built here
 *   [back, mem_size)     request-lifetime objects (value list entries)
 */
#ifndef MHD_CONN_CONN_H
#define MHD_CONN_CONN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "http/http.h"
#include "io/transport.h"
#include "loop/worker.h"
#include "microhttpd.h"
#include "util/list.h"

struct mhd_dauth;
struct mhd_relay;
struct MHD_Connection;

/* A protocol that takes a connection over from HTTP/1.1 (HTTP/2, src/h2).
 * The connection it runs on is its carrier; the requests it carries are
 * request objects of their own (struct MHD_Connection with `carrier` set),
 * which the application sees as it sees HTTP/1.1 connections and which the
 * protocol drives through the same table. src/conn knows only this table. */
struct mhd_protocol {
    const char *name;
    /* Takes over carrier c; the bytes in c's read buffer are the
     * protocol's. False when it cannot (out of memory): c closes. */
    bool (*start)(struct MHD_Connection *c);
    /* Runs c (a carrier or one of its requests) as far as it goes. */
    void (*process)(struct MHD_Connection *c);
    /* c is closing: a carrier ends its requests with `why`, a request is
     * abandoned (reset) while its carrier goes on. */
    void (*close)(struct MHD_Connection *c, enum MHD_RequestTerminationCode why);
    /* Frees what the protocol holds for carrier c, its requests included. */
    void (*release)(struct MHD_Connection *c);
    /* Request c was suspended (true) or resumed (false). */
    void (*suspend)(struct MHD_Connection *c, bool on);
    /* A resume of request c was posted. True when it must wait (c's
     * handler runs on another thread): the protocol resumes c when that
     * call returns. May be NULL. */
    bool (*resume_later)(struct MHD_Connection *c);
    /* Request c asks for a timeout of its own (MHD_CONNECTION_OPTION_TIMEOUT,
     * in milliseconds, 0 for none): the protocol applies it where its
     * connection's timeout lives. */
    void (*set_timeout)(struct MHD_Connection *c, uint64_t timeout_ms);
    /* The daemon quiesces: carrier c tells its client (GOAWAY), lets the
     * requests in flight finish, then closes. */
    void (*quiesce)(struct MHD_Connection *c);
};

enum mhd_conn_state {
    CONN_HANDSHAKE,     /* the transport's handshake (TLS), before any request */
    CONN_IDLE,          /* between requests, nothing buffered, no pool */
    CONN_HEAD,          /* receiving the request head */
    CONN_FIRST_CALL,    /* head parsed: the handler's first call is due */
    CONN_CONTINUE,      /* writing "100 Continue" */
    CONN_BODY,          /* receiving the body and handing it to the handler */
    CONN_TRAILERS,      /* receiving the trailer section of a chunked body */
    CONN_FINAL_CALL,    /* body complete: the handler's final call is due */
    CONN_SEND,          /* writing the response */
    CONN_UPGRADED,      /* socket handed to the application (101) */
    CONN_PROTOCOL,      /* driven by another protocol (HTTP/2: see `proto`) */
    CONN_LINGER,        /* our side is shut; discarding input until EOF */
    CONN_CLOSED         /* waiting to be freed at the end of the iteration */
};

/* Where the handler is in the request, for MHD_queue_response's checks. */
enum mhd_call_phase {
    CALL_NONE,  /* not inside a call where queueing is allowed */
    CALL_FIRST, /* first call (headers complete) */
    CALL_BODY,  /* a call with upload data */
    CALL_FINAL  /* final call (request complete) */
};

enum mhd_chunk_state {
    CHUNK_SIZE,     /* expecting a chunk-size line */
    CHUNK_DATA,     /* inside chunk data, body_left bytes to go */
    CHUNK_DATA_END, /* expecting the CRLF after chunk data */
    CHUNK_TRAILERS, /* after the last chunk */
    CHUNK_DONE
};

/* One request value (header, argument, cookie, footer, app-set), in a
 * singly-linked list kept in arrival order. Allocated from the pool. */
struct mhd_kv {
    struct mhd_kv *next;
    const char *key;
    size_t key_len;
    const char *value;
    size_t value_len;
    enum MHD_ValueKind kind;
};

/* Method kinds the library treats specially. */
enum mhd_method { METHOD_OTHER, METHOD_GET, METHOD_HEAD, METHOD_POST, METHOD_PUT,
                  METHOD_DELETE, METHOD_CONNECT };

struct mhd_request {
    struct mhd_http_head head;
    enum mhd_method method;
    char *url; /* decoded path, as the handler gets it */
    size_t url_len;
    size_t head_size; /* bytes of request line + fields + empty line */
    struct mhd_kv *kv_first;
    struct mhd_kv *kv_last;
    void *req_cls;
    bool app_seen;     /* the handler or the URI-log callback saw it */
    bool http11;       /* HTTP/1.1 or later */
    bool keep_alive;   /* the client allows reuse */
    bool has_body;
    bool early_response; /* queued in the first call: body not read, close after */
    bool continue_due;
    uint64_t body_left; /* Content-Length bytes, or bytes of the current chunk */
    enum mhd_chunk_state chunk;
    size_t trailer_pos; /* resume point of the trailer scan */
    size_t body_offered; /* bytes offered in the last body call */
    bool body_stalled;   /* the handler took nothing; wait for more data */
    enum mhd_call_phase phase;
    bool final_repeat;   /* final call returned without a response */
    bool error_reply;    /* the library answers with an error on its own */
};

/* Send progress of the current response. The head (with the first chunk
 * header appended for in-memory chunked bodies) and the chunked tail live in
 * the pool; in-memory bodies are sent from the response itself. */
struct mhd_send {
    struct MHD_Response *resp;
    unsigned int status; /* with MHD_ICY_FLAG removed */
    bool icy;
    bool head_only;   /* no body on the wire (HEAD, 1xx, 204, 304, 101) */
    bool chunked;
    bool close_after; /* the connection closes when this reply is done */
    bool body_done;   /* every body byte is produced (pull bodies) */
    bool failed;      /* the body's source failed: the reply ends short */
    bool use_sendfile;
    bool corked; /* TCP_CORK is on for the rest of a sendfile body */
    char *head;
    size_t head_len;
    size_t head_sent;
    uint64_t body_pos;  /* body bytes sent (in-memory, sendfile) or produced (pull) */
    unsigned int iov_idx; /* iovec bodies: current element and offset in it */
    size_t iov_off;
    char *tail; /* chunked end: zero chunk, footers, empty line */
    size_t tail_len;
    size_t tail_sent;
    char *blk_area; /* pull bodies: one framed block at a time */
    size_t blk_cap;
    char *blk;
    size_t blk_len;
    size_t blk_sent;
};

/* MHD_get_connection_info's types: 0 to MHD_CONNECTION_INFO_HTTP_STATUS. */
#define MHD_CONN_INFO_SLOTS 12u

/* What a connection holds only while it holds a pool: the request, its
 * reply, the head scanner. It lives at the start of the pool's block
 * (pool.c), so an idle connection carries none of it. */
struct mhd_busy {
    struct mhd_request rq;
    struct mhd_http_scan scan;
    struct mhd_send tx; /* set up by each reply, but for `resp` */
};

struct MHD_Connection {
    /* What the worker keeps of it: lists, timers, descriptor, suspended,
     * queued. An HTTP/2 request keeps item.link on its carrier's list of
     * streams. The socket is item.poll.fd (-1 for an HTTP/2 request). */
    struct mhd_item item;
    struct mhd_worker *worker;
    struct mhd_config *cfg; /* the daemon's; cfg->daemon is the application's handle */
    struct mhd_xport xp; /* how bytes move: plain socket or TLS */
    enum mhd_conn_state state;

    bool read_ready;  /* the socket may have input */
    bool write_ready; /* the socket may take output */
    bool peer_eof;    /* the client shut its sending side */
    bool peer_hup;    /* the poller saw that end coming: read until it is met */
    bool notified_start;
    bool counted_ip;
    bool reused;   /* a request was completed and the connection kept open (so
                    * no HTTP/2 preface now) */
    bool draining; /* the daemon is quiesced: close after the current request */
    bool linger_shut;      /* closing: our sending side is shut */
    bool linger_clean;     /* closing: nothing unread can be in the way */
    uint32_t linger_bytes; /* closing: bytes dropped while waiting for EOF */
    /* The client's address, addr_len bytes: right after the struct, in the
     * same allocation (mhd_conn_create); an HTTP/2 request points to its
     * carrier's. */
    socklen_t addr_len;
    struct sockaddr *addr;

    int64_t share;          /* work left in this round (mhd_conn_process()) */

    /* Memory pool, see the layout above; `busy` (the request, its reply)
     * is set exactly while `mem` is. */
    struct mhd_busy *busy;
    char *mem;
    size_t mem_size;
    size_t out_end;
    size_t out_sent;
    char *rbuf;
    size_t rlen;
    size_t rpos; /* bytes of rbuf used by the current request so far */
    size_t back;
    struct mhd_http_host_memo host_memo; /* the Host last found valid here */

    void *socket_context;
    /* One slot per info type, allocated by the first
     * MHD_get_connection_info() call (atomic: an application thread may
     * ask beside the worker's): applications keep the pointers of several
     * calls at once. */
    _Atomic(union MHD_ConnectionInfo *) info;
    struct MHD_UpgradeResponseHandle *urh; /* after a 101, until the connection closes */
    struct mhd_relay *relay; /* upgraded over a transport that cannot hand out its socket */
    /* Another protocol (HTTP/2): on a carrier it runs the connection, on a
     * request of that carrier (`carrier` set) it runs the request. */
    const struct mhd_protocol *proto;
    void *proto_state;
    struct MHD_Connection *carrier;
};

/* Allocates a connection for socket `fd` (taken: closed by destroy) on
 * worker `w`. Nothing is registered yet. NULL when out of memory. */
struct MHD_Connection *mhd_conn_create(struct mhd_worker *w, int fd, const struct sockaddr *addr,
                                       socklen_t addr_len);

/* Registers a new connection with its worker, tells the application, and
 * processes whatever already arrived. Worker thread only. False if the
 * connection could not be registered (it is then closed). */
bool mhd_conn_start(struct MHD_Connection *c);

/* Handles poller events for `c`, then runs its state machine. */
void mhd_conn_on_events(struct MHD_Connection *c, unsigned int events);

/* Runs the state machine as far as it goes without blocking, for one fair
 * share of work at most (MHD_CONN_SHARE): a connection that could go on
 * after that continues in the worker's next loop iteration, after the
 * other connections had their turn (DESIGN.md, "Fairness"). */
void mhd_conn_process(struct MHD_Connection *c);

/* Ends the connection: the request-completed callback (if the application
 * saw the request) with `why`, then unregistering; the memory goes at the
 * end of the loop iteration (mhd_conn_destroy). */
void mhd_conn_close(struct MHD_Connection *c, enum MHD_RequestTerminationCode why);

/* Frees a closed connection: the connection-closed notification, the
 * socket, its place on the worker, the memory. What admitting it took
 * (per-IP slot, the daemon's count) the daemon gives back. */
void mhd_conn_destroy(struct MHD_Connection *c);

/* Frees a connection that was created but never started: closes the
 * socket, without notifications. */
void mhd_conn_discard(struct MHD_Connection *c);

/* The connection a worker's item belongs to. */
static inline struct MHD_Connection *mhd_conn_of(struct mhd_item *it)
{
    return mhd_container_of(it, struct MHD_Connection, item);
}

/* Handles a posted request for `c` on its worker: a resume of a suspended
 * connection, or the close of an upgraded one. */
void mhd_conn_resume_now(struct MHD_Connection *c);

/* For MHD_stop_daemon: shuts down (both ways) the sockets of every upgraded
 * connection of `d` the application has not closed, so that application
 * threads blocked on them wake up, and waits up to a second for the
 * application to close them (the connections themselves are closed by
 * their workers afterwards). Any thread but a worker's. */
void mhd_conn_upgrade_stop_all(struct MHD_Daemon *d);

/* The daemon is quiesced (MHD_quiesce_daemon): `c` finishes the request it
 * is in, says "Connection: close" in its reply and closes gracefully; an
 * idle one is closed gracefully once its client has been quiet for a moment
 * (conn_drain.c). Called by the worker for each of its connections when it
 * notices the quiesce, for each connection started afterwards, and again
 * when the drain timer it set falls due (mhd_worker_drain_at); calling it
 * again is harmless. Only schedules the connection: the worker processes it
 * later in the loop iteration. Worker thread only. */
void mhd_conn_quiesce(struct MHD_Connection *c);

/* Marks `c` for another processing round without I/O. */
void mhd_conn_schedule(struct MHD_Connection *c);

/* Marks `c` for processing in the worker's next loop iteration, not this
 * one: it used its share of work, or (a transport) has input buffered that
 * the socket will not announce again. */
void mhd_conn_schedule_next(struct MHD_Connection *c);

/* Accessors used by the authentication glue. */
const char *mhd_conn_method(const struct MHD_Connection *c);
const char *mhd_conn_path(const struct MHD_Connection *c);
struct mhd_dauth *mhd_conn_dauth(const struct MHD_Connection *c);

/* ---- internal to src/conn, shared between its files --------------------- */

/* Pool handling (pool.c). */
bool mhd_conn_pool_take(struct MHD_Connection *c);
void mhd_conn_pool_give(struct MHD_Connection *c);
void *mhd_conn_pool_alloc(struct MHD_Connection *c, size_t size);

/* Bytes between the end of the read buffer and the allocations at the
 * back: what reading, the reply head and the values may still use. Inline:
 * a request asks a few times. */
static inline size_t mhd_conn_pool_free_space(const struct MHD_Connection *c)
{
    size_t used = (size_t)(c->rbuf - c->mem) + c->rlen;
    return c->back > used ? c->back - used : 0;
}

/* Adds a value to the request's list (values.c). False when the pool is full. */
bool mhd_conn_add_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key,
                        size_t key_len, const char *value, size_t value_len);

/* Builds the response head for the queued response into the pool
 * (conn_head.c). False when it does not fit; tx.head_len is then the
 * number of bytes it needs. */
bool mhd_conn_build_head(struct MHD_Connection *c);

#endif
