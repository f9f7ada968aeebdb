/* result: the verdict, the exit status and the result record of a run. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/systab.h"
#include "supervisor/json.h"
#include "supervisor/result.h"
#include "supervisor/util.h"

const char *verdict_name(enum verdict v)
{
	static const char *const names[] = {
		[V_OK] = "ok",
		[V_NONZERO_EXIT] = "nonzero-exit",
		[V_SIGNALED] = "signaled",
		[V_CPU_TIME] = "cpu-time-limit",
		[V_WALL_TIME] = "wall-time-limit",
		[V_MEMORY] = "memory-limit",
		[V_PIDS] = "pids-limit",
		[V_OUTPUT] = "output-limit",
		[V_POLICY_KILL] = "policy-kill",
		[V_INTERNAL] = "internal-error",
	};
	return names[v];
}

void result_environment(struct jbuf *jb, const struct result *res)
{
	struct utsname u;

	uname(&u);
	jb_key(jb, "environment");
	jb_obj_begin(jb);
	jb_kstr(jb, "cgroup", res->cgroup);
	jb_kint(jb, "landlock_abi", res->landlock_abi);
	jb_key(jb, "namespaces");
	jb_arr_begin(jb);
	for (int i = 0; i < res->n_namespaces; i++)
		jb_str(jb, res->namespaces[i]);
	jb_arr_end(jb);
	jb_kbool(jb, "privileged", res->privileged);
	jb_kstr(jb, "kernel", u.release);
	jb_kbool(jb, "mseal", res->mseal);
	jb_kbool(jb, "capabilities_dropped", res->caps_dropped);
	jb_obj_end(jb);
}

void result_json(struct jbuf *jb, const struct result *res)
{
	jb_obj_begin(jb);
	jb_kstr(jb, "verdict", verdict_name(res->verdict));
	jb_key(jb, "exit_code");
	if (res->exit_code >= 0)
		jb_int(jb, res->exit_code);
	else
		jb_null(jb);
	jb_key(jb, "signal");
	if (res->signal > 0)
		jb_int(jb, res->signal);
	else
		jb_null(jb);
	jb_kdouble(jb, "cpu_time_s", res->user_s + res->sys_s, 6);
	jb_kdouble(jb, "user_time_s", res->user_s, 6);
	jb_kdouble(jb, "sys_time_s", res->sys_s, 6);
	jb_kdouble(jb, "wall_time_s", res->wall_s, 6);
	jb_key(jb, "peak_memory_bytes");
	jb_uint(jb, res->peak_memory);
	jb_key(jb, "processes");
	jb_uint(jb, res->processes);
	jb_key(jb, "trapped_syscalls");
	jb_uint(jb, res->trapped);
	jb_key(jb, "denied_syscalls");
	jb_uint(jb, res->denied);
	jb_kstr(jb, "message", res->message);
	result_environment(jb, res);
	jb_kstr(jb, "policy_sha256", res->policy_sha256);
	if (res->stats) {
		double total = 0;
		jb_key(jb, "stats");
		jb_obj_begin(jb);
		jb_key(jb, "syscalls");
		jb_arr_begin(jb);
		for (unsigned i = 0; i <= systab_nrows; i++) {
			const struct sc_stat *st = &res->stats[i];
			if (!st->calls)
				continue;
			total += st->seconds;
			jb_obj_begin(jb);
			jb_kstr(jb, "syscall", i < systab_nrows ? systab_rows[i].name : "(other)");
			jb_key(jb, "calls");
			jb_uint(jb, st->calls);
			jb_key(jb, "denied");
			jb_uint(jb, st->denied);
			jb_kdouble(jb, "trap_seconds", st->seconds, 6);
			jb_obj_end(jb);
		}
		jb_arr_end(jb);
		jb_kdouble(jb, "trap_seconds", total, 6);
		jb_key(jb, "one_stop_calls");
		jb_uint(jb, res->direct_calls);
		jb_obj_end(jb);
	}
	jb_obj_end(jb);
}

static const struct sc_stat *sort_base;
static int by_time(const void *a, const void *b)
{
	const struct sc_stat *x = &sort_base[*(const unsigned *)a];
	const struct sc_stat *y = &sort_base[*(const unsigned *)b];
	return x->seconds < y->seconds ? 1 : x->seconds > y->seconds ? -1 : 0;
}

void result_print_stats(FILE *out, const struct result *res)
{
	unsigned idx[1024], n = 0;
	double total = 0;
	unsigned long calls = 0, denied = 0;

	if (!res->stats)
		return;
	for (unsigned i = 0; i <= systab_nrows && n < 1024; i++)
		if (res->stats[i].calls) {
			idx[n++] = i;
			total += res->stats[i].seconds;
		}
	sort_base = res->stats;
	qsort(idx, n, sizeof(idx[0]), by_time);
	fprintf(out, "%% time     seconds  usecs/call     calls    denied syscall\n");
	fprintf(out, "------ ----------- ----------- --------- --------- ----------------\n");
	for (unsigned k = 0; k < n; k++) {
		const struct sc_stat *st = &res->stats[idx[k]];
		calls += st->calls;
		denied += st->denied;
		fprintf(out, "%6.2f %11.6f %11.0f %9lu %9lu %s\n",
			total > 0 ? 100.0 * st->seconds / total : 0.0, st->seconds,
			1e6 * st->seconds / (double)st->calls, st->calls, st->denied,
			idx[k] < systab_nrows ? systab_rows[idx[k]].name : "(other)");
	}
	fprintf(out, "------ ----------- ----------- --------- --------- ----------------\n");
	fprintf(out, "100.00 %11.6f %11.0f %9lu %9lu total (time in the tracer, per trapped call)\n",
		total, calls ? 1e6 * total / (double)calls : 0.0, calls, denied);
	fprintf(out, "%lu of the %lu calls ran as the program made them, with one stop (no rewrite)\n",
		res->direct_calls, calls);
}

int result_write(const char *path, const struct result *res)
{
	struct jbuf jb;
	int e;

	jb_init(&jb, 0);
	result_json(&jb, res);
	e = write_file_atomic(path, jb.buf, jb.len);
	jb_free(&jb);
	return e;
}

int result_exit_status(const struct result *res)
{
	if (res->verdict == V_INTERNAL)
		return EXIT_SYSWARD_FAILED;
	if (res->signal > 0)
		return 128 + res->signal;
	if (res->exit_code >= 0)
		return res->exit_code;
	return EXIT_SYSWARD_FAILED;
}
