/* rofs: the read-only root backstop (see rofs.c). */
#ifndef SYSWARD_ROFS_H
#define SYSWARD_ROFS_H

/* In the child, before exec: a new mount namespace, everything read-only but the n
 * writable paths.  0 or -errno. */
int rofs_enter(char (*writable)[4096], int n);

#endif
