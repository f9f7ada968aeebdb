/*
 * json: a bounded JSON writer for audit lines and the result record.
 *
 * Strings follow INTERFACE.md: valid UTF-8 is kept exactly (control characters escaped as
 * JSON requires); in a string that is not valid UTF-8 each invalid byte becomes the four
 * characters \xNN and a literal backslash is doubled.  A writer has a size limit: past it,
 * strings are cut (at a character boundary) and jb->truncated is set, so a record stays
 * bounded whatever the tracee hands us.
 */
#ifndef SYSWARD_JSON_H
#define SYSWARD_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JB_MAX_DEPTH 16

struct jbuf {
	char *buf;
	size_t len, cap;
	size_t limit;     /* soft limit on len; strings are cut to stay below it */
	bool truncated;   /* something was cut */
	int depth;
	bool first[JB_MAX_DEPTH]; /* no element written yet at this depth */
	bool after_key;
	bool off;         /* write nothing (no trail: the record is never used) */
};

void jb_init(struct jbuf *jb, size_t limit);
void jb_free(struct jbuf *jb);
void jb_reset(struct jbuf *jb);

void jb_obj_begin(struct jbuf *jb);
void jb_obj_end(struct jbuf *jb);
void jb_arr_begin(struct jbuf *jb);
void jb_arr_end(struct jbuf *jb);
void jb_key(struct jbuf *jb, const char *key);

void jb_str(struct jbuf *jb, const char *s);
void jb_strn(struct jbuf *jb, const char *s, size_t n);
void jb_int(struct jbuf *jb, long long v);
void jb_uint(struct jbuf *jb, unsigned long long v);
void jb_double(struct jbuf *jb, double v, int decimals);
void jb_bool(struct jbuf *jb, bool v);
void jb_null(struct jbuf *jb);
/* Append bytes verbatim, outside the value structure (e.g. the line's newline). */
void jb_append(struct jbuf *jb, const char *s, size_t n);
/* Append raw, already valid JSON text as one value. */
void jb_raw(struct jbuf *jb, const char *json);

/* key + value shorthands */
void jb_kstr(struct jbuf *jb, const char *key, const char *s);
void jb_kint(struct jbuf *jb, const char *key, long long v);
void jb_kbool(struct jbuf *jb, const char *key, bool v);
void jb_kdouble(struct jbuf *jb, const char *key, double v, int decimals);

/* Is s[0..n) valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF)? */
bool utf8_valid(const char *s, size_t n);

#endif
