/* The public POST processor API: creation from a connection's Content-Type,
 * feeding, destruction, and dispatch to the parser for the body's encoding. */
#include "post/post.h"

#include <string.h>

#include "post/post_internal.h"
#include "util/alloc.h"
#include "util/panic.h"

bool mhd_post_emit(struct MHD_PostProcessor *pp, const char *key, const char *filename,
                   const char *content_type, const char *encoding, const char *data, uint64_t off,
                   size_t size)
{
    /* Anything but MHD_NO continues, as applications sometimes return plain
     * non-zero integers. */
    if (pp->iter(pp->iter_cls, MHD_POSTDATA_KIND, key, filename, content_type, encoding, data, off,
                 size) != MHD_NO)
        return true;
    pp->failed = true;
    return false;
}

/* Allocates the processor and its work space as one block. */
static struct MHD_PostProcessor *post_alloc(size_t buffer_size, MHD_PostDataIterator iter,
                                            void *iter_cls)
{
    if (buffer_size > SIZE_MAX - sizeof(struct MHD_PostProcessor))
        return NULL;
    struct MHD_PostProcessor *pp = mhd_alloc(sizeof(*pp) + buffer_size);
    if (pp == NULL)
        return NULL;
    /* Only the fixed part is cleared; the work space is written before it
     * is read. */
    memset(pp, 0, sizeof(*pp));
    pp->iter = iter;
    pp->iter_cls = iter_cls;
    pp->buf_cap = buffer_size;
    return pp;
}

struct MHD_PostProcessor *mhd_post_create(const char *content_type, size_t content_type_len,
                                          size_t buffer_size, MHD_PostDataIterator iter,
                                          void *iter_cls)
{
    if (content_type == NULL || iter == NULL || buffer_size < MHD_POST_MIN_BUFFER)
        return NULL;
    enum mhd_post_media media = mhd_post_media_of(content_type, content_type_len);
    char boundary[POST_BOUNDARY_MAX];
    size_t blen = 0;
    if (media == POST_MEDIA_FORM_DATA) {
        blen = mhd_post_boundary_get(content_type, content_type_len, buffer_size, boundary);
        if (blen == 0)
            return NULL;
    } else if (media != POST_MEDIA_URLENCODED) {
        return NULL;
    }
    struct MHD_PostProcessor *pp = post_alloc(buffer_size, iter, iter_cls);
    if (pp == NULL)
        return NULL;
    if (media == POST_MEDIA_URLENCODED) {
        pp->kind = POST_KIND_URLENCODED;
        mhd_post_ue_init(pp);
    } else {
        pp->kind = POST_KIND_MULTIPART;
        mhd_post_mp_init(pp, boundary, blen);
    }
    return pp;
}

_MHD_EXTERN struct MHD_PostProcessor *MHD_create_post_processor(struct MHD_Connection *connection,
                                                                size_t buffer_size,
                                                                MHD_PostDataIterator iter,
                                                                void *iter_cls)
{
    if (buffer_size < MHD_POST_MIN_BUFFER)
        mhd_panic("MHD_create_post_processor: buffer_size is below 256");
    if (connection == NULL)
        mhd_panic("MHD_create_post_processor: connection is NULL");
    if (iter == NULL)
        mhd_panic("MHD_create_post_processor: iterator is NULL");
    const char *ct =
        MHD_lookup_connection_value(connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct == NULL)
        return NULL;
    return mhd_post_create(ct, strlen(ct), buffer_size, iter, iter_cls);
}

_MHD_EXTERN enum MHD_Result MHD_post_process(struct MHD_PostProcessor *pp, const char *post_data,
                                             size_t post_data_len)
{
    if (pp == NULL)
        return MHD_NO;
    if (post_data_len == 0)
        return MHD_YES;
    if (post_data == NULL || pp->failed)
        return MHD_NO;
    pp->received = true;
    bool ok = pp->kind == POST_KIND_URLENCODED ? mhd_post_ue_process(pp, post_data, post_data_len)
                                               : mhd_post_mp_process(pp, post_data, post_data_len);
    return ok ? MHD_YES : MHD_NO;
}

_MHD_EXTERN enum MHD_Result MHD_destroy_post_processor(struct MHD_PostProcessor *pp)
{
    if (pp == NULL)
        return MHD_YES;
    bool clean = false;
    if (!pp->failed)
        clean = pp->kind == POST_KIND_URLENCODED ? mhd_post_ue_finish(pp) : mhd_post_mp_finish(pp);
    mhd_free(pp);
    return clean ? MHD_YES : MHD_NO;
}
