/* libsysward: connect, send a request with its descriptors, read the answer (sysward.h). */
#include "include/sysward.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "supervisor/proto.h"
#include "supervisor/util.h"

_Static_assert((int)SW_CPU_TIME == (int)LIM_CPU_TIME && (int)SW_WALL_TIME == (int)LIM_WALL_TIME &&
		   (int)SW_MEMORY == (int)LIM_MEMORY && (int)SW_PIDS == (int)LIM_PIDS &&
		   (int)SW_CPUS == (int)LIM_CPUS && (int)SW_FSIZE == (int)LIM_FSIZE &&
		   (int)SW_NOFILE == (int)LIM_NOFILE && (int)SW_SCRATCH == (int)LIM_SCRATCH &&
		   (int)SW_LIMIT_COUNT == (int)LIM__COUNT,
	       "enum sw_limit follows enum limit_key");

struct sw_client {
	int sock;
	bool greeted;  /* the greeting was read (it is read with the first answer) */
	int report_fd; /* the server's crash report (a read-only memfd), -1 when none came */
	int server_pid;
	struct jsonl parser;
	char err[1024];
};

void sw_request_init(struct sw_request *req)
{
	memset(req, 0, sizeof(*req));
	for (int i = 0; i < 3; i++)
		req->stdio[i].fd = -1;
	req->umask = -1;
}

static int set_err(struct sw_client *c, int r, const char *what)
{
	snprintf(c->err, sizeof(c->err), "%s: %s", what, strerror(-r));
	return r;
}

/* The greeting: {"sysward": V, "protocol": 1, "pid": N, ...} with the crash-report memfd. */
static int read_greeting(struct sw_client *c)
{
	const struct jv *root, *v;
	char *json;
	size_t len;
	int fds[1], nfds = 0, r;
	long long n;

	r = proto_recv(c->sock, &json, &len, fds, 1, &nfds);
	if (r < 0)
		return set_err(c, r, "reading the server's greeting");
	if (nfds == 1)
		c->report_fd = fds[0];
	r = jsonl_parse(&c->parser, json, len, &root);
	if (r == 0 && root->type == JV_OBJECT && jv_member(&c->parser, root, "error")) {
		v = jv_member(&c->parser, root, "error");
		snprintf(c->err, sizeof(c->err), "the server refused the connection: %s",
			 v->type == JV_STRING ? v->s : "?");
		free(json);
		return -EPERM;
	}
	if (r < 0 || root->type != JV_OBJECT ||
	    jv_int(jv_member(&c->parser, root, "protocol"), &n) < 0 || n != SW_PROTOCOL) {
		snprintf(c->err, sizeof(c->err), "the server does not speak protocol %d",
			 SW_PROTOCOL);
		free(json);
		return -EPROTO;
	}
	if (!jv_int(jv_member(&c->parser, root, "pid"), &n))
		c->server_pid = (int)n;
	free(json);
	c->greeted = true;
	return 0;
}

int sw_connect(const char *socket_path, struct sw_client **out)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	struct sw_client *c;
	int r;

	*out = NULL;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->report_fd = -1;
	if (proto_parser_init(&c->parser) < 0) {
		free(c);
		return -ENOMEM;
	}
	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0 || connect(c->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto fail;
	}
	/* our descriptors go to whoever listens: only to ourselves or root */
	if (getsockopt(c->sock, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0) {
		r = -errno;
		goto fail;
	}
	if (cred.uid != 0 && cred.uid != geteuid()) {
		r = -EPERM;
		goto fail;
	}
	/* the greeting is read with the first answer: a request need not wait for it */
	*out = c;
	return 0;
fail:
	sw_close(c);
	return r;
}

int sw_server_pid(struct sw_client *c)
{
	if (!c->greeted && read_greeting(c) < 0)
		return -1;
	return c->server_pid;
}

const char *sw_error(const struct sw_client *c)
{
	return c && c->err[0] ? c->err : NULL;
}

/* The server's last words, if it wrote any into the memfd. */
static void read_report(struct sw_client *c)
{
	char buf[sizeof(c->err)];
	ssize_t n;

	snprintf(c->err, sizeof(c->err), "the server closed the connection without answering");
	if (c->report_fd < 0)
		return;
	n = pread(c->report_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\0'))
		n--;
	buf[n] = '\0';
	if (n)
		snprintf(c->err, sizeof(c->err), "%s", buf);
}

int sw_run(struct sw_client *c, const struct sw_request *req, struct sw_response *resp)
{
	static char *const no_env[] = {NULL};
	struct proto_request pr;
	struct proto_response pres;
	struct jbuf jb;
	char cwd[4096], *json = NULL;
	size_t len;
	int fds[PROTO_MAX_FDS], nfds = 0, rfds[1], nr = 0, r;

	memset(resp, 0, sizeof(*resp));
	resp->exit_code = -1;
	c->err[0] = '\0';
	if (!req->argv || !req->argv[0]) {
		snprintf(c->err, sizeof(c->err), "argv: no program given");
		return -EINVAL;
	}
	memset(&pr, 0, sizeof(pr));
	pr.argv = (char **)req->argv;
	pr.env = req->env ? (char **)req->env : (char **)no_env;
	if (req->cwd) {
		pr.cwd = (char *)req->cwd;
	} else {
		if (!getcwd(cwd, sizeof(cwd)))
			return set_err(c, -errno, "getcwd");
		pr.cwd = cwd;
	}
	pr.profile = (char *)req->profile;
	pr.policy = (char **)req->policy;
	pr.mode = (char *)req->mode;
	for (int i = 0; i < SW_LIMIT_COUNT; i++)
		pr.limits[i] = (char *)req->limits[i];
	pr.backtrace = (char *)req->backtrace;
	pr.net = (char *)req->net;
	pr.no_backstops = req->no_backstops;
	pr.stats = req->stats;
	pr.audit = (char *)req->audit;
	pr.umask = req->umask >= 0 ? req->umask & 0777 : -1;
	for (int i = 0; req->inherit_rlimits && i < PROTO_RLIMITS; i++) {
		struct rlimit rl;
		if (getrlimit(proto_rlimit_resources[i], &rl) < 0)
			continue;
		pr.rlimits[i].set = true;
		pr.rlimits[i].cur =
		    rl.rlim_cur == RLIM_INFINITY ? PROTO_RLIM_INFINITY : rl.rlim_cur;
		pr.rlimits[i].max =
		    rl.rlim_max == RLIM_INFINITY ? PROTO_RLIM_INFINITY : rl.rlim_max;
	}
	for (int i = 0; i < 3; i++) {
		const struct sw_stdio *s = &req->stdio[i];
		struct proto_stdio *p = &pr.stdio[i];
		if (s->fd >= 0) {
			int k;
			for (k = 0; k < nfds && fds[k] != s->fd; k++)
				;
			if (k == nfds)
				fds[nfds++] = s->fd;
			p->kind = PROTO_STDIO_FD;
			p->fd_index = k;
		} else if (s->path) {
			p->kind = PROTO_STDIO_PATH;
			p->path = (char *)s->path;
			p->append = s->append;
		}
	}
	jb_init(&jb, 0);
	proto_encode_request(&jb, &pr);
	if (jb.len > PROTO_MAX_FRAME) {
		jb_free(&jb);
		snprintf(c->err, sizeof(c->err), "the request is larger than %u bytes",
			 PROTO_MAX_FRAME);
		return -E2BIG;
	}
	r = proto_send(c->sock, jb.buf, jb.len, fds, nfds);
	jb_free(&jb);
	if (!c->greeted && (r == 0 || r == -EPIPE || r == -ECONNRESET)) {
		/* a refusal (another uid, too many connections) comes instead of the greeting */
		int g = read_greeting(c);
		if (g < 0)
			return g == -ECONNRESET ? -ECONNRESET : g;
	}
	if (r == -EPIPE || r == -ECONNRESET) {
		read_report(c);
		return -ECONNRESET;
	}
	if (r < 0)
		return set_err(c, r, "sending the request");
	r = proto_recv(c->sock, &json, &len, rfds, 0, &nr);
	if (r == -ECONNRESET) {
		read_report(c);
		return r;
	}
	if (r < 0)
		return set_err(c, r, "reading the answer");
	r = proto_decode_response(&c->parser, json, len, &pres, c->err, sizeof(c->err));
	free(json);
	if (r < 0)
		return -EPROTO;
	resp->exit_status = pres.exit_status;
	resp->error = pres.error;
	resp->logged = pres.logged;
	resp->result = pres.result;
	memcpy(resp->verdict, pres.verdict, sizeof(resp->verdict));
	resp->exit_code = pres.exit_code;
	resp->signal = pres.signal;
	resp->wall_time_s = pres.wall_time_s;
	return 0;
}

void sw_response_free(struct sw_response *resp)
{
	free(resp->error);
	free(resp->result);
	resp->error = resp->result = NULL;
}

void sw_close(struct sw_client *c)
{
	if (!c)
		return;
	if (c->sock >= 0)
		close(c->sock);
	if (c->report_fd >= 0)
		close(c->report_fd);
	jsonl_free(&c->parser);
	free(c);
}
