/*
 * filter: the seccomp-BPF program, generated with libseccomp from the syscall table and the
 * policy's register-only rules.  Default action TRACE: a syscall without a row (a new one)
 * reaches the tracer and is judged.  Foreign ABIs never match the filter's arch and are
 * killed (SCMP_FLTATR_ACT_BADARCH); libseccomp's x86_64 filter also kills x32 numbers.
 */
#include <errno.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "arch/systab.h"
#include "supervisor/tracer.h"
#include "supervisor/util.h"

/* compare the low 32 bits: the kernel truncates int arguments */
#define M32 0xffffffffULL

#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* FS_IOC_SETFLAGS, FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR; FIOSETOWN, SIOCSPGRP (a SIGIO
 * owner: any process, the tracer included) */
static const uint64_t inode_ioctls[] = { 0x40086602, 0x40046602, 0x401c5820, 0x8901, 0x8902 };

static int add_class_rules(scmp_filter_ctx ctx, struct run *r, const struct sc_row *row, int nr)
{
	int e = 0;

	switch ((enum sc_class)row->cls) {
	case SC_ALLOW:
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	case SC_MM:
		/* with mseal() the kernel itself keeps the arena mapped and read-only */
		return r->mseal ? seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) : 0;
	case SC_EPERM:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	case SC_ENOSYS:
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	case SC_CLONE:
		/* an untraced child would run outside the tracer */
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, 0));
		return e;
	case SC_IOCTL:
		/* the refusals compare the low 32 bits only, as the kernel reads the argument:
		 * (1 << 32) | TIOCSTI is TIOCSTI.  libseccomp drops conditional rules beside an
		 * unconditional one, so the rest is split in 64-bit ranges placed after the
		 * refusals in its decision tree (see `seccomp_export_pfc`): below and above run
		 * natively, the few requests between are judged by the tracer */
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, M32, TIOCSTI));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					     SCMP_A1(SCMP_CMP_MASKED_EQ, M32, TIOCLINUX));
		/* inode flags (chattr) and fsxattr through any fd, even one opened read-only */
		for (size_t i = 0; i < ARRAY_SIZE(inode_ioctls) && !e; i++)
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					     SCMP_A1(SCMP_CMP_MASKED_EQ, M32, inode_ioctls[i]));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_LT, TIOCSTI));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_GT, TIOCLINUX));
		return e;
	case SC_PRCTL:
		/* the same shape: PR_SET_DUMPABLE (4) < PR_SET_SECCOMP (22) < PR_SET_MM (35) */
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, M32, PR_SET_DUMPABLE));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, M32, PR_SET_SECCOMP));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, M32, PR_SET_MM));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_A0(SCMP_CMP_LT, PR_SET_DUMPABLE));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_GT, PR_SET_MM));
		return e;
	case SC_FCNTL:
		/* F_DUPFD .. F_SETLKW run natively; F_SETOWN and above are judged (a 64-bit
		 * compare: (1 << 32) | F_SETOWN is not below F_SETOWN, so it is judged too) */
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_LT, F_SETOWN));
	case SC_RLIMIT:
		/* RLIMIT_CORE stays 0: a raised core limit writes core files anywhere */
		e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, M32, RLIMIT_CORE));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_LT, RLIMIT_CORE));
		if (!e)
			e = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_GT, RLIMIT_CORE));
		return e;
	case SC_SENDTO:
		/* no destination: the connected peer, nothing to judge */
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A4(SCMP_CMP_EQ, 0));
	case SC_PID:
		/* prlimit64(0, r, NULL, old) is getrlimit (libc's, at every process start): the
		 * caller itself (pid_t: the low 32 bits, as the kernel reads it), nothing set.
		 * Any other pid, or a new limit, is judged */
		if (strcmp(row->name, "prlimit64") == 0)
			return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 2,
						SCMP_A0(SCMP_CMP_MASKED_EQ, M32, 0),
						SCMP_A2(SCMP_CMP_EQ, 0));
		return 0;
	default:
		return 0; /* the default action: TRACE */
	}
}

int filter_build(struct run *r, void **prog, size_t *len)
{
	const struct arch_ops *native = arch_native();
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRACE(0));
	int e = 0, fd = -1;
	off_t size;
	char *buf = NULL;

	if (!ctx)
		return -ENOMEM;
	if ((e = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (e = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		goto out;
#if SCMP_VER_MAJOR > 2 || (SCMP_VER_MAJOR == 2 && SCMP_VER_MINOR >= 5)
	/* a binary search on the syscall number instead of a chain of ~280 compares: the same
	 * decisions (each syscall's argument checks are unchanged), fewer instructions run per
	 * syscall, and the kernel loads it in 0.17 ms instead of 0.43 (its JIT converges in
	 * fewer passes on short jumps); libseccomp takes ~0.3 ms longer to compile it, which a
	 * server does once per policy.  Older libseccomp: the linear chain. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
#endif

	for (unsigned i = 0; i < systab_nrows; i++) {
		const struct sc_row *row = &systab_rows[i];
		long nr = systab_nr(native, row);
		struct pol_verdict v;

		if (nr < 0)
			continue;
		if (row->cls != SC_EPERM && row->cls != SC_ENOSYS &&
		    policy_syscall_rule(r->policy, row->name, &v) > 0) {
			/* a register-only rule: a deny goes straight into the filter, unless
			 * audit mode or a backtrace needs the tracer to see the call */
			if (v.action == POL_DENY && !r->audit_mode &&
			    !settings_wants_backtrace(&r->set, row->name, true))
				e = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)v.err), (int)nr, 0);
			/* allow and kill rules: trapped, so the call is judged and logged */
		} else if (settings_wants_backtrace(&r->set, row->name, false) &&
			   row->cls != SC_EPERM && row->cls != SC_ENOSYS) {
			e = 0; /* trapped for its backtrace */
		} else {
			e = add_class_rules(ctx, r, row, (int)nr);
		}
		if (e < 0 && e != -EEXIST)
			goto out;
		e = 0;
	}

	fd = memfd_create("sysward-bpf", MFD_CLOEXEC);
	if (fd < 0) {
		e = -errno;
		goto out;
	}
	if ((e = seccomp_export_bpf(ctx, fd)) < 0)
		goto out;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0) {
		e = -EIO;
		goto out;
	}
	buf = xmalloc((size_t)size);
	if (pread(fd, buf, (size_t)size, 0) != size) {
		e = -EIO;
		goto out;
	}
	*prog = steal_pointer(&buf);
	*len = (size_t)size;
out:
	free(buf);
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return e;
}
