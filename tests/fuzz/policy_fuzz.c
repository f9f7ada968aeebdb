/*
 * policy_fuzz: libFuzzer harness for the policy language (`make fuzz`).
 *
 * Every input is loaded with policy_load_string.  When it loads, the harness evaluates a fixed
 * set of requests against it, and checks the property that the dump is itself a policy that
 * loads back to the same rules (only the FILE:LINE comments may differ).  When it does not
 * load, the message must be a "FILE:LINE: message" diagnostic.  Any violation aborts.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/policy.h"

/* A name in a directory that does not exist: relative includes cannot reach the disk. */
#define FUZZ_NAME "/nonexistent-sysward-fuzz/fuzz.policy"

static char *dump_text(const struct policy *p)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	if (policy_dump(p, f) != 0)
		abort();
	fclose(f);
	return text;
}

/* Drop the `  # FILE:LINE` of every dump line, in place. */
static void strip_origins(char *s)
{
	char *line = s, *o = s;

	while (*line) {
		char *nl = strchr(line, '\n'), *hash = strstr(line, "  # ");
		size_t len = nl ? (size_t)(nl - line) : strlen(line);

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

static void check_round_trip(const struct policy *p)
{
	struct policy *q = policy_new();
	struct pol_error err;
	char *one = dump_text(p), *two;

	if (!q)
		abort();
	if (policy_load_string(q, "dump.policy", one, &err) != 0) {
		fprintf(stderr, "the dump does not load: %s\n%s", err.msg, one);
		abort();
	}
	two = dump_text(q);
	strip_origins(one);
	strip_origins(two);
	if (strcmp(one, two) != 0) {
		fprintf(stderr, "the dump changed on reload:\n%s---\n%s", one, two);
		abort();
	}
	free(one);
	free(two);
	policy_free(q);
}

static void evaluate(const struct policy *p)
{
	static const char *const paths[] = { "/", "/usr/bin/gcc", "/a/b/c", "/tmp/x/../y",
					     "/home/u/.ssh/id_rsa", "rel", "/proc/1/environ" };
	struct pol_addr a = { .family = AF_INET, .ip = { 127, 0, 0, 1 }, .port = 80 };
	struct pol_request q = { .syscall = "openat" };
	struct pol_verdict v;
	char out[4096], hex[65];
	const char *file;
	size_t i;
	int line;

	q.kind = POL_REQ_PATH;
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		q.path = paths[i];
		q.access = (unsigned)i & 7;
		policy_eval(p, &q, &v);
		policy_redirect(p, paths[i], out, sizeof(out), &file, &line);
	}
	q.kind = POL_REQ_CONNECT;
	q.syscall = "connect";
	q.addr = &a;
	policy_eval(p, &q, &v);
	a.family = AF_INET6;
	memset(a.ip, 0, sizeof(a.ip));
	a.ip[15] = 1;
	q.kind = POL_REQ_BIND;
	policy_eval(p, &q, &v);
	a.family = AF_UNIX;
	a.abstract = true;
	memcpy(a.path, "app\0x", 5);
	a.path_len = 5;
	policy_eval(p, &q, &v);
	a.abstract = false;
	memcpy(a.path, "/run/x.sock", 12);
	a.path_len = 12;
	policy_eval(p, &q, &v);
	q.kind = POL_REQ_SOCKET;
	q.family = AF_NETLINK;
	policy_eval(p, &q, &v);
	q.family = AF_INET;
	q.type = SOCK_DGRAM;
	q.protocol = IPPROTO_ICMP;
	policy_eval(p, &q, &v);
	q.kind = POL_REQ_SYSCALL;
	q.syscall = "mount";
	policy_eval(p, &q, &v);
	policy_syscall_rule(p, "ptrace", &v);
	if (policy_sha256(p, hex) != 0)
		abort();
	settings_wants_backtrace(policy_settings(p), "execve", true);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pol_error err = { "" };
	struct policy *p;
	char *text;

	if (size > 1 << 16)
		return 0;
	text = malloc(size + 1);
	p = policy_new();
	if (!text || !p)
		abort();
	memcpy(text, data, size);
	text[size] = '\0'; /* an embedded NUL just ends the text early */
	if (policy_load_string(p, FUZZ_NAME, text, &err) == 0) {
		evaluate(p);
		check_round_trip(p);
	} else if (!strstr(err.msg, ": ") || !strchr(err.msg, ':')) {
		fprintf(stderr, "diagnostic without FILE:LINE: '%s'\n", err.msg);
		abort();
	}
	policy_free(p);
	free(text);
	return 0;
}
