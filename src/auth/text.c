/* Text helpers for authentication headers: hex digests, scheme tokens and
 * quoted strings. */
#include "auth/auth_internal.h"

static const char hex_lower[16] = "0123456789abcdef";

void mhd_auth_bin_to_hex(const uint8_t *bin, size_t len, char *hex)
{
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = hex_lower[bin[i] >> 4];
        hex[2 * i + 1] = hex_lower[bin[i] & 15];
    }
    hex[2 * len] = '\0';
}

int mhd_auth_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool mhd_auth_hex_to_bin(const char *hex, size_t hex_len, uint8_t *bin)
{
    if (hex_len % 2 != 0)
        return false;
    for (size_t i = 0; i < hex_len; i += 2) {
        int hi = mhd_auth_hex_digit(hex[i]);
        int lo = mhd_auth_hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        bin[i / 2] = (uint8_t)((hi << 4) | lo);
    }
    return true;
}

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool mhd_auth_match_scheme(const char *value, size_t len, const char *scheme, size_t *rest)
{
    size_t i = 0;
    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    size_t slen = strlen(scheme);
    if (len - i < slen)
        return false;
    for (size_t k = 0; k < slen; k++) {
        if (ascii_lower(value[i + k]) != ascii_lower(scheme[k]))
            return false;
    }
    i += slen;
    /* "Basicfoo" is another scheme, not Basic followed by a token. */
    if (i < len && value[i] != ' ' && value[i] != '\t')
        return false;
    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    *rest = i;
    return true;
}

size_t mhd_auth_quoted_len(const char *s, size_t len)
{
    size_t n = len + 2;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            n++;
    }
    return n;
}

size_t mhd_auth_quote(char *dst, const char *s, size_t len)
{
    size_t n = 0;
    dst[n++] = '"';
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\')
            dst[n++] = '\\';
        dst[n++] = s[i];
    }
    dst[n++] = '"';
    return n;
}
