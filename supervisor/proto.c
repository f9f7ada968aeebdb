/* proto: frames, the strict request decoder, responses (see proto.h, docs/PROTOCOL.md). */
#include "supervisor/proto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "supervisor/util.h"

/*
 * The limit names as `sysward run` spells its options, in enum limit_key order.  A copy of
 * settings.c's table so that the client library needs no policy code; tests/test_proto.c
 * checks that the two agree.
 */
static const char *const limit_names[LIM__COUNT] = {
    [LIM_CPU_TIME] = "cpu-time", [LIM_WALL_TIME] = "wall-time", [LIM_MEMORY] = "memory",
    [LIM_PIDS] = "pids",	 [LIM_CPUS] = "cpus",		[LIM_FSIZE] = "fsize",
    [LIM_NOFILE] = "nofile",	 [LIM_SCRATCH] = "scratch",
};

const char *const proto_rlimit_names[PROTO_RLIMITS] = {
    "as",   "core",   "cpu",   "data", "fsize",	 "locks",  "memlock",	 "msgqueue",
    "nice", "nofile", "nproc", "rss",  "rtprio", "rttime", "sigpending", "stack",
};
const int proto_rlimit_resources[PROTO_RLIMITS] = {
    RLIMIT_AS,	    RLIMIT_CORE,     RLIMIT_CPU,	RLIMIT_DATA,   RLIMIT_FSIZE, RLIMIT_LOCKS,
    RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE, RLIMIT_NICE,	RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS,
    RLIMIT_RTPRIO,  RLIMIT_RTTIME,   RLIMIT_SIGPENDING, RLIMIT_STACK,
};

const char *proto_limit_name(enum limit_key k)
{
	return (unsigned)k < LIM__COUNT ? limit_names[k] : NULL;
}

int proto_parser_init(struct jsonl *p)
{
	return jsonl_init(p, PROTO_MAX_FRAME, PROTO_MAX_DEPTH, PROTO_MAX_VALUES);
}


/* ---- framing ------------------------------------------------------------------------- */

int proto_check_length(uint32_t len, char *err, size_t errsz)
{
	if (len == 0) {
		snprintf(err, errsz, "empty frame (length 0)");
		return -ENODATA;
	}
	if (len > PROTO_MAX_FRAME) {
		snprintf(err, errsz, "frame of %u bytes is larger than the limit of %u", len,
			 PROTO_MAX_FRAME);
		return -EMSGSIZE;
	}
	return 0;
}

int proto_send(int sock, const char *json, size_t len, const int *fds, int nfds)
{
	unsigned char hdr[4];
	union {
		char buf[CMSG_SPACE(sizeof(int) * PROTO_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov[2];
	struct msghdr mh = {0};
	size_t total = 4 + len, done = 0;

	if (len > PROTO_MAX_FRAME || nfds < 0 || nfds > PROTO_MAX_FDS)
		return -EINVAL;
	proto_put_be32(hdr, (uint32_t)len);
	if (nfds) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	while (done < total) {
		ssize_t n;
		int k = 0;

		if (done < 4) {
			iov[k++] = (struct iovec){hdr + done, 4 - done};
			iov[k++] = (struct iovec){(void *)json, len};
		} else {
			iov[k++] = (struct iovec){(void *)(json + done - 4), total - done};
		}
		mh.msg_iov = iov;
		mh.msg_iovlen = (size_t)k;
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
		/* the descriptors went with the first bytes */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
	}
	return 0;
}

/* Read exactly len bytes, collecting passed descriptors.  0, -ECONNRESET at EOF, -errno. */
static int recv_exact(int sock, void *buf, size_t len, size_t *got, int *fds, int max_fds,
		      int *nfds, bool *extra)
{
	while (*got < len) {
		union {
			char buf[CMSG_SPACE(sizeof(int) * 16)];
			struct cmsghdr align;
		} u;
		struct iovec iov = {(char *)buf + *got, len - *got};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.buf,
				    .msg_controllen = sizeof(u.buf)};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t k;
			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < k; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (*nfds < max_fds) {
					fds[(*nfds)++] = fd;
				} else {
					close(fd);
					*extra = true;
				}
			}
		}
		if (mh.msg_flags & MSG_CTRUNC)
			*extra = true;
		if (n == 0)
			return -ECONNRESET;
		*got += (size_t)n;
	}
	return 0;
}

int proto_recv(int sock, char **json, size_t *len, int *fds, int max_fds, int *nfds)
{
	unsigned char hdr[4];
	size_t got = 0;
	uint32_t n;
	bool extra = false;
	char why[128];
	int r;

	*json = NULL;
	*len = 0;
	*nfds = 0;
	r = recv_exact(sock, hdr, 4, &got, fds, max_fds, nfds, &extra);
	if (r < 0)
		goto fail;
	n = proto_get_be32(hdr);
	r = proto_check_length(n, why, sizeof(why));
	if (r < 0)
		goto fail;
	*json = xmalloc((size_t)n + 1);
	got = 0;
	r = recv_exact(sock, *json, n, &got, fds, max_fds, nfds, &extra);
	if (r < 0) {
		*len = got ? got : 1; /* not "nothing at all": part of a frame came */
		goto fail;
	}
	(*json)[n] = '\0';
	*len = n;
	if (extra) {
		r = -EBADMSG;
		goto fail;
	}
	return 0;
fail:
	if (r == -ECONNRESET && got == 0 && !*json)
		*len = 0;
	free(*json);
	*json = NULL;
	for (int i = 0; i < *nfds; i++)
		close(fds[i]);
	*nfds = 0;
	return r;
}

/* ---- byte strings: a JSON string, or {"hex": "..."} for bytes that are not UTF-8 --------- */


/* A byte string without NUL bytes, copied.  0 or -EINVAL with err naming `what`. */
static int get_bytes(const struct jsonl *p, const struct jv *v, const char *what, char **out,
		     char *err, size_t errsz)
{
	if (v->type == JV_STRING) {
		if (memchr(v->s, '\0', v->len))
			return fail_with(err, errsz, "%s: contains a NUL character", what);
		*out = xstrdup(v->s);
		return 0;
	}
	if (v->type == JV_OBJECT && v->len == 1 && jv_is(jv_first(v), "hex") &&
	    jv_first(v)[1].type == JV_STRING) {
		const struct jv *h = jv_first(v) + 1;
		char *s;
		if (h->len % 2)
			return fail_with(err, errsz, "%s: hex: odd number of digits", what);
		s = xmalloc(h->len / 2 + 1);
		for (uint32_t i = 0; i < h->len; i += 2) {
			int hi = hex_digit(h->s[i]), lo = hex_digit(h->s[i + 1]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
				free(s);
				return fail_with(err, errsz, "%s: hex: %s", what,
					    hi < 0 || lo < 0 ? "not a hex digit" : "a NUL byte");
			}
			s[i / 2] = (char)(hi << 4 | lo);
		}
		s[h->len / 2] = '\0';
		*out = s;
		return 0;
	}
	(void)p;
	return fail_with(err, errsz, "%s: expected a string (or {\"hex\": \"...\"})", what);
}

static void put_bytes(struct jbuf *jb, const char *s)
{
	static const char digits[] = "0123456789abcdef";
	size_t n = strlen(s);
	char *hex;

	if (utf8_valid(s, n)) {
		jb_str(jb, s);
		return;
	}
	hex = xmalloc(2 * n + 1);
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = digits[(unsigned char)s[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)s[i] & 15];
	}
	hex[2 * n] = '\0';
	jb_obj_begin(jb);
	jb_kstr(jb, "hex", hex);
	jb_obj_end(jb);
	free(hex);
}

/* An array of byte strings, NULL-terminated copy.  0 or -EINVAL. */
static int get_list(const struct jsonl *p, const struct jv *v, const char *what, char ***out,
		    int *count, char *err, size_t errsz)
{
	char **list;
	int n = 0;
	char name[64];

	if (v->type != JV_ARRAY)
		return fail_with(err, errsz, "%s: expected an array", what);
	if (v->len > PROTO_MAX_ARGS)
		return fail_with(err, errsz, "%s: more than %d entries", what, PROTO_MAX_ARGS);
	list = xcalloc(v->len + 1, sizeof(*list));
	for (const struct jv *e = jv_first(v); e; e = jv_after(p, v, e)) {
		snprintf(name, sizeof(name), "%s[%d]", what, n);
		if (get_bytes(p, e, name, &list[n], err, errsz) < 0) {
			for (int i = 0; i < n; i++)
				free(list[i]);
			free(list);
			return -EINVAL;
		}
		n++;
	}
	*out = list;
	*count = n;
	return 0;
}

static int get_bool(const struct jv *v, const char *what, bool *out, char *err, size_t errsz)
{
	if (v->type != JV_TRUE && v->type != JV_FALSE)
		return fail_with(err, errsz, "%s: expected true or false", what);
	*out = v->type == JV_TRUE;
	return 0;
}

/* A string that must be one of the words (NULL-terminated list). */
static int get_word(const struct jv *v, const char *what, const char *const *words, char **out,
		    char *err, size_t errsz)
{
	char list[128] = "";

	if (v->type == JV_STRING)
		for (const char *const *w = words; *w; w++)
			if (jv_is(v, *w)) {
				*out = xstrdup(*w);
				return 0;
			}
	for (const char *const *w = words; *w; w++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
			 w == words ? "" : ", ", *w);
	return fail_with(err, errsz, "%s: expected one of %s", what, list);
}

static int get_stdio(const struct jsonl *p, const struct jv *v, const char *what,
		     struct proto_stdio *s, bool output, char *err, size_t errsz)
{
	char name[64];
	bool have_fd = false, have_path = false, have_append = false;

	if (v->type == JV_NULL) {
		s->kind = PROTO_STDIO_NULL;
		return 0;
	}
	if (v->type != JV_OBJECT)
		return fail_with(err, errsz, "%s: expected null, {\"fd\": N} or {\"path\": \"...\"}",
			    what);
	for (const struct jv *k = jv_first(v); k; k = jv_after(p, v, k + 1)) {
		const struct jv *val = k + 1;
		if (jv_is(k, "fd") && !have_fd) {
			long long n;
			have_fd = true;
			if (jv_int(val, &n) < 0 || n < 0 || n >= PROTO_MAX_FDS)
				return fail_with(
				    err, errsz,
				    "%s.fd: expected the index of a passed descriptor, 0 to %d",
				    what, PROTO_MAX_FDS - 1);
			s->kind = PROTO_STDIO_FD;
			s->fd_index = (int)n;
		} else if (jv_is(k, "path") && !have_path) {
			have_path = true;
			snprintf(name, sizeof(name), "%s.path", what);
			if (get_bytes(p, val, name, &s->path, err, errsz) < 0)
				return -EINVAL;
			if (s->path[0] != '/')
				return fail_with(err, errsz, "%s.path: must be absolute", what);
			s->kind = PROTO_STDIO_PATH;
		} else if (jv_is(k, "append") && output && !have_append) {
			have_append = true;
			snprintf(name, sizeof(name), "%s.append", what);
			if (get_bool(val, name, &s->append, err, errsz) < 0)
				return -EINVAL;
		} else {
			return fail_with(err, errsz, "%s: unknown or repeated member '%.40s'", what,
				    k->type == JV_STRING ? k->s : "?");
		}
	}
	if (have_fd == have_path)
		return fail_with(err, errsz, "%s: give exactly one of \"fd\" and \"path\"", what);
	if (have_append && !have_path)
		return fail_with(err, errsz, "%s: \"append\" goes with \"path\"", what);
	return 0;
}

static int get_limits(const struct jsonl *p, const struct jv *v, struct proto_request *req,
		      char *err, size_t errsz)
{
	if (v->type != JV_OBJECT)
		return fail_with(err, errsz, "limits: expected an object");
	for (const struct jv *k = jv_first(v); k; k = jv_after(p, v, k + 1)) {
		const struct jv *val = k + 1;
		int key = -1;

		for (int i = 0; i < LIM__COUNT; i++)
			if (jv_is(k, limit_names[i]))
				key = i;
		if (key < 0)
			return fail_with(err, errsz, "limits: unknown limit '%.40s'", k->s);
		if (req->limits[key])
			return fail_with(err, errsz, "limits: '%s' given twice", limit_names[key]);
		if (val->type != JV_STRING && val->type != JV_NUMBER)
			return fail_with(err, errsz, "limits.%s: expected a string or a number",
				    limit_names[key]);
		if (!val->len || val->len > 128 || memchr(val->s, '\0', val->len))
			return fail_with(err, errsz, "limits.%s: expected 1 to 128 characters",
				    limit_names[key]);
		req->limits[key] = xstrdup(val->s);
	}
	return 0;
}

enum req_member {
	RM_PROTOCOL,
	RM_ARGV,
	RM_ENV,
	RM_CWD,
	RM_PROFILE,
	RM_POLICY,
	RM_MODE,
	RM_LIMITS,
	RM_BACKTRACE,
	RM_NET,
	RM_NO_BACKSTOPS,
	RM_STATS,
	RM_AUDIT,
	RM_STDIN,
	RM_STDOUT,
	RM_STDERR,
	RM_UMASK,
	RM_RLIMITS,
	RM__COUNT
};
static const char *const req_members[RM__COUNT] = {
    "protocol", "argv",	  "env",       "cwd",	 "profile",	 "policy",
    "mode",	"limits", "backtrace", "net",	 "no-backstops", "stats",
    "audit",	"stdin",  "stdout",    "stderr", "umask",	 "rlimits",
};

/* One limit value: a non-negative integer, or null for unlimited. */
static int get_rlim(const struct jv *v, uint64_t *out)
{
	char *end;
	unsigned long long x;

	if (v->type == JV_NULL) {
		*out = PROTO_RLIM_INFINITY;
		return 0;
	}
	if (v->type != JV_NUMBER || v->s[0] == '-' || strpbrk(v->s, ".eE"))
		return -EINVAL;
	errno = 0;
	x = strtoull(v->s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = x;
	return 0;
}

/* "rlimits": {"stack": [SOFT, HARD], ...} */
static int get_rlimits(const struct jsonl *p, const struct jv *v, struct proto_request *req,
		       char *err, size_t errsz)
{
	if (v->type != JV_OBJECT)
		return fail_with(err, errsz, "rlimits: expected an object");
	for (const struct jv *k = jv_first(v); k; k = jv_after(p, v, k + 1)) {
		const struct jv *val = k + 1, *a;
		int i;

		for (i = 0; i < PROTO_RLIMITS && !jv_is(k, proto_rlimit_names[i]); i++)
			;
		if (i == PROTO_RLIMITS)
			return fail_with(err, errsz, "rlimits: unknown limit '%.40s'", k->s);
		if (req->rlimits[i].set)
			return fail_with(err, errsz, "rlimits: '%s' given twice", proto_rlimit_names[i]);
		a = jv_first(val);
		if (val->type != JV_ARRAY || val->len != 2 ||
		    get_rlim(a, &req->rlimits[i].cur) < 0 ||
		    get_rlim(jv_after(p, val, a), &req->rlimits[i].max) < 0)
			return fail_with(err, errsz,
				    "rlimits.%s: expected [soft, hard], each a number or null",
				    proto_rlimit_names[i]);
		if (req->rlimits[i].cur > req->rlimits[i].max)
			return fail_with(err, errsz, "rlimits.%s: soft above hard",
				    proto_rlimit_names[i]);
		req->rlimits[i].set = true;
	}
	return 0;
}

static bool is_name(const char *s)
{
	/* a file of --policy-dir: no '/', not hidden, not empty */
	return s[0] && s[0] != '.' && !strchr(s, '/');
}

static int decode_member(const struct jsonl *p, int m, const struct jv *v,
			 struct proto_request *req, char *err, size_t errsz)
{
	static const char *const modes[] = {"enforce", "audit", NULL};
	static const char *const nets[] = {"host", "loopback", "none", NULL};
	long long n;

	switch (m) {
	case RM_PROTOCOL:
		if (jv_int(v, &n) < 0 || n != PROTO_VERSION)
			return fail_with(err, errsz, "protocol: this server speaks protocol %d",
				    PROTO_VERSION);
		return 0;
	case RM_ARGV:
		if (get_list(p, v, "argv", &req->argv, &req->argc, err, errsz) < 0)
			return -EINVAL;
		if (req->argc < 1 || !req->argv[0][0])
			return fail_with(err, errsz, "argv: expected the program and its arguments");
		return 0;
	case RM_ENV:
		if (get_list(p, v, "env", &req->env, &req->nenv, err, errsz) < 0)
			return -EINVAL;
		for (int i = 0; i < req->nenv; i++)
			if (!strchr(req->env[i], '=') || req->env[i][0] == '=')
				return fail_with(err, errsz, "env[%d]: expected NAME=VALUE", i);
		return 0;
	case RM_CWD:
		if (get_bytes(p, v, "cwd", &req->cwd, err, errsz) < 0)
			return -EINVAL;
		if (req->cwd[0] != '/')
			return fail_with(err, errsz, "cwd: must be absolute");
		return 0;
	case RM_PROFILE:
		if (v->type != JV_STRING || !is_name(v->s) || memchr(v->s, '\0', v->len))
			return fail_with(err, errsz, "profile: expected the name of a profile");
		req->profile = xstrdup(v->s);
		return 0;
	case RM_POLICY:
		if (get_list(p, v, "policy", &req->policy, &req->npolicy, err, errsz) < 0)
			return -EINVAL;
		for (int i = 0; i < req->npolicy; i++)
			if (req->policy[i][0] != '/' && !is_name(req->policy[i]))
				return fail_with(err, errsz,
					    "policy[%d]: expected an absolute path or the name of "
					    "a file of the server's policy directory",
					    i);
		return 0;
	case RM_MODE:
		return get_word(v, "mode", modes, &req->mode, err, errsz);
	case RM_LIMITS:
		return get_limits(p, v, req, err, errsz);
	case RM_BACKTRACE:
		if (v->type != JV_STRING || !v->len || v->len > 4096 || memchr(v->s, '\0', v->len))
			return fail_with(err, errsz, "backtrace: expected a list such as \"denied\"");
		req->backtrace = xstrdup(v->s);
		return 0;
	case RM_NET:
		return get_word(v, "net", nets, &req->net, err, errsz);
	case RM_NO_BACKSTOPS:
		return get_bool(v, "no-backstops", &req->no_backstops, err, errsz);
	case RM_STATS:
		return get_bool(v, "stats", &req->stats, err, errsz);
	case RM_AUDIT:
		if (get_bytes(p, v, "audit", &req->audit, err, errsz) < 0)
			return -EINVAL;
		if (req->audit[0] != '/' && strcmp(req->audit, "-") != 0)
			return fail_with(err, errsz, "audit: must be an absolute path or \"-\"");
		return 0;
	case RM_UMASK:
		if (jv_int(v, &n) < 0 || n < 0 || n > 0777)
			return fail_with(err, errsz, "umask: expected a number from 0 to 511 (0777)");
		req->umask = (int)n;
		return 0;
	case RM_RLIMITS:
		return get_rlimits(p, v, req, err, errsz);
	case RM_STDIN:
	case RM_STDOUT:
	case RM_STDERR:
		return get_stdio(p, v, req_members[m], &req->stdio[m - RM_STDIN], m != RM_STDIN,
				 err, errsz);
	}
	return fail_with(err, errsz, "internal: member %d has no decoder", m);
}

int proto_decode_request(struct jsonl *p, const char *json, size_t len, struct proto_request *req,
			 char *err, size_t errsz)
{
	const struct jv *root;
	bool seen[RM__COUNT] = {false};
	int r;

	memset(req, 0, sizeof(*req));
	req->umask = -1;
	err[0] = '\0';
	r = jsonl_parse(p, json, len, &root);
	if (r < 0) {
		snprintf(err, errsz, "not a JSON request: %s at byte %zu", jsonl_error(p),
			 p->err_off);
		return r == -E2BIG ? -E2BIG : -EINVAL;
	}
	if (root->type != JV_OBJECT) {
		r = fail_with(err, errsz, "expected a JSON object");
		goto out;
	}
	for (const struct jv *k = jv_first(root); k; k = jv_after(p, root, k + 1)) {
		int m = -1;
		for (int i = 0; i < RM__COUNT; i++)
			if (jv_is(k, req_members[i]))
				m = i;
		if (m < 0) {
			r = fail_with(err, errsz, "unknown member '%.60s'", k->s);
			goto out;
		}
		if (seen[m]) {
			r = fail_with(err, errsz, "member '%s' given twice", req_members[m]);
			goto out;
		}
		seen[m] = true;
		if ((r = decode_member(p, m, k + 1, req, err, errsz)) < 0)
			goto out;
	}
	if (!seen[RM_ARGV]) {
		r = fail_with(err, errsz, "argv: missing");
		goto out;
	}
	if (!seen[RM_CWD]) {
		r = fail_with(err, errsz, "cwd: missing");
		goto out;
	}
	if (!req->env)
		req->env = xcalloc(1, sizeof(char *));
	for (int i = 0; i < 3; i++)
		if (req->stdio[i].kind == PROTO_STDIO_FD &&
		    req->stdio[i].fd_index + 1 > req->fds_needed)
			req->fds_needed = req->stdio[i].fd_index + 1;
	return 0;
out:
	proto_request_free(req);
	return r;
}

static void free_list(char **list)
{
	if (!list)
		return;
	for (char **s = list; *s; s++)
		free(*s);
	free(list);
}

void proto_request_free(struct proto_request *req)
{
	free_list(req->argv);
	free_list(req->env);
	free_list(req->policy);
	free(req->cwd);
	free(req->profile);
	free(req->mode);
	for (int i = 0; i < LIM__COUNT; i++)
		free(req->limits[i]);
	free(req->backtrace);
	free(req->net);
	free(req->audit);
	for (int i = 0; i < 3; i++)
		free(req->stdio[i].path);
	memset(req, 0, sizeof(*req));
	req->umask = -1;
}

static void put_list(struct jbuf *jb, const char *key, char *const *list)
{
	jb_key(jb, key);
	jb_arr_begin(jb);
	for (char *const *s = list; s && *s; s++)
		put_bytes(jb, *s);
	jb_arr_end(jb);
}

void proto_encode_request(struct jbuf *jb, const struct proto_request *req)
{
	bool any_limit = false;
	int any_rlimit = 0;

	jb_obj_begin(jb);
	jb_kint(jb, "protocol", PROTO_VERSION);
	put_list(jb, "argv", req->argv);
	put_list(jb, "env", req->env);
	jb_key(jb, "cwd");
	put_bytes(jb, req->cwd);
	if (req->profile)
		jb_kstr(jb, "profile", req->profile);
	if (req->policy)
		put_list(jb, "policy", req->policy);
	if (req->mode)
		jb_kstr(jb, "mode", req->mode);
	for (int i = 0; i < LIM__COUNT; i++)
		any_limit |= req->limits[i] != NULL;
	if (any_limit) {
		jb_key(jb, "limits");
		jb_obj_begin(jb);
		for (int i = 0; i < LIM__COUNT; i++)
			if (req->limits[i])
				jb_kstr(jb, limit_names[i], req->limits[i]);
		jb_obj_end(jb);
	}
	if (req->backtrace)
		jb_kstr(jb, "backtrace", req->backtrace);
	if (req->net)
		jb_kstr(jb, "net", req->net);
	if (req->no_backstops)
		jb_kbool(jb, "no-backstops", true);
	if (req->stats)
		jb_kbool(jb, "stats", true);
	if (req->audit) {
		jb_key(jb, "audit");
		put_bytes(jb, req->audit);
	}
	if (req->umask >= 0)
		jb_kint(jb, "umask", req->umask);
	for (int i = 0; i < PROTO_RLIMITS; i++) {
		const struct proto_rlimit *rl = &req->rlimits[i];
		if (!rl->set)
			continue;
		if (!any_rlimit++) {
			jb_key(jb, "rlimits");
			jb_obj_begin(jb);
		}
		jb_key(jb, proto_rlimit_names[i]);
		jb_arr_begin(jb);
		if (rl->cur == PROTO_RLIM_INFINITY)
			jb_null(jb);
		else
			jb_uint(jb, rl->cur);
		if (rl->max == PROTO_RLIM_INFINITY)
			jb_null(jb);
		else
			jb_uint(jb, rl->max);
		jb_arr_end(jb);
	}
	if (any_rlimit)
		jb_obj_end(jb);
	for (int i = 0; i < 3; i++) {
		const struct proto_stdio *s = &req->stdio[i];
		jb_key(jb, req_members[RM_STDIN + i]);
		switch (s->kind) {
		case PROTO_STDIO_NULL:
			jb_null(jb);
			break;
		case PROTO_STDIO_FD:
			jb_obj_begin(jb);
			jb_kint(jb, "fd", s->fd_index);
			jb_obj_end(jb);
			break;
		case PROTO_STDIO_PATH:
			jb_obj_begin(jb);
			jb_key(jb, "path");
			put_bytes(jb, s->path);
			if (s->append)
				jb_kbool(jb, "append", true);
			jb_obj_end(jb);
			break;
		}
	}
	jb_obj_end(jb);
}

/* ---- responses ----------------------------------------------------------------------- */

void proto_encode_error(struct jbuf *jb, int exit_status, const char *msg, bool logged)
{
	jb_obj_begin(jb);
	jb_kint(jb, "exit_status", exit_status);
	jb_kstr(jb, "error", msg);
	jb_kbool(jb, "logged", logged);
	jb_obj_end(jb);
}

void proto_encode_greeting(struct jbuf *jb, const char *version, int pid, int max_parallel)
{
	jb_obj_begin(jb);
	jb_kstr(jb, "sysward", version);
	jb_kint(jb, "protocol", PROTO_VERSION);
	jb_kint(jb, "pid", pid);
	jb_kint(jb, "max_parallel", max_parallel);
	jb_obj_end(jb);
}

void proto_emit_value(struct jbuf *jb, const struct jsonl *p, const struct jv *v)
{
	switch ((enum jv_type)v->type) {
	case JV_NULL:
		jb_null(jb);
		return;
	case JV_FALSE:
	case JV_TRUE:
		jb_bool(jb, v->type == JV_TRUE);
		return;
	case JV_NUMBER:
		jb_raw(jb, v->s);
		return;
	case JV_STRING:
		jb_strn(jb, v->s, v->len);
		return;
	case JV_ARRAY:
		jb_arr_begin(jb);
		for (const struct jv *e = jv_first(v); e; e = jv_after(p, v, e))
			proto_emit_value(jb, p, e);
		jb_arr_end(jb);
		return;
	case JV_OBJECT:
		jb_obj_begin(jb);
		for (const struct jv *k = jv_first(v); k; k = jv_after(p, v, k + 1)) {
			jb_key(jb, k->s);
			proto_emit_value(jb, p, k + 1);
		}
		jb_obj_end(jb);
		return;
	}
}

int proto_decode_response(struct jsonl *p, const char *json, size_t len,
			  struct proto_response *resp, char *err, size_t errsz)
{
	const struct jv *root, *v, *rec;
	long long n;
	int r;

	memset(resp, 0, sizeof(*resp));
	resp->exit_code = -1;
	r = jsonl_parse(p, json, len, &root);
	if (r < 0)
		return fail_with(err, errsz, "the server's answer is not JSON: %s", jsonl_error(p));
	if (root->type != JV_OBJECT)
		return fail_with(err, errsz, "the server's answer is not a JSON object");
	v = jv_member(p, root, "exit_status");
	if (jv_int(v, &n) < 0 || n < 0 || n > 255)
		return fail_with(err, errsz, "the server's answer has no exit_status");
	resp->exit_status = (int)n;
	v = jv_member(p, root, "error");
	if (v && v->type == JV_STRING) {
		const struct jv *lg = jv_member(p, root, "logged");
		resp->error = xstrdup(v->s);
		resp->logged = lg && lg->type == JV_TRUE;
		return 0;
	}
	rec = jv_member(p, root, "result");
	if (!rec || rec->type != JV_OBJECT)
		return fail_with(err, errsz, "the server's answer has neither result nor error");
	{
		struct jbuf jb;
		jb_init(&jb, 0);
		proto_emit_value(&jb, p, rec);
		resp->result = jb.buf ? jb.buf : xstrdup("{}");
	}
	v = jv_member(p, rec, "verdict");
	if (v && v->type == JV_STRING)
		snprintf(resp->verdict, sizeof(resp->verdict), "%s", v->s);
	v = jv_member(p, rec, "exit_code");
	if (!jv_int(v, &n) && n >= 0 && n <= 255)
		resp->exit_code = (int)n;
	v = jv_member(p, rec, "signal");
	if (!jv_int(v, &n) && n > 0 && n < 256)
		resp->signal = (int)n;
	v = jv_member(p, rec, "wall_time_s");
	jv_double(v, &resp->wall_time_s);
	return 0;
}

void proto_response_free(struct proto_response *resp)
{
	free(resp->error);
	free(resp->result);
	memset(resp, 0, sizeof(*resp));
}
