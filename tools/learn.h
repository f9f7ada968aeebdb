/*
 * learn: `sysward learn`, an audit trail turned into the narrowest policy of our language
 * that lets the run it records succeed under `default deny` (INTERFACE.md, sysward(1)).
 *
 * Two forms, told apart by the command line alone (learn_form):
 *   sysward learn -o POLICY [RUN OPTIONS] -- PROGRAM [ARGS...]
 *       a `--` came before the operands: run the program as `sysward run` would, in audit
 *       mode (nothing denied, every decision logged), with the `default` profile unless
 *       --profile/--policy say otherwise, the trail in an unnamed temporary file unless -a
 *       names one; then learn from that trail.  Exit status: the run's.
 *   sysward learn -o POLICY AUDIT.jsonl
 *       no `--`, exactly one operand, ending in `.jsonl`: learn from that trail.  Run
 *       options are refused here.  Exit status 0.
 * Anything else (no `--` and not one *.jsonl operand) is a usage error: 125, as is every
 * failure to read the trail or write the policy.  `-o -` writes the policy to stdout.
 *
 * What is learned, from the `syscall` records the policy judged (rule `builtin` is skipped:
 * no policy can change it), the `exec` events and `spawn` events (patterns below are written
 * with STAR for the wildcard, which a C comment cannot hold after a slash):
 *   - files: read/write/exec of args.resolved (and resolved2, interpreter); the access comes
 *     from args.access (opens) or the syscall table (arch/syscalls.tbl); write implies read,
 *     so a name both read and written gets one `allow write`.
 *   - the working directory (start.cwd): every name under it becomes one rule CWD/STAR-STAR
 *     with the accesses used, unless a secret of the default profile could lie under it
 *     (other than the home directory the working directory is in) or it is the root.
 *   - temporary files: a name the run both created and removed differs in every run; it
 *     becomes DIR/STAR.EXT (DIR/STAR without an extension), a temporary directory
 *     DIR/STAR/STAR-STAR, unless a secret could lie in DIR.
 *   - collapsing: DIR/STAR-STAR when at least LEARN_COLLAPSE_MIN distinct names directly
 *     inside DIR were used with the same access (a written name counts as read too), never
 *     when a secret of the default profile could match DIR or anything under it; exact
 *     names otherwise.
 *   - never granted: what the `default` profile denies by a rule of its own (/etc/shadow,
 *     /etc/gshadow, /etc/sudoers, SSH host keys, /root, /home other than the working
 *     directory, other processes' /proc/PID/{environ,mem,fd,map_files}): a comment line
 *     says the run tried it and that it was left denied.
 *   - /proc/PID/... of the run's own processes (pids of the trail's events): reads are
 *     skipped, the tracer allows them in every run; other accesses become /proc/STAR/...
 *     (pids change between runs); its own environ, mem and fd are left denied.
 *   - ELF interpreters: the kernel loads an executable's PT_INTERP (ld.so) without a system
 *     call, so the trail never shows it; the language asks only read of it, but the Landlock
 *     backstop needs exec to let the kernel open it for execution: `allow exec` of the
 *     interpreter of every executable the run ran, read from the file when learning.
 *   - network: connect/bind to 127.0.0.0/8 or ::1 -> `loopback`; others exact `inet:A:P`,
 *     `inet6:[A]:P`, `unix:PATH`, `unix-abstract:NAME`; `socket FAMILY` for families the
 *     policy judges (raw, ping, netlink, ...); `allow syscall NAME` for calls judged by
 *     syscall rules only (the table's `priv` class, calls without a row); `redirect` lines
 *     for paths the run's policy redirected.
 * A trail recorded in enforce mode is learned from, with a warning: what its policy refused
 * failed in that run, so the program may have done less than it would.
 * Each rule's comment names the first process that needed it (pid and executable) and how
 * many others did.  The same trail always gives the same text.  The text is checked before
 * it is written: it must load, allow every file access it was learned from, and deny reading
 * every secret the run tried.
 */
#ifndef SYSWARD_LEARN_H
#define SYSWARD_LEARN_H

#include <stddef.h>
#include <stdio.h>

#include "supervisor/cli.h"

#define LEARN_COLLAPSE_MIN 8	    /* names directly in DIR, one access: collapse */
#define LEARN_MAX_LINE (16u << 20)  /* longest trail line read (an exec's argv) */
#define LEARN_MAX_DEPTH 64	    /* JSON nesting of one line */
#define LEARN_MAX_VALUES (1u << 20) /* JSON values in one line */
#define LEARN_MAX_NAMES 2000000u    /* distinct names, addresses and calls kept */
#define LEARN_MAX_NOTES 64	    /* "left denied" comment lines; then a count */

enum learn_form { LEARN_FROM_RUN, LEARN_FROM_TRAIL };

/* Which form the operands of `learn` are (see above).  0 with *form set, or -EINVAL with a
 * message in err. */
int learn_form(const struct options *o, enum learn_form *form, char *err, size_t errsz);

struct learn_stats {
	unsigned rules;	  /* statements written, `default deny` included */
	unsigned secrets; /* distinct names left denied as secrets */
	unsigned notes;	  /* other comment lines about what could not be granted */
};

/*
 * Learn from the trail read from fd (from its current offset) and write the policy text to
 * out.  `name` names the trail in messages.  0, or -errno with a message in err: -EINVAL (not
 * an audit trail: no `start` event), -E2BIG (more than LEARN_MAX_NAMES), -EIO (reading),
 * -ENOENT (the default profile, which defines the secrets, cannot be loaded), -EPROTO (the
 * learned text failed its own check: a bug).  Lines that are not JSON are skipped with a
 * warning.  stats may be NULL.
 */
int learn_trail(int fd, const char *name, FILE *out, struct learn_stats *stats, char *err,
		size_t errsz);

/* `sysward learn`: returns the exit status. */
int learn_main(const struct options *o);

#endif
