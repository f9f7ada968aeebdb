/* result: the record of how a run ended (INTERFACE.md "Result record"). */
#ifndef SYSWARD_RESULT_H
#define SYSWARD_RESULT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "supervisor/json.h"
#include "supervisor/tracer.h"

struct result {
	enum verdict verdict;
	int exit_code; /* -1: none */
	int signal;    /* 0: none */
	double user_s, sys_s, wall_s;
	uint64_t peak_memory;
	unsigned long processes, trapped, denied;
	char message[512];
	const char *cgroup; /* "v1" "v2" "none" */
	int landlock_abi;
	const char *namespaces[8];
	int n_namespaces;
	bool privileged;
	bool mseal;
	bool caps_dropped;
	char policy_sha256[65];
	const struct sc_stat *stats; /* --stats: systab_nrows + 1 entries, or NULL */
	unsigned long direct_calls;  /* --stats: path calls that took one stop (no rewrite) */
};

/* --stats: the table `strace -c` users expect, sorted by time in the tracer. */
void result_print_stats(FILE *out, const struct result *res);

void result_json(struct jbuf *jb, const struct result *res);
void result_environment(struct jbuf *jb, const struct result *res);
/* Write the record atomically (temp file + rename).  0 or -errno. */
int result_write(const char *path, const struct result *res);
/* sysward's exit status for this result (INTERFACE.md). */
int result_exit_status(const struct result *res);

#endif
