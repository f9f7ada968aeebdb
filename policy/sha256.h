/*
 * sha256: a small FIPS 180-4 SHA-256, used for the result record's policy_sha256.
 * Prefix pol_sha256_ (policy-internal; the supervisor may keep its own).
 */
#ifndef SYSWARD_POLICY_SHA256_H
#define SYSWARD_POLICY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define POL_SHA256_LEN 32

struct pol_sha256 {
	uint32_t h[8];
	uint64_t total;    /* bytes hashed so far */
	uint8_t buf[64];   /* partial block */
	size_t used;       /* bytes in buf */
};

void pol_sha256_init(struct pol_sha256 *c);
void pol_sha256_update(struct pol_sha256 *c, const void *data, size_t len);
void pol_sha256_final(struct pol_sha256 *c, uint8_t digest[POL_SHA256_LEN]);
/* One call: hash data, write 64 lowercase hex digits and a NUL into hex. */
void pol_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
