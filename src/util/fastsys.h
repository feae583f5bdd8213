/* The system calls of a keep-alive request (recv, sendmsg, epoll_wait)
 * without glibc's cancellation bookkeeping.
 *
 * glibc's wrappers of these calls are cancellation points: in a process
 * with threads each call enables and disables asynchronous cancellation
 * around the system call, about 30 instructions of the 90 or so a request
 * spends in libc. No thread of ours is ever cancelled, so the calls go
 * straight to the kernel through syscall(), which sets errno the same way.
 * Under a sanitizer the libc functions stay: their interceptors are what
 * tell the sanitizer about the bytes read and the ordering between
 * threads. */
#ifndef MHD_UTIL_FASTSYS_H
#define MHD_UTIL_FASTSYS_H

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MHD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define MHD_SANITIZED 1
#endif
#endif

#if defined(__linux__) && defined(SYS_recvfrom) && defined(SYS_sendmsg) &&                         \
    defined(SYS_epoll_wait) && !defined(MHD_SANITIZED)

static inline ssize_t mhd_sys_recv(int fd, void *buf, size_t len, int flags)
{
    return (ssize_t)syscall(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
}

static inline ssize_t mhd_sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    return (ssize_t)syscall(SYS_sendmsg, fd, msg, flags);
}

static inline int mhd_sys_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    return (int)syscall(SYS_epoll_wait, epfd, ev, max, timeout_ms);
}

#else

static inline ssize_t mhd_sys_recv(int fd, void *buf, size_t len, int flags)
{
    return recv(fd, buf, len, flags);
}

static inline ssize_t mhd_sys_sendmsg(int fd, const struct msghdr *msg, int flags)
{
    return sendmsg(fd, msg, flags);
}

static inline int mhd_sys_epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout_ms)
{
    return epoll_wait(epfd, ev, max, timeout_ms);
}

#endif

#endif
