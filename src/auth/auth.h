/* Basic and Digest HTTP authentication: everything that works on byte
 * buffers, without a connection.
 *
 * This is the one header of src/auth that other modules include. The
 * connection-facing API functions (MHD_basic_auth_get_username_password3,
 * MHD_digest_auth_check3, MHD_queue_auth_required_response3 ...) live in
 * src/api: thin wrappers that gather what a request carries into struct
 * mhd_auth_request and call the functions below; nothing here touches a
 * socket, a daemon or a connection.
 *
 * Every function is thread-safe: the parsers and builders are pure, and the
 * only shared state, struct mhd_dauth, guards its nonce table with its own
 * lock. Memory returned to the caller comes from mhd_alloc() and is released
 * with mhd_free() (for blocks handed to the application: MHD_free()). */
#ifndef MHD_AUTH_AUTH_H
#define MHD_AUTH_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "microhttpd.h"

/* ---------------------------------------------------------------------- */
/* Limits                                                                  */
/* ---------------------------------------------------------------------- */

/* Basic credentials decoding to more bytes than this are refused. */
#define AUTH_BASIC_MAX_DECODED ((size_t)64 * 1024)

/* Digest parameters (realm, uri, cnonce ...) longer than this are refused
 * with MHD_DAUTH_TOO_LARGE; challenges with a longer realm are refused. */
#define AUTH_DIGEST_PARAM_MAX ((size_t)65535)

/* Length of the nonces we issue (lowercase hex, no terminator). */
#define AUTH_NONCE_LEN 88

/* ---------------------------------------------------------------------- */
/* Daemon-wide Digest state                                                */
/* ---------------------------------------------------------------------- */

/* Effective values of the daemon's Digest options; the daemon fills in its
 * defaults before calling mhd_dauth_create(). */
struct mhd_dauth_config {
    const void *random; /* MHD_OPTION_DIGEST_AUTH_RANDOM(_COPY) data, may be NULL */
    size_t random_len;
    bool random_copy;             /* _COPY variant; see mhd_dauth_create() */
    unsigned int nc_size;         /* nonce table slots; 0 makes every challenge fail */
    unsigned int bind_type;       /* OR of enum MHD_DAuthBindNonce */
    unsigned int default_timeout; /* seconds, used when a check passes 0; 0 here: 90 */
    uint32_t default_max_nc;      /* used when a check passes 0; 0 here: 1000 */
};

struct mhd_dauth; /* opaque */

/* Creates the Digest state of one daemon: a secret nonce key and the nonce
 * table. The key is derived at once from fresh operating-system randomness
 * and cfg->random, so the application's buffer is only read during this
 * call (this satisfies both the by-reference and the copying option).
 * Returns NULL when out of memory. */
struct mhd_dauth *mhd_dauth_create(const struct mhd_dauth_config *cfg);

/* Releases `d`; NULL is ignored. No other thread may still use it. */
void mhd_dauth_destroy(struct mhd_dauth *d);

/* Milliseconds of a clock that never goes backwards (CLOCK_MONOTONIC); the
 * `now_ms` that callers pass below normally comes from here. */
uint64_t mhd_dauth_now_ms(void);

/* ---------------------------------------------------------------------- */
/* What a request contributes                                              */
/* ---------------------------------------------------------------------- */

/* Receives one query argument: `value` is NULL for "key" without '='. */
typedef void (*mhd_auth_arg_visit)(void *ctx, const char *key, size_t key_len, const char *value,
                                   size_t value_len);

/* Calls `visit(ctx, ...)` once per query argument of the request, in the
 * order of the request line, keys and values already decoded ('+' to space,
 * %-decoding) as the handler sees them. */
typedef void (*mhd_auth_args_walk)(const void *cls, mhd_auth_arg_visit visit, void *ctx);

/* The parts of a request that Digest authentication looks at. All pointers
 * are borrowed for the duration of the call. */
struct mhd_auth_request {
    /* Value of the Authorization header (without the field name), NULL if
     * the request has none. */
    const char *authorization;
    size_t authorization_len;
    const char *method; /* request method */
    size_t method_len;
    const char *path; /* decoded path without the query, as the handler's url */
    size_t path_len;
    mhd_auth_args_walk walk_args; /* NULL: the request has no arguments */
    const void *args_cls;
    const struct sockaddr *client_addr; /* may be NULL */
    size_t client_addr_len;
    struct mhd_dauth *dauth; /* the daemon's state */
    uint64_t now_ms;         /* see mhd_dauth_now_ms() */
};

/* Matches an authentication scheme at the start of a header value: skips
 * leading spaces and tabs, compares `scheme` case-insensitively and
 * requires a space, a tab or the end after it. On success stores in *rest
 * the offset of the first byte after the scheme and its following spaces
 * and tabs. */
bool mhd_auth_match_scheme(const char *value, size_t len, const char *scheme, size_t *rest);

/* ---------------------------------------------------------------------- */
/* Basic (RFC 7617)                                                        */
/* ---------------------------------------------------------------------- */

/* Decodes Basic credentials from an Authorization header value: scheme
 * "Basic" (any case), one or more spaces, then a strictly valid padded
 * Base64 token (optionally followed by spaces). Returns one mhd_alloc()
 * block holding the struct and both strings (username before the first
 * ':', 0-terminated, may contain NULs; password after it, NULL with length
 * 0 if there is no ':'), to be released with MHD_free(). NULL when the
 * value is not Basic, the token is empty or invalid, decodes to more than
 * AUTH_BASIC_MAX_DECODED bytes, or memory runs out. */
struct MHD_BasicAuthInfo *mhd_basic_parse(const char *value, size_t len);

/* The legacy MHD_basic_auth_get_username_password() contract on a header
 * value: returns the username (mhd_alloc(), 0-terminated) and, when
 * `password` is not NULL, stores the password there (mhd_alloc()).
 * Returns NULL when there are no valid credentials, leaving *password
 * untouched, or when they contain no ':', setting *password to NULL. */
char *mhd_basic_parse_legacy(const char *value, size_t len, char **password);

/* Builds the value of a Basic WWW-Authenticate header: `Basic
 * realm="<realm>"`, plus `, charset="UTF-8"` when `prefer_utf8`. `"` and
 * `\` in the realm are escaped. Returns a 0-terminated mhd_alloc() string
 * (its length in *len when `len` is not NULL), or NULL when the realm is
 * NULL, contains CR or LF, or memory runs out. */
char *mhd_basic_challenge(const char *realm, bool prefer_utf8, size_t *len);

/* ---------------------------------------------------------------------- */
/* Digest (RFC 7616, RFC 2617, RFC 2069)                                   */
/* ---------------------------------------------------------------------- */

/* MHD_digest_auth_get_request_info3() on a header value: one block for
 * MHD_free(), or NULL when the value is not a parseable Digest header or
 * memory runs out. */
struct MHD_DigestAuthInfo *mhd_digest_get_request_info(const char *value, size_t len);

/* MHD_digest_auth_get_username3() on a header value: NULL also when the
 * username is missing or invalid. */
struct MHD_DigestAuthUsernameInfo *mhd_digest_get_username_info(const char *value, size_t len);

/* MHD_digest_auth_get_username() on a header value: the clear-text
 * username (standard or extended notation) as a 0-terminated mhd_alloc()
 * string, or NULL (also for a userhash). */
char *mhd_digest_get_username_legacy(const char *value, size_t len);

/* What the application checks the request against. Exactly one of
 * `password` and `userdigest` is used (password when not NULL). */
struct mhd_digest_cred {
    const char *realm;
    const char *username;
    const char *password;
    const void *userdigest; /* H(username ":" realm ":" password) */
    size_t userdigest_size;
    unsigned int nonce_timeout; /* seconds; 0: the daemon default */
    uint32_t max_nc;            /* 0: the daemon default */
    enum MHD_DigestAuthMultiQOP mqop;
    enum MHD_DigestAuthMultiAlgo3 malgo3;
};

/* Verifies the request's Digest credentials (MHD_digest_auth_check3 and
 * MHD_digest_auth_check_digest3). The checks run in the order of the
 * contract (spec section 14.5: header, algorithm, qop, parameter shape,
 * realm, username, nc, nonce, uri, response, bind conditions) and the first
 * failure is returned. MHD_DAUTH_ERROR for a NULL realm or username, no
 * password and no userdigest, a NULL req->dauth, or lack of memory. Only
 * on MHD_DAUTH_OK is the nonce count recorded, so a replay then fails
 * while failed attempts use up nothing. With a userdigest (and no
 * password), panics unless cred->malgo3 names exactly one base algorithm
 * whose digest size is cred->userdigest_size. */
enum MHD_DigestAuthResult mhd_digest_check(const struct mhd_auth_request *req,
                                           const struct mhd_digest_cred *cred);

/* Parameters of a Digest challenge (MHD_queue_auth_required_response3). */
struct mhd_digest_challenge {
    const char *realm;
    const char *opaque; /* NULL: omitted */
    const char *domain; /* NULL: omitted */
    bool signal_stale;
    enum MHD_DigestAuthMultiQOP mqop;
    enum MHD_DigestAuthMultiAlgo3 malgo3;
    bool userhash_support;
    bool prefer_utf8;
};

/* Issues a new nonce for `req` (registering it in req->dauth's table) and
 * builds the value of the WWW-Authenticate header, "Digest realm=...".
 * Returns a 0-terminated mhd_alloc() string (length in *len if `len` is not
 * NULL), or NULL when: the realm is NULL or longer than
 * AUTH_DIGEST_PARAM_MAX; realm, opaque or domain contain CR or LF; malgo3
 * allows no non-session algorithm; mqop allows neither RFC 2069 nor
 * "auth"; the nonce table has no slots; req->dauth is NULL; memory runs
 * out. Panics when malgo3 has no base algorithm bit or mqop is exactly
 * MHD_DIGEST_AUTH_MULT_QOP_AUTH_INT. */
char *mhd_digest_challenge(const struct mhd_auth_request *req,
                           const struct mhd_digest_challenge *ch, size_t *len);

#endif
