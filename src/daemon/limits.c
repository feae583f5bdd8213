/* Per-IP connection counting (MHD_OPTION_PER_IP_CONNECTION_LIMIT): a small
 * hash table of addresses and their open connections, shared by all
 * workers under one lock. Only IPv4 and IPv6 peers are counted; the port is
 * ignored, and an IPv4-mapped IPv6 address counts as its IPv4 address. */
#include "daemon/daemon.h"

#include <netinet/in.h>
#include <pthread.h>
#include <string.h>

#include "util/alloc.h"

#define IP_BUCKETS 256u

struct ip_entry {
    struct ip_entry *next;
    uint8_t key[16];
    unsigned int count;
};

struct mhd_iplimit {
    pthread_mutex_t lock;
    struct ip_entry *buckets[IP_BUCKETS];
};

bool mhd_iplimit_create(struct MHD_Daemon *d)
{
    struct mhd_iplimit *l = mhd_calloc(1, sizeof(*l));
    if (l == NULL)
        return false;
    if (pthread_mutex_init(&l->lock, NULL) != 0) {
        mhd_free(l);
        return false;
    }
    d->iplimit = l;
    return true;
}

void mhd_iplimit_destroy(struct MHD_Daemon *d)
{
    struct mhd_iplimit *l = d->iplimit;
    if (l == NULL)
        return;
    for (unsigned int i = 0; i < IP_BUCKETS; i++) {
        struct ip_entry *e = l->buckets[i];
        while (e != NULL) {
            struct ip_entry *next = e->next;
            mhd_free(e);
            e = next;
        }
    }
    pthread_mutex_destroy(&l->lock);
    mhd_free(l);
    d->iplimit = NULL;
}

/* The 16-byte key of an address; false for families that are not counted. */
static bool make_key(const struct sockaddr *sa, socklen_t len, uint8_t key[16])
{
    memset(key, 0, 16);
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)sa;
        key[10] = key[11] = 0xff;
        memcpy(key + 12, &a->sin_addr, 4);
        return true;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)sa;
        memcpy(key, &a->sin6_addr, 16);
        return true;
    }
    return false;
}

static unsigned int hash_key(const uint8_t key[16])
{
    uint32_t h = 2166136261u;
    for (int i = 0; i < 16; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % IP_BUCKETS;
}

bool mhd_iplimit_take(struct MHD_Daemon *d, const struct sockaddr *addr, socklen_t len)
{
    uint8_t key[16];
    if (!make_key(addr, len, key))
        return true;
    struct mhd_iplimit *l = d->iplimit;
    unsigned int b = hash_key(key);
    bool ok = true;
    pthread_mutex_lock(&l->lock);
    struct ip_entry *e = l->buckets[b];
    while (e != NULL && memcmp(e->key, key, 16) != 0)
        e = e->next;
    if (e == NULL) {
        e = mhd_calloc(1, sizeof(*e));
        if (e == NULL) {
            ok = false;
        } else {
            memcpy(e->key, key, 16);
            e->next = l->buckets[b];
            l->buckets[b] = e;
        }
    }
    if (ok && e->count >= d->cfg.per_ip_limit)
        ok = false;
    if (ok)
        e->count++;
    pthread_mutex_unlock(&l->lock);
    return ok;
}

void mhd_iplimit_give(struct MHD_Daemon *d, const struct sockaddr *addr, socklen_t len)
{
    uint8_t key[16];
    if (d->iplimit == NULL || !make_key(addr, len, key))
        return;
    struct mhd_iplimit *l = d->iplimit;
    unsigned int b = hash_key(key);
    pthread_mutex_lock(&l->lock);
    struct ip_entry **pp = &l->buckets[b];
    while (*pp != NULL && memcmp((*pp)->key, key, 16) != 0)
        pp = &(*pp)->next;
    struct ip_entry *e = *pp;
    if (e != NULL && --e->count == 0) {
        *pp = e->next;
        mhd_free(e);
    }
    pthread_mutex_unlock(&l->lock);
}
