/* The request's values (arguments, headers, cookies, footers, and what the
 * application adds): one list in arrival order, in the pool. */
#include "conn/conn_internal.h"

#include <string.h>

bool mhd_conn_add_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key,
                        size_t key_len, const char *value, size_t value_len)
{
    struct mhd_kv *kv = mhd_conn_pool_alloc(c, sizeof(*kv));
    if (kv == NULL)
        return false;
    kv->next = NULL;
    kv->key = key;
    kv->key_len = key_len;
    kv->value = value;
    kv->value_len = value_len;
    kv->kind = kind;
    struct mhd_request *rq = &c->busy->rq;
    if (rq->kv_last != NULL)
        rq->kv_last->next = kv;
    else
        rq->kv_first = kv;
    rq->kv_last = kv;
    return true;
}

/* The request's first value; none while the connection is idle. */
static const struct mhd_kv *first_value(const struct MHD_Connection *c)
{
    return c->busy != NULL ? c->busy->rq.kv_first : NULL;
}

_MHD_EXTERN int MHD_get_connection_values(struct MHD_Connection *connection,
                                          enum MHD_ValueKind kind, MHD_KeyValueIterator iterator,
                                          void *iterator_cls)
{
    if (connection == NULL)
        return -1;
    int count = 0;
    for (const struct mhd_kv *kv = first_value(connection); kv != NULL; kv = kv->next) {
        if (!(kv->kind & kind))
            continue;
        count++;
        if (iterator != NULL && iterator(iterator_cls, kv->kind, kv->key, kv->value) != MHD_YES)
            break;
    }
    return count;
}

_MHD_EXTERN int MHD_get_connection_values_n(struct MHD_Connection *connection,
                                            enum MHD_ValueKind kind,
                                            MHD_KeyValueIteratorN iterator, void *iterator_cls)
{
    if (connection == NULL)
        return -1;
    int count = 0;
    for (const struct mhd_kv *kv = first_value(connection); kv != NULL; kv = kv->next) {
        if (!(kv->kind & kind))
            continue;
        count++;
        if (iterator != NULL && iterator(iterator_cls, kv->kind, kv->key, kv->key_len, kv->value,
                                         kv->value_len) != MHD_YES)
            break;
    }
    return count;
}

static const struct mhd_kv *find(const struct MHD_Connection *c, enum MHD_ValueKind kind,
                                 const char *key, size_t key_len)
{
    for (const struct mhd_kv *kv = first_value(c); kv != NULL; kv = kv->next) {
        if (!(kv->kind & kind))
            continue;
        if (key == NULL) {
            if (kv->key == NULL)
                return kv;
            continue;
        }
        if (kv->key != NULL && kv->key_len == key_len &&
            mhd_http_str_eq_nocase(kv->key, key, key_len))
            return kv;
    }
    return NULL;
}

_MHD_EXTERN const char *MHD_lookup_connection_value(struct MHD_Connection *connection,
                                                    enum MHD_ValueKind kind, const char *key)
{
    if (connection == NULL)
        return NULL;
    const struct mhd_kv *kv = find(connection, kind, key, key ? strlen(key) : 0);
    return kv ? kv->value : NULL;
}

_MHD_EXTERN enum MHD_Result MHD_lookup_connection_value_n(struct MHD_Connection *connection,
                                                          enum MHD_ValueKind kind,
                                                          const char *key, size_t key_size,
                                                          const char **value_ptr,
                                                          size_t *value_size_ptr)
{
    if (connection == NULL)
        return MHD_NO;
    const struct mhd_kv *kv = find(connection, kind, key, key_size);
    if (kv == NULL)
        return MHD_NO;
    if (value_ptr != NULL)
        *value_ptr = kv->value;
    if (value_size_ptr != NULL)
        *value_size_ptr = kv->value_len;
    return MHD_YES;
}

_MHD_EXTERN enum MHD_Result MHD_set_connection_value_n(struct MHD_Connection *connection,
                                                       enum MHD_ValueKind kind, const char *key,
                                                       size_t key_size, const char *value,
                                                       size_t value_size)
{
    if (connection == NULL || connection->mem == NULL)
        return MHD_NO;
    if (kind != MHD_GET_ARGUMENT_KIND) {
        /* Only arguments may carry binary zeros. */
        if ((key != NULL && strlen(key) != key_size) ||
            (value != NULL && strlen(value) != value_size))
            return MHD_NO;
    }
    if (key == NULL)
        key_size = 0;
    if (value == NULL)
        value_size = 0;
    return mhd_conn_add_value(connection, kind, key, key_size, value, value_size) ? MHD_YES
                                                                                  : MHD_NO;
}

_MHD_EXTERN enum MHD_Result MHD_set_connection_value(struct MHD_Connection *connection,
                                                     enum MHD_ValueKind kind, const char *key,
                                                     const char *value)
{
    return MHD_set_connection_value_n(connection, kind, key, key ? strlen(key) : 0, value,
                                      value ? strlen(value) : 0);
}
