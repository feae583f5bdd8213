/* The anti-replay database for TLS 1.3 early data. GnuTLS hands us a key
 * for every ClientHello that carries 0-RTT data and accepts the data only
 * if the key was not seen before within the replay window; entries expire
 * with the window. The table is fixed in size: when it is full of live
 * entries, early data is refused (the client then sends the same bytes
 * after the handshake), so a flood of hellos costs no memory. */
#include <string.h>
#include <time.h>

#include "io/tls_internal.h"
#include "util/alloc.h"

#define REPLAY_SLOTS 4096u
#define REPLAY_KEY_MAX 64u
/* Slots probed for a key before the table counts as full. */
#define REPLAY_PROBES 16u

struct replay_entry {
    time_t expires; /* 0: free */
    unsigned char len;
    unsigned char key[REPLAY_KEY_MAX];
};

struct mhd_tls_replay {
    pthread_mutex_t lock;
    struct replay_entry slots[REPLAY_SLOTS];
};

struct mhd_tls_replay *mhd_tls_replay_create(void)
{
    struct mhd_tls_replay *r = mhd_calloc(1, sizeof(*r));
    if (r != NULL && pthread_mutex_init(&r->lock, NULL) != 0) {
        mhd_free(r);
        return NULL;
    }
    return r;
}

void mhd_tls_replay_destroy(struct mhd_tls_replay *r)
{
    if (r == NULL)
        return;
    pthread_mutex_destroy(&r->lock);
    mhd_free(r);
}

/* FNV-1a over the key; the keys are hashes already, any mixing will do. */
static uint32_t slot_of(const unsigned char *k, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ k[i]) * 16777619u;
    return h % REPLAY_SLOTS;
}

int mhd_tls_replay_add(void *ptr, time_t exp_time, const gnutls_datum_t *key,
                       const gnutls_datum_t *data)
{
    struct mhd_tls_replay *r = ptr;
    (void)data;
    if (key->size == 0 || key->size > REPLAY_KEY_MAX)
        return GNUTLS_E_DB_ERROR;
    time_t now = time(NULL);
    int rc = GNUTLS_E_DB_ERROR;
    pthread_mutex_lock(&r->lock);
    struct replay_entry *free_slot = NULL;
    uint32_t s = slot_of(key->data, key->size);
    for (unsigned int i = 0; i < REPLAY_PROBES; i++) {
        struct replay_entry *e = &r->slots[(s + i) % REPLAY_SLOTS];
        bool live = e->expires > now;
        if (live && e->len == key->size && memcmp(e->key, key->data, key->size) == 0) {
            rc = GNUTLS_E_DB_ENTRY_EXISTS;
            break;
        }
        if (!live && free_slot == NULL)
            free_slot = e;
    }
    if (rc != GNUTLS_E_DB_ENTRY_EXISTS && free_slot != NULL) {
        free_slot->expires = exp_time > now ? exp_time : now + 1;
        free_slot->len = (unsigned char)key->size;
        memcpy(free_slot->key, key->data, key->size);
        rc = 0;
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}
