/*
 * submit: `sysward submit --socket PATH [RUN OPTIONS] -- PROGRAM [ARGS...]`, the command-line
 * client of `sysward serve` through libsysward.  It behaves like `sysward run` with the same
 * options: the program gets this process's stdin/stdout/stderr (passed as descriptors), its
 * environment and working directory; the exit status and the `-r` result record are those
 * `sysward run` would give.  Paths are made absolute here, against this process's working
 * directory, before they travel.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "include/sysward.h"
#include "supervisor/run.h"
#include "supervisor/serve.h"
#include "supervisor/util.h"

/* An absolute form of a path given on our command line (not resolved: it may not exist). */
static char *absolute(const char *cwd, const char *path)
{
	char *out;

	if (path[0] == '/')
		return xstrdup(path);
	out = xmalloc(strlen(cwd) + strlen(path) + 2);
	sprintf(out, "%s/%s", strcmp(cwd, "/") ? cwd : "", path);
	return out;
}


/* `--backtrace` as the option would be written again: "denied,openat,...". */
static char *backtrace_list(const struct settings *s)
{
	size_t len = 16;
	char *out;

	if (!s->bt_denied && !s->n_bt)
		return NULL;
	for (int i = 0; i < s->n_bt; i++)
		len += strlen(s->bt[i]) + 1;
	out = xcalloc(1, len);
	if (s->bt_denied)
		strcat(out, "denied");
	for (int i = 0; i < s->n_bt; i++) {
		if (out[0])
			strcat(out, ",");
		strcat(out, s->bt[i]);
	}
	return out;
}

int submit_main(const struct options *o)
{
	static const char *const nets[] = {
	    [NET_HOST] = "host", [NET_NONE] = "none", [NET_LOOPBACK] = "loopback"};
	struct sw_request req;
	struct sw_response resp;
	struct sw_client *c;
	char here[PATH_MAX], cwd[PATH_MAX], limits[LIM__COUNT][160];
	char *policy[CLI_MAX_LIST + 1] = {NULL}, *audit = NULL, *bt;
	char **env;
	int r, status;

	if (!getcwd(here, sizeof(here)))
		die("cannot get the working directory: %s", strerror(errno));
	if (o->chdir) {
		if (!realpath(o->chdir, cwd))
			die("--chdir: %s: %s", o->chdir, strerror(errno));
	} else {
		snprintf(cwd, sizeof(cwd), "%s", here);
	}
	sw_request_init(&req);
	req.argv = (const char *const *)o->argv;
	env = run_build_env(o);
	req.env = (const char *const *)env;
	req.cwd = cwd;
	req.profile = o->profile;
	for (int i = 0; i < o->n_policy; i++) {
		const char *f = o->policy_files[i];
		/* a path, or a file here, as `run` reads it; else a file of the server's
		 * --policy-dir by that name */
		policy[i] = strchr(f, '/') || access(f, F_OK) == 0 ? absolute(here, f) : xstrdup(f);
	}
	req.policy = o->n_policy ? (const char *const *)policy : NULL;
	if (o->cli.mode)
		req.mode = o->cli.mode == MODE_AUDIT ? "audit" : "enforce";
	for (int k = 0; k < LIM__COUNT; k++)
		if (o->cli.set[k] && settings_format_limit(&o->cli, (enum limit_key)k, limits[k],
							   sizeof(limits[k])) == 0)
			req.limits[k] = limits[k];
	bt = backtrace_list(&o->cli);
	req.backtrace = bt;
	if (o->net != NET_UNSET)
		req.net = nets[o->net];
	req.no_backstops = o->no_backstops;
	req.stats = o->stats;
	if (o->audit_path)
		req.audit = audit =
		    strcmp(o->audit_path, "-") ? absolute(here, o->audit_path) : xstrdup("-");
	for (int i = 0; i < 3; i++)
		req.stdio[i].fd = fcntl(i, F_GETFD) < 0 ? -1 : i; /* closed: /dev/null */
	/* what `run` passes on to the program without a word: umask, resource limits */
	req.umask = (int)umask(022);
	umask((mode_t)req.umask);
	req.inherit_rlimits = 1;

	r = sw_connect(o->socket_path, &c);
	if (r < 0) {
		warnx_("--socket %s: %s", o->socket_path,
		       r == -EPERM ? "the server runs as another user (not this one, not root)"
				   : strerror(-r));
		status = EXIT_SYSWARD_FAILED;
		goto out;
	}
	r = sw_run(c, &req, &resp);
	if (r < 0) {
		warnx_("%s", sw_error(c) ? sw_error(c) : strerror(-r));
		sw_close(c);
		status = EXIT_SYSWARD_FAILED;
		goto out;
	}
	sw_close(c);
	status = resp.exit_status;
	if (resp.error && !resp.logged)
		warnx_("%s", resp.error);
	if (resp.result && o->result_path &&
	    (r = write_file_atomic(o->result_path, resp.result, strlen(resp.result))) < 0) {
		warnx_("--result: %s: %s", o->result_path, strerror(-r));
		status = EXIT_SYSWARD_FAILED;
	}
	sw_response_free(&resp);
out:
	for (int i = 0; i < o->n_policy; i++)
		free(policy[i]);
	free(audit);
	free(bt);
	free(env);
	return status;
}
