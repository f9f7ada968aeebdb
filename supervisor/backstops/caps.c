/*
 * caps: the capabilities a root program needs to get around the tracer or the machine, taken
 * away before exec (bounding set, effective, permitted, inheritable, ambient).  The tracer
 * refuses the same calls by itself; this is the kernel's second wall.  Kept: what ordinary
 * root programs use on their own files and sockets (chown, dac_override, fowner, kill,
 * setuid/setgid, net_bind_service, net_raw: raw sockets are the policy's to judge).
 */
#include "supervisor/backstops/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const int dropped[] = {
	CAP_SYS_ADMIN,   CAP_SYS_MODULE,   CAP_SYS_RAWIO,  CAP_SYS_PTRACE,  CAP_SYS_RESOURCE,
	CAP_MKNOD,       CAP_SYS_BOOT,     CAP_SYS_TIME,   CAP_LINUX_IMMUTABLE, CAP_NET_ADMIN,
	CAP_SYSLOG,      CAP_MAC_ADMIN,    CAP_MAC_OVERRIDE, CAP_SYS_CHROOT, CAP_SYS_PACCT,
	CAP_SYS_NICE,    CAP_SYS_TTY_CONFIG, CAP_AUDIT_CONTROL, CAP_AUDIT_WRITE, CAP_WAKE_ALARM,
	CAP_BLOCK_SUSPEND, CAP_IPC_LOCK, CAP_LEASE, CAP_SETPCAP, CAP_SETFCAP, CAP_DAC_READ_SEARCH,
	38 /* CAP_PERFMON */, 39 /* CAP_BPF */, 40 /* CAP_CHECKPOINT_RESTORE */,
};

int caps_drop(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	if (!(d[0].permitted | d[1].permitted))
		return 0; /* nothing to drop: an ordinary user */
	for (unsigned i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++) {
		int c = dropped[i];
		/* EINVAL: a capability this kernel does not know */
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
		d[c / 32].effective &= ~(1u << (c % 32));
		d[c / 32].permitted &= ~(1u << (c % 32));
		d[c / 32].inheritable &= ~(1u << (c % 32));
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	return 1;
}
