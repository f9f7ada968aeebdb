/* run: `sysward run`; check: `sysward check-policy`. */
#ifndef SYSWARD_RUN_H
#define SYSWARD_RUN_H

#include "supervisor/cli.h"

/* Returns the exit status of `sysward run` (INTERFACE.md). */
int run_main(const struct options *o);
/* `sysward check-policy FILE...`: 0 valid, 1 invalid. */
int check_policy_main(const struct options *o);

#endif
