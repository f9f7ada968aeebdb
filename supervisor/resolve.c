/*
 * resolve: a path as the tracee's kernel would resolve it, turned into one absolute path
 * with no symlink, no "." and no ".." left, so that rules judge what the kernel will open.
 *
 * The tracee's view: its cwd and dirfds come from /proc/<tid>/{cwd,fd/N}; /proc/self and
 * /proc/thread-self mean the tracee, not the tracer; magic links (/proc/PID/fd/N, cwd, root,
 * exe) are followed to their target when it is a path, and otherwise kept as the link
 * itself with `magic` set (a pipe or socket has no path to judge).  The tracer only lstat()s
 * and readlink()s: it never opens a tracee-named file here, so a FIFO cannot block it.
 *
 * With the PID namespace backstop the tracee's /proc is its namespace's: its /proc/PID names
 * are mapped to the tracer's to walk, and the result is given back in its own view.
 *
 * Races (a component swapped for a symlink after this ran) are closed where the kernel
 * uses the result: judge.c hands it to openat2(RESOLVE_NO_SYMLINKS) for opens.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor/tracer.h"

#define MAX_SYMLINKS 40

/* Read the target of a magic link of the tracee; absolute path, or `magic` when not a path. */
static int read_proc_link(const char *link, char *buf, size_t size, bool *is_path)
{
	ssize_t n = readlink(link, buf, size - 1);
	size_t dl = strlen(" (deleted)");

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	*is_path = buf[0] == '/';
	if (*is_path && (size_t)n > dl && strcmp(buf + n - dl, " (deleted)") == 0)
		*is_path = false; /* an unlinked file or a memfd: no name reaches it */
	if (*is_path && strncmp(buf, "/memfd:", 7) == 0)
		*is_path = false;
	return 0;
}

/* Is `p` (absolute, canonical so far) a /proc magic link of some process? */
static bool is_magic_link(const char *p)
{
	const char *q;

	if (strncmp(p, "/proc/", 6) != 0)
		return false;
	q = p + 6;
	if (*q < '0' || *q > '9')
		return false;
	while (*q >= '0' && *q <= '9')
		q++;
	if (strncmp(q, "/task/", 6) == 0) {
		q += 6;
		while (*q >= '0' && *q <= '9')
			q++;
	}
	return strcmp(q, "/cwd") == 0 || strcmp(q, "/root") == 0 || strcmp(q, "/exe") == 0 ||
	       (strncmp(q, "/fd/", 4) == 0 && q[4] && !strchr(q + 4, '/')) ||
	       (strncmp(q, "/map_files/", 11) == 0 && q[11] && !strchr(q + 11, '/'));
}

/* A process of the sandbox (the task itself even without a run, as in unit tests). */
static bool own_process(struct tracee *t, pid_t pid)
{
	return pid == t->tgid || pid == t->tid || (t->run && tracee_is_member(t->run, pid));
}

/* Can the sandbox not change what this canonical path names?  (No run: unit tests.) */
static bool fixed(struct tracee *t, const char *p)
{
	return t->run && judge_path_fixed(t->run, p);
}

/* Append component c (len n) to the canonical path buf (length *len). */
static int push(char *buf, size_t *len, const char *c, size_t n)
{
	if (*len + 1 + n + 1 > PATH_MAX)
		return -ENAMETOOLONG;
	if (*len != 1)
		buf[(*len)++] = '/';
	memcpy(buf + *len, c, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

static void pop(char *buf, size_t *len)
{
	char *s = strrchr(buf, '/');
	if (!s || s == buf) {
		*len = 1;
		buf[1] = '\0';
		return;
	}
	*s = '\0';
	*len = (size_t)(s - buf);
}

/*
 * Walk `rest` (a relative or absolute name) on top of `out->path`.  `follow`: what to do
 * with a final symlink.  Uses a work buffer holding the remaining name, into which symlink
 * targets are spliced.
 */
static int walk(struct tracee *t, const char *name, bool follow, struct resolved *out)
{
	char work[PATH_MAX * 2];
	char link[PATH_MAX];
	size_t len = strlen(out->path);
	size_t pos = 0;
	int links = 0;

	if (strlen(name) >= sizeof(work))
		return -ENAMETOOLONG;
	strcpy(work, name);
	if (work[0] == '/') {
		strcpy(out->path, "/");
		len = 1;
	}
	for (;;) {
		size_t start, n;
		bool last;
		struct stat st;
		bool was_magic_link;

		while (work[pos] == '/')
			pos++;
		if (!work[pos])
			return 0;
		start = pos;
		while (work[pos] && work[pos] != '/')
			pos++;
		n = pos - start;
		{
			size_t q = pos;
			while (work[q] == '/')
				q++;
			last = work[q] == '\0';
		}
		if (n == 1 && work[start] == '.')
			continue;
		if (n == 2 && work[start] == '.' && work[start + 1] == '.') {
			if (!out->unstable && !fixed(t, out->path))
				out->unstable = true; /* a swap here would change where ".." goes */
			pop(out->path, &len);
			continue;
		}
		if (push(out->path, &len, work + start, n) < 0)
			return -ENAMETOOLONG;

		/* /proc/self and /proc/thread-self name the tracee */
		if (strcmp(out->path, "/proc/self") == 0) {
			len = (size_t)snprintf(out->path, PATH_MAX, "/proc/%d", (int)t->tgid);
			continue;
		}
		if (strcmp(out->path, "/proc/thread-self") == 0) {
			len = (size_t)snprintf(out->path, PATH_MAX, "/proc/%d/task/%d", (int)t->tgid,
					       (int)t->tid);
			continue;
		}
		/* /proc/PID and /proc/PID/task/TID: the tracee names them in its PID namespace */
		if (t->run && t->run->pidns)
			len = tracee_host_path(t->run, out->path, true);
		/* an entry that the sandbox cannot change stays what lstat() found: no symlink */
		if (t->run && judge_entry_known(t->run, out->path, len))
			continue;
		if (lstat(out->path, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR) {
				/* the kernel will fail the same way; the rest stays lexical */
				if (!last)
					out->missing = true;
				continue;
			}
			if (errno == EACCES) {
				out->unstable = true; /* not seen: the kernel decides alone */
				continue;
			}
			return -errno;
		}
		if (!S_ISLNK(st.st_mode)) {
			if (t->run)
				judge_entry_seen(t->run, out->path, len);
			continue;
		}
		if (last && !follow)
			return 0;
		if (++links > MAX_SYMLINKS)
			return -ELOOP;
		if (!out->unstable && !fixed(t, out->path))
			out->unstable = true; /* the link itself could be replaced */
		was_magic_link = is_magic_link(out->path);
		if (was_magic_link && !own_process(t, (pid_t)atoi(out->path + 6))) {
			/* another process's fd, cwd, root or exe: never a way in */
			return -EACCES;
		}
		if (was_magic_link) {
			bool is_path;
			int e = read_proc_link(out->path, link, sizeof(link), &is_path);
			if (e < 0)
				return e;
			out->via_magic = true;
			out->unstable = true;
			if (!is_path) {
				/* a pipe, socket, anon inode or deleted file: keep the link itself */
				out->magic = true;
				if (!last)
					return -ENOTDIR;
				return 0;
			}
		} else {
			ssize_t l = readlink(out->path, link, sizeof(link) - 1);
			if (l < 0)
				return -errno;
			link[l] = '\0';
		}
		/* splice: target + remaining name */
		{
			char tmp[PATH_MAX * 2];
			int m = snprintf(tmp, sizeof(tmp), "%s/%s", link, work + pos);
			if (m < 0 || (size_t)m >= sizeof(work))
				return -ENAMETOOLONG;
			memcpy(work, tmp, (size_t)m + 1);
			pos = 0;
		}
		if (link[0] == '/') {
			strcpy(out->path, "/");
			len = 1;
		} else {
			pop(out->path, &len); /* relative to the link's directory */
		}
	}
}

/* The directory a dirfd (or AT_FDCWD) names in the tracee. */
static int dirfd_path(struct tracee *t, int dirfd, struct resolved *out)
{
	char proc[64];
	bool is_path;
	int e;

	if (dirfd == AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)t->tid);
	else if (dirfd < 0)
		return -EBADF;
	else
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)t->tid, dirfd);
	e = read_proc_link(proc, out->path, sizeof(out->path), &is_path);
	if (e == -ENOENT)
		return -EBADF;
	if (e < 0)
		return e;
	if (is_path && t->run && t->run->pidns)
		tracee_host_path(t->run, out->path, false); /* a directory of its own /proc */
	if (!is_path) {
		/* no path to start from: keep the magic link to judge */
		snprintf(out->path, sizeof(out->path), "/proc/%d/fd/%d", (int)t->tgid, dirfd);
		out->magic = true;
	}
	return 0;
}

/* The result as the tracee's kernel names it: /proc/PID in its PID namespace (the walk
 * used the tracer's /proc). */
static int ns_view(struct tracee *t, struct resolved *out)
{
	if (!t->run || !t->run->pidns)
		return 0;
	return tracee_ns_path(t->run, out->path, sizeof(out->path));
}

int resolve_path(struct tracee *t, int dirfd, const char *name, bool follow, struct resolved *out)
{
	size_t n = strlen(name);
	int e;

	memset(out, 0, sizeof(*out));
	out->trailing_slash = n > 1 && name[n - 1] == '/';
	if (name[0] != '/') {
		e = dirfd_path(t, dirfd, out);
		if (e < 0)
			return e;
		if (out->magic)
			return -ENOTDIR;
	} else {
		strcpy(out->path, "/");
	}
	/* a trailing slash asks for the directory: the final symlink is followed */
	e = walk(t, name, follow || out->trailing_slash, out);
	return e < 0 ? e : ns_view(t, out);
}

int resolve_fd(struct tracee *t, int fd, struct resolved *out)
{
	int e;

	memset(out, 0, sizeof(*out));
	e = dirfd_path(t, fd, out);
	return e < 0 ? e : ns_view(t, out);
}
