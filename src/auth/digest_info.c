/* The blocks handed to the application by MHD_digest_auth_get_request_info3,
 * MHD_digest_auth_get_username3 and MHD_digest_auth_get_username.
 *
 * Each block is one allocation: the struct first, then its strings, so the
 * application frees everything with one MHD_free(). Sizes come from the
 * parsed spans, which lie inside the header, so no size can exceed the
 * header's own length and the sums cannot overflow. */
#include "auth/auth_internal.h"

/* The user-naming members shared by both structs. */
struct uname_fields {
    char **username;
    size_t *username_len;
    char **userhash_hex;
    size_t *userhash_hex_len;
    uint8_t **userhash_bin;
};

/* Bytes of string storage the naming members need. */
static size_t uname_storage(enum MHD_DigestAuthUsernameType type, size_t len)
{
    if (type == MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD || type == MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED)
        return len + 1;
    if (type == MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH)
        return len + 1 + len / 2;
    return 0;
}

/* Fills the naming members from `p`, placing strings at `area`; returns the
 * bytes used. */
static size_t uname_fill(const struct mhd_dparams *p, enum MHD_DigestAuthUsernameType type,
                         size_t len, char *area, const struct uname_fields *f)
{
    *f->username = NULL;
    *f->username_len = 0;
    *f->userhash_hex = NULL;
    *f->userhash_hex_len = 0;
    *f->userhash_bin = NULL;
    if (type == MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD ||
        type == MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED) {
        mhd_dparams_uname_copy(p, type, area);
        area[len] = '\0';
        *f->username = area;
        *f->username_len = len;
        return len + 1;
    }
    if (type == MHD_DIGEST_AUTH_UNAME_TYPE_USERHASH) {
        mhd_dparam_copy(&p->username, area);
        area[len] = '\0';
        uint8_t *bin = (uint8_t *)area + len + 1;
        /* mhd_dparams_uname() already checked the digits. */
        (void)mhd_auth_hex_to_bin(area, len, bin);
        *f->userhash_hex = area;
        *f->userhash_hex_len = len;
        *f->userhash_bin = bin;
        return len + 1 + len / 2;
    }
    return 0;
}

/* Copies an optional parameter as a 0-terminated string at `area`. */
static size_t copy_opt(const struct mhd_dparam *d, char *area, char **str, size_t *len)
{
    if (!d->present) {
        *str = NULL;
        *len = 0;
        return 0;
    }
    size_t n = mhd_dparam_len(d);
    mhd_dparam_copy(d, area);
    area[n] = '\0';
    *str = area;
    *len = n;
    return n + 1;
}

struct MHD_DigestAuthInfo *mhd_digest_get_request_info(const char *value, size_t len)
{
    struct mhd_dparams p;
    if (!mhd_digest_parse_params(value, len, &p))
        return NULL;
    size_t ulen;
    enum MHD_DigestAuthUsernameType type = mhd_dparams_uname(&p, &ulen);
    size_t size = sizeof(struct MHD_DigestAuthInfo) + uname_storage(type, ulen);
    if (p.opaque.present)
        size += mhd_dparam_len(&p.opaque) + 1;
    if (p.realm.present)
        size += mhd_dparam_len(&p.realm) + 1;
    struct MHD_DigestAuthInfo *info = mhd_alloc(size);
    if (info == NULL)
        return NULL;
    char *area = (char *)(info + 1);
    struct uname_fields f = {&info->username, &info->username_len, &info->userhash_hex,
                             &info->userhash_hex_len, &info->userhash_bin};
    info->algo3 = mhd_dparams_algo3(&p);
    info->uname_type = type;
    area += uname_fill(&p, type, ulen, area, &f);
    area += copy_opt(&p.opaque, area, &info->opaque, &info->opaque_len);
    (void)copy_opt(&p.realm, area, &info->realm, &info->realm_len);
    info->qop = mhd_dparams_qop(&p);
    info->cnonce_len = p.cnonce.present ? mhd_dparam_len(&p.cnonce) : 0;
    info->nc = mhd_dparams_nc(&p);
    return info;
}

struct MHD_DigestAuthUsernameInfo *mhd_digest_get_username_info(const char *value, size_t len)
{
    struct mhd_dparams p;
    if (!mhd_digest_parse_params(value, len, &p))
        return NULL;
    size_t ulen;
    enum MHD_DigestAuthUsernameType type = mhd_dparams_uname(&p, &ulen);
    if (type == MHD_DIGEST_AUTH_UNAME_TYPE_MISSING || type == MHD_DIGEST_AUTH_UNAME_TYPE_INVALID)
        return NULL;
    struct MHD_DigestAuthUsernameInfo *info = mhd_alloc(sizeof(*info) + uname_storage(type, ulen));
    if (info == NULL)
        return NULL;
    struct uname_fields f = {&info->username, &info->username_len, &info->userhash_hex,
                             &info->userhash_hex_len, &info->userhash_bin};
    info->algo3 = mhd_dparams_algo3(&p);
    info->uname_type = type;
    (void)uname_fill(&p, type, ulen, (char *)(info + 1), &f);
    return info;
}

char *mhd_digest_get_username_legacy(const char *value, size_t len)
{
    struct mhd_dparams p;
    if (!mhd_digest_parse_params(value, len, &p))
        return NULL;
    size_t ulen;
    enum MHD_DigestAuthUsernameType type = mhd_dparams_uname(&p, &ulen);
    if (type != MHD_DIGEST_AUTH_UNAME_TYPE_STANDARD && type != MHD_DIGEST_AUTH_UNAME_TYPE_EXTENDED)
        return NULL;
    char *name = mhd_alloc(ulen + 1);
    if (name == NULL)
        return NULL;
    mhd_dparams_uname_copy(&p, type, name);
    name[ulen] = '\0';
    return name;
}
