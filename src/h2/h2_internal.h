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
    unsigned int suspended;   /* of those, suspended by the application */
    /* Output nghttp2 made that the transport has not taken yet. */
    char *out;
    size_t out_len;
    size_t out_sent;
    bool goaway;  /* GOAWAY sent: no new streams */
    bool failed;  /* a fatal session error: close after what is queued */
    bool in_recv; /* inside nghttp2_session_mem_recv */
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
};

static inline struct mhd_h2_stream *h2_stream_of(struct MHD_Connection *c)
{
    return (struct mhd_h2_stream *)(void *)c;
}

/* session.c */
void mhd_h2_mark_runnable(struct mhd_h2_stream *s);
void mhd_h2_flush_later(struct mhd_h2 *h);

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

/* reply.c: the response's HEADERS, body and trailers. */
bool mhd_h2_submit_reply(struct mhd_h2_stream *s);
bool mhd_h2_submit_continue(struct mhd_h2_stream *s);

#endif
