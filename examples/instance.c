/* One instance of a service that runs as several, behind a load balancer or
 * side by side on one port, and is restarted without dropping a request.
 *
 *   /         a short page naming the instance (also in X-Instance)
 *   /health   200 "ok" for the balancer's health check; 503 "draining"
 *             once the instance is on its way out
 *
 * Where the listen socket comes from:
 *   instance PORT                 binds 127.0.0.1:PORT itself
 *   instance PORT --reuseport     the same with SO_REUSEPORT, so that several
 *                                 instances share the port with no balancer
 *   instance --listen-fd N        descriptor N, inherited across exec
 *   instance --takeover PATH      received over the Unix socket PATH
 *                                 (SCM_RIGHTS) from the instance it replaces
 *   LISTEN_FDS=1 instance         systemd socket activation (descriptor 3),
 *                                 e.g. systemd-socket-activate -l 8080 instance
 *
 * Signals:
 *   SIGHUP   starts the successor (the same program with the same arguments)
 *            on the same listen socket, and once it serves, drains and exits:
 *            the socket is inherited across exec, or with --control PATH
 *            passed over that Unix socket. No connection waits: the socket
 *            keeps accepting throughout.
 *   SIGTERM  (or Ctrl-C) the health check fails at once, and after --grace
 *            milliseconds (time for the balancer to notice) the instance
 *            drains and exits.
 *   With --control PATH an instance also hands its socket to any instance
 *   started with --takeover PATH (a new version started by a supervisor),
 *   then drains and exits.
 *
 * Draining: MHD_quiesce_daemon() stops accepting; each open connection
 * finishes its request, whose reply says "Connection: close", and idle
 * keep-alive connections are closed gracefully; the instance exits when
 * MHD_DAEMON_INFO_CURRENT_CONNECTIONS reaches 0. It logs one line:
 * "drain: NAME pid PID: N connections at the quiesce, drained in T ms".
 *
 * Other options: --name NAME (default: the pid), --mode epoll|poll|select|
 * pool|tpc (default epoll), --threads N (pool size, default 2), --https
 * CERT KEY (PEM files), --pidfile PATH (rewritten by each successor),
 * --timeout S (idle connections, default 60), --grace MS (default 0). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "microhttpd.h"

/* How long a successor may take to start serving before the hand-over is
 * given up (the old instance then goes on serving). */
#define SUCCESSOR_WAIT_MS 10000
/* How long draining may take before the remaining connections are cut. */
#define DRAIN_LIMIT_MS 30000

struct options {
    unsigned int port;
    bool reuseport;
    int listen_fd;        /* -1: none given */
    const char *takeover; /* Unix socket to receive the listen socket from */
    const char *control;  /* Unix socket to offer the listen socket on */
    int ready_fd;         /* tell the predecessor we serve (inherited pipe) */
    const char *name;
    const char *mode;
    unsigned int threads;
    const char *cert;
    const char *key;
    const char *pidfile;
    unsigned int timeout;
    unsigned int grace_ms;
};

static struct options opt = {
    .listen_fd = -1, .ready_fd = -1, .mode = "epoll", .threads = 2, .timeout = 60};
static char name_buf[32];
static atomic_bool draining;
static char **saved_argv;

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    static int marker;
    (void)cls;
    (void)method;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &marker;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0; /* bodies are read and ignored */
        return MHD_YES;
    }
    char text[96];
    unsigned int status = MHD_HTTP_OK;
    if (strcmp(url, "/health") == 0) {
        bool out = atomic_load(&draining);
        snprintf(text, sizeof(text), "%s\n", out ? "draining" : "ok");
        status = out ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_OK;
    } else {
        snprintf(text, sizeof(text), "Hello from instance %s (pid %ld)\n", opt.name,
                 (long)getpid());
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_copy(strlen(text), text);
    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, "X-Instance", opt.name);
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- passing a descriptor over a Unix socket ----------------------------- */

static bool send_fd(int sock, int fd)
{
    char byte = 'L';
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    memset(&u, 0, sizeof(u));
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1;
}

static int recv_fd(int sock)
{
    char byte;
    struct iovec iov = {&byte, 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (cm == NULL || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

static int unix_socket(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path)) {
        fprintf(stderr, "%s: path too long for a Unix socket\n", path);
        return -1;
    }
    memcpy(sa->sun_path, path, strlen(path) + 1);
    return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

/* Waits up to `ms` for one byte on `fd`; true if it came. */
static bool wait_byte(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    char b;
    return poll(&p, 1, ms) == 1 && read(fd, &b, 1) == 1;
}

/* Connects to the running instance's control socket and receives its
 * listen socket; `*ctl` stays open to say "ready" on it later. */
static int take_over(const char *path, int *ctl)
{
    struct sockaddr_un sa;
    int s = unix_socket(path, &sa);
    if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        fprintf(stderr, "takeover: cannot connect to %s: %s\n", path, strerror(errno));
        if (s >= 0)
            close(s);
        return -1;
    }
    int fd = recv_fd(s);
    if (fd < 0) {
        fprintf(stderr, "takeover: no socket received from %s\n", path);
        close(s);
        return -1;
    }
    *ctl = s;
    return fd;
}

/* ---- the control socket: giving the listen socket to a successor -------- */

static int control_fd = -1;
static MHD_socket listen_socket = MHD_INVALID_SOCKET;

/* Binds the control socket at opt.control (replacing whatever was there:
 * after a takeover, the predecessor's). */
static bool control_open(void)
{
    struct sockaddr_un sa;
    int s = unix_socket(opt.control, &sa);
    if (s < 0)
        return false;
    unlink(opt.control);
    if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(s, 4) != 0) {
        fprintf(stderr, "control: cannot listen on %s: %s\n", opt.control, strerror(errno));
        close(s);
        return false;
    }
    control_fd = s;
    return true;
}

/* Serves the control socket: each instance that connects gets the listen
 * socket; the first one that says it serves takes over (SIGUSR1 tells the
 * main thread to drain). */
static void *control_main(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept4(control_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL; /* closed: the instance is draining */
        }
        bool ok = send_fd(c, listen_socket) && wait_byte(c, SUCCESSOR_WAIT_MS);
        close(c);
        if (ok) {
            kill(getpid(), SIGUSR1);
            return NULL;
        }
        fprintf(stderr, "control: a successor took the socket but did not start\n");
    }
}

/* ---- starting the successor ---------------------------------------------- */

/* The arguments of this instance without those that said where its socket
 * came from, plus `extra` (NULL-terminated). Allocated; NULL on failure. */
static char **successor_argv(char **extra)
{
    size_t n = 0, k = 0;
    while (saved_argv[n] != NULL)
        n++;
    char **out = calloc(n + 8, sizeof(char *));
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        const char *a = saved_argv[i];
        if ((strcmp(a, "--listen-fd") == 0 || strcmp(a, "--takeover") == 0 ||
             strcmp(a, "--ready-fd") == 0) &&
            i + 1 < n) {
            i++;
            continue;
        }
        out[k++] = saved_argv[i];
    }
    for (size_t i = 0; extra[i] != NULL; i++)
        out[k++] = extra[i];
    return out;
}

/* Execs the successor with `argv` in a child. The child inherits the
 * descriptors in `keep` (close-on-exec cleared there only). */
static pid_t spawn(char **argv, const int *keep, int nkeep)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* Only async-signal-safe calls between fork and exec. */
    for (int i = 0; i < nkeep; i++)
        fcntl(keep[i], F_SETFD, 0);
    /* The signal mask stays as it is across exec: a SIGHUP or SIGTERM
     * that comes before the successor is ready waits for its sigwait(). */
    execv("/proc/self/exe", argv);
    _exit(127);
}

/* Starts the successor on the same socket. With --control it receives the
 * socket over the control socket (the control thread then signals
 * SIGUSR1); otherwise it inherits it and says "ready" on a pipe. True when
 * the successor serves (or, with --control, was started). */
static bool start_successor(void)
{
    char fdarg[16], readyarg[16];
    int pipefd[2] = {-1, -1};
    char *extra[8] = {NULL};
    if (opt.control != NULL) {
        extra[0] = "--takeover";
        extra[1] = (char *)opt.control;
    } else {
        if (pipe2(pipefd, O_CLOEXEC) != 0)
            return false;
        snprintf(fdarg, sizeof(fdarg), "%d", (int)listen_socket);
        snprintf(readyarg, sizeof(readyarg), "%d", pipefd[1]);
        extra[0] = "--listen-fd";
        extra[1] = fdarg;
        extra[2] = "--ready-fd";
        extra[3] = readyarg;
    }
    char **argv = successor_argv(extra);
    if (argv == NULL)
        return false;
    int keep[2] = {(int)listen_socket, pipefd[1]};
    pid_t pid = spawn(argv, keep, opt.control != NULL ? 0 : 2);
    free(argv);
    if (pid < 0) {
        fprintf(stderr, "hand-over: fork failed: %s\n", strerror(errno));
        return false;
    }
    if (opt.control != NULL)
        return true;
    close(pipefd[1]);
    bool ready = wait_byte(pipefd[0], SUCCESSOR_WAIT_MS);
    close(pipefd[0]);
    if (!ready)
        fprintf(stderr, "hand-over: the successor (pid %ld) did not start\n", (long)pid);
    return ready;
}

/* ---- starting, serving, draining ----------------------------------------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (nb == NULL)
                break;
            buf = nb;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

static unsigned int mode_flags(void)
{
    if (strcmp(opt.mode, "poll") == 0)
        return MHD_USE_POLL_INTERNAL_THREAD;
    if (strcmp(opt.mode, "select") == 0)
        return MHD_USE_INTERNAL_POLLING_THREAD;
    if (strcmp(opt.mode, "tpc") == 0)
        return MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL;
    return MHD_USE_EPOLL_INTERNAL_THREAD; /* epoll, pool */
}

static struct MHD_Daemon *start_daemon(int given_fd)
{
    static char *cert, *key;
    struct sockaddr_in lo = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
    lo.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    unsigned int flags = mode_flags() | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    struct MHD_OptionItem o[8];
    int n = 0;
    if (given_fd >= 0) {
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, given_fd, NULL};
    } else {
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &lo};
        if (opt.reuseport)
            o[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, NULL};
    }
    if (strcmp(opt.mode, "pool") == 0)
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, opt.threads, NULL};
    if (opt.cert != NULL) {
        cert = cert ? cert : read_file(opt.cert);
        key = key ? key : read_file(opt.key);
        if (cert == NULL || key == NULL) {
            fprintf(stderr, "cannot read %s or %s\n", opt.cert, opt.key);
            return NULL;
        }
        flags |= MHD_USE_TLS;
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, cert};
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, key};
    }
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, opt.timeout, NULL};
    o[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return MHD_start_daemon(flags, (uint16_t)opt.port, NULL, NULL, handler, NULL, MHD_OPTION_ARRAY,
                            o, MHD_OPTION_END);
}

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static unsigned int connections(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *i = MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
    return i != NULL ? i->num_connections : 0;
}

/* Stops accepting, lets every open connection finish, stops. `own_socket`:
 * nobody else holds the listen socket, so it stops listening at once
 * (with SO_REUSEPORT the kernel then sends new connections to the other
 * instances on the port). */
static void drain(struct MHD_Daemon *d, bool own_socket)
{
    atomic_store(&draining, true);
    if (control_fd >= 0)
        shutdown(control_fd, SHUT_RDWR); /* no more successors; closed at exit */
    uint64_t t0 = now_ms();
    unsigned int at_quiesce = connections(d);
    MHD_socket s = MHD_quiesce_daemon(d);
    if (s != MHD_INVALID_SOCKET && own_socket)
        shutdown(s, SHUT_RDWR);
    while (connections(d) != 0 && now_ms() - t0 < DRAIN_LIMIT_MS) {
        struct timespec t = {0, 5 * 1000 * 1000};
        nanosleep(&t, NULL);
    }
    unsigned int left = connections(d);
    printf("drain: %s pid %ld: %u connections at the quiesce, drained in %llu ms%s\n", opt.name,
           (long)getpid(), at_quiesce, (unsigned long long)(now_ms() - t0),
           left ? " (time limit reached)" : "");
    fflush(stdout);
    MHD_stop_daemon(d);
    if (s != MHD_INVALID_SOCKET)
        close(s);
}

/* A number from the command line or the environment; -1 if it is none. */
static long number(const char *s)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno == 0 && end != s && *end == '\0' && v >= 0 && v <= 65535 * 1000L ? v : -1;
}

static bool parse_args(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes = true;
        if (strcmp(a, "--reuseport") == 0) {
            opt.reuseport = true;
            takes = false;
        } else if (v == NULL && a[0] == '-') {
            fprintf(stderr, "%s needs a value\n", a);
            return false;
        } else if (strcmp(a, "--listen-fd") == 0) {
            opt.listen_fd = (int)number(v);
        } else if (strcmp(a, "--ready-fd") == 0) {
            opt.ready_fd = (int)number(v);
        } else if (strcmp(a, "--takeover") == 0) {
            opt.takeover = v;
        } else if (strcmp(a, "--control") == 0) {
            opt.control = v;
        } else if (strcmp(a, "--name") == 0) {
            opt.name = v;
        } else if (strcmp(a, "--mode") == 0) {
            opt.mode = v;
        } else if (strcmp(a, "--threads") == 0) {
            opt.threads = (unsigned int)number(v);
        } else if (strcmp(a, "--https") == 0 && i + 2 < argc) {
            opt.cert = v;
            opt.key = argv[i + 2];
            i++;
        } else if (strcmp(a, "--pidfile") == 0) {
            opt.pidfile = v;
        } else if (strcmp(a, "--timeout") == 0) {
            opt.timeout = (unsigned int)number(v);
        } else if (strcmp(a, "--grace") == 0) {
            opt.grace_ms = (unsigned int)number(v);
        } else if (a[0] != '-') {
            opt.port = (unsigned int)number(a);
            takes = false;
        } else {
            fprintf(stderr, "unknown option %s\n", a);
            return false;
        }
        if (takes)
            i++;
    }
    if (opt.port > 65535 || opt.threads == 0 || opt.threads > 256 || opt.timeout > 86400 ||
        opt.grace_ms > 600000) {
        fprintf(stderr, "a number is out of range\n");
        return false;
    }
    return true;
}

/* systemd socket activation: LISTEN_FDS=1 for this process means the
 * listen socket is descriptor 3. The variables are not passed on. */
static int activated_socket(void)
{
    const char *fds = getenv("LISTEN_FDS"), *pid = getenv("LISTEN_PID");
    int fd = -1;
    if (fds != NULL && number(fds) >= 1 && (pid == NULL || number(pid) == (long)getpid()))
        fd = 3;
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDNAMES");
    return fd;
}

/* Where the socket comes from; -1: bind one. `*ctl` is set for a takeover. */
static int given_socket(int *ctl)
{
    if (opt.takeover != NULL)
        return take_over(opt.takeover, ctl);
    if (opt.listen_fd >= 0)
        return opt.listen_fd;
    return activated_socket();
}

static void write_pidfile(void)
{
    if (opt.pidfile == NULL)
        return;
    char tmp[512];
    snprintf(tmp, sizeof(tmp), "%s.%ld", opt.pidfile, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return;
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    rename(tmp, opt.pidfile); /* readers never see a half-written file */
}

/* Tells the predecessor that this instance serves. */
static void say_ready(int ctl)
{
    int fd = ctl >= 0 ? ctl : opt.ready_fd;
    if (fd >= 0 && write(fd, "R", 1) != 1)
        fprintf(stderr, "cannot tell the predecessor: %s\n", strerror(errno));
    if (fd >= 0)
        close(fd);
}

int main(int argc, char **argv)
{
    saved_argv = argv;
    if (!parse_args(argc, argv))
        return 2;
    if (opt.name == NULL) {
        snprintf(name_buf, sizeof(name_buf), "%ld", (long)getpid());
        opt.name = name_buf;
    }
    /* Blocked before any thread starts: the daemon's threads inherit the
     * mask and only sigwait() below receives these. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGHUP);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGCHLD, SIG_IGN); /* a successor that fails is not left a zombie */

    int ctl = -1;
    int given = given_socket(&ctl);
    if (given < 0 && (opt.takeover != NULL || opt.port == 0)) {
        fprintf(stderr, "no listen socket: give a port, --listen-fd, --takeover or LISTEN_FDS\n");
        return 1;
    }
    struct MHD_Daemon *d = start_daemon(given);
    if (d == NULL)
        return 1;
    const union MHD_DaemonInfo *li = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    listen_socket = li != NULL ? li->listen_fd : MHD_INVALID_SOCKET;
    unsigned int port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    pthread_t control_thread;
    if (opt.control != NULL &&
        (!control_open() || pthread_create(&control_thread, NULL, control_main, NULL) != 0)) {
        MHD_stop_daemon(d);
        return 1;
    }
    if (opt.control != NULL)
        pthread_detach(control_thread);
    write_pidfile();
    printf("Serving on %s://127.0.0.1:%u/ (instance %s, pid %ld, mode %s)\n",
           opt.cert ? "https" : "http", port, opt.name, (long)getpid(), opt.mode);
    fflush(stdout);
    say_ready(ctl);

    for (;;) {
        int sig;
        sigwait(&sigs, &sig);
        if (sig == SIGHUP) {
            if (!start_successor())
                continue;
            if (opt.control != NULL)
                continue; /* SIGUSR1 comes when the successor serves */
            drain(d, false);
            return 0;
        }
        if (sig == SIGUSR1) { /* a successor took the socket over */
            drain(d, false);
            return 0;
        }
        /* SIGTERM, SIGINT: the balancer sees the health check fail, then
         * the instance drains. */
        atomic_store(&draining, true);
        struct timespec g = {opt.grace_ms / 1000, (long)(opt.grace_ms % 1000) * 1000000L};
        nanosleep(&g, NULL);
        drain(d, given < 0);
        if (opt.control != NULL)
            unlink(opt.control);
        return 0;
    }
}
