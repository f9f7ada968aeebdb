/*
 * symlink-swap: swap a name in the working directory between a real file or directory and
 * a symlink pointing out of the sandbox, while the main thread uses the name (THREATS E).
 *
 * usage: symlink-swap VICTIM [SUB-ATTACK...]
 *
 * A second thread exchanges two names of the working directory with
 * renameat2(RENAME_EXCHANGE) in a loop (each exchange is atomic: the name is always either
 * the real thing or the symlink).  The tracer resolves a name at one moment and the kernel
 * walks it at another; in between, a component may have become a symlink:
 *   link  -> allowed.txt   vs  link.alt -> /etc/shadow   (the final component)
 *   d/     a real directory  vs  d.alt    -> /etc          (a directory component, reads)
 *   w/     a real directory  vs  w.alt    -> VICTIM/t      (a directory component, writes)
 *   a      a real file       vs  a.alt    -> VICTIM/t/f10  (the file an fd names, fchmod)
 *   e/     a real directory  vs  e.alt    -> VICTIM/t      (the directory an fd's file is in)
 * Opens run as openat2(RESOLVE_NO_SYMLINKS) on the judged name and must hold.  Every other
 * path call is exposed to this swap unless the tracer closes the window; fd-based changes
 * (fchmod, fchown, fsetxattr, utimensat(fd, NULL), AT_EMPTY_PATH) are safe in the kernel
 * but a tracer that turns them into path calls on the fd's name opens the same window.
 *
 * Verdicts by side effect: /etc/shadow's inode reached (stat, a hard link in the workdir,
 * bytes read), a VICTIM/t file whose state (lstat, xattrs) changed, a file of VICTIM moved
 * into the workdir, a canary in /etc.  Each attack runs for ATK_SECONDS or until it escapes.
 */
#include <linux/openat2.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "atk.h"

#define ATK_SECONDS 0.15
#define ATK_ITER 100000

static const char *V;
static char vt[4096]; /* VICTIM/t */
static ino_t shadow_ino;
static dev_t etc_dev;

/* ---- the swapping thread ------------------------------------------------------------- */

static const char *volatile swap_x, *volatile swap_y;
static volatile int swap_on;
static volatile long swaps;

static void *swapper(void *arg)
{
	(void)arg;
	while (!atk_stop) {
		if (!swap_on) {
			__asm__ volatile("pause");
			continue;
		}
		if (syscall(SYS_renameat2, AT_FDCWD, swap_x, AT_FDCWD, swap_y, 2 /*EXCHANGE*/) == 0)
			swaps++;
	}
	return NULL;
}

static void swap_start(const char *x, const char *y)
{
	swap_x = x;
	swap_y = y;
	__sync_synchronize();
	swap_on = 1;
}

/* Stop swapping and put the real thing back under its own name (x). */
static void swap_stop(const char *x, const char *y)
{
	struct stat st;
	swap_on = 0;
	/* one exchange may still be in flight: wait until the swapper looks at the flag */
	for (long s = swaps, n = 0; n < 3; n++) {
		sched_yield();
		if (s == swaps)
			break;
		s = swaps;
	}
	if (lstat(x, &st) == 0 && S_ISLNK(st.st_mode))
		syscall(SYS_renameat2, AT_FDCWD, x, AT_FDCWD, y, 2);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static bool is_shadow(dev_t dev, ino_t ino) { return ino == shadow_ino && dev == etc_dev; }

static void vpath(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", vt, name);
}

/* A victim file's state against the state before; an escape if it differs. */
static bool victim_changed(const char *attack, const char *name, const struct atk_fstate *before)
{
	char p[4200];
	struct atk_fstate now;
	const char *d;
	vpath(p, sizeof p, name);
	now = atk_fstate(p);
	d = atk_fstate_diff(before, &now);
	if (*d) {
		atk_escaped(attack, "VICTIM/t/%s %s (outside the sandbox)", name, d);
		return true;
	}
	return false;
}

static struct atk_fstate dir_before; /* VICTIM/t itself */

struct attack {
	const char *name;
	const char *x, *y;     /* the names swapped */
	const char *victim;    /* VICTIM/t/<victim> must not change (NULL: none) */
	bool (*try)(struct attack *a, long *nok);
	int fd;                /* for fd-based attacks */
	struct atk_fstate before;
};

static void run(struct attack *a)
{
	long i, nok = 0;
	bool esc = false;
	double t0;
	char p[4200];

	if (!atk_want(a->name))
		return;
	if (a->victim) {
		vpath(p, sizeof p, a->victim);
		a->before = atk_fstate(p);
		if (!a->before.exists && strncmp(a->victim, "new", 3) != 0)
			tt_fail("setup: %s does not exist", p);
	}
	vpath(p, sizeof p, ".");
	dir_before = atk_fstate(p);
	swaps = 0;
	swap_start(a->x, a->y);
	t0 = atk_now();
	for (i = 0; i < ATK_ITER && !esc; i++) {
		long had = nok;
		esc = a->try(a, &nok);
		if (!esc && a->victim && nok != had)
			esc = victim_changed(a->name, a->victim, &a->before) ||
			      victim_changed(a->name, ".", &dir_before);
		if ((i & 15) == 0 && atk_now() - t0 > ATK_SECONDS)
			break;
	}
	swap_stop(a->x, a->y);
	if (!esc && a->victim)
		esc = victim_changed(a->name, a->victim, &a->before) ||
		      victim_changed(a->name, ".", &dir_before);
	if (!esc)
		atk_held(a->name, "%ld tries, %ld swaps, %ld calls succeeded (on the real name)", i,
			 (long)swaps, nok);
}

/* ---- reads through d <-> d.alt (-> /etc) and link <-> link.alt (-> /etc/shadow) -------- */

static bool judge_fd(const char *name, int fd)
{
	struct stat st;
	bool leak = false;
	if (atk_fstat(fd, &st) == 0 && is_shadow(st.st_dev, st.st_ino)) {
		atk_escaped(name, "SECRET LEAKED: the kernel opened /etc/shadow");
		leak = true;
	}
	if (!leak)
		leak = atk_read_scan(name, fd);
	close(fd);
	return leak;
}

static bool try_open_link(struct attack *a, long *nok)
{
	int fd = open("link", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(a->name, fd);
}

static bool try_open_dir(struct attack *a, long *nok)
{
	int fd = open("d/shadow", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	++*nok;
	return judge_fd(a->name, fd);
}

static bool try_stat_dir(struct attack *a, long *nok)
{
	struct stat st;
	if (stat("d/shadow", &st) < 0)
		return false;
	++*nok;
	if (is_shadow(st.st_dev, st.st_ino)) {
		atk_escaped(a->name, "stat(\"d/shadow\") returned /etc/shadow's metadata");
		return true;
	}
	return false;
}

static bool try_link_dir(struct attack *a, long *nok)
{
	struct stat st;
	bool leak = false;
	if (link("d/shadow", "lnk") < 0)
		return false;
	++*nok;
	if (lstat("lnk", &st) == 0 && is_shadow(st.st_dev, st.st_ino)) {
		int fd = open("lnk", O_RDONLY | O_CLOEXEC);
		atk_escaped(a->name, "link(\"d/shadow\") made a hard link to /etc/shadow here");
		if (fd >= 0)
			judge_fd(a->name, fd);
		leak = true;
	}
	unlink("lnk");
	return leak;
}

/* ---- writes through w <-> w.alt (-> VICTIM/t) ------------------------------------------ */

static bool try_chmod(struct attack *a, long *nok)
{
	static int k;
	if (chmod("w/f02", (k++ & 1) ? 0600 : 0644) == 0)
		++*nok;
	return false;
}

static bool try_chown(struct attack *a, long *nok)
{
	if (chown("w/f03", 1234, 1234) == 0)
		++*nok;
	return false;
}

static bool try_utimensat(struct attack *a, long *nok)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	if (utimensat(AT_FDCWD, "w/f04", ts, 0) == 0)
		++*nok;
	return false;
}

static bool try_setxattr(struct attack *a, long *nok)
{
	if (setxattr("w/f05", "user.attack", "1", 1, 0) == 0)
		++*nok;
	return false;
}

static bool try_truncate(struct attack *a, long *nok)
{
	if (truncate("w/f06", 0) == 0)
		++*nok;
	return false;
}

/* unlink: the first success removes the workdir's own w/f01; after that only the
 * victim's can go */
static bool try_unlink(struct attack *a, long *nok)
{
	if (unlink("w/f01") == 0)
		++*nok;
	return false;
}

/* rename out: a file that arrives here with the victim's content was stolen */
static bool try_rename_out(struct attack *a, long *nok)
{
	char buf[64];
	int fd;
	ssize_t n;
	if (rename("w/f07", "stolen") < 0)
		return false;
	++*nok;
	fd = open("stolen", O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
	if (fd >= 0)
		close(fd);
	if (n > 0 && memmem(buf, (size_t)n, "VICTIM", 6)) {
		atk_escaped(a->name, "rename(\"w/f07\") moved VICTIM/t/f07 into the workdir");
		return true;
	}
	rename("stolen", "stolen.local");
	return false;
}

/* A creation succeeded: was it in VICTIM/t?  (Checked before the local one is removed.) */
static bool created(struct attack *a, long *nok, const char *local, bool dir)
{
	++*nok;
	if (victim_changed(a->name, a->victim, &a->before) ||
	    victim_changed(a->name, ".", &dir_before))
		return true;
	if (dir)
		rmdir(local);
	else
		unlink(local);
	return false;
}

static bool try_mkdir(struct attack *a, long *nok)
{
	return mkdir("w/newdir", 0755) == 0 && created(a, nok, "w/newdir", true);
}

static bool try_symlink(struct attack *a, long *nok)
{
	return symlink("x", "w/newsym") == 0 && created(a, nok, "w/newsym", false);
}

static bool try_mknod(struct attack *a, long *nok)
{
	return mknod("w/newnod", S_IFREG | 0644, 0) == 0 && created(a, nok, "w/newnod", false);
}

static bool try_link_in(struct attack *a, long *nok)
{
	return link("allowed.txt", "w/newlink") == 0 && created(a, nok, "w/newlink", false);
}

static bool try_creat_in(struct attack *a, long *nok)
{
	int fd = open("w/newcreat", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	close(fd);
	return created(a, nok, "w/newcreat", false);
}

static bool try_trunc_open(struct attack *a, long *nok)
{
	int fd = open("w/f08", O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd >= 0) {
		++*nok;
		close(fd);
	}
	return false;
}

/* ---- fd-based changes the tracer may turn into path calls ------------------------------ */

static bool try_fchmod(struct attack *a, long *nok)
{
	static int k;
	if (fchmod(a->fd, (k++ & 1) ? 0600 : 0644) == 0)
		++*nok;
	return false;
}

static bool try_fchown(struct attack *a, long *nok)
{
	if (fchown(a->fd, 1234, 1234) == 0)
		++*nok;
	return false;
}

static bool try_fsetxattr(struct attack *a, long *nok)
{
	if (fsetxattr(a->fd, "user.attack", "1", 1, 0) == 0)
		++*nok;
	return false;
}

static bool try_futimens(struct attack *a, long *nok)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	if (syscall(SYS_utimensat, a->fd, NULL, ts, 0) == 0)
		++*nok;
	return false;
}

static bool try_fchownat_empty(struct attack *a, long *nok)
{
	if (fchownat(a->fd, "", 1234, 1234, AT_EMPTY_PATH) == 0)
		++*nok;
	return false;
}

static bool try_utimensat_empty(struct attack *a, long *nok)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	if (utimensat(a->fd, "", ts, AT_EMPTY_PATH) == 0)
		++*nok;
	return false;
}

static int open_local(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		tt_fail("setup: open %s: %s", path, strerror(errno));
	return fd;
}

/* ---- no race: O_CREAT through a dangling symlink --------------------------------------- */

static void dangling(void)
{
	char target[4200];
	struct stat st;
	if (atk_want("creat-dangling-etc")) {
		if (symlink(ATK_CANARY_PREFIX "creat", "dangle") < 0)
			tt_fail("setup: symlink dangle: %s", strerror(errno));
		ATK_REFUSED("creat-dangling-etc", open("dangle", O_WRONLY | O_CREAT | O_CLOEXEC, 0644),
			    EACCES);
		if (lstat(ATK_CANARY_PREFIX "creat", &st) == 0)
			atk_escaped("creat-dangling-etc", ATK_CANARY_PREFIX "creat exists");
	}
	if (atk_want("creat-dangling-victim")) {
		vpath(target, sizeof target, "newdangle");
		if (symlink(target, "dangle2") < 0)
			tt_fail("setup: symlink dangle2: %s", strerror(errno));
		ATK_REFUSED("creat-dangling-victim",
			    open("dangle2", O_WRONLY | O_CREAT | O_CLOEXEC, 0644), EACCES);
		if (lstat(target, &st) == 0)
			atk_escaped("creat-dangling-victim", "%s exists", target);
	}
}

static void mkdir_local(const char *d)
{
	char p[64];
	if (mkdir(d, 0755) < 0)
		tt_fail("setup: mkdir %s: %s", d, strerror(errno));
	for (int i = 0; i < 32; i++) {
		snprintf(p, sizeof p, "%s/f%02d", d, i);
		atk_put(p, "LOCAL\n", 0644);
	}
}

static void symlink_to(const char *target, const char *name)
{
	if (symlink(target, name) < 0)
		tt_fail("setup: symlink %s -> %s: %s", name, target, strerror(errno));
}

int main(int argc, char **argv)
{
	pthread_t th;
	struct stat st;
	char f10[4200];

	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	snprintf(vt, sizeof vt, "%s/t", V);
	atk_controls();
	shadow_ino = atk_etc_ino("shadow");
	if (!shadow_ino)
		tt_skip("no /etc/shadow on this machine");
	if (stat("/etc", &st) < 0)
		tt_fail("control failed: stat /etc: %s", strerror(errno));
	etc_dev = st.st_dev;

	atk_put("allowed.txt", "allowed\n", 0644);
	symlink_to("allowed.txt", "link");
	symlink_to("/etc/shadow", "link.alt");
	mkdir_local("d");
	atk_put("d/shadow", "not the shadow file\n", 0644);
	symlink_to("/etc", "d.alt");
	mkdir_local("w");
	symlink_to(vt, "w.alt");
	mkdir_local("e");
	symlink_to(vt, "e.alt");
	atk_put("a", "LOCAL\n", 0644);
	vpath(f10, sizeof f10, "f10");
	symlink_to(f10, "a.alt");

	tt_watchdog(50, "symlink-swap attacks");
	if (pthread_create(&th, NULL, swapper, NULL) != 0)
		tt_fail("pthread_create failed");

	struct attack attacks[] = {
		{ "open-final-symlink", "link", "link.alt", NULL, try_open_link },
		{ "open-dir-component", "d", "d.alt", NULL, try_open_dir },
		{ "stat-dir-component", "d", "d.alt", NULL, try_stat_dir },
		{ "link-dir-component", "d", "d.alt", NULL, try_link_dir },
		{ "chmod", "w", "w.alt", "f02", try_chmod },
		{ "chown", "w", "w.alt", "f03", try_chown },
		{ "utimensat", "w", "w.alt", "f04", try_utimensat },
		{ "setxattr", "w", "w.alt", "f05", try_setxattr },
		{ "truncate", "w", "w.alt", "f06", try_truncate },
		{ "unlink", "w", "w.alt", "f01", try_unlink },
		{ "rename-out", "w", "w.alt", "f07", try_rename_out },
		{ "mkdir", "w", "w.alt", "newdir", try_mkdir },
		{ "symlink", "w", "w.alt", "newsym", try_symlink },
		{ "mknod", "w", "w.alt", "newnod", try_mknod },
		{ "link-in", "w", "w.alt", "newlink", try_link_in },
		{ "open-creat", "w", "w.alt", "newcreat", try_creat_in },
		{ "open-trunc", "w", "w.alt", "f08", try_trunc_open },
		{ "fchmod-fd", "a", "a.alt", "f10", try_fchmod },
		{ "fchown-fd", "e", "e.alt", "f11", try_fchown },
		{ "fsetxattr-fd", "e", "e.alt", "f12", try_fsetxattr },
		{ "utimensat-fd-null", "e", "e.alt", "f13", try_futimens },
		{ "fchownat-empty-path", "e", "e.alt", "f14", try_fchownat_empty },
		{ "utimensat-empty-path", "e", "e.alt", "f15", try_utimensat_empty },
	};
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		struct attack *a = &attacks[i];
		if (strcmp(a->x, "a") == 0)
			a->fd = open_local("a");
		else if (strcmp(a->x, "e") == 0) {
			char p[16];
			snprintf(p, sizeof p, "e/%s", a->victim);
			a->fd = open_local(p);
		}
		run(a);
		if (strcmp(a->x, "a") == 0 || strcmp(a->x, "e") == 0)
			close(a->fd);
	}
	atk_stop = 1;
	pthread_join(th, NULL);
	dangling();
	atk_finish();
}
