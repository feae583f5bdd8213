/* Helpers shared by the files of src/auth (not for other modules).
 *
 * Everything here is pure and thread-safe except the nonce table functions,
 * which take the table's own lock. Spans (pointer plus length) are borrowed
 * for the duration of a call. */
#ifndef MHD_AUTH_AUTH_INTERNAL_H
#define MHD_AUTH_AUTH_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/auth.h"
#include "auth/hash.h"
#include "util/alloc.h"
#include "util/panic.h"

/* ---------------------------------------------------------------------- */
/* Small codecs (text.c, base64.c, hash.c)                                 */
/* ---------------------------------------------------------------------- */

/* True when the `len` bytes at `a` and `b` are equal. Takes the same time
 * for every pair of inputs of one length. */
bool mhd_auth_equal_ct(const void *a, const void *b, size_t len);

/* Writes 2 * `len` lowercase hex digits and a terminating NUL to `hex`. */
void mhd_auth_bin_to_hex(const uint8_t *bin, size_t len, char *hex);

/* Value 0..15 of hex digit `c` (either case), or -1. */
int mhd_auth_hex_digit(char c);

/* Decodes `hex_len` hex digits (either case) into hex_len / 2 bytes.
 * Returns false, with `bin` partly written, when `hex_len` is odd or a
 * character is not a hex digit. */
bool mhd_auth_hex_to_bin(const char *hex, size_t hex_len, uint8_t *bin);

/* Bytes that mhd_base64_decode() may write for `len` input characters. */
size_t mhd_base64_decoded_max(size_t len);

/* Strict RFC 4648 section 4 decoding: standard alphabet, length a multiple
 * of 4, '=' padding required and allowed only as the last one or two
 * characters, and the unused bits before the padding must be zero (so each
 * byte string has exactly one accepted encoding). No whitespace. Writes at
 * most mhd_base64_decoded_max(len) bytes to `dst` and their number to
 * *out_len. Returns false on any violation (`dst` then partly written). */
bool mhd_base64_decode(const char *src, size_t len, uint8_t *dst, size_t *out_len);

/* Characters mhd_base64_encode() writes for `len` bytes (no NUL). */
size_t mhd_base64_encoded_len(size_t len);

/* Padded standard-alphabet encoding of `len` bytes, plus a NUL. */
void mhd_base64_encode(const void *src, size_t len, char *dst);

/* Appends the quoted-string form of `s` ("..." with `"` and `\` escaped)
 * at dst, which must have room for mhd_auth_quoted_len(s, len) bytes;
 * returns the number of bytes written. */
size_t mhd_auth_quote(char *dst, const char *s, size_t len);
size_t mhd_auth_quoted_len(const char *s, size_t len);

/* ---------------------------------------------------------------------- */
/* Digest header parameters (digest_parse.c)                               */
/* ---------------------------------------------------------------------- */

/* One parameter as it appears in the header. For a quoted value `s` points
 * inside the quotes; `escaped` says that the span still contains backslash
 * escapes (each backslash is followed by the character it stands for). */
struct mhd_dparam {
    const char *s;
    size_t len; /* raw length */
    bool present;
    bool escaped;
};

/* The parameters Digest authentication knows; others are ignored. */
struct mhd_dparams {
    struct mhd_dparam username;
    struct mhd_dparam username_ext; /* username* */
    struct mhd_dparam realm;
    struct mhd_dparam nonce;
    struct mhd_dparam uri;
    struct mhd_dparam response;
    struct mhd_dparam algorithm;
    struct mhd_dparam cnonce;
    struct mhd_dparam opaque;
    struct mhd_dparam qop;
    struct mhd_dparam nc;
    struct mhd_dparam userhash;
};

/* Parses an Authorization header value with scheme "Digest" into `out`.
 * Iterative and allocation-free; every span points into `value`. Returns
 * false when the scheme is not Digest or the parameter list is malformed:
 * a parameter without '=', an unterminated quoted string, a control
 * character (other than HTAB inside quotes), garbage between parameters, or
 * a known parameter given twice. */
bool mhd_digest_parse_params(const char *value, size_t len, struct mhd_dparams *out);

/* Length of the parameter's value with escapes removed. */
size_t mhd_dparam_len(const struct mhd_dparam *p);

/* Copies the unescaped value to `dst` (mhd_dparam_len() bytes, no NUL). */
void mhd_dparam_copy(const struct mhd_dparam *p, char *dst);

/* True when the unescaped value is exactly the `len` bytes at `s`. */
bool mhd_dparam_equals(const struct mhd_dparam *p, const char *s, size_t len);

/* True when the unescaped value equals the ASCII literal `lit` ignoring
 * case. */
bool mhd_dparam_equals_ci(const struct mhd_dparam *p, const char *lit);

/* Feeds the unescaped value to a running hash. */
void mhd_dparam_hash(struct mhd_hash *h, const struct mhd_dparam *p);

/* The client's algorithm (MD5 when absent, MHD_DIGEST_AUTH_ALGO3_INVALID
 * when unknown) and qop (NONE when absent, INVALID when unknown). */
enum MHD_DigestAuthAlgo3 mhd_dparams_algo3(const struct mhd_dparams *p);
enum MHD_DigestAuthQOP mhd_dparams_qop(const struct mhd_dparams *p);

/* The nonce count: 1 to 8 hex digits. Returns 0 when absent, empty,
 * longer, not hex (value 0 is returned as 0 too). */
uint32_t mhd_dparams_nc(const struct mhd_dparams *p);

/* How the client named the user (section 14.4 rules). For STANDARD and
 * EXTENDED stores the decoded username length in *len, for USERHASH the
 * hex length; otherwise 0. */
enum MHD_DigestAuthUsernameType mhd_dparams_uname(const struct mhd_dparams *p, size_t *len);

/* Writes the decoded username (STANDARD or EXTENDED, as classified by
 * mhd_dparams_uname) to `dst`, which has room for the length it reported. */
void mhd_dparams_uname_copy(const struct mhd_dparams *p, enum MHD_DigestAuthUsernameType type,
                            char *dst);

/* RFC 8187 ext-value ("UTF-8'lang'pct-encoded") decoding. With `dst` NULL
 * only validates and counts. Returns false for another charset, a missing
 * quote, a character outside attr-char or a broken %XX. */
bool mhd_rfc5987_decode(const char *s, size_t len, char *dst, size_t *out_len);

/* ---------------------------------------------------------------------- */
/* Digest computation (digest.c)                                            */
/* ---------------------------------------------------------------------- */

/* Base algorithm (AUTH_ALGO_*) of an enum MHD_DigestAuthAlgo3 value that
 * is one of the six defined algorithms, else 0. */
unsigned int mhd_digest_base_algo(unsigned int algo3);

/* HA1 = H(username ":" realm ":" password) into `out`. */
void mhd_digest_calc_ha1(unsigned int algo, const char *username, size_t username_len,
                         const char *realm, size_t realm_len, const char *password,
                         size_t password_len, uint8_t *out);

/* The expected "response" value (binary) for the request: with qop
 * present, H(hex(ha1) ":" nonce ":" nc ":" cnonce ":" qop ":" hex(HA2)),
 * else (RFC 2069) H(hex(ha1) ":" nonce ":" hex(HA2)), where
 * HA2 = H(method ":" uri) and the parameters are taken unescaped from `p`. */
void mhd_digest_calc_response(unsigned int algo, const uint8_t *ha1, const char *method,
                              size_t method_len, const struct mhd_dparams *p, uint8_t *out);

/* True when the client's "uri" parameter (unescaped in `uri` and `len`)
 * names the request's path and exactly its multiset of query arguments.
 * Sets *oom on allocation failure (and returns false). */
bool mhd_digest_uri_matches(const struct mhd_auth_request *req, const char *uri, size_t len,
                            bool *oom);

/* ---------------------------------------------------------------------- */
/* Nonces (nonce.c)                                                        */
/* ---------------------------------------------------------------------- */

/* Issues a nonce bound per the daemon's bind type to `req` and `realm`,
 * registers it in the table and writes AUTH_NONCE_LEN characters plus a
 * NUL to `out`. Returns false when the table has no slots. */
bool mhd_nonce_issue(struct mhd_dauth *d, const struct mhd_auth_request *req, const char *realm,
                     size_t realm_len, char *out);

/* A nonce that passed mhd_nonce_check(). */
struct mhd_nonce_ref {
    uint64_t time_ms;
    uint32_t seq;
    uint8_t bind_tag[16];
};

/* Checks that `nonce` is one we issued (else NONCE_WRONG), not older than
 * `timeout_s` seconds at `now_ms` and still in the table with `nc` not yet
 * used (else NONCE_STALE); `nc` 0 means RFC 2069 (the nonce must be
 * unused). Changes nothing. Returns MHD_DAUTH_OK and fills `ref`. */
enum MHD_DigestAuthResult mhd_nonce_check(struct mhd_dauth *d, const char *nonce, size_t len,
                                          uint64_t now_ms, unsigned int timeout_s, uint32_t nc,
                                          struct mhd_nonce_ref *ref);

/* True when the nonce was issued under the same bind conditions (realm,
 * method and path, arguments, client address per the daemon's bind type)
 * as `req` and `realm` present. */
bool mhd_nonce_bind_matches(struct mhd_dauth *d, const struct mhd_nonce_ref *ref,
                            const struct mhd_auth_request *req, const char *realm,
                            size_t realm_len);

/* Records the use of `nc` (0: RFC 2069, burns the nonce) atomically with
 * re-checking it. Returns false when the nonce was evicted or the count
 * used meanwhile. */
bool mhd_nonce_commit(struct mhd_dauth *d, const struct mhd_nonce_ref *ref, uint32_t nc);

/* The daemon defaults the check falls back to. */
unsigned int mhd_dauth_default_timeout(const struct mhd_dauth *d);
uint32_t mhd_dauth_default_max_nc(const struct mhd_dauth *d);

#endif
