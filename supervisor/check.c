/* check: `sysward check-policy FILE...` — parse, validate, print the effective rules. */
#include <stdio.h>

#include "policy/policy.h"
#include "supervisor/run.h"
#include "supervisor/util.h"

int check_policy_main(const struct options *o)
{
	int status = 0;

	for (int i = 0; i < o->argc; i++) {
		struct policy *p = policy_new();
		struct pol_error err;
		char hex[65];

		if (policy_load_file(p, o->argv[i], &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			status = 1;
		} else {
			printf("# %s: valid\n", o->argv[i]);
			policy_dump(p, stdout);
			if (policy_sha256(p, hex) == 0)
				printf("# sha256 %s\n", hex);
		}
		policy_free(p);
	}
	return status;
}
