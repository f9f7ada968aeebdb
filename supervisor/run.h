/* run: `sysward run`; check: `sysward check-policy`. */
#ifndef SYSWARD_RUN_H
#define SYSWARD_RUN_H

#include "supervisor/cli.h"

/* Returns the exit status of `sysward run` (INTERFACE.md). */
int run_main(const struct options *o);

struct policy;
struct result;

/* What a `sysward serve` worker adds to a run (serve.c); run_main is run_with_hooks(o, NULL). */
struct run_hooks {
	/* Built by run_build_policy() for these options, or NULL to build it here.  The run
	 * owns it (and frees it). */
	struct policy *policy;
	const char *profile; /* the profile it was built with (run_build_policy's) */
	/* Called once, with the result and the exit status, as soon as they are known: the
	 * run's processes are gone and its trail is closed; its cgroups and scratch directory
	 * are removed after the call.  Not called when setup failed before a result existed
	 * (the reason is on stderr, the status 125). */
	void (*on_result)(const struct result *res, int status, void *arg);
	void *arg;
};
int run_with_hooks(const struct options *o, const struct run_hooks *h);

/* The effective policy of `o` for the working directory `cwd` (absolute, resolved), exactly
 * as `sysward run` builds it (profile, the working-directory rules, the policy files).
 * 0, or -EINVAL with the reason on stderr. */
int run_build_policy(const struct options *o, const char *cwd, struct policy **out,
		     const char **profile);
/* The program's environment as `sysward run` builds it (environ or empty, then --env). */
char **run_build_env(const struct options *o);
/* `sysward check-policy FILE...`: 0 valid, 1 invalid. */
int check_policy_main(const struct options *o);

#endif
