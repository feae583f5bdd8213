/* The POST processor on application/x-www-form-urlencoded bodies.
 *
 * Input: three control bytes, then the body.
 *   byte 0  bits 0-2: the processor's buffer size (post_buffer_sizes);
 *           bits 3-4: the Content-Type spelling (types[] below);
 *   byte 1  how the body is cut for the second and third feeding
 *           (fuzz_cutter; 0 feeds it whole);
 *   byte 2  the iterator call that answers MHD_NO in the third feeding
 *           (0: no third feeding).
 *
 * See post_fuzz.h for what is checked. Here the iterator also checks that
 * every piece is followed by a NUL, as urlencoded values are, and the
 * fields reassembled from the pieces must equal those of a reference
 * decoder written below from the rules at the top of
 * src/post/urlencoded.c, as must the verdict. */
#include "post_fuzz.h"

/* The media type matches as a case-insensitive prefix and may carry
 * parameters; all of these must select the urlencoded parser. */
static const char *const types[4] = {
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "  Application/X-WWW-Form-URLencoded",
    "application/x-www-form-urlencoded;charset=\"iso-8859-1\"",
};

/* Room the processor keeps for value bytes after the longest key. */
#define VALUE_ROOM 64

/* Decodes s[0..len) into out ('+' is a space, "%XX" a byte); false when a
 * '%' does not start two hex digits. */
static bool decode(const uint8_t *s, size_t len, char *out, size_t *out_len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (len - i < 3 || fuzz_hex(s[i + 1]) < 0 || fuzz_hex(s[i + 2]) < 0)
                return false;
            out[n++] = (char)(fuzz_hex(s[i + 1]) * 16 + fuzz_hex(s[i + 2]));
            i += 2;
        } else {
            out[n++] = s[i] == '+' ? ' ' : (char)s[i];
        }
    }
    *out_len = n;
    return true;
}

/* The fields of body[0..len) condensed as post_iter() condenses them, and
 * their number; false when the body must fail. The body ends at the first
 * CR or LF, after which only CR and LF may follow; elements are split at
 * '&' and skipped when empty; the key ends at the first '='. */
static bool reference(const uint8_t *body, size_t len, size_t buffer_size, unsigned long *fields,
                      uint64_t *hash)
{
    size_t end = 0;
    while (end < len && body[end] != '\r' && body[end] != '\n')
        end++;
    for (size_t i = end; i < len; i++)
        if (body[i] != '\r' && body[i] != '\n')
            return false;
    char *key = fuzz_dup("", 0, end + 1);
    char *value = fuzz_dup("", 0, end + 1);
    bool ok = true;
    *fields = 0;
    *hash = FUZZ_HASH_INIT;
    for (size_t start = 0; ok && start < end;) {
        const uint8_t *amp = memchr(body + start, '&', end - start);
        size_t stop = amp != NULL ? (size_t)(amp - body) : end;
        if (stop > start) {
            const uint8_t *eq = memchr(body + start, '=', stop - start);
            size_t key_end = eq != NULL ? (size_t)(eq - body) : stop;
            size_t key_len = 0, value_len = 0;
            ok = decode(body + start, key_end - start, key, &key_len) &&
                 key_len + VALUE_ROOM + 1 <= buffer_size &&
                 (eq == NULL || decode(eq + 1, stop - key_end - 1, value, &value_len));
            key[key_len] = '\0';
            if (ok) {
                /* The key reaches the iterator as a C string. */
                *hash = post_hash_field(*hash, key, NULL, NULL, value, value_len);
                ++*fields;
            }
        }
        start = stop + 1;
    }
    free(value);
    free(key);
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_in in = {data, size};
    unsigned int b0 = fuzz_byte(&in);
    unsigned int mode = fuzz_byte(&in);
    unsigned int stop_at = fuzz_byte(&in);
    const char *ct = types[(b0 >> 3) & 3];
    size_t buffer_size = post_buffer_sizes[b0 & 7];
    struct post_run whole;
    /* Every spelling above is urlencoded, so creation must succeed. */
    FUZZ_CHECK(
        post_check_body(ct, strlen(ct), buffer_size, true, in.p, in.len, mode, stop_at, &whole));
    unsigned long fields = 0;
    uint64_t hash = 0;
    bool ok = reference(in.p, in.len, buffer_size, &fields, &hash);
    FUZZ_CHECK(ok == post_run_ok(&whole));
    if (ok)
        FUZZ_CHECK(whole.fields == fields && whole.hash == hash);
    return 0;
}
