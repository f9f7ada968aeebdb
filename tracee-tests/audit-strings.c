/*
 * audit-strings: file names and argv strings that are hard to write into JSON Lines
 * (INTERFACE, audit trail: valid UTF-8 kept exactly, control characters escaped as JSON
 * requires; in a string that is not valid UTF-8 each invalid byte is written as the four
 * characters \xNN and a literal backslash is doubled).
 *
 * Stage 1 creates each name in NAMES with a raw openat(O_CREAT) and stats it with a raw
 * newfstatat, checking both work; writes the names, hex encoded, one per line, to
 * names.hex, and the argv it passes on to argv.hex; then re-executes itself with
 * "--stage2" and some of the names as arguments.
 * Stage 2 checks that its argv arrived byte for byte.
 * checks/audit_strings.py compares the trail with the names.
 */
#include "tt.h"

#include <limits.h>
#include <sys/stat.h>

static const char *const NAMES[] = {
	"nl\nname",                 /* control characters: JSON escapes */
	"tab\tname",
	"ctl\x01\x1f\x7f",
	"quote\"name",              /* a double quote */
	"back\\slash",              /* valid UTF-8: the backslash is kept, not doubled */
	"utf8-\xc3\xa9",            /* é */
	"\xe6\x97\xa5\xe6\x9c\xac", /* 日本 */
	"bad\xff" "byte",           /* invalid byte 0xff */
	"lone\xc3",                 /* a lead byte alone at the end */
	"\xc3(",                    /* a lead byte before ASCII */
	"bs\\\xff",                 /* invalid string with a backslash: doubled */
	"lit\\xff-\xfe",            /* the text \xff and a real invalid byte 0xfe */
	"\xc3\xa9\xff",             /* valid é kept, invalid 0xff escaped */
	"trunc\xe6\x97-x",          /* truncated sequence */
	"surr\xed\xa0\x80",         /* UTF-16 surrogate: not valid UTF-8 */
	"overlong\xc0\xaf",         /* overlong '/' */
};
#define N_NAMES (sizeof NAMES / sizeof NAMES[0])
static const int ARGV_NAMES[] = {0, 3, 6, 7, 10, 11};
#define N_ARGV (sizeof ARGV_NAMES / sizeof ARGV_NAMES[0])

static void record_hex(const char *file, const char *s)
{
	char hex[256 * 2 + 1];
	size_t n = strlen(s);
	TT_CHECK(n < 256, "name too long");
	for (size_t i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", (unsigned char)s[i]);
	hex[2 * n] = 0;
	tt_record(file, "%s", hex);
}

static int stage2(int argc, char **argv)
{
	TT_CHECK(argc == (int)N_ARGV + 2, "stage 2: argc %d, want %d", argc, (int)N_ARGV + 2);
	for (size_t i = 0; i < N_ARGV; i++)
		TT_CHECK(strcmp(argv[2 + i], NAMES[ARGV_NAMES[i]]) == 0,
			 "stage 2: argv[%zu] differs from name %d", 2 + i, ARGV_NAMES[i]);
	return TT_PASS;
}

int main(int argc, char **argv)
{
	tt_init(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "--stage2") == 0)
		return stage2(argc, argv);

	for (size_t i = 0; i < N_NAMES; i++) {
		const char *name = NAMES[i];
		long fd = syscall(SYS_openat, AT_FDCWD, name, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC,
				  0600);
		TT_CHECK(fd >= 0, "openat name %zu: %s", i, strerror(errno));
		TT_CHECK(write((int)fd, name, strlen(name)) == (ssize_t)strlen(name), "write");
		close((int)fd);
		struct stat st;
		TT_CHECK(syscall(SYS_newfstatat, AT_FDCWD, name, &st, 0) == 0,
			 "newfstatat name %zu: %s", i, strerror(errno));
		TT_CHECK(S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(name),
			 "name %zu: wrong file", i);
		record_hex("names.hex", name);
	}

	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	TT_CHECK(n > 0 && n < (ssize_t)sizeof exe - 1, "readlink /proc/self/exe");
	exe[n] = 0;
	char *xargv[N_ARGV + 3];
	xargv[0] = "audit-strings";
	xargv[1] = "--stage2";
	for (size_t i = 0; i < N_ARGV; i++) {
		xargv[2 + i] = (char *)NAMES[ARGV_NAMES[i]];
		record_hex("argv.hex", NAMES[ARGV_NAMES[i]]);
	}
	xargv[N_ARGV + 2] = NULL;
	execv(exe, xargv);
	tt_fail("execv %s: %s", exe, strerror(errno));
}
