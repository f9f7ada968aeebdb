/* Unit tests for supervisor/resolve: paths in a task's view (this test process is the task). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "supervisor/tracer.h"

static char dir[PATH_MAX];
static struct tracee self;

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysward-resolve.XXXXXX";
	char p[PATH_MAX + 32];
	(void)state;
	if (!mkdtemp(tmpl) || !realpath(tmpl, dir))
		return -1;
	snprintf(p, sizeof(p), "%s/real", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/real/file", dir);
	close(open(p, O_CREAT | O_WRONLY, 0644));
	snprintf(p, sizeof(p), "%s/link", dir);
	symlink("real/file", p);
	snprintf(p, sizeof(p), "%s/dirlink", dir);
	symlink("/etc", p);
	snprintf(p, sizeof(p), "%s/loop", dir);
	symlink("loop", p);
	snprintf(p, sizeof(p), "%s/dangling", dir);
	symlink("/nonexistent-sysward/x", p);
	self.tid = self.tgid = getpid();
	return chdir(dir);
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static void expect(const char *name, bool follow, const char *want_rel, const char *want_abs)
{
	struct resolved r;
	char want[PATH_MAX * 2];

	assert_int_equal(resolve_path(&self, AT_FDCWD, name, follow, &r), 0);
	if (want_rel)
		snprintf(want, sizeof(want), "%s%s", dir, want_rel);
	else
		snprintf(want, sizeof(want), "%s", want_abs);
	assert_string_equal(r.path, want);
}

static void test_relative_and_dots(void **state)
{
	(void)state;
	expect("real/file", true, "/real/file", NULL);
	expect("./real/../real/./file", true, "/real/file", NULL);
	expect("real//file", true, "/real/file", NULL);
	expect("/../../etc/hostname", true, NULL, "/etc/hostname");
	expect("missing/child", true, "/missing/child", NULL);
}

static void test_symlinks(void **state)
{
	struct resolved r;
	(void)state;
	expect("link", true, "/real/file", NULL);
	expect("link", false, "/link", NULL);       /* lstat, unlink: the link itself */
	expect("dirlink/hostname", true, NULL, "/etc/hostname");
	expect("dirlink/hostname", false, NULL, "/etc/hostname"); /* only the last is kept */
	expect("dangling", true, NULL, "/nonexistent-sysward/x"); /* O_CREAT target */
	assert_int_equal(resolve_path(&self, AT_FDCWD, "loop", true, &r), -ELOOP);
}

static void test_proc_self_is_the_task(void **state)
{
	char want[64];
	(void)state;
	snprintf(want, sizeof(want), "/proc/%d/status", (int)getpid());
	expect("/proc/self/status", true, NULL, want);
	expect("/proc/self/root/etc/hostname", true, NULL, "/etc/hostname");
	expect("/proc/self/cwd/real/file", true, "/real/file", NULL);
	expect("/dev/fd/../../../etc/hostname", true, NULL, "/etc/hostname");
}

static void test_magic_fd(void **state)
{
	struct resolved r;
	int p[2];
	char name[64], want[64];
	int fd = open("real/file", O_RDONLY);
	(void)state;
	assert_true(fd >= 0);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	expect(name, true, "/real/file", NULL); /* a file: judged by its path */
	close(fd);
	assert_int_equal(pipe(p), 0);
	snprintf(name, sizeof(name), "/dev/fd/%d", p[0]);
	assert_int_equal(resolve_path(&self, AT_FDCWD, name, true, &r), 0);
	snprintf(want, sizeof(want), "/proc/%d/fd/%d", (int)getpid(), p[0]);
	assert_true(r.magic); /* a pipe: no path, the link itself */
	assert_string_equal(r.path, want);
	close(p[0]);
	close(p[1]);
}

static void test_dirfd(void **state)
{
	struct resolved r;
	int fd = open("real", O_RDONLY | O_DIRECTORY);
	char want[PATH_MAX * 2];
	(void)state;
	assert_int_equal(resolve_path(&self, fd, "file", true, &r), 0);
	snprintf(want, sizeof(want), "%s/real/file", dir);
	assert_string_equal(r.path, want);
	assert_int_equal(resolve_fd(&self, fd, &r), 0);
	snprintf(want, sizeof(want), "%s/real", dir);
	assert_string_equal(r.path, want);
	close(fd);
	assert_int_equal(resolve_path(&self, 9999, "file", true, &r), -EBADF);
	assert_int_equal(resolve_path(&self, AT_FDCWD, "real/file/", true, &r), 0);
	assert_true(r.trailing_slash);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relative_and_dots),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_proc_self_is_the_task),
		cmocka_unit_test(test_magic_fd),
		cmocka_unit_test(test_dirfd),
	};
	return cmocka_run_group_tests_name("resolve", tests, setup, teardown);
}
