/* decode: numbers to the symbolic names the audit trail shows (no side effects). */
#ifndef SYSWARD_DECODE_H
#define SYSWARD_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* "O_WRONLY|O_CREAT|O_CLOEXEC"; unknown bits as hex. */
void decode_oflags(uint64_t flags, char *buf, size_t size);
/* "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH", "0" when none. */
void decode_atflags(uint64_t flags, char *buf, size_t size);
/* "RESOLVE_NO_SYMLINKS|..." */
void decode_resolve(uint64_t flags, char *buf, size_t size);
/* "AF_INET"; "AF_<n>" for unknown. */
void decode_family(int family, char *buf, size_t size);
/* "SOCK_STREAM|SOCK_CLOEXEC" */
void decode_socktype(int type, char *buf, size_t size);
/* "SIGTERM"; "SIG<n>" for unknown, "0" for 0. */
void decode_signal(int sig, char *buf, size_t size);
/* Access bits as "read", "write", "read,write", "exec". */
void decode_access(unsigned acc, char *buf, size_t size);

#endif
