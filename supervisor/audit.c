/* audit: one bounded JSON object per line, written whole. */
#include "supervisor/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervisor/util.h"

struct audit {
	int fd;
	bool own_fd;
	double t0;
	int err; /* first write error */
	struct jbuf jb;
};

int audit_open(struct audit **out, const char *path, double t0)
{
	struct audit *a;

	*out = NULL;
	if (!path)
		return 0;
	a = xcalloc(1, sizeof(*a));
	if (strcmp(path, "-") == 0) {
		a->fd = STDERR_FILENO;
	} else {
		a->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
		if (a->fd < 0) {
			int e = errno;
			free(a);
			return -e;
		}
		a->own_fd = true;
	}
	a->t0 = t0;
	jb_init(&a->jb, AUDIT_RECORD_MAX);
	*out = a;
	return 0;
}

bool audit_enabled(const struct audit *a)
{
	return a != NULL;
}

struct jbuf *audit_begin(struct audit *a, const char *event, pid_t pid, pid_t tid)
{
	if (!a)
		return NULL;
	jb_reset(&a->jb);
	jb_obj_begin(&a->jb);
	jb_kdouble(&a->jb, "ts", now_monotonic() - a->t0, 6);
	jb_kint(&a->jb, "pid", pid);
	jb_kint(&a->jb, "tid", tid);
	jb_kstr(&a->jb, "event", event);
	return &a->jb;
}

int audit_commit(struct audit *a)
{
	int r;

	if (!a)
		return 0;
	if (a->jb.truncated)
		jb_kbool(&a->jb, "truncated", true);
	jb_obj_end(&a->jb);
	jb_append(&a->jb, "\n", 1);
	r = write_all(a->fd, a->jb.buf, a->jb.len);
	if (r < 0 && !a->err)
		a->err = r;
	return r;
}

int audit_close(struct audit *a)
{
	int r;

	if (!a)
		return 0;
	r = a->err;
	if (a->own_fd) {
		if (fsync(a->fd) < 0 && errno != EINVAL && !r)
			r = -errno;
		if (close(a->fd) < 0 && !r)
			r = -errno;
	}
	jb_free(&a->jb);
	free(a);
	return r;
}
