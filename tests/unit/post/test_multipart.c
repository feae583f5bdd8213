/* The multipart/form-data POST parser: boundaries, part headers, line-end
 * variants, delimiters cut at every position, nested multipart/mixed, bad
 * input, iterator aborts, flat memory and throughput. Every body is fed
 * whole, byte by byte, in two pieces cut at every position and in many
 * random cuttings. */
#include "post_harness.h"

#include <limits.h>

#include "util/alloc.h"
#include "util/sys.h"

#define MP "multipart/form-data; boundary=xyz"
#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define RANDOM_RUNS 300
#define CD "Content-Disposition: form-data; name="

static const struct exp_field f_two[] = {
    F("a", "1"),
    FF("b", "f.txt", "text/plain", NULL, "hello\r\nworld"),
};
#define BODY_TWO                                                                                   \
    "--xyz\r\n" CD "\"a\"\r\n\r\n1\r\n--xyz\r\n" CD "\"b\"; filename=\"f.txt\"\r\n"                \
    "Content-Type: text/plain\r\n\r\nhello\r\nworld\r\n--xyz--\r\n"

static const struct exp_field f_quoted_b[] = {F("a", "1"), F("b", "2")};

static const struct exp_field f_file_all[] = {
    FF("upload", "data.bin", "application/octet-stream", "binary", "\x01\x02\r\n\x03"),
};

static const struct exp_field f_case[] = {FF("A", NULL, "text/x", "8bit", "v")};

static const struct exp_field f_near[] = {
    F("n1", "x\r\n--xy"),
    F("n2", "\r\n--xyZ\r\n-\n--xy z\r"),
    F("n3", "a--xyz b\n\r--xyz"),
    F("n4", "\r"),
    F("n5", "--xyz"),
};
#define BODY_NEAR                                                                                  \
    "--xyz\r\n" CD "n1\r\n\r\nx\r\n--xy\r\n--xyz\r\n" CD "n2\r\n\r\n\r\n--xyZ\r\n-\n--xy z\r"      \
    "\r\n--xyz\r\n" CD "n3\r\n\r\na--xyz b\n\r--xyz\r\n--xyz\r\n" CD                               \
    "n4\r\n\r\n\r\r\n--xyz\r\n" CD "n5\r\n\r\n--xyz\r\n--xyz--"

static const struct exp_field f_empty[] = {F("e", ""), F("f", ""), F("g", "x")};

static const struct exp_field f_params[] = {
    FF("n", "a\"b\\c.txt", NULL, NULL, "1"),  FF("p", "C:\\dir\\f.txt", NULL, NULL, "2"),
    FF("q", "semi;colon=x", NULL, NULL, "3"), F("", "4"),
    FF("", "only-file", NULL, NULL, "5"),     F("unq", "6"),
};
#define BODY_PARAMS                                                                                \
    "--xyz\r\nContent-Disposition: form-data; name=\"n\"; filename=\"a\\\"b\\\\c.txt\"\r\n\r\n1"   \
    "\r\n--xyz\r\nContent-Disposition: form-data; filename=\"C:\\dir\\f.txt\"; name=p\r\n\r\n2"    \
    "\r\n--xyz\r\ncontent-disposition:form-data;name=\"q\";filename=\"semi;colon=x\"\r\n\r\n3"     \
    "\r\n--xyz\r\nX-Other: y\r\n\r\n4"                                                             \
    "\r\n--xyz\r\nContent-Disposition: attachment; filename=only-file\r\n\r\n5"                    \
    "\r\n--xyz\r\nContent-Disposition: form-data; NAME=unq ; filename*=UTF-8''x\r\n"               \
    " folded: continuation\r\nX-Empty:\r\n\r\n6\r\n--xyz--\r\n"

static const struct exp_field f_nested[] = {
    F("field1", "Joe"),
    FF("files", "file1.txt", "text/plain", NULL, "first file\r\n--AaB03"),
    {"files", "file2.gif", "image/gif", "binary", "GIF89a\x00\x01", 8},
    FF("files", NULL, NULL, NULL, ""),
    F("after", "x"),
};
#define BODY_NESTED                                                                                \
    "--AaB03x\r\n" CD "\"field1\"\r\n\r\nJoe\r\n"                                                  \
    "--AaB03x\r\n" CD "\"files\"\r\nContent-Type: multipart/mixed; boundary=\"BbC04y\"\r\n\r\n"    \
    "--BbC04y\r\nContent-Disposition: file; filename=\"file1.txt\"\r\n"                            \
    "Content-Type: text/plain\r\n\r\nfirst file\r\n--AaB03\r\n"                                    \
    "--BbC04y\r\nContent-Disposition: file; name=\"ignored\"; filename=\"file2.gif\"\r\n"          \
    "Content-Type: image/gif\r\nContent-Transfer-Encoding: binary\r\n\r\nGIF89a\x00\x01\r\n"       \
    "--BbC04y\r\n\r\n\r\n"                                                                         \
    "--BbC04y--\r\nnested epilogue\r\n"                                                            \
    "--AaB03x\r\n" CD "\"after\"\r\n\r\nx\r\n--AaB03x--\r\n"

#define MP_NESTED "multipart/form-data; boundary=AaB03x"

static const struct post_case good_cases[] = {
    {"two fields", MP, BODY_TWO, 0, 256, f_two, NF(f_two), OUT_OK, 0},
    {"quoted boundary with specials", "multipart/form-data; boundary=\"b:o=u/n?d; x\"",
     "--b:o=u/n?d; x\r\n" CD "a\r\n\r\n1\r\n--b:o=u/n?d; x\r\n" CD "b\r\n\r\n2\r\n--b:o=u/n?d; x--",
     0, 256, f_quoted_b, NF(f_quoted_b), OUT_OK, 0},
    {"parameter case and order", "Multipart/Form-Data ;charset=utf-8; BOUNDARY=xyz",
     "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n2\r\n--xyz--\r\n", 0, 256, f_quoted_b,
     NF(f_quoted_b), OUT_OK, 0},
    {"preamble and epilogue", MP,
     "preamble line\r\nmore --xyz preamble\r\n--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD
     "b\r\n\r\n2\r\n--xyz--\r\nepilogue\r\n--xyz\r\n" CD "c\r\n\r\n3\r\n",
     0, 256, f_quoted_b, NF(f_quoted_b), OUT_OK, 0},
    {"leading CRLF", MP, "\r\n--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n2\r\n--xyz--", 0,
     256, f_quoted_b, NF(f_quoted_b), OUT_OK, 0},
    {"file part headers", MP,
     "--xyz\r\n" CD "\"upload\"; filename=\"data.bin\"\r\nContent-Type: application/octet-stream"
     "\r\nContent-Transfer-Encoding: binary\r\n\r\n\x01\x02\r\n\x03\r\n--xyz--\r\n",
     0, 256, f_file_all, NF(f_file_all), OUT_OK, 0},
    {"header names in any case", MP,
     "--xyz\r\ncontent-DISPOSITION: form-data; name=A\r\nCONTENT-TYPE:  text/x \r\n"
     "content-transfer-encoding:\t8bit\r\n\r\nv\r\n--xyz--",
     0, 256, f_case, NF(f_case), OUT_OK, 0},
    {"bare LF line ends", MP,
     "--xyz\n" CD "\"a\"\n\n1\n--xyz\n" CD "\"b\"; filename=\"f.txt\"\nContent-Type: text/plain\n\n"
     "hello\r\nworld\n--xyz--\n",
     0, 256, f_two, NF(f_two), OUT_OK, 0},
    {"transport padding", MP,
     "--xyz \t \r\n" CD "a\r\n\r\n1\r\n--xyz\t\n" CD "b\r\n\r\n2\r\n--xyz-- padding\r\n", 0, 256,
     f_quoted_b, NF(f_quoted_b), OUT_OK, 0},
    {"near delimiters are data", MP, BODY_NEAR, 0, 256, f_near, NF(f_near), OUT_OK, 0},
    {"empty values", MP,
     "--xyz\r\n" CD "e\r\n\r\n\r\n--xyz\r\n" CD "f\r\n\r\n\r\n--xyz\r\n" CD "g\r\n\r\nx\r\n--xyz--",
     0, 256, f_empty, NF(f_empty), OUT_OK, 0},
    {"disposition parameters", MP, BODY_PARAMS, 0, 256, f_params, NF(f_params), OUT_OK, 0},
    {"nested multipart/mixed", MP_NESTED, BODY_NESTED, sizeof(BODY_NESTED) - 1, 256, f_nested,
     NF(f_nested), OUT_OK, 0},
    {"empty body", MP, "", 0, 256, NULL, 0, OUT_OK, 0},
    {"no trailing line end", MP,
     "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n2\r\n--xyz--", 0, 256, f_quoted_b,
     NF(f_quoted_b), OUT_OK, 0},
};

static const struct exp_field f_unclosed[] = {F("a", "x\r\n--xyz--\r\n")};
static const struct exp_field f_trunc[] = {F("a", "1"), F("b", "22222")};

static const struct post_case bad_cases[] = {
    {"truncated in a value", MP, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n22222", 0,
     256, f_trunc, NF(f_trunc), OUT_FAIL_DESTROY, 1},
    {"truncated in the delimiter", MP,
     "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n22222\r\n--xy", 0, 256, f_trunc,
     NF(f_trunc), OUT_FAIL_DESTROY, 1},
    {"no close delimiter", MP,
     "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n22222\r\n--xyz", 0, 256, f_trunc,
     NF(f_trunc), OUT_FAIL_DESTROY, 2},
    {"half a close delimiter", MP,
     "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n22222\r\n--xyz-", 0, 256, f_trunc,
     NF(f_trunc), OUT_FAIL_DESTROY, 2},
    {"truncated in headers", MP, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\nContent-Ty", 0,
     256, f_trunc, 1, OUT_FAIL_DESTROY, 1},
    {"garbage after boundary", MP, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyzGARBAGE\r\n\r\n2", 0, 256,
     f_trunc, 1, OUT_FAIL_PROCESS, 0},
    {"single dash after boundary", MP, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz-x\r\n", 0, 256, f_trunc,
     1, OUT_FAIL_PROCESS, 0},
    {"CR without LF after boundary", MP, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\rx", 0, 256, f_trunc,
     1, OUT_FAIL_PROCESS, 0},
    {"header without colon", MP, "--xyz\r\n" CD "a\r\nbogus header\r\n\r\n1\r\n--xyz--", 0, 256,
     NULL, 0, OUT_FAIL_PROCESS, 0},
    {"urlencoded body", MP, "a=1&b=2&c=%20", 0, 256, NULL, 0, OUT_FAIL_DESTROY, 0},
    {"preamble only", MP, "no boundary here\r\n-xyz\r\n", 0, 256, NULL, 0, OUT_FAIL_DESTROY, 0},
    {"nested mixed without boundary", MP,
     "--xyz\r\n" CD "a\r\nContent-Type: multipart/mixed\r\n\r\n--q\r\n\r\nx\r\n--q--\r\n--xyz--", 0,
     256, NULL, 0, OUT_FAIL_PROCESS, 0},
    {"nested mixed never closed", MP,
     "--xyz\r\n" CD "a\r\nContent-Type: multipart/mixed; boundary=qq\r\n\r\n--qq\r\n\r\nx\r\n"
     "--xyz--\r\n",
     0, 256, f_unclosed, NF(f_unclosed), OUT_FAIL_DESTROY, 0},
};

static void run_table(const struct post_case *cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        check_case_splits(&cases[i], RANDOM_RUNS);
}

/* A value several times the buffer, with near-delimiters at many offsets,
 * and every byte value. */
static void test_long_value(void)
{
    struct bytes val = {0}, body = {0};
    for (int i = 0; i < 2200; i++) {
        unsigned char c = (unsigned char)(i * 7 + 3);
        if (c == 'z')
            c = 'Z'; /* "\r\n--xy" and a 'z' would be a real delimiter */
        bytes_add(&val, &c, 1);
        if (i % 97 == 0)
            bytes_str(&val, "\r\n--xy");
        if (i % 131 == 0)
            bytes_str(&val, "\n--x\r");
    }
    bytes_str(&body, "--xyz\r\n" CD "big; filename=b.bin\r\n\r\n");
    bytes_add(&body, val.p, val.len);
    bytes_str(&body, "\r\n--xyz\r\n" CD "small\r\n\r\ns\r\n--xyz--\r\n");
    const struct exp_field f[] = {FF("big", "b.bin", NULL, NULL, val.p), F("small", "s")};
    struct exp_field fx[2];
    memcpy(fx, f, sizeof(fx));
    fx[0].len = val.len;
    struct post_case c = {"long value", MP, body.p, body.len, 256, fx, 2, OUT_OK, 0};
    check_case_splits(&c, RANDOM_RUNS);
    bytes_free(&val);
    bytes_free(&body);
}

/* The longest boundary (70 bytes) and a body of many small fields. */
static void test_many_fields(void)
{
    enum { N = 150 };
    static char keys[N][16], vals[N][16];
    static struct exp_field f[N];
    char b70[71];
    for (int i = 0; i < 70; i++)
        b70[i] = (char)('A' + i % 26);
    b70[70] = '\0';
    char ct[128];
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
    struct bytes body = {0};
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        if (i % 5)
            snprintf(vals[i], sizeof(vals[i]), "v%d", i);
        else
            vals[i][0] = '\0';
        bytes_fmt(&body, "--%s\r\n" CD "\"%s\"\r\n\r\n%s\r\n", b70, keys[i], vals[i]);
        f[i] = (struct exp_field)F(keys[i], vals[i]);
    }
    bytes_fmt(&body, "--%s--\r\n", b70);
    struct post_case c = {
        "many fields, 70-byte boundary", ct, body.p, body.len, 256, f, N, OUT_OK, 0};
    check_case_splits(&c, 100);
    bytes_free(&body);
}

/* Header blocks are bounded by the buffer, in one line or in many. */
static void test_header_limits(void)
{
    struct bytes body = {0}, body2 = {0}, body3 = {0};
    bytes_str(&body, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "\"");
    for (int i = 0; i < 300; i++)
        bytes_add(&body, "n", 1);
    bytes_str(&body, "\"\r\n\r\nv\r\n--xyz--\r\n");
    const struct exp_field f[] = {F("a", "1")};
    struct post_case c = {
        "header line over the buffer", MP, body.p, body.len, 256, f, 1, OUT_FAIL_PROCESS, 1};
    check_case_splits(&c, 50);

    bytes_str(&body2, "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n");
    for (int i = 0; i < 40; i++)
        bytes_str(&body2, "X-Filler: abc\r\n");
    bytes_str(&body2, "\r\nv\r\n--xyz--\r\n");
    struct post_case c2 = {
        "header block over the buffer", MP, body2.p, body2.len, 256, f, 1, OUT_FAIL_PROCESS, 1};
    check_case_splits(&c2, 50);

    /* The same block fits a larger buffer, and a long name is kept whole. */
    bytes_str(&body3, "--xyz\r\n");
    for (int i = 0; i < 40; i++)
        bytes_str(&body3, "X-Filler: abc\r\n");
    bytes_str(&body3, CD "\"");
    for (int i = 0; i < 300; i++)
        bytes_add(&body3, "n", 1);
    bytes_str(&body3, "\"\r\n\r\nv\r\n--xyz--\r\n");
    char name[301];
    memset(name, 'n', 300);
    name[300] = '\0';
    const struct exp_field f3[] = {F(name, "v")};
    struct post_case c3 = {
        "large header block, large buffer", MP, body3.p, body3.len, 1024, f3, 1, OUT_OK, 0};
    check_case_splits(&c3, 50);
    bytes_free(&body);
    bytes_free(&body2);
    bytes_free(&body3);
}

static void test_aborts(void)
{
    check_case_abort(&good_cases[0]);
    check_case_abort(&good_cases[12]);
}

/* ---- large streamed file --------------------------------------------- */

#define BIG_BOUNDARY "----------------------------7c1a5e9b30d24f6e"
/* The payload cycles through a block larger than the last-level cache, so
 * that the figures are memory throughput, not cache throughput. */
#define BIG_BLOCK_MAX ((size_t)64 << 20)

struct big_sink {
    const unsigned char *block; /* the payload repeats this block */
    size_t block_len;
    size_t buffer_size;
    uint64_t bytes;
    unsigned long pieces;
    bool verify;
    bool bad;
};

static enum MHD_Result big_iter(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *ctype, const char *tenc,
                                const char *data, uint64_t off, size_t size)
{
    struct big_sink *s = cls;
    (void)kind, (void)ctype, (void)tenc;
    s->pieces++;
    if (off != s->bytes || size > s->buffer_size || strcmp(key, "file") != 0 || filename == NULL ||
        strcmp(filename, "big.bin") != 0)
        s->bad = true;
    if (s->verify) {
        size_t at = (size_t)(off % s->block_len);
        size_t first = MHD_MIN(size, s->block_len - at);
        if (memcmp(data, s->block + at, first) != 0 ||
            memcmp(data + first, s->block, size - first) != 0)
            s->bad = true;
    }
    s->bytes += size;
    return MHD_YES;
}

/* Text lines of which every one is a near-delimiter: "\r\n--" and all but
 * the last byte of the boundary, then text. The worst case for the search. */
static unsigned char *make_hostile_block(size_t len)
{
    static const char line[] = "\r\n--" BIG_BOUNDARY;
    unsigned char *b = malloc(len);
    if (b == NULL)
        abort();
    for (size_t i = 0; i < len; i++) {
        size_t k = i % 80;
        b[i] = k < sizeof(line) - 2 ? (unsigned char)line[k] : (unsigned char)('a' + k % 26);
    }
    return b;
}

/* Pseudo-random payload with near-delimiters placed across slice edges. */
static unsigned char *make_block(size_t len)
{
    unsigned char *b = malloc(len);
    if (b == NULL)
        abort();
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        b[i] = (unsigned char)x;
    }
    static const char near[] = "\r\n--" BIG_BOUNDARY;
    for (size_t at = 1400 - 20; at + sizeof(near) < len; at += 65536 + 1400) {
        memcpy(b + at, near, sizeof(near) - 2); /* all but the last boundary byte */
        b[at + sizeof(near) - 2] = '!';
    }
    return b;
}

/* Streams `mib` MiB through one part in `slice`-byte calls. Returns the
 * seconds spent in MHD_post_process and destroy. */
static double stream_big(const unsigned char *block, size_t block_len, size_t mib,
                         size_t buffer_size, size_t slice, bool verify)
{
    const char *ct = "multipart/form-data; boundary=" BIG_BOUNDARY;
    static const char head[] = "--" BIG_BOUNDARY "\r\nContent-Disposition: form-data; "
                               "name=\"file\"; filename=\"big.bin\"\r\n"
                               "Content-Type: application/octet-stream\r\n\r\n";
    static const char tail[] = "\r\n--" BIG_BOUNDARY "--\r\n";
    struct big_sink s = {block, block_len, buffer_size, 0, 0, verify, false};
    mhd_alloc_fail_at(ULONG_MAX);
    struct MHD_PostProcessor *pp = mhd_post_create(ct, strlen(ct), buffer_size, big_iter, &s);
    CHECK(pp != NULL);
    if (pp == NULL)
        return 0;
    double t0 = now_seconds();
    bool ok = MHD_post_process(pp, head, sizeof(head) - 1) == MHD_YES;
    uint64_t total = (uint64_t)mib << 20;
    for (uint64_t done = 0; done < total && ok;) {
        size_t at = (size_t)(done % block_len);
        size_t n = MHD_MIN(MHD_MIN(slice, block_len - at), (size_t)(total - done));
        ok = MHD_post_process(pp, (const char *)block + at, n) == MHD_YES;
        done += n;
    }
    ok = ok && MHD_post_process(pp, tail, sizeof(tail) - 1) == MHD_YES;
    CHECK_EQ_INT(mhd_alloc_count(), 1); /* nothing allocated after creation */
    CHECK_EQ_INT(MHD_destroy_post_processor(pp), MHD_YES);
    double secs = now_seconds() - t0;
    mhd_alloc_fail_at(0);
    CHECK(ok);
    CHECK(!s.bad);
    CHECK_EQ_SIZE(s.bytes, total);
    printf("multipart: %zu MiB, buffer %zu, slices of %zu: %lu pieces, %.3f s = %.0f MB/s%s\n", mib,
           buffer_size, slice, s.pieces, secs, (double)total / 1e6 / (secs > 0 ? secs : 1e-9),
           verify ? " (verified)" : "");
    return secs;
}

static void test_big_file(void)
{
    size_t mib = big_mib(64);
    size_t block_len = MHD_MIN((size_t)mib << 20, BIG_BLOCK_MAX);
    unsigned char *block = make_block(block_len);
    stream_big(block, block_len, mib, 65536, 65536, true);
    stream_big(block, block_len, mib, 65536, 65536, false);
    stream_big(block, block_len, mib, 256, 1460, false);
    stream_big(block, block_len, mib < 16 ? mib : 16, 4096, 7, true);
    free(block);
    block = make_hostile_block(block_len);
    stream_big(block, block_len, mib, 65536, 65536, true);
    stream_big(block, block_len, mib < 16 ? mib : 16, 256, 1460, true);
    free(block);
}

int main(void)
{
    run_table(good_cases, NF(good_cases));
    run_table(bad_cases, NF(bad_cases));
    test_long_value();
    test_many_fields();
    test_header_limits();
    test_aborts();
    test_big_file();
    return check_done();
}
