/*
 * exitwith: end in a chosen way, for the rows that test sysward's exit-status rules
 * (INTERFACE: the program's exit status; 128+N when it died by signal N).
 *
 *   exitwith N        exit(N)
 *   exitwith segv     raise(SIGSEGV) with the default action and RLIMIT_CORE 0
 *   exitwith kill     kill(getpid(), SIGKILL)
 *   exitwith term     kill(getpid(), SIGTERM) with the default action
 *   exitwith abort    abort()
 *
 * The verdict here is sysward's exit status and result record, checked by the harness and
 * checks/verdict.py; reaching the end of main is the failure.
 */
#include "tt.h"

#include <sys/resource.h>

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc != 2)
		tt_fail("usage: exitwith N|segv|kill|term|abort");
	const char *how = argv[1];
	if (strcmp(how, "segv") == 0) {
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
	} else if (strcmp(how, "kill") == 0) {
		kill(getpid(), SIGKILL);
	} else if (strcmp(how, "term") == 0) {
		signal(SIGTERM, SIG_DFL);
		kill(getpid(), SIGTERM);
	} else if (strcmp(how, "abort") == 0) {
		struct rlimit rl = {0, 0};
		setrlimit(RLIMIT_CORE, &rl);
		abort();
	} else {
		char *end;
		long n = strtol(how, &end, 10);
		if (*end || n < 0 || n > 255)
			tt_fail("bad exit status %s", how);
		exit((int)n);
	}
	tt_fail("still alive after %s", how);
}
