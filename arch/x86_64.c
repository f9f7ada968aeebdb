/* arch/x86_64: the x86-64 ABI, plus the i386 and x32 ABIs a 64-bit task can enter. */
#include "arch/arch.h"

#if defined(__x86_64__)
#include <errno.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/ptrace.h>

static int x86_get_regs(pid_t tid, struct regs *r)
{
	if (ptrace(PTRACE_GETREGS, tid, 0, &r->u) < 0)
		return -errno;
	r->nr = (long)r->u.orig_rax;
	r->nr_changed = false;
	return 0;
}

static int x86_set_regs(pid_t tid, struct regs *r)
{
	if (ptrace(PTRACE_SETREGS, tid, 0, &r->u) < 0)
		return -errno;
	r->nr_changed = false;
	return 0;
}

static void x86_set_syscall(struct regs *r, long nr)
{
	r->u.orig_rax = (unsigned long long)nr;
	r->nr = nr;
	r->nr_changed = true;
}

static uint64_t x86_get_arg(const struct regs *r, unsigned i)
{
	switch (i) {
	case 0: return r->u.rdi;
	case 1: return r->u.rsi;
	case 2: return r->u.rdx;
	case 3: return r->u.r10;
	case 4: return r->u.r8;
	case 5: return r->u.r9;
	}
	return 0;
}

static void x86_set_arg(struct regs *r, unsigned i, uint64_t v)
{
	switch (i) {
	case 0: r->u.rdi = v; break;
	case 1: r->u.rsi = v; break;
	case 2: r->u.rdx = v; break;
	case 3: r->u.r10 = v; break;
	case 4: r->u.r8 = v; break;
	case 5: r->u.r9 = v; break;
	}
}

static int64_t x86_get_return(const struct regs *r)
{
	return (int64_t)r->u.rax;
}

static void x86_set_return(struct regs *r, int64_t v)
{
	r->u.rax = (unsigned long long)v;
}

static uint64_t x86_get_ip(const struct regs *r)
{
	return r->u.rip;
}

static void x86_set_ip(struct regs *r, uint64_t ip)
{
	r->u.rip = ip;
}

static uint64_t x86_get_sp(const struct regs *r)
{
	return r->u.rsp;
}

static void x86_prep_inject(struct regs *r, long nr, const uint64_t args[6])
{
	for (unsigned i = 0; i < 6; i++)
		x86_set_arg(r, i, args[i]);
	r->u.rax = (unsigned long long)nr;
	r->u.orig_rax = (unsigned long long)nr;
	r->nr = nr;
}

const struct arch_ops arch_x86_64 = {
	.name = "x86_64",
	.audit_arch = AUDIT_ARCH_X86_64,
	.scmp_arch = SCMP_ARCH_X86_64,
	.word_size = 8,
	.traced = true,
	.syscall_insn = { 0x0f, 0x05 },
	.syscall_insn_len = 2,
	.get_regs = x86_get_regs,
	.set_regs = x86_set_regs,
	.set_syscall = x86_set_syscall,
	.get_arg = x86_get_arg,
	.set_arg = x86_set_arg,
	.get_return = x86_get_return,
	.set_return = x86_set_return,
	.get_ip = x86_get_ip,
	.set_ip = x86_set_ip,
	.get_sp = x86_get_sp,
	.prep_inject = x86_prep_inject,
};

/*
 * i386 (int $0x80, sysenter) and x32 (x86-64 arch value, bit 30 in the number) are
 * recognised so that the trail and the tests can name them; the filter kills both, so the
 * tracer never has to write their registers.
 */
const struct arch_ops arch_i386 = {
	.name = "i386",
	.audit_arch = AUDIT_ARCH_I386,
	.scmp_arch = SCMP_ARCH_X86,
	.word_size = 4,
	.traced = false,
};

const struct arch_ops arch_x32 = {
	.name = "x32",
	.audit_arch = AUDIT_ARCH_X86_64, /* the same value: x32 is told apart by bit 30 */
	.scmp_arch = SCMP_ARCH_X32,
	.word_size = 4,
	.traced = false,
	.nr_bias = 0x40000000,
};

const struct arch_ops *const arch_all[] = { &arch_x86_64, &arch_i386, &arch_x32, NULL };

const struct arch_ops *arch_native(void)
{
	return &arch_x86_64;
}

const struct arch_ops *arch_by_audit(uint32_t audit_arch)
{
	if (audit_arch == AUDIT_ARCH_X86_64)
		return &arch_x86_64;
	if (audit_arch == AUDIT_ARCH_I386)
		return &arch_i386;
	return NULL;
}
#endif
