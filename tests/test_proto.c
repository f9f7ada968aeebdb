/*
 * Unit tests for supervisor/proto: the request decoder is the server's first line of defence,
 * so every malformed, truncated, oversized or mistyped request must come back as an error
 * with a message (never a crash, never a half-filled request), and the same parser must go
 * on decoding good requests afterwards.  Framing is tested over real socketpairs.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "policy/settings.h"
#include "supervisor/proto.h"

static struct jsonl parser;

static int setup(void **state)
{
	(void)state;
	return proto_parser_init(&parser);
}

static int teardown(void **state)
{
	(void)state;
	jsonl_free(&parser);
	return 0;
}

static int decode(const char *json, struct proto_request *req, char *err)
{
	return proto_decode_request(&parser, json, strlen(json), req, err, 256);
}

/* The request must fail, with a message containing `want`; a good one must decode after. */
static void expect_error(const char *json, const char *want)
{
	struct proto_request req;
	char err[256];
	int r = decode(json, &req, err);

	if (r >= 0 || !strstr(err, want)) {
		print_error("request %s\n  gave %d '%s', want an error containing '%s'\n", json, r,
			    err, want);
		fail();
	}
	assert_null(req.argv); /* nothing half-filled is left behind */
	assert_int_equal(decode("{\"argv\":[\"/bin/true\"],\"cwd\":\"/\"}", &req, err), 0);
	proto_request_free(&req);
}

static void test_full_request(void **state)
{
	struct proto_request req;
	char err[256];
	(void)state;

	assert_int_equal(
	    decode("{\"protocol\":1,\"argv\":[\"prog\",\"-x\",{\"hex\":\"ff41\"}],"
		   "\"env\":[\"A=1\",\"PATH=/bin\"],\"cwd\":\"/tmp\",\"profile\":\"default\","
		   "\"policy\":[\"judge.policy\",\"/etc/x.policy\"],\"mode\":\"audit\","
		   "\"limits\":{\"memory\":\"256M\",\"cpu-time\":1.5,\"cpus\":\"0\"},"
		   "\"backtrace\":\"denied\",\"net\":\"none\",\"no-backstops\":true,"
		   "\"stats\":false,\"audit\":\"/tmp/t.jsonl\",\"stdin\":null,"
		   "\"stdout\":{\"fd\":0},\"stderr\":{\"path\":\"/tmp/e\",\"append\":true},"
		   "\"umask\":18,\"rlimits\":{\"stack\":[8388608,null],\"core\":[0,0]}}",
		   &req, err),
	    0);
	assert_int_equal(req.argc, 3);
	assert_string_equal(req.argv[1], "-x");
	assert_string_equal(req.argv[2], "\xff"
					 "A");
	assert_null(req.argv[3]);
	assert_int_equal(req.nenv, 2);
	assert_string_equal(req.cwd, "/tmp");
	assert_string_equal(req.policy[0], "judge.policy");
	assert_string_equal(req.mode, "audit");
	assert_string_equal(req.limits[LIM_MEMORY], "256M");
	assert_string_equal(req.limits[LIM_CPU_TIME], "1.5"); /* a number keeps its text */
	assert_null(req.limits[LIM_PIDS]);
	assert_string_equal(req.net, "none");
	assert_true(req.no_backstops);
	assert_false(req.stats);
	assert_int_equal(req.stdio[0].kind, PROTO_STDIO_NULL);
	assert_int_equal(req.stdio[1].kind, PROTO_STDIO_FD);
	assert_int_equal(req.stdio[2].kind, PROTO_STDIO_PATH);
	assert_true(req.stdio[2].append);
	assert_int_equal(req.fds_needed, 1);
	assert_int_equal(req.umask, 022);
	assert_true(req.rlimits[15].set); /* stack */
	assert_string_equal(proto_rlimit_names[15], "stack");
	assert_int_equal(req.rlimits[15].cur, 8388608);
	assert_true(req.rlimits[15].max == PROTO_RLIM_INFINITY);
	assert_true(req.rlimits[1].set && req.rlimits[1].max == 0); /* core */
	assert_false(req.rlimits[0].set);
	proto_request_free(&req);
}

static void test_minimal_request(void **state)
{
	struct proto_request req;
	char err[256];
	(void)state;

	/* whitespace and newlines are JSON too */
	assert_int_equal(decode(" {\n \"argv\" : [ \"true\" ],\n \"cwd\" : \"/\" }\n", &req, err),
			 0);
	assert_non_null(req.env);	 /* omitted: an empty environment */
	assert_int_equal(req.umask, -1); /* omitted: the server's */
	assert_null(req.env[0]);
	assert_int_equal(req.fds_needed, 0);
	proto_request_free(&req);
}

static void test_round_trip(void **state)
{
	char *argv[] = {"prog", "caf\xc3\xa9",
			"bad\xfe"
			"byte",
			NULL};
	char *env[] = {"X=\x01\x7f", NULL};
	char *policy[] = {"a", NULL};
	struct proto_request in = {0}, out;
	struct jbuf jb;
	char err[256];
	(void)state;

	in.argv = argv;
	in.env = env;
	in.cwd = "/tmp/d\xe9j\xe0";
	in.policy = policy;
	in.limits[LIM_WALL_TIME] = "2.5";
	in.stdio[0] = (struct proto_stdio){.kind = PROTO_STDIO_FD, .fd_index = 2};
	in.stdio[1] = (struct proto_stdio){.kind = PROTO_STDIO_PATH, .path = "/o\xff"};
	in.stats = true;
	in.umask = 077;
	in.rlimits[9] = (struct proto_rlimit){true, 64, 4096}; /* nofile */
	in.rlimits[2] = (struct proto_rlimit){true, PROTO_RLIM_INFINITY, PROTO_RLIM_INFINITY};
	jb_init(&jb, 0);
	proto_encode_request(&jb, &in);
	assert_int_equal(proto_decode_request(&parser, jb.buf, jb.len, &out, err, sizeof(err)), 0);
	assert_string_equal(out.argv[1], argv[1]);
	assert_string_equal(out.argv[2], argv[2]); /* not UTF-8: sent as hex, back exactly */
	assert_string_equal(out.env[0], env[0]);
	assert_string_equal(out.cwd, in.cwd);
	assert_string_equal(out.limits[LIM_WALL_TIME], "2.5");
	assert_int_equal(out.stdio[0].fd_index, 2);
	assert_string_equal(out.stdio[1].path, "/o\xff");
	assert_true(out.stats);
	assert_int_equal(out.fds_needed, 3);
	assert_int_equal(out.umask, 077);
	assert_true(out.rlimits[9].set && out.rlimits[9].cur == 64 && out.rlimits[9].max == 4096);
	assert_true(out.rlimits[2].cur == PROTO_RLIM_INFINITY);
	assert_false(out.rlimits[0].set);
	proto_request_free(&out);
	jb_free(&jb);
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\"", "not a JSON request");	 /* truncated */
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\"}}", "not a JSON request"); /* trailing */
	expect_error("{\"argv\":[\"x\"] \"cwd\":\"/\"}", "not a JSON request");	 /* no comma */
	expect_error("{'argv':['x']}", "not a JSON request");
	expect_error("{\"argv\":[\"\xff\"],\"cwd\":\"/\"}", "not a JSON request"); /* raw bytes */
	expect_error("   ", "not a JSON request");
	expect_error("[\"argv\"]", "expected a JSON object");
	expect_error("\"x\"", "expected a JSON object");
	expect_error("null", "expected a JSON object");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error("{\"argv\":\"/bin/true\",\"cwd\":\"/\"}", "argv: expected an array");
	expect_error("{\"argv\":[1],\"cwd\":\"/\"}", "argv[0]: expected a string");
	expect_error("{\"argv\":[],\"cwd\":\"/\"}", "argv: expected the program");
	expect_error("{\"argv\":[\"\"],\"cwd\":\"/\"}", "argv: expected the program");
	expect_error("{\"argv\":[\"a\\u0000b\"],\"cwd\":\"/\"}", "argv[0]: contains a NUL");
	expect_error("{\"argv\":[{\"hex\":\"4\"}],\"cwd\":\"/\"}", "hex: odd number");
	expect_error("{\"argv\":[{\"hex\":\"zz\"}],\"cwd\":\"/\"}", "not a hex digit");
	expect_error("{\"argv\":[{\"hex\":\"4100\"}],\"cwd\":\"/\"}", "a NUL byte");
	expect_error("{\"argv\":[{\"hex\":\"41\",\"x\":1}],\"cwd\":\"/\"}", "expected a string");
	expect_error("{\"argv\":[\"x\"],\"env\":[\"NOEQUALS\"],\"cwd\":\"/\"}",
		     "env[0]: expected NAME=VALUE");
	expect_error("{\"argv\":[\"x\"],\"env\":[\"=v\"],\"cwd\":\"/\"}", "env[0]");
	expect_error("{\"argv\":[\"x\"],\"env\":{},\"cwd\":\"/\"}", "env: expected an array");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"tmp\"}", "cwd: must be absolute");
	expect_error("{\"argv\":[\"x\"],\"cwd\":7}", "cwd: expected a string");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"profile\":\"../x\"}", "profile");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"profile\":true}", "profile");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"policy\":[\"a/b\"]}", "policy[0]");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"policy\":[\".hidden\"]}", "policy[0]");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"mode\":\"lax\"}", "mode: expected one of");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"net\":1}", "net: expected one of");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"limits\":[]}",
		     "limits: expected an object");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"limits\":{\"ram\":\"1G\"}}",
		     "unknown limit 'ram'");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"limits\":{\"memory\":true}}",
		     "limits.memory");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"limits\":{\"memory\":\"\"}}",
		     "limits.memory");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"limits\":{\"pids\":1,\"pids\":2}}",
		     "given twice");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stats\":\"yes\"}",
		     "stats: expected true or false");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"no-backstops\":0}", "no-backstops");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"audit\":\"t.jsonl\"}",
		     "audit: must be an absolute");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"backtrace\":\"\"}", "backtrace");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdin\":0}", "stdin: expected null");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdin\":{\"fd\":3}}", "stdin.fd");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdin\":{\"fd\":-1}}", "stdin.fd");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdin\":{\"fd\":0.5}}", "stdin.fd");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdout\":{\"fd\":0,\"path\":\"/x\"}}",
		     "exactly one");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdout\":{}}", "exactly one");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdout\":{\"path\":\"x\"}}",
		     "stdout.path: must be absolute");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdin\":{\"path\":\"/x\",\"append\":true}}",
		     "stdin");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stdout\":{\"fd\":1,\"append\":true}}",
		     "append");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"stderr\":{\"fd\":1,\"colour\":1}}",
		     "unknown or repeated");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"umask\":512}", "umask");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"umask\":\"022\"}", "umask");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"heap\":[1,1]}}",
		     "unknown limit 'heap'");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"stack\":8}}", "rlimits.stack");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"stack\":[1]}}",
		     "rlimits.stack");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"stack\":[-1,2]}}",
		     "rlimits.stack");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"stack\":[1.5,2]}}",
		     "rlimits.stack");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"stack\":[3,2]}}",
		     "soft above hard");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"rlimits\":{\"stack\":[null,1]}}",
		     "soft above hard");
}

static void test_members(void **state)
{
	(void)state;
	expect_error("{\"cwd\":\"/\"}", "argv: missing");
	expect_error("{\"argv\":[\"x\"]}", "cwd: missing");
	expect_error("{\"argv\":[\"x\"],\"cwd\":\"/\",\"extra\":1}", "unknown member 'extra'");
	expect_error("{\"argv\":[\"x\"],\"argv\":[\"y\"],\"cwd\":\"/\"}", "given twice");
	expect_error("{\"protocol\":2,\"argv\":[\"x\"],\"cwd\":\"/\"}", "protocol");
	expect_error("{\"protocol\":\"1\",\"argv\":[\"x\"],\"cwd\":\"/\"}", "protocol");
}

static void test_bounds(void **state)
{
	struct proto_request req;
	char err[256], *big;
	size_t n = PROTO_MAX_FRAME + 10;
	(void)state;

	/* nesting deeper than the parser's limit */
	expect_error(
	    "{\"argv\":[\"x\"],\"cwd\":\"/\",\"limits\":{\"memory\":[[[[[[[[[[1]]]]]]]]]]}}",
	    "not a JSON request");
	/* a frame past the limit is refused by its length, before any byte of it is read */
	assert_int_equal(proto_check_length(PROTO_MAX_FRAME + 1, err, sizeof(err)), -EMSGSIZE);
	assert_non_null(strstr(err, "larger than the limit"));
	assert_int_equal(proto_check_length(0, err, sizeof(err)), -ENODATA);
	assert_int_equal(proto_check_length(PROTO_MAX_FRAME, err, sizeof(err)), 0);
	/* and the decoder refuses such text by itself */
	big = malloc(n);
	memset(big, ' ', n);
	memcpy(big, "{\"argv\":[\"x\"],\"cwd\":\"/\"}", 24);
	assert_int_equal(proto_decode_request(&parser, big, n, &req, err, sizeof(err)), -E2BIG);
	free(big);
	/* too many entries */
	{
		size_t cnt = PROTO_MAX_ARGS + 1, len = 32 + cnt * 4, off;
		char *s = malloc(len);
		off = (size_t)sprintf(s, "{\"cwd\":\"/\",\"argv\":[");
		for (size_t i = 0; i < cnt; i++)
			off += (size_t)sprintf(s + off, "%s\"a\"", i ? "," : "");
		off += (size_t)sprintf(s + off, "]}");
		assert_true(proto_decode_request(&parser, s, off, &req, err, sizeof(err)) < 0);
		assert_non_null(strstr(err, "argv"));
		free(s);
	}
}

/* The limit names travel as `sysward run` spells them: one table, checked here. */
static void test_limit_names(void **state)
{
	(void)state;
	for (int k = 0; k < LIM__COUNT; k++)
		assert_string_equal(proto_limit_name((enum limit_key)k),
				    limit_name((enum limit_key)k));
}

static void test_frames(void **state)
{
	int sv[2], p[2], fds[PROTO_MAX_FDS], nfds, passed[2];
	char *json;
	size_t len;
	unsigned char hdr[4];
	(void)state;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(p), 0);
	/* a frame with two descriptors attached to it */
	passed[0] = p[0];
	passed[1] = p[1];
	assert_int_equal(proto_send(sv[0], "{\"a\":1}", 7, passed, 2), 0);
	assert_int_equal(proto_recv(sv[1], &json, &len, fds, PROTO_MAX_FDS, &nfds), 0);
	assert_int_equal(len, 7);
	assert_string_equal(json, "{\"a\":1}");
	assert_int_equal(nfds, 2);
	assert_int_equal(write(fds[1], "z", 1), 1); /* the same pipe, through the copies */
	{
		char c;
		assert_int_equal(read(p[0], &c, 1), 1);
		assert_int_equal(c, 'z');
	}
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	close(fds[0]);
	close(fds[1]);
	free(json);

	/* more descriptors than the receiver takes: all closed, the frame refused */
	assert_int_equal(proto_send(sv[0], "{}", 2, passed, 2), 0);
	assert_int_equal(proto_recv(sv[1], &json, &len, fds, 1, &nfds), -EBADMSG);
	assert_int_equal(nfds, 0);

	/* an oversized header */
	proto_put_be32(hdr, PROTO_MAX_FRAME + 1);
	assert_int_equal(write(sv[0], hdr, 4), 4);
	assert_int_equal(proto_recv(sv[1], &json, &len, fds, 0, &nfds), -EMSGSIZE);

	/* a truncated frame: 100 bytes announced, 10 sent, then the end */
	proto_put_be32(hdr, 100);
	assert_int_equal(write(sv[0], hdr, 4), 4);
	assert_int_equal(write(sv[0], "{\"argv\":[\"", 10), 10);
	close(sv[0]);
	assert_int_equal(proto_recv(sv[1], &json, &len, fds, 0, &nfds), -ECONNRESET);
	assert_true(len > 0); /* part of a frame came */
	assert_int_equal(proto_recv(sv[1], &json, &len, fds, 0, &nfds), -ECONNRESET);
	assert_int_equal(len, 0); /* nothing at all */
	close(sv[1]);
	close(p[0]);
	close(p[1]);
}

static void test_responses(void **state)
{
	static const char record[] =
	    "{\"verdict\":\"signaled\",\"exit_code\":null,\"signal\":9,\"cpu_time_s\":0.001000,"
	    "\"wall_time_s\":1.250000,\"message\":\"killed by signal 9 (\\\\xff \\\"q\\\" "
	    "\\u0001)\","
	    "\"environment\":{\"namespaces\":[\"mnt\"],\"privileged\":true},\"n\":-1e+30}";
	struct proto_response resp;
	struct jbuf jb;
	char err[256];
	(void)state;

	/* the record comes back exactly as the server wrote it */
	jb_init(&jb, 0);
	jb_append(&jb, "{\"exit_status\":137,\"result\":", 28);
	jb_append(&jb, record, strlen(record));
	jb_append(&jb, "}", 1);
	assert_int_equal(proto_decode_response(&parser, jb.buf, jb.len, &resp, err, sizeof(err)),
			 0);
	assert_int_equal(resp.exit_status, 137);
	assert_null(resp.error);
	assert_string_equal(resp.result, record);
	assert_string_equal(resp.verdict, "signaled");
	assert_int_equal(resp.exit_code, -1);
	assert_int_equal(resp.signal, 9);
	assert_true(resp.wall_time_s > 1.24 && resp.wall_time_s < 1.26);
	proto_response_free(&resp);
	jb_free(&jb);

	jb_init(&jb, 0);
	proto_encode_error(&jb, 125, "no such policy", true);
	assert_int_equal(proto_decode_response(&parser, jb.buf, jb.len, &resp, err, sizeof(err)),
			 0);
	assert_int_equal(resp.exit_status, 125);
	assert_string_equal(resp.error, "no such policy");
	assert_true(resp.logged);
	assert_null(resp.result);
	proto_response_free(&resp);
	jb_free(&jb);

	assert_int_equal(
	    proto_decode_response(&parser, "{\"result\":{}}", 13, &resp, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(
	    proto_decode_response(&parser, "{\"exit_status\":0}", 17, &resp, err, sizeof(err)),
	    -EINVAL);
	assert_int_equal(proto_decode_response(&parser, "[", 1, &resp, err, sizeof(err)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_request), cmocka_unit_test(test_minimal_request),
	    cmocka_unit_test(test_round_trip),	 cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_wrong_types),	 cmocka_unit_test(test_members),
	    cmocka_unit_test(test_bounds),	 cmocka_unit_test(test_limit_names),
	    cmocka_unit_test(test_frames),	 cmocka_unit_test(test_responses),
	};
	return cmocka_run_group_tests_name("proto", tests, setup, teardown);
}
