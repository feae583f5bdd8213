/* Minimal assertions for test programs.
 *
 * Each CHECK counts as one passed or failed check; a failure prints both
 * sides and the location. check_done() prints the summary line that the test
 * runner adds up ("RESULT <passed> <failed>") and returns the exit status. */
#ifndef MHD_TEST_CHECK_H
#define MHD_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static unsigned long check_passed_;
static unsigned long check_failed_;

#define CHECK_REPORT_(ok, ...)                                                                     \
    do {                                                                                           \
        if (ok) {                                                                                  \
            check_passed_++;                                                                       \
        } else {                                                                                   \
            check_failed_++;                                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                                   \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
        }                                                                                          \
    } while (0)

#define CHECK(cond) CHECK_REPORT_((cond), "%s", #cond)

#define CHECK_MSG(cond, ...) CHECK_REPORT_((cond), __VA_ARGS__)

#define CHECK_EQ_INT(got, want)                                                                    \
    do {                                                                                           \
        long long g_ = (long long)(got), w_ = (long long)(want);                                   \
        CHECK_REPORT_(g_ == w_, "%s == %s: got %lld, want %lld", #got, #want, g_, w_);             \
    } while (0)

#define CHECK_EQ_SIZE(got, want)                                                                   \
    do {                                                                                           \
        unsigned long long g_ = (unsigned long long)(got), w_ = (unsigned long long)(want);        \
        CHECK_REPORT_(g_ == w_, "%s == %s: got %llu, want %llu", #got, #want, g_, w_);             \
    } while (0)

#define CHECK_EQ_STR(got, want)                                                                    \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        int eq_ = (g_ == NULL || w_ == NULL) ? (g_ == w_) : (strcmp(g_, w_) == 0);                 \
        CHECK_REPORT_(eq_, "%s == %s: got \"%s\", want \"%s\"", #got, #want, g_ ? g_ : "(null)",   \
                      w_ ? w_ : "(null)");                                                         \
    } while (0)

/* Compares `glen` bytes at `got` with `wlen` bytes at `want`. */
#define CHECK_EQ_MEM(got, glen, want, wlen)                                                        \
    do {                                                                                           \
        size_t gl_ = (size_t)(glen), wl_ = (size_t)(wlen);                                         \
        int eq_ = gl_ == wl_ && (gl_ == 0 || memcmp((got), (want), gl_) == 0);                     \
        CHECK_REPORT_(eq_, "%s == %s: got %zu bytes \"%.*s\", want %zu bytes \"%.*s\"", #got,      \
                      #want, gl_, (int)(gl_ > 200 ? 200 : gl_), (const char *)(got), wl_,          \
                      (int)(wl_ > 200 ? 200 : wl_), (const char *)(want));                         \
    } while (0)

static inline int check_done(void)
{
    printf("RESULT %lu %lu\n", check_passed_, check_failed_);
    fflush(stdout);
    return check_failed_ ? 1 : 0;
}

#endif
