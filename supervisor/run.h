/* run: `sysward run`; check: `sysward check-policy`. */
#ifndef SYSWARD_RUN_H
#define SYSWARD_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "supervisor/cli.h"

/* Returns the exit status of `sysward run` (INTERFACE.md). */
int run_main(const struct options *o);

struct arena;
struct launch_ahead;
struct limits;
struct policy;
struct result;

/* What a `sysward serve` worker adds to a run (serve.c); run_main is run_with_hooks(o, NULL). */
struct run_hooks {
	/* Built by run_build_policy() for these options, or NULL to build it here.  The run
	 * owns it (and frees it). */
	struct policy *policy;
	const char *profile; /* the profile it was built with (run_build_policy's) */
	/* Called once, with the result and the exit status, as soon as they are known: the
	 * program's processes are gone and its trail is closed (sysward's own, the launch
	 * child and a PID namespace's init, may be still dying: they are waited for after
	 * the call); its cgroups and scratch directory are removed after the call.  Not called when setup failed before a result existed
	 * (the reason is on stderr, the status 125). */
	void (*on_result)(const struct result *res, int status, void *arg);
	void *arg;
	/* The seccomp program run_build_filter() built for `policy` and these options, or NULL
	 * to build it here.  Not owned: the caller keeps it for the next run of that policy. */
	const void *filter;
	size_t filter_len;
	bool filter_mseal; /* the mseal() probe it was built with (the run's must agree) */
	/* policy_sha256() of `policy` as given (a run that adds rules to it computes its own) */
	const char *policy_sha256;
	/* Made before the request was known (a spare worker), or NULL; the run owns them.
	 * limits: limits_create_ahead() in this process's pool cgroups, used when limits_adopt()
	 * takes the run's settings; boot_arena: arena_new_local(). */
	struct limits *limits;
	struct arena *boot_arena;
	/* launch_ahead_make() in those cgroups after boot_arena was made, or NULL; the run owns
	 * it (used when it fits the run, else killed) */
	struct launch_ahead *launch_ahead;
};
int run_with_hooks(const struct options *o, const struct run_hooks *h);

/* The effective policy of `o` for the working directory `cwd` (absolute, resolved), exactly
 * as `sysward run` builds it (profile, the working-directory rules, the policy files).
 * 0, or -EINVAL with the reason on stderr. */
int run_build_policy(const struct options *o, const char *cwd, struct policy **out,
		     const char **profile);
/* The seccomp program a run of `o` with the policy `p` (run_build_policy's) would build:
 * it depends on the policy's syscall rules, the mode and the backtrace settings only.
 * *mseal is the arena_probe_mseal() answer it was built for.  0 or -errno. */
int run_build_filter(struct policy *p, const struct options *o, void **prog, size_t *len,
		     bool *mseal);
/* The program's environment as `sysward run` builds it (environ or empty, then --env). */
char **run_build_env(const struct options *o);
/* `sysward check-policy FILE...`: 0 valid, 1 invalid. */
int check_policy_main(const struct options *o);

#endif
