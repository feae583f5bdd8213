/* Basic authentication: decoding an Authorization value with
 * mhd_basic_parse() and its legacy form, and building a challenge with
 * mhd_basic_challenge() for a realm taken from the same bytes.
 *
 * Input: the header value, as the client sent it.
 *
 * Checked beyond "no crash": decoded credentials re-encode to exactly the
 * token that was sent (the decoder accepts one spelling per credential);
 * the legacy call agrees with the new one; and a challenge quotes the realm
 * so that unquoting gives it back, with no line break getting through. */
#include "fuzz.h"

#include "auth/auth.h"
#include "auth/auth_internal.h"

/* The token after "Basic" and its spaces, found here independently: the
 * scheme (any case) after optional spaces and tabs, then at least one space
 * or tab, the token, and nothing but spaces and tabs after it. */
static bool find_token(const char *v, size_t len, size_t *start, size_t *tlen)
{
    size_t i = 0;
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    static const char scheme[] = "basic";
    for (size_t k = 0; k < 5; k++, i++) {
        if (i == len)
            return false;
        unsigned char c = (unsigned char)v[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (c != (unsigned char)scheme[k])
            return false;
    }
    if (i == len || (v[i] != ' ' && v[i] != '\t'))
        return false;
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    *start = i;
    while (i < len && v[i] != ' ' && v[i] != '\t')
        i++;
    *tlen = i - *start;
    while (i < len && (v[i] == ' ' || v[i] == '\t'))
        i++;
    return i == len && *tlen > 0;
}

static void check_credentials(const char *v, size_t len, const struct MHD_BasicAuthInfo *info)
{
    FUZZ_CHECK(info->username != NULL && info->username[info->username_len] == '\0');
    if (info->password == NULL)
        FUZZ_CHECK(info->password_len == 0);
    else
        FUZZ_CHECK(info->password[info->password_len] == '\0');
    FUZZ_CHECK(memchr(info->username, ':', info->username_len) == NULL);

    size_t start = 0, tlen = 0;
    FUZZ_CHECK(find_token(v, len, &start, &tlen));
    size_t plain_len = info->username_len + (info->password ? 1 + info->password_len : 0);
    char *plain = fuzz_dup(info->username, info->username_len, plain_len - info->username_len);
    if (info->password != NULL) {
        plain[info->username_len] = ':';
        if (info->password_len)
            memcpy(plain + info->username_len + 1, info->password, info->password_len);
    }
    char *enc = malloc(mhd_base64_encoded_len(plain_len) + 1);
    FUZZ_CHECK(enc != NULL);
    mhd_base64_encode(plain, plain_len, enc);
    FUZZ_CHECK(strlen(enc) == tlen && memcmp(enc, v + start, tlen) == 0);
    free(enc);
    free(plain);
}

static void check_legacy(const char *v, size_t len, const struct MHD_BasicAuthInfo *info)
{
    static char untouched[] = "untouched";
    char *pass = untouched;
    char *user = mhd_basic_parse_legacy(v, len, &pass);
    if (info == NULL) {
        FUZZ_CHECK(user == NULL && pass == untouched);
        return;
    }
    if (info->password == NULL) {
        FUZZ_CHECK(user == NULL && pass == NULL);
        return;
    }
    FUZZ_CHECK(user != NULL && pass != NULL);
    FUZZ_CHECK(memcmp(user, info->username, info->username_len + 1) == 0);
    FUZZ_CHECK(memcmp(pass, info->password, info->password_len + 1) == 0);
    MHD_free(user);
    MHD_free(pass);
}

/* The realm must come back from the quoted string unchanged. */
static void check_challenge(const char *realm, bool utf8)
{
    size_t len = 0;
    char *ch = mhd_basic_challenge(realm, utf8, &len);
    if (strchr(realm, '\r') != NULL || strchr(realm, '\n') != NULL) {
        FUZZ_CHECK(ch == NULL);
        return;
    }
    if (ch == NULL)
        return; /* out of memory */
    FUZZ_CHECK(strlen(ch) == len);
    FUZZ_CHECK(strncmp(ch, "Basic realm=\"", 13) == 0);
    const char *p = ch + 13;
    const char *r = realm;
    while (*p != '"') {
        FUZZ_CHECK(*p != '\0');
        if (*p == '\\')
            p++;
        FUZZ_CHECK(*p != '\0' && *p == *r);
        p++;
        r++;
    }
    FUZZ_CHECK(*r == '\0');
    p++;
    FUZZ_CHECK(strcmp(p, utf8 ? ", charset=\"UTF-8\"" : "") == 0);
    MHD_free(ch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *v = fuzz_dup(data, size, 0);
    struct MHD_BasicAuthInfo *info = mhd_basic_parse(v, size);
    if (info != NULL)
        check_credentials(v, size, info);
    check_legacy(v, size, info);
    if (info != NULL)
        MHD_free(info);
    free(v);

    /* The same bytes as a realm, up to the first NUL. */
    char *realm = fuzz_dup(data, size, 1);
    check_challenge(realm, size % 2 == 1);
    free(realm);
    return 0;
}
