/* json: bounded JSON writer (see json.h for the string rules). */
#include "supervisor/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor/util.h"

void jb_init(struct jbuf *jb, size_t limit)
{
	memset(jb, 0, sizeof(*jb));
	jb->limit = limit;
	jb->first[0] = true;
}

void jb_free(struct jbuf *jb)
{
	free(jb->buf);
	jb->buf = NULL;
	jb->len = jb->cap = 0;
}

void jb_reset(struct jbuf *jb)
{
	size_t limit = jb->limit;
	char *buf = jb->buf;
	size_t cap = jb->cap;

	jb_init(jb, limit);
	jb->buf = buf;
	jb->cap = cap;
	if (buf)
		buf[0] = '\0';
}

static void put(struct jbuf *jb, const char *s, size_t n)
{
	if (jb->off)
		return;
	if (jb->len + n + 1 > jb->cap) {
		size_t cap = jb->cap ? jb->cap : 256;
		while (jb->len + n + 1 > cap)
			cap *= 2;
		jb->buf = xrealloc(jb->buf, cap);
		jb->cap = cap;
	}
	memcpy(jb->buf + jb->len, s, n);
	jb->len += n;
	jb->buf[jb->len] = '\0';
}

static void putc_(struct jbuf *jb, char c)
{
	put(jb, &c, 1);
}

/* Separator before a value or key at the current depth. */
static void sep(struct jbuf *jb)
{
	if (jb->after_key) {
		jb->after_key = false;
		return;
	}
	if (!jb->first[jb->depth])
		putc_(jb, ',');
	jb->first[jb->depth] = false;
}

static void open_(struct jbuf *jb, char c)
{
	sep(jb);
	putc_(jb, c);
	if (jb->depth + 1 < JB_MAX_DEPTH)
		jb->depth++;
	jb->first[jb->depth] = true;
}

static void close_(struct jbuf *jb, char c)
{
	putc_(jb, c);
	if (jb->depth > 0)
		jb->depth--;
}

void jb_obj_begin(struct jbuf *jb) { open_(jb, '{'); }
void jb_obj_end(struct jbuf *jb) { close_(jb, '}'); }
void jb_arr_begin(struct jbuf *jb) { open_(jb, '['); }
void jb_arr_end(struct jbuf *jb) { close_(jb, ']'); }

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

void jb_strn(struct jbuf *jb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool valid = !jb->off && utf8_valid(s, n);
	size_t i = 0;
	char tmp[16];

	if (jb->off)
		return;
	sep(jb);
	putc_(jb, '"');
	while (i < n) {
		size_t l = utf8_seq(p + i, n - i);
		unsigned c = p[i];

		if (jb->limit && jb->len + 16 > jb->limit) {
			jb->truncated = true;
			break;
		}
		if (!l) {
			/* invalid byte: the four characters \xNN (the backslash escaped for JSON) */
			snprintf(tmp, sizeof(tmp), "\\\\x%02x", c);
			put(jb, tmp, strlen(tmp));
			i++;
			continue;
		}
		if (l > 1) {
			put(jb, s + i, l);
			i += l;
			continue;
		}
		switch (c) {
		case '"': put(jb, "\\\"", 2); break;
		case '\\':
			if (valid)
				put(jb, "\\\\", 2);
			else
				put(jb, "\\\\\\\\", 4); /* doubled in a string that carries \xNN */
			break;
		case '\n': put(jb, "\\n", 2); break;
		case '\t': put(jb, "\\t", 2); break;
		case '\r': put(jb, "\\r", 2); break;
		case '\b': put(jb, "\\b", 2); break;
		case '\f': put(jb, "\\f", 2); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(tmp, sizeof(tmp), "\\u%04x", c);
				put(jb, tmp, 6);
			} else {
				putc_(jb, (char)c);
			}
		}
		i++;
	}
	putc_(jb, '"');
}

void jb_str(struct jbuf *jb, const char *s)
{
	if (!s) {
		jb_null(jb);
		return;
	}
	jb_strn(jb, s, strlen(s));
}

void jb_key(struct jbuf *jb, const char *key)
{
	jb_str(jb, key);
	putc_(jb, ':');
	jb->after_key = true;
}

void jb_int(struct jbuf *jb, long long v)
{
	char tmp[32];
	sep(jb);
	put(jb, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%lld", v));
}

void jb_uint(struct jbuf *jb, unsigned long long v)
{
	char tmp[32];
	sep(jb);
	put(jb, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%llu", v));
}

void jb_double(struct jbuf *jb, double v, int decimals)
{
	char tmp[64];
	if (!isfinite(v)) {
		jb_null(jb);
		return;
	}
	sep(jb);
	put(jb, tmp, (size_t)snprintf(tmp, sizeof(tmp), "%.*f", decimals, v));
}

void jb_bool(struct jbuf *jb, bool v)
{
	sep(jb);
	put(jb, v ? "true" : "false", v ? 4 : 5);
}

void jb_null(struct jbuf *jb)
{
	sep(jb);
	put(jb, "null", 4);
}

void jb_append(struct jbuf *jb, const char *s, size_t n)
{
	put(jb, s, n);
}

void jb_raw(struct jbuf *jb, const char *json)
{
	sep(jb);
	put(jb, json, strlen(json));
}

void jb_kstr(struct jbuf *jb, const char *key, const char *s)
{
	jb_key(jb, key);
	jb_str(jb, s);
}

void jb_kint(struct jbuf *jb, const char *key, long long v)
{
	jb_key(jb, key);
	jb_int(jb, v);
}

void jb_kbool(struct jbuf *jb, const char *key, bool v)
{
	jb_key(jb, key);
	jb_bool(jb, v);
}

void jb_kdouble(struct jbuf *jb, const char *key, double v, int decimals)
{
	jb_key(jb, key);
	jb_double(jb, v, decimals);
}
