/* cli: one option table drives parsing and --help; limits share settings.c with the policy. */
#include "supervisor/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/util.h"

#ifndef SYSWARD_VERSION
#define SYSWARD_VERSION "0.1.0"
#endif

enum opt_id {
	O_POLICY = 'p', O_AUDIT = 'a', O_RESULT = 'r', O_CHDIR = 'C', O_OUT = 'o', O_HELP = 'h',
	O_PROFILE = 256, O_MODE, O_BACKTRACE, O_ENV, O_CLEAR_ENV, O_NO_BACKSTOPS, O_NET, O_STATS,
	O_VERSION, O_SOCKET, O_POLICY_DIR, O_MAX_PARALLEL, O_SHUTDOWN,
	O_LIMIT_BASE = 512, /* O_LIMIT_BASE + enum limit_key */
};

struct opt_row {
	const char *name;
	int id;
	bool arg;
	unsigned cmds; /* bit per enum command where it is accepted */
	const char *help;
};

#define RUN_CMDS ((1u << CMD_RUN) | (1u << CMD_LEARN) | (1u << CMD_SUBMIT))
#define SERVE_CMDS (1u << CMD_SERVE)

static const struct opt_row opt_table[] = {
	{ "policy", O_POLICY, true, RUN_CMDS, "FILE  policy file (repeatable)" },
	{ "profile", O_PROFILE, true, RUN_CMDS, "NAME  built-in policy: default, audit" },
	{ "mode", O_MODE, true, RUN_CMDS, "enforce|audit  audit: deny nothing, log every decision" },
	{ "audit", O_AUDIT, true, RUN_CMDS, "FILE  audit trail as JSON Lines (- for stderr)" },
	{ "result", O_RESULT, true, RUN_CMDS, "FILE  result record (JSON)" },
	{ "cpu-time", O_LIMIT_BASE + LIM_CPU_TIME, true, RUN_CMDS, "SEC  CPU time of the whole tree" },
	{ "wall-time", O_LIMIT_BASE + LIM_WALL_TIME, true, RUN_CMDS, "SEC  wall-clock limit" },
	{ "memory", O_LIMIT_BASE + LIM_MEMORY, true, RUN_CMDS, "BYTES  memory of the tree, no swap" },
	{ "pids", O_LIMIT_BASE + LIM_PIDS, true, RUN_CMDS, "N  processes+threads alive at once" },
	{ "cpus", O_LIMIT_BASE + LIM_CPUS, true, RUN_CMDS, "LIST  CPUs the tree may use" },
	{ "fsize", O_LIMIT_BASE + LIM_FSIZE, true, RUN_CMDS, "BYTES  largest file written" },
	{ "scratch", O_LIMIT_BASE + LIM_SCRATCH, true, RUN_CMDS, "SIZE  private size-limited workdir" },
	{ "nofile", O_LIMIT_BASE + LIM_NOFILE, true, RUN_CMDS, "N  open files per process" },
	{ "backtrace", O_BACKTRACE, true, RUN_CMDS, "LIST  syscalls to backtrace, or 'denied'" },
	{ "chdir", O_CHDIR, true, RUN_CMDS, "DIR  working directory of the program" },
	{ "env", O_ENV, true, RUN_CMDS, "NAME=VALUE  set in the program's environment" },
	{ "clear-env", O_CLEAR_ENV, false, RUN_CMDS, "  start from an empty environment" },
	{ "no-backstops", O_NO_BACKSTOPS, false, RUN_CMDS, "  tracer checks only (no Landlock, namespaces)" },
	{ "net", O_NET, true, RUN_CMDS, "host|loopback|none  network namespace backstop" },
	{ "stats", O_STATS, false, RUN_CMDS, "  per-syscall counts and trap time at the end" },
	{ "output", O_OUT, true, 1u << CMD_LEARN, "FILE  (learn) policy to write" },
	{ "socket", O_SOCKET, true, SERVE_CMDS | (1u << CMD_SUBMIT), "PATH  (serve, submit) the server's socket" },
	{ "policy-dir", O_POLICY_DIR, true, SERVE_CMDS, "DIR  (serve) policies requests may name" },
	{ "max-parallel", O_MAX_PARALLEL, true, SERVE_CMDS, "N  (serve) runs at once (default: CPUs)" },
	{ "shutdown", O_SHUTDOWN, true, SERVE_CMDS, "kill|finish  (serve) running jobs at SIGTERM" },
	{ "help", O_HELP, false, ~0u, "  this help" },
	{ "version", O_VERSION, false, ~0u, "  print the version" },
};

void cli_usage(FILE *out)
{
	fprintf(out,
		"usage: sysward run [OPTIONS] -- PROGRAM [ARGS...]\n"
		"       sysward check-policy FILE...\n"
		"       sysward report [--json] [--html OUT] [--diff OTHER.jsonl] AUDIT.jsonl\n"
		"       sysward learn -o POLICY [RUN OPTIONS] -- PROGRAM [ARGS...]\n"
		"       sysward serve --socket PATH [--policy-dir DIR] [--max-parallel N]\n"
		"       sysward submit --socket PATH [RUN OPTIONS] -- PROGRAM [ARGS...]\n"
		"       sysward --version | --help\n\nrun options:\n");
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
		const struct opt_row *r = &opt_table[i];
		char shortopt[8] = "    ";
		if (r->id < 256)
			snprintf(shortopt, sizeof(shortopt), "-%c, ", r->id);
		fprintf(out, "  %s--%s %s\n", shortopt, r->name, r->help);
	}
}


static const struct opt_row *row_by_id(int id)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (opt_table[i].id == id)
			return &opt_table[i];
	return NULL;
}

static int take_option(struct options *o, const struct opt_row *r, const char *arg, char *err,
		       size_t errsz)
{
	const char *why = NULL;

	switch (r->id) {
	case O_POLICY:
		if (o->n_policy >= CLI_MAX_LIST)
			return fail_with(err, errsz, "--policy: at most %d files", CLI_MAX_LIST);
		o->policy_files[o->n_policy++] = arg;
		return 0;
	case O_PROFILE:
		o->profile = arg;
		return 0;
	case O_MODE:
		if (strcmp(arg, "enforce") == 0)
			o->cli.mode = MODE_ENFORCE;
		else if (strcmp(arg, "audit") == 0)
			o->cli.mode = MODE_AUDIT;
		else
			return fail_with(err, errsz, "--mode: '%s' is not enforce or audit", arg);
		return 0;
	case O_AUDIT:
		o->audit_path = arg;
		return 0;
	case O_RESULT:
		o->result_path = arg;
		return 0;
	case O_BACKTRACE:
		if (settings_set_backtrace(&o->cli, arg, &why) < 0)
			return fail_with(err, errsz, "--backtrace: %s", why ? why : "bad list");
		return 0;
	case O_CHDIR:
		o->chdir = arg;
		return 0;
	case O_ENV:
		if (!strchr(arg, '=') || arg[0] == '=')
			return fail_with(err, errsz, "--env: '%s' is not NAME=VALUE", arg);
		if (o->n_env >= CLI_MAX_LIST)
			return fail_with(err, errsz, "--env: at most %d variables", CLI_MAX_LIST);
		o->env[o->n_env++] = arg;
		return 0;
	case O_CLEAR_ENV:
		o->clear_env = true;
		return 0;
	case O_NO_BACKSTOPS:
		o->no_backstops = true;
		return 0;
	case O_STATS:
		o->stats = true;
		return 0;
	case O_NET:
		if (strcmp(arg, "host") == 0)
			o->net = NET_HOST;
		else if (strcmp(arg, "none") == 0)
			o->net = NET_NONE;
		else if (strcmp(arg, "loopback") == 0)
			o->net = NET_LOOPBACK;
		else
			return fail_with(err, errsz, "--net: '%s' is not host, loopback or none", arg);
		return 0;
	case O_OUT:
		o->learn_out = arg;
		return 0;
	case O_SOCKET:
		o->socket_path = arg;
		return 0;
	case O_POLICY_DIR:
		o->policy_dir = arg;
		return 0;
	case O_MAX_PARALLEL:
		if (parse_long(arg, &o->max_parallel) < 0 || o->max_parallel < 1 ||
		    o->max_parallel > 4096)
			return fail_with(err, errsz, "--max-parallel: '%s' is not a number from 1 to 4096",
				    arg);
		return 0;
	case O_SHUTDOWN:
		if (strcmp(arg, "kill") == 0)
			o->shutdown_finish = false;
		else if (strcmp(arg, "finish") == 0)
			o->shutdown_finish = true;
		else
			return fail_with(err, errsz, "--shutdown: '%s' is not kill or finish", arg);
		return 0;
	case O_HELP:
		o->cmd = CMD_HELP;
		return 0;
	case O_VERSION:
		o->cmd = CMD_VERSION;
		return 0;
	}
	if (r->id >= O_LIMIT_BASE && r->id < O_LIMIT_BASE + LIM__COUNT) {
		if (settings_set_limit(&o->cli, (enum limit_key)(r->id - O_LIMIT_BASE), arg, &why) < 0)
			return fail_with(err, errsz, "--%s: '%s': %s", r->name, arg, why ? why : "bad value");
		return 0;
	}
	return fail_with(err, errsz, "internal: option --%s has no handler", r->name);
}

static int parse_options(int argc, char **argv, struct options *o, unsigned cmdbit, char *err,
			 size_t errsz)
{
	struct option longopts[ARRAY_SIZE(opt_table) + 1];
	char shortopts[64] = "+:";
	size_t n = 0;
	int c;

	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++) {
		const struct opt_row *r = &opt_table[i];
		longopts[n++] = (struct option){ r->name, r->arg ? required_argument : no_argument,
						 NULL, r->id };
		if (r->id < 256 && (r->cmds & cmdbit)) {
			size_t l = strlen(shortopts);
			shortopts[l] = (char)r->id;
			shortopts[l + 1] = r->arg ? ':' : '\0';
			shortopts[l + 2] = '\0';
		}
	}
	longopts[n] = (struct option){ 0 };

	opterr = 0;
	optind = 1;
	int li = -1;

	while ((c = getopt_long(argc, argv, shortopts, longopts, &li)) != -1) {
		const char *given = argv[optind - 1];
		const struct opt_row *r;
		char named[64];

		/* the option as written: argv[optind - 1] is its value when one was taken */
		if (li >= 0 && c != '?' && c != ':')
			snprintf(named, sizeof(named), "--%s", longopts[li].name);
		else if (c > 0 && c < 256 && c != '?' && c != ':')
			snprintf(named, sizeof(named), "-%c", c);
		else
			snprintf(named, sizeof(named), "%s", given);
		li = -1;

		if (c == '?') {
			if (optopt && optopt < 256)
				return fail_with(err, errsz, "unknown option '-%c'", optopt);
			return fail_with(err, errsz, "unknown option '%s'", given);
		}
		if (c == ':') {
			if (optopt && optopt < 256 && given[1] != '-')
				return fail_with(err, errsz, "option '-%c' needs a value", optopt);
			return fail_with(err, errsz, "option '%s' needs a value", given);
		}
		r = row_by_id(c);
		if (!r || !(r->cmds & cmdbit))
			return fail_with(err, errsz, "option '%s' does not apply to this command", named);
		if (take_option(o, r, optarg, err, errsz) < 0)
			return -EINVAL;
		if (o->cmd == CMD_HELP || o->cmd == CMD_VERSION)
			return 0;
	}
	o->argv = argv + optind;
	o->argc = argc - optind;
	return 0;
}

int cli_parse(int argc, char **argv, struct options *o, char *err, size_t errsz)
{
	const char *sub;

	memset(o, 0, sizeof(*o));
	err[0] = '\0';
	if (argc < 2)
		return fail_with(err, errsz, "no command given (try 'sysward --help')");
	sub = argv[1];
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
		o->cmd = CMD_HELP;
		return 0;
	}
	if (strcmp(sub, "--version") == 0 || strcmp(sub, "version") == 0) {
		o->cmd = CMD_VERSION;
		return 0;
	}
	if (strcmp(sub, "check-policy") == 0) {
		o->cmd = CMD_CHECK_POLICY;
		o->argv = argv + 2;
		o->argc = argc - 2;
		if (o->argc < 1)
			return fail_with(err, errsz, "check-policy: no policy file given");
		return 0;
	}
	if (strcmp(sub, "report") == 0) {
		/* report has its own parser (tools/report.c); hand it everything */
		o->cmd = CMD_REPORT;
		o->argv = argv + 1;
		o->argc = argc - 1;
		return 0;
	}
	if (strcmp(sub, "run") == 0)
		o->cmd = CMD_RUN;
	else if (strcmp(sub, "learn") == 0)
		o->cmd = CMD_LEARN;
	else if (strcmp(sub, "serve") == 0)
		o->cmd = CMD_SERVE;
	else if (strcmp(sub, "submit") == 0)
		o->cmd = CMD_SUBMIT;
	else
		return fail_with(err, errsz, "unknown command '%s' (try 'sysward --help')", sub);

	if (parse_options(argc - 1, argv + 1, o, 1u << o->cmd, err, errsz) < 0)
		return -EINVAL;
	if (o->cmd == CMD_HELP || o->cmd == CMD_VERSION)
		return 0;
	if ((o->cmd == CMD_SERVE || o->cmd == CMD_SUBMIT) && !o->socket_path)
		return fail_with(err, errsz, "%s: --socket PATH is required", sub);
	if (o->cmd == CMD_SERVE) {
		if (o->argc > 0)
			return fail_with(err, errsz, "serve: unexpected operand '%s'", o->argv[0]);
		return 0;
	}
	if (o->argc < 1)
		return fail_with(err, errsz, "%s: no program given (usage: sysward %s [OPTIONS] -- PROGRAM [ARGS...])",
			    sub, sub);
	if (o->cmd == CMD_LEARN && !o->learn_out)
		return fail_with(err, errsz, "learn: -o POLICY is required");
	return 0;
}

const char *sysward_version(void)
{
	return SYSWARD_VERSION;
}
