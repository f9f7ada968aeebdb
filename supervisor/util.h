/* util: helpers with no side effects on the tracer's state (STYLE habit 6/7). */
#ifndef SYSWARD_UTIL_H
#define SYSWARD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define UNUSED __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* Exit statuses of `sysward` itself (INTERFACE.md). */
enum {
	EXIT_SYSWARD_FAILED = 125,
	EXIT_NOT_EXECUTABLE = 126,
	EXIT_NOT_FOUND = 127,
};

static inline void cleanup_freep(void *p)
{
	free(*(void **)p);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_fd __attribute__((cleanup(cleanup_closep)))

/* Hand ownership out of a cleanup variable. */
#define steal_pointer(pp)                                                                          \
	({                                                                                         \
		__typeof__(*(pp)) _p = *(pp);                                                      \
		*(pp) = NULL;                                                                      \
		_p;                                                                                \
	})

/* CLI/setup code only: print "sysward: msg" and exit 125.  Never call while tracees are attached. */
void die(const char *fmt, ...) PRINTF_LIKE(1, 2) __attribute__((noreturn));
/* "sysward: msg" on stderr. */
void warnx_(const char *fmt, ...) PRINTF_LIKE(1, 2);

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t m);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Parse a size with optional K/M/G/T suffix (powers of 1024).  0 or -EINVAL/-ERANGE. */
int parse_size(const char *s, uint64_t *out);
/* Parse non-negative fractional seconds.  0 or -EINVAL. */
int parse_seconds(const char *s, double *out);
/* Parse a non-negative integer that fits in long.  0 or -EINVAL/-ERANGE. */
int parse_long(const char *s, long *out);

/* Value of a hexadecimal digit, or -1. */
int hex_digit(char c);

/* Monotonic clock in seconds. */
double now_monotonic(void);

/* Write all of buf, retrying on EINTR and short writes.  0 or -errno. */
int write_all(int fd, const void *buf, size_t len);
/* Read a small file into buf (NUL-terminated).  Bytes read or -errno. */
ssize_t read_small_file(const char *path, char *buf, size_t size);
/* A whole file of unknown size (/proc), malloc'd and NUL-terminated, or NULL with errno. */
char *read_file_alloc(const char *path);
/* Replace path with text + a newline, whole or not at all (a temporary file beside it,
 * renamed over it; written in place where no file can be made beside it, e.g. /dev/stdout).
 * 0 or -errno. */
int write_file_atomic(const char *path, const char *text, size_t len);
/* Format a message into err (for "0 or -EINVAL with a message" parsers); returns -EINVAL. */
int fail_with(char *err, size_t errsz, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Write a string to a file (cgroup knobs).  0 or -errno. */
int write_file_str(const char *path, const char *s);

/* One message on a datagram or seqpacket socket: `len` bytes with `nfds` descriptors
 * (SCM_RIGHTS), retried on EINTR.  flags as for sendmsg (MSG_NOSIGNAL is added).  The bytes
 * sent or -errno. */
ssize_t send_with_fds(int sock, const void *buf, size_t len, const int *fds, int nfds,
		      int flags);
/* Receive one message into buf, retried on EINTR; its descriptors (close-on-exec) go into
 * fds[0..*nfds), at most max (more are closed).  The bytes received (0: end of file) or
 * -errno. */
ssize_t recv_with_fds(int sock, void *buf, size_t len, int *fds, int max, int *nfds);

/* For a process forked to wait for work (a server's spare): take now, while idle, the page
 * faults its work would take later.  After fork every page it writes first costs a
 * copy-on-write fault (2-3 us here); this copies the private writable mappings up front (at
 * most PREFAULT_MAX bytes), or does nothing where MADV_POPULATE_WRITE (Linux 5.14) is
 * missing. */
#define PREFAULT_MAX (4UL << 20)
void prefault_writable(void);

#endif
