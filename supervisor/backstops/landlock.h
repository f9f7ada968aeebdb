/*
 * landlock: the policy's allow rules as a Landlock ruleset, a kernel backstop behind the
 * tracer (inode-based, unprivileged).  Deny rules inside allowed trees stay the tracer's
 * job; what Landlock adds is that nothing outside every allowed tree can be reached even if
 * a race in the tracer were won.  Signals to processes outside the sandbox (the tracer) and
 * abstract unix sockets (unless a rule allows them) are scoped where the ABI has it.
 */
#ifndef SYSWARD_LANDLOCK_H
#define SYSWARD_LANDLOCK_H

struct policy;

/* Highest Landlock ABI of this kernel (probed once), 0 when unavailable. */
int landlock_abi(void);
/* Build the ruleset for a `default deny` policy in the parent.  The fd (close-on-exec), or
 * -errno; -EOPNOTSUPP when the policy or the kernel does not call for one. */
int landlock_build(const struct policy *p, int *abi_used);
/* In the child, after mounting a file system over `mountpoint` (pidns: /proc): grant the
 * rules anchored there again, on the new mount.  0 or -errno. */
int landlock_regrant(int ruleset_fd, const struct policy *p, const char *mountpoint);
/* In the child, after NO_NEW_PRIVS: enforce it.  0 or -errno. */
int landlock_enforce(int ruleset_fd);

/* The files and directories `allow write` rules hang on (the literal part before a
 * wildcard), for the read-only root (rofs.c).  How many were written to out. */
int backstop_write_anchors(const struct policy *p, char (*out)[4096], int max);

#endif
