/* Responses whose body is produced while sending: content-reader callbacks,
 * files, pipes, and scattered buffers (iovec). */
#include "response/response.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/alloc.h"

_MHD_EXTERN struct MHD_Response *
MHD_create_response_from_callback(uint64_t size, size_t block_size, MHD_ContentReaderCallback crc,
                                  void *crc_cls, MHD_ContentReaderFreeCallback crfc)
{
    if (crc == NULL || block_size == 0)
        return NULL;
    struct MHD_Response *r = mhd_response_new(BODY_CALLBACK, size);
    if (r == NULL)
        return NULL;
    r->crc = crc;
    r->crc_cls = crc_cls;
    r->block_size = block_size;
    r->crfc = crfc;
    r->crfc_cls = crc_cls;
    return r;
}

/* The largest offset or size a file response accepts (off_t range). */
#define FD_LIMIT ((uint64_t)INT64_MAX)

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd_at_offset64(uint64_t size, int fd,
                                                                         uint64_t offset)
{
    if (fd < 0 || size >= FD_LIMIT || offset >= FD_LIMIT || size + offset >= FD_LIMIT)
        return NULL;
    struct MHD_Response *r = mhd_response_new(BODY_FD, size);
    if (r == NULL)
        return NULL;
    r->fd = fd;
    r->fd_offset = offset;
    return r;
}

/* The name in parentheses: the header also defines it as a macro. */
_MHD_EXTERN struct MHD_Response *(MHD_create_response_from_fd_at_offset)(size_t size, int fd,
                                                                         off_t offset)
{
    if (offset < 0)
        return NULL;
    return MHD_create_response_from_fd_at_offset64(size, fd, (uint64_t)offset);
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd64(uint64_t size, int fd)
{
    return MHD_create_response_from_fd_at_offset64(size, fd, 0);
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_fd(size_t size, int fd)
{
    return MHD_create_response_from_fd_at_offset64(size, fd, 0);
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_pipe(int fd)
{
    if (fd < 0)
        return NULL;
    struct MHD_Response *r = mhd_response_new(BODY_PIPE, MHD_SIZE_UNKNOWN);
    if (r == NULL)
        return NULL;
    r->fd = fd;
    return r;
}

_MHD_EXTERN struct MHD_Response *MHD_create_response_from_iovec(const struct MHD_IoVec *iov,
                                                                unsigned int iovcnt,
                                                                MHD_ContentReaderFreeCallback free_cb,
                                                                void *cls)
{
    if (iov == NULL && iovcnt > 0)
        return NULL;
    uint64_t total = 0;
    unsigned int used = 0;
    for (unsigned int i = 0; i < iovcnt; i++) {
        if (iov[i].iov_len == 0)
            continue;
        if (iov[i].iov_base == NULL)
            return NULL;
        total += iov[i].iov_len;
        if (total > (uint64_t)SSIZE_MAX)
            return NULL;
        used++;
    }
    struct MHD_Response *r = mhd_response_new(BODY_IOVEC, total);
    if (r == NULL)
        return NULL;
    if (used > 0) {
        r->iov = mhd_calloc(used, sizeof(*r->iov));
        if (r->iov == NULL) {
            mhd_response_unref(r);
            return NULL;
        }
        for (unsigned int i = 0, k = 0; i < iovcnt; i++) {
            if (iov[i].iov_len == 0)
                continue;
            r->iov[k].iov_base = (void *)(uintptr_t)iov[i].iov_base;
            r->iov[k].iov_len = iov[i].iov_len;
            k++;
        }
    }
    r->iov_count = used;
    r->crfc = free_cb;
    r->crfc_cls = cls;
    return r;
}

ssize_t mhd_response_pull(struct MHD_Response *r, uint64_t pos, char *dst, size_t max)
{
    ssize_t n;
    switch (r->kind) {
    case BODY_CALLBACK:
        pthread_mutex_lock(&r->lock);
        n = r->crc(r->crc_cls, pos, dst, max);
        pthread_mutex_unlock(&r->lock);
        return n;
    case BODY_PIPE:
        do
            n = read(r->fd, dst, max);
        while (n < 0 && errno == EINTR);
        if (n == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0; /* a non-blocking pipe with nothing in it yet */
        return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
    case BODY_FD:
        do
            n = pread(r->fd, dst, max, (off_t)(r->fd_offset + pos));
        while (n < 0 && errno == EINTR);
        if (n == 0)
            return MHD_CONTENT_READER_END_OF_STREAM;
        return n < 0 ? MHD_CONTENT_READER_END_WITH_ERROR : n;
    default:
        return MHD_CONTENT_READER_END_WITH_ERROR;
    }
}
