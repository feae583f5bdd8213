/* Running a command-line client (gnutls-cli, openssl s_client) from a test:
 * its standard input is fed from memory, its standard output and error are
 * collected, and it is killed if it runs too long. */
#ifndef MHD_TEST_PROC_H
#define MHD_TEST_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

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

/* A command-line client driven interactively: lines written to its
 * standard input one at a time, its output (standard output and error
 * together) awaited for a marker. Every wait is bounded. */
struct pr_proc {
    pid_t pid;
    int in;    /* its standard input, -1 once closed */
    int out;   /* its output */
    char *buf; /* everything it printed so far, 0-terminated */
    size_t len, cap;
    size_t mark; /* where the next pr_expect() starts looking */
};

/* Starts argv[0] (looked up in PATH); false if it could not be run. */
bool pr_start(struct pr_proc *p, const char *const argv[]);

/* Writes `len` bytes to its standard input; false on error. */
bool pr_write(struct pr_proc *p, const void *data, size_t len);

/* Waits (at most timeout_ms, stretched by TEST_SLOW) until `marker`
 * appears in its output after the previous match, and moves past it;
 * false on timeout or when the program closed its output first. */
bool pr_expect(struct pr_proc *p, const char *marker, int timeout_ms);

/* Closes its standard input, waits at most timeout_ms (stretched) for it
 * to end, killing it if it does not. Its output stays in p->buf for the
 * caller to read and free(). Returns as pr_run() does. */
int pr_finish(struct pr_proc *p, int timeout_ms);

#endif
