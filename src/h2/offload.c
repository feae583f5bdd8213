/* Thread per connection over HTTP/2: the handler calls and content readers
 * of a carrier's streams run on threads of the carrier's own, so a handler
 * that blocks holds its stream only, as over HTTP/1.1 it holds its
 * connection only. The carrier's thread keeps everything else: nghttp2,
 * the socket, completions, timeouts.
 *
 * A stream with a job out is busy. Until the job returns the carrier
 * touches nothing of its request (the thread reads its values, its body
 * bytes, its pool); what arrives for it meanwhile (body bytes, trailers,
 * its end or reset) is parked in its inbox as a record and replayed
 * through the usual functions when the job is back. A resume or a timeout
 * the application asks for meanwhile waits the same way. The thread hands
 * the stream back on the done list and kicks the carrier through the
 * worker's resume queue (a carrier is never suspended, so its resume means
 * "run"). Threads are started as jobs outnumber idle threads, up to one
 * per stream the client may open and some more; they wait for work until
 * the carrier closes, which waits for the jobs that run (as an HTTP/1.1
 * connection in this mode ends only when its handler returns). */
#include "h2/h2_internal.h"

#include <pthread.h>
#include <string.h>

#include "response/response.h"
#include "util/alloc.h"

/* Threads per carrier at most: one per stream a client may have open and
 * some for streams it reset while their handler still ran; further jobs
 * wait for a thread. */
#define MAX_THREADS 128u
/* What a busy stream keeps of arriving trailer fields; beyond it they are
 * dropped, as fields that do not fit in its pool are. Body bytes are
 * bounded by the stream's window, ends and resets are always kept. */
#define INBOX_FIELDS_CAP ((size_t)64 * 1024)

enum { JOB_CALL = 1, JOB_PULL = 2 };

struct mhd_h2_offload {
    pthread_mutex_t lock;
    pthread_cond_t cond;  /* a job was queued, or stop */
    struct mhd_list jobs; /* streams waiting for a thread */
    struct mhd_list done; /* streams whose job returned */
    unsigned int queued;  /* streams on `jobs` */
    unsigned int idle;    /* threads waiting for a job */
    bool stop;
    unsigned int n_threads; /* the carrier's alone */
    pthread_t threads[MAX_THREADS];
};

/* An inbox record; its bytes (a, then b) follow it. */
struct parked {
    uint8_t what;
    uint32_t code;
    size_t a_len, b_len;
};

struct mhd_h2_offload *mhd_h2_offload_new(struct mhd_h2 *h)
{
    (void)h;
    struct mhd_h2_offload *o = mhd_calloc(1, sizeof(*o));
    if (o == NULL)
        return NULL;
    if (pthread_mutex_init(&o->lock, NULL) != 0) {
        mhd_free(o);
        return NULL;
    }
    if (pthread_cond_init(&o->cond, NULL) != 0) {
        pthread_mutex_destroy(&o->lock);
        mhd_free(o);
        return NULL;
    }
    mhd_list_init(&o->jobs);
    mhd_list_init(&o->done);
    return o;
}

/* ---- the threads ------------------------------------------------------------- */

static void run_job(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    if (s->job == JOB_CALL) {
        size_t left = s->call_given;
        s->call_result = mhd_conn_invoke_handler(c, s->call_phase, s->call_data, &left);
        s->call_left = left;
    } else {
        s->pull_len = mhd_response_pull(c->busy->tx.resp, s->pull_pos, s->pull, s->pull_max);
    }
}

static void *helper_main(void *arg)
{
    struct mhd_h2 *h = arg;
    struct mhd_h2_offload *o = h->off;
    struct MHD_Connection *carrier = h->c;
    /* The thread acts for the carrier's worker: MHD_queue_response from a
     * handler it calls is a queue "on the connection's own thread". */
    mhd_worker_enter_thread(carrier->worker);
    pthread_mutex_lock(&o->lock);
    for (;;) {
        struct mhd_link *k = mhd_list_first(&o->jobs);
        if (k == NULL) {
            if (o->stop)
                break;
            o->idle++;
            pthread_cond_wait(&o->cond, &o->lock);
            o->idle--;
            continue;
        }
        mhd_list_remove(k);
        o->queued--;
        pthread_mutex_unlock(&o->lock);
        struct mhd_h2_stream *s = mhd_container_of(k, struct mhd_h2_stream, jlink);
        run_job(s);
        pthread_mutex_lock(&o->lock);
        mhd_list_push_back(&o->done, &s->jlink);
        pthread_mutex_unlock(&o->lock);
        mhd_worker_post_resume(carrier->worker, &carrier->item);
        pthread_mutex_lock(&o->lock);
    }
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

/* Hands the stream's job to a thread, starting one if every thread is
 * taken. Without any thread the job runs here, as it would without
 * offloading. */
static void post(struct mhd_h2_stream *s, uint8_t job)
{
    struct mhd_h2 *h = s->h;
    struct mhd_h2_offload *o = h->off;
    s->job = job;
    s->busy = true;
    mhd_h2_hold(s, true);
    if (o->stop) {
        /* The carrier is closing: the job never runs, as those queued
         * when it began to. */
        s->busy = false;
        mhd_h2_hold(s, false);
        return;
    }
    pthread_mutex_lock(&o->lock);
    mhd_list_push_back(&o->jobs, &s->jlink);
    o->queued++;
    bool more = o->idle < o->queued && o->n_threads < MAX_THREADS;
    pthread_mutex_unlock(&o->lock);
    pthread_cond_signal(&o->cond);
    if (!more)
        return;
    pthread_t tid;
    if (mhd_worker_spawn(h->c->worker, helper_main, h, &tid)) {
        o->threads[o->n_threads++] = tid;
        return;
    }
    if (o->n_threads > 0)
        return; /* the threads there are take it in turn */
    pthread_mutex_lock(&o->lock);
    mhd_list_remove(&s->jlink);
    o->queued--;
    mhd_list_push_back(&o->done, &s->jlink);
    pthread_mutex_unlock(&o->lock);
    run_job(s);
    mhd_conn_schedule(h->c); /* collected on the next round */
}

void mhd_h2_offload_call(struct mhd_h2_stream *s, enum mhd_call_phase phase, const char *data,
                         size_t size)
{
    s->call_phase = phase;
    s->call_data = data;
    s->call_given = size;
    s->call_done = false;
    post(s, JOB_CALL);
}

ssize_t mhd_h2_offload_pull(struct mhd_h2_stream *s, uint64_t pos, char *dst, size_t max)
{
    if (s->busy)
        return MHD_H2_PULL_WAIT;
    if (s->pull_ready) {
        if (s->pull_len <= 0) {
            s->pull_ready = false;
            return s->pull_len; /* nothing yet, the end, or an error */
        }
        size_t n = (size_t)s->pull_len - s->pull_off;
        if (n > max)
            n = max;
        memcpy(dst, s->pull + s->pull_off, n);
        s->pull_off += n;
        if (s->pull_off == (size_t)s->pull_len)
            s->pull_ready = false;
        return (ssize_t)n;
    }
    if (s->pull_cap < max) {
        char *p = mhd_realloc(s->pull, max);
        if (p == NULL)
            return MHD_CONTENT_READER_END_WITH_ERROR;
        s->pull = p;
        s->pull_cap = max;
    }
    s->pull_pos = pos;
    s->pull_max = max;
    s->pull_off = 0;
    post(s, JOB_PULL);
    return MHD_H2_PULL_WAIT;
}

/* ---- the inbox --------------------------------------------------------------- */

bool mhd_h2_offload_park(struct mhd_h2_stream *s, enum mhd_h2_park what, const uint8_t *a,
                         size_t a_len, const uint8_t *b, size_t b_len, uint32_t code)
{
    if (!s->busy)
        return false;
    size_t need = sizeof(struct parked) + a_len + b_len;
    if (what == PARK_FIELD && s->inbox_len + need > INBOX_FIELDS_CAP) {
        s->inbox_full = true;
        return true;
    }
    if (s->inbox_cap - s->inbox_len < need) {
        size_t cap = s->inbox_cap ? s->inbox_cap : 1024;
        while (cap - s->inbox_len < need)
            cap *= 2;
        char *p = mhd_realloc(s->inbox, cap);
        if (p == NULL) {
            /* Losing a body's bytes or its end would serve a wrong
             * request: the stream is given up when its job returns. */
            s->inbox_full = true;
            s->inbox_lost = true;
            return true;
        }
        s->inbox = p;
        s->inbox_cap = cap;
    }
    struct parked rec = {(uint8_t)what, code, a_len, b_len};
    char *dst = s->inbox + s->inbox_len;
    memcpy(dst, &rec, sizeof(rec));
    if (a_len)
        memcpy(dst + sizeof(rec), a, a_len);
    if (b_len)
        memcpy(dst + sizeof(rec) + a_len, b, b_len);
    s->inbox_len += need;
    return true;
}

/* Replays what arrived while the stream was busy, in order. */
static void replay(struct mhd_h2_stream *s)
{
    char *box = s->inbox;
    size_t len = s->inbox_len;
    s->inbox = NULL;
    s->inbox_len = s->inbox_cap = 0;
    for (size_t pos = 0; pos < len;) {
        struct parked rec;
        memcpy(&rec, box + pos, sizeof(rec));
        const uint8_t *a = (const uint8_t *)box + pos + sizeof(rec);
        const uint8_t *b = a + rec.a_len;
        pos += sizeof(rec) + rec.a_len + rec.b_len;
        switch ((enum mhd_h2_park)rec.what) {
        case PARK_DATA:
            mhd_h2_stream_data(s, a, rec.a_len);
            break;
        case PARK_FIELD:
            mhd_h2_stream_field(s, a, rec.a_len, b, rec.b_len);
            break;
        case PARK_END:
            mhd_h2_stream_end(s);
            break;
        case PARK_CLOSED:
            mhd_h2_stream_closed(s, rec.code);
            break;
        }
    }
    mhd_free(box);
    if (s->inbox_full) {
        s->inbox_full = false;
        s->too_large = true; /* trailer fields were dropped */
    }
}

/* A job is back: its result goes where the stream will look for it, what
 * arrived meanwhile is replayed, and the stream goes on. */
static void returned(struct mhd_h2_stream *s)
{
    struct MHD_Connection *c = &s->c;
    struct mhd_h2 *h = s->h;
    s->busy = false;
    if (s->job == JOB_CALL)
        s->call_done = true;
    else
        s->pull_ready = true;
    if (s->timeout_due) {
        s->timeout_due = false;
        mhd_timeout_set(h->c->worker, &h->c->item, s->timeout_ms);
    }
    mhd_h2_hold(s, c->item.suspended);
    replay(s);
    if (s->inbox_lost && !s->finished) {
        s->inbox_lost = false;
        mhd_conn_close(c, MHD_REQUEST_TERMINATED_WITH_ERROR);
    }
    if (s->resume_due) {
        s->resume_due = false;
        mhd_conn_resume_now(c);
    }
    if (s->finished)
        return;
    if (s->job == JOB_CALL) {
        mhd_h2_mark_runnable(s);
    } else {
        nghttp2_session_resume_data(h->ng, s->id);
        s->deferred = false;
    }
}

void mhd_h2_offload_collect(struct mhd_h2 *h)
{
    struct mhd_h2_offload *o = h->off;
    if (o == NULL)
        return;
    struct mhd_list done;
    mhd_list_init(&done);
    pthread_mutex_lock(&o->lock);
    mhd_list_splice_back(&done, &o->done);
    pthread_mutex_unlock(&o->lock);
    struct mhd_link *k;
    while ((k = mhd_list_first(&done)) != NULL) {
        mhd_list_remove(k);
        returned(mhd_container_of(k, struct mhd_h2_stream, jlink));
    }
}

/* Takes a stream off the job lists when the carrier ends: its result and
 * inbox are dropped, the carrier's end is the stream's. */
static void drop(struct mhd_h2_stream *s)
{
    mhd_list_remove(&s->jlink);
    s->busy = false;
    s->call_done = false;
    s->pull_ready = false;
    mhd_free(s->inbox);
    s->inbox = NULL;
    s->inbox_len = s->inbox_cap = 0;
    mhd_h2_hold(s, false);
}

void mhd_h2_offload_stop(struct mhd_h2 *h)
{
    struct mhd_h2_offload *o = h->off;
    if (o == NULL || o->stop)
        return;
    struct mhd_link *k;
    pthread_mutex_lock(&o->lock);
    o->stop = true;
    /* Jobs no thread took yet never run. */
    while ((k = mhd_list_first(&o->jobs)) != NULL) {
        o->queued--;
        drop(mhd_container_of(k, struct mhd_h2_stream, jlink));
    }
    pthread_cond_broadcast(&o->cond);
    pthread_mutex_unlock(&o->lock);
    /* Handlers that run are waited for, as over HTTP/1.1 a connection of
     * this mode ends when its handler returns. */
    for (unsigned int i = 0; i < o->n_threads; i++)
        pthread_join(o->threads[i], NULL);
    o->n_threads = 0;
    while ((k = mhd_list_first(&o->done)) != NULL)
        drop(mhd_container_of(k, struct mhd_h2_stream, jlink));
    /* The threads' last kick must not outlive the carrier. */
    mhd_worker_cancel_resume(h->c->worker, &h->c->item);
}

void mhd_h2_offload_free(struct mhd_h2 *h)
{
    struct mhd_h2_offload *o = h->off;
    if (o == NULL)
        return;
    mhd_h2_offload_stop(h);
    pthread_cond_destroy(&o->cond);
    pthread_mutex_destroy(&o->lock);
    mhd_free(o);
    h->off = NULL;
}
