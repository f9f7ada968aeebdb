/*
 * lim-write MAXMIB: append 64 KiB chunks to ./out.bin "endlessly": until MAXMIB MiB, a cap
 * that only keeps the disk safe if --fsize does not hold.  Under --fsize the kernel's
 * RLIMIT_FSIZE stops it: the write that reaches the limit is cut short, the next one raises
 * SIGXFSZ, whose default action kills the program (verdict output-limit).  Reaching the cap
 * prints `wrote N` and exits 0.  A write error other than SIGXFSZ is a failure (exit 1).
 * RLIMIT_CORE is set to 0 here so that the SIGXFSZ death leaves no core file.
 *
 * stdout: `cgroup ...` lines; `wrote N` (bytes) when the cap was reached.
 */
#include "lim.h"

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 2)
		tt_fail("usage: lim-write MAXMIB [TOKEN]");
	long long cap = atoll(argv[1]) << 20;
	struct rlimit nocore = {0, 0};
	static char chunk[64 << 10];
	long long total = 0;

	if (cap <= 0 || cap > (1ll << 30))
		tt_fail("MAXMIB must be 1..1024");
	setrlimit(RLIMIT_CORE, &nocore);
	lim_report_cgroups();
	memset(chunk, 'x', sizeof chunk);
	int fd = open("out.bin", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		tt_fail("open out.bin: %s", strerror(errno));
	while (total < cap) {
		ssize_t n = write(fd, chunk, sizeof chunk);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			tt_fail("write at %lld: %s", total, n < 0 ? strerror(errno) : "wrote 0");
		total += n;
	}
	close(fd);
	lim_say("wrote %lld", total);
	return 0;
}
