/*
 * lim-stats N SECS [TOKEN]: a known workload for the result record's statistics: fork N
 * children that each burn SECS seconds of their own CPU (user time: a register-only loop),
 * burn SECS in the parent too, wait for all children (each must exit 0), exit 0.  The tree
 * is N+1 processes and uses (N+1)*SECS of CPU plus start-up costs.
 *
 * stdout: `cgroup ...` lines; at the end `cpu S user U` (own account, getrusage SELF +
 * CHILDREN) and `done`.
 */
#include "lim.h"

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 3)
		tt_fail("usage: lim-stats N SECS [TOKEN]");
	int n = atoi(argv[1]);
	double secs = lim_secs(argv[2]);
	pid_t pid[64];

	if (n < 0 || n > 64 || secs > 60)
		tt_fail("bad arguments");
	lim_report_cgroups();
	for (int i = 0; i < n; i++) {
		pid[i] = tt_fork();
		if (pid[i] == 0) {
			lim_burn(secs);
			_exit(0);
		}
	}
	lim_burn(secs);
	for (int i = 0; i < n; i++)
		tt_wait_exit(pid[i], 0, 0, "burning child");
	lim_report_cpu();
	lim_say("done");
	return 0;
}
