/* A file upload server built on the POST processor.
 *
 *   GET  /   a form (two text fields and a file input) and the list of the
 *            files stored so far (name, size) and of the text fields received
 *   POST /   stores the form's files and answers with the same page
 *
 * Usage: upload [port [directory]]   (default 8082 and a new directory made
 *        with mkdtemp under /tmp, removed with what it holds on exit; on
 *        127.0.0.1 unless the environment names LISTEN_ADDRESS, e.g.
 *        0.0.0.0; Ctrl-C stops it)
 * Try:   curl -F title=Holiday -F file=@photo.jpg http://127.0.0.1:8082/
 *
 * File data goes to disk piece by piece as the processor hands it over, so
 * an upload of any size needs only the processor's small buffer in memory.
 * A file whose upload does not complete is removed. Stored names are the
 * client's file names reduced to a safe set of characters; an existing file
 * is never overwritten (a number is added instead). */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "microhttpd.h"

/* The processor's work space: the largest piece the iterator receives. */
#define POST_BUFFER 16384
/* Text fields longer than this are cut (they are only displayed). */
#define TEXT_MAX 1024
/* How many text fields the page remembers, newest first. */
#define TEXT_KEEP 20
#define NAME_MAX_LEN 120

static const char *upload_dir;

/* ---- a growable string ------------------------------------------------- */

struct text {
    char *p;
    size_t len;
    size_t cap;
    bool oom;
};

static void text_add(struct text *t, const char *s, size_t len)
{
    if (t->oom)
        return;
    if (t->len + len + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->len + len + 1)
            cap *= 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->oom = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, len);
    t->len += len;
    t->p[t->len] = '\0';
}

static void text_str(struct text *t, const char *s)
{
    text_add(t, s, strlen(s));
}

/* Appends `len` bytes of `s` with the HTML special characters escaped. */
static void text_html(struct text *t, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        switch (s[i]) {
        case '<':
            text_str(t, "&lt;");
            break;
        case '>':
            text_str(t, "&gt;");
            break;
        case '&':
            text_str(t, "&amp;");
            break;
        case '"':
            text_str(t, "&quot;");
            break;
        default:
            text_add(t, s + i, 1);
            break;
        }
    }
}

/* ---- text fields received so far ---------------------------------------- */

struct field_entry {
    char *key;
    char *value;
    size_t value_len;
};

/* The daemon may run handlers on several threads; the page state is
 * shared. */
static pthread_mutex_t fields_lock = PTHREAD_MUTEX_INITIALIZER;
static struct field_entry fields[TEXT_KEEP];
static size_t nfields;

/* Takes `key` and `value` (malloc'ed). */
static void fields_remember(char *key, char *value, size_t value_len)
{
    pthread_mutex_lock(&fields_lock);
    if (nfields == TEXT_KEEP) {
        free(fields[TEXT_KEEP - 1].key);
        free(fields[TEXT_KEEP - 1].value);
        nfields--;
    }
    memmove(fields + 1, fields, nfields * sizeof(fields[0]));
    fields[0] = (struct field_entry){key, value, value_len};
    nfields++;
    pthread_mutex_unlock(&fields_lock);
}

static void fields_clear(void)
{
    for (size_t i = 0; i < nfields; i++) {
        free(fields[i].key);
        free(fields[i].value);
    }
    nfields = 0;
}

/* ---- the page ---------------------------------------------------------- */

static const char FORM[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Upload</title></head><body>\n"
    "<h1>Upload files</h1>\n"
    "<form method=\"post\" action=\"/\" enctype=\"multipart/form-data\">\n"
    "<p><label>Title <input type=\"text\" name=\"title\"></label></p>\n"
    "<p><label>Comment<br><textarea name=\"comment\" rows=\"3\" cols=\"40\"></textarea>"
    "</label></p>\n"
    "<p><input type=\"file\" name=\"file\" multiple></p>\n"
    "<p><input type=\"submit\" value=\"Upload\"></p>\n"
    "</form>\n";

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void page_files(struct text *t)
{
    text_str(t, "<h2>Stored files</h2>\n<table>\n<tr><th>Name</th><th>Bytes</th></tr>\n");
    DIR *dir = opendir(upload_dir);
    if (dir == NULL) {
        text_str(t, "</table>\n<p>The upload directory cannot be read.</p>\n");
        return;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char **grown = realloc(names, (n + 1) * sizeof(*names));
        if (grown == NULL)
            break;
        names = grown;
        names[n] = strdup(e->d_name);
        if (names[n] != NULL)
            n++;
    }
    closedir(dir);
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        char path[4096], size[32];
        struct stat st;
        snprintf(path, sizeof(path), "%s/%s", upload_dir, names[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            snprintf(size, sizeof(size), "%lld", (long long)st.st_size);
            text_str(t, "<tr><td>");
            text_html(t, names[i], strlen(names[i]));
            text_str(t, "</td><td>");
            text_str(t, size);
            text_str(t, "</td></tr>\n");
        }
        free(names[i]);
    }
    free(names);
    text_str(t, "</table>\n");
}

static void page_fields(struct text *t)
{
    text_str(t, "<h2>Text fields received (newest first)</h2>\n<table>\n"
                "<tr><th>Field</th><th>Value</th></tr>\n");
    pthread_mutex_lock(&fields_lock);
    for (size_t i = 0; i < nfields; i++) {
        text_str(t, "<tr><td>");
        text_html(t, fields[i].key, strlen(fields[i].key));
        text_str(t, "</td><td>");
        text_html(t, fields[i].value, fields[i].value_len);
        text_str(t, "</td></tr>\n");
    }
    pthread_mutex_unlock(&fields_lock);
    text_str(t, "</table>\n");
}

static enum MHD_Result send_page(struct MHD_Connection *c, unsigned int status, const char *message)
{
    struct text t = {0};
    text_str(&t, FORM);
    if (message != NULL) {
        text_str(&t, "<p><strong>");
        text_html(&t, message, strlen(message));
        text_str(&t, "</strong></p>\n");
    }
    page_files(&t);
    page_fields(&t);
    text_str(&t, "</body></html>\n");
    if (t.oom) {
        free(t.p);
        return MHD_NO;
    }
    struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback(t.len, t.p, free);
    if (r == NULL) {
        free(t.p);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
    enum MHD_Result ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The request state of everything but a POST to "/". */
static int plain_request;

/* ---- one upload -------------------------------------------------------- */

struct upload {
    struct MHD_PostProcessor *pp;
    int fd;          /* the file being written, or -1 */
    char *path;      /* its path, removed unless the upload completes */
    struct text key; /* the text field being received */
    struct text value;
    unsigned files;    /* files stored completely */
    bool write_failed; /* the disk refused data */
    bool bad_form;     /* the body is not a valid form */
};

/* Reduces a client's file name to its last component in letters, digits,
 * '.', '-' and '_', not starting with a dot. */
static void safe_name(const char *filename, char *out, size_t cap)
{
    const char *base = filename;
    for (const char *p = filename; *p != '\0'; p++) {
        if (*p == '/' || *p == '\\')
            base = p + 1;
    }
    size_t n = 0;
    for (const char *p = base; *p != '\0' && n + 1 < cap; p++) {
        char ch = *p;
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_';
        if (n == 0 && ch == '.')
            continue;
        out[n++] = ok ? ch : '_';
    }
    if (n == 0)
        n = (size_t)snprintf(out, cap, "upload");
    out[n] = '\0';
}

/* Creates a new file for `filename`, adding "-1", "-2"... before the
 * extension when a file of that name exists already. */
static bool file_open(struct upload *u, const char *filename)
{
    char base[NAME_MAX_LEN];
    safe_name(filename, base, sizeof(base));
    const char *dot = strrchr(base, '.');
    int stem = dot != NULL ? (int)(dot - base) : (int)strlen(base);
    const char *ext = dot != NULL ? dot : "";
    for (unsigned i = 0; i < 1000; i++) {
        char path[4096];
        if (i == 0)
            snprintf(path, sizeof(path), "%s/%s", upload_dir, base);
        else
            snprintf(path, sizeof(path), "%s/%.*s-%u%s", upload_dir, stem, base, i, ext);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            u->path = strdup(path);
            if (u->path == NULL) {
                close(fd);
                unlink(path);
                return false;
            }
            u->fd = fd;
            return true;
        }
        if (errno != EEXIST)
            return false;
    }
    return false;
}

/* Closes the current file; it is kept only when `complete`. */
static void file_close(struct upload *u, bool complete)
{
    if (u->fd < 0)
        return;
    if (close(u->fd) != 0)
        complete = false;
    if (complete)
        u->files++;
    else
        unlink(u->path);
    u->fd = -1;
    free(u->path);
    u->path = NULL;
}

static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Hands a finished text field over to the page's list. */
static void text_field_done(struct upload *u)
{
    if (u->key.p == NULL)
        return;
    char *value = u->value.p != NULL ? u->value.p : strdup("");
    if (u->key.oom || u->value.oom || value == NULL) {
        free(u->key.p);
        free(value);
    } else {
        fields_remember(u->key.p, value, u->value.len);
    }
    u->key = (struct text){0};
    u->value = (struct text){0};
}

/* A part ended or a new one starts: finish whatever was being received. */
static void part_done(struct upload *u)
{
    file_close(u, true);
    text_field_done(u);
}

static enum MHD_Result on_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    struct upload *u = cls;
    (void)kind;
    (void)content_type;
    (void)transfer_encoding;
    if (off == 0) {
        part_done(u);
        /* A browser sends a file input left empty as a part with an empty
         * file name; there is nothing to store. */
        if (filename != NULL && filename[0] == '\0')
            return MHD_YES;
        if (filename != NULL) {
            if (!file_open(u, filename)) {
                u->write_failed = true;
                return MHD_NO;
            }
        } else {
            text_str(&u->key, key);
        }
    }
    if (u->fd >= 0) {
        if (!write_all(u->fd, data, size)) {
            u->write_failed = true;
            return MHD_NO;
        }
    } else if (u->key.p != NULL && u->value.len < TEXT_MAX) {
        size_t room = TEXT_MAX - u->value.len;
        text_add(&u->value, data, size < room ? size : room);
    }
    return MHD_YES;
}

static void upload_free(struct upload *u)
{
    if (u->pp != NULL)
        MHD_destroy_post_processor(u->pp);
    file_close(u, false);
    free(u->key.p);
    free(u->value.p);
    free(u);
}

/* The last call of a POST: everything arrived. */
static enum MHD_Result upload_finish(struct MHD_Connection *c, struct upload *u)
{
    bool clean = MHD_destroy_post_processor(u->pp) == MHD_YES;
    u->pp = NULL;
    if (u->write_failed) {
        file_close(u, false);
        return send_page(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "The file could not be stored.");
    }
    if (u->bad_form || !clean) {
        file_close(u, false);
        return send_page(c, MHD_HTTP_BAD_REQUEST, "The form data was malformed.");
    }
    part_done(u);
    char msg[64];
    snprintf(msg, sizeof(msg), "Stored %u file%s.", u->files, u->files == 1 ? "" : "s");
    return send_page(c, MHD_HTTP_OK, msg);
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)version;
    bool is_root = strcmp(url, "/") == 0;
    if (*req_cls == NULL) {
        if (!is_root || strcmp(method, MHD_HTTP_METHOD_POST) != 0) {
            *req_cls = &plain_request;
            return MHD_YES;
        }
        struct upload *u = calloc(1, sizeof(*u));
        if (u == NULL)
            return MHD_NO;
        u->fd = -1;
        /* NULL when the body is neither multipart/form-data nor urlencoded;
         * the body is then read and ignored. */
        u->pp = MHD_create_post_processor(c, POST_BUFFER, on_field, u);
        *req_cls = u;
        return MHD_YES;
    }
    if (*req_cls == &plain_request) {
        if (*upload_data_size != 0) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        if (!is_root)
            return send_page(c, MHD_HTTP_NOT_FOUND, "No such page.");
        return send_page(c, MHD_HTTP_OK, NULL);
    }
    struct upload *u = *req_cls;
    if (*upload_data_size != 0) {
        /* After a failure the rest of the body is read and dropped, so that
         * the answer can still be sent. */
        if (u->pp != NULL && !u->bad_form && !u->write_failed &&
            MHD_post_process(u->pp, upload_data, *upload_data_size) != MHD_YES && !u->write_failed)
            u->bad_form = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (u->pp == NULL)
        return send_page(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                         "Send the form as multipart/form-data or urlencoded.");
    return upload_finish(c, u);
}

/* Runs for every request, including uploads cut off by the client: their
 * processor and partial file are released here. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)c;
    (void)toe;
    if (*req_cls != NULL && *req_cls != &plain_request)
        upload_free(*req_cls);
    *req_cls = NULL;
}

/* 127.0.0.1, or the IPv4 address named by the environment's LISTEN_ADDRESS
 * (0.0.0.0: every interface). Returns the address as text, NULL if invalid. */
static const char *listen_address(struct sockaddr_in *sa, uint16_t port)
{
    const char *env = getenv("LISTEN_ADDRESS");
    const char *text = env != NULL ? env : "127.0.0.1";
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons(port);
    if (inet_pton(AF_INET, text, &sa->sin_addr) != 1) {
        fprintf(stderr, "LISTEN_ADDRESS: not an IPv4 address: %s\n", text);
        return NULL;
    }
    return text;
}

/* Removes the directory this program made, with the files stored in it. */
static void remove_made_dir(const char *path)
{
    DIR *dir = opendir(path);
    if (dir != NULL) {
        struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            char file[PATH_MAX];
            if (e->d_name[0] != '.' &&
                snprintf(file, sizeof(file), "%s/%s", path, e->d_name) < (int)sizeof(file))
                unlink(file);
        }
        closedir(dir);
    }
    if (rmdir(path) != 0)
        perror(path);
}

int main(int argc, char **argv)
{
    unsigned long port = 8082;
    if (argc > 1) {
        char *end;
        port = strtoul(argv[1], &end, 10);
        if (*end != '\0' || port == 0 || port > 65535) {
            fprintf(stderr, "usage: %s [port [directory]]\n", argv[0]);
            return 2;
        }
    }
    char made[] = "/tmp/mhd-upload-XXXXXX";
    if (argc > 2) {
        upload_dir = argv[2];
    } else {
        upload_dir = mkdtemp(made);
        if (upload_dir == NULL) {
            perror("mkdtemp");
            return 1;
        }
    }
    /* Block the stop signals before the daemon's threads start, so they
     * inherit the mask and only sigwait() below receives them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    struct sockaddr_in sa;
    const char *host = listen_address(&sa, (uint16_t)port);
    struct MHD_Daemon *d = NULL;
    if (host != NULL)
        d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
                             NULL, NULL, handler, NULL, MHD_OPTION_SOCK_ADDR_LEN,
                             (socklen_t)sizeof(sa), &sa, MHD_OPTION_NOTIFY_COMPLETED,
                             on_completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
                             MHD_OPTION_END);
    if (d != NULL) {
        printf("Serving on http://%s:%lu/, storing uploads in %s; Ctrl-C stops.\n", host, port,
               upload_dir);
        fflush(stdout);
        int sig;
        sigwait(&stop, &sig);
        MHD_stop_daemon(d);
        fields_clear();
    }
    if (upload_dir == made)
        remove_made_dir(made);
    return d != NULL ? 0 : 1;
}
