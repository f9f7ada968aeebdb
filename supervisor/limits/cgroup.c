/* limits/cgroup: helpers common to the v1 and v2 backends. */
#include "supervisor/limits/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervisor/util.h"

#define CG_KILL_ROUNDS 256 /* passes of cg_kill_members before giving up (-EAGAIN) */

void cg_dir_init(struct cg_dir *d)
{
	d->path[0] = '\0';
	d->fd = -1;
	d->made = false;
}

static int cg_dir_open(struct cg_dir *d, const char *path)
{
	if (snprintf(d->path, sizeof(d->path), "%s", path) >= (int)sizeof(d->path))
		return -ENAMETOOLONG;
	d->fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return d->fd < 0 ? -errno : 0;
}

int cg_dir_make(struct cg_dir *d, const char *path)
{
	int r;

	cg_dir_init(d);
	if (mkdir(path, 0755) == 0)
		d->made = true;
	else if (errno != EEXIST)
		return -errno;
	r = cg_dir_open(d, path);
	if (r < 0)
		cg_dir_remove(d, NULL);
	return r;
}

int cg_dir_make_fresh(struct cg_dir *d, const char *parent_path, const char *name)
{
	char path[PATH_MAX];
	int r;

	cg_dir_init(d);
	if (snprintf(path, sizeof(path), "%s/%s", parent_path, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* EEXIST for the pool's name: made ahead of time for this run (limits_pool_prepare) */
	if (mkdir(path, 0755) < 0 && (errno != EEXIST || !limits_pool_name[0] ||
				       strcmp(name, limits_pool_name) != 0))
		return -errno;
	d->made = true;
	r = cg_dir_open(d, path);
	if (r < 0)
		cg_dir_remove(d, NULL);
	return r;
}

void cg_reap_stale(const char *parent_path)
{
	DIR *dir;
	struct dirent *de;

	/* a server's worker (a pool name): the server sweeps what its kind leaves, and another
	 * `sysward run` reaps the run-* groups; a run of the server need not read the directory */
	if (limits_pool_name[0])
		return;
	dir = opendir(parent_path);
	if (!dir)
		return;
	while ((de = readdir(dir))) {
		char path[PATH_MAX];
		int pid;

		/* run-<pid>-<n> of a sysward that died (SIGKILL leaves its groups behind):
		 * removed when empty; rmdir fails on anything still in use */
		if (sscanf(de->d_name, "run-%d-", &pid) != 1 || pid <= 0 || pid == (int)getpid())
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", parent_path, de->d_name) < (int)sizeof(path))
			rmdir(path);
	}
	closedir(dir);
}

void cg_next_name(const char *prefix, char *buf, size_t size)
{
	static unsigned counter;
	unsigned n = __atomic_fetch_add(&counter, 1, __ATOMIC_RELAXED);

	if (limits_pool_name[0]) {
		snprintf(buf, size, "%s", limits_pool_name);
		return;
	}
	snprintf(buf, size, "%s%d-%u", prefix, (int)getpid(), n);
}

void cg_dir_remove(struct cg_dir *d, int *err)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	if (!d->made || !d->path[0])
		return;
	if (rmdir(d->path) == 0 || errno == ENOENT)
		d->made = false;
	else if (err && !*err)
		*err = -errno;
}

ssize_t cg_read(int dirfd, const char *knob, char *buf, size_t size)
{
	int fd = openat(dirfd, knob, O_RDONLY | O_CLOEXEC);
	size_t total = 0;

	if (fd < 0)
		return -errno;
	while (total + 1 < size) {
		ssize_t n = read(fd, buf + total, size - 1 - total);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += (size_t)n;
	}
	buf[total] = '\0';
	close(fd);
	return (ssize_t)total;
}

/* A cgroup knob takes its value in one write(2). */
int cg_write(int dirfd, const char *knob, const char *val)
{
	int fd = openat(dirfd, knob, O_WRONLY | O_CLOEXEC);
	size_t len = strlen(val);
	ssize_t n;
	int r = 0;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		r = -errno;
	else if ((size_t)n != len)
		r = -EIO;
	close(fd);
	return r;
}

int cg_write_u64(int dirfd, const char *knob, uint64_t val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)val);
	return cg_write(dirfd, knob, buf);
}

bool cg_has(int dirfd, const char *knob)
{
	return faccessat(dirfd, knob, F_OK, 0) == 0;
}

int cg_read_u64(int dirfd, const char *knob, uint64_t *val)
{
	char buf[64];
	ssize_t n = cg_read(dirfd, knob, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return limits_parse_u64(buf, val);
}

int cg_read_keyed(int dirfd, const char *knob, const char *key, uint64_t *val)
{
	char buf[1024];
	ssize_t n = cg_read(dirfd, knob, buf, sizeof(buf));

	if (n < 0)
		return (int)n;
	return limits_parse_keyed(buf, key, val);
}

int cg_read_pids(int dirfd, pid_t **pids, size_t *n)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	size_t cap = 4096, len = 0, cnt = 0, pcap = 16;
	char *buf;
	pid_t *out;
	ssize_t r;

	if (fd < 0)
		return -errno;
	buf = xmalloc(cap);
	for (;;) {
		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	if (r < 0) {
		r = -errno;
		free(buf);
		return (int)r;
	}
	buf[len] = '\0';
	out = xmalloc(pcap * sizeof(*out));
	for (char *p = buf; *p;) {
		char *end;
		long v = strtol(p, &end, 10);
		if (end == p)
			break;
		if (v > 0 && v <= INT_MAX) {
			if (cnt == pcap) {
				pcap *= 2;
				out = xrealloc(out, pcap * sizeof(*out));
			}
			out[cnt++] = (pid_t)v;
		}
		p = end;
		while (*p == '\n')
			p++;
	}
	free(buf);
	*pids = out;
	*n = cnt;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;
	return (x > y) - (x < y);
}

static bool pid_in(const pid_t *sorted, size_t n, pid_t pid)
{
	return n && bsearch(&pid, sorted, n, sizeof(pid), cmp_pid);
}

/* Members of all `dirfds`, sorted, duplicates kept (harmless).  0 or -errno. */
static int cg_members(const int *dirfds, size_t n, pid_t **out, size_t *cnt)
{
	pid_t *all = NULL;
	size_t total = 0;

	for (size_t i = 0; i < n; i++) {
		pid_t *p;
		size_t k;
		int r = cg_read_pids(dirfds[i], &p, &k);
		if (r < 0) {
			free(all);
			return r;
		}
		all = xrealloc(all, (total + k) * sizeof(*all));
		memcpy(all + total, p, k * sizeof(*p));
		total += k;
		free(p);
	}
	if (total)
		qsort(all, total, sizeof(*all), cmp_pid);
	*out = all;
	*cnt = total;
	return 0;
}

int cg_populated(const int *dirfds, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char buf[16];
		ssize_t r = cg_read(dirfds[i], "cgroup.procs", buf, sizeof(buf));
		if (r < 0)
			return (int)r;
		if (r > 0)
			return 1;
	}
	return 0;
}

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_kill(int pidfd)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0);
}

int cg_kill_members(const int *dirfds, size_t n)
{
	pid_t *killed = NULL, *before = NULL, *after = NULL;
	int *fds = NULL;
	size_t nkilled = 0, nb, na;
	int r = -EAGAIN;

	for (int round = 0; round < CG_KILL_ROUNDS; round++) {
		size_t cand = 0;

		r = cg_members(dirfds, n, &before, &nb);
		if (r < 0)
			break;
		/* Pin each new member's identity first, then check it is still a member. */
		fds = xrealloc(fds, (nb ? nb : 1) * sizeof(*fds));
		for (size_t i = 0; i < nb; i++) {
			fds[i] = -2;
			if ((i && before[i] == before[i - 1]) || pid_in(killed, nkilled, before[i]))
				continue;
			cand++;
			fds[i] = sys_pidfd_open(before[i]);
			if (fds[i] < 0 && errno != ENOSYS)
				fds[i] = -2; /* gone already */
		}
		if (!cand) {
			r = 0;
			break;
		}
		r = cg_members(dirfds, n, &after, &na);
		if (r < 0)
			break;
		for (size_t i = 0; i < nb; i++) {
			if (fds[i] == -2)
				continue;
			if (pid_in(after, na, before[i])) {
				/* -1: no pidfd on this kernel, only a pid just seen in the group */
				if (fds[i] >= 0)
					sys_pidfd_kill(fds[i]);
				else
					kill(before[i], SIGKILL);
				killed = xrealloc(killed, (nkilled + 1) * sizeof(*killed));
				killed[nkilled++] = before[i];
			}
			if (fds[i] >= 0)
				close(fds[i]);
		}
		qsort(killed, nkilled, sizeof(*killed), cmp_pid);
		free(before);
		free(after);
		before = after = NULL;
		r = -EAGAIN;
	}
	free(before);
	free(after);
	free(fds);
	free(killed);
	return r;
}

static int remaining_ms(double deadline)
{
	double left = deadline - now_monotonic();
	return left <= 0 ? 0 : (int)(left * 1000) + 1;
}

/* cgroup.events tells `populated 0` and signals POLLPRI on every change. */
static int cg_wait_events(int dirfd, double deadline)
{
	int fd = openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC);
	int r = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		char buf[256];
		uint64_t populated;
		ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
		struct pollfd pfd = {.fd = fd, .events = POLLPRI};
		int ms;

		if (n < 0) {
			r = -errno;
			break;
		}
		buf[n] = '\0';
		r = limits_parse_keyed(buf, "populated", &populated);
		if (r < 0 || !populated)
			break;
		ms = remaining_ms(deadline);
		if (!ms) {
			r = -ETIMEDOUT;
			break;
		}
		if (poll(&pfd, 1, ms) < 0 && errno != EINTR) {
			r = -errno;
			break;
		}
	}
	close(fd);
	return r;
}

/* v1 has no notification: wait for each member's pidfd to report its exit. */
static int cg_wait_pidfds(const int *dirfds, size_t n, double deadline)
{
	for (;;) {
		pid_t *pids;
		size_t cnt;
		int r = cg_members(dirfds, n, &pids, &cnt);

		if (r < 0)
			return r;
		if (!cnt) {
			free(pids);
			return 0;
		}
		for (size_t i = 0; i < cnt && !r; i++) {
			struct pollfd pfd = {.events = POLLIN};
			int ms;
			pfd.fd = sys_pidfd_open(pids[i]);
			if (pfd.fd < 0) {
				if (errno != ESRCH)
					r = -errno;
				continue;
			}
			ms = remaining_ms(deadline);
			while (ms && poll(&pfd, 1, ms) < 0 && errno == EINTR)
				ms = remaining_ms(deadline);
			if (!ms || !(pfd.revents & POLLIN))
				r = -ETIMEDOUT;
			close(pfd.fd);
		}
		free(pids);
		if (r < 0)
			return r;
	}
}

int cg_wait_empty(const int *dirfds, size_t n, bool v2_events, int timeout_ms)
{
	double deadline = now_monotonic() + timeout_ms / 1000.0;

	if (!v2_events)
		return cg_wait_pidfds(dirfds, n, deadline);
	for (size_t i = 0; i < n; i++) {
		int r = cg_wait_events(dirfds[i], deadline);
		if (r < 0)
			return r;
	}
	return 0;
}
