/* The Cookie header: mhd_http_parse_cookies() at every discipline level.
 *
 * Input: one control byte, then the header value.
 *   bits 0-3  n: the callback fails at cookie n (0: never), which must
 *             stop the parse with -1.
 *
 * Checked beyond "no crash": the count returned is the number of cookies
 * reported; each name and value is 0-terminated inside the buffer; a name
 * is a token; and levels 2 and 3, which report all or nothing, report
 * either nothing or exactly what level 1 reports. */
#include "fuzz.h"

#include "http/http.h"

struct jar {
    const char *buf;
    size_t len;
    int calls;
    int fail_at;
    uint64_t hash;
};

static bool on_cookie(void *ctx, char *name, size_t name_len, char *value, size_t value_len)
{
    struct jar *j = ctx;
    FUZZ_CHECK(name >= j->buf && name + name_len <= j->buf + j->len);
    FUZZ_CHECK(value >= j->buf && value + value_len <= j->buf + j->len);
    FUZZ_CHECK(name[name_len] == '\0' && value[value_len] == '\0');
    FUZZ_CHECK(name_len > 0 && mhd_http_is_token(name, name_len));
    j->calls++;
    if (j->fail_at != 0 && j->calls == j->fail_at)
        return false;
    j->hash = fuzz_hash(j->hash, name, name_len + 1);
    j->hash = fuzz_hash(j->hash, value, value_len + 1);
    return true;
}

/* Parses a fresh copy (the parser writes terminators, at s[len] too). */
static int parse(const uint8_t *data, size_t len, int level, int fail_at, struct jar *j)
{
    char *s = fuzz_dup(data, len, 1);
    *j = (struct jar){s, len, 0, fail_at, FUZZ_HASH_INIT};
    int n = mhd_http_parse_cookies(s, len, level, on_cookie, j);
    if (fail_at != 0 && j->calls == fail_at)
        FUZZ_CHECK(n == -1);
    else
        FUZZ_CHECK(n == j->calls);
    free(s);
    j->buf = NULL;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int fail_at = data[0] & 15;
    data++;
    size--;
    struct jar at[7];
    int n[7];
    for (int level = -3; level <= 3; level++)
        n[level + 3] = parse(data, size, level, fail_at, &at[level + 3]);
    for (int level = 2; level <= 3; level++) {
        if (n[level + 3] > 0) {
            FUZZ_CHECK(n[level + 3] == n[1 + 3]);
            FUZZ_CHECK(at[level + 3].hash == at[1 + 3].hash);
        }
    }
    return 0;
}
