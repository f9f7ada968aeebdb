/*
 * inject: make a stopped tracee run syscalls of the tracer's choosing, synchronously.
 *
 * From a seccomp stop (syscall entry) the pending call is replaced (inject_here); from a
 * syscall-exit stop the task is sent back through the syscall instruction it just ran
 * (inject_after) or through one poked at a given address (inject_at).  Each returns with
 * the task at the exit stop of the injected call.  Stops of other kinds on the way are
 * absorbed: a signal is kept in pending_sig and delivered at the next resume.  If the task
 * dies meanwhile, its death is handed to the event loop (loop_task_gone) and -ESRCH is
 * returned: the caller must not touch the task again.
 */
#include <errno.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "arch/systab.h"
#include "supervisor/tracer.h"

static int wait_exit(struct run *r, struct tracee *t)
{
	for (;;) {
		int st;
		pid_t p = waitpid(t->tid, &st, __WALL);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (!WIFSTOPPED(st)) {
			loop_task_gone(r, t->tid, st);
			return -ESRCH;
		}
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info info;
			if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, sizeof(info), &info) < 0)
				return -errno;
			if (info.op == PTRACE_SYSCALL_INFO_EXIT)
				return 0;
		} else if ((st >> 16) == 0) {
			t->pending_sig = WSTOPSIG(st); /* deliver it after the injection */
		} else if ((st >> 16) == PTRACE_EVENT_EXIT) {
			t->exited = true; /* SIGKILLed meanwhile: let it die */
			ptrace(PTRACE_CONT, t->tid, 0, 0);
			continue;
		}
		if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
			return -errno;
	}
}

static int run_from(struct run *r, struct tracee *t, struct regs *regs, int64_t *ret)
{
	const struct arch_ops *arch = t->arch;
	int e;

	if ((e = arch->set_regs(t->tid, regs)) < 0)
		return e;
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	if ((e = wait_exit(r, t)) < 0)
		return e;
	if ((e = arch->get_regs(t->tid, regs)) < 0)
		return e;
	*ret = arch->get_return(regs);
	return 0;
}

int inject_here(struct run *r, struct tracee *t, long nr, const uint64_t a[6], int64_t *ret)
{
	const struct arch_ops *arch = t->arch;
	struct regs regs;
	int e;

	if ((e = arch->get_regs(t->tid, &regs)) < 0)
		return e;
	for (unsigned i = 0; i < 6; i++)
		arch->set_arg(&regs, i, a[i]);
	arch->set_syscall(&regs, nr);
	return run_from(r, t, &regs, ret);
}

int inject_at(struct run *r, struct tracee *t, uint64_t insn, long nr, const uint64_t a[6],
	      int64_t *ret)
{
	const struct arch_ops *arch = t->arch;
	struct regs regs;
	int e;

	if ((e = arch->get_regs(t->tid, &regs)) < 0)
		return e;
	arch->set_ip(&regs, insn);
	arch->prep_inject(&regs, nr, a);
	return run_from(r, t, &regs, ret);
}

int inject_after(struct run *r, struct tracee *t, long nr, const uint64_t a[6], int64_t *ret)
{
	const struct arch_ops *arch = t->arch;
	struct regs regs;
	int e;

	if ((e = arch->get_regs(t->tid, &regs)) < 0)
		return e;
	return inject_at(r, t, arch->get_ip(&regs) - arch->syscall_insn_len, nr, a, ret);
}

int inject_to_exit(struct run *r, struct tracee *t)
{
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, 0) < 0)
		return -errno;
	return wait_exit(r, t);
}

long sc_nr(const struct arch_ops *arch, const char *name)
{
	const struct sc_row *row = systab_by_name(name);
	return row ? systab_nr(arch, row) : -1;
}
