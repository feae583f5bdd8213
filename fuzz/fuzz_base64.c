/* Base64 as Basic authentication uses it: the strict decoder and the
 * encoder.
 *
 * Input: arbitrary bytes, used twice: as text to decode, and as data to
 * encode.
 *
 * Checked beyond "no crash": decoding never writes more than
 * mhd_base64_decoded_max() promises; whatever decodes re-encodes to exactly
 * the same text (the decoder accepts one spelling per byte string); and
 * every byte string survives encoding and decoding unchanged. */
#include "fuzz.h"

#include "auth/auth_internal.h"

static void check_decode(const uint8_t *data, size_t len)
{
    char *text = fuzz_dup(data, len, 0);
    size_t cap = mhd_base64_decoded_max(len);
    uint8_t *out = (uint8_t *)fuzz_dup("", 0, cap);
    size_t n = 0;
    if (mhd_base64_decode(text, len, out, &n)) {
        FUZZ_CHECK(n <= cap);
        FUZZ_CHECK(mhd_base64_encoded_len(n) == len);
        char *again = fuzz_dup("", 0, len + 1);
        mhd_base64_encode(out, n, again);
        FUZZ_CHECK(again[len] == '\0' && memcmp(again, text, len) == 0);
        free(again);
    }
    free(out);
    free(text);
}

static void check_encode(const uint8_t *data, size_t len)
{
    size_t elen = mhd_base64_encoded_len(len);
    char *text = fuzz_dup("", 0, elen + 1);
    mhd_base64_encode(data, len, text);
    FUZZ_CHECK(text[elen] == '\0' && strlen(text) == elen);
    size_t cap = mhd_base64_decoded_max(elen);
    FUZZ_CHECK(cap >= len);
    uint8_t *back = (uint8_t *)fuzz_dup("", 0, cap);
    size_t n = 0;
    /* Decode from an exact-size copy, without the terminator. */
    char *exact = fuzz_dup(text, elen, 0);
    FUZZ_CHECK(mhd_base64_decode(exact, elen, back, &n));
    FUZZ_CHECK(n == len && (len == 0 || memcmp(back, data, len) == 0));
    free(exact);
    free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_decode(data, size);
    check_encode(data, size);
    return 0;
}
