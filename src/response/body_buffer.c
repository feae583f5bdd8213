/* Responses whose body is a buffer in memory, and the empty response. */
#include "response/response.h"

#include <stdlib.h>
#include <string.h>

#include "util/alloc.h"

_MHD_EXTERN struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback_cls(size_t size, const void *buffer,
                                                       MHD_ContentReaderFreeCallback crfc,
                                                       void *crfc_cls)
{
    if ((buffer == NULL && size != 0) || (uint64_t)size == MHD_SIZE_UNKNOWN)
        return NULL;
    struct MHD_Response *r = mhd_response_new(BODY_BUFFER, size);
    if (r == NULL)
        return NULL;
    r->data = buffer;
    r->crfc = crfc;
    r->crfc_cls = crfc_cls;
    return r;
}

_MHD_EXTERN struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback(size_t size, void *buffer,
                                                   MHD_ContentReaderFreeCallback crfc)
{
    return MHD_create_response_from_buffer_with_free_callback_cls(size, buffer, crfc, buffer);
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer_static(size_t size,
                                                                        const void *buffer)
{
    return MHD_create_response_from_buffer_with_free_callback_cls(size, buffer, NULL, NULL);
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer_copy(size_t size,
                                                                      const void *buffer)
{
    if (size == 0)
        return MHD_create_response_from_buffer_static(0, "");
    if (buffer == NULL || (uint64_t)size == MHD_SIZE_UNKNOWN)
        return NULL;
    void *copy = mhd_alloc(size);
    if (copy == NULL)
        return NULL;
    memcpy(copy, buffer, size);
    struct MHD_Response *r = MHD_create_response_from_buffer_static(size, copy);
    if (r == NULL) {
        mhd_free(copy);
        return NULL;
    }
    r->copy = copy;
    return r;
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_buffer(size_t size, void *buffer,
                                                                 enum MHD_ResponseMemoryMode mode)
{
    switch (mode) {
    case MHD_RESPMEM_PERSISTENT:
        return MHD_create_response_from_buffer_static(size, buffer);
    case MHD_RESPMEM_MUST_COPY:
        return MHD_create_response_from_buffer_copy(size, buffer);
    case MHD_RESPMEM_MUST_FREE: {
        struct MHD_Response *r = MHD_create_response_from_buffer_static(size, buffer);
        if (r != NULL)
            r->owned = buffer;
        return r;
    }
    }
    return NULL;
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_data(size_t size, void *data,
                                                               int must_free, int must_copy)
{
    if (must_copy)
        return MHD_create_response_from_buffer(size, data, MHD_RESPMEM_MUST_COPY);
    if (must_free)
        return MHD_create_response_from_buffer(size, data, MHD_RESPMEM_MUST_FREE);
    return MHD_create_response_from_buffer(size, data, MHD_RESPMEM_PERSISTENT);
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_empty(enum MHD_ResponseFlags flags)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(0, "");
    if (r != NULL)
        r->flags = flags;
    return r;
}
