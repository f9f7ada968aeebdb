/*
 * lim-scratch NFILES KIB CODE [TOKEN]: in the working directory (under --scratch, the private
 * scratch directory), write NFILES files f0000... of KIB KiB each: many small files, each far
 * below any per-file limit, that together fill the space.  A failed create or write (ENOSPC,
 * EFBIG, EDQUOT: the scratch is full) is counted and the program goes on, like a careless
 * program; at the end it exits CODE if any write failed, else 0.  So the run's exit status
 * does not tell that the space ran out: the verdict must (`output-limit`, whatever the exit
 * status).
 *
 * It fails itself (exit 1) if the working directory is not empty at start (--scratch promises
 * a new, empty directory).
 *
 * stdout: `cwd PATH` (the scratch directory, so the check can assert it is removed),
 * `cgroup ...` lines, at the end `written N failed M`.
 */
#include "lim.h"

#include <dirent.h>

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc < 4)
		tt_fail("usage: lim-scratch NFILES KIB CODE [TOKEN]");
	int nfiles = atoi(argv[1]);
	size_t size = (size_t)atol(argv[2]) << 10;
	int code = atoi(argv[3]);
	char cwd[4096], name[32];
	static char buf[1 << 20];
	int written = 0, failed = 0;

	if (nfiles < 1 || nfiles > 100000 || size > (1ul << 30))
		tt_fail("bad arguments");
	if (!getcwd(cwd, sizeof cwd))
		tt_fail("getcwd: %s", strerror(errno));
	lim_say("cwd %s", cwd);
	lim_report_cgroups();

	DIR *d = opendir(".");
	struct dirent *de;
	if (!d)
		tt_fail("opendir .: %s", strerror(errno));
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			tt_fail("the working directory %s is not empty: %s", cwd, de->d_name);
	closedir(d);

	memset(buf, 's', sizeof buf);
	for (int i = 0; i < nfiles; i++) {
		snprintf(name, sizeof name, "f%04d", i);
		int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			failed++;
			continue;
		}
		size_t off = 0;
		while (off < size) {
			size_t want = size - off < sizeof buf ? size - off : sizeof buf;
			ssize_t n = write(fd, buf, want);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		if (close(fd) < 0 || off < size)
			failed++;
		else
			written++;
	}
	lim_say("written %d failed %d", written, failed);
	return failed ? code : 0;
}
