/* cli: the command line, parsed once into one options struct (no globals). */
#ifndef SYSWARD_CLI_H
#define SYSWARD_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "policy/settings.h"

enum command { CMD_NONE, CMD_RUN, CMD_CHECK_POLICY, CMD_REPORT, CMD_LEARN, CMD_VERSION, CMD_HELP,
	       CMD_SERVE, CMD_SUBMIT };

enum net_mode { NET_UNSET = 0, NET_HOST, NET_NONE, NET_LOOPBACK };

#define CLI_MAX_LIST 64

struct options {
	enum command cmd;
	const char *policy_files[CLI_MAX_LIST];
	int n_policy;
	const char *profile;     /* NULL: "default" unless a policy file is given */
	struct settings cli;     /* limits, mode and backtrace given on the command line */
	const char *audit_path;  /* NULL: no trail; "-": stderr */
	const char *result_path;
	const char *chdir;
	const char *env[CLI_MAX_LIST]; /* NAME=VALUE */
	int n_env;
	bool clear_env;
	bool no_backstops;
	bool stats;              /* --stats: per-syscall counts and trap time */
	enum net_mode net;
	const char *learn_out;   /* learn -o */
	const char *socket_path; /* serve, submit: --socket */
	const char *policy_dir;  /* serve: --policy-dir */
	long max_parallel;       /* serve: --max-parallel (0: number of CPUs) */
	bool shutdown_finish;    /* serve: --shutdown finish (SIGTERM lets running jobs end) */
	char **argv;             /* run/learn: PROGRAM ARGS; check-policy/report: operands */
	int argc;
};

/* Parse argv.  0, or -EINVAL with a message naming the bad option in err. */
int cli_parse(int argc, char **argv, struct options *o, char *err, size_t errsz);
void cli_usage(FILE *out);

#endif
