/* test_sha256: policy/sha256.c against the FIPS 180-4 / NIST CAVS test vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "policy/sha256.h"

static const struct vector {
	const char *msg;
	const char *hex;
} vectors[] = {
	{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
	  "lmnopqrsmnopqrstnopqrstu",
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "The quick brown fox jumps over the lazy dog",
	  "d7a8fbb307d7809469ca9abcb0082e4f8d5651e46d3cdb762d02d0bf37c9e592" },
};

static void test_vectors(void **state)
{
	char hex[65];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		pol_sha256_hex(vectors[i].msg, strlen(vectors[i].msg), hex);
		assert_string_equal(hex, vectors[i].hex);
	}
}

/* One million 'a', fed in uneven pieces: exercises the partial-block path. */
static void test_million_a(void **state)
{
	static const uint8_t want[32] = {
		0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7,
		0xe2, 0x84, 0xd7, 0x3e, 0x67, 0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97,
		0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
	};
	struct pol_sha256 c;
	uint8_t d[32];
	char buf[1000];
	size_t done = 0, n = 1;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	pol_sha256_init(&c);
	while (done < 1000000) {
		size_t k = n < 1000000 - done ? n : 1000000 - done;

		pol_sha256_update(&c, buf, k);
		done += k;
		n = n * 7 % 997 + 1;
	}
	pol_sha256_final(&c, d);
	assert_memory_equal(d, want, 32);
}

/* Lengths around the padding boundary, hashed whole and byte by byte. */
static void test_boundaries(void **state)
{
	static const struct {
		size_t len;
		const char *hex;
	} b[] = {
		{ 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
		{ 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
		{ 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
	};
	struct pol_sha256 c;
	char buf[64], hex[65], one[65];
	uint8_t d[32];
	size_t i, j;

	(void)state;
	memset(buf, 'a', sizeof(buf));
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		pol_sha256_hex(buf, b[i].len, hex);
		assert_string_equal(hex, b[i].hex);
		pol_sha256_init(&c);
		for (j = 0; j < b[i].len; j++)
			pol_sha256_update(&c, buf + j, 1);
		pol_sha256_final(&c, d);
		for (j = 0; j < 32; j++)
			sprintf(one + 2 * j, "%02x", d[j]);
		assert_string_equal(one, b[i].hex);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_million_a),
		cmocka_unit_test(test_boundaries),
	};

	return cmocka_run_group_tests_name("sha256", tests, NULL, NULL);
}
