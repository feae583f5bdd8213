/* Base64: RFC 4648 vectors, round trips of every length, and the strict
 * decoder's refusals (bad characters at every position, misplaced or
 * missing padding, non-zero unused bits), inputs flush against an
 * unreadable page. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "guard.h"

#include "auth/auth_internal.h"

/* Decodes through a guarded copy; returns the decoded length or -1. */
static long decode(const char *s, size_t len, uint8_t *out)
{
    struct guard_buf g;
    char *p = guard_copy(&g, s, len);
    size_t n = 0;
    bool ok = mhd_base64_decode(p, len, out, &n);
    guard_free(&g);
    if (ok && n > mhd_base64_decoded_max(len))
        return -2;
    return ok ? (long)n : -1;
}

static void check_rfc4648(void)
{
    static const struct {
        const char *raw, *enc;
    } v[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
        {"Aladdin:open sesame", "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char enc[64];
        uint8_t dec[64];
        size_t rl = strlen(v[i].raw), el = strlen(v[i].enc);
        CHECK_EQ_SIZE(mhd_base64_encoded_len(rl), el);
        mhd_base64_encode(v[i].raw, rl, enc);
        CHECK_EQ_STR(enc, v[i].enc);
        CHECK_EQ_INT(decode(v[i].enc, el, dec), (long)rl);
        CHECK_EQ_MEM(dec, rl, v[i].raw, rl);
    }
}

/* Every length 0..300 of pseudo-random bytes survives a round trip, and
 * every proper prefix of the encoding is refused unless it is a whole
 * number of quanta (then it is a valid encoding of a shorter string). */
static void check_round_trips(void)
{
    uint8_t raw[300], dec[300];
    char enc[401];
    unsigned long bad = 0;
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof(raw); i++) {
        x = x * 1103515245u + 12345u;
        raw[i] = (uint8_t)(x >> 16);
    }
    for (size_t len = 0; len <= sizeof(raw); len++) {
        mhd_base64_encode(raw, len, enc);
        size_t el = mhd_base64_encoded_len(len);
        bad += strlen(enc) != el;
        long n = decode(enc, el, dec);
        bad += n != (long)len || memcmp(dec, raw, len) != 0;
        for (size_t cut = 0; cut < el; cut++) {
            long m = decode(enc, cut, dec);
            /* A shorter multiple of 4 never reaches the padded last quantum. */
            bool complete = cut % 4 == 0;
            bad += complete ? m != (long)(cut / 4 * 3) : m != -1;
        }
    }
    CHECK_MSG(bad == 0, "%lu round-trip or truncation failures", bad);
}

static bool in_alphabet(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* Replacing any character of a valid encoding by a byte outside the
 * alphabet makes it invalid. */
static void check_bad_chars(void)
{
    const char *valid = "QWxhZGRpbjpvcGVuIHNlc2FtZQ==";
    size_t len = strlen(valid);
    char buf[64];
    uint8_t dec[64];
    unsigned long bad = 0;
    for (size_t pos = 0; pos < len; pos++) {
        for (int c = 0; c < 256; c++) {
            if (in_alphabet(c) || (c == '=' && pos >= len - 2))
                continue;
            memcpy(buf, valid, len);
            buf[pos] = (char)c;
            bad += decode(buf, len, dec) != -1;
        }
    }
    CHECK_MSG(bad == 0, "%lu corrupted encodings were accepted", bad);
}

static void check_strictness(void)
{
    static const char *const refused[] = {
        "Zg",         "Zg=",       "Zg===",        "=",        "==",       "===",
        "====",       "Z===",      "Zm9vYg",       "Zm9vYg=",  "Zg==Zg==", "Zm=v",
        "Zh==",       "Zm9=",      "Zm9vYh==",     "Zm9vYmF=", " Zg==",    "Zg== ",
        "Zm9v\nYmFy", "Zm9vYmFy=", "Zm9vYmFy====", "Z=g=",     "-_==",     "Zm8",
    };
    uint8_t dec[64];
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        CHECK_MSG(decode(refused[i], strlen(refused[i]), dec) == -1, "accepted \"%s\"", refused[i]);
    /* The canonical neighbours of the non-canonical ones above pass. */
    CHECK_EQ_INT(decode("Zg==", 4, dec), 1);
    CHECK_EQ_INT(decode("Zm8=", 4, dec), 2);
    CHECK_EQ_INT(decode("+/+/", 4, dec), 3);
    CHECK_EQ_MEM(dec, 3, "\xfb\xff\xbf", 3);
}

int main(void)
{
    check_rfc4648();
    check_round_trips();
    check_bad_chars();
    check_strictness();
    return check_done();
}
