/* The POST processor: a streaming parser for request bodies encoded as
 * application/x-www-form-urlencoded or multipart/form-data.
 *
 * The public entry points (MHD_create_post_processor, MHD_post_process,
 * MHD_destroy_post_processor) are declared in microhttpd.h. This header adds
 * the constructor they are built on, which needs no connection, so that the
 * parser can be unit-tested and fuzzed on plain byte buffers.
 *
 * A processor is not thread-safe; one thread at a time may use it. It never
 * allocates after creation: all its state lives in one block of about
 * `buffer_size` bytes plus a fixed-size header. */
#ifndef MHD_POST_POST_H
#define MHD_POST_POST_H

#include <stddef.h>
#include <stdint.h>

#include "microhttpd.h"

/* Smallest buffer a processor accepts (the public API panics below it). */
#define MHD_POST_MIN_BUFFER 256

/* Creates a processor for a body whose Content-Type header value is the
 * `content_type_len` bytes at `content_type` (borrowed: only read during the
 * call; it need not be 0-terminated).
 *
 * The media type is matched as a case-insensitive prefix, after optional
 * leading spaces: "application/x-www-form-urlencoded" or
 * "multipart/form-data". Multipart needs a `boundary` parameter (quoted or
 * not, any letter case) of 2 to 70 bytes containing no NUL, CR or LF, with
 * `2 * boundary_len + 2 <= buffer_size`.
 *
 * `iter` receives every field, in order, as described in microhttpd.h; it is
 * called with `iter_cls` as its first argument.
 *
 * Returns NULL when `content_type` or `iter` is NULL, when `buffer_size` is
 * below MHD_POST_MIN_BUFFER, when the media type is unsupported or its
 * boundary is missing or invalid, and when out of memory. The caller owns the
 * result and releases it with MHD_destroy_post_processor(). */
struct MHD_PostProcessor *mhd_post_create(const char *content_type, size_t content_type_len,
                                          size_t buffer_size, MHD_PostDataIterator iter,
                                          void *iter_cls);

#endif
