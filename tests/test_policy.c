/*
 * test_policy: the policy module end to end — load (lexer, parser, IR), evaluate, redirect,
 * dump, hash, profiles — through the public API of policy/policy.h only.
 *
 * The verdict table runs every case through policy_simulate(): no kernel, no tracer.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/policy.h"
#include "policy/sha256.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static struct policy *load(const char *text)
{
	struct policy *p = policy_new();
	struct pol_error err;
	int r;

	assert_non_null(p);
	r = policy_load_string(p, "t.policy", text, &err);
	if (r != 0)
		fail_msg("unexpected load error: %s", err.msg);
	return p;
}

static char *dump(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	assert_int_equal(policy_dump(p, f), 0);
	fclose(f);
	return text;
}

/* Requests are written as strings:
 *   "r /path"  "w /path"  "rw /path"  "x /path"  "- /path" (no access bits), "r /p@open"
 *   "connect inet 192.0.2.4 80"  "bind inet6 ::1 53"  "connect unix /run/x"
 *   "connect abstract NAME"  "bind unnamed"
 *   "socket FAMILY TYPE PROTO" (numbers)   "syscall NAME" */
struct req_buf {
	struct pol_request req;
	struct pol_addr addr;
	char path[4096];
};

static void make_addr(struct pol_addr *a, const char *fam, const char *what, const char *port)
{
	memset(a, 0, sizeof(*a));
	if (strcmp(fam, "inet") == 0) {
		a->family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, what, a->ip), 1);
		a->port = (uint16_t)atoi(port);
	} else if (strcmp(fam, "inet6") == 0) {
		a->family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, what, a->ip), 1);
		a->port = (uint16_t)atoi(port);
	} else if (strcmp(fam, "unix") == 0) {
		a->family = AF_UNIX;
		a->path_len = strlen(what);
		memcpy(a->path, what, a->path_len);
	} else if (strcmp(fam, "abstract") == 0) {
		a->family = AF_UNIX;
		a->abstract = true;
		a->path_len = strlen(what);
		memcpy(a->path, what, a->path_len);
	} else if (strcmp(fam, "unnamed") == 0) {
		a->family = AF_UNIX;
		a->unnamed = true;
	} else {
		fail_msg("bad test address family %s", fam);
	}
}

static void make_req(struct req_buf *b, const char *spec)
{
	char verb[16] = "", x[256] = "", y[256] = "", z[64] = "";

	memset(b, 0, sizeof(*b));
	sscanf(spec, "%15s %255s %255s %63s", verb, x, y, z);
	b->req.syscall = "openat";
	if (strcmp(verb, "connect") == 0 || strcmp(verb, "bind") == 0) {
		b->req.kind = verb[0] == 'c' ? POL_REQ_CONNECT : POL_REQ_BIND;
		b->req.syscall = verb[0] == 'c' ? "connect" : "bind";
		make_addr(&b->addr, x, y, z);
		b->req.addr = &b->addr;
	} else if (strcmp(verb, "socket") == 0) {
		b->req.kind = POL_REQ_SOCKET;
		b->req.syscall = "socket";
		b->req.family = atoi(x);
		b->req.type = atoi(y);
		b->req.protocol = atoi(z);
	} else if (strcmp(verb, "syscall") == 0) {
		b->req.kind = POL_REQ_SYSCALL;
		snprintf(b->path, sizeof(b->path), "%s", x);
		b->req.syscall = b->path;
	} else {
		/* the path is the rest of the line (blanks included), "@NAME" picks the syscall */
		const char *path = strchr(spec, ' ') + 1, *at = strchr(path, '@');

		b->req.kind = POL_REQ_PATH;
		b->req.access = (strchr(verb, 'r') ? POL_READ : 0) |
				(strchr(verb, 'w') ? POL_WRITE : 0) |
				(strchr(verb, 'x') ? POL_EXEC : 0);
		b->req.path = at ? strndup(path, (size_t)(at - path)) : strdup(path);
		if (at) {
			snprintf(b->path, sizeof(b->path), "%s", at + 1);
			b->req.syscall = b->path;
		}
	}
}

static void free_req(struct req_buf *b)
{
	if (b->req.kind == POL_REQ_PATH)
		free((char *)b->req.path);
}

/* ---- the verdict table ------------------------------------------------------------------ */

#define A POL_ALLOW
#define D POL_DENY
#define K POL_KILL

static const struct verdict_case {
	const char *policy;
	const char *request;
	enum pol_action action;
	int err;
	int line; /* 0: the default decided (file NULL) */
} cases[] = {
	/* defaults */
	{ "", "r /etc/passwd", D, EACCES, 0 },
	{ "default deny\n", "w /tmp/x", D, EACCES, 0 },
	{ "default allow\n", "rwx /anything/at/all", A, 0, 0 },
	{ "default deny\ndefault allow\n", "r /x", A, 0, 0 },
	{ "default allow\ndefault deny\n", "r /x", D, EACCES, 0 },
	/* basic allow, and `*` not crossing `/` */
	{ "allow read /usr/**\n", "r /usr/bin/gcc", A, 0, 1 },
	{ "allow read /usr/**\n", "r /usr", A, 0, 1 },
	{ "allow read /usr/**\n", "r /usrx", D, EACCES, 0 },
	{ "allow read /usr/**\n", "w /usr/bin/gcc", D, EACCES, 0 },
	{ "allow exec /usr/bin/*\n", "x /usr/bin/ls", A, 0, 1 },
	{ "allow exec /usr/bin/*\n", "x /usr/bin/sub/ls", D, EACCES, 0 },
	{ "allow exec /usr/bin/*\n", "r /usr/bin/ls", D, EACCES, 0 },
	/* last match wins */
	{ "allow read /a/**\ndeny read /a/b/**\nallow read /a/b/c\n", "r /a/b/c", A, 0, 3 },
	{ "allow read /a/**\ndeny read /a/b/**\nallow read /a/b/c\n", "r /a/b/d", D, EACCES, 2 },
	{ "allow read /a/**\ndeny read /a/b/**\nallow read /a/b/c\n", "r /a/x", A, 0, 1 },
	{ "deny read /a/b\nallow read /a/**\n", "r /a/b", A, 0, 2 },
	/* write implies read; deny write denies only write; deny read denies only read */
	{ "allow write /tmp/**\n", "r /tmp/x", A, 0, 1 },
	{ "allow write /tmp/**\n", "rw /tmp/x", A, 0, 1 },
	{ "allow write /tmp/**\n", "x /tmp/x", D, EACCES, 0 },
	{ "allow write /tmp/**\ndeny write /tmp/ro\n", "r /tmp/ro", A, 0, 1 },
	{ "allow write /tmp/**\ndeny write /tmp/ro\n", "w /tmp/ro", D, EACCES, 2 },
	{ "allow write /tmp/**\ndeny write /tmp/ro\n", "rw /tmp/ro", D, EACCES, 2 },
	{ "allow write /d/**\ndeny read /d/s\n", "w /d/s", A, 0, 1 },
	{ "allow write /d/**\ndeny read /d/s\n", "r /d/s", D, EACCES, 2 },
	{ "allow read /d/**\nallow write /d/w\n", "rw /d/w", A, 0, 2 },
	{ "allow read,write,exec /d/**\n", "rwx /d/f", A, 0, 1 },
	{ "allow read,exec /d/**\n", "rw /d/f", D, EACCES, 0 },
	/* several bits denied: the latest denying rule decides; a rule beats the default */
	{ "default allow\ndeny read /x errno=EPERM\ndeny write /x errno=EROFS\n", "rw /x", D, EROFS,
	  3 },
	{ "default allow\ndeny write /x errno=EROFS\ndeny read /x errno=EPERM\n", "rw /x", D, EPERM,
	  3 },
	{ "deny write /x errno=EROFS\n", "rw /x", D, EROFS, 1 },
	{ "allow read /x\n", "rw /x", D, EACCES, 0 },
	/* kill, and kill beats deny */
	{ "allow read /**\nkill read /secret\n", "r /secret", K, 0, 2 },
	{ "kill write /x\ndeny read /x\n", "rw /x", K, 0, 1 },
	{ "default allow\nkill exec /x\n", "r /x", A, 0, 0 },
	/* errno= */
	{ "default allow\ndeny read /x errno=ENOENT\n", "r /x", D, ENOENT, 2 },
	{ "default allow\ndeny read /x errno=EWOULDBLOCK\n", "r /x", D, EAGAIN, 2 },
	{ "default allow\ndeny read /x errno=EHWPOISON\n", "r /x", D, EHWPOISON, 2 },
	/* requests are matched on the normalised path; what cannot be normalised is denied */
	{ "allow read /usr/**\n", "r /usr//bin/./gcc", A, 0, 1 },
	{ "allow read /usr/**\n", "r /usr/bin/", A, 0, 1 },
	{ "default allow\n", "r /usr/../etc/shadow", D, EACCES, 0 },
	{ "default allow\n", "r usr/bin", D, EACCES, 0 },
	{ "allow read /x\n", "- /x", A, 0, 1 },
	{ "allow write /x\n", "- /x", A, 0, 1 },
	{ "allow exec /x\n", "- /x", D, EACCES, 0 },
	/* escapes and classes in patterns */
	{ "allow read /a\\ b/*\n", "r /a b/c", A, 0, 1 },
	{ "allow read /a\\x20b/\\*\n", "r /a b/*", A, 0, 1 },
	{ "allow read /a\\x20b/\\*\n", "r /a b/c", D, EACCES, 0 },
	{ "allow read /a/#b\n", "r /a/#b", A, 0, 1 },
	{ "allow read /a/x # comment\n", "r /a/x", A, 0, 1 },
	{ "allow read /dev/tty[0-9]\n", "r /dev/tty5", A, 0, 1 },
	{ "allow read /dev/tty[0-9]\n", "r /dev/ttyS", D, EACCES, 0 },
	/* syscall rules are checked first */
	{ "allow read /**\ndeny syscall openat errno=ENOSYS\n", "r /x", D, ENOSYS, 2 },
	{ "allow read /**\ndeny syscall openat\n", "r /x", D, EPERM, 2 },
	{ "allow read /**\ndeny syscall openat\n", "r /x@open", A, 0, 1 },
	{ "allow read /**\nkill syscall openat,open\n", "r /x@open", K, 0, 2 },
	{ "allow syscall openat\n", "r /x", D, EACCES, 0 },
	{ "deny syscall openat\nallow syscall openat\nallow read /x\n", "r /x", A, 0, 3 },
	{ "kill syscall ptrace\n", "syscall ptrace", K, 0, 1 },
	{ "allow syscall mount\n", "syscall mount", A, 0, 1 },
	{ "default allow\n", "syscall mount", A, 0, 0 },
	{ "", "syscall mount", D, EPERM, 0 },
	{ "deny syscall mount,umount2 errno=EACCES\n", "syscall umount2", D, EACCES, 1 },
	{ "default allow\ndeny syscall mount\n", "syscall umount2", A, 0, 0 },
	{ "deny syscall socketcall\n", "syscall socketcall", D, EPERM, 1 },
	/* connect / bind: loopback */
	{ "allow connect loopback\n", "connect inet 127.0.0.1 80", A, 0, 1 },
	{ "allow connect loopback\n", "connect inet 127.255.0.1 1", A, 0, 1 },
	{ "allow connect loopback\n", "connect inet 128.0.0.1 80", D, ECONNREFUSED, 0 },
	{ "allow connect loopback\n", "connect inet 0.0.0.0 80", D, ECONNREFUSED, 0 },
	{ "allow connect loopback\n", "connect inet6 ::1 443", A, 0, 1 },
	{ "allow connect loopback\n", "connect inet6 ::2 443", D, ECONNREFUSED, 0 },
	{ "allow connect loopback\n", "connect inet6 :: 443", D, ECONNREFUSED, 0 },
	/* the decoder normalises IPv4-mapped IPv6: un-normalised forms never match loopback */
	{ "allow connect loopback\n", "connect inet6 ::ffff:127.0.0.1 80", D, ECONNREFUSED, 0 },
	{ "allow connect loopback\n", "connect inet6 ::127.0.0.1 80", D, ECONNREFUSED, 0 },
	{ "allow connect loopback\n", "bind inet 127.0.0.1 80", D, EADDRNOTAVAIL, 0 },
	{ "allow bind loopback\n", "bind inet 0.0.0.0 8080", D, EADDRNOTAVAIL, 0 },
	{ "allow bind loopback\n", "bind inet 127.0.0.1 8080", A, 0, 1 },
	{ "allow connect,bind loopback\n", "bind inet6 ::1 1", A, 0, 1 },
	/* inet: prefixes and port ranges */
	{ "allow connect inet:203.0.113.0/24\n", "connect inet 203.0.113.3 5", A, 0, 1 },
	{ "allow connect inet:203.0.113.0/24\n", "connect inet 198.51.100.1 5", D, ECONNREFUSED, 0 },
	{ "allow connect inet:198.51.100.0/24:80-90\n", "connect inet 198.51.100.5 85", A, 0, 1 },
	{ "allow connect inet:198.51.100.0/24:80-90\n", "connect inet 198.51.100.5 80", A, 0, 1 },
	{ "allow connect inet:198.51.100.0/24:80-90\n", "connect inet 198.51.100.5 90", A, 0, 1 },
	{ "allow connect inet:198.51.100.0/24:80-90\n", "connect inet 198.51.100.5 91", D, ECONNREFUSED,
	  0 },
	{ "allow connect inet:198.51.100.0/24:80-90\n", "connect inet 192.0.2.1 85", D, ECONNREFUSED,
	  0 },
	{ "allow connect inet:192.0.2.128/25\n", "connect inet 192.0.2.200 1", A, 0, 1 },
	{ "allow connect inet:192.0.2.128/25\n", "connect inet 192.0.2.127 1", D,
	  ECONNREFUSED, 0 },
	{ "allow connect inet:*:53\n", "connect inet 192.0.2.8 53", A, 0, 1 },
	{ "allow connect inet:*:53\n", "connect inet 192.0.2.8 54", D, ECONNREFUSED, 0 },
	{ "allow connect inet:*:53\n", "connect inet6 ::1 53", D, ECONNREFUSED, 0 },
	{ "allow connect inet:192.0.2.4\n", "connect inet 192.0.2.4 65535", A, 0, 1 },
	{ "allow connect inet:192.0.2.4\n", "connect inet 192.0.2.5 1", D, ECONNREFUSED, 0 },
	{ "allow connect inet:0.0.0.0/0\n", "connect inet 198.51.100.9 9", A, 0, 1 },
	{ "allow connect inet:127.0.0.1:8000-9000\n", "connect inet 127.0.0.1 8500", A, 0, 1 },
	/* inet6, brackets */
	{ "allow connect inet6:[2001:db8::]/32:443\n", "connect inet6 2001:db8::1 443", A, 0, 1 },
	{ "allow connect inet6:[2001:db8::/32]:443\n", "connect inet6 2001:db8:ff::1 443", A, 0,
	  1 },
	{ "allow connect inet6:[2001:db8::]/32:443\n", "connect inet6 2001:db9::1 443", D,
	  ECONNREFUSED, 0 },
	{ "allow connect inet6:[2001:db8::]/32:443\n", "connect inet6 2001:db8::1 80", D,
	  ECONNREFUSED, 0 },
	{ "allow connect inet6:[::1]:53\n", "connect inet6 ::1 53", A, 0, 1 },
	{ "allow connect inet6:[::1]:53\n", "connect inet 127.0.0.1 53", D, ECONNREFUSED, 0 },
	{ "allow connect inet6:*:80\n", "connect inet6 fe80::1 80", A, 0, 1 },
	{ "allow connect inet6:[*]:80-81\n", "connect inet6 fe80::1 81", A, 0, 1 },
	{ "allow connect inet6:fd00::/8\n", "connect inet6 fdab::1 9", A, 0, 1 },
	{ "allow connect inet6:fd00::/8\n", "connect inet6 fe00::1 9", D, ECONNREFUSED, 0 },
	{ "allow connect inet6:::1\n", "connect inet6 ::1 9", A, 0, 1 },
	{ "default allow\ndeny connect inet:*:25 errno=ENETUNREACH\n", "connect inet 203.0.113.1 25", D,
	  ENETUNREACH, 2 },
	{ "default allow\nkill connect inet6:*\n", "connect inet6 ::1 1", K, 0, 2 },
	{ "allow connect inet:*\ndeny connect inet:203.0.113.0/24\n", "connect inet 203.0.113.1 1", D,
	  ECONNREFUSED, 2 },
	/* unix pathname sockets: globs on the normalised path */
	{ "allow connect unix:/run/app/*.sock\n", "connect unix /run/app/x.sock", A, 0, 1 },
	{ "allow connect unix:/run/app/*.sock\n", "connect unix /run/app/sub/x.sock", D,
	  ECONNREFUSED, 0 },
	{ "allow connect unix:/run/app/*.sock\n", "connect unix /run//app/./x.sock", A, 0, 1 },
	{ "allow connect unix:/run/app/*.sock\n", "connect abstract x.sock", D, ECONNREFUSED, 0 },
	{ "allow connect unix:/**\n", "connect unix /var/run/nscd/socket", A, 0, 1 },
	{ "allow connect unix:/**\n", "connect abstract /tmp/.X11-unix/X0", D, ECONNREFUSED, 0 },
	{ "allow connect unix:/**\n", "connect unix relative.sock", D, ECONNREFUSED, 0 },
	/* abstract names */
	{ "allow connect unix-abstract:app-*\n", "connect abstract app-1", A, 0, 1 },
	{ "allow connect unix-abstract:app-*\n", "connect abstract app-/x/y", A, 0, 1 },
	{ "allow connect unix-abstract:app-*\n", "connect abstract other", D, ECONNREFUSED, 0 },
	{ "allow connect unix-abstract:app-*\n", "connect unix /app-1", D, ECONNREFUSED, 0 },
	{ "allow bind unix-abstract:*\n", "bind unnamed", A, 0, 1 },
	{ "allow bind unix-abstract:app-*\n", "bind unnamed", D, EADDRNOTAVAIL, 0 },
	{ "allow bind unix:/**\n", "bind unnamed", D, EADDRNOTAVAIL, 0 },
	/* socket families */
	{ "allow socket netlink\n", "socket 16 3 0", A, 0, 1 },
	{ "allow socket netlink\n", "socket 17 3 0", D, EAFNOSUPPORT, 0 },
	{ "allow socket netlink,packet\n", "socket 17 3 0", A, 0, 1 },
	{ "allow socket raw\n", "socket 2 3 1", A, 0, 1 },
	{ "allow socket raw\n", "socket 10 2051 58", A, 0, 1 }, /* SOCK_RAW|SOCK_NONBLOCK */
	{ "allow socket raw\n", "socket 2 2 1", A, 0, 1 },      /* ping is raw too */
	{ "allow socket ping\n", "socket 2 3 1", D, EAFNOSUPPORT, 0 },
	{ "allow socket ping\n", "socket 2 2 1", A, 0, 1 },
	{ "allow socket ping\n", "socket 10 2 58", A, 0, 1 },
	{ "allow socket ping\n", "socket 10 2 1", A, 0, 0 }, /* inet6 UDP, protocol 1: not ping */
	{ "", "socket 2 1 6", A, 0, 0 },                     /* TCP: connect/bind judge it */
	{ "", "socket 1 1 0", A, 0, 0 },                     /* unix: connect/bind judge it */
	{ "", "socket 40 1 0", D, EAFNOSUPPORT, 0 },
	{ "default allow\n", "socket 40 1 0", A, 0, 0 },
	{ "default allow\ndeny socket any errno=EPERM\n", "socket 17 3 0", D, EPERM, 2 },
	{ "default allow\ndeny socket any\n", "socket 200 3 0", D, EAFNOSUPPORT, 2 },
	{ "allow socket vsock\nkill socket alg\n", "socket 38 5 0", K, 0, 2 },
};

static void test_verdict_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct verdict_case *c = &cases[i];
		struct policy *p = load(c->policy);
		struct pol_verdict v;
		struct req_buf b;

		make_req(&b, c->request);
		memset(&v, 0x5a, sizeof(v));
		policy_simulate(p, &b.req, &v);
		if (v.action != c->action || v.err != c->err || v.line != c->line ||
		    (c->line == 0) != (v.file == NULL)) {
			fail_msg("case %zu: policy \"%s\" request \"%s\": got action %d err %d "
				 "line %d file %s, want %d %d %d",
				 i, c->policy, c->request, v.action, v.err, v.line,
				 v.file ? v.file : "(null)", c->action, c->err, c->line);
		}
		if (v.file)
			assert_string_equal(v.file, "t.policy");
		free_req(&b);
		policy_free(p);
	}
}

/* Abstract names are counted bytes: NULs inside them and in patterns (`\x00`). */
static void test_abstract_nul(void **state)
{
	struct policy *p = load("allow connect unix-abstract:a\\x00b\n"
				"allow connect unix-abstract:z*\n");
	struct pol_request q = { .kind = POL_REQ_CONNECT, .syscall = "connect" };
	struct pol_addr a = { .family = AF_UNIX, .abstract = true };
	struct pol_verdict v;

	(void)state;
	q.addr = &a;
	memcpy(a.path, "a\0b", 3);
	a.path_len = 3;
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_ALLOW);
	assert_int_equal(v.line, 1);
	memcpy(a.path, "a\0c", 3);
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	a.path_len = 1; /* "a" alone */
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	memcpy(a.path, "z\0\0q", 4); /* `*` runs over NULs */
	a.path_len = 4;
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_ALLOW);
	assert_int_equal(v.line, 2);
	a.path_len = 100000; /* a bogus length is clamped to the buffer, never read past it */
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_ALLOW);
	policy_free(p);
}

/* A pathname sun_path ends at its first NUL, whatever path_len says. */
static void test_unix_path_len(void **state)
{
	struct policy *p = load("allow connect unix:/run/x.sock\n");
	struct pol_request q = { .kind = POL_REQ_CONNECT, .syscall = "connect" };
	struct pol_addr a = { .family = AF_UNIX };
	struct pol_verdict v;

	(void)state;
	q.addr = &a;
	memcpy(a.path, "/run/x.sock\0junk", 16);
	a.path_len = 16;
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_ALLOW);
	a.path_len = 6; /* "/run/x" */
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	policy_free(p);
}

/* Malformed requests are denied whatever the policy says. */
static void test_fail_closed(void **state)
{
	struct policy *p = load("default allow\n");
	struct pol_request q = { .kind = POL_REQ_PATH, .syscall = "openat", .access = POL_READ };
	struct pol_verdict v;
	char *longpath = malloc(8192);

	(void)state;
	policy_eval(p, &q, &v); /* path NULL */
	assert_int_equal(v.action, POL_DENY);
	assert_int_equal(v.err, EACCES);
	q.kind = POL_REQ_CONNECT; /* addr NULL */
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	assert_int_equal(v.err, ECONNREFUSED);
	q.kind = POL_REQ_BIND;
	policy_eval(p, &q, &v);
	assert_int_equal(v.err, EADDRNOTAVAIL);
	q.kind = POL_REQ_PATH;
	memset(longpath, 'a', 8191);
	longpath[0] = '/';
	longpath[8191] = '\0';
	q.path = longpath;
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	assert_int_equal(v.err, ENAMETOOLONG);
	free(longpath);
	policy_free(p);
}

static void test_syscall_rule(void **state)
{
	struct policy *p = load("deny syscall mount\nkill syscall ptrace,mount\n"
				"deny syscall reboot errno=EBUSY\n");
	struct pol_verdict v;

	(void)state;
	assert_int_equal(policy_syscall_rule(p, "mount", &v), 1);
	assert_int_equal(v.action, POL_KILL);
	assert_int_equal(v.line, 2);
	assert_int_equal(policy_syscall_rule(p, "reboot", &v), 1);
	assert_int_equal(v.action, POL_DENY);
	assert_int_equal(v.err, EBUSY);
	assert_int_equal(policy_syscall_rule(p, "openat", &v), 0);
	policy_free(p);
}

/* ---- redirect --------------------------------------------------------------------------- */

static void check_redirect(const struct policy *p, const char *path, int want, const char *to,
			   int line)
{
	char out[4096];
	const char *file = NULL;
	int l = -1, r;

	r = policy_redirect(p, path, out, sizeof(out), &file, &l);
	if (r != want)
		fail_msg("redirect %s: got %d, want %d", path, r, want);
	if (r == 1) {
		assert_string_equal(out, to);
		assert_int_equal(l, line);
		assert_string_equal(file, "t.policy");
	}
}

static void test_redirect(void **state)
{
	struct policy *p = load("redirect /etc/hosts /srv/job/hosts\n"
				"redirect /home/** /tmp/job/home/**\n"
				"redirect /home/u/keep/** /home/u/keep/**\n"
				"redirect /data/** /**\n");
	char small[8];

	(void)state;
	check_redirect(p, "/etc/hosts", 1, "/srv/job/hosts", 1);
	check_redirect(p, "/etc//hosts", 1, "/srv/job/hosts", 1);
	check_redirect(p, "/etc/hosts/x", 0, NULL, 0);
	check_redirect(p, "/etc/hostsx", 0, NULL, 0);
	check_redirect(p, "/home", 1, "/tmp/job/home", 2);
	check_redirect(p, "/home/", 1, "/tmp/job/home", 2);
	check_redirect(p, "/home/u/.bashrc", 1, "/tmp/job/home/u/.bashrc", 2);
	check_redirect(p, "/homex/u", 0, NULL, 0);
	check_redirect(p, "/home/u/keep/a", 1, "/home/u/keep/a", 3); /* the last one wins */
	check_redirect(p, "/data", 1, "/", 4);
	check_redirect(p, "/data/a/b", 1, "/a/b", 4);
	check_redirect(p, "/other", 0, NULL, 0);
	check_redirect(p, "/home/../etc/hosts", 0, NULL, 0); /* not normalisable: eval denies */
	assert_int_equal(policy_redirect(p, "/home/u/long", small, sizeof(small), NULL, NULL),
			 -ENAMETOOLONG);
	policy_free(p);

	p = load("redirect /** /jail/**\n");
	check_redirect(p, "/", 1, "/jail", 1);
	check_redirect(p, "/etc/x", 1, "/jail/etc/x", 1);
	policy_free(p);
}

/* ---- diagnostics ------------------------------------------------------------------------ */

static const struct diag_case {
	const char *text;
	const char *msg;
} diags[] = {
	{ "frobnicate /x\n", "t.policy:1: unknown keyword 'frobnicate'" },
	{ "# c\n\n  allow read foo\n",
	  "t.policy:3: bad pattern 'foo': relative path (patterns must be absolute)" },
	{ "allow read /a/../b",
	  "t.policy:1: bad pattern '/a/../b': '..' components are not allowed" },
	{ "allow read /a/[bc", "t.policy:1: bad pattern '/a/[bc': unterminated [" },
	{ "allow read /a/[z-a]", "t.policy:1: bad pattern '/a/[z-a]': bad range in [...]" },
	{ "allow read /a/b**",
	  "t.policy:1: bad pattern '/a/b**': '**' must be a whole path component" },
	{ "allow read /a/\\", "t.policy:1: bad pattern '/a/\\': trailing backslash" },
	{ "allow read /a/\\xZZ",
	  "t.policy:1: bad pattern '/a/\\xZZ': bad \\x escape (two hex digits expected)" },
	{ "allow read /a\\x00b", "t.policy:1: bad pattern '/a\\x00b': NUL byte in a path pattern" },
	{ "allow read /a\\/b", "t.policy:1: bad pattern '/a\\/b': escaped '/' in a path pattern" },
	{ "allow syscall frobnicate", "t.policy:1: unknown syscall 'frobnicate'" },
	{ "allow syscall read,,write", "t.policy:1: empty item in 'read,,write'" },
	{ "deny read /x errno=EFOO", "t.policy:1: unknown errno 'EFOO'" },
	{ "deny read /x errno=", "t.policy:1: missing errno name after 'errno='" },
	{ "allow read /x errno=EPERM", "t.policy:1: errno= is only valid on deny rules" },
	{ "kill syscall ptrace errno=EPERM", "t.policy:1: errno= is only valid on deny rules" },
	{ "deny read /x extra", "t.policy:1: trailing garbage 'extra'" },
	{ "deny read /x errno=EPERM extra", "t.policy:1: trailing garbage 'extra'" },
	{ "allow",
	  "t.policy:1: allow: missing access (read, write, exec, connect, bind, socket or "
	  "syscall)" },
	{ "allow read", "t.policy:1: allow read: missing pattern" },
	{ "deny read,write", "t.policy:1: deny read,write: missing pattern" },
	{ "deny connect", "t.policy:1: deny connect: missing address" },
	{ "allow socket", "t.policy:1: allow socket: missing socket family" },
	{ "kill syscall", "t.policy:1: kill syscall: missing syscall name" },
	{ "allow frob /x",
	  "t.policy:1: unknown access 'frob' (expected read, write, exec, connect, bind, socket or "
	  "syscall)" },
	{ "allow read,,write /x", "t.policy:1: empty item in 'read,,write'" },
	{ "allow read,connect /x", "t.policy:1: cannot combine 'read' and 'connect' in one rule" },
	{ "allow syscall,read x",
	  "t.policy:1: cannot combine 'syscall' with other accesses in one rule" },
	{ "allow read,syscall x", "t.policy:1: cannot combine 'read' and 'syscall' in one rule" },
	{ "allow socket,socket x",
	  "t.policy:1: cannot combine 'socket' with other accesses in one rule" },
	{ "default", "t.policy:1: default: missing action (allow or deny)" },
	{ "default maybe", "t.policy:1: default: expected allow or deny, not 'maybe'" },
	{ "default deny now", "t.policy:1: trailing garbage 'now'" },
	{ "mode", "t.policy:1: mode: missing mode (enforce or audit)" },
	{ "mode loud", "t.policy:1: mode: expected enforce or audit, not 'loud'" },
	{ "limit", "t.policy:1: limit: missing limit name" },
	{ "limit speed 1",
	  "t.policy:1: limit: unknown limit 'speed' (expected cpu-time, wall-time, memory, pids, "
	  "cpus, fsize, nofile or scratch)" },
	{ "limit memory", "t.policy:1: limit memory: missing value" },
	{ "limit memory 12Q",
	  "t.policy:1: limit memory: bad value '12Q': expected a size in bytes, such as 4096, "
	  "512K, 256M or 2G" },
	{ "limit memory 0", "t.policy:1: limit memory: bad value '0': must be greater than 0" },
	{ "limit memory 99999999999T",
	  "t.policy:1: limit memory: bad value '99999999999T': size too large" },
	{ "limit pids 0", "t.policy:1: limit pids: bad value '0': must be at least 1" },
	{ "limit nofile x", "t.policy:1: limit nofile: bad value 'x': expected a whole number" },
	{ "limit cpu-time -1",
	  "t.policy:1: limit cpu-time: bad value '-1': expected seconds, such as 2 or 0.5" },
	{ "limit wall-time 0",
	  "t.policy:1: limit wall-time: bad value '0': must be greater than 0" },
	{ "limit cpus 3-1",
	  "t.policy:1: limit cpus: bad value '3-1': expected a CPU list such as 0 or 0-3,6" },
	{ "limit memory 1G 2G", "t.policy:1: trailing garbage '2G'" },
	{ "backtrace", "t.policy:1: backtrace: missing syscall list (or 'denied')" },
	{ "backtrace execve,frob", "t.policy:1: backtrace: unknown syscall 'frob'" },
	{ "backtrace execve,", "t.policy:1: backtrace: empty item in 'execve,'" },
	{ "allow connect inet:1.2.3",
	  "t.policy:1: bad address 'inet:1.2.3': bad IPv4 address" },
	{ "allow connect inet:",
	  "t.policy:1: bad address 'inet:': missing IP address (or *)" },
	{ "allow connect inet:203.0.113.1/24",
	  "t.policy:1: bad address 'inet:203.0.113.1/24': address has bits set beyond the prefix "
	  "length" },
	{ "allow connect inet:192.0.2.4:70000",
	  "t.policy:1: bad address 'inet:192.0.2.4:70000': bad port (0-65535, or a range LOW-HIGH)" },
	{ "allow connect inet:192.0.2.4:",
	  "t.policy:1: bad address 'inet:192.0.2.4:': bad port (0-65535, or a range LOW-HIGH)" },
	{ "allow connect inet:192.0.2.4:90-80",
	  "t.policy:1: bad address 'inet:192.0.2.4:90-80': bad port range (LOW is above HIGH)" },
	{ "allow connect inet:192.0.2.4/33",
	  "t.policy:1: bad address 'inet:192.0.2.4/33': bad prefix length (0-32)" },
	{ "allow connect inet:*/8", "t.policy:1: bad address 'inet:*/8': bad IPv4 address" },
	{ "allow connect inet6:[::1", "t.policy:1: bad address 'inet6:[::1': missing ']'" },
	{ "allow connect inet6:[::1]x",
	  "t.policy:1: bad address 'inet6:[::1]x': unexpected text after ']' (expected /PREFIX or "
	  ":PORT)" },
	{ "allow connect inet6:[::1]/129",
	  "t.policy:1: bad address 'inet6:[::1]/129': bad prefix length (0-128)" },
	{ "allow connect inet6:[fe80::1%eth0]",
	  "t.policy:1: bad address 'inet6:[fe80::1%eth0]': bad IPv6 address" },
	{ "allow connect inet6:[::ffff:192.0.2.4]",
	  "t.policy:1: bad address 'inet6:[::ffff:192.0.2.4]': IPv4-mapped addresses are judged as "
	  "IPv4: write inet:A.B.C.D" },
	{ "allow connect ipx:1",
	  "t.policy:1: bad address 'ipx:1': expected loopback, inet:, inet6:, unix: or "
	  "unix-abstract:" },
	{ "allow connect unix:run/x",
	  "t.policy:1: bad address 'unix:run/x': relative path (patterns must be absolute)" },
	{ "allow connect unix-abstract:[x",
	  "t.policy:1: bad address 'unix-abstract:[x': unterminated [" },
	{ "allow socket inet6",
	  "t.policy:1: socket family 'inet6' is judged by connect and bind rules" },
	{ "allow socket frob", "t.policy:1: unknown socket family 'frob'" },
	{ "allow socket netlink,", "t.policy:1: empty item in 'netlink,'" },
	{ "redirect", "t.policy:1: redirect: missing source path" },
	{ "redirect /a", "t.policy:1: redirect: missing target path" },
	{ "redirect /a /b /c", "t.policy:1: trailing garbage '/c'" },
	{ "redirect a /b",
	  "t.policy:1: bad pattern 'a': relative path (patterns must be absolute)" },
	{ "redirect /a/* /b",
	  "t.policy:1: redirect: '/a/*' has wildcards (only a final '**' component is allowed)" },
	{ "redirect /a/** /b",
	  "t.policy:1: redirect: '/a/**' and '/b' must both be exact paths or both end in '/**'" },
	{ "include", "t.policy:1: include: missing file name" },
	{ "include a b", "t.policy:1: trailing garbage 'b'" },
	{ "include /nonexistent/sysward-test.policy",
	  "t.policy:1: include: cannot read '/nonexistent/sysward-test.policy': No such file or "
	  "directory" },
	{ "include /", "t.policy:1: include: cannot read '/': not a regular file" },
	{ "include /dev/null", "t.policy:1: include: cannot read '/dev/null': not a regular file" },
	{ "include bad\\xZZ", "t.policy:1: include: bad file name 'bad\\xZZ'" },
	{ "allow read /ok\n\n\nallow read /a b", "t.policy:4: trailing garbage 'b'" },
};

static void test_diagnostics(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(diags) / sizeof(diags[0]); i++) {
		struct policy *p = policy_new();
		struct pol_error err = { "" };
		int r = policy_load_string(p, "t.policy", diags[i].text, &err);

		if (r >= 0)
			fail_msg("case %zu: \"%s\" loaded", i, diags[i].text);
		if (strcmp(err.msg, diags[i].msg) != 0)
			fail_msg("case %zu:\n got  %s\n want %s", i, err.msg, diags[i].msg);
		policy_free(p);
	}
}

/* ---- files and includes ----------------------------------------------------------------- */

static char tmpdir[64];

static void write_file(const char *name, const char *text, size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void write_text(const char *name, const char *text)
{
	write_file(name, text, strlen(text));
}

static int setup_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_policy.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	return 0;
}

static int teardown_tmpdir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_include(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;
	struct pol_verdict v;
	struct pol_request q = { .kind = POL_REQ_PATH, .syscall = "openat", .access = POL_READ };
	char path[256], want[512];

	(void)state;
	mkdir(strcat(strcpy(path, tmpdir), "/sub"), 0755);
	write_text("main.policy", "allow read /a/**\ninclude sub/base.policy\ndeny read /a/c\n");
	write_text("sub/base.policy", "# base\ninclude more.policy\nallow read /b/**\n");
	write_text("sub/more.policy", "allow read /c/**\n");
	snprintf(path, sizeof(path), "%s/main.policy", tmpdir);
	assert_int_equal(policy_load_file(p, path, &err), 0);

	q.path = "/c/x"; /* from sub/more.policy, found relative to sub/base.policy */
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_ALLOW);
	snprintf(want, sizeof(want), "%s/sub/more.policy", tmpdir);
	assert_string_equal(v.file, want);
	assert_int_equal(v.line, 1);
	q.path = "/b/x";
	policy_eval(p, &q, &v);
	assert_int_equal(v.line, 3);
	q.path = "/a/c"; /* the rule after the include is later: it wins */
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	assert_string_equal(v.file, path);
	assert_int_equal(v.line, 3);
	policy_free(p);
}

static void test_include_cycle(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;
	char path[256], want[768];

	(void)state;
	write_text("a.policy", "allow read /a\ninclude b.policy\n");
	write_text("b.policy", "allow read /b\ninclude a.policy\n");
	snprintf(path, sizeof(path), "%s/a.policy", tmpdir);
	assert_int_equal(policy_load_file(p, path, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/b.policy:2: include: cycle: '%s/a.policy' is already being loaded", tmpdir,
		 tmpdir);
	assert_string_equal(err.msg, want);

	write_text("self.policy", "include self.policy\n");
	snprintf(path, sizeof(path), "%s/self.policy", tmpdir);
	assert_int_equal(policy_load_file(p, path, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/self.policy:1: include: cycle: '%s/self.policy' is already being loaded",
		 tmpdir, tmpdir);
	assert_string_equal(err.msg, want);
	assert_int_equal(policy_default(p), POL_DENY);
	policy_free(p);
}

static void test_include_depth(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;
	char name[32], text[64], path[256], want[512];
	int i;

	(void)state;
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "d%d.policy", i);
		snprintf(text, sizeof(text), "include d%d.policy\n", i + 1);
		write_text(name, text);
	}
	write_text("d20.policy", "allow read /x\n");
	snprintf(path, sizeof(path), "%s/d4.policy", tmpdir); /* 16 levels: fine */
	assert_int_equal(policy_load_file(p, path, &err), 0);
	snprintf(path, sizeof(path), "%s/d3.policy", tmpdir); /* 17 levels: too deep */
	assert_int_equal(policy_load_file(p, path, &err), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s/d19.policy:1: include: nested too deeply (at most 16 levels)", tmpdir);
	assert_string_equal(err.msg, want);
	policy_free(p);
}

static void test_file_errors(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;
	char path[256], want[512];

	(void)state;
	assert_int_equal(policy_load_file(p, "/nonexistent/x.policy", &err), -ENOENT);
	assert_string_equal(err.msg,
			    "/nonexistent/x.policy:0: cannot read: No such file or directory");
	assert_int_equal(policy_load_file(p, "/tmp", &err), -EINVAL);
	assert_string_equal(err.msg, "/tmp:0: cannot read: not a regular file");

	write_file("nul.policy", "allow read /a\nallow read /b\0c\n", 30);
	snprintf(path, sizeof(path), "%s/nul.policy", tmpdir);
	assert_int_equal(policy_load_file(p, path, &err), -EINVAL);
	snprintf(want, sizeof(want), "%s:2: NUL byte in line", path);
	assert_string_equal(err.msg, want);

	write_text("crlf.policy", "default allow\r\ndeny read /x\r\n");
	snprintf(path, sizeof(path), "%s/crlf.policy", tmpdir);
	assert_int_equal(policy_load_file(p, path, &err), 0);
	assert_int_equal(policy_default(p), POL_ALLOW);
	policy_free(p);
}

/* A failed load leaves rules, default and settings exactly as they were. */
static void test_all_or_nothing(void **state)
{
	struct policy *p = load("allow read /usr/**\nlimit pids 10\n");
	struct pol_error err;
	char *before, *after, path[256];

	(void)state;
	before = dump(p);
	assert_int_equal(policy_load_string(p, "bad.policy",
					    "default allow\nallow write /**\nlimit memory 1G\n"
					    "mode audit\nbacktrace denied\nlimit pids 99\n"
					    "redirect /a /b\ndeny syscall mount\nbogus\n",
					    &err),
			 -EINVAL);
	assert_string_equal(err.msg, "bad.policy:9: unknown keyword 'bogus'");
	after = dump(p);
	assert_string_equal(before, after);
	assert_int_equal(policy_default(p), POL_DENY);
	assert_false(policy_settings(p)->set[LIM_MEMORY]);
	assert_int_equal(policy_settings(p)->pids, 10);
	assert_int_equal(policy_settings(p)->mode, MODE_UNSET);
	assert_false(policy_settings(p)->bt_denied);
	free(after);

	/* an error inside an included file undoes the includer's rules too */
	write_text("good.policy", "allow write /**\n");
	write_text("top.policy", "default allow\ninclude good.policy\nlimit memory x\n");
	snprintf(path, sizeof(path), "%s/top.policy", tmpdir);
	assert_int_equal(policy_load_file(p, path, &err), -EINVAL);
	after = dump(p);
	assert_string_equal(before, after);
	free(after);
	free(before);
	policy_free(p);
}

/* Several loads append; later `default` and settings win. */
static void test_append(void **state)
{
	struct policy *p = load("default deny\nallow read /a/**\nlimit memory 1G\n");
	struct pol_request q = { .kind = POL_REQ_PATH, .syscall = "openat", .access = POL_READ,
				 .path = "/a/x" };
	struct pol_error err;
	struct pol_verdict v;

	(void)state;
	assert_int_equal(policy_load_string(p, "two.policy",
					    "deny read /a/x\nlimit memory 2G\nbacktrace execve\n",
					    &err),
			 0);
	policy_eval(p, &q, &v);
	assert_int_equal(v.action, POL_DENY);
	assert_string_equal(v.file, "two.policy");
	assert_int_equal(policy_settings(p)->memory, 2ull << 30);
	assert_int_equal(policy_load_string(p, NULL, "default allow\nbacktrace denied\n", &err), 0);
	assert_int_equal(policy_default(p), POL_ALLOW);
	assert_true(policy_settings(p)->bt_denied);
	assert_int_equal(policy_settings(p)->n_bt, 1); /* backtrace lines add up */
	policy_free(p);
}

/* ---- settings from the policy ----------------------------------------------------------- */

static void test_policy_settings(void **state)
{
	struct policy *p = load("limit cpu-time 2.5\nlimit wall-time 10\nlimit memory 256M\n"
				"limit pids 64\nlimit cpus 0-1\nlimit fsize 0\nlimit nofile 128\n"
				"limit scratch 1G\nmode audit\nbacktrace denied,execve\n"
				"backtrace openat\n");
	const struct settings *s = policy_settings(p);

	(void)state;
	assert_true(s->set[LIM_CPU_TIME]);
	assert_true(s->cpu_time > 2.49 && s->cpu_time < 2.51);
	assert_true(s->wall_time > 9.99 && s->wall_time < 10.01);
	assert_int_equal(s->memory, 256u << 20);
	assert_int_equal(s->pids, 64);
	assert_string_equal(s->cpus, "0-1");
	assert_true(s->set[LIM_FSIZE]);
	assert_int_equal(s->fsize, 0);
	assert_int_equal(s->nofile, 128);
	assert_int_equal(s->scratch, 1u << 30);
	assert_int_equal(s->mode, MODE_AUDIT);
	assert_true(s->bt_denied);
	assert_int_equal(s->n_bt, 2);
	assert_true(settings_wants_backtrace(s, "openat", false));
	assert_true(settings_wants_backtrace(s, "mount", true));
	assert_false(settings_wants_backtrace(s, "mount", false));
	policy_free(p);
}

/* ---- dump and hash ---------------------------------------------------------------------- */

static const char dump_policy[] =
	"# a comment\n"
	"allow read /usr//lib/./x/\n"
	"deny  write,read /etc/shadow errno=EPERM\n"
	"redirect /home/** /tmp/h/**\n"
	"kill syscall ptrace\n"
	"allow connect,bind inet:203.0.113.0/24:80-90\n"
	"allow connect inet6:[2001:DB8::]/32:443\n"
	"allow connect unix-abstract:a\\x01b*\n"
	"allow socket packet,netlink\n"
	"default allow\n"
	"limit memory 268435456\n"
	"limit cpu-time 1.5\n"
	"backtrace execve,denied\n"
	"mode enforce\n";

static const char dump_want[] =
	"# sysward policy: redirects first, then syscall rules, then the rest; the last matching "
	"rule wins\n"
	"default allow                                   # t.policy:10\n"
	"mode enforce                                    # t.policy:14\n"
	"limit cpu-time 1.5                              # t.policy:12\n"
	"limit memory 256M                               # t.policy:11\n"
	"backtrace denied,execve                         # t.policy:13\n"
	"redirect /home/** /tmp/h/**                     # t.policy:4\n"
	"kill syscall ptrace                             # t.policy:5\n"
	"allow read /usr/lib/x                           # t.policy:2\n"
	"deny read,write /etc/shadow errno=EPERM         # t.policy:3\n"
	"allow connect,bind inet:203.0.113.0/24:80-90    # t.policy:6\n"
	"allow connect inet6:[2001:db8::]/32:443         # t.policy:7\n"
	"allow connect unix-abstract:a\\x01b*             # t.policy:8\n"
	"allow socket netlink,packet                     # t.policy:9\n";

static void test_dump(void **state)
{
	struct policy *p = load(dump_policy);
	char *text = dump(p);

	(void)state;
	assert_string_equal(text, dump_want);
	free(text);
	policy_free(p);

	p = policy_new();
	text = dump(p);
	assert_string_equal(text, "# sysward policy: redirects first, then syscall rules, then the "
				  "rest; the last matching rule wins\n"
				  "default deny                                    # built-in\n");
	free(text);
	policy_free(p);
}

/* The dump is a policy: loading it gives the same rules (only FILE:LINE differ). */
static void strip_origins(char *s)
{
	char *line, *o = s, *hash;

	for (line = s; *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

		hash = strstr(line, "  # ");
		if (hash && hash < line + len)
			len = (size_t)(hash - line);
		while (len && line[len - 1] == ' ')
			len--;
		memmove(o, line, len);
		o += len;
		*o++ = '\n';
		line = nl ? nl + 1 : line + strlen(line);
	}
	*o = '\0';
}

static void test_dump_round_trip(void **state)
{
	struct policy *p = load(dump_policy), *q;
	struct pol_error err;
	char *one = dump(p), *two;
	char path[PATH_MAX];

	(void)state;
	q = policy_new();
	assert_int_equal(policy_load_string(q, "dump.policy", one, &err), 0);
	two = dump(q);
	strip_origins(one);
	strip_origins(two);
	assert_string_equal(one, two);
	free(one);
	free(two);
	policy_free(q);
	policy_free(p);

	/* the default profile too */
	snprintf(path, sizeof(path), "%s", SYSWARD_SRC_PROFILEDIR);
	setenv("SYSWARD_PROFILEDIR", path, 1);
	p = policy_new();
	assert_int_equal(policy_load_profile(p, "default", &err), 0);
	one = dump(p);
	q = policy_new();
	assert_int_equal(policy_load_string(q, "dump.policy", one, &err), 0);
	two = dump(q);
	strip_origins(one);
	strip_origins(two);
	assert_string_equal(one, two);
	free(one);
	free(two);
	policy_free(q);
	policy_free(p);
	unsetenv("SYSWARD_PROFILEDIR");
}

static void test_sha256_of_dump(void **state)
{
	struct policy *p = load(dump_policy), *q;
	char hex[65], want[65], *text = dump(p);

	(void)state;
	assert_int_equal(policy_sha256(p, hex), 0);
	pol_sha256_hex(text, strlen(text), want);
	assert_string_equal(hex, want);
	q = load(dump_policy); /* same text, same hash */
	assert_int_equal(policy_sha256(q, want), 0);
	assert_string_equal(hex, want);
	policy_free(q);
	q = load("allow read /x\n"); /* a different policy, a different hash */
	assert_int_equal(policy_sha256(q, want), 0);
	assert_string_not_equal(hex, want);
	policy_free(q);
	free(text);
	policy_free(p);
}

/* ---- profiles --------------------------------------------------------------------------- */

static void expect(const struct policy *p, const char *request, enum pol_action action, int err)
{
	struct pol_verdict v;
	struct req_buf b;

	make_req(&b, request);
	policy_eval(p, &b.req, &v);
	if (v.action != action || v.err != err)
		fail_msg("%s: got action %d err %d (rule %s:%d), want %d %d", request, v.action,
			 v.err, v.file ? v.file : "default", v.line, action, err);
	free_req(&b);
}

static void test_profile_default(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;

	(void)state;
	setenv("SYSWARD_PROFILEDIR", SYSWARD_SRC_PROFILEDIR, 1);
	assert_int_equal(policy_load_profile(p, "default", &err), 0);
	assert_int_equal(policy_default(p), POL_DENY);
	expect(p, "r /usr/lib/x86_64-linux-gnu/libc.so.6", POL_ALLOW, 0);
	expect(p, "x /usr/bin/gcc", POL_ALLOW, 0);
	expect(p, "x /usr/lib/gcc/x86_64-linux-gnu/12/cc1", POL_ALLOW, 0);
	expect(p, "w /usr/bin/gcc", POL_DENY, EACCES);
	expect(p, "r /etc/passwd", POL_ALLOW, 0);
	expect(p, "r /etc/shadow", POL_DENY, EACCES);
	expect(p, "r /etc/shadow-", POL_DENY, EACCES);
	expect(p, "r /etc/gshadow", POL_DENY, EACCES);
	expect(p, "r /etc/sudoers", POL_DENY, EACCES);
	expect(p, "r /etc/sudoers.d/README", POL_DENY, EACCES);
	expect(p, "r /etc/ssh/ssh_host_ed25519_key", POL_DENY, EACCES);
	expect(p, "r /etc/ssh/ssh_config", POL_ALLOW, 0);
	expect(p, "r /root/.bashrc", POL_DENY, EACCES);
	expect(p, "r /home/u/.ssh/id_rsa", POL_DENY, EACCES);
	expect(p, "r /proc/cpuinfo", POL_ALLOW, 0);
	expect(p, "r /proc/1/status", POL_ALLOW, 0);
	expect(p, "r /proc/1/environ", POL_DENY, EACCES);
	expect(p, "r /proc/1/mem", POL_DENY, EACCES);
	expect(p, "r /proc/1/fd/3", POL_DENY, EACCES);
	expect(p, "r /proc/1/task/1/environ", POL_DENY, EACCES);
	expect(p, "rw /dev/null", POL_ALLOW, 0);
	expect(p, "rw /dev/pts/3", POL_ALLOW, 0);
	expect(p, "r /dev/sda", POL_DENY, EACCES);
	expect(p, "rw /tmp/build/x.o", POL_ALLOW, 0);
	expect(p, "rw /tmp", POL_ALLOW, 0);
	expect(p, "x /tmp/a.out", POL_DENY, EACCES);
	expect(p, "w /etc/passwd", POL_DENY, EACCES);
	expect(p, "connect inet 127.0.0.1 5432", POL_ALLOW, 0);
	expect(p, "connect inet 203.0.113.1 443", POL_DENY, ECONNREFUSED);
	expect(p, "bind inet 0.0.0.0 80", POL_DENY, EADDRNOTAVAIL);
	expect(p, "bind inet6 ::1 80", POL_ALLOW, 0);
	expect(p, "connect unix /run/dbus/system_bus_socket", POL_ALLOW, 0);
	expect(p, "connect abstract /tmp/.X11-unix/X0", POL_DENY, ECONNREFUSED);
	expect(p, "syscall mount", POL_DENY, EPERM);
	expect(p, "syscall unshare", POL_DENY, EPERM);
	expect(p, "socket 16 3 0", POL_DENY, EAFNOSUPPORT);

	/* the tracer's working-directory rule comes last and wins over `deny read /home/...` */
	assert_int_equal(policy_add_dir_rule(p, POL_ALLOW, POL_READ | POL_WRITE | POL_EXEC,
					     "/home/u/my proj*/", "cwd", &err),
			 0);
	expect(p, "rwx /home/u/my proj*/a.out", POL_ALLOW, 0);
	expect(p, "r /home/u/my proj*", POL_ALLOW, 0);
	expect(p, "r /home/u/my projX/a", POL_DENY, EACCES); /* `*` was taken literally */
	expect(p, "r /home/u/.ssh/id_rsa", POL_DENY, EACCES);
	policy_free(p);
	unsetenv("SYSWARD_PROFILEDIR");
}

static void test_add_dir_rule(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;
	struct pol_verdict v;
	struct req_buf b;
	char *text;

	(void)state;
	assert_int_equal(policy_add_dir_rule(p, POL_ALLOW, POL_WRITE, "/srv//job/", "cwd", &err),
			 0);
	assert_int_equal(policy_add_dir_rule(p, POL_DENY, POL_EXEC, "/", "cwd", &err), 0);
	text = dump(p);
	assert_non_null(strstr(text, "allow write /srv/job/**                         # cwd:1\n"));
	assert_non_null(strstr(text, "deny exec /**                                   # cwd:1\n"));
	free(text);
	make_req(&b, "rw /srv/job/out");
	policy_eval(p, &b.req, &v);
	assert_int_equal(v.action, POL_ALLOW);
	assert_string_equal(v.file, "cwd");
	free_req(&b);
	assert_int_equal(policy_add_dir_rule(p, POL_ALLOW, POL_READ, "rel", "cwd", &err), -EINVAL);
	assert_int_equal(policy_add_dir_rule(p, POL_ALLOW, POL_READ, "/a/../b", "cwd", &err),
			 -EINVAL);
	assert_int_equal(policy_add_dir_rule(p, POL_ALLOW, 0, "/a", "cwd", &err), -EINVAL);
	assert_string_equal(err.msg, "cwd:0: bad directory rule for '/a' (absolute path without "
				     "'..' and an access needed)");
	policy_free(p);
}

static void test_profile_audit(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;

	(void)state;
	setenv("SYSWARD_PROFILEDIR", SYSWARD_SRC_PROFILEDIR, 1);
	assert_int_equal(policy_load_profile(p, "audit", &err), 0);
	assert_int_equal(policy_default(p), POL_ALLOW);
	assert_int_equal(policy_settings(p)->mode, MODE_UNSET);
	expect(p, "rwx /etc/shadow", POL_ALLOW, 0);
	expect(p, "connect inet 203.0.113.1 443", POL_ALLOW, 0);
	expect(p, "syscall mount", POL_ALLOW, 0);
	policy_free(p);
	unsetenv("SYSWARD_PROFILEDIR");
}

static void test_profile_lookup(void **state)
{
	struct policy *p = policy_new();
	struct pol_error err;
	char want[512];

	(void)state;
	/* SYSWARD_PROFILEDIR wins over the built-in directories */
	write_text("mine.policy", "default allow\n");
	setenv("SYSWARD_PROFILEDIR", tmpdir, 1);
	assert_int_equal(policy_load_profile(p, "mine", &err), 0);
	assert_int_equal(policy_default(p), POL_ALLOW);
	assert_int_equal(policy_load_profile(p, "default", &err), -ENOENT);
	snprintf(want, sizeof(want), "unknown profile 'default' (no default.policy in %s)", tmpdir);
	assert_string_equal(err.msg, want);
	unsetenv("SYSWARD_PROFILEDIR");

	/* without it: installed, then in-tree */
	assert_int_equal(policy_load_profile(p, "default", &err), 0);
	assert_int_equal(policy_load_profile(p, "nosuch", &err), -ENOENT);
	snprintf(want, sizeof(want), "unknown profile 'nosuch' (no nosuch.policy in %s or %s)",
		 SYSWARD_PROFILEDIR, SYSWARD_SRC_PROFILEDIR);
	assert_string_equal(err.msg, want);
	assert_int_equal(policy_load_profile(p, "../etc/passwd", &err), -ENOENT);
	assert_string_equal(err.msg, "unknown profile '../etc/passwd'");
	assert_int_equal(policy_load_profile(p, "", &err), -ENOENT);
	policy_free(p);
}

/* ---- errno names ------------------------------------------------------------------------ */

static void test_errnames(void **state)
{
	int e, n = 0;

	(void)state;
	assert_int_equal(errno_from_name("EACCES"), EACCES);
	assert_int_equal(errno_from_name("E2BIG"), E2BIG);
	assert_int_equal(errno_from_name("EHWPOISON"), EHWPOISON);
	assert_int_equal(errno_from_name("EWOULDBLOCK"), EAGAIN);
	assert_int_equal(errno_from_name("EDEADLOCK"), EDEADLK);
	assert_int_equal(errno_from_name("ENOTSUP"), EOPNOTSUPP);
	assert_int_equal(errno_from_name("eacces"), -1);
	assert_int_equal(errno_from_name("EFOO"), -1);
	assert_int_equal(errno_from_name(NULL), -1);
	assert_string_equal(errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(errno_name(EDEADLK), "EDEADLK");
	assert_string_equal(errno_name(EOPNOTSUPP), "EOPNOTSUPP");
	assert_null(errno_name(0));
	assert_null(errno_name(4096));
	/* every number from EPERM to EHWPOISON that Linux defines has a name that maps back */
	for (e = 1; e <= EHWPOISON; e++) {
		const char *name = errno_name(e);

		if (!name)
			continue;
		n++;
		assert_int_equal(errno_from_name(name), e);
	}
	assert_int_equal(n, EHWPOISON - 2); /* 41 and 58 are unused on Linux */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_table),
		cmocka_unit_test(test_abstract_nul),
		cmocka_unit_test(test_unix_path_len),
		cmocka_unit_test(test_fail_closed),
		cmocka_unit_test(test_syscall_rule),
		cmocka_unit_test(test_redirect),
		cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_include_cycle),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_policy_settings),
		cmocka_unit_test(test_dump),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_sha256_of_dump),
		cmocka_unit_test(test_profile_default),
		cmocka_unit_test(test_add_dir_rule),
		cmocka_unit_test(test_profile_audit),
		cmocka_unit_test(test_profile_lookup),
		cmocka_unit_test(test_errnames),
	};

	return cmocka_run_group_tests_name("policy", tests, setup_tmpdir, teardown_tmpdir);
}
