/* test_glob: policy/glob.c — compiling, normalising and matching patterns. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "policy/glob.h"

static struct pol_glob *compile(const char *pat, enum pol_glob_mode mode)
{
	struct pol_glob *g = NULL;
	const char *why = NULL;

	if (pol_glob_compile(pat, mode, &g, &why) != 0)
		fail_msg("compile '%s': %s", pat, why);
	return g;
}

static const struct match_case {
	const char *pattern;
	const char *path; /* already normalised, as the evaluator passes it */
	bool match;
} path_cases[] = {
	/* a final `**` matches DIR itself and everything below, not siblings with its prefix */
	{ "/a/**", "/a", true },
	{ "/a/**", "/a/b", true },
	{ "/a/**", "/a/b/c/d", true },
	{ "/a/**", "/ab", false },
	{ "/a/**", "/", false },
	{ "/a/b/**", "/a", false },
	/* `**` at the start, in the middle, at the end, alone */
	{ "/**", "/", true },
	{ "/**", "/x/y", true },
	{ "/**/b", "/b", true },
	{ "/**/b", "/a/b", true },
	{ "/**/b", "/a/c/b", true },
	{ "/**/b", "/a/b/c", false },
	{ "/**/b", "/ab", false },
	{ "/a/**/b", "/a/b", true },
	{ "/a/**/b", "/a/x/y/b", true },
	{ "/a/**/b", "/a/x/b/c", false },
	{ "/a/**/b/**/c", "/a/b/c", true },
	{ "/a/**/b/**/c", "/a/1/b/2/3/c", true },
	{ "/a/**/b/**/c", "/a/1/c/2/b", false },
	{ "/a/**/**/b", "/a/b", true },
	{ "/**/*.c", "/src/x/y.c", true },
	{ "/**/*.c", "/y.h", false },
	/* `*` stays within one component */
	{ "/a/*", "/a/x", true },
	{ "/a/*", "/a/x/y", false },
	{ "/a/*", "/a", false },
	{ "/a/*", "/a/.hidden", true },
	{ "/a/*.c", "/a/.c", true },
	{ "/a/*.c", "/a/x.c", true },
	{ "/a/*.c", "/a/x.h", false },
	{ "/a*b*c", "/aXbYc", true },
	{ "/a*b*c", "/abc", true },
	{ "/a*b*c", "/acb", false },
	{ "/a*b*c", "/aXbY/c", false },
	{ "/*/*", "/a/b", true },
	{ "/*/*", "/a", false },
	{ "/*", "/", false },
	{ "/x*", "/x", true },
	{ "/*aa*aa*aa*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", true },
	{ "/*aa*aa*aa*b", "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false },
	/* `?` is one byte, never `/` */
	{ "/a/?", "/a/x", true },
	{ "/a/?", "/a/xy", false },
	{ "/a/?", "/a", false },
	{ "/a?b", "/a/b", false },
	{ "/???", "/abc", true },
	/* classes */
	{ "/a/[bc]d", "/a/bd", true },
	{ "/a/[bc]d", "/a/cd", true },
	{ "/a/[bc]d", "/a/dd", false },
	{ "/a/[!bc]d", "/a/dd", true },
	{ "/a/[!bc]d", "/a/bd", false },
	{ "/a/[^bc]d", "/a/xd", true },
	{ "/tty[0-9]", "/tty7", true },
	{ "/tty[0-9]", "/ttyS", false },
	{ "/x[]]", "/x]", true },
	{ "/x[!]]", "/x]", false },
	{ "/x[!]]", "/xa", true },
	{ "/x[a-]", "/x-", true },
	{ "/x[\\]]", "/x]", true },
	{ "/x[\\x41-\\x43]", "/xB", true },
	/* literals: exact, normalised, escaped wildcards */
	{ "/etc/passwd", "/etc/passwd", true },
	{ "/etc/passwd", "/etc/passwd2", false },
	{ "/etc/passwd", "/etc", false },
	{ "/etc//passwd", "/etc/passwd", true },
	{ "/etc/./passwd", "/etc/passwd", true },
	{ "/etc/", "/etc", true },
	{ "/etc/", "/etc/x", false },
	{ "/", "/", true },
	{ "/", "/a", false },
	{ "//", "/", true },
	{ "/a/\\*", "/a/*", true },
	{ "/a/\\*", "/a/x", false },
	{ "/a/\\?", "/a/?", true },
	{ "/a\\ b", "/a b", true },
	{ "/a\\x20b", "/a b", true },
	{ "/caf\\xc3\\xa9", "/caf\xc3\xa9", true },
	{ "/a/\\.", "/a", true },         /* an escaped `.` is still the `.` component */
	{ "/a/**/\\*\\*", "/a/**", true }, /* escaped stars are a literal component */
	{ "/a/**/\\*\\*", "/a/x", false },
	{ "/a/...", "/a/...", true },
	{ "/a/.b", "/a/.b", true },
	/* the matcher wants absolute subjects */
	{ "/**", "", false },
	{ "/**", "a/b", false },
};

static void test_path_match(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct match_case *c = &path_cases[i];
		struct pol_glob *g = compile(c->pattern, POL_GLOB_PATH);

		if (pol_glob_match(g, c->path, strlen(c->path)) != c->match)
			fail_msg("'%s' vs '%s': want %s", c->pattern, c->path,
				 c->match ? "match" : "no match");
		pol_glob_free(g);
	}
}

static const struct match_case name_cases[] = {
	{ "app-*", "app-1", true },
	{ "app-*", "app-", true },
	{ "app-*", "app-/x/y", true }, /* names have no components */
	{ "app-*", "ap", false },
	{ "*", "", true },
	{ "", "", true },
	{ "", "x", false },
	{ "a**b", "a/c/b", true }, /* `**` is `*` */
	{ "?", "/", true },
	{ "@/tmp/.X11-unix/X[0-9]", "@/tmp/.X11-unix/X0", true },
	{ "/tmp/dbus-*", "/tmp/dbus-abc", true },
};

static void test_name_match(void **state)
{
	size_t i;
	struct pol_glob *g;

	(void)state;
	for (i = 0; i < sizeof(name_cases) / sizeof(name_cases[0]); i++) {
		const struct match_case *c = &name_cases[i];

		g = compile(c->pattern, POL_GLOB_NAME);
		if (pol_glob_match(g, c->path, strlen(c->path)) != c->match)
			fail_msg("name '%s' vs '%s': want %s", c->pattern, c->path,
				 c->match ? "match" : "no match");
		pol_glob_free(g);
	}
	/* NUL bytes: in the name (counted) and in the pattern (\x00) */
	g = compile("a\\x00b", POL_GLOB_NAME);
	assert_true(pol_glob_match(g, "a\0b", 3));
	assert_false(pol_glob_match(g, "a\0c", 3));
	assert_false(pol_glob_match(g, "a", 1));
	pol_glob_free(g);
	g = compile("a?c", POL_GLOB_NAME);
	assert_true(pol_glob_match(g, "a\0c", 3));
	pol_glob_free(g);
}

static const struct error_case {
	const char *pattern;
	enum pol_glob_mode mode;
	const char *why;
} error_cases[] = {
	{ "", POL_GLOB_PATH, "relative path (patterns must be absolute)" },
	{ "a/b", POL_GLOB_PATH, "relative path (patterns must be absolute)" },
	{ "*/b", POL_GLOB_PATH, "relative path (patterns must be absolute)" },
	{ "/a/../b", POL_GLOB_PATH, "'..' components are not allowed" },
	{ "/..", POL_GLOB_PATH, "'..' components are not allowed" },
	{ "/a/\\.\\.", POL_GLOB_PATH, "'..' components are not allowed" },
	{ "/a/[b", POL_GLOB_PATH, "unterminated [" },
	{ "/a/[!", POL_GLOB_PATH, "unterminated [" },
	{ "/a/[]", POL_GLOB_PATH, "unterminated [" },
	{ "/a[/]b", POL_GLOB_PATH, "unterminated [" },
	{ "/a/[b-a]", POL_GLOB_PATH, "bad range in [...]" },
	{ "/a/b**", POL_GLOB_PATH, "'**' must be a whole path component" },
	{ "/a/**b", POL_GLOB_PATH, "'**' must be a whole path component" },
	{ "/a/***", POL_GLOB_PATH, "'**' must be a whole path component" },
	{ "/a/\\", POL_GLOB_PATH, "trailing backslash" },
	{ "/a/\\x4", POL_GLOB_PATH, "bad \\x escape (two hex digits expected)" },
	{ "/a/\\xg0", POL_GLOB_PATH, "bad \\x escape (two hex digits expected)" },
	{ "/a/\\x00", POL_GLOB_PATH, "NUL byte in a path pattern" },
	{ "/a\\/b", POL_GLOB_PATH, "escaped '/' in a path pattern" },
	{ "/a\\x2fb", POL_GLOB_PATH, "escaped '/' in a path pattern" },
	{ "[x", POL_GLOB_NAME, "unterminated [" },
	{ "x\\", POL_GLOB_NAME, "trailing backslash" },
};

static void test_errors(void **state)
{
	struct pol_glob *g;
	const char *why;
	char *big;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++) {
		const struct error_case *c = &error_cases[i];

		why = NULL;
		g = (struct pol_glob *)1;
		if (pol_glob_compile(c->pattern, c->mode, &g, &why) != -EINVAL)
			fail_msg("'%s' compiled", c->pattern);
		assert_null(g);
		if (!why || strcmp(why, c->why) != 0)
			fail_msg("'%s': got '%s', want '%s'", c->pattern, why ? why : "(null)",
				 c->why);
	}
	/* the limit is on the canonical text (what policy_dump prints), not on the input */
	big = malloc(POL_GLOB_TEXT_MAX + 1);
	memset(big, 'a', POL_GLOB_TEXT_MAX);
	big[0] = '/';
	big[POL_GLOB_TEXT_MAX] = '\0';
	assert_int_equal(pol_glob_compile(big, POL_GLOB_PATH, &g, &why), -EINVAL);
	assert_string_equal(why, "pattern too long");
	big[POL_GLOB_TEXT_MAX - 1] = '\0';
	assert_int_equal(pol_glob_compile(big, POL_GLOB_PATH, &g, &why), 0);
	pol_glob_free(g);
	memset(big, 0x18, POL_GLOB_MAX + 2); /* 4097 control bytes: 16389 bytes of text */
	big[0] = '/';
	big[POL_GLOB_MAX + 2] = '\0';
	assert_int_equal(pol_glob_compile(big, POL_GLOB_PATH, &g, &why), -EINVAL);
	assert_string_equal(why, "pattern too long");
	free(big);
}

static const struct text_case {
	const char *pattern;
	const char *text;
} text_cases[] = {
	{ "/usr//lib/./x/", "/usr/lib/x" },
	{ "//", "/" },
	{ "/a/**/**/b", "/a/**/b" },
	{ "/a\\ b/\\*", "/a\\ b/\\*" },
	{ "/a/\x01", "/a/\\x01" },
	{ "/a/\\\x01", "/a/\\x01" },
	{ "/a/[b-d]*", "/a/[b-d]*" },
};

static void test_text(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		struct pol_glob *g = compile(text_cases[i].pattern, POL_GLOB_PATH), *h;

		assert_string_equal(pol_glob_text(g), text_cases[i].text);
		h = compile(pol_glob_text(g), POL_GLOB_PATH); /* the text compiles back */
		assert_string_equal(pol_glob_text(h), text_cases[i].text);
		pol_glob_free(h);
		pol_glob_free(g);
	}
}

static void test_shape(void **state)
{
	struct pol_glob *g;
	const char *lit;
	size_t len;

	(void)state;
	g = compile("/etc/hosts/", POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, &lit, &len), POL_GLOB_LITERAL);
	assert_string_equal(lit, "/etc/hosts");
	assert_int_equal(len, 10);
	pol_glob_free(g);
	g = compile("/", POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, &lit, &len), POL_GLOB_LITERAL);
	assert_string_equal(lit, "/");
	pol_glob_free(g);
	g = compile("/home/\\*x/**", POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, &lit, &len), POL_GLOB_PREFIX);
	assert_string_equal(lit, "/home/*x");
	pol_glob_free(g);
	g = compile("/**", POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, &lit, &len), POL_GLOB_PREFIX);
	assert_int_equal(len, 0);
	pol_glob_free(g);
	g = compile("/a/**/b", POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, NULL, NULL), POL_GLOB_OTHER);
	pol_glob_free(g);
	g = compile("/a/*/**", POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, NULL, NULL), POL_GLOB_OTHER);
	pol_glob_free(g);
	g = compile("a\\x00b", POL_GLOB_NAME);
	assert_int_equal(pol_glob_shape(g, &lit, &len), POL_GLOB_LITERAL);
	assert_int_equal(len, 3);
	assert_memory_equal(lit, "a\0b", 3);
	pol_glob_free(g);
}

static const struct norm_case {
	const char *in;
	const char *out; /* NULL: -EINVAL */
} norm_cases[] = {
	{ "/", "/" },
	{ "//", "/" },
	{ "/a/b", "/a/b" },
	{ "/a//b/", "/a/b" },
	{ "/a/./b/.", "/a/b" },
	{ "/./", "/" },
	{ "/a/.b/..c", "/a/.b/..c" },
	{ "/a/../b", NULL },
	{ "/..", NULL },
	{ "a/b", NULL },
	{ "", NULL },
};

static void test_normalise(void **state)
{
	char out[64];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		const struct norm_case *c = &norm_cases[i];

		n = pol_path_normalise(c->in, strlen(c->in), out, sizeof(out));
		if (!c->out) {
			assert_int_equal(n, -EINVAL);
			continue;
		}
		assert_int_equal(n, (int)strlen(c->out));
		assert_string_equal(out, c->out);
	}
	assert_int_equal(pol_path_normalise("/abcdef", 7, out, 7), -ENAMETOOLONG);
	assert_int_equal(pol_path_normalise("/abcdef", 7, out, 8), 7);
}

static void test_escape(void **state)
{
	static const char raw[] = "/dir with *?[]\\ and\ttab/#x";
	char pat[256];
	struct pol_glob *g;
	const char *lit;
	size_t len;

	(void)state;
	assert_true(pol_glob_escape(raw, strlen(raw), pat, sizeof(pat)) > 0);
	assert_string_equal(pat, "/dir\\x20with\\x20\\*\\?\\[\\]\\\\\\x20and\\x09tab/#x");
	g = compile(pat, POL_GLOB_PATH);
	assert_int_equal(pol_glob_shape(g, &lit, &len), POL_GLOB_LITERAL);
	assert_string_equal(lit, raw);
	assert_true(pol_glob_match(g, raw, strlen(raw)));
	assert_false(pol_glob_match(g, "/dir with xx[]\\ and\ttab/#x", strlen(raw)));
	pol_glob_free(g);
	assert_int_equal(pol_glob_escape("#a", 2, pat, sizeof(pat)), 3);
	assert_string_equal(pat, "\\#a");
	assert_int_equal(pol_glob_escape(raw, strlen(raw), pat, 8), -ENAMETOOLONG);
}

/* The matchers are linear-backtracking: hostile patterns stay fast. */
static void test_pathological(void **state)
{
	char path[4096], pat[1024];
	struct pol_glob *g;
	clock_t t0 = clock();
	size_t i, o = 0;

	(void)state;
	for (i = 0; i + 2 < 4000; i += 2) {
		path[i] = '/';
		path[i + 1] = 'a';
	}
	path[i] = '\0';
	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(pat + o, sizeof(pat) - o, "/**/a");
	snprintf(pat + o, sizeof(pat) - o, "/b");
	g = compile(pat, POL_GLOB_PATH);
	assert_false(pol_glob_match(g, path, strlen(path)));
	pol_glob_free(g);
	memset(path, 'a', 4000);
	path[0] = '/';
	path[4000] = '\0';
	for (i = 0, o = 1, pat[0] = '/'; i < 200; i++)
		o += (size_t)snprintf(pat + o, sizeof(pat) - o, "*a");
	snprintf(pat + o, sizeof(pat) - o, "b");
	g = compile(pat, POL_GLOB_PATH);
	assert_false(pol_glob_match(g, path, strlen(path)));
	pol_glob_free(g);
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_match), cmocka_unit_test(test_name_match),
		cmocka_unit_test(test_errors),     cmocka_unit_test(test_text),
		cmocka_unit_test(test_shape),      cmocka_unit_test(test_normalise),
		cmocka_unit_test(test_escape),     cmocka_unit_test(test_pathological),
	};

	return cmocka_run_group_tests_name("glob", tests, NULL, NULL);
}
