/* A crowd of raw clients for load tests, run by a child process.
 *
 * Thousands of client sockets live in the child, so they neither share the
 * test's descriptor limit with the daemon's sockets nor push the daemon's
 * descriptor numbers past FD_SETSIZE. The test talks to the child through
 * two pipes: one command line out, one line of numbers back. Start the
 * crowd before any thread exists (it forks). Every command is bounded in
 * time; all clients connect to 127.0.0.1.
 *
 * Commands (PORT is the daemon's port):
 *   hold PORT N        open N keep-alive connections, each answered once
 *                      ("GET /hold"); replies: answered, milliseconds taken
 *   busy K TOTAL       keep K requests in flight over the held connections
 *                      until TOTAL more are answered; replies: answered,
 *                      latency p50 and max in microseconds. TOTAL 0 runs
 *                      in the background until "quiet" (replies 0 at once)
 *   quiet              ends a background "busy"; replies as "busy" does
 *   slow PORT N        N slowloris connections that send a request head
 *                      one byte every 250 ms and never end it; replies:
 *                      connected
 *   slowwait MS        waits until the server closed every slow connection
 *                      (at most MS); replies: closed, and the shortest and
 *                      longest time from a connection's first byte to its
 *                      close, in milliseconds
 *   flood PORT N       N connections each sending "GET /flood" at once,
 *                      without waiting; replies: started
 *   floodstat          replies: flood requests answered, flood connections
 *                      closed by the server
 *   resetprep PORT H B R S   H connections send half a head, B send a head
 *                      and part of a 1 MB body ("POST /upload"), R ask for
 *                      "GET /big" and read it, S ask for it and never read;
 *                      replies: started
 *   resetgo            resets (RST, SO_LINGER 0) the H and B connections at
 *                      once and each R connection after 256 KiB of its
 *                      answer; replies: reset
 *   closed MS          waits until the server closed every held connection
 *                      (at most MS); replies: closed, held
 *   release            resets every connection; replies: 0
 */
#ifndef MHD_TEST_CROWD_H
#define MHD_TEST_CROWD_H

#include <stdbool.h>
#include <sys/types.h>

struct crowd {
    pid_t pid;
    int cmd;   /* commands to the child */
    int reply; /* replies from it */
};

/* Forks the child. `max_fds` is the descriptor limit it should run with.
 * False if the fork or the pipes failed. */
bool crowd_start(struct crowd *cr, unsigned long max_fds);

/* Sends one command (printf-style) and reads its reply into out[0..n),
 * waiting at most timeout_ms. Returns how many numbers were read, -1 if the
 * child did not answer in time. */
int crowd_do(struct crowd *cr, long *out, int n, int timeout_ms, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Ends the child and waits for it. */
void crowd_stop(struct crowd *cr);

#endif
