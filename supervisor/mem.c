/*
 * mem: every access to tracee memory goes through here (STYLE habit 8).
 *
 * Reads use process_vm_readv, bounded, never crossing into a page that may be unmapped in
 * one call, so a short read tells exactly where the tracee's memory ends.  Every failure is
 * reported as -errno and the caller denies (-EFAULT for memory that is not there).  Writes
 * are only for syscall injection into a freshly exec'd, single-threaded task (PTRACE_POKEDATA,
 * which also writes read-only text through FOLL_FORCE); judged arguments are never written
 * into tracee-writable memory.
 */
#include <errno.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "supervisor/tracer.h"

#define PAGE 4096u

int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n;

	if (len == 0)
		return 0;
	if (addr == 0 || addr + len < addr)
		return -EFAULT;
	n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
	if (n < 0)
		return errno == ESRCH ? -ESRCH : -EFAULT;
	if ((size_t)n != len)
		return -EFAULT;
	return 0;
}

int mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t size, size_t *lenp)
{
	size_t got = 0;

	if (addr == 0)
		return -EFAULT;
	while (got < size) {
		uint64_t a = addr + got;
		size_t chunk = PAGE - (size_t)(a % PAGE);
		char *nul;
		int r;

		if (chunk > size - got)
			chunk = size - got;
		r = mem_read(tid, a, buf + got, chunk);
		if (r < 0)
			return r;
		nul = memchr(buf + got, '\0', chunk);
		if (nul) {
			if (lenp)
				*lenp = (size_t)(nul - buf);
			return 0;
		}
		got += chunk;
	}
	buf[size - 1] = '\0';
	return -ENAMETOOLONG;
}

int mem_poke(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t w = sizeof(long);

	while (len) {
		long word;
		size_t n = len < w ? len : w;

		if (n < w) {
			errno = 0;
			word = ptrace(PTRACE_PEEKDATA, tid, (void *)(uintptr_t)addr, 0);
			if (errno)
				return -errno;
		}
		memcpy(&word, p, n);
		if (ptrace(PTRACE_POKEDATA, tid, (void *)(uintptr_t)addr, (void *)word) < 0)
			return -errno;
		p += n;
		addr += n;
		len -= n;
	}
	return 0;
}
