/* Unit tests for supervisor/json: the string rules of INTERFACE.md and bounded records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "supervisor/json.h"

static const char *str_json(struct jbuf *jb, const char *s, size_t n)
{
	jb_reset(jb);
	jb_strn(jb, s, n);
	return jb->buf;
}

static void test_valid_utf8_kept(void **state)
{
	struct jbuf jb;
	(void)state;
	jb_init(&jb, 0);
	assert_string_equal(str_json(&jb, "caf\xc3\xa9 \xe6\x97\xa5", 9), "\"caf\xc3\xa9 \xe6\x97\xa5\"");
	assert_string_equal(str_json(&jb, "a\\b", 3), "\"a\\\\b\"");
	assert_string_equal(str_json(&jb, "q\"\n\t\x01", 5), "\"q\\\"\\n\\t\\u0001\"");
	jb_free(&jb);
}

static void test_invalid_utf8_escaped(void **state)
{
	struct jbuf jb;
	(void)state;
	jb_init(&jb, 0);
	/* invalid byte -> the four characters \xff (JSON: \\xff); backslash doubled */
	assert_string_equal(str_json(&jb, "a\xff", 2), "\"a\\\\xff\"");
	assert_string_equal(str_json(&jb, "\\\xc3", 2), "\"\\\\\\\\\\\\xc3\"");
	/* overlong and surrogate encodings are invalid */
	assert_string_equal(str_json(&jb, "\xc0\xaf", 2), "\"\\\\xc0\\\\xaf\"");
	assert_string_equal(str_json(&jb, "\xed\xa0\x80", 3), "\"\\\\xed\\\\xa0\\\\x80\"");
	jb_free(&jb);
}

static void test_structure(void **state)
{
	struct jbuf jb;
	(void)state;
	jb_init(&jb, 0);
	jb_obj_begin(&jb);
	jb_kint(&jb, "a", -3);
	jb_key(&jb, "b");
	jb_arr_begin(&jb);
	jb_str(&jb, "x");
	jb_null(&jb);
	jb_bool(&jb, true);
	jb_arr_end(&jb);
	jb_kdouble(&jb, "c", 1.5, 2);
	jb_key(&jb, "d");
	jb_obj_begin(&jb);
	jb_obj_end(&jb);
	jb_obj_end(&jb);
	assert_string_equal(jb.buf, "{\"a\":-3,\"b\":[\"x\",null,true],\"c\":1.50,\"d\":{}}");
	jb_free(&jb);
}

static void test_bounded(void **state)
{
	struct jbuf jb;
	char big[100000];
	(void)state;
	memset(big, 'a', sizeof(big));
	jb_init(&jb, 4096);
	jb_obj_begin(&jb);
	jb_key(&jb, "s");
	jb_strn(&jb, big, sizeof(big));
	jb_obj_end(&jb);
	assert_true(jb.truncated);
	assert_true(jb.len < 4200);
	assert_int_equal(jb.buf[jb.len - 1], '}');
	jb_free(&jb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_utf8_kept),
		cmocka_unit_test(test_invalid_utf8_escaped),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_bounded),
	};
	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
