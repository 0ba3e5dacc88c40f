/* Power-cut recorder, loaded with LD_PRELOAD into a process under test.
 *
 * Every write, truncate, create, unlink and fsync/fdatasync on a path under $POWERCUT_DIR is
 * appended to $POWERCUT_LOG (data included) after the real call succeeded; the process itself
 * runs unchanged on the real filesystem. tests/powercut/__init__.py replays the log into the
 * disk a power cut would leave: what each fsync made durable, and none (or a random, torn
 * subset) of what came after. mmap'd writes (SQLite's -shm) are not seen: that file is not
 * durable state and SQLite rebuilds it.
 *
 * Record: "PCUT" op(1) path_len(u32) offset(u64) length(u64) path data   (little-endian)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static int log_fd = -1;
static char prefix[4096];
static size_t prefix_len;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_ftruncate64)(int, off_t);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static int (*real_unlink)(const char *);
static int (*real_unlinkat)(int, const char *, int);

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static void powercut_init(void) {
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_ftruncate64 = dlsym(RTLD_NEXT, "ftruncate64");
    real_open64 = dlsym(RTLD_NEXT, "open64");
    real_openat64 = dlsym(RTLD_NEXT, "openat64");
    real_unlink = dlsym(RTLD_NEXT, "unlink");
    real_unlinkat = dlsym(RTLD_NEXT, "unlinkat");
    const char *dir = getenv("POWERCUT_DIR");
    const char *log = getenv("POWERCUT_LOG");
    if (!dir || !log || strlen(dir) >= sizeof(prefix) - 1) return;
    strcpy(prefix, dir);
    prefix_len = strlen(prefix);
    log_fd = real_open64(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* Resolved on first use (and at load): a library constructor may write before ours runs. */
__attribute__((constructor)) static void init(void) { pthread_once(&init_once, powercut_init); }

static int watched(const char *path) {
    return log_fd >= 0 && path && strncmp(path, prefix, prefix_len) == 0 &&
           (path[prefix_len] == '/' || path[prefix_len] == '\0');
}

/* The absolute path of an open fd, or "" when it is not a watched file. */
static void fd_path(int fd, char *out, size_t size) {
    char link[64];
    out[0] = '\0';
    if (log_fd < 0 || fd < 0 || fd == log_fd) return;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
    if (!watched(out)) out[0] = '\0';
}

/* An absolute form of (dirfd, path) for the path-based calls. */
static void abs_path(int dirfd, const char *path, char *out, size_t size) {
    char base[2048];
    out[0] = '\0';
    if (!path) return;
    if (path[0] == '/') {
        snprintf(out, size, "%s", path);
    } else if (dirfd == AT_FDCWD) {
        if (!getcwd(base, sizeof(base))) return;
        snprintf(out, size, "%s/%s", base, path);
    } else {
        char link[64];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
        ssize_t n = readlink(link, base, sizeof(base) - 1);
        if (n <= 0) return;
        base[n] = '\0';
        snprintf(out, size, "%s/%s", base, path);
    }
}

static void record(char op, const char *path, uint64_t offset, const void *data, uint64_t len) {
    if (!path[0]) return;
    int saved = errno;
    uint32_t path_len = (uint32_t)strlen(path);
    char head[4 + 1 + 4 + 8 + 8];
    memcpy(head, "PCUT", 4);
    head[4] = op;
    memcpy(head + 5, &path_len, 4);
    memcpy(head + 9, &offset, 8);
    memcpy(head + 17, &len, 8);
    struct iovec parts[3] = {
        {head, sizeof(head)}, {(void *)path, path_len}, {(void *)data, data ? len : 0}};
    pthread_mutex_lock(&log_lock);
    /* O_APPEND + one writev per record: records never interleave. */
    size_t total = sizeof(head) + path_len + (data ? len : 0);
    ssize_t done = writev(log_fd, parts, 3);
    if (done >= 0 && (size_t)done != total) abort(); /* a torn log would lie: stop loudly */
    pthread_mutex_unlock(&log_lock);
    errno = saved;
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset) {
    init();
    ssize_t n = real_pwrite64(fd, buf, count, offset);
    if (n > 0) {
        char path[4096];
        fd_path(fd, path, sizeof(path));
        record('W', path, (uint64_t)offset, buf, (uint64_t)n);
    }
    return n;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset) {
    return pwrite64(fd, buf, count, offset);
}

ssize_t write(int fd, const void *buf, size_t count) {
    init();
    char path[4096];
    fd_path(fd, path, sizeof(path));
    off_t at = -1;
    if (path[0]) {
        int flags = fcntl(fd, F_GETFL);
        struct stat st;
        if (flags >= 0 && (flags & O_APPEND) && fstat(fd, &st) == 0) at = st.st_size;
        else at = lseek(fd, 0, SEEK_CUR);
    }
    ssize_t n = real_write(fd, buf, count);
    if (n > 0 && at >= 0) record('W', path, (uint64_t)at, buf, (uint64_t)n);
    return n;
}

static int synced(int fd, int rc) {
    if (rc == 0) {
        char path[4096];
        fd_path(fd, path, sizeof(path));
        record('S', path, 0, NULL, 0);
    }
    return rc;
}

int fsync(int fd) {
    init();
    return synced(fd, real_fsync(fd));
}
int fdatasync(int fd) {
    init();
    return synced(fd, real_fdatasync(fd));
}

int ftruncate64(int fd, off_t length) {
    init();
    int rc = real_ftruncate64(fd, length);
    if (rc == 0) {
        char path[4096];
        fd_path(fd, path, sizeof(path));
        record('T', path, (uint64_t)length, NULL, 0);
    }
    return rc;
}

int ftruncate(int fd, off_t length) { return ftruncate64(fd, length); }

static int opened(int dirfd, const char *path, int flags, int fd) {
    if (fd >= 0 && (flags & (O_CREAT | O_TRUNC))) {
        char full[4096];
        abs_path(dirfd, path, full, sizeof(full));
        if (watched(full)) record((flags & O_TRUNC) ? 'Z' : 'C', full, 0, NULL, 0);
    }
    return fd;
}

int open64(const char *path, int flags, ...) {
    init();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return opened(AT_FDCWD, path, flags, real_open64(path, flags, mode));
}

int open(const char *path, int flags, ...) {
    init();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return opened(AT_FDCWD, path, flags, real_open64(path, flags, mode));
}

int openat64(int dirfd, const char *path, int flags, ...) {
    init();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return opened(dirfd, path, flags, real_openat64(dirfd, path, flags, mode));
}

int openat(int dirfd, const char *path, int flags, ...) {
    init();
    mode_t mode = 0;
    if (flags & (O_CREAT | O_TMPFILE)) {
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
    }
    return opened(dirfd, path, flags, real_openat64(dirfd, path, flags, mode));
}

int unlink(const char *path) {
    init();
    char full[4096];
    abs_path(AT_FDCWD, path, full, sizeof(full));
    int rc = real_unlink(path);
    if (rc == 0 && watched(full)) record('U', full, 0, NULL, 0);
    return rc;
}

int unlinkat(int dirfd, const char *path, int flags) {
    init();
    char full[4096];
    abs_path(dirfd, path, full, sizeof(full));
    int rc = real_unlinkat(dirfd, path, flags);
    if (rc == 0 && watched(full)) record('U', full, 0, NULL, 0);
    return rc;
}
