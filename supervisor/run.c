/*
 * run: `sysward run` from options to exit status — policy, limits, arena, trail, launch,
 * the loop, and the result.  Setup failures exit 125 before any process exists, or after
 * killing the one that does.
 */
#include <errno.h>
#include <sched.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/systab.h"
#include "supervisor/audit.h"
#include "supervisor/backstops/landlock.h"
#include "supervisor/backstops/pidns.h"
#include "supervisor/limits/limits.h"
#include "supervisor/result.h"
#include "supervisor/run.h"
#include "supervisor/util.h"

extern char **environ;
const char *sysward_version(void);

/* Build the effective policy: profile and/or files, the working-directory rules. */
static int build_policy(struct run *r, const struct options *o)
{
	struct pol_error err;
	const char *profile = o->profile;

	r->policy = policy_new();
	if (!profile && o->n_policy == 0)
		profile = "default";
	if (profile && policy_load_profile(r->policy, profile, &err) < 0) {
		warnx_("%s", err.msg);
		return -EINVAL;
	}
	r->profile = profile;
	if (profile && strcmp(profile, "default") == 0) {
		/* the default profile lets the program use its working directory; never `/`:
		 * a rule for all of / would override every secret the profile protects */
		if (strcmp(r->cwd, "/") == 0) {
			warnx_("the working directory is /: the default profile grants it nothing");
		} else if (policy_add_dir_rule(r->policy, POL_ALLOW, POL_WRITE, r->cwd, "cwd",
					       &err) < 0 ||
			   policy_add_dir_rule(r->policy, POL_ALLOW, POL_EXEC, r->cwd, "cwd",
					       &err) < 0) {
			warnx_("%s", err.msg);
			return -EINVAL;
		}
	}
	for (int i = 0; i < o->n_policy; i++) {
		if (policy_load_file(r->policy, o->policy_files[i], &err) < 0) {
			warnx_("%s", err.msg);
			return -EINVAL;
		}
	}
	return 0;
}

int run_build_policy(const struct options *o, const char *cwd, struct policy **out,
		     const char **profile)
{
	struct run *r = xcalloc(1, sizeof(*r));
	int e;

	snprintf(r->cwd, sizeof(r->cwd), "%s", cwd);
	e = build_policy(r, o);
	if (e < 0) {
		policy_free(r->policy);
		r->policy = NULL;
	}
	*out = r->policy;
	*profile = r->profile;
	free(r);
	return e;
}

/* arena_probe_mseal() once per process: each probe leaves a sealed page behind */
static bool probe_mseal(void)
{
	static int known = -1;

	if (known < 0)
		known = arena_probe_mseal();
	return known;
}

int run_build_filter(struct policy *p, const struct options *o, void **prog, size_t *len,
		     bool *mseal)
{
	struct run *r = xcalloc(1, sizeof(*r));
	int e;

	/* exactly the inputs filter_build reads from a run (run_with_hooks sets them so) */
	r->opt = o;
	r->policy = p;
	r->set = *policy_settings(p);
	settings_merge(&r->set, &o->cli);
	r->audit_mode = r->set.mode == MODE_AUDIT;
	r->mseal = *mseal = probe_mseal();
	e = filter_build(r, prog, len);
	free(r);
	return e;
}

static char **build_env(const struct options *o)
{
	size_t n = 0, cap = 16;
	char **env = xcalloc(cap, sizeof(char *));

	if (!o->clear_env)
		for (char **e = environ; *e; e++) {
			if (n + 2 > cap)
				env = xrealloc(env, (cap *= 2) * sizeof(char *));
			env[n++] = *e;
		}
	for (int i = 0; i < o->n_env; i++) {
		size_t kl = (size_t)(strchr(o->env[i], '=') - o->env[i]);
		size_t j;
		for (j = 0; j < n; j++)
			if (strncmp(env[j], o->env[i], kl + 1) == 0)
				break;
		if (j == n) {
			if (n + 2 > cap)
				env = xrealloc(env, (cap *= 2) * sizeof(char *));
			n++;
		}
		env[j] = (char *)o->env[i];
	}
	env[n] = NULL;
	return env;
}

char **run_build_env(const struct options *o)
{
	return build_env(o);
}

/* PATH search as execvp does it, done before the run so only one execve is trapped. */
static void find_program(const char *name, char *const envp[], char *out, size_t size)
{
	const char *path = NULL;

	snprintf(out, size, "%s", name);
	if (strchr(name, '/'))
		return;
	for (char *const *e = envp; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		const char *end = strchrnul(path, ':');
		char cand[PATH_MAX];
		int n = snprintf(cand, sizeof(cand), "%.*s/%s", (int)(end - path),
				 end == path ? "." : path, name);
		if (n > 0 && (size_t)n < sizeof(cand) && access(cand, X_OK) == 0) {
			snprintf(out, size, "%s", cand);
			return;
		}
		path = *end ? end + 1 : end;
	}
}

static void audit_start(struct run *r, const struct options *o, const struct result *res,
			const char *path)
{
	struct jbuf *jb = audit_begin(r->audit, "start", getpid(), getpid());

	if (!jb)
		return;
	jb_kstr(jb, "version", sysward_version());
	jb_kstr(jb, "program", path);
	jb_key(jb, "argv");
	jb_arr_begin(jb);
	for (int i = 0; i < o->argc && i < 256; i++)
		jb_str(jb, o->argv[i]);
	jb_arr_end(jb);
	jb_kstr(jb, "cwd", r->cwd);
	jb_kstr(jb, "mode", r->audit_mode ? "audit" : "enforce");
	if (r->profile)
		jb_kstr(jb, "profile", r->profile);
	jb_kstr(jb, "policy_sha256", res->policy_sha256);
	result_environment(jb, res);
	audit_commit(r->audit);
}

static void audit_end(struct run *r, const struct result *res)
{
	struct jbuf *jb = audit_begin(r->audit, "end", r->child, r->child);

	if (!jb)
		return;
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
	jb_kdouble(jb, "wall_time_s", res->wall_s, 6);
	jb_kstr(jb, "message", res->message);
	audit_commit(r->audit);
}

static void finish(struct run *r, struct result *res)
{
	struct limits_usage u = { 0 };
	double ru_user = (double)r->child_ru.ru_utime.tv_sec + r->child_ru.ru_utime.tv_usec / 1e6;
	double ru_sys = (double)r->child_ru.ru_stime.tv_sec + r->child_ru.ru_stime.tv_usec / 1e6;
	char what[64];
	int fail;

	res->wall_s = now_monotonic() - r->t0;
	if (r->limits)
		limits_sample(r->limits, NULL, 0, &u);
	res->user_s = u.user_s > ru_user ? u.user_s : ru_user;
	res->sys_s = u.sys_s > ru_sys ? u.sys_s : ru_sys;
	res->peak_memory = u.peak_memory_bytes;
	if ((uint64_t)r->child_ru.ru_maxrss * 1024 > res->peak_memory)
		res->peak_memory = (uint64_t)r->child_ru.ru_maxrss * 1024;
	res->processes = r->processes;
	res->trapped = r->trapped;
	res->denied = r->denied;

	res->exit_code = -1;
	res->signal = 0;
	if (r->child_done) {
		if (WIFEXITED(r->child_status))
			res->exit_code = WEXITSTATUS(r->child_status);
		else if (WIFSIGNALED(r->child_status))
			res->signal = WTERMSIG(r->child_status);
	}
	fail = launch_exec_failure(r, what, sizeof(what));
	if (r->internal_error || fail < 0) {
		res->verdict = V_INTERNAL;
		if (fail < 0)
			snprintf(res->message, sizeof(res->message), "setting up the program failed: %s: %s",
				 what, strerror(-fail));
		else
			snprintf(res->message, sizeof(res->message), "sysward failed: %s", r->message);
		return;
	}
	if (r->forced != V_OK) {
		res->verdict = r->forced;
		snprintf(res->message, sizeof(res->message), "%s", r->message);
		return;
	}
	if (u.oom) {
		res->verdict = V_MEMORY;
		snprintf(res->message, sizeof(res->message), "memory limit exceeded (OOM kill)");
		loop_audit_limit(r, "memory", res->message);
		return;
	}
	if (u.pids_hit && (res->signal || res->exit_code != 0)) {
		res->verdict = V_PIDS;
		snprintf(res->message, sizeof(res->message), "process limit reached");
		loop_audit_limit(r, "pids", res->message);
		return;
	}
	if (u.scratch_full) {
		res->verdict = V_OUTPUT;
		snprintf(res->message, sizeof(res->message), "scratch space full");
		loop_audit_limit(r, "output", res->message);
		return;
	}
	if (res->signal == SIGXFSZ) {
		res->verdict = V_OUTPUT;
		snprintf(res->message, sizeof(res->message), "file size limit exceeded");
		loop_audit_limit(r, "output", res->message);
		return;
	}
	if (fail > 0) {
		res->verdict = V_NONZERO_EXIT;
		snprintf(res->message, sizeof(res->message), "cannot execute %s: %s",
			 r->opt->argv[0], strerror(fail));
		warnx_("%s", res->message);
		return;
	}
	if (res->signal) {
		res->verdict = V_SIGNALED;
		snprintf(res->message, sizeof(res->message), "killed by signal %d (%s)%s%s",
			 res->signal, strsignal(res->signal), r->message[0] ? ": " : "", r->message);
	} else if (res->exit_code != 0) {
		res->verdict = V_NONZERO_EXIT;
		snprintf(res->message, sizeof(res->message), "exited with status %d", res->exit_code);
	} else {
		res->verdict = V_OK;
		snprintf(res->message, sizeof(res->message), "exited normally");
	}
}

int run_main(const struct options *o)
{
	return run_with_hooks(o, NULL);
}

int run_with_hooks(const struct options *o, const struct run_hooks *h)
{
	struct run r;
	struct result res;
	char why[512] = "";
	char path[PATH_MAX];
	char **envp = NULL;
	int e, status = EXIT_SYSWARD_FAILED;
	/* made ahead by the caller: ours now, used or not */
	struct limits *ahead_limits = h ? h->limits : NULL;
	struct arena *ahead_arena = h ? h->boot_arena : NULL;
	struct launch_ahead *ahead_launch = h ? h->launch_ahead : NULL;
	bool policy_changed = false; /* rules added to the policy given (h->policy_sha256) */

	memset(&r, 0, sizeof(r));
	memset(&res, 0, sizeof(res));
	r.opt = o;
	r.report_fd = -1;
	r.landlock_fd = -1;
	r.t0 = now_monotonic();

	if ((e = systab_init()) < 0)
		die("cannot index the syscall table: %s", strerror(-e));
	if (o->stats)
		r.stats = xcalloc(systab_nrows + 1, sizeof(*r.stats));
	if (o->chdir) {
		if (!realpath(o->chdir, r.cwd))
			die("--chdir: %s: %s", o->chdir, strerror(errno));
	} else if (!getcwd(r.cwd, sizeof(r.cwd))) {
		die("cannot get the working directory: %s", strerror(errno));
	}
	if (h && h->policy) {
		r.policy = h->policy; /* built by run_build_policy(); the run owns it now */
		r.profile = h->profile;
	} else if (build_policy(&r, o) < 0) {
		goto out_policy;
	}
	r.set = *policy_settings(r.policy);
	settings_merge(&r.set, &o->cli);
	r.audit_mode = r.set.mode == MODE_AUDIT;
	/* --profile audit changes nothing the program can observe beyond what was asked */
	r.set.plain = r.profile && strcmp(r.profile, "audit") == 0 && o->n_policy == 0;

	/* a PID namespace of its own for the program, when the kernel lets us make one: root
	 * (CAP_SYS_ADMIN), backstops on, and not where the program must see no difference */
	if (!o->no_backstops && !r.audit_mode && !r.set.plain && geteuid() == 0) {
		static bool told;
		e = pidns_probe();
		r.pidns = e == 0;
		/* the launch child and the namespace's init are killed together at the end: an
		 * init whose parent died first comes to us, so the loop reaps it rather than
		 * leaving a zombie to the machine's init (the program's orphans stay inside the
		 * namespace, with its init) */
		if (r.pidns)
			prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
		if (e < 0 && !told) {
			warnx_("PID namespace backstop not used: %s", strerror(-e));
			told = true;
		}
	}
	{
		/* the launch child and the namespace's init live in the cgroup too */
		struct settings ls = r.set;
		if (r.pidns && ls.set[LIM_PIDS])
			ls.pids += 2;
		e = 0;
		if (ahead_limits && limits_adopt(ahead_limits, &ls) == 0) {
			r.limits = ahead_limits;
		} else {
			/* its launch tree is in those cgroups, which limits_create() takes over */
			launch_ahead_drop(ahead_launch);
			ahead_launch = NULL;
			if (ahead_limits)
				limits_drop(ahead_limits);
		}
		ahead_limits = NULL;
		if (!r.limits)
			e = limits_create(&r.limits, &ls, why, sizeof(why));
	}
	if (e < 0) {
		warnx_("%s", why[0] ? why : strerror(-e));
		goto out_policy;
	}
	if (limits_notice(r.limits))
		warnx_("%s", limits_notice(r.limits));
	if (limits_scratch_dir(r.limits)) {
		struct pol_error err;
		snprintf(r.cwd, sizeof(r.cwd), "%s", limits_scratch_dir(r.limits));
		policy_changed = true;
		if (policy_add_dir_rule(r.policy, POL_ALLOW, POL_WRITE, r.cwd, "scratch", &err) < 0 ||
		    policy_add_dir_rule(r.policy, POL_ALLOW, POL_EXEC, r.cwd, "scratch", &err) < 0) {
			warnx_("%s", err.msg);
			goto out_limits;
		}
	}
	r.mseal = probe_mseal();
	if (h && h->filter && h->filter_mseal == r.mseal) {
		r.filter = h->filter;
		r.filter_len = h->filter_len;
	}
	r.boot_arena = ahead_arena;
	ahead_arena = NULL;
	if (!r.boot_arena && !(r.boot_arena = arena_new_local())) {
		warnx_("cannot create the argument arena: %s", strerror(errno));
		goto out_limits;
	}
	if ((e = audit_open(&r.audit, o->audit_path, r.t0)) < 0) {
		warnx_("--audit: %s: %s", o->audit_path, strerror(-e));
		goto out_arena;
	}

	if (!o->no_backstops && !r.audit_mode) {
		/* the kernel's own wall behind the tracer, when it has Landlock */
		e = landlock_build(r.policy, &r.landlock_abi);
		if (e >= 0)
			r.landlock_fd = e;
		else if (e != -EOPNOTSUPP)
			warnx_("Landlock backstop not used: %s", strerror(-e));
	}
	res.landlock_abi = r.landlock_abi;
	/* a root program loses what it could use against the machine: not in audit mode,
	 * where the program must see no difference, nor with --no-backstops */
	r.drop_caps = !o->no_backstops && !r.audit_mode && !r.set.plain && geteuid() == 0;
	res.caps_dropped = r.drop_caps;
	if (r.drop_caps && policy_default(r.policy) == POL_DENY) {
		/* the root is read-only but for what the policy lets the program write */
		r.rw = xcalloc(256, sizeof(*r.rw));
		r.nrw = backstop_write_anchors(r.policy, r.rw, 255);
		snprintf(r.rw[r.nrw++], sizeof(r.rw[0]), "%s", r.cwd);
		res.namespaces[res.n_namespaces++] = "mnt-ro";
	}
	if (h && h->policy_sha256 && h->policy && !policy_changed)
		snprintf(res.policy_sha256, sizeof(res.policy_sha256), "%s", h->policy_sha256);
	else
		policy_sha256(r.policy, res.policy_sha256);
	res.cgroup = limits_backend_name(r.limits);
	res.privileged = geteuid() == 0;
	res.mseal = r.mseal;
	if (limits_namespaces(r.limits) & CLONE_NEWNS)
		res.namespaces[res.n_namespaces++] = "mnt";
	if (o->net == NET_NONE || o->net == NET_LOOPBACK)
		res.namespaces[res.n_namespaces++] = "net";
	if (r.pidns) {
		/* pid_namespace() (launch.c) makes a mount namespace for its /proc if need be */
		if (!r.rw && !(limits_namespaces(r.limits) & CLONE_NEWNS))
			res.namespaces[res.n_namespaces++] = "mnt";
		res.namespaces[res.n_namespaces++] = "pid";
	}

	/* the launch tree made ahead, when it has the shape this run needs; its program
	 * process reads the policy where the worker had it when it forked (launch.c) */
	if (ahead_launch && launch_ahead_fits(ahead_launch, &r) && h->policy && !policy_changed)
		r.ahead = ahead_launch;
	else
		launch_ahead_drop(ahead_launch);
	ahead_launch = NULL;

	envp = build_env(o);
	find_program(o->argv[0], envp, path, sizeof(path));
	audit_start(&r, o, &res, path);

	if (access(path, F_OK) < 0 && (errno == ENOENT || errno == ENOTDIR)) {
		/* not there at all: no process is started (a policy refusal would hide it) */
		res.verdict = V_NONZERO_EXIT;
		res.exit_code = EXIT_NOT_FOUND;
		snprintf(res.message, sizeof(res.message), "%s: not found", o->argv[0]);
		warnx_("%s", res.message);
		res.wall_s = now_monotonic() - r.t0;
		goto out_result;
	}
	if ((e = launch(&r, o->argv, envp, path)) < 0) {
		res.verdict = V_INTERNAL;
		res.exit_code = -1;
		snprintf(res.message, sizeof(res.message), "launch failed: %s", strerror(-e));
		res.wall_s = now_monotonic() - r.t0;
		goto out_result;
	}
	limits_pin_tracer(r.limits); /* best effort: only speed depends on it */
	r.answer_early = h && h->on_result;
	loop_run(&r);
	if (!r.reaping) {
		/* whatever is left in the run's cgroups goes too */
		pid_t none = 0;
		limits_kill_all(r.limits, &none, 0);
	}
	finish(&r, &res);
	res.stats = r.stats;
	res.direct_calls = r.direct_calls;
	if (r.stats)
		result_print_stats(stderr, &res);

out_result:
	audit_end(&r, &res);
	if (audit_close(r.audit) < 0) {
		warnx_("writing the audit trail failed");
		res.verdict = V_INTERNAL;
	}
	r.audit = NULL;
	if (o->result_path && (e = result_write(o->result_path, &res)) < 0) {
		warnx_("--result: %s: %s", o->result_path, strerror(-e));
		res.verdict = V_INTERNAL;
	}
	status = result_exit_status(&res);
	if (res.verdict == V_INTERNAL && res.message[0])
		warnx_("%s", res.message);
	if (h && h->on_result)
		h->on_result(&res, status, h->arg);
	if (r.reaping) {
		/* answered: now sysward's own tasks, killed already, and anything else */
		pid_t none = 0;
		loop_run(&r);
		limits_kill_all(r.limits, &none, 0);
	}
out_arena:
	audit_close(r.audit);
	/* after the tracees: they hold references */
out_limits:
	launch_ahead_drop(r.ahead); /* not launched: its tree is in the cgroups */
	r.ahead = NULL;
	limits_destroy(r.limits);
out_policy:
	launch_ahead_drop(ahead_launch);
	free(envp);
	tracee_free_all(&r);
	if (r.boot_arena)
		arena_unref(r.boot_arena);
	if (ahead_arena)
		arena_unref(ahead_arena);
	limits_destroy(ahead_limits);
	free(r.stats);
	free(r.rw);
	policy_free(r.policy);
	if (r.report_fd >= 0)
		close(r.report_fd);
	if (r.landlock_fd >= 0)
		close(r.landlock_fd);
	return status;
}
