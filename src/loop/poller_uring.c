/* The io_uring backend (prototype, issue 19 item 4): a poller and a
 * transport that share one ring per worker.
 *
 * Connections whose transport is the ring's (plain sockets of an internal
 * worker) are not polled: a multishot receive with provided buffers (one
 * buffer ring per worker) delivers their bytes, which the transport's recv
 * copies into the connection's read buffer; a small reply is copied into a
 * send buffer of the worker and queued as one IORING_OP_SEND, and every
 * queued send of the iteration leaves in the one io_uring_enter() that also
 * waits for the next events. Larger replies, files and a connection that was
 * never registered (its first request, read at once after accept) use the
 * plain system calls as before. Other descriptors (listen socket, wake-up,
 * TLS connections) are watched by multishot polls.
 *
 * A request in the kernel names its connection's state (struct ur_item) in
 * its user_data; the state outlives the connection until its last request
 * completes. Before a descriptor is closed, every SQE naming it is
 * submitted, so a descriptor number reused by the next accept never meets a
 * request meant for the old one. */
#include "loop/poller.h"

#include "io/transport.h"
#include "util/sys.h"

#ifdef MHD_HAVE_URING
#include <errno.h>
#include <liburing.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define UR_ENTRIES 512u
#define UR_BGID 7
#define UR_NBUFS 512u      /* provided receive buffers, a power of two */
#define UR_BUFSZ 2048u     /* each */
#define UR_QIN 2u          /* received buffers a connection holds inline */
#define UR_QSTOP 32u       /* beyond this, its receive is cancelled until read */
#define UR_SEND_MAX 16384u /* replies up to this size are copied and queued */
#define UR_NSBUF 64u       /* send buffers of a ring (replies queued at once) */

enum { TAG_IGN = 0, TAG_RECV = 1, TAG_SEND = 2, TAG_POLL = 3, TAG_POLLOUT = 4 };

struct ur_sbuf {
    struct ur_sbuf *next;
    char data[UR_SEND_MAX];
};

struct ur_ring;

struct ur_item {
    struct mhd_poll_item *item; /* NULL once removed */
    struct ur_ring *r;
    struct ur_item *next_ev;
    struct ur_item *all_prev, *all_next; /* every state of the ring */
    struct ur_sbuf *sbuf;
    /* Received buffers not read yet, in order: a ring of qcap entries,
     * inline while qcap is UR_QIN, on the heap when it grew (back inline
     * once empty); ur_q() gives the one in use. */
    union {
        struct ur_rx {
            uint16_t bid, len;
        } in[UR_QIN];
        struct ur_rx *heap;
    } q;
    int fd;
    unsigned int last_gen; /* generation of the last SQE naming fd */
    uint16_t inflight;     /* requests in the kernel that name this state */
    uint16_t err;          /* errno of a failed ring operation, 0 if none */
    uint16_t send_len;     /* bytes of the queued send (at most UR_SEND_MAX) */
    uint16_t qcap, qhead, qcount, qoff;
    uint8_t pending;   /* events gathered for the next report */
    uint16_t poll_mask; /* poll(2) bits: POLLRDHUP is 0x2000 */
    bool listed : 1;
    bool settled : 1; /* reads no more (upgrade) */
    bool poll_armed : 1;
    /* ring I/O connections */
    bool recv_armed : 1, recv_stopping : 1, pollout_armed : 1, eof : 1;
    bool send_busy : 1;
};
/* An idle connection's cost: its state is one 96-byte malloc chunk
 * (88 bytes asked), beside its struct MHD_Connection. */
_Static_assert(sizeof(struct ur_item) <= 88, "ur_item outgrew its malloc chunk");

static inline struct ur_rx *ur_q(struct ur_item *u)
{
    return u->qcap > UR_QIN ? u->q.heap : u->q.in;
}

struct ur_ring {
    struct io_uring ring;
    struct io_uring_buf_ring *br;
    size_t br_size;
    char *bufs;
    bool enabled;
    bool disabled_start;
    unsigned int gen; /* incremented at every submission */
    struct ur_sbuf *free_sbufs;
    struct ur_sbuf *sarena; /* UR_NSBUF of them, mapped (touched as used) */
    struct ur_item *ev_head, *ev_tail;
    struct ur_item *all; /* states alive or waiting for their requests */
};

static inline struct ur_ring *ring_of(struct mhd_poller *p)
{
    return (struct ur_ring *)p->ur;
}

static void ur_submit(struct ur_ring *r)
{
    if (!r->enabled)
        return;
    (void)io_uring_submit(&r->ring);
    r->gen++;
}

static struct io_uring_sqe *get_sqe(struct ur_ring *r)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (sqe == NULL) {
        ur_submit(r);
        sqe = io_uring_get_sqe(&r->ring);
    }
    return sqe;
}

static void recycle(struct ur_ring *r, uint16_t bid)
{
    io_uring_buf_ring_add(r->br, r->bufs + (size_t)bid * UR_BUFSZ, UR_BUFSZ, bid,
                          io_uring_buf_ring_mask(UR_NBUFS), 0);
    io_uring_buf_ring_advance(r->br, 1);
}

static void note(struct ur_item *u, unsigned int ev)
{
    if (ev == 0)
        return;
    u->pending = (uint8_t)(u->pending | ev);
    if (u->listed)
        return;
    u->listed = true;
    u->next_ev = NULL;
    struct ur_ring *r = u->r;
    if (r->ev_tail)
        r->ev_tail->next_ev = u;
    else
        r->ev_head = u;
    r->ev_tail = u;
}

static void put_sbuf(struct ur_ring *r, struct ur_sbuf *s)
{
    s->next = r->free_sbufs;
    r->free_sbufs = s;
}

static bool q_push(struct ur_item *u, uint16_t bid, uint16_t len)
{
    if (u->qcount == u->qcap) {
        unsigned int cap = u->qcap * 2u;
        if (cap > UR_NBUFS)
            return false;
        struct ur_rx *n = malloc(cap * sizeof(*n));
        if (n == NULL)
            return false;
        struct ur_rx *old = ur_q(u);
        for (unsigned int i = 0; i < u->qcount; i++)
            n[i] = old[(u->qhead + i) & (u->qcap - 1u)];
        if (u->qcap > UR_QIN)
            free(old);
        u->q.heap = n;
        u->qcap = (uint16_t)cap;
        u->qhead = 0;
    }
    ur_q(u)[(u->qhead + u->qcount) & (u->qcap - 1u)] = (struct ur_rx){bid, len};
    u->qcount++;
    return true;
}

/* Takes the first buffer off the queue and gives it back to the ring. */
static void q_pop(struct ur_ring *r, struct ur_item *u)
{
    recycle(r, ur_q(u)[u->qhead].bid);
    u->qhead = (uint16_t)((u->qhead + 1u) & (u->qcap - 1u));
    u->qcount--;
    u->qoff = 0;
    if (u->qcount == 0 && u->qcap > UR_QIN) {
        free(u->q.heap);
        u->qcap = UR_QIN;
        u->qhead = 0;
    }
}

static void free_item(struct ur_item *u)
{
    struct ur_ring *r = u->r;
    if (u->sbuf)
        put_sbuf(r, u->sbuf);
    if (u->qcap > UR_QIN)
        free(u->q.heap);
    if (u->all_prev)
        u->all_prev->all_next = u->all_next;
    else
        r->all = u->all_next;
    if (u->all_next)
        u->all_next->all_prev = u->all_prev;
    free(u);
}

static void maybe_free(struct ur_item *u)
{
    if (u->item == NULL && u->inflight == 0 && !u->listed)
        free_item(u);
}

static bool arm_recv(struct ur_item *u)
{
    struct io_uring_sqe *sqe = get_sqe(u->r);
    if (sqe == NULL)
        return false;
    io_uring_prep_recv_multishot(sqe, u->fd, NULL, 0, 0);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = UR_BGID;
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)u | TAG_RECV);
    u->recv_armed = true;
    u->recv_stopping = false;
    u->inflight++;
    u->last_gen = u->r->gen;
    return true;
}

/* Receives again, unless the connection holds enough it has not read
 * yet, its input ended, or it leaves the library. */
static void rearm_recv(struct ur_item *u)
{
    if (u->item != NULL && !u->recv_armed && !u->eof && !u->err && !u->settled &&
        u->qcount < UR_QSTOP / 2)
        arm_recv(u);
}

/* Edge-triggered items (connections the ring does not read for, as TLS
 * ones) keep one multishot poll for both directions. Level-triggered ones
 * (listen socket, wake-up) take a one-shot poll, armed again after each
 * report while they wait for something: armed on a descriptor that is still
 * ready (accept stopped at its batch) it completes at once, as a level
 * registration reports again. */
static bool arm_poll(struct ur_item *u, unsigned int mask)
{
    struct io_uring_sqe *sqe = get_sqe(u->r);
    if (sqe == NULL)
        return false;
    if (u->item->interest & MHD_POLL_EDGE)
        io_uring_prep_poll_multishot(sqe, u->fd, mask);
    else
        io_uring_prep_poll_add(sqe, u->fd, mask);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)u | TAG_POLL);
    u->poll_armed = true;
    u->poll_mask = (uint16_t)mask;
    u->inflight++;
    u->last_gen = u->r->gen;
    return true;
}

static bool arm_pollout(struct ur_item *u)
{
    struct io_uring_sqe *sqe = get_sqe(u->r);
    if (sqe == NULL)
        return false;
    /* Multishot: armed once when a system call first finds the socket
     * full, it stays, as an epoll registration does (the socket wakes it
     * only after it was full again). */
    io_uring_prep_poll_multishot(sqe, u->fd, POLLOUT);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)u | TAG_POLLOUT);
    u->pollout_armed = true;
    u->inflight++;
    u->last_gen = u->r->gen;
    return true;
}

static void cancel(struct ur_item *u, unsigned int tag)
{
    struct io_uring_sqe *sqe = get_sqe(u->r);
    if (sqe == NULL)
        return;
    io_uring_prep_cancel64(sqe, (uint64_t)(uintptr_t)u | tag, 0);
    io_uring_sqe_set_data64(sqe, TAG_IGN);
}

static unsigned int poll_mask_for(const struct mhd_poll_item *it)
{
    if (it->interest & MHD_POLL_EDGE)
        return POLLIN | POLLRDHUP | POLLOUT;
    unsigned int m = 0;
    if (it->interest & MHD_POLL_IN)
        m |= POLLIN;
    if (it->interest & MHD_POLL_OUT)
        m |= POLLOUT;
    return m;
}

static bool ur_init(struct mhd_poller *p)
{
    p->epfd = -1;
    struct ur_ring *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return false;
    struct io_uring_params prm;
    memset(&prm, 0, sizeof(prm));
    prm.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                IORING_SETUP_R_DISABLED;
    prm.cq_entries = UR_ENTRIES * 4;
    int rc = io_uring_queue_init_params(UR_ENTRIES, &r->ring, &prm);
    if (rc < 0) {
        free(r);
        errno = -rc;
        return false;
    }
    r->disabled_start = true;
    r->br_size = UR_NBUFS * sizeof(struct io_uring_buf);
    void *mem = mmap(NULL, r->br_size, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    void *bufs = mmap(NULL, (size_t)UR_NBUFS * UR_BUFSZ, PROT_READ | PROT_WRITE,
                      MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    r->bufs = bufs == MAP_FAILED ? NULL : bufs;
    if (mem == MAP_FAILED || r->bufs == NULL) {
        if (mem != MAP_FAILED)
            munmap(mem, r->br_size);
        if (r->bufs)
            munmap(r->bufs, (size_t)UR_NBUFS * UR_BUFSZ);
        io_uring_queue_exit(&r->ring);
        free(r);
        errno = ENOMEM;
        return false;
    }
    r->br = mem;
    void *sa = mmap(NULL, UR_NSBUF * sizeof(struct ur_sbuf), PROT_READ | PROT_WRITE,
                    MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
    if (sa == MAP_FAILED) {
        munmap(mem, r->br_size);
        munmap(r->bufs, (size_t)UR_NBUFS * UR_BUFSZ);
        io_uring_queue_exit(&r->ring);
        free(r);
        errno = ENOMEM;
        return false;
    }
    r->sarena = sa;
    for (unsigned int i = UR_NSBUF; i-- > 0;)
        put_sbuf(r, &r->sarena[i]);
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = (uint64_t)(uintptr_t)mem;
    reg.ring_entries = UR_NBUFS;
    reg.bgid = UR_BGID;
    rc = io_uring_register_buf_ring(&r->ring, &reg, 0);
    if (rc < 0) {
        munmap(mem, r->br_size);
        munmap(r->bufs, (size_t)UR_NBUFS * UR_BUFSZ);
        munmap(r->sarena, UR_NSBUF * sizeof(struct ur_sbuf));
        io_uring_queue_exit(&r->ring);
        free(r);
        errno = -rc;
        return false;
    }
    io_uring_buf_ring_init(r->br);
    for (unsigned int i = 0; i < UR_NBUFS; i++)
        io_uring_buf_ring_add(r->br, r->bufs + (size_t)i * UR_BUFSZ, UR_BUFSZ, (uint16_t)i,
                              io_uring_buf_ring_mask(UR_NBUFS), (int)i);
    io_uring_buf_ring_advance(r->br, UR_NBUFS);
    p->ur = r;
    p->epfd = r->ring.ring_fd; /* for MHD_DAEMON_INFO_EPOLL_FD, never closed by it */
    return true;
}

static void ur_deinit(struct mhd_poller *p)
{
    struct ur_ring *r = ring_of(p);
    if (r == NULL)
        return;
    io_uring_queue_exit(&r->ring);
    munmap(r->br, r->br_size);
    munmap(r->bufs, (size_t)UR_NBUFS * UR_BUFSZ);
    /* States still named by requests die with the ring. */
    while (r->all)
        free_item(r->all);
    munmap(r->sarena, UR_NSBUF * sizeof(struct ur_sbuf));
    free(r);
    p->ur = NULL;
    p->epfd = -1;
}

static bool ur_add(struct mhd_poller *p, struct mhd_poll_item *it)
{
    struct ur_ring *r = ring_of(p);
    struct ur_item *u = calloc(1, sizeof(*u));
    if (u == NULL)
        return false;
    u->item = it;
    u->r = r;
    u->fd = it->fd;
    u->qcap = UR_QIN;
    u->last_gen = r->gen - 1;
    u->all_next = r->all;
    if (r->all)
        r->all->all_prev = u;
    r->all = u;
    bool ok = true;
    if (it->ring_io) {
        ok = arm_recv(u);
        if (ok && (it->interest & MHD_POLL_OUT))
            ok = arm_pollout(u);
    } else if (poll_mask_for(it) != 0) {
        ok = arm_poll(u, poll_mask_for(it));
    }
    if (!ok) {
        u->item = NULL;
        free_item(u);
        errno = EBUSY;
        return false;
    }
    it->aux = u;
    it->registered = true;
    return true;
}

static bool ur_modify(struct mhd_poller *p, struct mhd_poll_item *it)
{
    (void)p;
    struct ur_item *u = it->aux;
    if (u == NULL)
        return true;
    if (it->ring_io) {
        if ((it->interest & MHD_POLL_OUT) && !u->send_busy && !u->pollout_armed)
            return arm_pollout(u);
        return true;
    }
    if (it->interest & MHD_POLL_EDGE)
        return true; /* its poll watches both directions */
    unsigned int want = poll_mask_for(it);
    if (want == 0 || (want == u->poll_mask && u->poll_armed))
        return true; /* nothing wanted: a poll still armed fires once, unheard */
    if (!u->poll_armed)
        return arm_poll(u, want);
    struct io_uring_sqe *sqe = get_sqe(u->r);
    if (sqe == NULL)
        return false;
    io_uring_prep_poll_update(sqe, (uint64_t)(uintptr_t)u | TAG_POLL,
                              (uint64_t)(uintptr_t)u | TAG_POLL, want, IORING_POLL_UPDATE_EVENTS);
    io_uring_sqe_set_data64(sqe, TAG_IGN);
    u->poll_mask = (uint16_t)want;
    return true;
}

static void ur_remove(struct mhd_poller *p, struct mhd_poll_item *it)
{
    struct ur_ring *r = ring_of(p);
    struct ur_item *u = it->aux;
    it->aux = NULL;
    it->registered = false;
    if (u == NULL)
        return;
    u->item = NULL;
    /* The descriptor is about to be closed (or handed out): what names it
     * must reach the kernel first. */
    if (u->last_gen == r->gen)
        ur_submit(r);
    while (u->qcount)
        q_pop(r, u);
    if (u->recv_armed)
        cancel(u, TAG_RECV);
    if (u->pollout_armed)
        cancel(u, TAG_POLLOUT);
    if (u->poll_armed)
        cancel(u, TAG_POLL);
    u->recv_armed = u->pollout_armed = u->poll_armed = false;
    maybe_free(u);
}

static unsigned int from_poll(unsigned int m)
{
    unsigned int e = 0;
    if (m & (POLLIN | POLLRDHUP))
        e |= MHD_POLL_IN;
    if (m & POLLOUT)
        e |= MHD_POLL_OUT;
    if (m & (POLLRDHUP | POLLHUP | POLLERR))
        e |= MHD_POLL_HUP;
    if (m & (POLLERR | POLLHUP))
        e |= MHD_POLL_ERR;
    return e;
}

static void on_cqe(struct ur_ring *r, struct io_uring_cqe *cqe)
{
    uint64_t ud = io_uring_cqe_get_data64(cqe);
    unsigned int tag = (unsigned int)(ud & 7u);
    if (tag == TAG_IGN)
        return;
    struct ur_item *u = (struct ur_item *)(uintptr_t)(ud & ~(uint64_t)7u);
    bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
    int res = cqe->res;
    struct mhd_poll_item *it = u->item;
    switch (tag) {
    case TAG_RECV:
        if (!more) {
            u->inflight--;
            u->recv_armed = false;
        }
        if (res > 0 && (cqe->flags & IORING_CQE_F_BUFFER)) {
            uint16_t bid = (uint16_t)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
            if (it == NULL || !q_push(u, bid, (uint16_t)res)) {
                recycle(r, bid);
                if (it != NULL)
                    u->err = (uint16_t)ENOMEM;
            } else {
                if (u->qcount >= UR_QSTOP && u->recv_armed && more && !u->recv_stopping) {
                    cancel(u, TAG_RECV);
                    u->recv_stopping = true;
                }
            }
            if (it)
                note(u, MHD_POLL_IN);
        } else if (res == 0) {
            u->eof = true;
            if (it)
                note(u, MHD_POLL_IN | MHD_POLL_HUP);
        } else if (res < 0 && res != -ENOBUFS && res != -ECANCELED) {
            u->err = (uint16_t)-res;
            if (it)
                note(u, MHD_POLL_IN | MHD_POLL_ERR);
        }
        /* Out of buffers, or stopped because the connection holds enough
         * unread: taken up again as it reads (ur_recv). */
        if (!more)
            rearm_recv(u);
        break;
    case TAG_SEND:
        u->inflight--;
        u->send_busy = false;
        if (u->sbuf) {
            put_sbuf(r, u->sbuf);
            u->sbuf = NULL;
        }
        if (res < 0 || (uint32_t)res != u->send_len) {
            u->err = (uint16_t)(res < 0 ? -res : EIO);
            if (it)
                note(u, MHD_POLL_IN | MHD_POLL_OUT | MHD_POLL_ERR);
        } else if (it && (it->interest & MHD_POLL_OUT)) {
            note(u, MHD_POLL_OUT);
        }
        break;
    case TAG_POLLOUT:
        if (!more) {
            u->inflight--;
            u->pollout_armed = false;
        }
        if (it && (it->interest & MHD_POLL_OUT))
            note(u, MHD_POLL_OUT);
        break;
    case TAG_POLL:
        if (!more) {
            u->inflight--;
            u->poll_armed = false;
        }
        if (it && res > 0) {
            unsigned int e = from_poll((unsigned int)res);
            unsigned int keep =
                MHD_POLL_HUP | MHD_POLL_ERR | (it->interest & (MHD_POLL_IN | MHD_POLL_OUT));
            note(u, e & keep);
        }
        if (!more && it && !u->poll_armed && res != -ECANCELED && poll_mask_for(it) != 0)
            arm_poll(u, poll_mask_for(it));
        break;
    }
    maybe_free(u);
}

static void reap(struct ur_ring *r)
{
    struct io_uring_cqe *cqe;
    unsigned int head, seen = 0;
    io_uring_for_each_cqe(&r->ring, head, cqe)
    {
        on_cqe(r, cqe);
        seen++;
    }
    io_uring_cq_advance(&r->ring, seen);
}

static int ur_wait(struct mhd_poller *p, int timeout_ms, struct mhd_poll_event *ev, int max)
{
    struct ur_ring *r = ring_of(p);
    if (!r->enabled) {
        if (r->disabled_start && syscall(__NR_io_uring_register, r->ring.ring_fd,
                                         IORING_REGISTER_ENABLE_RINGS, NULL, 0) < 0)
            return -1;
        r->enabled = true;
    }
    if (r->ev_head == NULL && io_uring_cq_ready(&r->ring) == 0) {
        struct io_uring_cqe *cqe;
        int rc;
        if (timeout_ms < 0) {
            rc = io_uring_submit_and_wait(&r->ring, 1);
        } else {
            struct __kernel_timespec ts;
            ts.tv_sec = timeout_ms / 1000;
            ts.tv_nsec = (long long)(timeout_ms % 1000) * 1000000;
            rc = io_uring_submit_and_wait_timeout(&r->ring, &cqe, 1, &ts, NULL);
        }
        r->gen++;
        if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
            errno = -rc;
            return -1;
        }
    } else if (io_uring_sq_ready(&r->ring)) {
        ur_submit(r);
    }
    reap(r);
    int n = 0;
    while (n < max && r->ev_head != NULL) {
        struct ur_item *u = r->ev_head;
        r->ev_head = u->next_ev;
        if (r->ev_head == NULL)
            r->ev_tail = NULL;
        u->listed = false;
        unsigned int e = u->pending;
        u->pending = 0;
        if (u->item != NULL && e != 0) {
            ev[n].item = u->item;
            ev[n].events = e;
            n++;
        } else {
            maybe_free(u);
        }
    }
    return n;
}

static void ur_settle(struct mhd_poller *p, struct mhd_poll_item *it)
{
    struct ur_ring *r = ring_of(p);
    struct ur_item *u = it->aux;
    if (u == NULL || !it->ring_io)
        return;
    u->settled = true;
    if (!u->recv_armed)
        return;
    cancel(u, TAG_RECV);
    /* Events of the other items found meanwhile stay listed for the next
     * wait. */
    while (u->recv_armed && r->enabled) {
        int rc = io_uring_submit_and_wait(&r->ring, 1);
        r->gen++;
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY)
            break;
        reap(r);
    }
}

const struct mhd_poller_ops mhd_poller_uring = {
    .settle = ur_settle,
    .name = "io_uring",
    .init = ur_init,
    .deinit = ur_deinit,
    .add = ur_add,
    .modify = ur_modify,
    .remove = ur_remove,
    .wait = ur_wait,
};

/* ---- the transport ------------------------------------------------------ */

static inline struct ur_item *xp_item(struct mhd_xport *x)
{
    struct mhd_poll_item *it = x->state;
    return it ? it->aux : NULL;
}

static enum mhd_io ur_recv(struct mhd_xport *x, void *buf, size_t len, size_t *got)
{
    struct ur_item *u = xp_item(x);
    if (u == NULL)
        return mhd_transport_plain.recv(x, buf, len, got);
    struct ur_ring *r = u->r;
    size_t n = 0;
    char *out = buf;
    while (u->qcount && n < len) {
        const struct ur_rx *e = &ur_q(u)[u->qhead];
        size_t avail = (size_t)e->len - u->qoff;
        size_t take = avail < len - n ? avail : len - n;
        memcpy(out + n, r->bufs + (size_t)e->bid * UR_BUFSZ + u->qoff, take);
        n += take;
        u->qoff = (uint16_t)(u->qoff + take);
        if (u->qoff == e->len)
            q_pop(r, u);
    }
    rearm_recv(u);
    x->drained = u->qcount == 0;
    if (n > 0) {
        *got = n;
        return IO_DONE;
    }
    if (u->eof)
        return IO_EOF;
    if (u->err) {
        errno = u->err;
        return IO_FAILED;
    }
    return IO_AGAIN;
}

/* A system call found the socket full: as with an edge-triggered epoll
 * registration, the item hears when it has room again. */
static enum mhd_io sync_done(struct ur_item *u, enum mhd_io io)
{
    if (io == IO_AGAIN && !u->pollout_armed)
        arm_pollout(u);
    return io;
}

static enum mhd_io ur_writev(struct mhd_xport *x, const struct iovec *iov, int iovcnt, bool more,
                             size_t *sent)
{
    struct ur_item *u = xp_item(x);
    if (u == NULL)
        return mhd_transport_plain.writev(x, iov, iovcnt, more, sent);
    if (u->err) {
        errno = u->err;
        return IO_FAILED;
    }
    if (u->send_busy)
        return IO_AGAIN;
    size_t total = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    if (total > UR_SEND_MAX || total == 0)
        return sync_done(u, mhd_transport_plain.writev(x, iov, iovcnt, more, sent));
    struct ur_ring *r = u->r;
    struct ur_sbuf *s = r->free_sbufs;
    if (s == NULL) /* as many replies queued as the ring has buffers */
        return sync_done(u, mhd_transport_plain.writev(x, iov, iovcnt, more, sent));
    r->free_sbufs = s->next;
    struct io_uring_sqe *sqe = get_sqe(r);
    if (sqe == NULL) {
        put_sbuf(r, s);
        return sync_done(u, mhd_transport_plain.writev(x, iov, iovcnt, more, sent));
    }
    size_t off = 0;
    for (int i = 0; i < iovcnt; i++) {
        memcpy(s->data + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    io_uring_prep_send(sqe, u->fd, s->data, total, MSG_NOSIGNAL | MSG_WAITALL);
    io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)u | TAG_SEND);
    u->sbuf = s;
    u->send_busy = true;
    u->send_len = (uint16_t)total;
    u->inflight++;
    u->last_gen = r->gen;
    *sent = total;
    return IO_DONE;
}

static enum mhd_io ur_sendfile(struct mhd_xport *x, int file_fd, uint64_t *offset, size_t len,
                               size_t *sent)
{
    struct ur_item *u = xp_item(x);
    if (u != NULL && u->err) {
        errno = u->err;
        return IO_FAILED;
    }
    if (u != NULL && u->send_busy)
        return IO_AGAIN;
    enum mhd_io io = mhd_transport_plain.sendfile(x, file_fd, offset, len, sent);
    return u != NULL ? sync_done(u, io) : io;
}

static enum mhd_io ur_end_send(struct mhd_xport *x, bool fin)
{
    struct ur_item *u = xp_item(x);
    if (u != NULL && u->send_busy) {
        /* What was queued leaves before the FIN. */
        if (u->last_gen == u->r->gen)
            ur_submit(u->r);
        x->want_write = true;
        return IO_AGAIN;
    }
    return mhd_transport_plain.end_send(x, fin);
}

const struct mhd_transport mhd_transport_uring = {
    .name = "io_uring",
    .short_read_drains = true,
    .raw_socket = true,
    .end_answered = false,
    .handshake = NULL,
    .recv = ur_recv,
    .writev = ur_writev,
    .sendfile = ur_sendfile,
    .end_send = ur_end_send,
    .release = NULL,
};

#endif
