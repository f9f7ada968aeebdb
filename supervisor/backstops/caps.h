/* caps: drop the capabilities a sandboxed root program must not keep (see caps.c). */
#ifndef SYSWARD_CAPS_H
#define SYSWARD_CAPS_H

/* In the child before exec (after the Landlock restriction, which needs CAP_SYS_ADMIN only
 * without NO_NEW_PRIVS).  1 dropped, 0 nothing to drop, -errno. */
int caps_drop(void);

#endif
