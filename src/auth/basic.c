/* Basic authentication (RFC 7617): decoding credentials and building the
 * challenge. */
#include "auth/auth_internal.h"

/* Finds the token68 after the scheme: it ends at the first space or tab,
 * after which only spaces and tabs may follow. */
static bool find_token(const char *value, size_t len, size_t *start, size_t *tlen)
{
    size_t i;
    if (!mhd_auth_match_scheme(value, len, "Basic", &i))
        return false;
    size_t s = i;
    while (i < len && value[i] != ' ' && value[i] != '\t')
        i++;
    size_t e = i;
    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    if (i != len || e == s)
        return false;
    *start = s;
    *tlen = e - s;
    return true;
}

struct MHD_BasicAuthInfo *mhd_basic_parse(const char *value, size_t len)
{
    size_t start, tlen;
    if (value == NULL || !find_token(value, len, &start, &tlen))
        return NULL;
    if (tlen > mhd_base64_encoded_len(AUTH_BASIC_MAX_DECODED))
        return NULL;
    /* The credentials are decoded straight into the string area of the
     * block; the ':' becomes the username's terminator, so one extra byte
     * for the final terminator is all the room the strings need. */
    size_t cap = mhd_base64_decoded_max(tlen);
    struct MHD_BasicAuthInfo *info = mhd_alloc(sizeof(*info) + cap + 1);
    if (info == NULL)
        return NULL;
    char *text = (char *)(info + 1);
    size_t n;
    if (!mhd_base64_decode(value + start, tlen, (uint8_t *)text, &n) ||
        n > AUTH_BASIC_MAX_DECODED) {
        mhd_free(info);
        return NULL;
    }
    text[n] = '\0';
    char *colon = memchr(text, ':', n);
    info->username = text;
    if (colon == NULL) {
        info->username_len = n;
        info->password = NULL;
        info->password_len = 0;
    } else {
        *colon = '\0';
        info->username_len = (size_t)(colon - text);
        info->password = colon + 1;
        info->password_len = n - info->username_len - 1;
    }
    return info;
}

char *mhd_basic_parse_legacy(const char *value, size_t len, char **password)
{
    struct MHD_BasicAuthInfo *info = mhd_basic_parse(value, len);
    if (info == NULL)
        return NULL;
    if (info->password == NULL) {
        mhd_free(info);
        if (password != NULL)
            *password = NULL;
        return NULL;
    }
    char *user = mhd_strndup(info->username, info->username_len);
    char *pass = NULL;
    if (user != NULL && password != NULL) {
        pass = mhd_strndup(info->password, info->password_len);
        if (pass == NULL) {
            mhd_free(user);
            user = NULL;
        }
    }
    mhd_free(info);
    if (user != NULL && password != NULL)
        *password = pass;
    return user;
}

char *mhd_basic_challenge(const char *realm, bool prefer_utf8, size_t *len)
{
    static const char head[] = "Basic realm=";
    static const char utf8[] = ", charset=\"UTF-8\"";
    if (realm == NULL)
        return NULL;
    size_t rlen = strlen(realm);
    /* A line break in the realm would end the header early and let the
     * rest be read as a header of its own. */
    if (memchr(realm, '\r', rlen) != NULL || memchr(realm, '\n', rlen) != NULL)
        return NULL;
    size_t total =
        sizeof(head) - 1 + mhd_auth_quoted_len(realm, rlen) + (prefer_utf8 ? sizeof(utf8) - 1 : 0);
    char *out = mhd_alloc(total + 1);
    if (out == NULL)
        return NULL;
    size_t n = sizeof(head) - 1;
    memcpy(out, head, n);
    n += mhd_auth_quote(out + n, realm, rlen);
    if (prefer_utf8) {
        memcpy(out + n, utf8, sizeof(utf8) - 1);
        n += sizeof(utf8) - 1;
    }
    out[n] = '\0';
    if (len != NULL)
        *len = n;
    return out;
}
