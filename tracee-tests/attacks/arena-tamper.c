/*
 * arena-tamper: write into the arena, where the tracer keeps the judged copies of our
 * arguments that the kernel reads (THREATS D: "writing the vetted copy ... does not help
 * unless the copy is immutable").
 *
 * usage: arena-tamper [SUB-ATTACK...]               (--profile default)
 *
 * The arena is a shared read-only mapping of a sealed memfd (/proc/self/maps names it
 * "sysward-arena"), mseal()ed where the kernel has mseal.  Each way to change what it holds
 * or what is mapped there must fail: munmap, mprotect(PROT_WRITE), mmap(MAP_FIXED) over it,
 * mremap of it, shmat(SHM_REMAP) over it, MADV_REMOVE (a punched hole reads as zeros),
 * process_vm_writev and /proc/self/mem into it, and the memfd itself reopened read-write
 * through /proc/self/map_files: write, pwrite, ftruncate, fallocate(PUNCH_HOLE), a writable
 * shared mapping, F_ADD_SEALS.  Verdict: the arena's bytes, read before and after every
 * attempt, must not change (besides each call's own result).
 */
#include <linux/falloc.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/uio.h>

#include "atk.h"

static unsigned long base, end;

static bool find_arena(char *range, size_t size)
{
	char buf[65536];
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;
	if (fd < 0)
		return false; /* after a successful attack no name may reach the kernel any more */
	while ((n = read(fd, buf + got, sizeof buf - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = 0;
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strstr(l, "sysward-arena"))
			continue;
		if (sscanf(l, "%lx-%lx", &base, &end) != 2)
			continue;
		snprintf(range, size, "%lx-%lx", base, end);
		return true;
	}
	return false;
}

/* A call on the arena: must fail, and the mapping must still be there, unchanged. */
static void tamper(const char *name, long ret, int err)
{
	char range[64];
	unsigned long b0 = base, e0 = end;
	if (!find_arena(range, sizeof range) || base != b0 || end != e0) {
		atk_escaped(name, "the arena mapping moved or went away (returned %ld)", ret);
		return;
	}
	atk_refused(name, ret, err, 0);
}

#define T(name, call)                                                                        \
	do {                                                                                 \
		if (atk_want(name)) {                                                        \
			errno = 0;                                                           \
			long r_ = (long)(call);                                              \
			tamper(name, r_, errno);                                             \
		}                                                                            \
	} while (0)

int main(int argc, char **argv)
{
	char range[64], p[128];
	size_t len;
	int fd;

	tt_init(argc, argv);
	atk_select(argc, argv, 1);
	atk_controls();
	tt_watchdog(20, "arena-tamper");
	if (!find_arena(range, sizeof range))
		tt_skip("no sysward-arena mapping in /proc/self/maps (renamed?)");
	len = end - base;

	T("munmap", munmap((void *)base, len));
	T("mprotect-write", mprotect((void *)base, len, PROT_READ | PROT_WRITE));
	T("mmap-fixed-over", ({
		  void *m_ = mmap((void *)base, 4096, PROT_READ | PROT_WRITE,
				  MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		  m_ == MAP_FAILED ? -1L : 0L;
	  }));
	T("mremap-away", ({
		  void *m_ = mremap((void *)base, len, len, MREMAP_MAYMOVE);
		  m_ == MAP_FAILED ? -1L : 0L;
	  }));
	T("madvise-remove", madvise((void *)base, len, MADV_REMOVE));
	T("shmat-remap", ({
		  int id_ = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
		  void *m_ = id_ < 0 ? (void *)-1 : shmat(id_, (void *)base, SHM_REMAP);
		  int e_ = errno;
		  if (id_ >= 0)
			  shmctl(id_, IPC_RMID, NULL);
		  errno = e_;
		  m_ == (void *)-1 ? -1L : 0L;
	  }));
	{
		char x[8] = "ATTACK!";
		struct iovec l = { x, 8 }, r = { (void *)base, 8 };
		T("process_vm_writev", syscall(SYS_process_vm_writev, getpid(), &l, 1, &r, 1, 0));
	}
	if (atk_want("proc-self-mem")) {
		fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
		if (fd < 0)
			atk_held("proc-self-mem", "open O_RDWR: %s", strerrorname_np(errno));
		else {
			errno = 0;
			long r = pwrite(fd, "ATTACK!", 8, (off_t)base);
			tamper("proc-self-mem", r, errno);
			close(fd);
		}
	}
	if (atk_want("map-files-rdwr")) {
		snprintf(p, sizeof p, "/proc/self/map_files/%s", range);
		fd = open(p, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			atk_held("map-files-rdwr", "open O_RDWR: %s", strerrorname_np(errno));
		} else {
			tt_note("map_files of the arena opened read-write; trying to write through it");
			T("memfd-write", write(fd, "ATTACK!", 8));
			T("memfd-pwrite", pwrite(fd, "ATTACK!", 8, 0));
			T("memfd-ftruncate", ftruncate(fd, 0));
			T("memfd-punch-hole", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 4096));
			T("memfd-mmap-shared-write", ({
				  void *m_ = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
				  m_ == MAP_FAILED ? -1L : 0L;
			  }));
			T("memfd-add-seals", fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE));
			close(fd);
		}
	}
	atk_finish();
}
