/*
 * dumpable: blind the tracer, then try again (THREATS B "fail closed", C "blinding").
 *
 * usage: dumpable VICTIM [SUB-ATTACK...]        (--profile default -p attacks/victim.policy)
 *
 * A tracer that reads path arguments from tracee memory must deny when it cannot read them.
 *   prctl-dumpable        prctl(PR_SET_DUMPABLE, 0), also with bits above 32 in the option,
 *                         must fail with EPERM (the filter refuses it)
 *   setuid-nondumpable    a child drops to uid/gid 65534: the kernel marks its mm
 *                         non-dumpable (PR_GET_DUMPABLE 0), so ptrace-style access to it now
 *                         needs CAP_SYS_PTRACE.  VICTIM/secret-world (mode 0644: the kernel
 *                         lets uid 65534 read it; the policy does not) must stay unreadable
 *                         to open, openat2, stat and a name in an unreadable page, while an
 *                         allowed read (/etc/hostname) still works: the tracer can still read
 *                         our memory, or else it fails closed.
 */
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include "atk.h"

static const char *V;

static void nondumpable_child(void)
{
	char secret[4200];
	struct stat st;
	int fd;

	if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
		tt_skip("setresuid(65534): %s", strerror(errno));
	if (prctl(PR_GET_DUMPABLE) != 0)
		tt_note("still dumpable after setresuid (suid_dumpable?): the attack is weaker");
	snprintf(secret, sizeof secret, "%s/secret-world", V);

	/* the tracer must still see our names (or refuse): the allowed read works */
	fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		atk_mismatch("nondumpable-control", "an allowed open failed: %s", strerrorname_np(errno));
	else
		close(fd);

	fd = open(secret, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		atk_escaped("nondumpable-open", "opened %s", secret);
		atk_read_scan("nondumpable-open", fd);
		close(fd);
	} else {
		atk_refused("nondumpable-open", -1, errno, EACCES);
	}
	{
		struct open_how how = { .flags = O_RDONLY };
		fd = (int)syscall(SYS_openat2, AT_FDCWD, secret, &how, sizeof how);
		if (fd >= 0) {
			atk_escaped("nondumpable-openat2", "opened %s", secret);
			atk_read_scan("nondumpable-openat2", fd);
			close(fd);
		} else {
			atk_refused("nondumpable-openat2", -1, errno, EACCES);
		}
	}
	ATK_REFUSED("nondumpable-stat", stat(secret, &st), EACCES);
	/* a name the tracer cannot read at all (PROT_NONE): must be refused, never allowed */
	{
		char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (page == MAP_FAILED)
			tt_fail("mmap: %s", strerror(errno));
		/* the name runs from the end of a readable page into an unreadable one */
		size_t len = strlen(secret);
		char *name = page + 4096 - len;
		memcpy(name, secret, len);
		mprotect(page + 4096, 4096, PROT_NONE);
		fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			atk_escaped("nondumpable-unterminated", "opened a name with no NUL in reach");
			close(fd);
		} else {
			atk_refused("nondumpable-unterminated", -1, errno, EFAULT);
		}
	}
	atk_finish();
}

int main(int argc, char **argv)
{
	int st;
	char b[64];

	tt_init(argc, argv);
	V = atk_victim_dir(argc, argv);
	atk_select(argc, argv, 2);
	atk_controls();
	tt_watchdog(20, "dumpable");

	ATK_REFUSED("prctl-dumpable", prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), EPERM);
	ATK_REFUSED("prctl-dumpable-64bit",
		    syscall(SYS_prctl, (1UL << 32) | PR_SET_DUMPABLE, 0, 0, 0, 0), EPERM);
	if (prctl(PR_GET_DUMPABLE) != 1)
		atk_escaped("prctl-dumpable", "the process is no longer dumpable");
	{
		char secret[4200];
		struct stat s;
		snprintf(secret, sizeof secret, "%s/secret-world", V);
		ATK_REFUSED("after-prctl-stat", stat(secret, &s), EACCES);
	}
	if (atk_want("setuid-nondumpable")) {
		/* the child, no longer root, must still be able to leave its ./ESCAPES lines */
		if (chmod(".", 0777) < 0 || (close(open("ESCAPES", O_WRONLY | O_CREAT | O_CLOEXEC, 0666)),
					     chmod("ESCAPES", 0666)) < 0)
			tt_fail("control failed: chmod of the working directory: %s", strerror(errno));
		fflush(stdout);
		pid_t pid = tt_fork();
		if (pid == 0)
			nondumpable_child();
		st = tt_wait(pid, 0);
		if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && WEXITSTATUS(st) != 77))
			atk_escaped("setuid-nondumpable", "the child %s (its lines above say why)",
				    tt_status_str(st, b, sizeof b));
		else
			atk_held("setuid-nondumpable", "the child %s", tt_status_str(st, b, sizeof b));
	}
	atk_finish();
}
