/*
 * test_report: `sysward report` on small trails written to a temporary directory; the
 * assertions read its --json output back with the jsonl parser.  One test streams trails
 * of 25 and 50 MB through a pipe and checks that the peak memory does not grow with them.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/jsonl.h"
#include "tools/report.h"

static char dir[64];
static char out_path[128], err_path[128];
static struct jsonl J;
static char *out_text; /* last report output */
static size_t out_len;

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_report.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(out_path, sizeof(out_path), "%s/out", dir);
	snprintf(err_path, sizeof(err_path), "%s/err", dir);
	return jsonl_init(&J, 64 << 20, 32, 1 << 23);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int teardown(void **state)
{
	jsonl_free(&J);
	free(out_text);
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Write a trail of the given lines (each gets a newline) and return its path. */
static const char *trail(const char *name, const char *const *lines)
{
	static char path[8][160];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "w");
	assert_non_null(f);
	for (; *lines; lines++)
		fprintf(f, "%s\n", *lines);
	assert_int_equal(fclose(f), 0);
	return p;
}

/* Run report_main with stdout in file out and stderr in err_path. */
static int run_to(const char *out, int argc, const char **argv)
{
	int so, se, fo, fe, rc;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	fo = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fe = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
	dup2(fo, 1);
	dup2(fe, 2);
	close(fo);
	close(fe);
	rc = report_main(argc, (char **)argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	return rc;
}

/* Run report_main; its output is kept in out_text. */
static int run(int argc, const char **argv)
{
	int rc = run_to(out_path, argc, argv);

	free(out_text);
	out_text = slurp(out_path, &out_len);
	return rc;
}

#define RUN(...)                                                                                   \
	({                                                                                         \
		const char *_a[] = {"report", __VA_ARGS__, NULL};                                  \
		run((int)(sizeof(_a) / sizeof(_a[0])) - 1, _a);                                    \
	})

static char *stderr_text(void)
{
	size_t n;

	return slurp(err_path, &n);
}

/* The --json report of a trail (or a diff), parsed. */
static const struct jv *json_of(int rc_want, int argc, const char **argv)
{
	const struct jv *root;
	int rc = run(argc, argv);

	assert_int_equal(rc, rc_want);
	assert_true(out_len > 0 && out_text[out_len - 1] == '\n');
	assert_int_equal(jsonl_parse(&J, out_text, out_len - 1, &root), 0);
	assert_int_equal(root->type, JV_OBJECT);
	return root;
}

#define JSON(...)                                                                                  \
	({                                                                                         \
		const char *_a[] = {"report", "--json", __VA_ARGS__, NULL};                        \
		json_of(0, (int)(sizeof(_a) / sizeof(_a[0])) - 1, _a);                             \
	})

/* Member by a path of keys: get(obj, "a", "b", NULL). */
static const struct jv *get(const struct jv *v, ...)
{
	va_list ap;
	const char *k;

	va_start(ap, v);
	while (v && (k = va_arg(ap, const char *)))
		v = jv_member(&J, v, k);
	va_end(ap);
	return v;
}

static long long num(const struct jv *v)
{
	long long x = -12345;

	assert_non_null(v);
	assert_int_equal(jv_int(v, &x), 0);
	return x;
}

static double dbl(const struct jv *v)
{
	double x = -1;

	assert_non_null(v);
	assert_int_equal(jv_double(v, &x), 0);
	return x;
}

static void assert_str(const struct jv *v, const char *want)
{
	assert_non_null(v);
	if (!jv_is(v, want))
		fail_msg("got %s, want \"%s\"", v->type == JV_STRING ? v->s : "(not a string)",
			 want);
}

static unsigned count(const struct jv *arr)
{
	assert_non_null(arr);
	assert_int_equal(arr->type, JV_ARRAY);
	return arr->len;
}

/* Element i of an array. */
static const struct jv *at(const struct jv *arr, unsigned i)
{
	const struct jv *e = jv_first(arr);

	while (e && i--)
		e = jv_after(&J, arr, e);
	assert_non_null(e);
	return e;
}

/* The element of an array of objects whose member key is the string val. */
static const struct jv *find(const struct jv *arr, const char *key, const char *val)
{
	assert_non_null(arr);
	for (const struct jv *e = jv_first(arr); e; e = jv_after(&J, arr, e))
		if (jv_is(jv_member(&J, e, key), val))
			return e;
	return NULL;
}

#define SC(ts, pid, name, args, tail)                                                              \
	"{\"ts\":" #ts ",\"pid\":" #pid ",\"tid\":" #pid                                           \
	",\"event\":\"syscall\",\"syscall\":\"" name                                               \
	"\",\"nr\":0,\"arch\":\"x86_64\",\"args\":" args "," tail "}"
#define ALLOW "\"decision\":\"allow\",\"action\":\"allow\",\"rule\":\"p:1\""
#define DENY(err, rule)                                                                            \
	"\"decision\":\"deny\",\"action\":\"deny\",\"errno\":\"" err "\",\"rule\":\"" rule "\""
#define START "{\"ts\":0.0,\"pid\":100,\"tid\":100,\"event\":\"start\"}"
#define END(ts) "{\"ts\":" #ts ",\"pid\":100,\"tid\":100,\"event\":\"end\",\"verdict\":\"ok\"}"

static void test_counts_and_classes(void **state)
{
	static const char *const lines[] = {
	    "{\"ts\":0.0,\"pid\":100,\"tid\":100,\"event\":\"start\",\"argv\":[\"prog\",\"a b\"],"
	    "\"cwd\":\"/w\",\"mode\":\"enforce\",\"policy_sha256\":\"ab12\",\"version\":\"0.1.0\","
	    "\"future\":{\"x\":[1,{\"y\":null}]}}",
	    "{\"ts\":0.1,\"pid\":100,\"tid\":100,\"event\":\"exec\",\"path\":\"/usr/bin/prog\","
	    "\"argv\":[\"prog\",\"a b\",\"it's\",\"-v\"]}",
	    SC(0.2, 100, "openat",
	       "{\"flags\":\"O_RDONLY|O_CLOEXEC\",\"path\":\"lib.so\","
	       "\"resolved\":\"/usr/lib/lib.so\"}",
	       ALLOW),
	    SC(0.21, 100, "openat", "{\"flags\":\"O_RDONLY\",\"resolved\":\"/usr/lib/lib.so\"}",
	       ALLOW),
	    SC(0.3, 100, "openat",
	       "{\"flags\":\"O_WRONLY|O_CREAT|O_TRUNC\",\"resolved\":\"/w/out\"}", ALLOW),
	    SC(0.35, 100, "openat",
	       "{\"flags\":\"O_RDWR\",\"access\":\"read,write\","
	       "\"resolved\":\"/w/db\"}",
	       ALLOW),
	    SC(0.4, 100, "connect", "{\"fd\":3,\"addr\":\"inet:127.0.0.1:80\",\"len\":16}", ALLOW),
	    SC(0.5, 100, "bind", "{\"addr\":\"unix:/run/x.sock\"}", ALLOW),
	    SC(0.6, 100, "rename",
	       "{\"path\":\"a\",\"resolved\":\"/w/a\",\"path2\":\"b\","
	       "\"resolved2\":\"/w/b\"}",
	       ALLOW),
	    SC(0.7, 100, "newfstatat", "{\"path\":\"/etc/shadow\",\"resolved\":\"/etc/shadow\"}",
	       DENY("EACCES", "p:9")),
	    SC(0.75, 100, "brand_new_call", "{\"path\":\"/q\",\"resolved\":\"/q\"}", ALLOW),
	    "{\"ts\":0.8,\"pid\":100,\"tid\":100,\"event\":\"limit\",\"limit\":\"cpu-time\","
	    "\"message\":\"cpu time limit\",\"value\":1.5}",
	    "{\"ts\":0.9,\"pid\":100,\"tid\":100,\"event\":\"mystery\",\"x\":1}",
	    "{\"ts\":1.0,\"pid\":100,\"tid\":100,\"event\":\"exit\",\"exit_code\":0,\"signal\":"
	    "null,"
	    "\"thread\":false}",
	    "{\"ts\":1.5,\"pid\":100,\"tid\":100,\"event\":\"end\",\"verdict\":\"ok\","
	    "\"exit_code\":0,\"signal\":null,\"message\":\"exited normally\"}",
	    NULL,
	};
	const struct jv *r = JSON(trail("counts.jsonl", lines));
	const struct jv *sc, *read, *write, *t;

	assert_int_equal(num(get(r, "events", "total", NULL)), 15);
	assert_int_equal(num(get(r, "events", "syscall", NULL)), 9);
	assert_int_equal(num(get(r, "events", "other", NULL)), 1);
	assert_int_equal(num(get(r, "lines", "invalid", NULL)), 0);
	assert_int_equal(num(get(r, "syscalls_total", NULL)), 9);
	assert_int_equal(num(get(r, "denied_total", NULL)), 1);
	assert_int_equal(num(get(r, "processes", NULL)), 1);
	assert_true(get(r, "complete", NULL)->type == JV_TRUE);
	assert_true(dbl(get(r, "duration_s", NULL)) == 1.5);

	assert_str(at(get(r, "start", "argv", NULL), 1), "a b");
	assert_int_equal(num(get(r, "start", "argc", NULL)), 2);
	assert_str(get(r, "start", "cwd", NULL), "/w");
	assert_str(get(r, "start", "mode", NULL), "enforce");
	assert_str(get(r, "start", "policy_sha256", NULL), "ab12");
	assert_str(get(r, "start", "version", NULL), "0.1.0");
	assert_str(get(r, "end", "verdict", NULL), "ok");
	assert_str(get(r, "end", "message", NULL), "exited normally");
	assert_int_equal(get(r, "end", "signal", NULL)->type, JV_NULL);

	/* syscalls by count, then name */
	sc = get(r, "syscalls", NULL);
	assert_int_equal(count(sc), 6);
	assert_str(get(at(sc, 0), "name", NULL), "openat");
	assert_int_equal(num(get(at(sc, 0), "count", NULL)), 4);
	assert_int_equal(num(get(find(sc, "name", "newfstatat"), "deny", NULL)), 1);
	assert_int_equal(num(get(find(sc, "name", "brand_new_call"), "count", NULL)), 1);

	read = get(r, "files", "read", NULL);
	write = get(r, "files", "write", NULL);
	assert_str(get(at(read, 0), "path", NULL), "/usr/lib/lib.so");
	assert_int_equal(num(get(at(read, 0), "count", NULL)), 2);
	assert_non_null(find(read, "path", "/w/db"));
	t = find(read, "path", "/etc/shadow");
	assert_non_null(t);
	assert_int_equal(num(get(t, "denied", NULL)), 1);
	assert_null(find(read, "path", "/w/out"));
	assert_null(find(read, "path", "/q")); /* a syscall the table does not know */
	assert_int_equal(count(write), 4);
	assert_non_null(find(write, "path", "/w/out"));
	assert_non_null(find(write, "path", "/w/db"));
	assert_non_null(find(write, "path", "/w/a"));
	assert_non_null(find(write, "path", "/w/b"));
	t = get(r, "files", "exec", NULL);
	assert_int_equal(count(t), 1);
	assert_str(get(at(t, 0), "path", NULL), "/usr/bin/prog");
	assert_str(get(at(get(r, "network", "connect", NULL), 0), "addr", NULL),
		   "inet:127.0.0.1:80");
	assert_str(get(at(get(r, "network", "bind", NULL), 0), "addr", NULL), "unix:/run/x.sock");

	t = at(get(r, "tree", NULL), 0);
	assert_str(get(t, "exec", NULL), "/usr/bin/prog");
	assert_str(get(t, "args", NULL), "'a b' 'it'\\''s' -v");
	assert_int_equal(num(get(t, "exit_code", NULL)), 0);
	assert_int_equal(num(get(t, "syscalls", NULL)), 9);

	t = at(get(r, "limits", NULL), 0);
	assert_str(get(t, "fields", "limit", NULL), "cpu-time");
	assert_true(dbl(get(t, "fields", "value", NULL)) == 1.5);
	assert_true(dbl(get(t, "ts", NULL)) == 0.8);

	/* the timeline holds every event */
	t = get(r, "timeline", "events", NULL);
	{
		long long sum = 0;

		for (const struct jv *e = jv_first(t); e; e = jv_after(&J, t, e))
			sum += num(e);
		assert_int_equal(sum, 15);
	}
}

static void test_tree(void **state)
{
	static const char *const lines[] = {
	    START,
	    "{\"ts\":0.1,\"pid\":100,\"tid\":100,\"event\":\"spawn\",\"child\":101,\"thread\":"
	    "false}",
	    "{\"ts\":0.1,\"pid\":100,\"tid\":100,\"event\":\"spawn\",\"child\":150,\"thread\":"
	    "true}",
	    "{\"ts\":0.2,\"pid\":101,\"tid\":101,\"event\":\"exec\",\"path\":\"/bin/a\","
	    "\"argv\":[\"a\"]}",
	    /* 103's first call is logged before its parent's spawn event */
	    SC(0.2, 103, "openat", "{\"resolved\":\"/x\"}", ALLOW),
	    "{\"ts\":0.25,\"pid\":100,\"tid\":100,\"event\":\"spawn\",\"child\":103,\"thread\":"
	    "false}",
	    "{\"ts\":0.3,\"pid\":101,\"tid\":101,\"event\":\"spawn\",\"child\":102,\"thread\":"
	    "false}",
	    "{\"ts\":0.4,\"pid\":102,\"tid\":102,\"event\":\"exit\",\"exit_code\":null,\"signal\":"
	    "9,"
	    "\"thread\":false}",
	    "{\"ts\":0.5,\"pid\":100,\"tid\":150,\"event\":\"exit\",\"exit_code\":7,\"signal\":"
	    "null,"
	    "\"thread\":true}",
	    "{\"ts\":0.6,\"pid\":101,\"tid\":101,\"event\":\"exit\",\"exit_code\":3,\"signal\":"
	    "null,"
	    "\"thread\":false}",
	    /* pid 101 again: a new process */
	    "{\"ts\":0.7,\"pid\":100,\"tid\":100,\"event\":\"spawn\",\"child\":101,\"thread\":"
	    "false}",
	    "{\"ts\":0.8,\"pid\":100,\"tid\":100,\"event\":\"exit\",\"exit_code\":0,\"signal\":"
	    "null,"
	    "\"thread\":false}",
	    END(0.9),
	    NULL,
	};
	const struct jv *r = JSON(trail("tree.jsonl", lines));
	const struct jv *tree = get(r, "tree", NULL), *p;
	static const int pid[] = {100, 101, 102, 103, 101};
	static const int ppid[] = {0, 100, 101, 100, 100};
	static const int depth[] = {0, 1, 2, 1, 1};

	assert_int_equal(num(get(r, "processes", NULL)), 5);
	assert_int_equal(num(get(r, "threads", NULL)), 1);
	assert_int_equal(count(tree), 5);
	for (unsigned i = 0; i < 5; i++) {
		p = at(tree, i);
		assert_int_equal(num(get(p, "pid", NULL)), pid[i]);
		if (ppid[i])
			assert_int_equal(num(get(p, "ppid", NULL)), ppid[i]);
		else
			assert_int_equal(get(p, "ppid", NULL)->type, JV_NULL);
		assert_int_equal(num(get(p, "depth", NULL)), depth[i]);
	}
	p = at(tree, 0);
	assert_int_equal(num(get(p, "threads", NULL)), 1);
	assert_int_equal(num(get(p, "exit_code", NULL)), 0); /* not the thread's 7 */
	p = at(tree, 1);
	assert_str(get(p, "exec", NULL), "/bin/a");
	assert_str(get(p, "args", NULL), "");
	assert_int_equal(num(get(p, "exit_code", NULL)), 3);
	p = at(tree, 2);
	assert_int_equal(num(get(p, "signal", NULL)), 9);
	assert_int_equal(get(p, "exit_code", NULL)->type, JV_NULL);
	assert_int_equal(get(p, "exec", NULL)->type, JV_NULL);
	p = at(tree, 3);
	assert_int_equal(num(get(p, "syscalls", NULL)), 1);
	p = at(tree, 4);
	assert_int_equal(get(p, "exit_code", NULL)->type, JV_NULL);
	assert_int_equal(get(p, "exit_ts", NULL)->type, JV_NULL);
	assert_int_equal(num(get(r, "tree_omitted", "distinct", NULL)), 0);

	/* the text form indents children under their parent */
	assert_int_equal(RUN(trail("tree.jsonl", lines)), 0);
	assert_non_null(strstr(out_text, "\n  100 (no exec)  [1 thread]  exit 0\n"
					 "    101 /bin/a  exit 3\n"
					 "      102 (no exec)  signal SIGKILL\n"
					 "    103 (no exec)  no exit seen\n"
					 "    101 (no exec)  no exit seen\n"));
}

static void test_denials(void **state)
{
	static const char *const lines[] = {
	    START,
	    SC(0.1, 100, "openat", "{\"resolved\":\"/etc/shadow\"}", DENY("EACCES", "p:1")),
	    SC(0.2, 101, "openat", "{\"resolved\":\"/etc/shadow\"}", DENY("EACCES", "p:1")),
	    SC(0.3, 100, "openat", "{\"resolved\":\"/etc/shadow\"}", DENY("EACCES", "p:1")),
	    SC(0.4, 100, "openat", "{\"resolved\":\"/etc/shadow\"}", DENY("EPERM", "p:1")),
	    SC(0.5, 100, "openat", "{\"resolved\":\"/etc/shadow\"}", DENY("EACCES", "p:2")),
	    SC(0.6, 100, "ptrace", "{}",
	       "\"decision\":\"kill\",\"action\":\"kill\","
	       "\"rule\":\"builtin\""),
	    SC(0.7, 100, "connect", "{\"addr\":\"inet:203.0.113.10:443\"}",
	       "\"decision\":\"deny\",\"action\":\"allow\",\"errno\":\"ECONNREFUSED\","
	       "\"rule\":\"default\""),
	    SC(0.8, 100, "openat", "{\"resolved\":\"/etc/shadow\"}",
	       "\"decision\":\"deny\",\"action\":\"deny\",\"errno\":135,\"rule\":\"p:1\""),
	    SC(0.9, 100, "execve", "{\"path\":\"evil\",\"resolved\":\"/bin/evil\"}",
	       DENY("EACCES", "p:3")),
	    END(1.0),
	    NULL,
	};
	const struct jv *r = JSON(trail("denials.jsonl", lines));
	const struct jv *dn = get(r, "denials", NULL), *d, *t;

	assert_int_equal(num(get(r, "denied_total", NULL)), 9);
	assert_int_equal(num(get(r, "killed_total", NULL)), 1);
	assert_int_equal(num(get(r, "audit_only_total", NULL)), 1);
	assert_int_equal(count(dn), 7);

	d = at(dn, 0);
	assert_str(get(d, "syscall", NULL), "openat");
	assert_str(get(d, "target", NULL), "/etc/shadow");
	assert_str(get(d, "rule", NULL), "p:1");
	assert_str(get(d, "errno", NULL), "EACCES");
	assert_int_equal(num(get(d, "count", NULL)), 3);
	assert_true(dbl(get(d, "first_ts", NULL)) == 0.1);
	assert_int_equal(num(get(d, "pid", NULL)), 100);
	assert_str(get(at(dn, 1), "errno", NULL), "EPERM");
	assert_str(get(at(dn, 2), "rule", NULL), "p:2");

	d = at(dn, 3);
	assert_str(get(d, "syscall", NULL), "ptrace");
	assert_int_equal(get(d, "target", NULL)->type, JV_NULL);
	assert_int_equal(get(d, "errno", NULL)->type, JV_NULL);
	assert_str(get(d, "decision", NULL), "kill");

	d = at(dn, 4);
	assert_str(get(d, "target", NULL), "inet:203.0.113.10:443");
	assert_str(get(d, "decision", NULL), "deny");
	assert_str(get(d, "action", NULL), "allow");

	assert_str(get(at(dn, 5), "errno", NULL), "135");
	assert_str(get(at(dn, 6), "target", NULL), "/bin/evil");

	/* a refused exec is listed with the programs, as refused */
	t = find(get(r, "files", "exec", NULL), "path", "/bin/evil");
	assert_non_null(t);
	assert_int_equal(num(get(t, "count", NULL)), 0);
	assert_int_equal(num(get(t, "denied", NULL)), 1);
	t = find(get(r, "network", "connect", NULL), "addr", "inet:203.0.113.10:443");
	assert_int_equal(num(get(t, "denied", NULL)), 1);
	t = find(get(r, "syscalls", NULL), "name", "ptrace");
	assert_int_equal(num(get(t, "kill", NULL)), 1);
}

static void test_diff(void **state)
{
	static const char *const base[] = {
	    START,
	    SC(0.1, 100, "openat", "{\"resolved\":\"/a\"}", ALLOW),
	    SC(0.2, 100, "openat", "{\"resolved\":\"/a\"}", ALLOW),
	    SC(0.3, 100, "connect", "{\"addr\":\"inet:203.0.113.53:53\"}", ALLOW),
	    SC(0.4, 100, "newfstatat", "{\"resolved\":\"/x\"}", DENY("EACCES", "p:1")),
	    "{\"ts\":0.5,\"pid\":100,\"tid\":100,\"event\":\"exec\",\"path\":\"/bin/old\","
	    "\"argv\":[\"old\"]}",
	    END(1.0),
	    NULL,
	};
	static const char *const now[] = {
	    START,
	    SC(0.1, 100, "openat", "{\"resolved\":\"/a\"}", ALLOW),
	    SC(0.2, 100, "openat", "{\"resolved\":\"/b\"}", ALLOW),
	    SC(0.3, 100, "socket", "{\"family\":\"AF_INET\"}", ALLOW),
	    SC(0.4, 100, "openat", "{\"resolved\":\"/y\"}", DENY("EACCES", "p:1")),
	    "{\"ts\":0.5,\"pid\":100,\"tid\":100,\"event\":\"exec\",\"path\":\"/bin/new\","
	    "\"argv\":[\"new\"]}",
	    END(2.0),
	    NULL,
	};
	const char *b = trail("base.jsonl", base), *n = trail("new.jsonl", now);
	const struct jv *r = JSON("--diff", b, n);
	const struct jv *sc = get(r, "syscalls", NULL), *x;

	assert_str(get(r, "base", "trail", NULL), b);
	assert_str(get(r, "new", "trail", NULL), n);
	assert_true(get(r, "incomplete", NULL)->type == JV_FALSE);
	assert_true(dbl(get(r, "new", "duration_s", NULL)) == 2.0);

	assert_int_equal(count(sc), 4);
	x = find(sc, "name", "openat");
	assert_int_equal(num(get(x, "base", NULL)), 2);
	assert_int_equal(num(get(x, "new", NULL)), 3);
	assert_int_equal(num(get(x, "delta", NULL)), 1);
	x = find(sc, "name", "socket");
	assert_int_equal(num(get(x, "base", NULL)), 0);
	assert_int_equal(num(get(x, "delta", NULL)), 1);
	assert_int_equal(num(get(find(sc, "name", "connect"), "delta", NULL)), -1);
	assert_int_equal(num(get(find(sc, "name", "newfstatat"), "new", NULL)), 0);

	x = get(r, "files", "read", NULL);
	assert_int_equal(count(get(x, "only_new", NULL)), 2); /* /b, /y */
	assert_non_null(find(get(x, "only_new", NULL), "path", "/b"));
	assert_non_null(find(get(x, "only_new", NULL), "path", "/y"));
	assert_int_equal(count(get(x, "only_base", NULL)), 1);
	assert_str(get(at(get(x, "only_base", NULL), 0), "path", NULL), "/x");
	x = get(r, "files", "exec", NULL);
	assert_str(get(at(get(x, "only_base", NULL), 0), "path", NULL), "/bin/old");
	assert_str(get(at(get(x, "only_new", NULL), 0), "path", NULL), "/bin/new");
	x = get(r, "network", "connect", NULL);
	assert_str(get(at(get(x, "only_base", NULL), 0), "addr", NULL), "inet:203.0.113.53:53");
	assert_int_equal(count(get(x, "only_new", NULL)), 0);

	x = get(r, "denials", "new", NULL);
	assert_int_equal(count(x), 1);
	assert_str(get(at(x, 0), "target", NULL), "/y");
	x = get(r, "denials", "gone", NULL);
	assert_int_equal(count(x), 1);
	assert_str(get(at(x, 0), "syscall", NULL), "newfstatat");

	/* a trail against itself: nothing differs */
	r = JSON("--diff", n, n);
	assert_int_equal(count(get(r, "syscalls", NULL)), 0);
	assert_int_equal(count(get(r, "denials", "new", NULL)), 0);
	assert_int_equal(count(get(r, "files", "read", "only_new", NULL)), 0);

	/* text and HTML forms */
	assert_int_equal(RUN("--diff", b, n), 0);
	assert_non_null(strstr(out_text, "Denials new in the new trail (1)"));
	assert_non_null(strstr(out_text, "  + "));
	{
		char html[160];
		size_t len;
		char *page;

		snprintf(html, sizeof(html), "%s/diff.html", dir);
		assert_int_equal(RUN("--html", html, "--diff", b, n), 0);
		page = slurp(html, &len);
		assert_non_null(strstr(page, "Syscall counts that differ (4)"));
		assert_non_null(strstr(page, "</html>"));
		free(page);
	}
}

static void test_invalid_lines(void **state)
{
	size_t big = (1 << 20) + 100;
	char *huge = malloc(big + 1);
	const char *lines[] = {
	    START,
	    "garbage",
	    "[1,2]",
	    "{\"ts\":1}",
	    "",
	    SC(0.5, 100, "openat", "{\"resolved\":\"/a\"}", ALLOW),
	    huge,
	    "{\"ts\":0.6,\"pid\":100,\"tid\":100,\"event\":\"syscall\",\"syscall\":\"openat\"",
	    NULL,
	};
	const struct jv *r;
	char *err;

	memset(huge, ' ', big);
	memcpy(huge, "{\"event\":\"syscall\",\"x\":\"", 24);
	huge[big - 2] = '"';
	huge[big - 1] = '}';
	huge[big] = '\0';
	r = JSON(trail("invalid.jsonl", lines));
	free(huge);
	assert_int_equal(num(get(r, "lines", "total", NULL)), 8);
	assert_int_equal(num(get(r, "lines", "invalid", NULL)), 4);
	assert_int_equal(num(get(r, "lines", "too_long", NULL)), 1);
	assert_int_equal(num(get(r, "lines", "blank", NULL)), 1);
	assert_int_equal(num(get(r, "events", "total", NULL)), 2);
	/* no end event: the trail was cut short; the duration is the last ts */
	assert_true(get(r, "complete", NULL)->type == JV_FALSE);
	assert_int_equal(get(r, "end", NULL)->type, JV_NULL);
	assert_true(dbl(get(r, "duration_s", NULL)) == 0.5);
	err = stderr_text();
	assert_non_null(
	    strstr(err, "skipped 4 invalid lines (first: line 2: unexpected character)"));
	assert_non_null(strstr(err, "skipped 1 line longer than 1048576 bytes (first: line 7)"));
	free(err);
}

static void test_unreadable(void **state)
{
	static const char *const none[] = {NULL};
	static const char *const junk[] = {"junk", "{\"no\":\"event\"}", NULL};
	char missing[128];
	char *err;

	snprintf(missing, sizeof(missing), "%s/missing.jsonl", dir);
	assert_int_equal(RUN(missing), 1);
	err = stderr_text();
	assert_non_null(strstr(err, "No such file or directory"));
	free(err);
	assert_int_equal(RUN(trail("empty.jsonl", none)), 1);
	assert_int_equal(RUN("--json", trail("junk.jsonl", junk)), 1);
	err = stderr_text();
	assert_non_null(strstr(err, "no events in the trail"));
	free(err);
	assert_int_equal(RUN(dir), 1); /* a directory: read fails */
}

static void expect_usage_error(int argc, const char **argv, const char *needle)
{
	char *err;

	assert_int_equal(run(argc, argv), 125);
	err = stderr_text();
	if (!strstr(err, needle))
		fail_msg("stderr '%s' does not name '%s'", err, needle);
	free(err);
}

#define BAD(needle, ...)                                                                           \
	do {                                                                                       \
		const char *_a[] = {"report", __VA_ARGS__};                                        \
		expect_usage_error((int)(sizeof(_a) / sizeof(_a[0])), _a, needle);                 \
	} while (0)

static void test_options(void **state)
{
	static const char *const lines[] = {START, END(0.1), NULL};
	const char *t = trail("ok.jsonl", lines);
	const char *only[] = {"report"};

	BAD("--bogus", "--bogus", t);
	BAD("-x", t, "-x");
	BAD("--html", t, "--html");
	BAD("--html", "--html=", t);
	BAD("--diff", t, "--diff");
	BAD("--jsonx", "--jsonx", t);
	BAD("unexpected operand 'extra'", t, "extra");
	BAD("standard input", "--diff", "-", "-");
	expect_usage_error(1, only, "no audit trail given");

	assert_int_equal(RUN("--help"), 0);
	assert_non_null(strstr(out_text, "usage: sysward report"));
	assert_int_equal(RUN("--", t), 0);
	assert_int_equal(RUN("--json", "--json", t), 0);
	{
		const char *a[] = {"report", "--html=/nonexistent/dir/x.html", t, NULL};

		assert_int_equal(run(3, a), 1);
	}
}

static void test_stdin(void **state)
{
	static const char *const lines[] = {START, SC(0.1, 100, "openat", "{}", ALLOW), END(0.2),
					    NULL};
	int saved = dup(0), fd = open(trail("stdin.jsonl", lines), O_RDONLY);
	const struct jv *r;

	assert_true(saved >= 0 && fd >= 0);
	dup2(fd, 0);
	close(fd);
	r = JSON("-");
	dup2(saved, 0);
	close(saved);
	assert_int_equal(num(get(r, "syscalls_total", NULL)), 1);
	assert_str(get(r, "trail", NULL), "-");
}

/* Strings are byte arrays: NUL, control characters and the trail's \xNN marker survive. */
static void test_strings(void **state)
{
	static const char *const lines[] = {
	    START,
	    SC(0.1, 100, "openat", "{\"resolved\":\"/t/a\\u0000b\\u001b[31m\\\\xff\"}", ALLOW),
	    SC(0.2, 100, "openat", "{\"resolved\":\"/t/<script>&\\u202e\"}", ALLOW),
	    SC(0.3, 100, "openat", "{\"resolved\":\"/t/\\ud83d\\ude00\"}", ALLOW),
	    END(0.4),
	    NULL,
	};
	static const char want[] = "/t/a\0b\x1b[31m\\xff";
	const char *t = trail("strings.jsonl", lines);
	const struct jv *r = JSON(t), *read = get(r, "files", "read", NULL), *p;
	char html[160];
	size_t len;
	char *page;

	assert_int_equal(count(read), 3);
	for (unsigned i = 0; i < 3; i++) {
		p = get(at(read, i), "path", NULL);
		if (p->len == sizeof(want) - 1 && memcmp(p->s, want, p->len) == 0)
			break;
		assert_true(i < 2);
	}
	assert_non_null(find(read, "path", "/t/\xf0\x9f\x98\x80"));

	/* text: no raw control or bidi characters reach the terminal */
	assert_int_equal(RUN(t), 0);
	assert_null(memchr(out_text, 0x1b, out_len));
	assert_null(memchr(out_text, '\0', out_len));
	assert_null(strstr(out_text, "\xe2\x80\xae"));
	assert_non_null(strstr(out_text, "/t/a\\x00b\\x1b[31m\\xff\n"));
	assert_non_null(strstr(out_text, "/t/<script>&\\u202e\n"));

	/* HTML: markup is escaped */
	snprintf(html, sizeof(html), "%s/strings.html", dir);
	assert_int_equal(RUN("--html", html, t), 0);
	page = slurp(html, &len);
	assert_null(strstr(page, "<script>"));
	assert_non_null(strstr(page, "/t/&lt;script&gt;&amp;\\u202e"));
	assert_non_null(strstr(page, "<svg"));
	assert_non_null(strstr(strstr(page, "<svg") + 1, "<svg")); /* timeline and bar chart */
	assert_non_null(strstr(page, "<ul class=\"tree\">"));
	assert_non_null(strstr(page, "</html>\n"));
	free(page);
}

static void test_start_argv_capped(void **state)
{
	char start[4096];
	size_t n = 0;
	const char *lines[] = {start, END(0.1), NULL};
	const struct jv *r;

	n += (size_t)snprintf(start + n, sizeof(start) - n,
			      "{\"ts\":0,\"pid\":1,\"tid\":1,\"event\":\"start\",\"argv\":[");
	for (int i = 0; i < 100; i++)
		n += (size_t)snprintf(start + n, sizeof(start) - n, "%s\"a%d\"", i ? "," : "", i);
	snprintf(start + n, sizeof(start) - n, "]}");
	r = JSON(trail("argv.jsonl", lines));
	assert_int_equal(count(get(r, "start", "argv", NULL)), 64);
	assert_int_equal(num(get(r, "start", "argc", NULL)), 100);
}

/* ---- bounded memory ---------------------------------------------------------------------- */

/*
 * A worst case for the tables: every line names a new process, path or denial, so that each
 * table fills up early and the rest of the trail is only counted.  Three lines in five are
 * spawns, one an open of a new path, one a denial of a new path; one line of 2 MiB.
 */
static void generate(int fd, size_t bytes)
{
	static char buf[1 << 16];
	size_t n = 0, total = 0;
	unsigned long i = 0;

	n = (size_t)snprintf(buf, sizeof(buf), "%s\n", START);
	while (total + n < bytes) {
		if (n > sizeof(buf) - 512) {
			if (write(fd, buf, n) != (ssize_t)n)
				_exit(1);
			total += n;
			n = 0;
		}
		if (i == 1000) {
			static char huge[2 << 20];

			memset(huge, 'x', sizeof(huge));
			huge[sizeof(huge) - 1] = '\n';
			if (write(fd, buf, n) != (ssize_t)n ||
			    write(fd, huge, sizeof(huge)) != (ssize_t)sizeof(huge))
				_exit(1);
			total += n + sizeof(huge);
			n = 0;
		}
		switch (i % 5) {
		case 0:
		case 1:
		case 2:
			n += (size_t)snprintf(
			    buf + n, sizeof(buf) - n,
			    "{\"ts\":%lu.5,\"pid\":1,\"tid\":1,\"event\":\"spawn\","
			    "\"child\":%lu,\"thread\":false}\n",
			    i / 1000, 2 + i);
			break;
		case 3:
			n += (size_t)snprintf(
			    buf + n, sizeof(buf) - n,
			    "{\"ts\":%lu.5,\"pid\":1,\"tid\":1,\"event\":\"syscall\","
			    "\"syscall\":\"openat\",\"args\":{\"flags\":\"%s\","
			    "\"resolved\":\"/data/%lu\"},%s}\n",
			    i / 1000, (i / 5) % 2 ? "O_WRONLY|O_CREAT" : "O_RDONLY", i, ALLOW);
			break;
		default:
			n += (size_t)snprintf(
			    buf + n, sizeof(buf) - n,
			    "{\"ts\":%lu.5,\"pid\":%lu,\"tid\":1,\"event\":\"syscall\","
			    "\"syscall\":\"newfstatat\",\"args\":{\"resolved\":"
			    "\"/secret/%lu\"},%s}\n",
			    i / 1000, 2 + i - 4, i, DENY("EACCES", "p:7"));
		}
		i++;
	}
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\n", END(99999.0));
	if (write(fd, buf, n) != (ssize_t)n)
		_exit(1);
}

/*
 * Report on a generated trail of about `bytes`, streamed through a pipe, the JSON output
 * going to file out.  Peak RSS in KiB.
 */
static long report_on_stream(size_t bytes, const char *out)
{
	char path[32];
	const char *argv[] = {"report", "--json", path, NULL};
	struct rusage ru;
	int p[2], status;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		generate(p[1], bytes);
		_exit(0);
	}
	close(p[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", p[0]);
	assert_int_equal(run_to(out, 3, argv), 0);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

#if defined(__SANITIZE_ADDRESS__)
static const bool sanitized = true;
#else
static const bool sanitized = false;
#endif

static void test_bounded_memory(void **state)
{
	char out_small[160], out_large[160];
	const struct jv *r;
	long base, small, large;
	struct rusage ru;

	snprintf(out_small, sizeof(out_small), "%s/small.json", dir);
	snprintf(out_large, sizeof(out_large), "%s/large.json", dir);
	getrusage(RUSAGE_SELF, &ru);
	base = ru.ru_maxrss;
	small = report_on_stream(25u << 20, out_small);
	large = report_on_stream(50u << 20, out_large);

	/* the contract is 200 MB at any size; twice the trail must not cost more memory */
	print_message("peak RSS: before %ld KiB, 25 MB trail %ld KiB, 50 MB trail %ld KiB\n", base,
		      small, large);
	if (sanitized) {
		print_message("sanitizer build: its shadow memory and quarantine make RSS "
			      "meaningless, not checked\n");
	} else {
		assert_true(small - base < 150 * 1024);
		assert_true(large < 200 * 1024);
		/* what grows at all: pages of the fingerprint set (4 MiB) touched as it fills */
		assert_true(large - small < 8 * 1024);
	}

	/* only now read the outputs back (the parsed JSON is big) */
	free(out_text);
	out_text = slurp(out_small, &out_len);
	r = NULL;
	assert_int_equal(jsonl_parse(&J, out_text, out_len - 1, &r), 0);
	/* every table is full and says so */
	assert_int_equal(num(get(r, "processes", NULL)), REPORT_MAX_PROCS);
	assert_true(num(get(r, "tree_omitted", "distinct", NULL)) > 0);
	assert_int_equal(count(get(r, "files", "read", NULL)), REPORT_MAX_TARGETS);
	assert_int_equal(count(get(r, "files", "write", NULL)), REPORT_MAX_TARGETS);
	assert_int_equal(count(get(r, "denials", NULL)), REPORT_MAX_DENIALS);
	assert_true(num(get(r, "denials_unlisted_calls", NULL)) > 0);
	assert_int_equal(num(get(r, "lines", "too_long", NULL)), 1);
	assert_int_equal(num(get(r, "lines", "invalid", NULL)), 0);

	free(out_text);
	out_text = slurp(out_large, &out_len);
	r = NULL;
	assert_int_equal(jsonl_parse(&J, out_text, out_len - 1, &r), 0);
	assert_true(num(get(r, "syscalls_total", NULL)) > 150000);
	assert_int_equal(num(get(r, "processes", NULL)), REPORT_MAX_PROCS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_counts_and_classes),
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_denials),
	    cmocka_unit_test(test_diff),
	    cmocka_unit_test(test_invalid_lines),
	    cmocka_unit_test(test_unreadable),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_stdin),
	    cmocka_unit_test(test_strings),
	    cmocka_unit_test(test_start_argv_capped),
	    cmocka_unit_test(test_bounded_memory),
	};

	return cmocka_run_group_tests_name("report", tests, setup, teardown);
}
