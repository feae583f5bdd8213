/* Shared inside src/post: the processor object, the two body parsers and the
 * header-value helpers they use.
 *
 * Layout of a processor: one heap block holding `struct MHD_PostProcessor`
 * followed by `buf_cap` bytes of work space (`buf`). What the work space holds
 * depends on the encoding:
 *
 *   urlencoded  [decoded key][NUL][decoded value piece][NUL][free]
 *   multipart   [stored part fields, each 0-terminated][header line being read][free]
 *
 * Multipart body bytes are handed to the iterator straight from the caller's
 * input; only the few bytes that might begin a boundary at the end of an
 * input slice are copied, into the small fixed `carry` array. */
#ifndef MHD_POST_POST_INTERNAL_H
#define MHD_POST_POST_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "post/post.h"

/* RFC 2046 section 5.1.1 limits a boundary to 70 characters. */
#define POST_BOUNDARY_MAX 70
/* A delimiter as searched for: "\n--" and the boundary (a CR before the LF
 * is optional and handled separately). */
#define POST_DELIM_MAX (3 + POST_BOUNDARY_MAX)
/* Room for a held-back delimiter prefix plus a delimiter's worth of new
 * input, so that one refill always decides whether the prefix was real. */
#define POST_CARRY_CAP (2 * POST_DELIM_MAX + 2)
/* Marks an absent stored field (an offset into `buf`). */
#define POST_NO_FIELD SIZE_MAX

/* ---- header values: content_type.c ---------------------------------- */

enum mhd_post_media {
    POST_MEDIA_OTHER,
    POST_MEDIA_URLENCODED, /* application/x-www-form-urlencoded */
    POST_MEDIA_FORM_DATA,  /* multipart/form-data */
    POST_MEDIA_MIXED       /* multipart/mixed (files nested in one form field) */
};

/* One parameter of a header value such as `name="a b"`: `raw` points at the
 * value as written, without the surrounding quotes when `quoted`. */
struct mhd_post_param {
    const char *raw;
    size_t raw_len;
    bool quoted;
};

/* True when the `len` bytes at `s` equal the 0-terminated, lower-case ASCII
 * `want` without regard to case. */
bool mhd_post_eq_nocase(const char *s, size_t len, const char *want);

/* Classifies the media type at the start of the header value `v` (`len`
 * bytes, leading spaces and tabs skipped) by case-insensitive prefix. */
enum mhd_post_media mhd_post_media_of(const char *v, size_t len);

/* Looks for parameter `name` (0-terminated, matched case-insensitively and
 * in full) among the `;`-separated parameters that follow the first item of
 * `v` (a media type or disposition type, which is skipped). Quoted values may
 * contain `;` and backslash escapes; an unterminated quote runs to the end of
 * `v`. Returns true and fills `out` (pointing into `v`) when found; when a
 * name repeats, the first one wins. */
bool mhd_post_param_find(const char *v, size_t len, const char *name, struct mhd_post_param *out);

/* Writes the value of `p` to `dst`, undoing `\"` and `\\` in quoted values
 * (any other backslash is kept, so that Windows paths survive), and returns
 * the decoded length. At most `cap` bytes are written; a result above `cap`
 * means the value did not fit. `dst` may overlap `p->raw` if it does not
 * start after it (decoding never lengthens). No terminator is written. */
size_t mhd_post_param_decode(const struct mhd_post_param *p, char *dst, size_t cap);

/* Extracts the `boundary` parameter of the Content-Type value `v` into `dst`
 * (room for POST_BOUNDARY_MAX bytes, not terminated). Returns its length, or
 * 0 when it is missing, shorter than 2 or longer than POST_BOUNDARY_MAX
 * bytes, contains NUL, CR or LF, or does not satisfy
 * `2 * length + 2 <= buffer_size`. */
size_t mhd_post_boundary_get(const char *v, size_t len, size_t buffer_size, char *dst);

/* ---- the processor --------------------------------------------------- */

enum mhd_post_ue_state {
    UE_KEY,   /* reading a key, up to `=` or `&` */
    UE_VALUE, /* reading a value, up to `&` */
    UE_DONE   /* a CR or LF ended the body; only more CR and LF may follow */
};

struct mhd_post_ue {
    enum mhd_post_ue_state state;
    size_t key_len;  /* decoded key bytes at buf[0] */
    size_t val_len;  /* decoded value bytes not yet delivered, after the key */
    uint64_t off;    /* value bytes already delivered */
    bool started;    /* the current element has at least one byte */
    uint8_t esc_len; /* bytes of a %XX escape seen so far (0 when none) */
    uint8_t esc_hi;  /* value of the first hex digit */
};

enum mhd_post_mp_state {
    MP_SKIP,       /* preamble or nested epilogue: discard up to the delimiter */
    MP_DATA,       /* a part's body: deliver up to the delimiter */
    MP_DELIM_TAIL, /* after a delimiter: "--" closes, else padding and EOL */
    MP_HEADERS,    /* reading a part's header lines */
    MP_DONE        /* after the final close delimiter: discard everything */
};

enum mhd_post_tail {
    TAIL_START, /* nothing read after the boundary yet */
    TAIL_DASH,  /* one '-' read */
    TAIL_PAD,   /* spaces or tabs read */
    TAIL_CR     /* CR read, LF expected */
};

struct mhd_post_delim {
    char text[POST_DELIM_MAX]; /* "\n--" boundary */
    size_t len;
};

struct mhd_post_mp {
    enum mhd_post_mp_state state;
    enum mhd_post_tail tail;
    unsigned level; /* 0: the form; 1: inside a nested multipart/mixed part */
    struct mhd_post_delim delim[2];
    char carry[POST_CARRY_CAP]; /* held-back bytes that may start a delimiter */
    size_t carry_len;
    size_t fields_end; /* end of the stored fields in buf */
    size_t outer_end;  /* end of the fields kept for a whole nested body */
    size_t line_len;   /* bytes of the header line being read, at buf[fields_end] */
    size_t block_len;  /* bytes of the current header block so far */
    size_t name_at, filename_at, ctype_at, tenc_at; /* offsets in buf, or POST_NO_FIELD */
    uint64_t off;                                   /* part bytes already delivered */
    bool reported;                                  /* the part had an iterator call */
};

enum mhd_post_kind { POST_KIND_URLENCODED, POST_KIND_MULTIPART };

struct MHD_PostProcessor {
    MHD_PostDataIterator iter;
    void *iter_cls;
    enum mhd_post_kind kind;
    bool failed;   /* sticky: a parse error, or the iterator said stop */
    bool received; /* at least one body byte was fed */
    size_t buf_cap;
    union {
        struct mhd_post_ue ue;
        struct mhd_post_mp mp;
    } u;
    char buf[]; /* buf_cap bytes of work space */
};

/* Calls the application's iterator. Returns false, and marks the processor
 * failed, when it answers MHD_NO. */
bool mhd_post_emit(struct MHD_PostProcessor *pp, const char *key, const char *filename,
                   const char *content_type, const char *encoding, const char *data, uint64_t off,
                   size_t size);

/* ---- urlencoded.c ---------------------------------------------------- */

void mhd_post_ue_init(struct MHD_PostProcessor *pp);

/* Parses `len` (> 0) more body bytes. Returns false on a parse error or when
 * the iterator stopped; `pp->failed` is then set. */
bool mhd_post_ue_process(struct MHD_PostProcessor *pp, const char *in, size_t len);

/* Delivers a key or value left open at the end of the body. Returns true
 * when the body ended cleanly. */
bool mhd_post_ue_finish(struct MHD_PostProcessor *pp);

/* ---- multipart.c ----------------------------------------------------- */

/* Prepares for a body delimited by the `blen` bytes at `boundary` (already
 * validated by mhd_post_boundary_get). */
void mhd_post_mp_init(struct MHD_PostProcessor *pp, const char *boundary, size_t blen);

/* As mhd_post_ue_process, for multipart/form-data. */
bool mhd_post_mp_process(struct MHD_PostProcessor *pp, const char *in, size_t len);

/* Returns true when the body ended cleanly: after the final close delimiter,
 * or without any byte at all. */
bool mhd_post_mp_finish(struct MHD_PostProcessor *pp);

/* Starts skipping to the first delimiter of the body at the current level,
 * which may open that body without a line break of its own. */
void mhd_post_mp_skip_begin(struct MHD_PostProcessor *pp);

/* Enters a nested multipart/mixed body delimited by the `blen` bytes at
 * `boundary` (validated by mhd_post_boundary_get). */
void mhd_post_mp_nest(struct MHD_PostProcessor *pp, const char *boundary, size_t blen);

/* ---- part_headers.c -------------------------------------------------- */

/* Reads part header bytes (state MP_HEADERS). Returns how many bytes of `in`
 * were consumed; on the empty line ending the block it switches the state to
 * MP_DATA, or to MP_SKIP for a nested multipart/mixed part. Sets
 * `pp->failed` on an over-long or malformed block. */
size_t mhd_post_mp_headers(struct MHD_PostProcessor *pp, const char *in, size_t len);

/* Enters MP_HEADERS, forgetting the previous part's fields (at level 1 the
 * enclosing field's name is kept). */
void mhd_post_mp_headers_begin(struct MHD_PostProcessor *pp);

#endif
