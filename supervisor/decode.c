/* decode: flag tables for the audit trail. */
#include "supervisor/decode.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/openat2.h>

#include "policy/policy.h"
#include "supervisor/util.h"

struct flagname {
	uint64_t bit;
	const char *name;
};

static void join_flags(uint64_t v, const struct flagname *t, size_t n, char *buf, size_t size,
		       bool empty_zero)
{
	size_t len = strlen(buf);

	for (size_t i = 0; i < n; i++) {
		if (t[i].bit && (v & t[i].bit) == t[i].bit) {
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
						len ? "|" : "", t[i].name);
			v &= ~t[i].bit;
		}
	}
	if (v)
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s0x%llx",
					len ? "|" : "", (unsigned long long)v);
	if (!len && empty_zero)
		snprintf(buf, size, "0");
}

void decode_oflags(uint64_t flags, char *buf, size_t size)
{
	static const struct flagname t[] = {
		{ O_CREAT, "O_CREAT" },         { O_EXCL, "O_EXCL" },
		{ O_NOCTTY, "O_NOCTTY" },       { O_TRUNC, "O_TRUNC" },
		{ O_APPEND, "O_APPEND" },       { O_NONBLOCK, "O_NONBLOCK" },
		{ O_SYNC, "O_SYNC" },           { O_DSYNC, "O_DSYNC" },
		{ O_ASYNC, "O_ASYNC" },
		{ O_DIRECT, "O_DIRECT" },       { O_LARGEFILE, "O_LARGEFILE" },
		{ O_TMPFILE, "O_TMPFILE" },     { O_DIRECTORY, "O_DIRECTORY" },
		{ O_NOFOLLOW, "O_NOFOLLOW" },   { O_NOATIME, "O_NOATIME" },
		{ O_CLOEXEC, "O_CLOEXEC" },
		{ O_PATH, "O_PATH" },
	};
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };

	snprintf(buf, size, "%s", (flags & O_PATH) ? "" : acc[flags & O_ACCMODE]);
	join_flags(flags & ~(uint64_t)O_ACCMODE, t, ARRAY_SIZE(t), buf, size, false);
}

void decode_atflags(uint64_t flags, char *buf, size_t size)
{
	static const struct flagname t[] = {
		{ AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW" },
		{ AT_REMOVEDIR, "AT_REMOVEDIR" },
		{ AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW" },
		{ AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT" },
		{ AT_EMPTY_PATH, "AT_EMPTY_PATH" },
		{ AT_STATX_FORCE_SYNC, "AT_STATX_FORCE_SYNC" },
		{ AT_STATX_DONT_SYNC, "AT_STATX_DONT_SYNC" },
		{ AT_EACCESS, "AT_EACCESS" },
	};
	buf[0] = '\0';
	join_flags(flags, t, ARRAY_SIZE(t), buf, size, true);
}

void decode_resolve(uint64_t flags, char *buf, size_t size)
{
	static const struct flagname t[] = {
		{ RESOLVE_NO_XDEV, "RESOLVE_NO_XDEV" },
		{ RESOLVE_NO_MAGICLINKS, "RESOLVE_NO_MAGICLINKS" },
		{ RESOLVE_NO_SYMLINKS, "RESOLVE_NO_SYMLINKS" },
		{ RESOLVE_BENEATH, "RESOLVE_BENEATH" },
		{ RESOLVE_IN_ROOT, "RESOLVE_IN_ROOT" },
		{ RESOLVE_CACHED, "RESOLVE_CACHED" },
	};
	buf[0] = '\0';
	join_flags(flags, t, ARRAY_SIZE(t), buf, size, true);
}

void decode_family(int family, char *buf, size_t size)
{
	static const char *const names[] = {
		[AF_UNSPEC] = "AF_UNSPEC",   [AF_UNIX] = "AF_UNIX",     [AF_INET] = "AF_INET",
		[AF_AX25] = "AF_AX25",       [AF_IPX] = "AF_IPX",       [AF_APPLETALK] = "AF_APPLETALK",
		[AF_INET6] = "AF_INET6",     [AF_KEY] = "AF_KEY",       [AF_NETLINK] = "AF_NETLINK",
		[AF_PACKET] = "AF_PACKET",   [AF_RDS] = "AF_RDS",       [AF_IRDA] = "AF_IRDA",
		[AF_LLC] = "AF_LLC",         [AF_CAN] = "AF_CAN",       [AF_TIPC] = "AF_TIPC",
		[AF_BLUETOOTH] = "AF_BLUETOOTH", [AF_ALG] = "AF_ALG",   [AF_VSOCK] = "AF_VSOCK",
		[AF_XDP] = "AF_XDP",         [AF_MPLS] = "AF_MPLS",
	};
	if (family >= 0 && (size_t)family < ARRAY_SIZE(names) && names[family])
		snprintf(buf, size, "%s", names[family]);
	else
		snprintf(buf, size, "AF_%d", family);
}

void decode_socktype(int type, char *buf, size_t size)
{
	static const char *const names[] = {
		[SOCK_STREAM] = "SOCK_STREAM", [SOCK_DGRAM] = "SOCK_DGRAM", [SOCK_RAW] = "SOCK_RAW",
		[SOCK_RDM] = "SOCK_RDM", [SOCK_SEQPACKET] = "SOCK_SEQPACKET",
		[SOCK_DCCP] = "SOCK_DCCP", [SOCK_PACKET] = "SOCK_PACKET",
	};
	static const struct flagname t[] = {
		{ SOCK_NONBLOCK, "SOCK_NONBLOCK" },
		{ SOCK_CLOEXEC, "SOCK_CLOEXEC" },
	};
	int base = type & 0xf;

	if ((size_t)base < ARRAY_SIZE(names) && names[base])
		snprintf(buf, size, "%s", names[base]);
	else
		snprintf(buf, size, "%d", base);
	join_flags((uint64_t)(unsigned)(type & ~0xf), t, ARRAY_SIZE(t), buf, size, false);
}

void decode_signal(int sig, char *buf, size_t size)
{
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (sig == 0)
		snprintf(buf, size, "0");
	else if (abbrev)
		snprintf(buf, size, "SIG%s", abbrev);
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX)
		snprintf(buf, size, "SIGRTMIN+%d", sig - SIGRTMIN);
	else
		snprintf(buf, size, "SIG%d", sig);
}

void decode_access(unsigned acc, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", (acc & POL_READ) ? "read" : "",
		 (acc & POL_READ) && (acc & (POL_WRITE | POL_EXEC)) ? "," : "",
		 (acc & POL_WRITE) ? "write" : "",
		 (acc & POL_WRITE) && (acc & POL_EXEC) ? "," : "", (acc & POL_EXEC) ? "exec" : "");
}
