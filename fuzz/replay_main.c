/* A main() for the fuzz targets when libFuzzer is not linked in: calls
 * LLVMFuzzerTestOneInput() once for every file named on the command line
 * and every regular file inside a named directory (not recursively).
 *
 * Each input runs in a child process by default, so an input that crashes
 * or hangs counts as one failure and the remaining ones still run; a
 * target that keeps state between inputs (fuzz_connection reuses its
 * daemons) then starts fresh for every file. With FUZZ_REPLAY_INPROCESS=1
 * in the environment all inputs run in this process, in order, as they do
 * under libFuzzer, which is what a debugger session wants.
 *
 * Prints "ok <file>" or "FAIL <file> (...)" per input, then
 * "RESULT <passed> <failed>", and exits non-zero when anything failed. */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fuzz.h"

/* Seconds one input may take in a child before it counts as hung. */
#define REPLAY_TIMEOUT 20

static unsigned long passed;
static unsigned long failed;
static bool in_process;

/* Reads the whole file into a heap block of exactly its size (at least one
 * byte is allocated so that an empty file still gets a valid pointer). */
static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool bad = ferror(f) != 0;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    /* Shrink to the exact size so that ASan sees the end of the input. */
    uint8_t *exact = malloc(n ? n : 1);
    if (exact == NULL) {
        free(buf);
        return NULL;
    }
    memcpy(exact, buf, n);
    free(buf);
    *len = n;
    return exact;
}

static void run_input(const char *path)
{
    size_t len = 0;
    uint8_t *data = read_file(path, &len);
    if (data == NULL) {
        printf("FAIL %s (cannot read: %s)\n", path, strerror(errno));
        failed++;
        return;
    }
    fflush(stdout);
    if (in_process) {
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        printf("ok   %s\n", path);
        passed++;
        return;
    }
    pid_t pid = fork();
    if (pid < 0) {
        printf("FAIL %s (fork: %s)\n", path, strerror(errno));
        failed++;
        free(data);
        return;
    }
    if (pid == 0) {
        alarm(REPLAY_TIMEOUT);
        LLVMFuzzerTestOneInput(data, len);
        free(data);
        /* Flush like exit() would, so sanitizer reports at exit still run. */
        exit(0);
    }
    free(data);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("ok   %s\n", path);
        passed++;
    } else if (WIFSIGNALED(status)) {
        printf("FAIL %s (signal %d%s)\n", path, WTERMSIG(status),
               WTERMSIG(status) == SIGALRM ? ", timed out" : "");
        failed++;
    } else {
        printf("FAIL %s (exit %d)\n", path, WEXITSTATUS(status));
        failed++;
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Runs every regular file of `dir`, in name order so that logs compare. */
static void run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        printf("FAIL %s (cannot open: %s)\n", dir, strerror(errno));
        failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        char *path = malloc(need);
        if (path == NULL)
            abort();
        snprintf(path, need, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(path);
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
            if (names == NULL)
                abort();
        }
        names[n++] = path;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), by_name);
    for (size_t i = 0; i < n; i++) {
        run_input(names[i]);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    const char *ip = getenv("FUZZ_REPLAY_INPROCESS");
    in_process = ip != NULL && strcmp(ip, "1") == 0;
    if (argc < 2) {
        fprintf(stderr, "usage: %s FILE_OR_DIR...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            printf("FAIL %s (%s)\n", argv[i], strerror(errno));
            failed++;
        } else if (S_ISDIR(st.st_mode)) {
            run_dir(argv[i]);
        } else {
            run_input(argv[i]);
        }
    }
    printf("RESULT %lu %lu\n", passed, failed);
    return failed ? 1 : 0;
}
