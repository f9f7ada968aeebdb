/* arch/aarch64: the arm64 ABI.  The syscall number lives in its own regset. */
#include "arch/arch.h"

#if defined(__aarch64__)
#include <elf.h>
#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

static int a64_get_regs(pid_t tid, struct regs *r)
{
	struct iovec iov = { &r->u, sizeof(r->u) };
	int nr;
	struct iovec niov = { &nr, sizeof(nr) };

	if (ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, &iov) < 0)
		return -errno;
	if (ptrace(PTRACE_GETREGSET, tid, NT_ARM_SYSTEM_CALL, &niov) < 0)
		return -errno;
	r->nr = nr;
	r->nr_changed = false;
	return 0;
}

static int a64_set_regs(pid_t tid, struct regs *r)
{
	struct iovec iov = { &r->u, sizeof(r->u) };

	if (r->nr_changed) {
		int nr = (int)r->nr;
		struct iovec niov = { &nr, sizeof(nr) };
		if (ptrace(PTRACE_SETREGSET, tid, NT_ARM_SYSTEM_CALL, &niov) < 0)
			return -errno;
	}
	if (ptrace(PTRACE_SETREGSET, tid, NT_PRSTATUS, &iov) < 0)
		return -errno;
	r->nr_changed = false;
	return 0;
}

static void a64_set_syscall(struct regs *r, long nr)
{
	r->nr = nr;
	r->nr_changed = true;
}

static uint64_t a64_get_arg(const struct regs *r, unsigned i)
{
	return i < 6 ? r->u.regs[i] : 0;
}

static void a64_set_arg(struct regs *r, unsigned i, uint64_t v)
{
	if (i < 6)
		r->u.regs[i] = v;
}

static int64_t a64_get_return(const struct regs *r)
{
	return (int64_t)r->u.regs[0];
}

static void a64_set_return(struct regs *r, int64_t v)
{
	r->u.regs[0] = (uint64_t)v;
}

static uint64_t a64_get_ip(const struct regs *r)
{
	return r->u.pc;
}

static void a64_set_ip(struct regs *r, uint64_t ip)
{
	r->u.pc = ip;
}

static uint64_t a64_get_sp(const struct regs *r)
{
	return r->u.sp;
}

static void a64_prep_inject(struct regs *r, long nr, const uint64_t args[6])
{
	for (unsigned i = 0; i < 6; i++)
		r->u.regs[i] = args[i];
	r->u.regs[8] = (uint64_t)nr;
	r->nr = nr;
	r->nr_changed = true;
}

const struct arch_ops arch_aarch64 = {
	.name = "aarch64",
	.audit_arch = AUDIT_ARCH_AARCH64,
	.scmp_arch = SCMP_ARCH_AARCH64,
	.word_size = 8,
	.traced = true,
	.syscall_insn = { 0x01, 0x00, 0x00, 0xd4 }, /* svc #0 */
	.syscall_insn_len = 4,
	.get_regs = a64_get_regs,
	.set_regs = a64_set_regs,
	.set_syscall = a64_set_syscall,
	.get_arg = a64_get_arg,
	.set_arg = a64_set_arg,
	.get_return = a64_get_return,
	.set_return = a64_set_return,
	.get_ip = a64_get_ip,
	.set_ip = a64_set_ip,
	.get_sp = a64_get_sp,
	.prep_inject = a64_prep_inject,
};

const struct arch_ops *const arch_all[] = { &arch_aarch64, NULL };

const struct arch_ops *arch_native(void)
{
	return &arch_aarch64;
}

const struct arch_ops *arch_by_audit(uint32_t audit_arch)
{
	return audit_arch == AUDIT_ARCH_AARCH64 ? &arch_aarch64 : NULL;
}
#endif
