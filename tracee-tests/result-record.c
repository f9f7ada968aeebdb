/*
 * result-record: a known amount of work, for checks/result_record.py to compare with the
 * result record: 3 children and the parent each burn about 0.07 s of user CPU (so the
 * tree's cpu_time_s is >= 0.15 only if the children's time is counted), processes == 4,
 * nothing denied, exit 0.
 *
 * CPU is burnt in a pure loop, checking the process CPU clock only every few million
 * iterations, so that the trail stays small.
 */
#include "tt.h"

#include <time.h>

#define BURN_S 0.07

static volatile unsigned long sink;

static double cpu_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0)
		tt_fail("clock_gettime: %s", strerror(errno));
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void burn(double seconds)
{
	double start = cpu_now();
	unsigned long x = 88172645463325252UL;
	do {
		for (int i = 0; i < 2000000; i++) { /* xorshift: not optimised away */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
		sink += x;
	} while (cpu_now() - start < seconds);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	tt_watchdog(30, "the CPU burn");
	pid_t kids[3];
	for (int i = 0; i < 3; i++) {
		kids[i] = tt_fork();
		if (kids[i] == 0) {
			burn(BURN_S);
			_exit(20 + i);
		}
	}
	burn(BURN_S);
	for (int i = 0; i < 3; i++)
		tt_wait_exit(kids[i], 0, 20 + i, "burning child");
	return TT_PASS;
}
