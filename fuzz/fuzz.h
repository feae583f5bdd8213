/* Helpers shared by the fuzz targets.
 *
 * Every target is one C file defining LLVMFuzzerTestOneInput(). Built with
 * clang -fsanitize=fuzzer it is a libFuzzer program; linked with
 * replay_main.c instead it replays corpus files with any compiler, which is
 * how `make check` runs every corpus and regression input.
 *
 * Inputs are always copied into heap blocks of exactly the size a parser is
 * told about, so that AddressSanitizer reports a read one byte past the end.
 * Targets check properties the headers promise and call FUZZ_CHECK(), which
 * aborts, when one does not hold: libFuzzer then saves the input like any
 * other crash. */
#ifndef MHD_FUZZ_FUZZ_H
#define MHD_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry point libFuzzer and replay_main.c call once per input; returns
 * 0 (libFuzzer reserves other values). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the process with a message naming the broken property. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: fuzz property failed: %s\n", __FILE__, __LINE__, #cond);       \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* A heap copy of `len` bytes followed by `extra` more (zeroed) bytes, for
 * parsers whose contract lets them write a terminator at s[len]. Aborts
 * when memory runs out, which libFuzzer reports as such. */
static inline char *fuzz_dup(const void *src, size_t len, size_t extra)
{
    char *p = malloc(len + extra ? len + extra : 1);
    if (p == NULL)
        abort();
    if (len)
        memcpy(p, src, len);
    if (extra)
        memset(p + len, 0, extra);
    return p;
}

/* Control values read from the front of an input, so that the fuzzer
 * mutates them like any other byte; an exhausted input reads as zeros. */
struct fuzz_in {
    const uint8_t *p;
    size_t len;
};

static inline unsigned int fuzz_byte(struct fuzz_in *in)
{
    if (in->len == 0)
        return 0;
    in->len--;
    return *in->p++;
}

/* Piece sizes for feeding a stream in parts. Mode 0 means "all at once";
 * any other mode seeds a small generator whose sizes run from 0 to
 * 2^(mode % 8 + 1) bytes, so the fuzzer can pick byte-by-byte feeding as
 * well as a few large pieces. Deterministic, as libFuzzer needs. */
struct fuzz_cutter {
    uint32_t state;
    uint32_t mask;
    bool whole;
};

static inline void fuzz_cutter_init(struct fuzz_cutter *c, unsigned int mode)
{
    c->whole = mode == 0;
    c->state = 0x9e3779b9u ^ (mode * 0x01000193u);
    c->mask = (2u << (mode % 8)) - 1;
}

/* The size of the next piece when `left` bytes remain (never more). */
static inline size_t fuzz_cutter_next(struct fuzz_cutter *c, size_t left)
{
    if (c->whole)
        return left;
    c->state ^= c->state << 13;
    c->state ^= c->state >> 17;
    c->state ^= c->state << 5;
    size_t n = c->state & c->mask;
    return n < left ? n : left;
}

/* The value of a hex digit, or -1. Reference decoders in the targets use
 * this rather than the library's own, so that a check stays independent of
 * the code it checks. */
static inline int fuzz_hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* FNV-1a over a byte string, chained through `h`; used to compare what two
 * runs over the same input produced without keeping it all. */
static inline uint64_t fuzz_hash(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

#define FUZZ_HASH_INIT 0xcbf29ce484222325ull

#endif
