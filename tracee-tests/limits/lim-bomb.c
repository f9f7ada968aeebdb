/*
 * lim-bomb MAX [TOKEN]: a bounded fork bomb.  Every process (the first one and each child)
 * keeps forking, so the tree grows exponentially, until MAX processes exist in all; then
 * they all meet at a barrier, exit 0 and are reaped, and the first one prints `created MAX`
 * and exits 0.  MAX keeps the machine safe if a --pids limit does not hold.
 *
 * The barrier (a futex in shared memory) is reached only when all MAX processes exist: so
 * they are all alive at once (what --pids counts), and a fork that fails (EAGAIN from the
 * pids controller) leaves every process waiting there for sysward to end the run: under
 * --pids the row ends with sysward's kill, never with this program's own exit.  The row's
 * --wall-time guard ends it if sysward does not (wrong verdict: the check fails).
 *
 * TOKEN (ignored) is a unique argument by which a driver check finds the tree in /proc.
 * stdout: `cgroup ...` lines, `knob pids.max VALUE` (v1 or v2, when its group has one);
 * `created MAX` at the end.
 */
#include "lim.h"

#include <linux/futex.h>
#include <stdatomic.h>

struct shared {
	atomic_int created; /* processes that exist or are being forked */
	atomic_int done;    /* processes that stopped forking (the futex word) */
	atomic_int failed;  /* forks that failed */
	atomic_int first_errno;
};

static struct shared *sh;
static int max;

static void futex_wait_done(int seen)
{
	syscall(SYS_futex, &sh->done, FUTEX_WAIT, seen, NULL, NULL, 0);
}

static void futex_wake_done(void)
{
	syscall(SYS_futex, &sh->done, FUTEX_WAKE, 1 << 30, NULL, NULL, 0);
}

/* Fork until the tree has MAX processes (or a fork fails), wait at the barrier, reap. */
static void bomb(void)
{
	for (;;) {
		int n = atomic_fetch_add(&sh->created, 1);
		if (n >= max) {
			atomic_fetch_sub(&sh->created, 1);
			break;
		}
		pid_t p = fork();
		if (p == 0)
			continue; /* the child bombs too */
		if (p < 0) {
			int zero = 0;
			atomic_fetch_sub(&sh->created, 1);
			atomic_fetch_add(&sh->failed, 1);
			atomic_compare_exchange_strong(&sh->first_errno, &zero, errno);
			break;
		}
	}
	/* the barrier: all MAX processes have stopped forking */
	int d = atomic_fetch_add(&sh->done, 1) + 1;
	if (d == max)
		futex_wake_done();
	while ((d = atomic_load(&sh->done)) < max)
		futex_wait_done(d);
	/* reap the children this process forked */
	while (wait(NULL) > 0 || errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 2)
		tt_fail("usage: lim-bomb MAX [TOKEN]");
	max = atoi(argv[1]);
	if (max < 1 || max > 1000)
		tt_fail("MAX must be 1..1000");
	lim_report_cgroups();
	lim_report_knob("pids", "pids.max");
	lim_report_knob(NULL, "pids.max");
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		tt_fail("mmap: %s", strerror(errno));
	atomic_store(&sh->created, 1); /* this process */
	pid_t first = getpid();
	bomb();
	if (getpid() != first)
		_exit(0);
	if (atomic_load(&sh->failed))
		tt_fail("%d forks failed (%s) but the barrier opened", atomic_load(&sh->failed),
			strerror(atomic_load(&sh->first_errno)));
	lim_say("created %d", atomic_load(&sh->created));
	return 0;
}
