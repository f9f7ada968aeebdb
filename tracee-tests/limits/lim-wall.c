/*
 * lim-wall: block in read() on a pipe nobody writes (this process keeps the write end, so
 * there is no EOF either).  It uses (almost) no CPU: only a wall-clock limit can end it.
 *
 * stdout: `cgroup ...` lines, `blocking`.  Returning from read() is a failure (exit 1).
 */
#include "lim.h"

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	lim_report_cgroups();
	lim_say("blocking");
	lim_block_forever(NULL);
}
