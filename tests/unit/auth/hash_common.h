/* Shared checks for the three hash tests: known answers, every split of a
 * multi-block message, inputs flush against an unreadable page, and a
 * throughput figure printed for information. */
#ifndef MHD_TEST_AUTH_HASH_COMMON_H
#define MHD_TEST_AUTH_HASH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "guard.h"

/* One hash's interface behind plain function pointers; each test wraps its
 * typed functions. */
struct hash_api {
    const char *name;
    size_t size;
    size_t ctx_size;
    void (*init)(void *ctx);
    void (*update)(void *ctx, const void *data, size_t len);
    void (*finish)(void *ctx, uint8_t *out);
    void (*oneshot)(const void *data, size_t len, uint8_t *out);
};

struct str_vector {
    const char *msg;
    const char *hex;
};

struct len_vector {
    size_t len;
    const char *hex;
};

static void to_hex(const uint8_t *bin, size_t len, char *hex)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = d[bin[i] >> 4];
        hex[2 * i + 1] = d[bin[i] & 15];
    }
    hex[2 * len] = '\0';
}

/* The deterministic message the length table was computed on (python:
 * bytes((i * 7 + 3) % 251 for i in range(n))). */
static void make_msg(uint8_t *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        m[i] = (uint8_t)((i * 7 + 3) % 251);
}

static void digest_hex(const struct hash_api *h, const void *data, size_t len, char *hex)
{
    uint8_t out[64];
    h->oneshot(data, len, out);
    to_hex(out, h->size, hex);
}

static void check_strings(const struct hash_api *h, const struct str_vector *v, size_t n)
{
    char hex[129];
    for (size_t i = 0; i < n; i++) {
        struct guard_buf g;
        size_t len = strlen(v[i].msg);
        char *m = guard_copy(&g, v[i].msg, len);
        digest_hex(h, m, len, hex);
        CHECK_EQ_STR(hex, v[i].hex);
        guard_free(&g);
    }
}

static void check_lengths(const struct hash_api *h, const struct len_vector *v, size_t n)
{
    uint8_t msg[1000];
    char hex[129];
    make_msg(msg, sizeof(msg));
    for (size_t i = 0; i < n; i++) {
        struct guard_buf g;
        char *m = guard_copy(&g, msg, v[i].len);
        digest_hex(h, m, v[i].len, hex);
        CHECK_MSG(strcmp(hex, v[i].hex) == 0, "%s len %zu: got %s want %s", h->name, v[i].len, hex,
                  v[i].hex);
        guard_free(&g);
    }
}

/* Incremental hashing split at every position (and in three pieces, and a
 * byte at a time) gives the one-shot digest. */
static void check_splits(const struct hash_api *h)
{
    enum { N = 600 };
    uint8_t msg[N], want[64], got[64];
    void *ctx = malloc(h->ctx_size);
    make_msg(msg, N);
    h->oneshot(msg, N, want);
    unsigned long bad = 0;
    for (size_t p = 0; p <= N; p++) {
        h->init(ctx);
        h->update(ctx, msg, p);
        h->update(ctx, msg + p, N - p);
        h->finish(ctx, got);
        bad += memcmp(got, want, h->size) != 0;
        size_t q = p + (N - p) / 3;
        h->init(ctx);
        h->update(ctx, msg, p);
        h->update(ctx, msg + p, 0);
        h->update(ctx, msg + p, q - p);
        h->update(ctx, msg + q, N - q);
        h->finish(ctx, got);
        bad += memcmp(got, want, h->size) != 0;
    }
    CHECK_MSG(bad == 0, "%s: %lu split positions gave another digest", h->name, bad);
    h->init(ctx);
    for (size_t i = 0; i < N; i++)
        h->update(ctx, msg + i, 1);
    h->finish(ctx, got);
    CHECK_EQ_MEM(got, h->size, want, h->size);
    free(ctx);
}

/* One million 'a', fed in uneven chunks. */
static void check_million(const struct hash_api *h, const char *want_hex)
{
    char *m = malloc(1000000);
    uint8_t out[64];
    char hex[129];
    memset(m, 'a', 1000000);
    digest_hex(h, m, 1000000, hex);
    CHECK_EQ_STR(hex, want_hex);
    void *ctx = malloc(h->ctx_size);
    h->init(ctx);
    size_t done = 0, step = 1;
    while (done < 1000000) {
        size_t n = step < 1000000 - done ? step : 1000000 - done;
        h->update(ctx, m + done, n);
        done += n;
        step = step * 3 % 1021 + 1;
    }
    h->finish(ctx, out);
    to_hex(out, h->size, hex);
    CHECK_EQ_STR(hex, want_hex);
    free(ctx);
    free(m);
}

static void print_speed(const struct hash_api *h)
{
    size_t len = (size_t)16 << 20;
    uint8_t *m = malloc(len), out[64];
    memset(m, 0x5a, len);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    h->oneshot(m, len, out);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    printf("%s: %.0f MB/s (16 MiB in %.3f s)\n", h->name, s > 0 ? (double)len / 1e6 / s : 0.0, s);
    free(m);
}

#endif
