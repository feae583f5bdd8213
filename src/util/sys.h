/* Platform features, decided in one place.
 *
 * Code elsewhere tests HAVE_* macros, never an operating system name. The
 * build targets Linux with glibc (Debian 12); other systems would set these
 * from a configure probe. */
#ifndef MHD_UTIL_SYS_H
#define MHD_UTIL_SYS_H

#if defined(__linux__)
#define HAVE_EPOLL 1
#define HAVE_EVENTFD 1
#define HAVE_ACCEPT4 1
#define HAVE_LINUX_SENDFILE 1
#define HAVE_MSG_NOSIGNAL 1
#define HAVE_SO_REUSEPORT 1
#define HAVE_TCP_FASTOPEN 1
#define HAVE_PTHREAD_SETNAME_NP 1
#define HAVE_TCP_CORK 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#define MHD_LIKELY(x) __builtin_expect(!!(x), 1)
#define MHD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MHD_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define MHD_NORETURN __attribute__((noreturn))
#define MHD_FALLTHROUGH __attribute__((fallthrough))
#else
#define MHD_LIKELY(x) (x)
#define MHD_UNLIKELY(x) (x)
#define MHD_PRINTF(f, a)
#define MHD_NORETURN
#define MHD_FALLTHROUGH
#endif

#define MHD_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MHD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MHD_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
