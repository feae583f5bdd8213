/* Shared by the files of src/h2; nothing outside includes this. */
#ifndef MHD_H2_H2_INTERNAL_H
#define MHD_H2_H2_INTERNAL_H

#include <nghttp2/nghttp2.h>

#include "conn/conn_internal.h"
#include "h2/h2.h"

/* A carrier's HTTP/2 session (carrier->proto_state). */
struct mhd_h2 {
    nghttp2_session *ng;
    struct MHD_Connection *c; /* the carrier */
    struct mhd_list streams;  /* every stream object, live or finished */
    struct mhd_list runnable; /* streams whose request moved: run after input */
    unsigned int live;        /* streams not finished yet */
    /* Of those, the ones suspended by the application or out on a job
     * (offload.c): while any is, the connection has no idle timeout, as a
     * suspended HTTP/1.1 connection or one whose handler runs has none. */
    unsigned int held;
    /* Thread per connection: the threads that call handlers and content
     * readers for the streams (offload.c); NULL in the other modes. */
    struct mhd_h2_offload *off;
    /* Output nghttp2 made that the transport has not taken yet. */
    char *out;
    size_t out_len;
    size_t out_sent;
    bool goaway;  /* the final GOAWAY is queued: no new streams */
    uint64_t notice_at; /* when the shutdown notice went out (quiesce), or 0 */
    bool failed;        /* the session ends: close after what is queued */
    bool dead;          /* nghttp2 failed (out of memory, a flood): nothing more
                         * is asked of it; what h->out holds goes, then close */
    bool in_recv; /* inside nghttp2_session_mem_recv */
    /* The stream of the header block being received (set when it begins,
     * cleared when the stream closes): its fields need no lookup in
     * nghttp2's stream map each. */
    struct mhd_h2_stream *block_stream;
    int32_t block_id;
};

/* One stream: the request object the application sees, and its HTTP/2
 * state; the struct MHD_Connection comes first so each is the other. */
struct mhd_h2_stream {
    struct MHD_Connection c;
    struct mhd_h2 *h;
    struct mhd_link rlink; /* in h->runnable */
    int32_t id;
    bool headers_done; /* the request head is complete */
    bool end_stream;   /* the request is complete (END_STREAM seen) */
    bool too_large;    /* the head did not fit: 431 */
    bool bad;          /* the request cannot be served: its error status is set */
    unsigned int error_status;
    bool submitted;    /* the response's HEADERS are queued */
    bool body_eof;     /* every body byte was handed to nghttp2 */
    bool body_failed;  /* the content reader reported an error */
    bool deferred;     /* the body waits for data (content reader said 0) */
    bool finished;     /* the stream is closed on the wire */
    bool discard_body; /* answered early: request body bytes are dropped */
    bool continue_sent;
    bool has_host;
    char *cookie; /* Cookie field lines joined with "; " (RFC 9113 8.2.3) */
    size_t cookie_len;
    size_t head_bytes; /* bytes of the request's fields, for REQUEST_HEADER_SIZE */
    size_t body_start; /* where body bytes begin in the pool (after the fields) */
    uint32_t status_code;
    bool held; /* counted in h->held as suspended */
    char *spill; /* body bytes the pool could not take yet (stream.c) */
    size_t spill_len, spill_cap;

    /* Thread per connection (offload.c). While `busy` a thread works for
     * the stream (a handler call or a content reader's) and the carrier
     * touches nothing of the request: what arrives for it waits in the
     * inbox and is replayed when the job returns. */
    bool busy;
    bool call_done;   /* the result of a handler call is in */
    bool resume_due;  /* a resume arrived while busy */
    bool pull_ready;  /* `pull` holds a content reader's answer */
    bool inbox_full;  /* fields that did not fit were dropped */
    bool inbox_lost;  /* out of memory: something else was dropped */
    bool timeout_due; /* MHD_CONNECTION_OPTION_TIMEOUT asked while busy */
    uint8_t job;
    struct mhd_link jlink;
    enum mhd_call_phase call_phase;
    const char *call_data;
    size_t call_given; /* bytes offered to the handler */
    size_t call_left;  /* bytes it left unprocessed */
    enum MHD_Result call_result;
    uint64_t timeout_ms;
    char *pull;        /* the content reader's bytes */
    size_t pull_cap, pull_max, pull_off;
    ssize_t pull_len;  /* bytes in `pull`, or the reader's code (<= 0) */
    uint64_t pull_pos;
    char *inbox;
    size_t inbox_len, inbox_cap;
};

static inline struct mhd_h2_stream *h2_stream_of(struct MHD_Connection *c)
{
    return (struct mhd_h2_stream *)(void *)c;
}

/* session.c */
void mhd_h2_mark_runnable(struct mhd_h2_stream *s);
void mhd_h2_flush_later(struct mhd_h2 *h);

/* Resets stream `id` with `code`; when not even that can be queued (out
 * of memory), the whole connection ends instead, since the stream's
 * client would otherwise wait for it forever. */
void mhd_h2_reset(struct mhd_h2 *h, int32_t id, uint32_t code);

/* stream.c: the stream protocol and the request side. */
extern const struct mhd_protocol mhd_h2_stream_protocol;
struct mhd_h2_stream *mhd_h2_stream_new(struct mhd_h2 *h, int32_t id);
void mhd_h2_stream_free(struct mhd_h2_stream *s);
/* The callbacks' part: fields, the end of the head, body bytes, the end. */
int mhd_h2_stream_field(struct mhd_h2_stream *s, const uint8_t *name, size_t name_len,
                        const uint8_t *value, size_t value_len);
void mhd_h2_stream_head_done(struct mhd_h2_stream *s, bool end_stream);
int mhd_h2_stream_data(struct mhd_h2_stream *s, const uint8_t *data, size_t len);
void mhd_h2_stream_end(struct mhd_h2_stream *s);
void mhd_h2_stream_closed(struct mhd_h2_stream *s, uint32_t error_code);
/* Runs the application's side of the stream as far as it goes. */
void mhd_h2_stream_run(struct mhd_h2_stream *s);

/* mem.c: blocks recycled per thread, for nghttp2 (mhd_h2_mem) and for
 * stream objects. */
void *mhd_h2_alloc(size_t size);
void *mhd_h2_calloc(size_t n, size_t size);
void *mhd_h2_realloc(void *p, size_t size);
void mhd_h2_free(void *p);
extern nghttp2_mem mhd_h2_mem;
/* Frees blocks this thread keeps beyond a quarter of its cache, and its
 * spare output buffer. */
void mhd_h2_trim_cache(void);
/* A connection's output buffer (OUT_CAP bytes or more, session.c): the
 * thread's spare one, or a new one; _give() keeps one spare per thread. */
void *mhd_h2_out_take(size_t size);
void mhd_h2_out_give(void *p);

/* Counts s in h->held (suspended or busy: no connection timeout). */
void mhd_h2_hold(struct mhd_h2_stream *s, bool on);

/* offload.c: thread per connection. mhd_h2_offload_new() gives a carrier
 * its helper threads (none run until there is work). _call() hands a
 * handler call to a thread; _pull() takes a content reader's answer or
 * asks a thread for one (MHD_H2_PULL_WAIT: the stream is busy, ask again
 * when the answer is in); _park() keeps what arrives for a busy stream
 * (false: not busy, handle it now); _collect() applies the jobs that
 * returned (the carrier calls it each round); _stop() waits for running
 * jobs and stops the threads; _free() after it. */
#define MHD_H2_PULL_WAIT ((ssize_t)-100) /* apart from MHD_CONTENT_READER_END_* */
struct mhd_h2_offload *mhd_h2_offload_new(struct mhd_h2 *h);
void mhd_h2_offload_call(struct mhd_h2_stream *s, enum mhd_call_phase phase, const char *data,
                         size_t size);
ssize_t mhd_h2_offload_pull(struct mhd_h2_stream *s, uint64_t pos, char *dst, size_t max);
enum mhd_h2_park { PARK_DATA, PARK_FIELD, PARK_END, PARK_CLOSED };
bool mhd_h2_offload_park(struct mhd_h2_stream *s, enum mhd_h2_park what, const uint8_t *a,
                         size_t a_len, const uint8_t *b, size_t b_len, uint32_t code);
void mhd_h2_offload_collect(struct mhd_h2 *h);
void mhd_h2_offload_stop(struct mhd_h2 *h);
void mhd_h2_offload_free(struct mhd_h2 *h);

/* reply.c: the response's HEADERS, body and trailers. */
bool mhd_h2_submit_reply(struct mhd_h2_stream *s);
bool mhd_h2_submit_continue(struct mhd_h2_stream *s);

#endif
