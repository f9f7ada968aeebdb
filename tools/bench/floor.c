/*
 * floor: the smallest ptrace + seccomp supervisor of sysward's design, for `make bench`.
 *
 * It traps the syscalls sysward's default filter traps by class (the runner passes them
 * from arch/syscalls.tbl), and at each seccomp stop does only what any supervisor of this design
 * must do: PTRACE_GET_SYSCALL_INFO, one process_vm_readv per path argument, PTRACE_CONT.
 * No policy, no path resolution, no rewrite, no exit stop.  Whatever sysward costs above
 * this is the price of its checks; what this costs above native is the price of the design.
 *
 *   floor [-c CPU] [-s STATSFILE] -t NAME[:I[:J]],... -- PROGRAM [ARGS...]
 *
 * -t  syscalls to trap, each with the indices of its path arguments (none, one or two).
 *     `sendto` is trapped only with a destination (argument 4 non-NULL), `prlimit64` only
 *     for another pid or with a new limit, as in sysward.
 * -s  write "traps N", "empty N" (stops whose path argument was "": fstat done as
 *     newfstatat(fd, "", AT_EMPTY_PATH)) and one "NAME N" line per trapped syscall to
 *     STATSFILE at the end.
 * -c  run the program on CPU (sched_setaffinity before exec): with `taskset -c 0 floor -c 1`
 *     every stop crosses CPUs, the worst placement of tracer and tracee.
 *
 * Exit status: the program's (128 + signal when it was killed); 125 for a floor failure.
 * Pinning is done from outside (taskset): the tracee inherits the tracer's CPU mask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_NR 1024
#define PAGE 4096u
#define FLOOR_FAIL 125

/* path argument indices per syscall number (the native ABI): [0] is -1 for a syscall that
 * is not trapped, -2 for one trapped without a path; [1] is -1 without a second path */
static signed char path_arg[MAX_NR][2];
/* stops per syscall number, and stops whose path argument was the empty string */
static unsigned long stops[MAX_NR], empty_paths;

static void __attribute__((noreturn)) die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(FLOOR_FAIL);
}

/* One path argument: page-bounded reads until the NUL (one process_vm_readv for most). */
static int read_path(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	buf[0] = '\0';
	while (got < size) {
		uint64_t a = addr + got;
		size_t chunk = PAGE - (size_t)(a % PAGE);
		struct iovec local, remote;
		ssize_t n;

		if (chunk > size - got)
			chunk = size - got;
		local = (struct iovec){buf + got, chunk};
		remote = (struct iovec){(void *)(uintptr_t)a, chunk};
		n = process_vm_readv(tid, &local, 1, &remote, 1, 0);
		if (n <= 0)
			return -1;
		if (memchr(buf + got, '\0', (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -1;
}

/*
 * -t list -> path_arg[] and a hand-written BPF program: check the arch, one JEQ per
 * trapped syscall jumping to RET TRACE, RET ALLOW after the last.  Written by hand
 * (libseccomp only resolves names) so the floor's start-up is not a filter compiler's.
 */
#if defined(__x86_64__)
#define FLOOR_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FLOOR_ARCH AUDIT_ARCH_AARCH64
#else
#error "floor: add this architecture's AUDIT_ARCH"
#endif
#define MAX_INSNS 512
#define STMT(code, k) ((struct sock_filter)BPF_STMT(code, k))
#define JUMP(code, k, jt, jf) ((struct sock_filter)BPF_JUMP(code, k, jt, jf))
#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))

static struct sock_filter insns[MAX_INSNS];

/* The filter's argument checks, as sysward's: a block that ends in ALLOW, every failed test
 * jumping to the final TRACE. */
static int arg_zero(int pc, int trace_pc, unsigned off)
{
	insns[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, off);
	insns[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, (unsigned char)(trace_pc - pc - 1));
	return pc + 1;
}

static struct sock_fprog build_filter(char *list)
{
	int nrs[MAX_INSNS], n = 0, sendto_nr = -1, prl_nr = -1, pc = 0, trace_pc, sendto_pc,
	    prl_pc;
	char *save = NULL;

	for (char *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *name = strtok(tok, ":"), *i0 = strtok(NULL, ":"), *i1 = strtok(NULL, ":");
		int nr = seccomp_syscall_resolve_name(name);

		if (nr < 0 || nr >= MAX_NR || path_arg[nr][0] != -1 || n >= 240)
			continue; /* not a syscall of this arch, or listed twice */
		path_arg[nr][0] = (signed char)(i0 ? atoi(i0) : -2); /* -2: trapped, no path */
		path_arg[nr][1] = (signed char)(i1 ? atoi(i1) : -1);
		if (strcmp(name, "sendto") == 0)
			sendto_nr = nr;
		else if (strcmp(name, "prlimit64") == 0)
			prl_nr = nr;
		else
			nrs[n++] = nr;
	}
	/* layout: prefix, n compares, [sendto compare], [prlimit64 compare], ALLOW,
	 * [sendto block], [prlimit64 block], TRACE */
	sendto_pc = 4 + n + (sendto_nr >= 0) + (prl_nr >= 0) + 1;
	prl_pc = sendto_pc + (sendto_nr >= 0 ? 5 : 0);
	trace_pc = prl_pc + (prl_nr >= 0 ? 7 : 0);
	insns[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	insns[pc++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, FLOOR_ARCH, 1, 0);
	insns[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	insns[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (int i = 0; i < n; i++, pc++)
		insns[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nrs[i],
				 (unsigned char)(trace_pc - pc - 1), 0);
	if (sendto_nr >= 0) {
		insns[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)sendto_nr,
				 (unsigned char)(sendto_pc - pc - 1), 0);
		pc++;
	}
	if (prl_nr >= 0) {
		insns[pc] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)prl_nr,
				 (unsigned char)(prl_pc - pc - 1), 0);
		pc++;
	}
	insns[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	if (sendto_nr >= 0) {
		/* sendto with a destination (argument 4, both halves) is trapped */
		pc = arg_zero(pc, trace_pc, ARG_LO(4));
		pc = arg_zero(pc, trace_pc, ARG_LO(4) + 4);
		insns[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	if (prl_nr >= 0) {
		/* prlimit64 runs natively for pid 0 (low half) with no new limit (argument 2) */
		pc = arg_zero(pc, trace_pc, ARG_LO(0));
		pc = arg_zero(pc, trace_pc, ARG_LO(2));
		pc = arg_zero(pc, trace_pc, ARG_LO(2) + 4);
		insns[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	insns[pc++] = STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	return (struct sock_fprog){.len = (unsigned short)pc, .filter = insns};
}

static void on_seccomp_stop(pid_t tid)
{
	struct __ptrace_syscall_info info;
	char path[4096];

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tid, sizeof(info), &info) > 0 &&
	    info.op == PTRACE_SYSCALL_INFO_SECCOMP && info.seccomp.nr < MAX_NR) {
		stops[info.seccomp.nr]++;
		for (int k = 0; k < 2; k++) {
			int i = path_arg[info.seccomp.nr][k];
			if (i < 0 || i > 5 || !info.seccomp.args[i])
				continue;
			if (read_path(tid, info.seccomp.args[i], path, sizeof(path)) == 0 &&
			    !path[0])
				empty_paths++;
		}
	}
	ptrace(PTRACE_CONT, tid, 0, 0);
}

int main(int argc, char **argv)
{
	const char *stats = NULL;
	char *list = NULL;
	int cpu = -1;
	struct sock_fprog prog;
	unsigned long traps = 0;
	int status = 0, opt, child_status = FLOOR_FAIL << 8;
	pid_t child;

	while ((opt = getopt(argc, argv, "+c:s:t:")) != -1) {
		if (opt == 'c')
			cpu = atoi(optarg);
		else if (opt == 's')
			stats = optarg;
		else if (opt == 't')
			list = optarg;
		else
			return FLOOR_FAIL;
	}
	if (optind >= argc || !list) {
		fprintf(
		    stderr,
		    "usage: floor [-c CPU] [-s STATS] -t NAME[:I[:J]],... -- PROGRAM [ARGS...]\n");
		return FLOOR_FAIL;
	}
	memset(path_arg, -1, sizeof(path_arg));
	prog = build_filter(list);

	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		/* stop until seized, then filter and exec: the exec is the first trapped call */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(FLOOR_FAIL);
		if (cpu >= 0) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) < 0)
				_exit(FLOOR_FAIL);
		}
		raise(SIGSTOP);
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
			_exit(FLOOR_FAIL);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	if (waitpid(child, &status, WUNTRACED) < 0 || !WIFSTOPPED(status)) {
		errno = ECHILD;
		die("the child did not stop");
	}
	if (ptrace(PTRACE_SEIZE, child, 0,
		   PTRACE_O_EXITKILL | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |
		       PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC) < 0)
		die("PTRACE_SEIZE");
	kill(child, SIGCONT);

	for (;;) {
		pid_t pid = waitpid(-1, &status, __WALL);
		int sig, ev;

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			die("waitpid");
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (pid == child)
				child_status = status;
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		sig = WSTOPSIG(status);
		ev = status >> 16;
		switch (ev) {
		case PTRACE_EVENT_SECCOMP:
			traps++;
			on_seccomp_stop(pid);
			break;
		case PTRACE_EVENT_STOP:
			/* group stop: stay stopped until SIGCONT; other (new task) stops: go */
			if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
				ptrace(PTRACE_LISTEN, pid, 0, 0);
			else
				ptrace(PTRACE_CONT, pid, 0, 0);
			break;
		case 0:
			ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig); /* deliver the signal */
			break;
		default:
			ptrace(PTRACE_CONT, pid, 0, 0); /* fork, vfork, clone, exec events */
			break;
		}
	}
	if (stats) {
		FILE *f = fopen(stats, "w");
		if (f) {
			fprintf(f, "traps %lu\nempty %lu\n", traps, empty_paths);
			for (int nr = 0; nr < MAX_NR; nr++) {
				char *name =
				    stops[nr]
					? seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr)
					: NULL;
				if (name)
					fprintf(f, "%s %lu\n", name, stops[nr]);
				free(name);
			}
			fclose(f);
		}
	}
	if (WIFSIGNALED(child_status))
		return 128 + WTERMSIG(child_status);
	return WEXITSTATUS(child_status);
}
