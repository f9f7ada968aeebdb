/*
 * arena: how "what was judged is what the kernel uses" is kept (DESIGN.md, "The arena").
 *
 * Every exec'd image gets its own arena: at the execve's exit stop the tracer makes the
 * new, single-threaded task create a memfd (injected memfd_create), takes a
 * copy of that fd with pidfd_getfd, sizes and maps it read-write for itself, and seals it
 * (F_SEAL_FUTURE_WRITE | SHRINK | GROW | SEAL): from then on nobody can write it or map it
 * writable again.  The task then maps it read-only and shared (injected mmap, close) and,
 * where the kernel has mseal(), seals that mapping so it can never be unmapped, moved,
 * remapped or made writable.  Without mseal the tracer traps mmap/munmap/mremap/mprotect/
 * shmat and refuses any that touch the arena (judge.c).  Fork children share their
 * parent's arena (the mapping is copied), CLONE_VM tasks too; exec replaces it.
 *
 * The memfd comes from the task, not from the tracer, because a task inside a Landlock
 * domain may not reach /proc/<tracer>/fd (Landlock scopes ptrace access).
 *
 * A judged path or sockaddr is copied into a slot and the argument register pointed at the
 * copy: threads and other processes can change their own memory as they like, the kernel
 * reads the arena.
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
#define ARENA_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE | F_SEAL_SEAL)

bool arena_probe_mseal(void)
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

static struct arena *arena_from_fd(int fd)
{
	struct arena *a;
	void *map = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (map == MAP_FAILED)
		return NULL;
	a = xcalloc(1, sizeof(*a));
	a->map = map;
	a->refs = 1;
	return a;
}

struct arena *arena_new_local(void)
{
	int fd = memfd_create("sysward-arena", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct arena *a = NULL;

	if (fd < 0)
		return NULL;
	if (ftruncate(fd, (off_t)ARENA_SIZE) == 0)
		a = arena_from_fd(fd);
	if (a && fcntl(fd, F_ADD_SEALS, ARENA_SEALS) < 0) {
		arena_unref(a);
		a = NULL;
	}
	close(fd);
	return a;
}

struct arena *arena_ref(struct arena *a)
{
	if (a)
		a->refs++;
	return a;
}

void arena_unref(struct arena *a)
{
	if (!a || --a->refs)
		return;
	munmap(a->map, ARENA_SIZE);
	free(a);
}

void tracee_drop_arena(struct tracee *t)
{
	if (t->slot >= 0 && t->arena)
		arena_slot_put(t->arena, t->slot);
	t->slot = -1;
	arena_unref(t->arena);
	t->arena = NULL;
	t->arena_base = 0;
	mem_forget(t); /* the same address space is gone: its maps fd too */
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
	if (a && slot >= 0 && slot < ARENA_SLOTS)
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

/* Run one syscall through the instruction at insn; its result in *ret. */
static int inject(struct run *r, struct tracee *t, uint64_t insn, long nr, uint64_t a0,
		  uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, int64_t *ret)
{
	uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };

	return inject_at(r, t, insn, nr, args, ret);
}

#define nr_of sc_nr

/*
 * Give the task's address space an arena, when a call first needs one (lazily: most images
 * never do now that calls run in place where no race is possible).  The task is stopped at
 * a syscall stop, so ip follows its own syscall instruction: the injected calls run through
 * that one.  `again`: a seccomp stop; afterwards the task is set to execute the pending call
 * again (nr, args), which stops here once more and is judged with the arena in place.
 * Otherwise an exit stop, whose registers (and result) are put back.
 *
 * RACE: the memfd's number and the mapping exist for a moment in the task's fd table and
 * address space before they are sealed: only a task that shares neither may do this (the
 * caller checks; tasks that share get their arena when they start sharing, loop.c).
 */
int arena_create(struct run *r, struct tracee *t, bool again, long nr, const uint64_t args[6])
{
	const struct arch_ops *arch = t->arch;
	static const char name[] = "sysward-arena";
	struct regs saved;
	uint64_t insn, sp, scratch;
	int64_t tfd = -1, base = 0, rv;
	struct arena *a = NULL;
	int e, pidfd, fd = -1;

	if ((e = arch->get_regs(t->tid, &saved)) < 0)
		return e;
	insn = arch->get_ip(&saved) - arch->syscall_insn_len;
	sp = arch->get_sp(&saved);
	/* below the red zone: nothing of the stopped task lives there */
	scratch = (sp - 1024) & ~(uint64_t)15;
	if ((e = mem_poke(t->tid, scratch, name, sizeof(name))) < 0)
		return e;

	e = inject(r, t, insn, nr_of(arch, "memfd_create"), scratch,
		   MFD_CLOEXEC | MFD_ALLOW_SEALING, 0, 0, 0, 0, &tfd);
	if (e == 0 && tfd < 0)
		e = (int)tfd;
	if (e == 0) {
		/* the tracer's own handle on the task's memfd: map, then seal for good */
		pidfd = (int)syscall(SYS_pidfd_open, t->tid, 0);
		fd = pidfd < 0 ? -1 : (int)syscall(SYS_pidfd_getfd, pidfd, (int)tfd, 0);
		if (fd < 0)
			e = -errno;
		if (pidfd >= 0)
			close(pidfd);
		/* sized by the tracer: the task's RLIMIT_FSIZE (--fsize) does not apply */
		if (e == 0 && ftruncate(fd, (off_t)ARENA_SIZE) < 0)
			e = -errno;
		if (e == 0 && !(a = arena_from_fd(fd)))
			e = -errno;
		if (e == 0 && fcntl(fd, F_ADD_SEALS, ARENA_SEALS) < 0)
			e = -errno;
		if (fd >= 0)
			close(fd);
	}
	if (e == 0) {
		e = inject(r, t, insn, nr_of(arch, "mmap"), 0, ARENA_SIZE, PROT_READ, MAP_SHARED,
			   (uint64_t)tfd, 0, &base);
		if (e == 0 && base < 0 && base > -4096)
			e = (int)base;
	}
	if (tfd >= 0 && e != -ESRCH &&
	    inject(r, t, insn, nr_of(arch, "close"), (uint64_t)tfd, 0, 0, 0, 0, 0, &rv) == -ESRCH)
		e = -ESRCH;
	if (e == 0 && r->mseal) {
		e = inject(r, t, insn, NR_MSEAL_GENERIC, (uint64_t)base, ARENA_SIZE, 0, 0, 0, 0, &rv);
		if (e == 0 && rv != 0)
			e = (int)rv;
	}
	if (e == -ESRCH) {
		arena_unref(a);
		return e;
	}
	/* the registers as they were: the pending call to run again, or the exit's result */
	if (again) {
		arch->set_ip(&saved, insn);
		arch->prep_inject(&saved, nr, args);
		saved.nr_changed = true;
	}
	if (arch->set_regs(t->tid, &saved) < 0 && !e)
		e = -errno;
	if (e == 0) {
		t->arena = a;
		t->arena_base = (uint64_t)base;
	} else {
		arena_unref(a);
	}
	return e;
}
