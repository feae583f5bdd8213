/* Response header rules: Connection merging, Transfer-Encoding, Date and
 * Content-Length special cases, deletion, iteration, lookups, and the
 * response flags. */
#define MHD_NO_DEPRECATION 1
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "microhttpd.h"
#include "response/response.h"

static int count_headers(struct MHD_Response *r)
{
    return MHD_get_response_headers(r, NULL, NULL);
}

static void test_generic(void)
{
    struct MHD_Response *r = MHD_create_response_empty(MHD_RF_NONE);
    CHECK(r != NULL);
    CHECK_EQ_INT(MHD_add_response_header(r, "X-A", "1"), MHD_YES);
    CHECK_EQ_INT(MHD_add_response_header(r, "X-A", "2"), MHD_YES);
    CHECK_EQ_INT(MHD_add_response_header(r, "Bad Name", "v"), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(r, "", "v"), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(r, "X-B", "line\r\nbreak"), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(r, "X-B", NULL), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(NULL, "X-B", "v"), MHD_NO);
    CHECK_EQ_STR(MHD_get_response_header(r, "x-a"), "1");
    CHECK_EQ_INT(count_headers(r), 2);
    CHECK_EQ_INT(MHD_del_response_header(r, "X-A", "2"), MHD_YES);
    CHECK_EQ_INT(MHD_del_response_header(r, "X-A", "2"), MHD_NO);
    CHECK_EQ_INT(MHD_del_response_header(r, "x-a", "1"), MHD_NO); /* case-sensitive */
    CHECK_EQ_INT(count_headers(r), 1);
    CHECK_EQ_INT(MHD_add_response_footer(r, "X-F", "f"), MHD_YES);
    CHECK_EQ_INT(count_headers(r), 2);
    const struct mhd_head_cache *c = mhd_response_head_cache(r);
    CHECK_EQ_MEM(c->bytes, c->len, "X-A: 1\r\n", 8);
    MHD_destroy_response(r);
}

static void test_connection(void)
{
    struct MHD_Response *r = MHD_create_response_empty(MHD_RF_NONE);
    CHECK_EQ_INT(MHD_add_response_header(r, "X-First", "1"), MHD_YES);
    CHECK_EQ_INT(MHD_add_response_header(r, "Connection", "keep-alive"), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(r, "Connection", "foo"), MHD_YES);
    CHECK_EQ_STR(MHD_get_response_header(r, "Connection"), "foo");
    CHECK_EQ_INT(MHD_add_response_header(r, "Connection", "bar, close, Keep-Alive"), MHD_YES);
    CHECK_EQ_STR(MHD_get_response_header(r, "Connection"), "close, foo, bar");
    CHECK_EQ_INT(MHD_add_response_header(r, "Connection", "close"), MHD_YES);
    CHECK_EQ_STR(MHD_get_response_header(r, "Connection"), "close, foo, bar");
    CHECK(r->conn_close);
    CHECK_EQ_INT(count_headers(r), 2);
    CHECK_EQ_INT(MHD_del_response_header(r, "Connection", "close"), MHD_YES);
    CHECK_EQ_STR(MHD_get_response_header(r, "Connection"), "foo, bar");
    CHECK(!r->conn_close);
    CHECK_EQ_INT(MHD_del_response_header(r, "Connection", "foo, bar"), MHD_YES);
    CHECK(MHD_get_response_header(r, "Connection") == NULL);
    CHECK_EQ_INT(count_headers(r), 1);
    CHECK_EQ_INT(MHD_del_response_header(r, "Connection", "foo"), MHD_NO);
    MHD_destroy_response(r);
}

static void test_special(void)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(3, "abc");
    CHECK_EQ_INT(MHD_add_response_header(r, "Content-Length", "3"), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(r, "Transfer-Encoding", "gzip"), MHD_NO);
    CHECK_EQ_INT(MHD_add_response_header(r, "Transfer-Encoding", "chunked"), MHD_YES);
    CHECK(r->force_chunked);
    CHECK_EQ_INT(MHD_add_response_header(r, "Transfer-Encoding", "Chunked"), MHD_YES);
    CHECK_EQ_INT(count_headers(r), 1);
    CHECK_EQ_INT(MHD_add_response_header(r, "Date", "Mon, 01 Jan 2001 00:00:00 GMT"), MHD_YES);
    CHECK_EQ_INT(MHD_add_response_header(r, "Date", "Tue, 02 Jan 2001 00:00:00 GMT"), MHD_YES);
    CHECK_EQ_INT(count_headers(r), 2);
    CHECK_EQ_STR(MHD_get_response_header(r, "date"), "Tue, 02 Jan 2001 00:00:00 GMT");
    CHECK(r->app_date);
    CHECK_EQ_INT(MHD_del_response_header(r, "Transfer-Encoding", "chunked"), MHD_YES);
    CHECK(!r->force_chunked);
    /* The serialised head leaves Transfer-Encoding to the framing code. */
    CHECK_EQ_INT(MHD_add_response_header(r, "Transfer-Encoding", "chunked"), MHD_YES);
    const struct mhd_head_cache *c = mhd_response_head_cache(r);
    CHECK(memmem(c->bytes, c->len, "Transfer", 8) == NULL);
    MHD_destroy_response(r);

    r = MHD_create_response_empty(MHD_RF_INSANITY_HEADER_CONTENT_LENGTH);
    CHECK_EQ_INT(MHD_add_response_header(r, "Content-Length", "10"), MHD_YES);
    CHECK_EQ_INT(MHD_add_response_header(r, "Content-Length", "11"), MHD_YES);
    CHECK_EQ_INT(MHD_set_response_options(r, MHD_RF_NONE, MHD_RO_END), MHD_NO);
    MHD_destroy_response(r);

    r = MHD_create_response_empty(MHD_RF_HEAD_ONLY_RESPONSE);
    CHECK_EQ_INT(MHD_add_response_header(r, "Content-Length", "100"), MHD_YES);
    CHECK_EQ_INT(MHD_add_response_header(r, "Content-Length", "101"), MHD_NO);
    MHD_destroy_response(r);
}

static void test_options_and_buffers(void)
{
    struct MHD_Response *r = MHD_create_response_from_buffer_static(3, "abc");
    CHECK_EQ_INT(MHD_set_response_options(r, MHD_RF_HEAD_ONLY_RESPONSE, MHD_RO_END), MHD_NO);
    CHECK_EQ_INT(MHD_set_response_options(r, MHD_RF_HTTP_1_0_SERVER, MHD_RO_END), MHD_YES);
    CHECK_EQ_INT(r->flags, MHD_RF_HTTP_1_0_SERVER);
    MHD_destroy_response(r);
    CHECK(MHD_create_response_from_buffer(5, NULL, MHD_RESPMEM_PERSISTENT) == NULL);
    char *owned = malloc(4);
    memcpy(owned, "data", 4);
    r = MHD_create_response_from_buffer(4, owned, MHD_RESPMEM_MUST_FREE);
    CHECK(r != NULL && r->size == 4);
    MHD_destroy_response(r); /* frees `owned`; valgrind and ASan check */
    char local[3] = {'x', 'y', 'z'};
    r = MHD_create_response_from_buffer_copy(3, local);
    local[0] = 'q';
    CHECK(r != NULL && memcmp(r->data, "xyz", 3) == 0);
    MHD_destroy_response(r);
    r = MHD_create_response_from_data(2, (void *)(uintptr_t)"hi", 0, 1);
    CHECK(r != NULL && r->copy != NULL);
    MHD_destroy_response(r);
}

static int freed;

static void free_cb(void *cls)
{
    freed += *(int *)cls;
}

static void test_refcount(void)
{
    int one = 1;
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback_cls(1, "x", free_cb, &one);
    mhd_response_ref(r);
    MHD_destroy_response(r);
    CHECK_EQ_INT(freed, 0);
    mhd_response_unref(r);
    CHECK_EQ_INT(freed, 1);
    MHD_destroy_response(NULL);
}

int main(void)
{
    test_generic();
    test_connection();
    test_special();
    test_options_and_buffers();
    test_refcount();
    return check_done();
}
