/* The urlencoded POST parser: decoding, element boundaries, values larger
 * than the buffer, bad input, iterator aborts, flat memory and throughput.
 * Every body is fed whole, byte by byte, in two pieces cut at every
 * position and in many random cuttings. */
#include "post_harness.h"

#include <limits.h>

#include "util/alloc.h"

#define URLENC "application/x-www-form-urlencoded"
#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define RANDOM_RUNS 300

static const struct exp_field f_basic[] = {F("abc", "def"), F("x", "5")};
static const struct exp_field f_novalue[] = {F("a", ""), F("b", "1")};
static const struct exp_field f_empty_then_bare[] = {F("a", ""), F("b", "")};
static const struct exp_field f_amps[] = {F("a", "1"), F("b", "2")};
static const struct exp_field f_empty_key[] = {F("", "v"), F("k", "")};
static const struct exp_field f_eq_only[] = {F("", "")};
static const struct exp_field f_plus[] = {F("a b", "c d e+"), F("q", "x  y")};
static const struct exp_field f_hex[] = {F("Ab", "~\xff\xA0z"), F("k\xc3\xa9", "%&=+")};
static const struct exp_field f_eq_in_value[] = {F("a", "b=c=d"), F("e", "=")};
static const struct exp_field f_nul[] = {FN("n", "a\0b", 3), FN("z", "\0", 1)};
static const struct exp_field f_eol[] = {F("a", "b"), F("c", "")};
static const struct exp_field f_bare_end[] = {F("a", "1"), F("tail", "")};
static const struct exp_field f_dup[] = {F("a", "1"), F("a", "2"), F("a", "")};
static const struct exp_field f_raw[] = {F("na me", "va\tl\x01ue \xe2\x82\xac"), F("x", "y;z")};

static const struct post_case good_cases[] = {
    {"basic", URLENC, "abc=def&x=5", 0, 256, f_basic, NF(f_basic), OUT_OK, 0},
    {"charset parameter", URLENC "; charset=UTF-8", "abc=def&x=5", 0, 256, f_basic, NF(f_basic),
     OUT_OK, 0},
    {"upper-case media type", "Application/X-WWW-Form-URLEncoded", "abc=def&x=5", 0, 256, f_basic,
     NF(f_basic), OUT_OK, 0},
    {"key without value", URLENC, "a&b=1", 0, 256, f_novalue, NF(f_novalue), OUT_OK, 0},
    {"empty value then bare key at end", URLENC, "a=&b", 0, 256, f_empty_then_bare,
     NF(f_empty_then_bare), OUT_OK, 0},
    {"empty elements", URLENC, "&&a=1&&&b=2&&", 0, 256, f_amps, NF(f_amps), OUT_OK, 0},
    {"empty key, empty value at end", URLENC, "=v&k=", 0, 256, f_empty_key, NF(f_empty_key), OUT_OK,
     0},
    {"lone equals sign", URLENC, "=", 0, 256, f_eq_only, NF(f_eq_only), OUT_OK, 0},
    {"plus is space", URLENC, "a+b=c+d%20e%2B&q=x++y", 0, 256, f_plus, NF(f_plus), OUT_OK, 0},
    {"percent escapes", URLENC, "%41%62=%7e%FF%a0z&k%C3%A9=%25%26%3d%2b", 0, 256, f_hex, NF(f_hex),
     OUT_OK, 0},
    {"equals inside value", URLENC, "a=b=c=d&e==", 0, 256, f_eq_in_value, NF(f_eq_in_value), OUT_OK,
     0},
    {"escaped NUL", URLENC, "n=a%00b&z=%00", 0, 256, f_nul, NF(f_nul), OUT_OK, 0},
    {"trailing CRLF", URLENC, "a=b&c\r\n", 0, 256, f_eol, NF(f_eol), OUT_OK, 0},
    {"trailing LF and CR", URLENC, "a=b&c\n\r\n", 0, 256, f_eol, NF(f_eol), OUT_OK, 0},
    {"bare key at end is flushed", URLENC, "a=1&tail", 0, 256, f_bare_end, NF(f_bare_end), OUT_OK,
     0},
    {"repeated key", URLENC, "a=1&a=2&a", 0, 256, f_dup, NF(f_dup), OUT_OK, 0},
    {"raw bytes pass through", URLENC, "na me=va\tl\x01ue \xe2\x82\xac&x=y;z", 0, 256, f_raw,
     NF(f_raw), OUT_OK, 0},
    {"empty body", URLENC, "", 0, 256, NULL, 0, OUT_OK, 0},
    {"only separators", URLENC, "&&&", 0, 256, NULL, 0, OUT_OK, 0},
};

static const struct exp_field f_bad_escape[] = {F("a", "1"), F("b", "xy")};
static const struct exp_field f_bad_key_escape[] = {F("a", "1"), F("k", "")};
static const struct exp_field f_after_eol[] = {F("a", "b"), F("c", "d")};
static const struct exp_field f_multipart_body[] = {F("--xyz", "")};

static const struct post_case bad_cases[] = {
    {"invalid escape in value", URLENC, "a=1&b=xy%zz", 0, 256, f_bad_escape, NF(f_bad_escape),
     OUT_FAIL_PROCESS, 1},
    {"one hex digit then separator", URLENC, "a=1&b=xy%4&c=1", 0, 256, f_bad_escape,
     NF(f_bad_escape), OUT_FAIL_PROCESS, 1},
    {"invalid escape in key", URLENC, "a=1&k%g1=v", 0, 256, f_bad_key_escape, 1, OUT_FAIL_PROCESS,
     1},
    {"escape cut by the end", URLENC, "a=1&b=xy%4", 0, 256, f_bad_escape, NF(f_bad_escape),
     OUT_FAIL_DESTROY, 1},
    {"percent at the end", URLENC, "a=1&b=xy%", 0, 256, f_bad_escape, NF(f_bad_escape),
     OUT_FAIL_DESTROY, 1},
    {"data after the line end", URLENC, "a=b\r\nc=d", 0, 256, f_after_eol, 1, OUT_FAIL_PROCESS, 1},
    {"multipart body announced as urlencoded", URLENC,
     "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--xyz--\r\n", 0, 256,
     f_multipart_body, NF(f_multipart_body), OUT_FAIL_PROCESS, 1},
};

static void run_table(const struct post_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_case_splits(&cases[i], RANDOM_RUNS);
}

/* Values and keys around the buffer size: pieces stay within the buffer,
 * keys up to the documented limit are accepted, one byte more fails. */
static void test_long_values(void)
{
    struct bytes body = {0}, val = {0}, key = {0};
    for (size_t i = 0; i < 1500; i++)
        bytes_add(&val, &"abcdefghijklmnopqrstuvwxyz0123456789"[i % 36], 1);
    bytes_fmt(&body, "big=%s&small=1&esc=", val.p);
    /* Escapes straddling every piece boundary of the value. */
    struct bytes esc_val = {0};
    for (size_t i = 0; i < 700; i++) {
        bytes_str(&body, i % 3 ? "%41" : "+");
        bytes_str(&esc_val, i % 3 ? "A" : " ");
    }
    const struct exp_field f[] = {F("big", val.p), F("small", "1"), F("esc", esc_val.p)};
    struct post_case c = {"long values", URLENC, body.p, body.len, 256, f, NF(f), OUT_OK, 0};
    check_case_splits(&c, RANDOM_RUNS);

    /* The longest key a 256-byte buffer takes is 256 - 64 - 1 bytes. */
    for (size_t i = 0; i < 191; i++)
        bytes_add(&key, "k", 1);
    struct bytes kb = {0};
    bytes_fmt(&kb, "%s=%s", key.p, val.p);
    const struct exp_field fk[] = {F(key.p, val.p)};
    struct post_case ck = {"longest key", URLENC, kb.p, kb.len, 256, fk, NF(fk), OUT_OK, 0};
    check_case_splits(&ck, 50);

    bytes_add(&key, "k", 1);
    struct bytes kb2 = {0};
    bytes_fmt(&kb2, "a=1&%s=v", key.p);
    const struct exp_field fk2[] = {F("a", "1")};
    struct post_case ck2 = {"key too long", URLENC,           kb2.p, kb2.len, 256, fk2,
                            NF(fk2),        OUT_FAIL_PROCESS, 1};
    check_case_splits(&ck2, 50);
    /* The same key fits a larger buffer. */
    const struct exp_field fk3[] = {F("a", "1"), F(key.p, "v")};
    struct post_case ck3 = {"key fits 1024", URLENC, kb2.p, kb2.len, 1024, fk3, NF(fk3), OUT_OK, 0};
    check_case_splits(&ck3, 50);
    bytes_free(&body);
    bytes_free(&val);
    bytes_free(&esc_val);
    bytes_free(&key);
    bytes_free(&kb);
    bytes_free(&kb2);
}

/* Many small fields in one body. */
static void test_many_fields(void)
{
    enum { N = 300 };
    static char keys[N][16], vals[N][16];
    static struct exp_field f[N];
    struct bytes body = {0};
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        if (i % 7)
            snprintf(vals[i], sizeof(vals[i]), "v %d", i);
        else
            vals[i][0] = '\0';
        bytes_fmt(&body, "%sk%d=%s", i ? "&" : "", i, i % 7 ? "v+" : "");
        if (i % 7)
            bytes_fmt(&body, "%d", i);
        f[i] = (struct exp_field)F(keys[i], vals[i]);
    }
    struct post_case c = {"many fields", URLENC, body.p, body.len, 256, f, N, OUT_OK, 0};
    check_case_splits(&c, 100);
    bytes_free(&body);
}

static void test_aborts(void)
{
    check_case_abort(&good_cases[0]);
    check_case_abort(&good_cases[4]); /* the last call comes from destroy */
    check_case_abort(&good_cases[9]);
}

static enum MHD_Result count_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *ctype, const char *tenc,
                                  const char *data, uint64_t off, size_t size)
{
    (void)kind, (void)key, (void)filename, (void)ctype, (void)tenc, (void)data, (void)off;
    *(uint64_t *)cls += size;
    return MHD_YES;
}

/* API edges: NULL and empty arguments, sticky failure, allocation count. */
static void test_api_edges(void)
{
    uint64_t total = 0;
    CHECK(mhd_post_create(URLENC, strlen(URLENC), 255, count_iter, &total) == NULL);
    CHECK(mhd_post_create(URLENC, strlen(URLENC), 256, NULL, &total) == NULL);
    CHECK(mhd_post_create(NULL, 0, 256, count_iter, &total) == NULL);
    CHECK_EQ_INT(MHD_post_process(NULL, "a=b", 3), MHD_NO);
    CHECK_EQ_INT(MHD_destroy_post_processor(NULL), MHD_YES);

    mhd_alloc_fail_at(1);
    CHECK(mhd_post_create(URLENC, strlen(URLENC), 256, count_iter, &total) == NULL);
    mhd_alloc_fail_at(ULONG_MAX); /* counts allocations without failing them */
    struct MHD_PostProcessor *pp = mhd_post_create(URLENC, strlen(URLENC), 256, count_iter, &total);
    CHECK(pp != NULL);
    CHECK_EQ_INT(mhd_alloc_count(), 1);
    CHECK_EQ_INT(MHD_post_process(pp, "", 0), MHD_YES);
    CHECK_EQ_INT(MHD_post_process(pp, NULL, 0), MHD_YES);
    CHECK_EQ_INT(MHD_post_process(pp, NULL, 3), MHD_NO);
    CHECK_EQ_INT(MHD_post_process(pp, "a=12", 4), MHD_YES);
    CHECK_EQ_INT(MHD_post_process(pp, "%x", 2), MHD_NO);
    CHECK_EQ_INT(MHD_post_process(pp, "3&b=4", 5), MHD_NO); /* failure is sticky */
    CHECK_EQ_SIZE(total, 2);
    CHECK_EQ_INT(mhd_alloc_count(), 1);
    CHECK_EQ_INT(MHD_destroy_post_processor(pp), MHD_NO);
    mhd_alloc_fail_at(0);
}

/* A large value streamed in 64 KiB slices: memory stays flat and the
 * throughput is printed for information. */
static void test_big_value(void)
{
    size_t mib = big_mib(32);
    size_t slice = 65536;
    char *chunk = malloc(slice);
    if (chunk == NULL)
        abort();
    for (size_t i = 0; i < slice; i++)
        chunk[i] = (char)('a' + i % 26);
    memcpy(chunk + 100, "%20%41+", 7);
    uint64_t total = 0;
    mhd_alloc_fail_at(ULONG_MAX);
    struct MHD_PostProcessor *pp =
        mhd_post_create(URLENC, strlen(URLENC), 65536, count_iter, &total);
    CHECK(pp != NULL);
    bool ok = MHD_post_process(pp, "big=", 4) == MHD_YES;
    double t0 = now_seconds();
    for (size_t i = 0; i < mib * 16 && ok; i++)
        ok = MHD_post_process(pp, chunk, slice) == MHD_YES;
    double secs = now_seconds() - t0;
    CHECK(ok);
    CHECK_EQ_INT(mhd_alloc_count(), 1);
    CHECK_EQ_INT(MHD_destroy_post_processor(pp), MHD_YES);
    mhd_alloc_fail_at(0);
    CHECK_EQ_SIZE(total, (uint64_t)mib * 16 * (slice - 4));
    printf("urlencoded: %zu MiB value in %.3f s = %.0f MB/s\n", mib, secs,
           (double)mib * 1048576.0 / 1e6 / (secs > 0 ? secs : 1e-9));
    free(chunk);
}

int main(void)
{
    run_table(good_cases, NF(good_cases));
    run_table(bad_cases, NF(bad_cases));
    test_long_values();
    test_many_fields();
    test_aborts();
    test_api_edges();
    test_big_value();
    return check_done();
}
