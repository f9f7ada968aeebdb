/* test_settings: policy/settings.c — the one table behind `limit` lines and --limit options. */
#include <errno.h>
#include <seccomp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/settings.h"

static void test_names(void **state)
{
	static const char *const names[LIM__COUNT] = {
		"cpu-time", "wall-time", "memory", "pids", "cpus", "fsize", "nofile", "scratch",
	};
	int k;

	(void)state;
	for (k = 0; k < LIM__COUNT; k++) {
		assert_string_equal(limit_name(k), names[k]);
		assert_int_equal(limit_from_name(names[k]), k);
	}
	assert_int_equal(limit_from_name("cpu_time"), -1);
	assert_int_equal(limit_from_name(""), -1);
	assert_null(limit_name(LIM__COUNT));
}

static const struct limit_case {
	enum limit_key key;
	const char *value;
	const char *why;       /* NULL: accepted */
	const char *canonical; /* settings_format_limit of the accepted value */
} limit_cases[] = {
	{ LIM_CPU_TIME, "2", NULL, "2" },
	{ LIM_CPU_TIME, "2.5", NULL, "2.5" },
	{ LIM_CPU_TIME, "0.001", NULL, "0.001" },
	{ LIM_CPU_TIME, "0", "must be greater than 0", NULL },
	{ LIM_CPU_TIME, "-1", "expected seconds, such as 2 or 0.5", NULL },
	{ LIM_CPU_TIME, "2s", "expected seconds, such as 2 or 0.5", NULL },
	{ LIM_CPU_TIME, "", "expected seconds, such as 2 or 0.5", NULL },
	{ LIM_CPU_TIME, "nan", "expected seconds, such as 2 or 0.5", NULL },
	{ LIM_WALL_TIME, "1e9", NULL, "1e+09" },
	{ LIM_WALL_TIME, "2e9", "expected seconds, such as 2 or 0.5", NULL },
	{ LIM_MEMORY, "4096", NULL, "4K" },
	{ LIM_MEMORY, "4097", NULL, "4097" },
	{ LIM_MEMORY, "512K", NULL, "512K" },
	{ LIM_MEMORY, "512k", NULL, "512K" },
	{ LIM_MEMORY, "256M", NULL, "256M" },
	{ LIM_MEMORY, "268435456", NULL, "256M" },
	{ LIM_MEMORY, "1024M", NULL, "1G" },
	{ LIM_MEMORY, "2G", NULL, "2G" },
	{ LIM_MEMORY, "1T", NULL, "1T" },
	{ LIM_MEMORY, "1024T", NULL, "1024T" },
	{ LIM_MEMORY, "1MB", NULL, "1M" },
	{ LIM_MEMORY, "0", "must be greater than 0", NULL },
	{ LIM_MEMORY, "12Q", "expected a size in bytes, such as 4096, 512K, 256M or 2G", NULL },
	{ LIM_MEMORY, "-1", "expected a size in bytes, such as 4096, 512K, 256M or 2G", NULL },
	{ LIM_MEMORY, "1.5G", "expected a size in bytes, such as 4096, 512K, 256M or 2G", NULL },
	{ LIM_MEMORY, "", "expected a size in bytes, such as 4096, 512K, 256M or 2G", NULL },
	{ LIM_MEMORY, "99999999999T", "size too large", NULL },
	{ LIM_MEMORY, "99999999999999999999", "size too large", NULL },
	{ LIM_FSIZE, "0", NULL, "0" },
	{ LIM_FSIZE, "10M", NULL, "10M" },
	{ LIM_SCRATCH, "0", "must be greater than 0", NULL },
	{ LIM_SCRATCH, "64M", NULL, "64M" },
	{ LIM_PIDS, "1", NULL, "1" },
	{ LIM_PIDS, "100", NULL, "100" },
	{ LIM_PIDS, "0", "must be at least 1", NULL },
	{ LIM_PIDS, "-5", "expected a whole number", NULL },
	{ LIM_PIDS, "10k", "expected a whole number", NULL },
	{ LIM_PIDS, "99999999999", "number too large", NULL },
	{ LIM_PIDS, "999999999999999999999", "number too large", NULL },
	{ LIM_NOFILE, "1024", NULL, "1024" },
	{ LIM_NOFILE, "abc", "expected a whole number", NULL },
	{ LIM_CPUS, "0", NULL, "0" },
	{ LIM_CPUS, "0-3", NULL, "0-3" },
	{ LIM_CPUS, "0-3,6,8-9", NULL, "0-3,6,8-9" },
	{ LIM_CPUS, "3-1", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, "a", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, "0,", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, ",0", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, "0-", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, "1 2", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, "8192", "expected a CPU list such as 0 or 0-3,6", NULL },
	{ LIM_CPUS, "", "expected a CPU list such as 0 or 0-3,6", NULL },
};

static void test_limits(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(limit_cases) / sizeof(limit_cases[0]); i++) {
		const struct limit_case *c = &limit_cases[i];
		struct settings s, before;
		const char *why = NULL;
		char buf[128];
		int r;

		memset(&s, 0, sizeof(s));
		before = s;
		r = settings_set_limit(&s, c->key, c->value, &why);
		if (c->why) {
			if (r != -EINVAL || !why || strcmp(why, c->why) != 0)
				fail_msg("%s %s: got %d '%s', want '%s'", limit_name(c->key),
					 c->value, r, why ? why : "", c->why);
			assert_memory_equal(&s, &before, sizeof(s)); /* unchanged */
			assert_int_equal(settings_format_limit(&s, c->key, buf, sizeof(buf)),
					 -ENOENT);
			continue;
		}
		if (r != 0)
			fail_msg("%s %s: refused: %s", limit_name(c->key), c->value, why);
		assert_true(s.set[c->key]);
		assert_int_equal(settings_format_limit(&s, c->key, buf, sizeof(buf)), 0);
		if (strcmp(buf, c->canonical) != 0)
			fail_msg("%s %s: canonical '%s', want '%s'", limit_name(c->key), c->value,
				 buf, c->canonical);
		/* the canonical text parses back to the same value */
		{
			struct settings t;

			memset(&t, 0, sizeof(t));
			assert_int_equal(settings_set_limit(&t, c->key, buf, &why), 0);
			assert_memory_equal(&s, &t, sizeof(s));
		}
	}
}

static void test_values(void **state)
{
	struct settings s;
	const char *why;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(settings_set_limit(&s, LIM_MEMORY, "256M", &why), 0);
	assert_int_equal(s.memory, 256ull << 20);
	assert_int_equal(settings_set_limit(&s, LIM_MEMORY, "1T", &why), 0);
	assert_int_equal(s.memory, 1ull << 40);
	assert_int_equal(settings_set_limit(&s, LIM_CPU_TIME, "0.5", &why), 0);
	assert_true(s.cpu_time == 0.5);
	assert_int_equal(settings_set_limit(&s, LIM_WALL_TIME, "3", &why), 0);
	assert_true(s.wall_time == 3.0);
	assert_int_equal(settings_set_limit(&s, LIM_PIDS, "32", &why), 0);
	assert_int_equal(s.pids, 32);
	assert_int_equal(settings_set_limit(&s, LIM_NOFILE, "64", &why), 0);
	assert_int_equal(s.nofile, 64);
	assert_int_equal(settings_set_limit(&s, LIM_FSIZE, "1K", &why), 0);
	assert_int_equal(s.fsize, 1024);
	assert_int_equal(settings_set_limit(&s, LIM_SCRATCH, "2G", &why), 0);
	assert_int_equal(s.scratch, 2ull << 30);
	assert_int_equal(settings_set_limit(&s, LIM__COUNT, "1", &why), -EINVAL);
	assert_string_equal(why, "unknown limit");
	assert_int_equal(settings_format_limit(&s, LIM_MEMORY, (char[2]){ 0 }, 2), -ENAMETOOLONG);
}

static void test_backtrace(void **state)
{
	struct settings s, before;
	const char *why;
	char list[4096];
	size_t o = 0;
	int nr, n = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(settings_set_backtrace(&s, "denied", &why), 0);
	assert_true(s.bt_denied);
	assert_int_equal(s.n_bt, 0);
	assert_int_equal(settings_set_backtrace(&s, "execve,openat,execve", &why), 0);
	assert_int_equal(s.n_bt, 2); /* added to what was there, duplicates once */
	assert_true(s.bt_denied);
	assert_string_equal(s.bt[0], "execve");
	assert_string_equal(s.bt[1], "openat");
	assert_true(settings_wants_backtrace(&s, "openat", false));
	assert_true(settings_wants_backtrace(&s, "mkdir", true));
	assert_false(settings_wants_backtrace(&s, "mkdir", false));
	assert_false(settings_wants_backtrace(&s, NULL, false));

	before = s;
	assert_int_equal(settings_set_backtrace(&s, "mkdir,frobnicate", &why), -EINVAL);
	assert_string_equal(why, "unknown syscall");
	assert_memory_equal(&s, &before, sizeof(s)); /* all or nothing */
	assert_int_equal(settings_set_backtrace(&s, "mkdir,,rmdir", &why), -EINVAL);
	assert_string_equal(why, "empty item in list");
	assert_int_equal(settings_set_backtrace(&s, "", &why), -EINVAL);
	assert_string_equal(why, "empty list");
	assert_int_equal(settings_set_backtrace(&s, "a_syscall_name_far_too_long_to_exist_anywhere",
						&why),
			 -EINVAL);
	assert_memory_equal(&s, &before, sizeof(s));

	/* at most SETTINGS_MAX_BT names */
	memset(&s, 0, sizeof(s));
	for (nr = 0; n <= SETTINGS_MAX_BT && nr < 500; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (!name)
			continue;
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", n ? "," : "", name);
		free(name);
		n++;
	}
	assert_int_equal(n, SETTINGS_MAX_BT + 1);
	assert_int_equal(settings_set_backtrace(&s, list, &why), -EINVAL);
	assert_string_equal(why, "too many syscalls (at most 64)");
	assert_int_equal(s.n_bt, 0);
	*strrchr(list, ',') = '\0';
	assert_int_equal(settings_set_backtrace(&s, list, &why), 0);
	assert_int_equal(s.n_bt, SETTINGS_MAX_BT);
}

static void test_syscall_known(void **state)
{
	(void)state;
	assert_true(settings_syscall_known("openat"));
	assert_true(settings_syscall_known("newfstatat"));
	assert_true(settings_syscall_known("socketcall")); /* i386 only */
	assert_true(settings_syscall_known("open"));       /* not on aarch64, fine on x86_64 */
	assert_false(settings_syscall_known("frobnicate"));
	assert_false(settings_syscall_known(""));
	assert_false(settings_syscall_known(NULL));
}

/* The command line (src) wins over the policy (dst) for what it sets, and only that. */
static void test_merge(void **state)
{
	struct settings pol, cli;
	const char *why;

	(void)state;
	memset(&pol, 0, sizeof(pol));
	memset(&cli, 0, sizeof(cli));
	assert_int_equal(settings_set_limit(&pol, LIM_MEMORY, "1G", &why), 0);
	assert_int_equal(settings_set_limit(&pol, LIM_PIDS, "10", &why), 0);
	assert_int_equal(settings_set_limit(&pol, LIM_CPUS, "0-1", &why), 0);
	assert_int_equal(settings_set_backtrace(&pol, "denied,execve", &why), 0);
	pol.mode = MODE_AUDIT;
	assert_int_equal(settings_set_limit(&cli, LIM_MEMORY, "2G", &why), 0);
	assert_int_equal(settings_set_limit(&cli, LIM_CPU_TIME, "1.5", &why), 0);
	assert_int_equal(settings_set_limit(&cli, LIM_CPUS, "3", &why), 0);

	settings_merge(&pol, &cli);
	assert_int_equal(pol.memory, 2ull << 30);
	assert_int_equal(pol.pids, 10);
	assert_true(pol.set[LIM_CPU_TIME]);
	assert_true(pol.cpu_time == 1.5);
	assert_string_equal(pol.cpus, "3");
	assert_int_equal(pol.mode, MODE_AUDIT); /* cli did not set a mode */
	assert_true(pol.bt_denied);             /* nor a backtrace */
	assert_int_equal(pol.n_bt, 1);

	memset(&cli, 0, sizeof(cli));
	cli.mode = MODE_ENFORCE;
	assert_int_equal(settings_set_backtrace(&cli, "openat", &why), 0);
	settings_merge(&pol, &cli);
	assert_int_equal(pol.mode, MODE_ENFORCE);
	assert_false(pol.bt_denied); /* a backtrace request replaces the other one */
	assert_int_equal(pol.n_bt, 1);
	assert_string_equal(pol.bt[0], "openat");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),     cmocka_unit_test(test_limits),
		cmocka_unit_test(test_values),    cmocka_unit_test(test_backtrace),
		cmocka_unit_test(test_syscall_known), cmocka_unit_test(test_merge),
	};

	return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
