/* Unit tests for arch/systab: the table covers every syscall of the kernel headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "arch/arch.h"
#include "arch/systab.h"

static int setup(void **state)
{
	(void)state;
	return systab_init();
}

/* Every __NR_ of the native ABI in the installed kernel headers has a row: a syscall
 * without one is trapped and judged as unknown, which is safe but slow and unlogged. */
static void test_every_header_syscall_has_a_row(void **state)
{
	FILE *f = fopen("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "r");
	char line[256];
	int missing = 0, seen = 0;

	(void)state;
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		long nr;
		if (sscanf(line, "#define __NR_%127s %ld", name, &nr) != 2)
			continue;
		seen++;
		if (!systab_lookup(arch_native(), nr)) {
			fprintf(stderr, "no row for %s (%ld)\n", name, nr);
			missing++;
		}
	}
	fclose(f);
	assert_true(seen > 300);
	assert_int_equal(missing, 0);
}

/* Every path-taking syscall is trapped with its path decoded. */
static void test_path_syscalls_are_trapped(void **state)
{
	static const char *const names[] = {
		"open", "openat", "openat2", "creat", "execve", "execveat", "faccessat2",
		"fchmodat2", "statx", "newfstatat", "setxattr", "lsetxattr", "getxattr",
		"removexattr", "name_to_handle_at", "mknod", "mknodat", "symlink", "symlinkat",
		"link", "linkat", "rename", "renameat", "renameat2", "truncate", "chdir",
		"inotify_add_watch", "utimensat", "unlink", "unlinkat", "rmdir", "mkdir",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		const struct sc_row *row = systab_by_name(names[i]);
		int has_path = 0;
		assert_non_null(row);
		for (int a = 0; a < row->nargs; a++)
			has_path |= row->arg[a].kind == A_PATH;
		if (!has_path)
			fprintf(stderr, "%s has no path argument\n", names[i]);
		assert_true(has_path);
		assert_true(row->cls == SC_PATH || row->cls == SC_EXEC);
	}
}

static void test_refusals(void **state)
{
	static const char *const eperm[] = { "ptrace", "seccomp", "io_uring_setup",
		"io_uring_enter", "io_uring_register", "process_vm_writev", "kexec_load",
		"init_module", "finit_module", "delete_module", "reboot" };
	(void)state;
	for (size_t i = 0; i < sizeof(eperm) / sizeof(eperm[0]); i++)
		assert_int_equal(systab_by_name(eperm[i])->cls, SC_EPERM);
	assert_int_equal(systab_by_name("clone3")->cls, SC_ENOSYS);
	assert_int_equal(systab_by_name("open_by_handle_at")->cls, SC_PRIV);
	assert_int_equal(systab_by_name("mount")->cls, SC_PRIV);
}

static void test_lookup_numbers(void **state)
{
	const struct arch_ops *a = arch_native();
	(void)state;
	assert_string_equal(systab_lookup(a, 257)->name, "openat");
	assert_string_equal(systab_lookup(a, 59)->name, "execve");
	assert_null(systab_lookup(a, -1));
	assert_null(systab_lookup(a, 100000));
	assert_string_equal(systab_name(a, 2), "open");
	assert_int_equal(systab_nr(a, systab_by_name("fchmodat2")), 452);
	assert_int_equal(systab_nr(a, systab_by_name("mseal")), 462);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_header_syscall_has_a_row),
		cmocka_unit_test(test_path_syscalls_are_trapped),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_lookup_numbers),
	};
	return cmocka_run_group_tests_name("systab", tests, setup, NULL);
}
