/* sysward: a ptrace + seccomp syscall supervisor.  main() only dispatches. */
#include <stdio.h>

#include "supervisor/cli.h"
#include "supervisor/run.h"
#include "supervisor/serve.h"
#include "supervisor/util.h"
#include "tools/learn.h"
#include "tools/report.h"

const char *sysward_version(void);

int main(int argc, char **argv)
{
	struct options o;
	char err[512];

	if (cli_parse(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "sysward: %s\n", err);
		return EXIT_SYSWARD_FAILED;
	}
	switch (o.cmd) {
	case CMD_HELP:
		cli_usage(stdout);
		return 0;
	case CMD_VERSION:
		printf("sysward %s\n", sysward_version());
		return 0;
	case CMD_CHECK_POLICY:
		return check_policy_main(&o);
	case CMD_REPORT:
		return report_main(o.argc, o.argv);
	case CMD_RUN:
		return run_main(&o);
	case CMD_SERVE:
		return serve_main(&o);
	case CMD_SUBMIT:
		return submit_main(&o);
	case CMD_LEARN:
		return learn_main(&o);
	default:
		return EXIT_SYSWARD_FAILED;
	}
}
