/* Digest nonces: issuing, recognising, and the nonce-count table.
 *
 * A nonce is 88 lowercase hex digits encoding 44 bytes:
 *
 *     time (8, ms, big endian) | seq (4) | id tag (16) | bind tag (16)
 *
 * `seq` comes from a per-daemon counter, so two nonces issued in the same
 * millisecond still differ. The id tag is HMAC-SHA-256(key, "I" time seq)
 * and proves without any state that we issued the nonce and when: a forged
 * or altered nonce is "wrong", an old one is "stale". The bind tag is
 * HMAC-SHA-256(key, "B" time seq bind-data), where bind-data holds what the
 * daemon's bind type asks for (realm; method and path; arguments; client
 * address); recomputing it for a later request tells whether that request
 * meets the conditions the nonce was issued under. Both tags are the first
 * 16 bytes of the MAC, which is plenty against guessing.
 *
 * The key is derived once per daemon from operating-system randomness and
 * the application's MHD_OPTION_DIGEST_AUTH_RANDOM data. The HMAC inner and
 * outer states after the key block are precomputed, so a tag costs two
 * compression calls plus the message, and issuing a nonce takes the table
 * lock only to store the slot.
 *
 * The table has nc_size slots; nonce number `seq` lives in slot
 * seq % nc_size, so a new nonce evicts the oldest one (FIFO). A slot records
 * the highest nonce count used and a bit mask of the NC_WINDOW counts below
 * it, so requests that overtake each other on parallel connections still
 * pass while every count is accepted at most once. */
#include "auth/auth_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<sys/random.h>)
#include <sys/random.h>
#define AUTH_HAVE_GETRANDOM 1
#endif
#endif

/* How many counts below the highest one seen may still arrive late. */
#define NC_WINDOW 64u

#define NONCE_BYTES 44
#define TAG_LEN 16

struct nonce_slot {
    uint64_t time_ms;
    uint32_t seq;
    uint32_t nc_max;  /* highest count used, 0: none yet */
    uint64_t nc_seen; /* bit i: count nc_max - 1 - i was used */
    bool valid;
    bool burned; /* used once in RFC 2069 mode */
};

struct mhd_dauth {
    struct mhd_sha256 mac_inner; /* after the key XOR ipad block */
    struct mhd_sha256 mac_outer; /* after the key XOR opad block */
    atomic_uint_least32_t next_seq;
    unsigned int bind_type;
    unsigned int default_timeout;
    uint32_t default_max_nc;
    unsigned int nc_size;
    pthread_mutex_t lock; /* guards slots */
    struct nonce_slot *slots;
};

/* ---------------------------------------------------------------------- */
/* Creation                                                                */
/* ---------------------------------------------------------------------- */

static void wipe(void *p, size_t len)
{
    volatile uint8_t *v = p;
    while (len--)
        *v++ = 0;
}

static bool read_urandom(uint8_t *buf, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t got = 0;
    while (got < len) {
        ssize_t r = read(fd, buf + got, len - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == len;
}

/* Fills `buf` with unpredictable bytes. If the system offers none, the
 * clocks and addresses below are all we have; the application's random
 * data then carries the secrecy of the key. */
static void os_random(uint8_t *buf, size_t len)
{
#ifdef AUTH_HAVE_GETRANDOM
    size_t got = 0;
    while (got < len) {
        ssize_t r = getrandom(buf + got, len - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    if (got == len)
        return;
#endif
    if (read_urandom(buf, len))
        return;
    struct timespec ts[2];
    clock_gettime(CLOCK_REALTIME, &ts[0]);
    clock_gettime(CLOCK_MONOTONIC, &ts[1]);
    uintptr_t where = (uintptr_t)buf;
    pid_t pid = getpid();
    struct mhd_sha256 c;
    uint8_t h[AUTH_SHA256_SIZE];
    mhd_sha256_init(&c);
    mhd_sha256_update(&c, ts, sizeof(ts));
    mhd_sha256_update(&c, &where, sizeof(where));
    mhd_sha256_update(&c, &pid, sizeof(pid));
    mhd_sha256_finish(&c, h);
    for (size_t i = 0; i < len; i++)
        buf[i] = h[i % sizeof(h)];
}

static void put_be64(uint8_t *p, uint64_t v)
{
    for (unsigned int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (unsigned int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}

/* Derives the MAC key and precomputes the HMAC states (RFC 2104). */
static void setup_key(struct mhd_dauth *d, const struct mhd_dauth_config *cfg)
{
    uint8_t seed[36], key[AUTH_SHA256_SIZE], len_be[8], block[64];
    struct mhd_sha256 c;
    os_random(seed, sizeof(seed));
    put_be64(len_be, cfg->random_len);
    mhd_sha256_init(&c);
    mhd_sha256_update(&c, "mhd digest nonce key", 20);
    mhd_sha256_update(&c, seed, 32);
    mhd_sha256_update(&c, len_be, sizeof(len_be));
    if (cfg->random != NULL && cfg->random_len != 0)
        mhd_sha256_update(&c, cfg->random, cfg->random_len);
    mhd_sha256_finish(&c, key);
    atomic_init(&d->next_seq, (uint_least32_t)((uint32_t)seed[32] << 24 | (uint32_t)seed[33] << 16 |
                                               (uint32_t)seed[34] << 8 | seed[35]));

    memset(block, 0, sizeof(block));
    memcpy(block, key, sizeof(key));
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] ^= 0x36;
    mhd_sha256_init(&d->mac_inner);
    mhd_sha256_update(&d->mac_inner, block, sizeof(block));
    for (size_t i = 0; i < sizeof(block); i++)
        block[i] ^= 0x36 ^ 0x5c;
    mhd_sha256_init(&d->mac_outer);
    mhd_sha256_update(&d->mac_outer, block, sizeof(block));
    wipe(block, sizeof(block));
    wipe(key, sizeof(key));
    wipe(seed, sizeof(seed));
    wipe(&c, sizeof(c));
}

struct mhd_dauth *mhd_dauth_create(const struct mhd_dauth_config *cfg)
{
    struct mhd_dauth *d = mhd_calloc(1, sizeof(*d));
    if (d == NULL)
        return NULL;
    d->bind_type = cfg->bind_type;
    d->default_timeout = cfg->default_timeout ? cfg->default_timeout : 90;
    d->default_max_nc = cfg->default_max_nc ? cfg->default_max_nc : 1000;
    d->nc_size = cfg->nc_size;
    if (d->nc_size != 0) {
        d->slots = mhd_calloc(d->nc_size, sizeof(*d->slots));
        if (d->slots == NULL) {
            mhd_free(d);
            return NULL;
        }
    }
    if (pthread_mutex_init(&d->lock, NULL) != 0) {
        mhd_free(d->slots);
        mhd_free(d);
        return NULL;
    }
    setup_key(d, cfg);
    return d;
}

void mhd_dauth_destroy(struct mhd_dauth *d)
{
    if (d == NULL)
        return;
    pthread_mutex_destroy(&d->lock);
    mhd_free(d->slots);
    wipe(d, sizeof(*d));
    mhd_free(d);
}

uint64_t mhd_dauth_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

unsigned int mhd_dauth_default_timeout(const struct mhd_dauth *d)
{
    return d->default_timeout;
}

uint32_t mhd_dauth_default_max_nc(const struct mhd_dauth *d)
{
    return d->default_max_nc;
}

/* ---------------------------------------------------------------------- */
/* Tags                                                                    */
/* ---------------------------------------------------------------------- */

static void mac_begin(const struct mhd_dauth *d, struct mhd_sha256 *c, char label, uint64_t time_ms,
                      uint32_t seq)
{
    uint8_t head[13];
    head[0] = (uint8_t)label;
    put_be64(head + 1, time_ms);
    head[9] = (uint8_t)(seq >> 24);
    head[10] = (uint8_t)(seq >> 16);
    head[11] = (uint8_t)(seq >> 8);
    head[12] = (uint8_t)seq;
    *c = d->mac_inner;
    mhd_sha256_update(c, head, sizeof(head));
}

static void mac_end(const struct mhd_dauth *d, struct mhd_sha256 *c, uint8_t *tag)
{
    uint8_t inner[AUTH_SHA256_SIZE], mac[AUTH_SHA256_SIZE];
    mhd_sha256_finish(c, inner);
    *c = d->mac_outer;
    mhd_sha256_update(c, inner, sizeof(inner));
    mhd_sha256_finish(c, mac);
    memcpy(tag, mac, TAG_LEN);
}

static void id_tag(const struct mhd_dauth *d, uint64_t time_ms, uint32_t seq, uint8_t *tag)
{
    struct mhd_sha256 c;
    mac_begin(d, &c, 'I', time_ms, seq);
    mac_end(d, &c, tag);
}

/* Bind data is fed length-prefixed, so no two different requests hash
 * the same byte stream. */
static void mac_field(struct mhd_sha256 *c, const void *data, size_t len)
{
    uint8_t len_be[8];
    put_be64(len_be, len);
    mhd_sha256_update(c, len_be, sizeof(len_be));
    if (len)
        mhd_sha256_update(c, data, len);
}

static void mac_arg(void *ctx, const char *key, size_t key_len, const char *value, size_t value_len)
{
    struct mhd_sha256 *c = ctx;
    mhd_sha256_update(c, value != NULL ? "a" : "k", 1);
    mac_field(c, key, key_len);
    if (value != NULL)
        mac_field(c, value, value_len);
}

static void mac_client(struct mhd_sha256 *c, const struct sockaddr *sa, size_t len)
{
    if (sa == NULL || len < sizeof(sa_family_t)) {
        mhd_sha256_update(c, "-", 1);
        return;
    }
    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        mhd_sha256_update(c, "4", 1);
        mhd_sha256_update(c, &in->sin_addr, sizeof(in->sin_addr));
    } else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        mhd_sha256_update(c, "6", 1);
        mhd_sha256_update(c, &in6->sin6_addr, sizeof(in6->sin6_addr));
    } else {
        /* Other families have no port to leave out: take the address as is. */
        mhd_sha256_update(c, "o", 1);
        mac_field(c, sa, len);
    }
}

static void bind_tag(const struct mhd_dauth *d, uint64_t time_ms, uint32_t seq,
                     const struct mhd_auth_request *req, const char *realm, size_t realm_len,
                     uint8_t *tag)
{
    struct mhd_sha256 c;
    unsigned int bind = d->bind_type;
    uint8_t type = (uint8_t)bind;
    mac_begin(d, &c, 'B', time_ms, seq);
    mhd_sha256_update(&c, &type, 1);
    if (bind & MHD_DAUTH_BIND_NONCE_REALM)
        mac_field(&c, realm, realm_len);
    if (bind & (MHD_DAUTH_BIND_NONCE_URI | MHD_DAUTH_BIND_NONCE_URI_PARAMS)) {
        mac_field(&c, req->method, req->method_len);
        mac_field(&c, req->path, req->path_len);
    }
    if (bind & MHD_DAUTH_BIND_NONCE_URI_PARAMS) {
        if (req->walk_args != NULL)
            req->walk_args(req->args_cls, mac_arg, &c);
        mhd_sha256_update(&c, "e", 1);
    }
    if (bind & MHD_DAUTH_BIND_NONCE_CLIENT_IP)
        mac_client(&c, req->client_addr, req->client_addr_len);
    mac_end(d, &c, tag);
}

/* ---------------------------------------------------------------------- */
/* The table                                                               */
/* ---------------------------------------------------------------------- */

static struct nonce_slot *find_slot(struct mhd_dauth *d, const struct mhd_nonce_ref *ref)
{
    if (d->nc_size == 0)
        return NULL;
    struct nonce_slot *s = &d->slots[ref->seq % d->nc_size];
    if (!s->valid || s->seq != ref->seq || s->time_ms != ref->time_ms)
        return NULL;
    return s;
}

/* Whether count `nc` (0: RFC 2069) may be used now. Caller holds the lock. */
static bool slot_accepts(const struct nonce_slot *s, uint32_t nc)
{
    if (s->burned)
        return false;
    if (nc == 0)
        return s->nc_max == 0;
    if (nc > s->nc_max)
        return true;
    uint32_t back = s->nc_max - nc;
    if (back == 0 || back > NC_WINDOW)
        return false;
    return ((s->nc_seen >> (back - 1)) & 1u) == 0;
}

static void slot_record(struct nonce_slot *s, uint32_t nc)
{
    if (nc == 0) {
        s->burned = true;
        return;
    }
    if (nc > s->nc_max) {
        uint32_t shift = nc - s->nc_max;
        uint64_t seen = shift >= 64 ? 0 : s->nc_seen << shift;
        if (s->nc_max != 0 && shift <= 64)
            seen |= (uint64_t)1 << (shift - 1);
        s->nc_seen = seen;
        s->nc_max = nc;
    } else {
        s->nc_seen |= (uint64_t)1 << (s->nc_max - nc - 1);
    }
}

/* ---------------------------------------------------------------------- */
/* Issuing and checking                                                    */
/* ---------------------------------------------------------------------- */

bool mhd_nonce_issue(struct mhd_dauth *d, const struct mhd_auth_request *req, const char *realm,
                     size_t realm_len, char *out)
{
    if (d->nc_size == 0)
        return false;
    uint32_t seq = (uint32_t)atomic_fetch_add_explicit(&d->next_seq, 1, memory_order_relaxed);
    uint64_t t = req->now_ms;
    uint8_t raw[NONCE_BYTES];
    put_be64(raw, t);
    raw[8] = (uint8_t)(seq >> 24);
    raw[9] = (uint8_t)(seq >> 16);
    raw[10] = (uint8_t)(seq >> 8);
    raw[11] = (uint8_t)seq;
    id_tag(d, t, seq, raw + 12);
    bind_tag(d, t, seq, req, realm, realm_len, raw + 12 + TAG_LEN);
    mhd_auth_bin_to_hex(raw, sizeof(raw), out);

    pthread_mutex_lock(&d->lock);
    struct nonce_slot *s = &d->slots[seq % d->nc_size];
    s->time_ms = t;
    s->seq = seq;
    s->nc_max = 0;
    s->nc_seen = 0;
    s->valid = true;
    s->burned = false;
    pthread_mutex_unlock(&d->lock);
    return true;
}

/* Decodes our own hex form; uppercase digits are not ours. */
static bool decode_nonce(const char *nonce, size_t len, uint8_t *raw)
{
    if (len != AUTH_NONCE_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = nonce[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return mhd_auth_hex_to_bin(nonce, len, raw);
}

enum MHD_DigestAuthResult mhd_nonce_check(struct mhd_dauth *d, const char *nonce, size_t len,
                                          uint64_t now_ms, unsigned int timeout_s, uint32_t nc,
                                          struct mhd_nonce_ref *ref)
{
    uint8_t raw[NONCE_BYTES], tag[TAG_LEN];
    if (!decode_nonce(nonce, len, raw))
        return MHD_DAUTH_NONCE_WRONG;
    ref->time_ms = get_be64(raw);
    ref->seq = (uint32_t)raw[8] << 24 | (uint32_t)raw[9] << 16 | (uint32_t)raw[10] << 8 | raw[11];
    memcpy(ref->bind_tag, raw + 12 + TAG_LEN, TAG_LEN);
    id_tag(d, ref->time_ms, ref->seq, tag);
    if (!mhd_auth_equal_ct(tag, raw + 12, TAG_LEN))
        return MHD_DAUTH_NONCE_WRONG;
    /* A time after `now` can only come from a caller mixing clocks; the
     * tag proves we issued it, so it counts as brand new. */
    if (now_ms > ref->time_ms && now_ms - ref->time_ms > (uint64_t)timeout_s * 1000u)
        return MHD_DAUTH_NONCE_STALE;
    pthread_mutex_lock(&d->lock);
    struct nonce_slot *s = find_slot(d, ref);
    bool ok = s != NULL && slot_accepts(s, nc);
    pthread_mutex_unlock(&d->lock);
    return ok ? MHD_DAUTH_OK : MHD_DAUTH_NONCE_STALE;
}

bool mhd_nonce_bind_matches(struct mhd_dauth *d, const struct mhd_nonce_ref *ref,
                            const struct mhd_auth_request *req, const char *realm, size_t realm_len)
{
    uint8_t tag[TAG_LEN];
    bind_tag(d, ref->time_ms, ref->seq, req, realm, realm_len, tag);
    return mhd_auth_equal_ct(tag, ref->bind_tag, TAG_LEN);
}

bool mhd_nonce_commit(struct mhd_dauth *d, const struct mhd_nonce_ref *ref, uint32_t nc)
{
    pthread_mutex_lock(&d->lock);
    struct nonce_slot *s = find_slot(d, ref);
    bool ok = s != NULL && slot_accepts(s, nc);
    if (ok)
        slot_record(s, nc);
    pthread_mutex_unlock(&d->lock);
    return ok;
}
