/* Running a command-line client (gnutls-cli, openssl s_client) from a test:
 * its standard input is fed from memory, its standard output and error are
 * collected, and it is killed if it runs too long. */
#ifndef MHD_TEST_PROC_H
#define MHD_TEST_PROC_H

#include <stddef.h>

/* Runs argv[0] (looked up in PATH) with the NULL-terminated `argv`, writes
 * `in` (in_len bytes, may be 0) to its standard input and then closes it,
 * unless `keep_stdin_ms` > 0: then standard input stays open that long
 * after the bytes were written (clients that stop at end of input need
 * time to read the answer). Collects standard output and error together
 * into out (0-terminated, at most cap - 1 bytes kept). Kills the program
 * after timeout_ms (stretched by TEST_SLOW). Returns its exit status, 128 +
 * the signal that ended it, or -1 when it could not be run or timed out. */
int pr_run(const char *const argv[], const char *in, size_t in_len, int keep_stdin_ms, char *out,
           size_t cap, int timeout_ms);

/* True when `prog` is found in PATH. */
int pr_have(const char *prog);

#endif
