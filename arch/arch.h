/*
 * arch: one small ops struct per ABI (STYLE habit 2).  Nothing outside arch/ knows a
 * register name.  The tracer decodes a stop with PTRACE_GET_SYSCALL_INFO (arch-neutral);
 * these ops are for what it writes back: syscall number, arguments, return value.
 */
#ifndef SYSWARD_ARCH_H
#define SYSWARD_ARCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/user.h>

/* A task's registers as the tracer holds them between get_regs and set_regs. */
struct regs {
	struct user_regs_struct u;
	long nr;         /* syscall number to run (written by set_syscall) */
	bool nr_changed; /* set_regs must also write the syscall number (aarch64 regset) */
};

struct arch_ops {
	const char *name;    /* as the audit trail spells it: x86_64 i386 x32 aarch64 */
	uint32_t audit_arch; /* AUDIT_ARCH_* as PTRACE_GET_SYSCALL_INFO reports it */
	uint32_t scmp_arch;  /* SCMP_ARCH_* for libseccomp */
	unsigned word_size;  /* bytes in a pointer or long of the tracee */
	bool traced;         /* false: the filter kills this ABI, the tracer never sees it */
	long nr_bias;        /* added to table numbers (x32's bit 30) */
	uint8_t syscall_insn[4];
	unsigned syscall_insn_len;

	int (*get_regs)(pid_t tid, struct regs *r);
	int (*set_regs)(pid_t tid, struct regs *r);
	void (*set_syscall)(struct regs *r, long nr);
	uint64_t (*get_arg)(const struct regs *r, unsigned i);
	void (*set_arg)(struct regs *r, unsigned i, uint64_t v);
	int64_t (*get_return)(const struct regs *r);
	void (*set_return)(struct regs *r, int64_t v);
	uint64_t (*get_ip)(const struct regs *r);
	void (*set_ip)(struct regs *r, uint64_t ip);
	uint64_t (*get_sp)(const struct regs *r);
	/* Prepare registers so that resuming executes syscall `nr` at the current ip.  */
	void (*prep_inject)(struct regs *r, long nr, const uint64_t args[6]);
};

/* The ABI an audit arch value names, or NULL. */
const struct arch_ops *arch_by_audit(uint32_t audit_arch);
/* The native ABI of the tracer's build. */
const struct arch_ops *arch_native(void);
/* Every ABI sysward recognises (NULL-terminated). */
extern const struct arch_ops *const arch_all[];

#endif
