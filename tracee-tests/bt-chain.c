/* bt-chain: openat reached through known call chains, from the main thread and a thread.
 * The backtrace check expects leaf_open <- middle_main <- main and leaf_open <- thread_body. */
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>

#include "tt.h"

__attribute__((noinline)) int leaf_open(const char *p)
{
	int fd = open(p, O_RDONLY);
	__asm__ volatile("" ::: "memory"); /* keep the frame */
	return fd;
}

__attribute__((noinline)) int middle_main(void)
{
	int fd = leaf_open("/etc/hostname");
	__asm__ volatile("" ::: "memory");
	return fd;
}

__attribute__((noinline)) static void *thread_body(void *arg)
{
	int fd = leaf_open("/etc/os-release");
	__asm__ volatile("" ::: "memory");
	return (void *)(long)fd;
}

int main(void)
{
	pthread_t th;
	void *ret;
	int fd = middle_main();

	if (fd < 0)
		tt_fail("open /etc/hostname failed");
	if (pthread_create(&th, NULL, thread_body, NULL) != 0)
		tt_fail("pthread_create");
	pthread_join(th, &ret);
	if ((long)ret < 0)
		tt_fail("open /etc/os-release failed");
	return TT_PASS;
}
