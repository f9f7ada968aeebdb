/*
 * lim-mem N MIB HOLD [TOKEN]: N worker processes each touch MIB MiB at the same time
 * (--memory is summed over the tree: the total N*MIB is what counts, not any one process).
 *
 * The coordinator forks N workers.  Each worker maps MIB MiB, writes every page, reports
 * 'r' on the ready pipe and waits for the coordinator's go (EOF on the go pipe): so all N
 * buffers are resident together.  After go each worker keeps re-writing its pages until it
 * has used HOLD seconds of its own CPU (e.g. 0.15): a fixed amount of work during which
 * the whole sum stays resident, long enough for a sampling supervisor (the no-cgroup
 * fallback samples every 10-50 ms) to see it; no sleeping.  Then every worker exits 0 and
 * so does the coordinator.
 *
 * A worker killed (the kernel's OOM killer in the run's memory cgroup) is noticed through
 * its pidfd; the coordinator then blocks until sysward ends the run, so that a memory limit
 * always ends as sysward's kill (status 137) and never as this program's own failure.  The
 * row's --wall-time guard ends it if sysward does not (wrong verdict: the check fails).
 *
 * stdout: `cgroup ...` lines, `knob FILE VALUE` for the memory limits of its group (v1
 * memory.limit_in_bytes, memory.memsw.limit_in_bytes; v2 memory.max, memory.swap.max: those
 * that exist), then `touched N` once every buffer is resident, `done`.
 */
#include "lim.h"

static void worker(size_t bytes, double hold, int ready_w, int go_r)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char c;
	if (p == MAP_FAILED)
		tt_fail("mmap %zu: %s", bytes, strerror(errno));
	for (size_t i = 0; i < bytes; i += (size_t)page)
		p[i] = 1;
	tt_write_all(ready_w, "r", 1);
	close(ready_w);
	for (;;) {
		ssize_t n = read(go_r, &c, 1);
		if (n == 0)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		tt_fail("go pipe: read returned %zd", n);
	}
	double end = lim_clock(CLOCK_PROCESS_CPUTIME_ID) + hold;
	for (int round = 2; lim_clock(CLOCK_PROCESS_CPUTIME_ID) < end; round++)
		for (size_t i = 0; i < bytes; i += (size_t)page)
			p[i] = (char)round;
	_exit(0);
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 4)
		tt_fail("usage: lim-mem N MIB HOLD-CPU-SECONDS [TOKEN]");
	int n = atoi(argv[1]);
	size_t bytes = (size_t)atol(argv[2]) << 20;
	double hold = lim_secs(argv[3]);
	if (n < 1 || n > 64 || !bytes)
		tt_fail("bad arguments");
	lim_report_cgroups();
	lim_report_knob("memory", "memory.limit_in_bytes");
	lim_report_knob("memory", "memory.memsw.limit_in_bytes");
	lim_report_knob(NULL, "memory.max");
	lim_report_knob(NULL, "memory.swap.max");

	int ready[2], go[2], pidfd[64];
	pid_t pid[64];
	tt_pipe(ready);
	tt_pipe(go);
	for (int i = 0; i < n; i++) {
		pid[i] = tt_fork();
		if (pid[i] == 0) {
			close(ready[0]);
			close(go[1]);
			worker(bytes, hold, ready[1], go[0]);
		}
		pidfd[i] = lim_pidfd_open(pid[i]);
		if (pidfd[i] < 0)
			tt_fail("pidfd_open: %s", strerror(errno));
	}
	close(ready[1]);
	close(go[0]);

	/* wait for n 'r' bytes, or a worker's death */
	struct pollfd pf[65];
	int got = 0;
	pf[0] = (struct pollfd){.fd = ready[0], .events = POLLIN};
	for (int i = 0; i < n; i++)
		pf[i + 1] = (struct pollfd){.fd = pidfd[i], .events = POLLIN};
	while (got < n) {
		int r = poll(pf, (nfds_t)n + 1, -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			tt_fail("poll: %s", strerror(errno));
		for (int i = 1; i <= n; i++)
			if (pf[i].revents) {
				char b[64];
				int st = tt_wait(pid[i - 1], 0);
				tt_note("worker %d died before all were resident: %s", pid[i - 1],
					tt_status_str(st, b, sizeof b));
				lim_block_forever("a worker died");
			}
		if (pf[0].revents) {
			char buf[64];
			ssize_t k = read(ready[0], buf, sizeof buf);
			if (k <= 0)
				tt_fail("ready pipe: read returned %zd", k);
			got += (int)k;
		}
	}
	lim_say("touched %d", n);
	close(go[1]); /* go */

	for (int i = 0; i < n; i++) {
		char b[64];
		int st = tt_wait(pid[i], 0);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			tt_note("worker %d: %s", pid[i], tt_status_str(st, b, sizeof b));
			if (WIFSIGNALED(st))
				lim_block_forever("a worker was killed");
			tt_fail("worker %d failed", pid[i]);
		}
	}
	lim_say("done");
	return 0;
}
