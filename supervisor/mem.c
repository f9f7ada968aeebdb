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
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>

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

/*
 * PROCMAP_QUERY (Linux 6.11): one ioctl on /proc/PID/maps answers "which mapping holds this
 * address, and what is it".  Declared here for older headers.
 */
struct sw_procmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};
#define SW_PROCMAP_QUERY _IOWR('f', 17, struct sw_procmap_query)
#define SW_PMQ_WRITABLE 0x02u
#define SW_PMQ_SHARED 0x08u

/*
 * RACE: this decides whether the kernel may read the tracee's own copy of a name.  Memory
 * of a task that is stopped and alone in its address space changes only through a mapping
 * something else also reaches: MAP_SHARED memory (another process), a file mapping (MAP_PRIVATE
 * shows the page cache until the task writes the page: a pwrite() elsewhere changes it), or
 * a special mapping the kernel updates (vvar).  Private anonymous writable memory has none
 * of these, nor has a private mapping of a file that nothing in the sandbox can write
 * (judge_file_fixed: a string literal in a system library).  The other writers (ptrace,
 * process_vm_writev, /proc/PID/mem, io_uring, AIO, userfaultfd) are refused by the filter,
 * the built-in rules or the policy (judge.c checks the last ones before it asks).
 */
/* /proc/TID/maps fds kept open: one per task that asked, at most this many at once (a
 * program with thousands of processes must not starve the tracer of descriptors) */
#define MAPS_FDS_MAX 256
static unsigned maps_fds;

bool mem_private_anon(struct tracee *t, uint64_t addr, size_t len)
{
	uint64_t end = addr + len;

	if (len == 0 || addr == 0 || end < addr)
		return false;
	if (!t->maps_open) {
		char path[64];
		int fd;

		if (maps_fds >= MAPS_FDS_MAX)
			return false; /* the tracer's own fds come first: the arena instead */
		snprintf(path, sizeof(path), "/proc/%d/maps", (int)t->tid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return false; /* e.g. EMFILE: the call takes the arena instead */
		t->maps_fd = fd;
		t->maps_open = true;
		maps_fds++;
	}
	while (addr < end) {
		struct sw_procmap_query q = { .size = sizeof(q), .query_addr = addr };

		if (ioctl(t->maps_fd, SW_PROCMAP_QUERY, &q) < 0 || q.vma_start > addr ||
		    q.vma_end <= addr)
			return false;
		if (q.vma_flags & SW_PMQ_SHARED)
			return false;
		if (q.inode || q.dev_major || q.dev_minor) {
			/* a private file mapping: the file must be one nobody in the sandbox
			 * can write (judge.c) */
			if (!t->run || !judge_file_fixed(t->run, t, addr, q.dev_major, q.dev_minor,
							 q.inode))
				return false;
		} else if (!(q.vma_flags & SW_PMQ_WRITABLE)) {
			return false; /* vdso, vvar: the kernel's own pages */
		}
		addr = q.vma_end;
	}
	return true;
}

int mem_vma_name(struct tracee *t, uint64_t addr, char *buf, size_t size)
{
	struct sw_procmap_query q = { .size = sizeof(q), .query_addr = addr,
				      .vma_name_size = (uint32_t)size,
				      .vma_name_addr = (uint64_t)(uintptr_t)buf };

	if (!t->maps_open || size < 2)
		return -EINVAL;
	if (ioctl(t->maps_fd, SW_PROCMAP_QUERY, &q) < 0)
		return -errno;
	if (q.vma_name_size == 0)
		return -ENOENT;
	buf[size - 1] = '\0';
	return 0;
}

void mem_forget(struct tracee *t)
{
	if (t->maps_open) {
		close(t->maps_fd);
		maps_fds--;
	}
	t->maps_open = false;
	t->maps_fd = -1;
}
