/*
 * backtrace: the tracee's call stack at a syscall stop, through libunwind's ptrace support.
 * Bounded (BT_MAX_FRAMES); symbols come from the tracee's ELF files as libunwind finds them.
 *
 * libunwind is loaded (dlopen) the first time a run asks for a backtrace: every start of
 * sysward (each `run`, each `submit` client) would otherwise map its three libraries, and
 * most runs never unwind.  Without it the frames list is empty and one warning says why.
 */
#include <dlfcn.h>
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/judge.h"
#include "supervisor/util.h"

#define BT_MAX_FRAMES 32
#if defined(__x86_64__)
#define UNW_ARCH_LIB "libunwind-x86_64.so.8"
#elif defined(__aarch64__)
#define UNW_ARCH_LIB "libunwind-aarch64.so.8"
#else
#define UNW_ARCH_LIB "libunwind.so.8"
#endif
#define XSTR(x) #x
#define SYM(x) XSTR(x) /* the name unw_* stands for in this architecture's library */

static unw_addr_space_t addr_space;

static struct {
	int loaded; /* 0 not tried, 1 ready, -1 unavailable */
	unw_accessors_t *accessors;
	void *(*upt_create)(pid_t);
	void (*upt_destroy)(void *);
	unw_addr_space_t (*create_addr_space)(unw_accessors_t *, int);
	int (*set_caching_policy)(unw_addr_space_t, unw_caching_policy_t);
	int (*init_remote)(unw_cursor_t *, unw_addr_space_t, void *);
	int (*get_reg)(unw_cursor_t *, int, unw_word_t *);
	int (*get_proc_name)(unw_cursor_t *, char *, size_t, unw_word_t *);
	int (*step)(unw_cursor_t *);
} unw;

static bool unw_load(void)
{
	void *arch, *upt;

	if (unw.loaded)
		return unw.loaded > 0;
	unw.loaded = -1;
	/* libunwind-ptrace uses the architecture's library without naming it: that one first,
	 * global */
	arch = dlopen(UNW_ARCH_LIB, RTLD_NOW | RTLD_GLOBAL);
	upt = arch ? dlopen("libunwind-ptrace.so.0", RTLD_NOW | RTLD_LOCAL) : NULL;
	if (!upt) {
		warnx_("backtraces are not available: %s", dlerror());
		return false;
	}
	*(void **)&unw.accessors = dlsym(upt, "_UPT_accessors");
	*(void **)&unw.upt_create = dlsym(upt, "_UPT_create");
	*(void **)&unw.upt_destroy = dlsym(upt, "_UPT_destroy");
	*(void **)&unw.create_addr_space = dlsym(arch, SYM(unw_create_addr_space));
	*(void **)&unw.set_caching_policy = dlsym(arch, SYM(unw_set_caching_policy));
	*(void **)&unw.init_remote = dlsym(arch, SYM(unw_init_remote));
	*(void **)&unw.get_reg = dlsym(arch, SYM(unw_get_reg));
	*(void **)&unw.get_proc_name = dlsym(arch, SYM(unw_get_proc_name));
	*(void **)&unw.step = dlsym(arch, SYM(unw_step));
	if (!unw.accessors || !unw.upt_create || !unw.upt_destroy || !unw.create_addr_space ||
	    !unw.set_caching_policy || !unw.init_remote || !unw.get_reg || !unw.get_proc_name ||
	    !unw.step) {
		warnx_("backtraces are not available: libunwind-ptrace.so.0 lacks a function");
		return false;
	}
	unw.loaded = 1;
	return true;
}

/* The file mappings of a task, to name the module of each frame. */
struct module_map {
	unsigned long lo, hi;
	char path[160];
};
#define MAX_MODULES 256

static unsigned read_modules(pid_t tid, struct module_map *m)
{
	char p[64], line[512];
	unsigned n = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/maps", (int)tid);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (n < MAX_MODULES && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path || sscanf(line, "%lx-%lx", &m[n].lo, &m[n].hi) != 2)
			continue;
		path[strcspn(path, "\n")] = '\0';
		snprintf(m[n].path, sizeof(m[n].path), "%s", path);
		n++;
	}
	fclose(f);
	return n;
}

static const char *module_of(const struct module_map *m, unsigned n, unsigned long ip)
{
	for (unsigned i = 0; i < n; i++)
		if (ip >= m[i].lo && ip < m[i].hi)
			return m[i].path;
	return NULL;
}

void backtrace_json(pid_t tid, struct jbuf *jb)
{
	unw_cursor_t cursor;
	void *upt;
	int frames = 0;
	static struct module_map mods[MAX_MODULES];
	unsigned nmods;

	jb_arr_begin(jb);
	if (!unw_load())
		goto out;
	nmods = read_modules(tid, mods);
	if (!addr_space) {
		addr_space = unw.create_addr_space(unw.accessors, 0);
		if (!addr_space)
			goto out;
		/* the tracee's mappings change under us (exec, dlopen): no caching */
		unw.set_caching_policy(addr_space, UNW_CACHE_NONE);
	}
	upt = unw.upt_create(tid);
	if (!upt)
		goto out;
	if (unw.init_remote(&cursor, addr_space, upt) == 0) {
		do {
			unw_word_t ip = 0, off = 0;
			char sym[256], hex[32];

			if (unw.get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
				break;
			jb_obj_begin(jb);
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)ip);
			jb_kstr(jb, "ip", hex);
			if (unw.get_proc_name(&cursor, sym, sizeof(sym), &off) == 0) {
				jb_kstr(jb, "symbol", sym);
				jb_kint(jb, "offset", (long long)off);
			} else {
				jb_key(jb, "symbol"), jb_null(jb);
				jb_key(jb, "offset"), jb_null(jb);
			}
			jb_kstr(jb, "module", module_of(mods, nmods, (unsigned long)ip));
			jb_obj_end(jb);
		} while (++frames < BT_MAX_FRAMES && unw.step(&cursor) > 0);
	}
	unw.upt_destroy(upt);
out:
	jb_arr_end(jb);
}
