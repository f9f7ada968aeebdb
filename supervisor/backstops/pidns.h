/* pidns: the PID namespace backstop (see pidns.c). */
#ifndef SYSWARD_PIDNS_H
#define SYSWARD_PIDNS_H

#include <stdbool.h>
#include <sys/types.h>

/* May this process make PID namespaces?  Asked once (unshare, then setns back); 0 or
 * -errno (EPERM without CAP_SYS_ADMIN). */
int pidns_probe(void);

/* In the namespace's init (pid 1), never returns: reap every child until `prog` is gone,
 * then exit (the kernel kills whatever is left in the namespace). */
void __attribute__((noreturn)) pidns_init_loop(pid_t prog);

/* In the program process: a /proc of the namespace, over the old one.  0 or -errno. */
int pidns_mount_proc(bool read_only);

#endif
