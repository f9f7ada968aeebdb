/* landlock: policy allow rules -> Landlock ruleset (see landlock.h). */
#include "supervisor/backstops/landlock.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "policy/ir.h"
#include "supervisor/util.h"

#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LL_SCOPE_SIGNAL (1ULL << 1)

/* struct landlock_ruleset_attr as of ABI 6; its size tells the kernel which fields exist */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE_V1                                                                                \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                           \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                           \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)
#define LL_FILE_ONLY                                                                               \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	 LANDLOCK_ACCESS_FS_TRUNCATE)

int landlock_abi(void)
{
	static int abi = -1;

	if (abi < 0) {
		long v = syscall(SYS_landlock_create_ruleset, NULL, 0,
				 LANDLOCK_CREATE_RULESET_VERSION);
		abi = v > 0 ? (int)v : 0;
	}
	return abi;
}

static uint64_t handled_fs(int abi)
{
	uint64_t h = LANDLOCK_ACCESS_FS_EXECUTE | LL_READ | LL_WRITE_V1;

	if (abi >= 2)
		h |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		h |= LANDLOCK_ACCESS_FS_TRUNCATE;
	/* IOCTL_DEV (ABI 5) is left unhandled: terminal ioctls must keep working */
	return h;
}

/* The directory (or file) a pattern's grant hangs on: the literal part before a wildcard. */
static int anchor(const struct pol_glob *g, char *out, size_t size, bool *exact)
{
	const char *lit;
	size_t len;
	enum pol_glob_shape shape = pol_glob_shape(g, &lit, &len);
	const char *text;
	const char *wild;

	*exact = false;
	if (shape == POL_GLOB_LITERAL) {
		*exact = true;
		if (len + 1 > size)
			return -ENAMETOOLONG;
		memcpy(out, lit, len);
		out[len] = '\0';
		return 0;
	}
	if (shape == POL_GLOB_PREFIX) {
		if (len + 2 > size)
			return -ENAMETOOLONG;
		memcpy(out, len ? lit : "/", len ? len : 1);
		out[len ? len : 1] = '\0';
		return 0;
	}
	/* a wildcard in the middle: grant its literal parent directory */
	text = pol_glob_text(g);
	wild = strpbrk(text, "*?[\\");
	len = wild ? (size_t)(wild - text) : strlen(text);
	while (len > 1 && text[len - 1] != '/')
		len--;
	if (len > 1)
		len--; /* drop the slash */
	if (len + 1 > size)
		return -ENAMETOOLONG;
	memcpy(out, text, len);
	out[len] = '\0';
	return 0;
}

static uint64_t rights_of(unsigned access, uint64_t handled)
{
	uint64_t r = 0;

	/* what can be read can be executed as far as Landlock goes: the kernel maps the ELF
	 * interpreter (and a program may run ld.so on any file it reads) with no execve the
	 * tracer sees; exec rules stay the tracer's (INTERFACE: ld.so needs only read) */
	if (access & (POL_READ | POL_WRITE))
		r |= LL_READ | LANDLOCK_ACCESS_FS_EXECUTE;
	if (access & POL_WRITE)
		r |= LL_WRITE_V1 | LANDLOCK_ACCESS_FS_REFER | LANDLOCK_ACCESS_FS_TRUNCATE;
	if (access & POL_EXEC)
		r |= LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE;
	return r & handled;
}

static int add_rule(int rfd, const char *path, uint64_t rights, bool exact)
{
	struct ll_path_beneath pb;
	struct stat st;
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0; /* nothing there to grant */
	if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
		close(fd);
		return 0; /* a symlink: its target is granted by its own rule, or not at all */
	}
	if (!S_ISDIR(st.st_mode))
		rights &= LL_FILE_ONLY;
	else if (exact)
		rights &= LANDLOCK_ACCESS_FS_READ_DIR | (rights & ~LL_READ); /* list it, no more */
	pb.allowed_access = rights;
	pb.parent_fd = fd;
	if (rights && syscall(SYS_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	close(fd);
	return 0;
}

static int add_rules(int rfd, const struct policy *p, uint64_t handled, const char *under);

int landlock_build(const struct policy *p, int *abi_used)
{
	int abi = landlock_abi();
	struct ll_ruleset_attr attr = { 0 };
	size_t attr_size;
	bool abstract_allowed = false;
	int rfd, e;

	*abi_used = 0;
	if (abi <= 0 || p->def != POL_DENY)
		return -EOPNOTSUPP;
	attr.handled_access_fs = handled_fs(abi);
	attr_size = abi >= 6 ? sizeof(attr) : abi >= 4 ? 16 : 8;
	for (size_t i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];
		if (r->kind == RULE_NET && r->action == POL_ALLOW && r->net.addr.type == POL_NET_ABSTRACT)
			abstract_allowed = true;
	}
	if (abi >= 6)
		attr.scoped = LL_SCOPE_SIGNAL | (abstract_allowed ? 0 : LL_SCOPE_ABSTRACT_UNIX_SOCKET);
	rfd = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
	if (rfd < 0)
		return -errno;
	e = add_rules(rfd, p, attr.handled_access_fs, NULL);
	if (e < 0) {
		close(rfd);
		return e;
	}
	*abi_used = abi;
	return rfd;
}

/* Is `path` the directory `dir` or beneath it? */
static bool beneath(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Grant what each allow rule asks (those anchored beneath `under` only, when not NULL). */
static int add_rules(int rfd, const struct policy *p, uint64_t handled, const char *under)
{
	for (size_t i = 0; i < p->nrules; i++) {
		const struct pol_rule *r = &p->rules[i];
		char path[4096];
		bool exact;
		int e;

		if (r->kind != RULE_PATH || r->action != POL_ALLOW)
			continue;
		if (anchor(r->path.glob, path, sizeof(path), &exact) < 0)
			continue;
		if (under && !beneath(path, under))
			continue;
		e = add_rule(rfd, path, rights_of(r->path.access, handled), exact);
		if (e < 0)
			return e;
	}
	return 0;
}

int landlock_regrant(int ruleset_fd, const struct policy *p, const char *mountpoint)
{
	/* Landlock skips the directories a mount hides: rules that hung on the old mount
	 * reach nothing in the new one until granted again on it */
	return add_rules(ruleset_fd, p, handled_fs(landlock_abi()), mountpoint);
}

int landlock_enforce(int ruleset_fd)
{
	if (syscall(SYS_landlock_restrict_self, ruleset_fd, 0) < 0)
		return -errno;
	return 0;
}

int backstop_write_anchors(const struct policy *p, char (*out)[4096], int max)
{
	int n = 0;

	for (size_t i = 0; i < p->nrules && n < max; i++) {
		const struct pol_rule *r = &p->rules[i];
		bool exact;

		if (r->kind != RULE_PATH || r->action != POL_ALLOW || !(r->path.access & POL_WRITE))
			continue;
		if (anchor(r->path.glob, out[n], sizeof(out[n]), &exact) == 0)
			n++;
	}
	return n;
}
