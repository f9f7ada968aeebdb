/*
 * core: make the kernel write a core dump where the program may not write (THREATS E).
 *
 * usage: core VICTIM [SUB-ATTACK...]      (--profile default -p attacks/victim.policy)
 *
 * The kernel writes a core file itself, with the dumping process's credentials, into that
 * process's working directory (core_pattern "core"); it first unlinks a file of that name.
 * A process may chdir into any directory it may read.  sysward starts the program with
 * RLIMIT_CORE = 0 (soft and hard): no core file at all.
 *   rlimit-core-zero   getrlimit(RLIMIT_CORE) is 0/0
 *   raise-hard-limit   setrlimit(RLIMIT_CORE, inf/inf) must fail (raising a hard limit needs
 *                      CAP_SYS_RESOURCE: a root program has it unless sysward takes it away)
 *   prlimit-raise      the same through prlimit64(0, ...)
 *   core-in-victim     a child raises the limit if it can, chdir()s into VICTIM (readable)
 *                      and dies of SIGSEGV: no core may be dumped (WCOREDUMP), and
 *                      VICTIM/core must be untouched (the driver compares all of VICTIM)
 * Skipped when core_pattern is a pipe (|...): then no file is written by the kernel here.
 */
#include <sys/resource.h>
#include <sys/stat.h>

#include "atk.h"

static const char *V;

static void child_crash(void)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	setrlimit(RLIMIT_CORE, &rl);
	if (chdir(V) < 0)
		_exit(90);
	signal(SIGSEGV, SIG_DFL);
	raise(SIGSEGV);
	_exit(91);
}

int main(int argc, char **argv)
{
	struct rlimit rl;
	char pattern[256] = "", p[4200], b[64];
	int fd, st;
	ssize_t n;

	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	tt_watchdog(20, "core");
	fd = open("/proc/sys/kernel/core_pattern", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && (n = read(fd, pattern, sizeof pattern - 1)) > 0)
		pattern[n] = 0;
	if (fd >= 0)
		close(fd);
	if (pattern[0] == '|')
		tt_skip("core_pattern is a pipe (%s): the kernel writes no core file here", pattern);

	if (atk_want("rlimit-core-zero")) {
		if (getrlimit(RLIMIT_CORE, &rl) < 0)
			tt_fail("getrlimit: %s", strerror(errno));
		if (rl.rlim_cur != 0 || rl.rlim_max != 0)
			atk_mismatch("rlimit-core-zero", "RLIMIT_CORE is %llu/%llu, want 0/0",
				     (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
		else
			atk_held("rlimit-core-zero", "0/0");
	}
	if (atk_want("raise-hard-limit") || atk_want("prlimit-raise")) {
		/* in a child: the limit raised here must not help the next attack */
		pid_t pid = tt_fork();
		if (pid == 0) {
			struct rlimit up = { RLIM_INFINITY, RLIM_INFINITY };
			if (atk_want("raise-hard-limit"))
				ATK_REFUSED("raise-hard-limit", setrlimit(RLIMIT_CORE, &up), EPERM);
			if (atk_want("prlimit-raise"))
				ATK_REFUSED("prlimit-raise", syscall(SYS_prlimit64, 0, RLIMIT_CORE, &up, NULL), EPERM);
			atk_finish();
		}
		st = tt_wait(pid, 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			atk_escaped("raise-hard-limit", "the child %s (see above)", tt_status_str(st, b, sizeof b));
	}
	if (atk_want("core-in-victim")) {
		struct stat before, after;
		snprintf(p, sizeof p, "%s/core", V);
		if (lstat(p, &before) < 0)
			tt_fail("setup: %s: %s", p, strerror(errno));
		fflush(stdout);
		pid_t pid = tt_fork();
		if (pid == 0)
			child_crash();
		st = tt_wait(pid, 0);
		if (WIFSIGNALED(st) && WCOREDUMP(st))
			atk_escaped("core-in-victim", "the child dumped core in %s", V);
		else if (lstat(p, &after) < 0 || after.st_ino != before.st_ino ||
			 after.st_size != before.st_size)
			atk_escaped("core-in-victim", "%s was replaced", p);
		else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
			atk_held("core-in-victim", "the child died of SIGSEGV without a core");
		else
			atk_mismatch("core-in-victim", "the child %s", tt_status_str(st, b, sizeof b));
	}
	atk_finish();
}
