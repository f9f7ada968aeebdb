/*
 * launch.h: what launch.c (a launch child forked for its run) and launch-ahead.c (one forked
 * before its run, by a server's spare worker) share.  Not for other files: tracer.h has the
 * launch interface.
 */
#ifndef SYSWARD_LAUNCH_H
#define SYSWARD_LAUNCH_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "supervisor/tracer.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* where launch_child_fail() failed: before the exec (sysward exits 125) or in it (126/127) */
enum { CHILD_SETUP = 1, CHILD_EXEC = 2 };

/* The child's end of the report pipe (close-on-exec), read after the run. */
extern int launch_report_pipe;

/* Child: report `what` failed with errno `err` on the report pipe, and exit. */
void __attribute__((noreturn)) launch_child_fail(int stage, int err, const char *what);
/* Child: TracerPid in /proc/self/status is `tracer`. */
bool launch_traced_by(pid_t tracer);
/* Child: --net none|loopback, a network namespace of its own (`lo` up for loopback). */
int launch_private_network(enum net_mode net);
/* Child: Landlock, capabilities, the seccomp filter, execve; nothing after runs but the
 * program. */
void __attribute__((noreturn)) launch_child_exec(int landlock_fd, bool drop_caps,
						 const struct sock_fprog *fprog, const char *path,
						 char *const argv[], char *const envp[]);
/* The launch child's note on the tree's socket (launch-ahead.c): the init's pid. */
struct launch_init_note {
	char tag; /* 'I' */
	pid_t pid;
} __attribute__((packed));

/* Child, PID namespace backstop: fork the namespace's init and under it the program process;
 * returns in the program process (pid 2, its own session).  `fd`: closed in the others
 * (-1: none); with `note` the launch child sends the init's pid on it first. */
void launch_pidns_fork(int fd, bool note);
/* Program process of a PID namespace, traced: its own mount namespace unless `rofs` made
 * one, the namespace's /proc, the Landlock rules for /proc again on `landlock_fd` (-1:
 * none). */
void launch_pidns_proc(bool rofs, int landlock_fd, const struct policy *p);
/* fork(), into the cgroup v2 directory cgfd when there is one (*inside says so). */
pid_t launch_fork_into(int cgfd, bool *inside);
/* launch() with the tree made ahead (r->ahead): seize it, send its program process the
 * order.  0, or -errno with the tree killed and reaped. */
int launch_ahead_go(struct run *r, struct launch_ahead *a, const void *prog, size_t proglen,
		    const char *path, char *const argv[], char *const envp[], long options);

#endif
