/*
 * abi-foreign: system calls through a foreign ABI from a 64-bit process must kill the
 * process (INTERFACE, built-in refusals; THREATS A).  i386 `int $0x80` uses the i386 table
 * (5 is open there, fstat on x86-64); x32 sets bit 30 of the number with the x86-64 arch.
 *
 *   abi-foreign i386     int $0x80: getpid (20), open (5) of a path in a MAP_32BIT page
 *   abi-foreign x32      syscall with __X32_SYSCALL_BIT: getpid (39), open (2), and the
 *                        x32-only rt_sigaction (512)
 *
 * Each call is made in a fresh child; the parent passes only if every child was killed by
 * a signal without returning from the call (a child that returns exits 42 and reports the
 * result on stderr).  Killed children are listed in killed.txt for checks/abi_kill.py.
 * Natively (no sysward) the i386 calls work and x32 returns ENOSYS on most kernels, so the
 * test fails there, as it should.
 */
#include "tt.h"

#include <sys/mman.h>

#define X32_BIT 0x40000000L

static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static long sys64(long nr, long a, long b, long c)
{
	long ret;
	register long r10 __asm__("r10") = 0;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "memory", "rcx", "r11");
	return ret;
}

static char *low_path; /* "/etc/hostname" in a page below 4 GiB, for i386 pointers */

static void try_call(const char *what, int abi, long nr, long a, long b, long c)
{
	pid_t pid = tt_fork();
	if (pid == 0) {
		long r = abi == 32 ? int80(nr, a, b, c) : sys64(nr, a, b, c);
		tt_note("%s returned %ld: the call was not refused", what, r);
		_exit(42);
	}
	char sb[64];
	int st = tt_wait(pid, 0);
	if (!WIFSIGNALED(st))
		tt_fail("%s: want the process killed, got %s", what, tt_status_str(st, sb, sizeof sb));
	tt_note("%s: child %d %s", what, (int)pid, tt_status_str(st, sb, sizeof sb));
	tt_record("killed.txt", "%d %d", (int)pid, WTERMSIG(st));
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc != 2)
		tt_fail("usage: abi-foreign i386|x32");
	tt_watchdog(30, "children making foreign-ABI calls");
	low_path = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			-1, 0);
	TT_CHECK(low_path != MAP_FAILED, "mmap MAP_32BIT: %s", strerror(errno));
	strcpy(low_path, "/etc/hostname");

	if (strcmp(argv[1], "i386") == 0) {
		try_call("int $0x80 getpid (i386 20)", 32, 20, 0, 0, 0);
		try_call("int $0x80 open (i386 5)", 32, 5, (long)low_path, O_RDONLY, 0);
	} else if (strcmp(argv[1], "x32") == 0) {
		try_call("x32 getpid (39|bit30)", 64, X32_BIT | 39, 0, 0, 0);
		try_call("x32 open (2|bit30)", 64, X32_BIT | 2, (long)low_path, O_RDONLY, 0);
		try_call("x32 rt_sigaction (512|bit30)", 64, X32_BIT | 512, SIGUSR2, 0, 0);
	} else {
		tt_fail("unknown ABI %s", argv[1]);
	}
	return TT_PASS;
}
