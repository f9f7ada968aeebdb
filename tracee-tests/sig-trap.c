/*
 * sig-trap: self-sent SIGTRAPs must not flip the tracer's syscall entry/exit tracking
 * (THREATS B, "stop confusion").  A tracer that takes any SIGTRAP stop for a syscall stop
 * gets out of step: it then decodes exits as entries, logs calls twice or not at all, or
 * swallows the signal.
 *
 * Each of ROUNDS rounds sends SIGTRAP one way (raise = tgkill, kill, int3 breakpoint, or
 * blocked with sigprocmask and delivered on the return from rt_sigprocmask), checks the
 * handler ran exactly once with the right si_code, and immediately makes syscalls whose
 * results it checks: openat(AT_FDCWD, "trap-NNN", O_CREAT|O_RDWR) (raw, so the trail names
 * it openat), write/pread of the round number, getpid, getppid, and a pipe round trip.
 * checks/sig_trap.py asserts each trap-NNN openat is in the trail exactly once.
 */
#include "tt.h"

#define ROUNDS 40

static volatile sig_atomic_t traps, last_code, last_pid;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	traps++;
	last_code = si->si_code;
	last_pid = si->si_pid;
}

static void send_trap(int how)
{
	sigset_t set;
	switch (how) {
	case 0:
		TT_CHECK(raise(SIGTRAP) == 0, "raise");
		break;
	case 1:
		TT_CHECK(kill(getpid(), SIGTRAP) == 0, "kill");
		break;
	case 2:
		__asm__ volatile("int3" ::: "memory");
		break;
	case 3:
		sigemptyset(&set);
		sigaddset(&set, SIGTRAP);
		TT_CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0, "block");
		TT_CHECK(raise(SIGTRAP) == 0, "raise");
		TT_CHECK(traps == 0, "blocked SIGTRAP delivered");
		/* delivered on the way out of this very syscall */
		TT_CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0, "unblock");
		break;
	}
}

static const char *how_name[] = {"raise", "kill", "int3", "sigprocmask-unblock"};
static const int how_code[] = {SI_TKILL, SI_USER, SI_KERNEL, SI_TKILL};

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "the SIGTRAP rounds");
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	TT_CHECK(sigaction(SIGTRAP, &sa, NULL) == 0, "sigaction");

	pid_t pid0 = getpid(), ppid0 = getppid();
	int p[2];
	tt_pipe(p);

	for (int i = 0; i < ROUNDS; i++) {
		int how = i % 4;
		traps = 0;
		last_code = 0;
		send_trap(how);
		TT_CHECK(traps == 1, "round %d (%s): handler ran %d times", i, how_name[how],
			 (int)traps);
		TT_CHECK(last_code == how_code[how], "round %d (%s): si_code %d, want %d", i,
			 how_name[how], (int)last_code, how_code[how]);
		if (how != 2)
			TT_CHECK(last_pid == pid0, "round %d: si_pid %d", i, (int)last_pid);

		char name[32], buf[32], got[32] = {0};
		snprintf(name, sizeof name, "trap-%03d", i);
		long fd = syscall(SYS_openat, AT_FDCWD, name, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC,
				  0600);
		TT_CHECK(fd >= 0, "round %d: openat %s: %s", i, name, strerror(errno));
		int len = snprintf(buf, sizeof buf, "round %d", i);
		TT_CHECK(write((int)fd, buf, len) == len, "round %d: write", i);
		TT_CHECK(pread((int)fd, got, sizeof got, 0) == len, "round %d: pread", i);
		TT_CHECK(memcmp(buf, got, len) == 0, "round %d: read back '%s'", i, got);
		TT_CHECK(close((int)fd) == 0, "round %d: close", i);
		TT_CHECK(syscall(SYS_getpid) == pid0, "round %d: getpid", i);
		TT_CHECK(syscall(SYS_getppid) == ppid0, "round %d: getppid", i);
		int v = i * 7919, w = -1;
		tt_write_all(p[1], &v, sizeof v);
		tt_read_all(p[0], &w, sizeof w);
		TT_CHECK(v == w, "round %d: pipe returned %d, want %d", i, w, v);
		TT_CHECK(traps == 1, "round %d: SIGTRAP delivered again (%d)", i, (int)traps);
	}
	return TT_PASS;
}
