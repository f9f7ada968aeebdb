/* Unit tests for supervisor/cli: options, limits through the shared settings table, errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/cli.h"

static int parse(struct options *o, char *err, int argc, ...)
{
	static char *argv[32]; /* o->argv points into it after the call */
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	argv[argc] = NULL;
	va_end(ap);
	return cli_parse(argc, argv, o, err, 256);
}

static void test_run_basic(void **state)
{
	struct options o;
	char err[256];
	(void)state;
	assert_int_equal(parse(&o, err, 9, "sysward", "run", "-p", "a.policy", "--policy", "b.policy",
			       "--", "prog", "-x"), 0);
	assert_int_equal(o.cmd, CMD_RUN);
	assert_int_equal(o.n_policy, 2);
	assert_string_equal(o.policy_files[1], "b.policy");
	assert_int_equal(o.argc, 2);
	assert_string_equal(o.argv[0], "prog");
	assert_string_equal(o.argv[1], "-x"); /* after --: the program's */
}

static void test_limits(void **state)
{
	struct options o;
	char err[256];
	(void)state;
	assert_int_equal(parse(&o, err, 12, "sysward", "run", "--memory", "256M", "--cpu-time",
			       "1.5", "--pids", "10", "--cpus", "0", "--", "p"), 0);
	assert_true(o.cli.set[LIM_MEMORY]);
	assert_int_equal(o.cli.memory, 256ull << 20);
	assert_true(o.cli.cpu_time > 1.49 && o.cli.cpu_time < 1.51);
	assert_int_equal(o.cli.pids, 10);
	assert_string_equal(o.cli.cpus, "0");
}

static void test_errors_name_the_option(void **state)
{
	struct options o;
	char err[256];
	(void)state;
	assert_int_equal(parse(&o, err, 5, "sysward", "run", "--no-such-option", "--", "p"), -EINVAL);
	assert_non_null(strstr(err, "--no-such-option"));
	assert_int_equal(parse(&o, err, 6, "sysward", "run", "--memory", "lots", "--", "p"), -EINVAL);
	assert_non_null(strstr(err, "--memory"));
	assert_int_equal(parse(&o, err, 6, "sysward", "run", "--mode", "strict", "--", "p"), -EINVAL);
	assert_non_null(strstr(err, "--mode"));
	assert_int_equal(parse(&o, err, 3, "sysward", "run", "--cpu-time"), -EINVAL);
	assert_non_null(strstr(err, "--cpu-time"));
	assert_int_equal(parse(&o, err, 2, "sysward", "run"), -EINVAL);
	assert_non_null(strstr(err, "no program"));
	assert_int_equal(parse(&o, err, 2, "sysward", "frobnicate"), -EINVAL);
	assert_non_null(strstr(err, "frobnicate"));
	assert_int_equal(parse(&o, err, 5, "sysward", "run", "--env", "NOEQUALS", "p"), -EINVAL);
	assert_non_null(strstr(err, "--env"));
}

static void test_other_commands(void **state)
{
	struct options o;
	char err[256];
	(void)state;
	assert_int_equal(parse(&o, err, 2, "sysward", "--version"), 0);
	assert_int_equal(o.cmd, CMD_VERSION);
	assert_int_equal(parse(&o, err, 3, "sysward", "check-policy", "x.policy"), 0);
	assert_int_equal(o.cmd, CMD_CHECK_POLICY);
	assert_int_equal(o.argc, 1);
	assert_int_equal(parse(&o, err, 4, "sysward", "report", "--json", "t.jsonl"), 0);
	assert_int_equal(o.cmd, CMD_REPORT);
	assert_string_equal(o.argv[0], "report");
	assert_int_equal(parse(&o, err, 4, "sysward", "learn", "--", "p"), -EINVAL);
	assert_non_null(strstr(err, "-o"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_basic),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_errors_name_the_option),
		cmocka_unit_test(test_other_commands),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
