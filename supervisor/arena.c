/*
 * arena: how "what was judged is what the kernel uses" is kept (DESIGN.md, "The arena").
 *
 * The tracer owns a memfd, maps it read-write for itself, then seals it
 * (F_SEAL_FUTURE_WRITE | SHRINK | GROW | SEAL): no new writable mapping and no write(2) can
 * ever be made again, by anyone.  After every exec, the tracee is made to map it read-only
 * and shared (injected openat of /proc/<tracer>/fd/<n>, mmap, close) and, where the kernel
 * has mseal(), to seal that mapping so it can never be unmapped, moved, remapped or made
 * writable.  Without mseal the tracer traps mmap/munmap/mremap/mprotect/shmat and refuses
 * any that touch the arena (judge.c).  A judged path or sockaddr is copied into a slot of
 * the arena and the argument register pointed at it; threads and other processes can
 * change their own memory as they like, the kernel reads the arena.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/memfd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/systab.h"
#include "supervisor/tracer.h"
#include "supervisor/util.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#define NR_MSEAL_GENERIC 462

static bool probe_mseal(void)
{
	void *p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long r;

	if (p == MAP_FAILED)
		return false;
	r = syscall(NR_MSEAL_GENERIC, p, 4096, 0);
	if (r != 0)
		munmap(p, 4096);
	/* a sealed probe page stays mapped for the tracer's life: 4 KiB, read-only */
	return r == 0;
}

int arena_init(struct arena *a)
{
	memset(a, 0, sizeof(*a));
	a->fd = memfd_create("sysward-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (a->fd < 0)
		return -errno;
	if (ftruncate(a->fd, (off_t)ARENA_SIZE) < 0)
		goto fail;
	a->map = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, a->fd, 0);
	if (a->map == MAP_FAILED) {
		a->map = NULL;
		goto fail;
	}
	if (fcntl(a->fd, F_ADD_SEALS,
		  F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) < 0)
		goto fail;
	a->self = getpid();
	a->mseal = probe_mseal();
	return 0;
fail:;
	int e = errno;
	arena_destroy(a);
	return -e;
}

void arena_destroy(struct arena *a)
{
	if (a->map)
		munmap(a->map, ARENA_SIZE);
	if (a->fd > 0)
		close(a->fd);
	a->map = NULL;
	a->fd = -1;
}

int arena_slot_get(struct arena *a)
{
	for (unsigned w = 0; w < ARENA_SLOTS / 32; w++) {
		if (a->used[w] == UINT32_MAX)
			continue;
		for (unsigned b = 0; b < 32; b++) {
			if (!(a->used[w] & (1u << b))) {
				a->used[w] |= 1u << b;
				return (int)(w * 32 + b);
			}
		}
	}
	return -EAGAIN;
}

void arena_slot_put(struct arena *a, int slot)
{
	if (slot >= 0 && slot < ARENA_SLOTS)
		a->used[slot / 32] &= ~(1u << (slot % 32));
}

char *arena_slot_ptr(struct arena *a, int slot)
{
	return a->map + (size_t)slot * ARENA_SLOT_SIZE;
}

uint64_t arena_tracee_addr(const struct tracee *t, int slot)
{
	return t->arena_base + (uint64_t)slot * ARENA_SLOT_SIZE;
}

bool arena_overlaps(const struct tracee *t, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (!t->arena_base)
		return false;
	if (end < addr)
		return true; /* wraps: refuse */
	return addr < t->arena_base + ARENA_SIZE && end > t->arena_base;
}

/* Wait for the next stop of `t` during an injection; 0 at its syscall-exit stop. */
static int inject_wait_exit(struct tracee *t)
{
	for (;;) {
		int st;
		pid_t p = waitpid(t->tid, &st, __WALL);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!WIFSTOPPED(st))
			return -ESRCH; /* died; the loop will not see this status again */
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info info;
			if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(info), &info) < 0)
				return -errno;
			if (info.op == PTRACE_SYSCALL_INFO_EXIT)
				return 0;
		} else if (WSTOPSIG(st) != SIGTRAP && (st >> 16) == 0) {
			t->pending_sig = WSTOPSIG(st); /* deliver it after the injection */
		} else if ((st >> 16) == PTRACE_EVENT_EXIT) {
			return -ESRCH;
		}
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -errno;
	}
}

/* Run one syscall in a task stopped at a syscall-exit stop; its result in *ret. */
static int inject(struct tracee *t, uint64_t insn, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		  uint64_t a3, uint64_t a4, uint64_t a5, int64_t *ret)
{
	const struct arch_ops *arch = t->arch;
	uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	struct regs r;
	int e;

	if ((e = arch->get_regs(t->tid, &r)) < 0)
		return e;
	arch->set_ip(&r, insn);
	arch->prep_inject(&r, nr, args);
	if ((e = arch->set_regs(t->tid, &r)) < 0)
		return e;
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	if ((e = inject_wait_exit(t)) < 0)
		return e;
	if ((e = arch->get_regs(t->tid, &r)) < 0)
		return e;
	*ret = arch->get_return(&r);
	return 0;
}

static long nr_of(const struct arch_ops *arch, const char *name)
{
	const struct sc_row *row = systab_by_name(name);
	return row ? systab_nr(arch, row) : -1;
}

int arena_map_into(struct run *r, struct tracee *t)
{
	const struct arch_ops *arch = t->arch;
	struct regs saved;
	char path[64];
	uint64_t ip, sp, scratch;
	long text_word;
	int64_t fd = -1, base = 0, rv;
	int e, len;

	if ((e = arch->get_regs(t->tid, &saved)) < 0)
		return e;
	ip = arch->get_ip(&saved);
	sp = arch->get_sp(&saved);
	/* below the red zone of the fresh stack: nothing lives there yet */
	scratch = (sp - 1024) & ~(uint64_t)15;
	len = snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)r->arena.self, r->arena.fd);
	if ((e = mem_poke(t->tid, scratch, path, (size_t)len + 1)) < 0)
		return e;
	/* the new image's entry point becomes, for a moment, a syscall instruction */
	errno = 0;
	text_word = ptrace(PTRACE_PEEKTEXT, t->tid, (void *)(uintptr_t)ip, 0);
	if (errno)
		return -errno;
	if ((e = mem_poke(t->tid, ip, arch->syscall_insn, arch->syscall_insn_len)) < 0)
		return e;

	e = inject(t, ip, nr_of(arch, "openat"), (uint64_t)AT_FDCWD, scratch,
		   O_RDONLY | O_CLOEXEC, 0, 0, 0, &fd);
	if (e == 0 && fd < 0)
		e = (int)fd;
	if (e == 0) {
		e = inject(t, ip, nr_of(arch, "mmap"), 0, ARENA_SIZE, PROT_READ, MAP_SHARED,
			   (uint64_t)fd, 0, &base);
		if (e == 0 && base < 0 && base > -4096)
			e = (int)base;
	}
	if (fd >= 0 && (e == 0 || e != -ESRCH))
		inject(t, ip, nr_of(arch, "close"), (uint64_t)fd, 0, 0, 0, 0, 0, &rv);
	if (e == 0 && r->arena.mseal) {
		e = inject(t, ip, NR_MSEAL_GENERIC, (uint64_t)base, ARENA_SIZE, 0, 0, 0, 0, &rv);
		if (e == 0 && rv != 0)
			e = (int)rv;
	}
	if (e == -ESRCH)
		return e;
	/* put the text and the registers back as the exec left them */
	if (ptrace(PTRACE_POKETEXT, t->tid, (void *)(uintptr_t)ip, (void *)text_word) < 0 && !e)
		e = -errno;
	if (arch->set_regs(t->tid, &saved) < 0 && !e)
		e = -errno;
	if (e == 0)
		t->arena_base = (uint64_t)base;
	return e;
}
