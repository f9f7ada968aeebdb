/* serve: `sysward serve` (a long-lived supervisor on a unix socket) and `sysward submit`. */
#ifndef SYSWARD_SERVE_H
#define SYSWARD_SERVE_H

#include "supervisor/cli.h"

/* `sysward serve --socket PATH [--policy-dir DIR] [--max-parallel N] [--shutdown kill|finish]`:
 * 0 after a SIGTERM/SIGINT shutdown, 125 when it cannot start or fails. */
int serve_main(const struct options *o);
/* `sysward submit --socket PATH [RUN OPTIONS] -- PROGRAM [ARGS...]`: the exit status
 * `sysward run` would have (INTERFACE.md); 125 when the server cannot be reached. */
int submit_main(const struct options *o);

#endif
