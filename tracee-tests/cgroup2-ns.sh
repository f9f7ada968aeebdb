#!/bin/sh
# cgroup2-ns.sh: run COMMAND with a cgroup2 hierarchy mounted at /sys/fs/cgroup in a private
# mount namespace, so sysward's v2 backend can be tested for real on a hybrid (v1 + unified)
# machine.  Inside, SYSWARD_CGROUP=v2 and SYSWARD_CGROUP_ROOT=/sys/fs/cgroup are exported.
#
#   usage: tracee-tests/cgroup2-ns.sh COMMAND [ARGS...]      (root; exit 77 = cannot, skip)
#   e.g.   tracee-tests/cgroup2-ns.sh build/tests/test_limits
#          tracee-tests/cgroup2-ns.sh build/sysward run --cpu-time 1 -- sh -c 'while :; do :; done'
#
# What the experiment found (Debian 12, kernel 6.18, hybrid layout: memory, cpu, cpuacct,
# cpuset, pids, freezer, blkio, devices each a v1 hierarchy, cgroup2 at /sys/fs/cgroup/unified):
#
# - As root, `unshare --mount --propagation private` then `mount -t cgroup2 none /sys/fs/cgroup`
#   works.  The host's mount table is untouched; the v1 mounts are only covered inside.
# - It is NOT a private hierarchy: the kernel has exactly one cgroup2 hierarchy, so this mount
#   shows the same tree as the host's /sys/fs/cgroup/unified.  A group made here under
#   sysward/ is visible on the host and outlives the namespace: sysward's own cleanup is what
#   removes it (the unit tests check that it does).
# - The root's cgroup.controllers lists only controllers no v1 hierarchy holds: here just
#   `hugetlb`.  memory, pids, cpuset, cpu, io stay bound to v1 while their v1 hierarchy exists
#   (it is mounted on the host, and memory has child groups).  Rebinding them would mean
#   unmounting the host's v1 hierarchies or booting with cgroup_no_v1=: not done, it would
#   break the machine.
# - The core files need no controller and work: cgroup.procs, cgroup.events (`populated`, with
#   POLLPRI wake-ups), cgroup.kill (5.14+), cgroup.freeze, and cpu.stat (usage_usec, user_usec,
#   system_usec).  So the v2 backend's whole-tree kill (setsid double forks included), its
#   event-driven wait for emptiness, its CPU accounting and its cleanup run for real here;
#   memory, pids and cpus are not enforced by v2 on this machine and fall back to sampled RSS,
#   a task count and CPU affinity, which sysward says in its one-line notice.
# - Unprivileged: mounting cgroup2 needs CAP_SYS_ADMIN over the cgroup namespace.  With
#   `unshare --user --map-root-user --mount --cgroup` the mount works, but its root is then
#   the caller's own cgroup, which (not being delegated) is not writable: no v2 test that way.
#   Without --cgroup the mount is refused.
# - The same hierarchy is reachable without a namespace: SYSWARD_CGROUP=v2 alone makes sysward
#   use the host's /sys/fs/cgroup/unified (tests/test_limits.c does).  This script adds the
#   pure-v2 look (cgroup2 at /sys/fs/cgroup), which is what the automatic detection sees on
#   most users' machines.
set -eu

if [ $# -eq 0 ]; then
	echo "usage: $0 COMMAND [ARGS...]" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "$0: needs root to mount cgroup2 (skip)" >&2
	exit 77
fi
if ! command -v unshare >/dev/null 2>&1; then
	echo "$0: unshare(1) not found (skip)" >&2
	exit 77
fi
if ! grep -qw cgroup2 /proc/filesystems; then
	echo "$0: the kernel has no cgroup2 (skip)" >&2
	exit 77
fi

exec unshare --mount --propagation private sh -c '
	if ! mount -t cgroup2 none /sys/fs/cgroup; then
		echo "cgroup2-ns.sh: cannot mount cgroup2 on /sys/fs/cgroup (skip)" >&2
		exit 77
	fi
	SYSWARD_CGROUP=v2 SYSWARD_CGROUP_ROOT=/sys/fs/cgroup
	export SYSWARD_CGROUP SYSWARD_CGROUP_ROOT
	exec "$@"
' cgroup2-ns.sh "$@"
