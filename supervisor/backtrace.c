/*
 * backtrace: the tracee's call stack at a syscall stop, through libunwind's ptrace support.
 * Bounded (BT_MAX_FRAMES); symbols come from the tracee's ELF files as libunwind finds them.
 */
#include <libunwind-ptrace.h>
#include <stdio.h>
#include <string.h>

#include "supervisor/judge.h"

#define BT_MAX_FRAMES 32

static unw_addr_space_t addr_space;

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
	unsigned nmods = read_modules(tid, mods);

	jb_arr_begin(jb);
	if (!addr_space) {
		addr_space = unw_create_addr_space(&_UPT_accessors, 0);
		if (!addr_space)
			goto out;
		/* the tracee's mappings change under us (exec, dlopen): no caching */
		unw_set_caching_policy(addr_space, UNW_CACHE_NONE);
	}
	upt = _UPT_create(tid);
	if (!upt)
		goto out;
	if (unw_init_remote(&cursor, addr_space, upt) == 0) {
		do {
			unw_word_t ip = 0, off = 0;
			char sym[256], hex[32];

			if (unw_get_reg(&cursor, UNW_REG_IP, &ip) < 0 || ip == 0)
				break;
			jb_obj_begin(jb);
			snprintf(hex, sizeof(hex), "0x%llx", (unsigned long long)ip);
			jb_kstr(jb, "ip", hex);
			if (unw_get_proc_name(&cursor, sym, sizeof(sym), &off) == 0) {
				jb_kstr(jb, "symbol", sym);
				jb_kint(jb, "offset", (long long)off);
			} else {
				jb_key(jb, "symbol"), jb_null(jb);
				jb_key(jb, "offset"), jb_null(jb);
			}
			jb_kstr(jb, "module", module_of(mods, nmods, (unsigned long)ip));
			jb_obj_end(jb);
		} while (++frames < BT_MAX_FRAMES && unw_step(&cursor) > 0);
	}
	_UPT_destroy(upt);
out:
	jb_arr_end(jb);
}
