/*
 * test_prefault: prefault_writable (supervisor/util.c), what a server's spare does while it
 * waits.  A child of a process that wrote a buffer takes one copy-on-write fault per page it
 * writes; after prefault_writable it takes none there, and a mapping larger than
 * PREFAULT_MAX is left as it was.  Faults are counted (getrusage), not timed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "supervisor/util.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define PAGE 4096
#define SMALL_PAGES 64

/* A private writable mapping of `pages` pages, every page written (so a fork shares them). */
static unsigned char *written_mapping(size_t pages)
{
	unsigned char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = 1;
	return p;
}

/* In a child: optionally prefault, then write one byte per page of buf; the page faults the
 * writes took (capped at 255, the exit status). */
static int faults_in_child(unsigned char *buf, size_t pages, bool prefault)
{
	int status;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct rusage a, b;
		long n;
		if (prefault)
			prefault_writable();
		getrusage(RUSAGE_SELF, &a);
		for (size_t i = 0; i < pages; i++)
			buf[i * PAGE] = 2;
		getrusage(RUSAGE_SELF, &b);
		n = b.ru_minflt - a.ru_minflt;
		_exit(n > 255 ? 255 : (int)n);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static bool have_populate_write(void)
{
	unsigned char *p = written_mapping(1);
	int r = madvise(p, PAGE, MADV_POPULATE_WRITE);

	munmap(p, PAGE);
	return r == 0;
}

static void test_copies_ahead(void **state)
{
	unsigned char *buf;

	(void)state;
	if (!have_populate_write())
		skip(); /* before Linux 5.14: prefault_writable does nothing */
#if defined(__SANITIZE_ADDRESS__)
	/* AddressSanitizer's own writable mappings take the whole budget first */
	skip();
#endif
	buf = written_mapping(SMALL_PAGES);
	/* without it, every page written is a fault: the test can tell */
	assert_true(faults_in_child(buf, SMALL_PAGES, false) >= SMALL_PAGES * 3 / 4);
	/* with it, the copies were made before: at most a few faults elsewhere (the stack) */
	assert_true(faults_in_child(buf, SMALL_PAGES, true) <= 4);
	munmap(buf, SMALL_PAGES * PAGE);
}

static void test_bounded(void **state)
{
	size_t pages = PREFAULT_MAX / PAGE * 2;
	unsigned char *buf;

	(void)state;
	if (!have_populate_write())
		skip();
	/* a mapping over the bound is not copied: its pages still fault when written */
	buf = written_mapping(pages);
	assert_int_equal(faults_in_child(buf, pages, true), 255);
	munmap(buf, pages * PAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copies_ahead),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
