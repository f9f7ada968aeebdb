/*
 * test_learn: `sysward learn` on small hand-written trails.  Each test writes a trail, learns
 * a policy from it with learn_trail(), and checks the text and, by loading it back and asking
 * the evaluator (policy_simulate), what the learned policy allows: the collapse threshold,
 * secrets left out, addresses, exec with a #! interpreter, write implying read, temporary
 * names, the run's own /proc entries, trail strings, and that the same trail gives the same
 * text.  The forms of the command line are tested through cli_parse.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy/policy.h"
#include "supervisor/cli.h"
#include "tools/learn.h"

/* ---- writing trails -------------------------------------------------------------------- */

struct trail {
	char *text;
	size_t len;
	FILE *f;
};

static void tr_begin(struct trail *t, const char *cwd)
{
	t->text = NULL;
	t->len = 0;
	t->f = open_memstream(&t->text, &t->len);
	assert_non_null(t->f);
	fprintf(t->f,
		"{\"ts\":0.001,\"pid\":1,\"tid\":1,\"event\":\"start\",\"version\":\"0.1.0\","
		"\"program\":\"/usr/bin/tool\",\"argv\":[\"tool\",\"-x\"],\"cwd\":\"%s\","
		"\"mode\":\"audit\",\"profile\":\"default\"}\n",
		cwd);
}

static void tr_line(struct trail *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(t->f, fmt, ap);
	va_end(ap);
	fputc('\n', t->f);
}

/* A syscall record of pid with args (a JSON object). */
static void tr_sc(struct trail *t, int pid, const char *name, const char *args,
		  const char *decision)
{
	tr_line(
	    t,
	    "{\"ts\":0.1,\"pid\":%d,\"tid\":%d,\"event\":\"syscall\",\"syscall\":\"%s\",\"nr\":0,"
	    "\"arch\":\"x86_64\",\"args\":%s,\"decision\":\"%s\",\"action\":\"allow\",%s"
	    "\"rule\":\"%s\"}",
	    pid, pid, name, args, decision,
	    strcmp(decision, "allow") ? "\"errno\":\"EACCES\"," : "",
	    strcmp(decision, "allow") ? "default" : "default.policy:20");
}

static void tr_open(struct trail *t, int pid, const char *path, const char *access,
		    const char *flags)
{
	char args[PATH_MAX * 2];

	snprintf(args, sizeof(args),
		 "{\"flags\":\"%s\",\"access\":\"%s\",\"dirfd\":\"AT_FDCWD\",\"path\":\"%s\","
		 "\"resolved\":\"%s\"}",
		 flags, access, path, path);
	tr_sc(t, pid, "openat", args, "allow");
}

static void tr_read(struct trail *t, int pid, const char *path)
{
	tr_open(t, pid, path, "read", "O_RDONLY|O_CLOEXEC");
}

static void tr_path(struct trail *t, int pid, const char *name, const char *path,
		    const char *decision)
{
	char args[PATH_MAX * 2];

	snprintf(args, sizeof(args), "{\"path\":\"%s\",\"resolved\":\"%s\"}", path, path);
	tr_sc(t, pid, name, args, decision);
}

static void tr_exec(struct trail *t, int pid, const char *path)
{
	tr_line(t,
		"{\"ts\":0.2,\"pid\":%d,\"tid\":%d,\"event\":\"exec\",\"path\":\"%s\","
		"\"argv\":[\"x\"]}",
		pid, pid, path);
}

static void tr_spawn(struct trail *t, int pid, int child)
{
	tr_line(t,
		"{\"ts\":0.2,\"pid\":%d,\"tid\":%d,\"event\":\"spawn\",\"child\":%d,"
		"\"thread\":false}",
		pid, pid, child);
}

/* End the trail and learn from it: the policy text (static until the next call), or NULL
 * with *ret set when learning failed. */
static char *learned;
static char lerr[1024];
static struct learn_stats lstats;

static int tr_learn(struct trail *t, bool end)
{
	char path[] = "/tmp/test_learn.XXXXXX";
	FILE *out;
	size_t olen;
	int fd, ret;

	if (end)
		tr_line(t,
			"{\"ts\":0.3,\"pid\":100,\"tid\":100,\"event\":\"end\",\"verdict\":\"ok\","
			"\"exit_code\":0,\"signal\":null}");
	fclose(t->f);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, t->text, t->len), (ssize_t)t->len);
	lseek(fd, 0, SEEK_SET);
	free(t->text);
	free(learned);
	learned = NULL;
	out = open_memstream(&learned, &olen);
	ret = learn_trail(fd, "trail", out, &lstats, lerr, sizeof(lerr));
	fclose(out);
	close(fd);
	return ret;
}

/* ---- reading the policy back ------------------------------------------------------------- */

/* Is there a statement (not a comment) line equal to stmt, up to its comment? */
static bool has_rule(const char *text, const char *stmt)
{
	size_t n = strlen(stmt);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, stmt, n) == 0 && (l[n] == '\n' || l[n] == ' ' || l[n] == '\0'))
			return true;
	}
	return false;
}

/* Does any statement (not comment) line contain s? */
static bool rules_mention(const char *text, const char *s)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *end = strchrnul(l, '\n');
		const char *hash = memchr(l, '#', (size_t)(end - l));
		const char *stop = hash && hash[-1] == ' ' ? hash : end;
		if (*l == '#')
			continue;
		if (memmem(l, (size_t)(stop - l), s, strlen(s)))
			return true;
	}
	return false;
}

static int count_lines_starting(const char *text, const char *prefix)
{
	int n = 0;

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, prefix, strlen(prefix)) == 0)
			n++;
	return n;
}

static struct policy *load(const char *text)
{
	struct policy *p = policy_new();
	struct pol_error err;

	if (policy_load_string(p, "learned", text, &err) < 0)
		fail_msg("the learned policy does not load: %s\n%s", err.msg, text);
	return p;
}

static bool allows(const struct policy *p, const char *path, unsigned access)
{
	struct pol_request req = {
	    .kind = POL_REQ_PATH,
	    .syscall = "openat",
	    .access = access,
	    .path = path,
	};
	struct pol_verdict v;

	policy_simulate(p, &req, &v);
	return v.action == POL_ALLOW;
}

static bool allows_net(const struct policy *p, enum pol_req_kind kind, int family, const char *ip,
		       uint16_t port, const char *unix_path, bool abstract)
{
	struct pol_addr a;
	struct pol_request req = {.kind = kind, .syscall = "connect", .addr = &a};
	struct pol_verdict v;

	memset(&a, 0, sizeof(a));
	a.family = family;
	a.port = port;
	if (family == AF_INET)
		assert_int_equal(inet_pton(AF_INET, ip, a.ip), 1);
	else if (family == AF_INET6)
		assert_int_equal(inet_pton(AF_INET6, ip, a.ip), 1);
	else {
		a.abstract = abstract;
		a.path_len = strlen(unix_path);
		memcpy(a.path, unix_path, a.path_len);
	}
	policy_simulate(p, &req, &v);
	return v.action == POL_ALLOW;
}

static bool allows_syscall(const struct policy *p, const char *name)
{
	struct pol_request req = {.kind = POL_REQ_SYSCALL, .syscall = name};
	struct pol_verdict v;

	policy_simulate(p, &req, &v);
	return v.action == POL_ALLOW;
}

static bool allows_socket(const struct policy *p, int family, int type, int proto)
{
	struct pol_request req = {
	    .kind = POL_REQ_SOCKET,
	    .syscall = "socket",
	    .family = family,
	    .type = type,
	    .protocol = proto,
	};
	struct pol_verdict v;

	policy_simulate(p, &req, &v);
	return v.action == POL_ALLOW;
}

static int teardown(void **state)
{
	free(learned);
	learned = NULL;
	return 0;
}

/* ---- tests ------------------------------------------------------------------------------------
 */

/* DIR/STAR-STAR from LEARN_COLLAPSE_MIN names directly in DIR on, exact names below; a name
 * deeper down does not count for DIR but is covered by it. */
static void test_collapse_threshold(void **state)
{
	struct trail t;
	struct policy *p;
	char path[128];

	tr_begin(&t, "/srv/job");
	for (int i = 0; i < LEARN_COLLAPSE_MIN - 1; i++) {
		snprintf(path, sizeof(path), "/usr/share/few/f%d", i);
		tr_read(&t, 100, path);
	}
	for (int i = 0; i < LEARN_COLLAPSE_MIN; i++) {
		snprintf(path, sizeof(path), "/usr/share/many/f%d", i);
		tr_read(&t, 100, path);
	}
	tr_read(&t, 100, "/usr/share/many/sub/deep");
	/* the same name many times counts once */
	for (int i = 0; i < 20; i++)
		tr_read(&t, 100, "/usr/share/same/one");
	/* 8 names written in a directory: one write rule covers their reads too */
	for (int i = 0; i < LEARN_COLLAPSE_MIN; i++) {
		snprintf(path, sizeof(path), "/var/cache/app/w%d", i);
		tr_open(&t, 100, path, "write", "O_WRONLY|O_CREAT|O_TRUNC");
	}
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "allow read /usr/share/many/**"));
	assert_false(rules_mention(learned, "/usr/share/many/f"));
	assert_false(rules_mention(learned, "/usr/share/many/sub"));
	assert_false(rules_mention(learned, "/usr/share/few/**"));
	for (int i = 0; i < LEARN_COLLAPSE_MIN - 1; i++) {
		char stmt[160];
		snprintf(stmt, sizeof(stmt), "allow read /usr/share/few/f%d", i);
		assert_true(has_rule(learned, stmt));
	}
	assert_true(has_rule(learned, "allow read /usr/share/same/one"));
	assert_false(rules_mention(learned, "/usr/share/same/**"));
	assert_true(has_rule(learned, "allow write /var/cache/app/**"));
	assert_false(rules_mention(learned, "/var/cache/app/w"));
	/* never above the directories the run touched */
	assert_false(rules_mention(learned, "/usr/share/**"));
	assert_false(rules_mention(learned, "/var/cache/**"));

	p = load(learned);
	assert_true(allows(p, "/usr/share/many/f0", POL_READ));
	assert_true(allows(p, "/usr/share/many/sub/deep", POL_READ));
	assert_false(allows(p, "/usr/share/many/f0", POL_WRITE));
	assert_true(allows(p, "/usr/share/few/f3", POL_READ));
	assert_false(allows(p, "/usr/share/few/other", POL_READ));
	assert_true(allows(p, "/var/cache/app/w3", POL_READ | POL_WRITE));
	assert_false(allows(p, "/usr/share/x", POL_READ));
	policy_free(p);
}

/* Secrets of the default profile: never granted, never collapsed over, commented. */
static void test_secrets(void **state)
{
	static const char *const secrets[] = {
	    "/etc/shadow",
	    "/etc/gshadow",
	    "/etc/sudoers",
	    "/etc/sudoers.d/admins",
	    "/etc/ssh/ssh_host_ed25519_key",
	    "/root/.bashrc",
	    "/root",
	    "/home/alice/.ssh/id_ed25519",
	    "/proc/4242/environ",
	    "/proc/4242/mem",
	    "/proc/4242/fd/3",
	};
	struct trail t;
	struct policy *p;
	char path[128];

	tr_begin(&t, "/home/bob/proj");
	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
		tr_read(&t, 100, secrets[i]);
	tr_path(&t, 100, "execve", "/root/.cargo/bin/cc", "deny");
	/* many names in /etc and in /etc/ssh: a collapse there could reach a secret */
	for (int i = 0; i < 2 * LEARN_COLLAPSE_MIN; i++) {
		snprintf(path, sizeof(path), "/etc/conf%d", i);
		tr_read(&t, 100, path);
		snprintf(path, sizeof(path), "/etc/ssh/ssh_config.d/c%d", i);
		tr_read(&t, 100, path);
	}
	for (int i = 0; i < LEARN_COLLAPSE_MIN; i++) {
		snprintf(path, sizeof(path), "/etc/ssh/f%d", i);
		tr_read(&t, 100, path);
	}
	/* the working directory lies in a home directory: it is the run's, the rest is not */
	tr_open(&t, 100, "/home/bob/proj/out.o", "write", "O_WRONLY|O_CREAT|O_TRUNC");
	tr_read(&t, 100, "/home/bob/.bashrc");
	/* the procs of another process: /proc/4242/status is no secret */
	tr_read(&t, 100, "/proc/4242/status");
	assert_int_equal(tr_learn(&t, true), 0);

	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++) {
		char line[256];
		assert_false(rules_mention(learned, secrets[i]));
		snprintf(line, sizeof(line), "# left denied: the run tried to read %s (",
			 secrets[i]);
		assert_non_null(strstr(learned, line));
	}
	assert_non_null(
	    strstr(learned, "# left denied: the run tried to exec /root/.cargo/bin/cc"));
	assert_false(rules_mention(learned, "/root"));
	assert_false(rules_mention(learned, "/home/alice"));
	assert_false(rules_mention(learned, "/home/bob/.bashrc"));
	assert_false(rules_mention(learned, "/etc/**"));
	assert_false(rules_mention(learned, "/etc/ssh/**"));
	assert_true(has_rule(learned, "allow read /etc/ssh/ssh_config.d/**"));
	assert_true(has_rule(learned, "allow read /etc/conf0"));
	assert_true(has_rule(learned, "allow write /home/bob/proj/**"));
	assert_true(has_rule(learned, "allow read /proc/4242/status"));
	assert_int_equal(lstats.secrets, sizeof(secrets) / sizeof(*secrets) + 2);

	p = load(learned);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(*secrets); i++)
		assert_false(allows(p, secrets[i], POL_READ));
	assert_false(allows(p, "/etc/shadow-", POL_READ));
	assert_false(allows(p, "/home/bob/.bashrc", POL_READ));
	assert_true(allows(p, "/home/bob/proj/src/a.c", POL_READ | POL_WRITE));
	policy_free(p);
}

/* A working directory that is a secret's parent is not granted whole; nor is `/`. */
static void test_cwd_not_grantable(void **state)
{
	struct trail t;

	tr_begin(&t, "/etc");
	tr_read(&t, 100, "/etc/hosts");
	tr_read(&t, 100, "/etc/shadow");
	assert_int_equal(tr_learn(&t, true), 0);
	assert_false(rules_mention(learned, "/etc/**"));
	assert_true(has_rule(learned, "allow read /etc/hosts"));
	assert_false(rules_mention(learned, "/etc/shadow"));

	tr_begin(&t, "/");
	tr_read(&t, 100, "/srv/data");
	assert_int_equal(tr_learn(&t, true), 0);
	assert_false(rules_mention(learned, "/**"));
	assert_true(has_rule(learned, "allow read /srv/data"));
}

/* Connect and bind: loopback, exact inet/inet6, unix paths, abstract names; socket
 * families; calls judged by syscall rules only. */
static void test_addresses(void **state)
{
	struct trail t;
	struct policy *p;

	tr_begin(&t, "/srv/job");
	tr_sc(&t, 100, "connect", "{\"fd\":3,\"addr\":\"inet:127.0.0.1:8080\"}", "allow");
	tr_sc(&t, 100, "connect", "{\"fd\":3,\"addr\":\"inet6:[::1]:53\"}", "allow");
	tr_sc(&t, 100, "sendto", "{\"fd\":3,\"addr\":\"inet:203.0.113.34:443\"}", "deny");
	tr_sc(&t, 100, "connect", "{\"fd\":3,\"addr\":\"inet6:[2001:db8::1%2]:443\"}", "deny");
	tr_sc(&t, 100, "connect", "{\"fd\":4,\"addr\":\"unix:/run/app/ctl.sock\"}", "allow");
	tr_sc(&t, 100, "connect", "{\"fd\":5,\"addr\":\"unix-abstract:app-1\"}", "deny");
	tr_sc(&t, 100, "bind", "{\"fd\":6,\"addr\":\"inet:127.0.0.1:0\"}", "allow");
	tr_sc(&t, 100, "bind", "{\"fd\":7,\"addr\":\"inet:0.0.0.0:8000\"}", "deny");
	tr_sc(&t, 100, "bind", "{\"fd\":8,\"addr\":\"unix-unnamed\"}", "deny");
	tr_sc(&t, 100, "socket",
	      "{\"family\":\"AF_NETLINK\",\"type\":\"SOCK_RAW|SOCK_CLOEXEC\",\"protocol\":0}",
	      "deny");
	tr_sc(&t, 100, "socket", "{\"family\":\"AF_INET\",\"type\":\"SOCK_RAW\",\"protocol\":6}",
	      "deny");
	tr_sc(&t, 100, "socket", "{\"family\":\"AF_INET\",\"type\":\"SOCK_DGRAM\",\"protocol\":1}",
	      "deny");
	tr_sc(&t, 100, "socket", "{\"family\":\"AF_INET\",\"type\":\"SOCK_STREAM\",\"protocol\":0}",
	      "allow");
	tr_sc(&t, 100, "mount", "{\"path\":\"/mnt\",\"resolved\":\"/mnt\"}", "deny");
	tr_sc(&t, 100, "unshare", "{}", "deny");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "allow connect loopback"));
	assert_int_equal(count_lines_starting(learned, "allow connect loopback"), 1);
	assert_true(has_rule(learned, "allow connect inet:203.0.113.34:443"));
	assert_true(has_rule(learned, "allow connect inet6:[2001:db8::1]:443"));
	assert_true(has_rule(learned, "allow connect unix:/run/app/ctl.sock"));
	assert_true(has_rule(learned, "allow connect unix-abstract:app-1"));
	assert_true(has_rule(learned, "allow bind loopback"));
	assert_true(has_rule(learned, "allow bind inet:0.0.0.0:8000"));
	assert_true(has_rule(learned, "allow bind unix-abstract:"));
	assert_true(has_rule(learned, "allow socket netlink"));
	assert_true(has_rule(learned, "allow socket raw"));
	assert_true(has_rule(learned, "allow socket ping"));
	assert_int_equal(count_lines_starting(learned, "allow socket"), 3);
	assert_true(has_rule(learned, "allow syscall mount"));
	assert_true(has_rule(learned, "allow syscall unshare"));
	assert_false(rules_mention(learned, "/mnt")); /* mount is judged by name only */

	p = load(learned);
	assert_true(allows_net(p, POL_REQ_CONNECT, AF_INET, "127.0.0.1", 8080, NULL, false));
	assert_true(allows_net(p, POL_REQ_CONNECT, AF_INET, "127.0.0.1", 9, NULL, false));
	assert_true(allows_net(p, POL_REQ_CONNECT, AF_INET, "203.0.113.34", 443, NULL, false));
	assert_false(allows_net(p, POL_REQ_CONNECT, AF_INET, "203.0.113.34", 80, NULL, false));
	assert_false(allows_net(p, POL_REQ_CONNECT, AF_INET, "203.0.113.35", 443, NULL, false));
	assert_true(allows_net(p, POL_REQ_CONNECT, AF_INET6, "2001:db8::1", 443, NULL, false));
	assert_true(allows_net(p, POL_REQ_CONNECT, AF_UNIX, NULL, 0, "/run/app/ctl.sock", false));
	assert_false(allows_net(p, POL_REQ_CONNECT, AF_UNIX, NULL, 0, "/run/other.sock", false));
	assert_true(allows_net(p, POL_REQ_CONNECT, AF_UNIX, NULL, 0, "app-1", true));
	assert_false(allows_net(p, POL_REQ_CONNECT, AF_UNIX, NULL, 0, "app-2", true));
	assert_true(allows_net(p, POL_REQ_BIND, AF_INET, "127.0.0.1", 0, NULL, false));
	assert_false(allows_net(p, POL_REQ_BIND, AF_INET, "0.0.0.0", 9000, NULL, false));
	assert_true(allows_socket(p, AF_NETLINK, SOCK_RAW, 0));
	assert_false(allows_socket(p, AF_PACKET, SOCK_RAW, 0));
	assert_true(allows_syscall(p, "mount"));
	assert_false(allows_syscall(p, "pivot_root"));
	policy_free(p);
}

/* exec of a #! script needs exec of the script and of its interpreter; the exec event's
 * file too.  Comments name the process (pid + executable) that used a rule first. */
static void test_exec_interpreter(void **state)
{
	struct trail t;
	struct policy *p;
	char ld[PATH_MAX];

	tr_begin(&t, "/srv/job");
	tr_sc(&t, 100, "execve", "{\"path\":\"/usr/bin/tool\",\"resolved\":\"/usr/bin/tool\"}",
	      "allow");
	tr_exec(&t, 100, "/usr/bin/tool");
	tr_spawn(&t, 100, 101);
	tr_sc(&t, 101, "execve",
	      "{\"path\":\"/opt/app/run\",\"resolved\":\"/opt/app/run\","
	      "\"interpreter\":\"/usr/bin/python3.11\"}",
	      "allow");
	tr_exec(&t, 101, "/usr/bin/python3.11");
	tr_read(&t, 101, "/opt/app/run");
	tr_read(&t, 101, "/opt/app/lib.py");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "allow exec /usr/bin/tool"));
	assert_true(has_rule(learned, "allow read,exec /opt/app/run"));
	assert_true(has_rule(learned, "allow exec /usr/bin/python3.11"));
	assert_true(has_rule(learned, "allow read /opt/app/lib.py"));
	/* the child ran the tool when it called execve, and python afterwards */
	assert_non_null(strstr(learned, "allow read,exec /opt/app/run"));
	assert_non_null(
	    strstr(strstr(learned, "allow read,exec /opt/app/run"), "# pid 101 /usr/bin/tool"));
	assert_non_null(
	    strstr(strstr(learned, "allow read /opt/app/lib.py"), "# pid 101 /usr/bin/python3.11"));
	assert_non_null(
	    strstr(strstr(learned, "allow exec /usr/bin/tool"), "# pid 100 /usr/bin/tool"));
	/* the ELF interpreter of a program that exists here */
	if (access("/usr/bin/python3.11", F_OK) == 0 &&
	    realpath("/lib64/ld-linux-x86-64.so.2", ld)) {
		char stmt[PATH_MAX + 16];
		snprintf(stmt, sizeof(stmt), "allow exec %s", ld);
		assert_true(has_rule(learned, stmt));
	}

	p = load(learned);
	assert_true(allows(p, "/opt/app/run", POL_EXEC));
	assert_true(allows(p, "/usr/bin/python3.11", POL_EXEC));
	assert_false(allows(p, "/opt/app/lib.py", POL_EXEC));
	assert_false(allows(p, "/usr/bin/perl", POL_EXEC));
	policy_free(p);
}

/* write implies read: a name read and written, in either order, gets one `allow write`. */
static void test_write_implies_read(void **state)
{
	struct trail t;
	struct policy *p;

	tr_begin(&t, "/srv/job");
	tr_read(&t, 100, "/var/lib/app/state");
	tr_open(&t, 100, "/var/lib/app/state", "write", "O_WRONLY|O_TRUNC");
	tr_open(&t, 100, "/var/lib/app/log", "read,write", "O_RDWR|O_APPEND");
	tr_read(&t, 100, "/var/lib/app/log");
	tr_path(&t, 100, "newfstatat", "/var/lib/app/db", "allow");
	tr_path(&t, 100, "unlink", "/var/lib/app/db", "deny");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "allow write /var/lib/app/state"));
	assert_true(has_rule(learned, "allow write /var/lib/app/log"));
	assert_true(has_rule(learned, "allow write /var/lib/app/db"));
	assert_false(has_rule(learned, "allow read /var/lib/app/state"));
	assert_false(has_rule(learned, "allow read /var/lib/app/log"));
	assert_false(has_rule(learned, "allow read /var/lib/app/db"));
	assert_non_null(
	    strstr(strstr(learned, "allow write /var/lib/app/db"), "the run's policy denied it"));

	p = load(learned);
	assert_true(allows(p, "/var/lib/app/state", POL_READ));
	assert_true(allows(p, "/var/lib/app/state", POL_READ | POL_WRITE));
	assert_false(allows(p, "/var/lib/app/state", POL_EXEC));
	policy_free(p);
}

/* The same trail always gives the same text. */
static void test_idempotent(void **state)
{
	char *first = NULL;
	struct trail t;

	for (int round = 0; round < 2; round++) {
		tr_begin(&t, "/srv/job");
		tr_spawn(&t, 100, 102);
		tr_spawn(&t, 100, 101);
		tr_read(&t, 102, "/etc/b");
		tr_read(&t, 101, "/etc/a");
		tr_read(&t, 100, "/etc/a");
		tr_read(&t, 101, "/root/x");
		tr_sc(&t, 101, "connect", "{\"fd\":3,\"addr\":\"inet:198.51.100.1:80\"}", "deny");
		tr_open(&t, 100, "/tmp/ccAb12Cd.o", "write", "O_RDWR|O_CREAT|O_EXCL");
		tr_path(&t, 100, "unlink", "/tmp/ccAb12Cd.o", "allow");
		for (int i = 0; i < 9; i++) {
			char path[64];
			snprintf(path, sizeof(path), "/usr/lib/m%d.so", 8 - i);
			tr_read(&t, 100 + i % 3, path);
		}
		assert_int_equal(tr_learn(&t, true), 0);
		if (round == 0) {
			first = learned;
			learned = NULL;
		}
	}
	assert_string_equal(first, learned);
	assert_int_equal(strncmp(learned, "default deny\n", 13), 0);
	/* rules are sorted within their section */
	assert_true(strstr(learned, "allow read /etc/a") < strstr(learned, "allow read /etc/b"));
	assert_non_null(strstr(strstr(learned, "allow read /etc/a"), "(+1 more process)"));
	free(first);
}

/* Names the run created and removed differ in every run: a pattern in their directory. */
static void test_temporary(void **state)
{
	struct trail t;
	struct policy *p;

	tr_begin(&t, "/srv/job");
	tr_open(&t, 100, "/tmp/cciJzMdJ.s", "read,write", "O_RDWR|O_CREAT|O_EXCL");
	tr_open(&t, 100, "/tmp/cciJzMdJ.s", "write", "O_WRONLY|O_CREAT|O_TRUNC");
	tr_read(&t, 101, "/tmp/cciJzMdJ.s");
	tr_path(&t, 100, "unlink", "/tmp/cciJzMdJ.s", "allow");
	/* a temporary directory and a file in it */
	tr_path(&t, 100, "mkdir", "/var/tmp/tmpq1w2e3r4", "allow");
	tr_open(&t, 100, "/var/tmp/tmpq1w2e3r4/data.json", "write", "O_WRONLY|O_CREAT|O_TRUNC");
	tr_path(&t, 100, "unlink", "/var/tmp/tmpq1w2e3r4/data.json", "allow");
	tr_path(&t, 100, "rmdir", "/var/tmp/tmpq1w2e3r4", "allow");
	/* write to a temporary name, then rename it over the real one */
	tr_open(&t, 100, "/var/cache/app/idx.tmp4711", "write", "O_WRONLY|O_CREAT|O_EXCL");
	{
		char args[256];
		snprintf(
		    args, sizeof(args),
		    "{\"path\":\"a\",\"resolved\":\"/var/cache/app/idx.tmp4711\",\"path2\":\"b\","
		    "\"resolved2\":\"/var/cache/app/idx\"}");
		tr_sc(&t, 100, "rename", args, "allow");
	}
	/* created and kept: exact */
	tr_open(&t, 100, "/var/log/app.log", "write", "O_WRONLY|O_CREAT|O_APPEND");
	/* a temporary name where a secret could lie: exact */
	tr_open(&t, 100, "/etc/.pwd.lock", "write", "O_WRONLY|O_CREAT");
	tr_path(&t, 100, "unlink", "/etc/.pwd.lock", "allow");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "allow write /tmp/*.s"));
	assert_true(has_rule(learned, "allow write /var/tmp/*/**"));
	assert_false(rules_mention(learned, "tmpq1w2e3r4"));
	assert_false(rules_mention(learned, "cciJzMdJ"));
	assert_true(has_rule(learned, "allow write /var/cache/app/*"));
	assert_true(has_rule(learned, "allow write /var/cache/app/idx"));
	assert_true(has_rule(learned, "allow write /var/log/app.log"));
	assert_true(has_rule(learned, "allow write /etc/.pwd.lock"));
	assert_false(rules_mention(learned, "/etc/*"));

	p = load(learned);
	assert_true(allows(p, "/tmp/ccXyZ987.s", POL_READ | POL_WRITE));
	assert_false(allows(p, "/tmp/ccXyZ987.o", POL_WRITE));
	assert_true(allows(p, "/var/tmp/tmpOTHER/x/y.json", POL_WRITE));
	assert_false(allows(p, "/etc/passwd", POL_WRITE));
	policy_free(p);
}

/* The run's own /proc entries: reads skipped (the tracer allows them), others as
 * /proc/STAR/..., own environ/mem/fd left denied; other processes' by name. */
static void test_own_proc(void **state)
{
	struct trail t;
	struct policy *p;

	tr_begin(&t, "/srv/job");
	tr_spawn(&t, 100, 101);
	tr_line(&t, "{\"ts\":0.2,\"pid\":101,\"tid\":103,\"event\":\"spawn\",\"child\":104,"
		    "\"thread\":true}");
	tr_read(&t, 100, "/proc/100/status");
	tr_read(&t, 101, "/proc/101/maps");
	tr_read(&t, 101, "/proc/101/task/104/stat");
	tr_read(&t, 100, "/proc/1/cgroup");
	tr_open(&t, 100, "/proc/100/comm", "write", "O_WRONLY");
	tr_open(&t, 101, "/proc/101/task/104/comm", "write", "O_WRONLY");
	tr_open(&t, 101, "/proc/101/mem", "read,write", "O_RDWR");
	tr_read(&t, 101, "/proc/4242/environ");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_false(rules_mention(learned, "/proc/100"));
	assert_false(rules_mention(learned, "/proc/101"));
	assert_true(has_rule(learned, "allow read /proc/1/cgroup"));
	assert_true(has_rule(learned, "allow write /proc/*/comm"));
	assert_true(has_rule(learned, "allow write /proc/*/task/*/comm"));
	assert_false(rules_mention(learned, "mem"));
	assert_false(rules_mention(learned, "environ"));
	assert_non_null(strstr(learned, "# left denied: the run tried to write /proc/101/mem"));
	assert_non_null(strstr(learned, "# left denied: the run tried to read /proc/4242/environ"));
	assert_non_null(strstr(learned, "# 3 of the run's own /proc entries were read"));

	p = load(learned);
	assert_false(allows(p, "/proc/77/mem", POL_READ));
	assert_false(allows(p, "/proc/77/environ", POL_READ));
	policy_free(p);
}

/* Trail strings: escaped invalid UTF-8 comes back as bytes, valid strings stay as they are;
 * blanks, wildcards and backslashes are escaped in the rules. */
static void test_strings(void **state)
{
	struct trail t;
	struct policy *p;

	tr_begin(&t, "/srv/my job");
	/* the path bytes "/data/a<ff>b\c": invalid UTF-8, so escaped and backslash doubled */
	tr_read(&t, 100, "/data/a\\\\xffb\\\\\\\\c");
	/* a valid name that holds a backslash, a star and a blank */
	tr_read(&t, 100, "/data/back\\\\slash *star");
	tr_read(&t, 100, "/data/\xc3\xa9t\xc3\xa9");
	tr_read(&t, 100, "/srv/my job/in.txt");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "allow read /data/a\\xffb\\\\c"));
	assert_true(has_rule(learned, "allow read /data/back\\\\slash\\x20\\*star"));
	assert_true(has_rule(learned, "allow read /data/\xc3\xa9t\xc3\xa9"));
	assert_true(has_rule(learned, "allow read /srv/my\\x20job/**"));

	p = load(learned);
	assert_true(allows(p,
			   "/data/a\xff"
			   "b\\c",
			   POL_READ));
	assert_false(allows(p, "/data/a\\xffb\\\\c", POL_READ));
	assert_true(allows(p, "/data/back\\slash *star", POL_READ));
	assert_false(allows(p, "/data/back\\slash Xstar", POL_READ));
	assert_true(allows(p, "/srv/my job/in.txt", POL_READ));
	policy_free(p);
}

/* A redirect of the run's policy is learned with its target; a refused first path of a
 * two-path call is noted (the tracer does not record the second). */
static void test_redirect_and_notes(void **state)
{
	struct trail t;

	tr_begin(&t, "/srv/job");
	tr_line(&t, "{\"ts\":0.1,\"pid\":100,\"tid\":100,\"event\":\"syscall\",\"syscall\":"
		    "\"openat\",\"nr\":257,\"arch\":\"x86_64\",\"args\":{\"flags\":\"O_RDONLY\","
		    "\"access\":\"read\",\"path\":\"/etc/hosts\",\"resolved\":\"/srv/hosts\","
		    "\"original\":\"/etc/hosts\"},\"decision\":\"allow\",\"action\":\"rewrite\","
		    "\"rule\":\"p:3\"}");
	tr_path(&t, 100, "renameat2", "/etc/motd", "deny");
	tr_sc(&t, 100, "ptrace", "{}", "deny"); /* a built-in refusal: nothing to learn */
	tr_line(&t, "{\"ts\":0.1,\"pid\":100,\"tid\":100,\"event\":\"syscall\",\"syscall\":"
		    "\"ptrace\",\"nr\":101,\"arch\":\"x86_64\",\"args\":{},\"decision\":\"deny\","
		    "\"action\":\"deny\",\"errno\":\"EPERM\",\"rule\":\"builtin\"}");
	assert_int_equal(tr_learn(&t, true), 0);

	assert_true(has_rule(learned, "redirect /etc/hosts /srv/hosts"));
	assert_true(has_rule(learned, "allow read /srv/hosts"));
	assert_true(has_rule(learned, "allow write /etc/motd"));
	assert_non_null(strstr(learned, "# not granted: renameat2 of /etc/motd"));
	assert_true(strstr(learned, "redirect ") < strstr(learned, "allow read /srv/hosts"));
	assert_false(rules_mention(learned, "ptrace"));
}

/* What is not a trail fails; invalid lines are skipped; a trail without `end` is learned. */
static void test_bad_trails(void **state)
{
	struct trail t;

	t.f = open_memstream(&t.text, &t.len);
	assert_int_equal(tr_learn(&t, false), -EINVAL);
	assert_non_null(strstr(lerr, "no `start` event"));

	t.f = open_memstream(&t.text, &t.len);
	tr_line(&t, "this is not JSON");
	tr_line(&t, "[1,2,3]");
	assert_int_equal(tr_learn(&t, false), -EINVAL);

	tr_begin(&t, "/srv/job");
	tr_line(&t, "{\"broken\": ");
	tr_line(&t, "");
	tr_line(&t, "{\"event\":\"syscall\",\"pid\":\"x\",\"syscall\":7}");
	tr_read(&t, 100, "/srv/data/a");
	assert_int_equal(tr_learn(&t, false), 0);
	assert_true(has_rule(learned, "allow read /srv/data/a"));
	assert_non_null(strstr(learned, "no `end`"));
}

/* The two forms of the command line, and what is refused. */
static void test_forms(void **state)
{
	struct {
		const char *argv[10];
		int want; /* LEARN_FROM_RUN, LEARN_FROM_TRAIL, or -1 */
	} cases[] = {
	    {{"sysward", "learn", "-o", "p", "--", "gcc", "-c", "x.c"}, LEARN_FROM_RUN},
	    {{"sysward", "learn", "-o", "p", "--memory", "1G", "--", "t.jsonl"}, LEARN_FROM_RUN},
	    {{"sysward", "learn", "-o", "p", "t.jsonl"}, LEARN_FROM_TRAIL},
	    {{"sysward", "learn", "t.jsonl", "-o", "p"}, -1}, /* options first */
	    {{"sysward", "learn", "-o", "p", "gcc", "-c", "x.c"}, -1},
	    {{"sysward", "learn", "-o", "p", "x.c"}, -1},
	    {{"sysward", "learn", "-o", "p", "a.jsonl", "b.jsonl"}, -1},
	    {{"sysward", "learn", "-o", "p", "--memory", "1G", "t.jsonl"}, -1},
	    {{"sysward", "learn", "-o", "p", "-a", "x.jsonl", "t.jsonl"}, -1},
	    {{"sysward", "learn", "-o", "--", "t.jsonl"}, LEARN_FROM_TRAIL}, /* -o's value */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char *argv[11] = {0};
		struct options o;
		char err[512];
		enum learn_form form;
		int argc = 0, r;

		while (cases[i].argv[argc]) {
			argv[argc] = (char *)cases[i].argv[argc];
			argc++;
		}
		r = cli_parse(argc, argv, &o, err, sizeof(err));
		if (r == 0)
			r = learn_form(&o, &form, err, sizeof(err));
		if (cases[i].want < 0) {
			if (r == 0)
				fail_msg("case %zu: accepted as form %d", i, (int)form);
			assert_true(err[0] != '\0');
		} else {
			if (r != 0)
				fail_msg("case %zu: %s", i, err);
			assert_int_equal(form, cases[i].want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_collapse_threshold, teardown),
	    cmocka_unit_test_teardown(test_secrets, teardown),
	    cmocka_unit_test_teardown(test_cwd_not_grantable, teardown),
	    cmocka_unit_test_teardown(test_addresses, teardown),
	    cmocka_unit_test_teardown(test_exec_interpreter, teardown),
	    cmocka_unit_test_teardown(test_write_implies_read, teardown),
	    cmocka_unit_test_teardown(test_idempotent, teardown),
	    cmocka_unit_test_teardown(test_temporary, teardown),
	    cmocka_unit_test_teardown(test_own_proc, teardown),
	    cmocka_unit_test_teardown(test_strings, teardown),
	    cmocka_unit_test_teardown(test_redirect_and_notes, teardown),
	    cmocka_unit_test_teardown(test_bad_trails, teardown),
	    cmocka_unit_test(test_forms),
	};

	return cmocka_run_group_tests_name("learn", tests, NULL, NULL);
}
