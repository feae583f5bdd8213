/* The POST processor on multipart/form-data bodies, nested multipart/mixed
 * parts included.
 *
 * Input: three control bytes, then the rest.
 *   byte 0  bits 0-2: the processor's buffer size (post_buffer_sizes);
 *           bits 3-4: which fixed Content-Type to use (types[] below);
 *           bit 6: the rest describes fields, and the body is built from
 *           them (see build() below);
 *           bit 7: take the Content-Type from the input instead: the rest
 *           up to its first LF (at most 1024 bytes) is the header value
 *           and what follows the LF is the body (bit 6 is then ignored);
 *   byte 1  how the body is cut for the second and third feeding
 *           (fuzz_cutter; 0 feeds it whole);
 *   byte 2  the iterator call that answers MHD_NO in the third feeding
 *           (0: no third feeding).
 *
 * See post_fuzz.h for what is checked. A built body must also succeed and
 * give back exactly the fields it was built from, reassembled from the
 * pieces the iterator received. */
#include <strings.h>

#include "post_fuzz.h"

/* Boundaries of the usual shapes: short, quoted with a space, a browser's
 * long one after another parameter, and the two-byte minimum. */
static const char *const types[4] = {
    "multipart/form-data; boundary=AaB03x",
    "multipart/form-data; boundary=\"simple boundary\"",
    "Multipart/Form-Data; charset=utf-8; BOUNDARY=----WebKitFormBoundary7MA4YWxkTrZu0gW",
    "multipart/form-data; boundary=--",
};
static const char *const boundaries[4] = {
    "AaB03x",
    "simple boundary",
    "----WebKitFormBoundary7MA4YWxkTrZu0gW",
    "--",
};

#define CTYPE_FROM_INPUT_MAX 1024

/* Separators in the field description of bit 6 mode. */
#define FIELD_SEP 0xfe /* between fields */
#define VALUE_SEP 0xfd /* between a field's headers and its value */
#define FILE_SEP 0xfc  /* before the file name */
#define TYPE_SEP 0xfb  /* before the part's Content-Type */

/* A growing byte string. */
struct text {
    char *p;
    size_t len, cap;
};

static void put(struct text *t, const void *s, size_t len)
{
    if (t->len + len + 1 > t->cap) {
        t->cap = 2 * (t->len + len + 1);
        t->p = realloc(t->p, t->cap);
        FUZZ_CHECK(t->p != NULL);
    }
    if (len)
        memcpy(t->p + t->len, s, len);
    t->len += len;
    t->p[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
    put(t, s, strlen(s));
}

/* Appends s[0..len) as a quoted string, without the bytes a header line
 * cannot carry (NUL, CR, LF); the bytes kept, unescaped, go to `plain`. */
static void put_quoted(struct text *t, struct text *plain, const uint8_t *s, size_t len)
{
    puts_(t, "\"");
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
            continue;
        if (s[i] == '"' || s[i] == '\\')
            puts_(t, "\\");
        put(t, s + i, 1);
        put(plain, s + i, 1);
    }
    puts_(t, "\"");
}

/* The part's Content-Type: the bytes a header line can carry, without the
 * spaces and tabs the parser trims. */
static void clean_type(struct text *plain, const uint8_t *s, size_t len)
{
    put(plain, "", 0);
    for (size_t i = 0; i < len; i++)
        if (s[i] != '\0' && s[i] != '\r' && s[i] != '\n')
            put(plain, s + i, 1);
    size_t a = 0, b = plain->len;
    while (a < b && (plain->p[a] == ' ' || plain->p[a] == '\t'))
        a++;
    while (b > a && (plain->p[b - 1] == ' ' || plain->p[b - 1] == '\t'))
        b--;
    memmove(plain->p, plain->p + a, b - a);
    plain->len = b - a;
    plain->p[plain->len] = '\0';
}

static const uint8_t *find_byte(const uint8_t *s, size_t len, uint8_t c)
{
    return len ? memchr(s, c, len) : NULL;
}

/* Builds a multipart body for `boundary` from the description d[0..len):
 * fields separated by FIELD_SEP, each "name[FILE_SEP filename][TYPE_SEP
 * type] VALUE_SEP value" (without VALUE_SEP all of it is the name). The
 * fields condensed as post_iter() condenses them go to *hash. Returns
 * false when the body is not one the comparison holds for: a value holds
 * the delimiter, a type is multipart/mixed (a nested body), or a header
 * block may not fit the buffer. */
static bool build(const uint8_t *d, size_t len, const char *boundary, size_t buffer_size,
                  struct text *body, unsigned long *fields, uint64_t *hash)
{
    bool comparable = true;
    struct text delim = {0};
    puts_(&delim, "\n--");
    puts_(&delim, boundary);
    *fields = 0;
    *hash = FUZZ_HASH_INIT;
    puts_(body, "preamble\r\n");
    for (size_t start = 0; start <= len;) {
        const uint8_t *sep = find_byte(d + start, len - start, FIELD_SEP);
        size_t stop = sep != NULL ? (size_t)(sep - d) : len;
        const uint8_t *f = d + start;
        size_t flen = stop - start;
        const uint8_t *vs = find_byte(f, flen, VALUE_SEP);
        size_t hlen = vs != NULL ? (size_t)(vs - f) : flen;
        const uint8_t *value = vs != NULL ? vs + 1 : f + flen;
        size_t value_len = flen - (size_t)(value - f);
        const uint8_t *ts = find_byte(f, hlen, TYPE_SEP);
        size_t before_type = ts != NULL ? (size_t)(ts - f) : hlen;
        const uint8_t *fs = find_byte(f, before_type, FILE_SEP);
        size_t name_len = fs != NULL ? (size_t)(fs - f) : before_type;

        struct text name = {0}, file = {0}, type = {0};
        size_t head_start = body->len;
        puts_(body, "--");
        puts_(body, boundary);
        puts_(body, "\r\nContent-Disposition: form-data; name=");
        put_quoted(body, &name, f, name_len);
        put(&name, "", 0);
        if (fs != NULL) {
            puts_(body, "; filename=");
            put_quoted(body, &file, fs + 1, before_type - name_len - 1);
            put(&file, "", 0);
        }
        puts_(body, "\r\n");
        if (ts != NULL) {
            clean_type(&type, ts + 1, hlen - before_type - 1);
            puts_(body, "Content-Type: ");
            put(body, type.p, type.len);
            puts_(body, "\r\n");
            if (strncasecmp(type.p, "multipart/mixed", 15) == 0)
                comparable = false;
        }
        puts_(body, "\r\n");
        /* The parser keeps the header block and the decoded values in the
         * buffer at once. */
        if (body->len - head_start + name.len + file.len + type.len + 3 > buffer_size)
            comparable = false;
        put(body, value, value_len);
        /* The value follows a line break, which a delimiter may use. */
        if (memmem(body->p + body->len - value_len - 1, value_len + 1, delim.p, delim.len) != NULL)
            comparable = false;
        puts_(body, "\r\n");
        *hash = post_hash_field(*hash, name.p, fs != NULL ? file.p : NULL,
                                ts != NULL ? type.p : NULL, (const char *)value, value_len);
        ++*fields;
        free(name.p);
        free(file.p);
        free(type.p);
        start = stop + 1;
    }
    puts_(body, "--");
    puts_(body, boundary);
    puts_(body, "--\r\nepilogue");
    free(delim.p);
    return comparable;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned int b0 = fuzz_byte(&in);
    unsigned int mode = fuzz_byte(&in);
    unsigned int stop_at = fuzz_byte(&in);
    size_t buffer_size = post_buffer_sizes[b0 & 7];
    struct post_run whole;
    if ((b0 & 0x80) == 0) {
        const char *ct = types[(b0 >> 3) & 3];
        const uint8_t *body = in.p;
        size_t body_len = in.len;
        struct text built = {0};
        unsigned long fields = 0;
        uint64_t hash = 0;
        bool compare = false;
        if (b0 & 0x40) {
            compare =
                build(in.p, in.len, boundaries[(b0 >> 3) & 3], buffer_size, &built, &fields, &hash);
            body = (const uint8_t *)built.p;
            body_len = built.len;
        }
        /* The fixed types are valid for every buffer size in the table. */
        FUZZ_CHECK(post_check_body(ct, strlen(ct), buffer_size, false, body, body_len, mode,
                                   stop_at, &whole));
        if (compare) {
            FUZZ_CHECK(post_run_ok(&whole));
            FUZZ_CHECK(whole.fields == fields && whole.hash == hash);
        }
        free(built.p);
        return 0;
    }
    size_t scan = in.len < CTYPE_FROM_INPUT_MAX ? in.len : CTYPE_FROM_INPUT_MAX;
    const uint8_t *lf = memchr(in.p, '\n', scan);
    if (lf == NULL)
        return 0;
    size_t ct_len = (size_t)(lf - in.p);
    post_check_body((const char *)in.p, ct_len, buffer_size, false, lf + 1, in.len - ct_len - 1,
                    mode, stop_at, &whole);
    return 0;
}
