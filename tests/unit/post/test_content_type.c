/* Header values read by the POST processor: media type matching, parameter
 * lookup and decoding, boundary validation, which Content-Types create a
 * processor, and the panics of the public constructor. */
#include "post_harness.h"

#include <setjmp.h>

#include "post/post_internal.h"

/* Parameter `name` of `v`, decoded, or "(none)". */
static const char *param(const char *v, const char *name)
{
    static char out[256];
    struct mhd_post_param p;
    if (!mhd_post_param_find(v, strlen(v), name, &p))
        return "(none)";
    size_t n = mhd_post_param_decode(&p, out, sizeof(out) - 1);
    out[n < sizeof(out) ? n : sizeof(out) - 1] = '\0';
    return out;
}

static void test_media(void)
{
    static const struct {
        const char *v;
        enum mhd_post_media want;
    } t[] = {
        {"application/x-www-form-urlencoded", POST_MEDIA_URLENCODED},
        {"APPLICATION/X-WWW-FORM-URLENCODED; charset=utf-8", POST_MEDIA_URLENCODED},
        {" \tapplication/x-www-form-urlencoded", POST_MEDIA_URLENCODED},
        {"multipart/form-data; boundary=x", POST_MEDIA_FORM_DATA},
        {"Multipart/Form-Data", POST_MEDIA_FORM_DATA},
        {"multipart/mixed; boundary=y", POST_MEDIA_MIXED},
        {"multipart/form", POST_MEDIA_OTHER},
        {"application/x-www-form", POST_MEDIA_OTHER},
        {"text/plain", POST_MEDIA_OTHER},
        {"", POST_MEDIA_OTHER},
        {"multipart/alternative; boundary=x", POST_MEDIA_OTHER},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        CHECK_MSG(mhd_post_media_of(t[i].v, strlen(t[i].v)) == t[i].want, "media of \"%s\"",
                  t[i].v);
    /* Only `len` bytes are read. */
    CHECK(mhd_post_media_of("multipart/form-data", 12) == POST_MEDIA_OTHER);
}

static void test_params(void)
{
    const char *cd = "form-data; name=\"field\"; filename=\"a b.txt\"";
    CHECK_EQ_STR(param(cd, "name"), "field");
    CHECK_EQ_STR(param(cd, "filename"), "a b.txt");
    CHECK_EQ_STR(param(cd, "form-data"), "(none)");
    CHECK_EQ_STR(param("form-data; filename=\"f\"", "name"), "(none)");
    CHECK_EQ_STR(param("form-data; NAME=x", "name"), "x");
    CHECK_EQ_STR(param("form-data ;  name  =  x  ; y=z", "name"), "x");
    CHECK_EQ_STR(param("form-data;name=x;name=y", "name"), "x");
    CHECK_EQ_STR(param("form-data; a=\"q;name=no\"; name=yes", "name"), "yes");
    CHECK_EQ_STR(param("form-data; name=\"a\\\"b\\\\c\\d\"", "name"), "a\"b\\c\\d");
    CHECK_EQ_STR(param("form-data; name=\"unterminated", "name"), "unterminated");
    CHECK_EQ_STR(param("form-data; name=\"\"", "name"), "");
    CHECK_EQ_STR(param("form-data; name=", "name"), "");
    CHECK_EQ_STR(param("form-data; flag; name=v", "name"), "v");
    CHECK_EQ_STR(param("form-data", "name"), "(none)");
    CHECK_EQ_STR(param("name=x", "name"), "(none)"); /* the first item is the type */
    CHECK_EQ_STR(param("text/plain; charset=\"UTF-8\"", "charset"), "UTF-8");
    CHECK_EQ_STR(param("text/plain; Charset=latin1 ; format=flowed", "charset"), "latin1");
    CHECK_EQ_STR(param("form-data; name=\"x\"junk; filename=f", "filename"), "f");
    CHECK_EQ_STR(param("form-data; name=\"tail\\", "name"), "tail\\");
    CHECK_EQ_STR(param("form-data; filename*=UTF-8''x", "filename"), "(none)");

    /* Decoding reports the full length but writes at most `cap` bytes, and
     * works in place. */
    struct mhd_post_param p = {"ab\\\"cd", 6, true};
    char out[4] = {'#', '#', '#', '#'};
    CHECK_EQ_SIZE(mhd_post_param_decode(&p, out, 3), 5);
    CHECK_EQ_MEM(out, 4, "ab\"#", 4);
    char inplace[] = "x\\\\y\\\"z";
    struct mhd_post_param q = {inplace, strlen(inplace), true};
    size_t n = mhd_post_param_decode(&q, inplace, q.raw_len);
    CHECK_EQ_MEM(inplace, n, "x\\y\"z", 5);
    struct mhd_post_param r = {"a\\\"b", 4, false};
    CHECK_EQ_SIZE(mhd_post_param_decode(&r, out, 4), 4); /* bare values have no escapes */
}

static size_t boundary(const char *ct, size_t len, size_t bufsize, char *dst)
{
    return mhd_post_boundary_get(ct, len, bufsize, dst);
}

static void test_boundary(void)
{
    char b[POST_BOUNDARY_MAX];
    char ct[256];
    const char *base = "multipart/form-data; boundary=";
    CHECK_EQ_SIZE(boundary("multipart/form-data", 19, 256, b), 0);
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=", 30, 256, b), 0);
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=\"\"", 32, 256, b), 0);
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=a", 31, 256, b), 0);
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=ab", 32, 256, b), 2);
    CHECK_EQ_MEM(b, 2, "ab", 2);
    const char *q = "multipart/form-data; Boundary=\"a \\\"b\\\\\"; charset=x";
    CHECK_EQ_SIZE(boundary(q, strlen(q), 256, b), 5);
    CHECK_EQ_MEM(b, 5, "a \"b\\", 5);
    for (size_t n = 68; n <= 73; n++) {
        int len = snprintf(ct, sizeof(ct), "%s%.*s", base, (int)n,
                           "0123456789012345678901234567890123456789012345678901234567890123456789"
                           "0123456789");
        CHECK_EQ_SIZE(boundary(ct, (size_t)len, 256, b), n <= 70 ? n : 0);
    }
    /* NUL, CR and LF are refused even though a length says where it ends. */
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=a\0b", 33, 256, b), 0);
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=\"a\rb\"", 35, 256, b), 0);
    CHECK_EQ_SIZE(boundary("multipart/form-data; boundary=\"a\nb\"", 35, 256, b), 0);
    /* 2 * length + 2 must fit the buffer. */
    int len = snprintf(ct, sizeof(ct), "%s%.49s", base,
                       "0123456789012345678901234567890123456789012345678901234567890123456789");
    CHECK_EQ_SIZE(boundary(ct, (size_t)len, 100, b), 49);
    CHECK_EQ_SIZE(boundary(ct, (size_t)len, 99, b), 0);
}

static enum MHD_Result null_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *filename, const char *ctype, const char *tenc,
                                 const char *data, uint64_t off, size_t size)
{
    (void)cls, (void)kind, (void)key, (void)filename, (void)ctype, (void)tenc, (void)data;
    (void)off, (void)size;
    return MHD_YES;
}

static void test_create(void)
{
    static const struct {
        const char *ct;
        bool ok;
    } t[] = {
        {"application/x-www-form-urlencoded", true},
        {"application/x-www-form-urlencoded; charset=utf-8", true},
        {"application/x-www-form-urlencodedish", true}, /* prefix match, as upstream */
        {"multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", true},
        {"multipart/form-data; boundary=\"quoted boundary\"", true},
        {"multipart/form-data;boundary=ab", true},
        {"multipart/form-data", false},
        {"multipart/form-data; charset=utf-8", false},
        {"multipart/form-data; boundary=", false},
        {"multipart/form-data; boundary=x", false},
        {"multipart/form-data; boundary="
         "12345678901234567890123456789012345678901234567890123456789012345678901",
         false},
        {"multipart/mixed; boundary=abc", false},
        {"text/plain", false},
        {"", false},
        {"application/json", false},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        struct MHD_PostProcessor *pp =
            mhd_post_create(t[i].ct, strlen(t[i].ct), 256, null_iter, NULL);
        CHECK_MSG((pp != NULL) == t[i].ok, "create for \"%s\"", t[i].ct);
        CHECK_EQ_INT(MHD_destroy_post_processor(pp), MHD_YES);
    }
    /* The type is read by length, not up to a NUL. */
    CHECK(mhd_post_create("multipart/form-data; boundary=ab\0cd", 35, 256, null_iter, NULL) ==
          NULL);
    CHECK(mhd_post_create("text/plain", 4, 256, null_iter, NULL) == NULL);
}

static jmp_buf panic_jump;
static int panics;

static void on_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    (void)cls, (void)file, (void)line, (void)reason;
    panics++;
    longjmp(panic_jump, 1);
}

/* The public constructor panics on misuse before it looks at the request. */
static void test_public_panics(void)
{
    static char fake_connection[64];
    struct MHD_Connection *conn = (struct MHD_Connection *)fake_connection;
    MHD_set_panic_func(on_panic, NULL);
    panics = 0;
    if (setjmp(panic_jump) == 0)
        MHD_create_post_processor(conn, 255, null_iter, NULL);
    CHECK_EQ_INT(panics, 1);
    if (setjmp(panic_jump) == 0)
        MHD_create_post_processor(NULL, 1024, null_iter, NULL);
    CHECK_EQ_INT(panics, 2);
    if (setjmp(panic_jump) == 0)
        MHD_create_post_processor(conn, 1024, NULL, NULL);
    CHECK_EQ_INT(panics, 3);
    MHD_set_panic_func(NULL, NULL);
}

int main(void)
{
    test_media();
    test_params();
    test_boundary();
    test_create();
    test_public_panics();
    return check_done();
}
