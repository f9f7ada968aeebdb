/* test_jsonl: the strict one-line JSON parser and the bounded line reader. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools/jsonl.h"

static struct jsonl P;

static int setup(void **state)
{
	return jsonl_init(&P, 1 << 20, 64, 1 << 16);
}

static int teardown(void **state)
{
	jsonl_free(&P);
	return 0;
}

static int parse(const char *s, const struct jv **root)
{
	return jsonl_parse(&P, s, strlen(s), root);
}

static const struct jv *parse_ok(const char *s)
{
	const struct jv *root = NULL;
	int r = parse(s, &root);

	if (r != 0)
		fail_msg("parse of %s: %d (%s)", s, r, jsonl_error(&P));
	assert_non_null(root);
	return root;
}

static void test_values(void **state)
{
	const struct jv *v = parse_ok(
	    " {\"a\": 1, \"b\": [true, false, null, \"x\", -2.5e3, {}], \"c\": {\"d\": []}} ");
	const struct jv *b, *e, *c;
	double d;
	long long i;

	assert_int_equal(v->type, JV_OBJECT);
	assert_int_equal(v->len, 3);
	assert_int_equal(jv_int(jv_member(&P, v, "a"), &i), 0);
	assert_int_equal(i, 1);

	b = jv_member(&P, v, "b");
	assert_non_null(b);
	assert_int_equal(b->type, JV_ARRAY);
	assert_int_equal(b->len, 6);
	e = jv_first(b);
	assert_int_equal(e->type, JV_TRUE);
	e = jv_after(&P, b, e);
	assert_int_equal(e->type, JV_FALSE);
	e = jv_after(&P, b, e);
	assert_int_equal(e->type, JV_NULL);
	e = jv_after(&P, b, e);
	assert_true(jv_is(e, "x"));
	e = jv_after(&P, b, e);
	assert_int_equal(jv_double(e, &d), 0);
	assert_true(d == -2500.0);
	assert_int_equal(jv_int(e, &i), -EINVAL); /* not an integer */
	e = jv_after(&P, b, e);
	assert_int_equal(e->type, JV_OBJECT);
	assert_null(jv_first(e));
	assert_null(jv_after(&P, b, e));

	/* "c" is found by skipping the whole of "b" */
	c = jv_member(&P, v, "c");
	assert_non_null(c);
	assert_int_equal(c->type, JV_OBJECT);
	assert_int_equal(jv_member(&P, c, "d")->type, JV_ARRAY);
	assert_null(jv_member(&P, v, "nope"));
	assert_null(jv_member(&P, b, "a")); /* not an object */
	assert_false(jv_is(jv_member(&P, v, "a"), "1"));
}

static void test_scalars_at_top(void **state)
{
	long long i;

	assert_int_equal(parse_ok("42")->type, JV_NUMBER);
	assert_int_equal(jv_int(parse_ok("-0"), &i), 0);
	assert_int_equal(i, 0);
	assert_true(jv_is(parse_ok("\"s\""), "s"));
	assert_int_equal(parse_ok("null")->type, JV_NULL);
	assert_int_equal(parse_ok("[]")->len, 0);
}

static void test_duplicate_key_last_wins(void **state)
{
	const struct jv *v = parse_ok("{\"k\":1,\"k\":2}");
	long long i;

	assert_int_equal(jv_int(jv_member(&P, v, "k"), &i), 0);
	assert_int_equal(i, 2);
}

static void test_escapes(void **state)
{
	const struct jv *v = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t\"");
	static const char want[] = "q\" b\\ s/ \b\f\n\r\t";

	assert_int_equal(v->len, sizeof(want) - 1);
	assert_memory_equal(v->s, want, sizeof(want) - 1);

	v = parse_ok("\"\\u00e9\\u65E5\"");
	assert_int_equal(v->len, 5);
	assert_memory_equal(v->s, "\xc3\xa9\xe6\x97\xa5", 5);

	/* a surrogate pair is one 4-byte character */
	v = parse_ok("\"\\ud83d\\ude00\"");
	assert_int_equal(v->len, 4);
	assert_memory_equal(v->s, "\xf0\x9f\x98\x80", 4);

	/* raw UTF-8 is kept */
	v = parse_ok("\"\xe6\x97\xa5\xf0\x9f\x98\x80\"");
	assert_int_equal(v->len, 7);

	/* the trail's invalid-byte marker is just the four characters \xff */
	v = parse_ok("\"bad\\\\xff\"");
	assert_int_equal(v->len, 7);
	assert_memory_equal(v->s, "bad\\xff", 7);
}

static void test_nul_in_string(void **state)
{
	const struct jv *v = parse_ok("{\"p\":\"a\\u0000b\"}");
	const struct jv *p = jv_member(&P, v, "p");

	assert_int_equal(p->len, 3);
	assert_memory_equal(p->s, "a\0b", 3);
	assert_int_equal(p->s[3], '\0');
	assert_false(jv_is(p, "a"));
}

static void test_numbers(void **state)
{
	long long i;
	double d;

	assert_int_equal(jv_int(parse_ok("9223372036854775807"), &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(jv_int(parse_ok("-9223372036854775808"), &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(jv_int(parse_ok("9223372036854775808"), &i), -ERANGE);
	/* a huge number parses; only its conversion can fail */
	assert_int_equal(
	    jv_int(parse_ok("123456789012345678901234567890123456789012345678901234567890"), &i),
	    -ERANGE);
	assert_int_equal(jv_double(parse_ok("123456789012345678901234567890"), &d), 0);
	assert_true(d > 1.2e29 && d < 1.3e29);
	assert_int_equal(jv_double(parse_ok("1e400"), &d), -ERANGE);
	assert_int_equal(jv_double(parse_ok("-1e400"), &d), -ERANGE);
	assert_int_equal(jv_double(parse_ok("1e-400"), &d), 0); /* underflow: nearest double */
	assert_true(d == 0.0);
	assert_int_equal(jv_double(parse_ok("0.25"), &d), 0);
	assert_true(d == 0.25);
	assert_int_equal(jv_double(parse_ok("1E+2"), &d), 0);
	assert_true(d == 100.0);
	assert_int_equal(jv_int(parse_ok("1e2"), &i), -EINVAL);
	assert_int_equal(jv_int(parse_ok("\"1\""), &i), -EINVAL);
	assert_int_equal(jv_double(parse_ok("true"), &d), -EINVAL);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = {
	    "{",
	    "}",
	    "[1,]",
	    "[,1]",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{\"a\":1,}",
	    "{a:1}",
	    "{'a':1}",
	    "{\"a\" 1}",
	    "[1 2]",
	    "01",
	    "1.",
	    ".5",
	    "+1",
	    "-",
	    "1e",
	    "1e+",
	    "0x10",
	    "NaN",
	    "Infinity",
	    "tru",
	    "nul",
	    "falsey",
	    "\"abc",
	    "\"a\x01\"",
	    "\"a\tb\"",
	    "\"\\x41\"",
	    "\"\\u12\"",
	    "\"\\u12G4\"",
	    "\"\\ud800\"",
	    "\"\\udc00\"",
	    "\"\\ud800\\u0041\"",
	    "\"\\ud800x\"",
	    "\"\xff\"",
	    "\"\xc0\xaf\"",
	    "\"\xed\xa0\x80\"",
	    "\"\xe6\x97\"",
	    "\"\xf4\x90\x80\x80\"",
	    "[1] 2",
	    "{} {}",
	    "[\"a\" \"b\"]",
	    "\x01",
	};
	const struct jv *root;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int r = jsonl_parse(&P, bad[i], strlen(bad[i]), &root);

		if (r != -EINVAL)
			fail_msg("'%s' gave %d, want -EINVAL", bad[i], r);
		assert_null(root);
		assert_string_not_equal(jsonl_error(&P), "no error");
	}
	/* an embedded NUL after a value is trailing garbage, not an end of line */
	assert_int_equal(jsonl_parse(&P, "[1]\0", 4, &root), -EINVAL);
}

static void test_blank(void **state)
{
	const struct jv *root;

	assert_int_equal(parse("", &root), -ENODATA);
	assert_int_equal(parse(" \t\r ", &root), -ENODATA);
}

static void test_error_position(void **state)
{
	const struct jv *root;

	assert_int_equal(parse("{\"a\":1,\"b\":x}", &root), -EINVAL);
	assert_int_equal(P.err_off, 11);
	assert_string_equal(jsonl_error(&P), "unexpected character");
}

static void test_depth(void **state)
{
	struct jsonl p;
	const struct jv *root;

	assert_int_equal(jsonl_init(&p, 1024, 4, 1024), 0);
	assert_int_equal(jsonl_parse(&p, "[[[[1]]]]", 9, &root), 0);
	assert_int_equal(jsonl_parse(&p, "[{\"a\":[{}]}]", 12, &root), 0);
	assert_int_equal(jsonl_parse(&p, "[[[[[1]]]]]", 11, &root), -E2BIG);
	assert_string_equal(jsonl_error(&p), "nesting too deep");
	assert_int_equal(jsonl_parse(&p, "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}", 26, &root), -E2BIG);
	jsonl_free(&p);

	/* the default limit: a deep line is refused, not a stack overflow */
	{
		size_t n = 100000;
		char *s = malloc(2 * n);

		memset(s, '[', n);
		memset(s + n, ']', n);
		assert_int_equal(jsonl_parse(&P, s, 2 * n, &root), -E2BIG);
		free(s);
	}
}

static void test_value_and_line_limits(void **state)
{
	struct jsonl p;
	const struct jv *root;

	assert_int_equal(jsonl_init(&p, 32, 8, 8), 0);
	assert_int_equal(jsonl_parse(&p, "[1,2,3,4,5,6,7]", 15, &root), 0); /* 8 values */
	assert_int_equal(p.nval, 8);
	assert_int_equal(jsonl_parse(&p, "[1,2,3,4,5,6,7,8]", 17, &root), -E2BIG);
	assert_int_equal(jsonl_parse(&p, "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}", 25, &root), -E2BIG);
	assert_int_equal(jsonl_parse(&p, "\"0123456789012345678901234567890\"", 33, &root), -E2BIG);
	assert_string_equal(jsonl_error(&p), "line too long");
	assert_true(p.cap_val <= 8);
	assert_true(p.cap_text <= 32 + 16);
	jsonl_free(&p);
	assert_int_equal(jsonl_init(&p, 0, 8, 8), -EINVAL);
}

static void test_big_string(void **state)
{
	size_t n = (1 << 20) - 1;
	char *s = malloc(n + 2);
	const struct jv *root;

	s[0] = '"';
	memset(s + 1, 'x', n);
	s[n + 1] = '"';
	assert_int_equal(jsonl_parse(&P, s, n + 2, &root), -E2BIG);  /* one byte over 1 MiB */
	assert_int_equal(jsonl_parse(&P, s + 1, n, &root), -EINVAL); /* not JSON */
	s[n] = '"';
	assert_int_equal(jsonl_parse(&P, s, n + 1, &root), 0);
	assert_int_equal(root->len, n - 1);
	free(s);
}

static void test_reuse(void **state)
{
	const struct jv *root;
	char line[64];

	for (int i = 0; i < 1000; i++) {
		int n = snprintf(line, sizeof(line), "{\"i\":%d,\"s\":\"v%d\"}", i, i);
		long long v;

		assert_int_equal(jsonl_parse(&P, line, (size_t)n, &root), 0);
		assert_int_equal(jv_int(jv_member(&P, root, "i"), &v), 0);
		assert_int_equal(v, i);
	}
	assert_true(P.cap_val <= 64);
}

/* ---- reader ---------------------------------------------------------------------------- */

static int tmp_with(const char *data, size_t len)
{
	char path[] = "/tmp/test_jsonl.XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

static void expect_line(struct jsonl_reader *r, const char *want)
{
	const char *line;
	size_t len;

	assert_int_equal(jsonl_read(r, &line, &len), 1);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(line, want, len);
}

static void test_reader(void **state)
{
	static const char data[] = "one\n\ntoo long line here\nthree\nlast";
	struct jsonl_reader r;
	const char *line;
	size_t len;
	int fd = tmp_with(data, sizeof(data) - 1);

	assert_int_equal(jsonl_reader_init(&r, fd, 8), 0);
	expect_line(&r, "one");
	expect_line(&r, "");
	assert_int_equal(jsonl_read(&r, &line, &len), -E2BIG);
	assert_int_equal(r.lineno, 3);
	expect_line(&r, "three");
	expect_line(&r, "last"); /* no newline at the end */
	assert_int_equal(r.lineno, 5);
	assert_int_equal(jsonl_read(&r, &line, &len), 0);
	assert_int_equal(jsonl_read(&r, &line, &len), 0);
	jsonl_reader_free(&r);
	close(fd);
}

/* A line much longer than the buffer is skipped as it streams past, reported once. */
static void test_reader_huge_line(void **state)
{
	size_t n = 1 << 20;
	char *data = malloc(n + 32);
	struct jsonl_reader r;
	const char *line;
	size_t len;
	int fd;

	memcpy(data, "a\n", 2);
	memset(data + 2, 'x', n);
	memcpy(data + 2 + n, "\nb\n", 3);
	fd = tmp_with(data, n + 5);
	assert_int_equal(jsonl_reader_init(&r, fd, 100), 0);
	assert_true(r.cap < n / 8);
	expect_line(&r, "a");
	assert_int_equal(jsonl_read(&r, &line, &len), -E2BIG);
	expect_line(&r, "b");
	assert_int_equal(r.lineno, 3);
	assert_int_equal(jsonl_read(&r, &line, &len), 0);
	jsonl_reader_free(&r);
	close(fd);

	/* a huge last line without a newline */
	fd = tmp_with(data + 2, n);
	assert_int_equal(jsonl_reader_init(&r, fd, 100), 0);
	assert_int_equal(jsonl_read(&r, &line, &len), -E2BIG);
	assert_int_equal(jsonl_read(&r, &line, &len), 0);
	jsonl_reader_free(&r);
	close(fd);
	free(data);
}

static void test_reader_pipe(void **state)
{
	struct jsonl_reader r;
	const char *line;
	size_t len;
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "{\"a\":", 5), 5);
	assert_int_equal(write(p[1], "1}\n{}", 5), 5);
	close(p[1]);
	assert_int_equal(jsonl_reader_init(&r, p[0], 64), 0);
	expect_line(&r, "{\"a\":1}");
	expect_line(&r, "{}");
	assert_int_equal(jsonl_read(&r, &line, &len), 0);
	jsonl_reader_free(&r);
	close(p[0]);

	assert_int_equal(jsonl_reader_init(&r, -1, 64), 0);
	assert_int_equal(jsonl_read(&r, &line, &len), -EBADF);
	jsonl_reader_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_scalars_at_top),
	    cmocka_unit_test(test_duplicate_key_last_wins),
	    cmocka_unit_test(test_escapes),
	    cmocka_unit_test(test_nul_in_string),
	    cmocka_unit_test(test_numbers),
	    cmocka_unit_test(test_invalid),
	    cmocka_unit_test(test_blank),
	    cmocka_unit_test(test_error_position),
	    cmocka_unit_test(test_depth),
	    cmocka_unit_test(test_value_and_line_limits),
	    cmocka_unit_test(test_big_string),
	    cmocka_unit_test(test_reuse),
	    cmocka_unit_test(test_reader),
	    cmocka_unit_test(test_reader_huge_line),
	    cmocka_unit_test(test_reader_pipe),
	};

	return cmocka_run_group_tests_name("jsonl", tests, setup, teardown);
}
