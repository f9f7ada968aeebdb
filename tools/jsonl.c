/* jsonl: strict one-line JSON parser and bounded line reader (see jsonl.h). */
#include "tools/jsonl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)

int jsonl_init(struct jsonl *p, size_t max_line, unsigned max_depth, uint32_t max_values)
{
	memset(p, 0, sizeof(*p));
	if (!max_line || !max_depth || !max_values)
		return -EINVAL;
	p->max_line = max_line;
	p->max_depth = max_depth;
	p->max_values = max_values;
	return 0;
}

void jsonl_free(struct jsonl *p)
{
	free(p->val);
	free(p->text);
	p->val = NULL;
	p->text = NULL;
	p->nval = p->cap_val = 0;
	p->text_len = p->cap_text = 0;
}

const char *jsonl_error(const struct jsonl *p)
{
	return p->err ? p->err : "no error";
}

static int fail(struct jsonl *p, int err, const char *msg)
{
	p->err = msg;
	p->err_off = p->pos;
	return err;
}

static void skip_ws(struct jsonl *p)
{
	while (p->pos < p->len) {
		char c = p->in[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

/* Append a value of type t; its index in *idx.  0, -E2BIG or -ENOMEM. */
static int new_val(struct jsonl *p, uint8_t t, uint32_t *idx)
{
	if (p->nval >= p->max_values)
		return fail(p, -E2BIG, "too many values in one line");
	if (p->nval == p->cap_val) {
		uint32_t cap = p->cap_val ? p->cap_val * 2 : 64;
		struct jv *v;

		if (cap > p->max_values || cap < p->cap_val)
			cap = p->max_values;
		v = realloc(p->val, sizeof(*v) * cap);
		if (!v)
			return fail(p, -ENOMEM, "out of memory");
		p->val = v;
		p->cap_val = cap;
	}
	*idx = p->nval++;
	p->val[*idx] = (struct jv){.type = t, .end = p->nval};
	return 0;
}

/* Room for n more bytes of decoded text (never fails for well-sized buffers). */
static char *text_reserve(struct jsonl *p, size_t n)
{
	if (p->text_len + n > p->cap_text)
		return NULL;
	return p->text + p->text_len;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
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

static size_t utf8_put(char *out, unsigned cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The four hex digits of a \u escape at p->pos.  0 or -EINVAL. */
static int hex4(struct jsonl *p, unsigned *out)
{
	unsigned v = 0;

	if (p->len - p->pos < 4)
		return fail(p, -EINVAL, "truncated \\u escape");
	for (int i = 0; i < 4; i++) {
		char c = p->in[p->pos + i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return fail(p, -EINVAL, "bad hex digit in \\u escape");
	}
	p->pos += 4;
	*out = v;
	return 0;
}

/* \uXXXX (p->pos after the 'u'), a surrogate pair as one code point. */
static int unicode_escape(struct jsonl *p, unsigned *cp)
{
	unsigned lo;
	int r = hex4(p, cp);

	if (r < 0)
		return r;
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return fail(p, -EINVAL, "lone low surrogate");
	if (*cp < 0xd800 || *cp > 0xdbff)
		return 0;
	if (p->len - p->pos < 2 || p->in[p->pos] != '\\' || p->in[p->pos + 1] != 'u')
		return fail(p, -EINVAL, "high surrogate without a low surrogate");
	p->pos += 2;
	r = hex4(p, &lo);
	if (r < 0)
		return r;
	if (lo < 0xdc00 || lo > 0xdfff)
		return fail(p, -EINVAL, "high surrogate without a low surrogate");
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return 0;
}

/* Bytes a string may hold as they are: printable ASCII other than '"' and '\\'. */
static const bool plain_byte[256] = {
    [' '] = true,
    ['!'] = true,
    ['#' ... '['] = true,
    [']' ... '~'] = true,
};

/* string = '"' { char | escape } '"' ; p->pos at the opening quote. */
static int parse_string(struct jsonl *p)
{
	uint32_t idx;
	char *out;
	size_t n = 0;
	int r = new_val(p, JV_STRING, &idx);

	if (r < 0)
		return r;
	/* decoded text is never longer than its source, quotes included */
	out = text_reserve(p, p->len - p->pos + 1);
	if (!out)
		return fail(p, -E2BIG, "text buffer exhausted");
	p->pos++;
	for (;;) {
		size_t run = p->pos;
		unsigned char c;

		while (run < p->len && plain_byte[(unsigned char)p->in[run]])
			run++;
		memcpy(out + n, p->in + p->pos, run - p->pos);
		n += run - p->pos;
		p->pos = run;
		if (p->pos >= p->len)
			return fail(p, -EINVAL, "unterminated string");
		c = (unsigned char)p->in[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return fail(p, -EINVAL, "control character in string");
		if (c >= 0x80) {
			size_t l = utf8_len((const unsigned char *)p->in + p->pos, p->len - p->pos);

			if (!l)
				return fail(p, -EINVAL, "invalid UTF-8 in string");
			memcpy(out + n, p->in + p->pos, l);
			n += l;
			p->pos += l;
			continue;
		}
		p->pos++;
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		if (p->pos >= p->len)
			return fail(p, -EINVAL, "unterminated string");
		c = (unsigned char)p->in[p->pos++];
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out[n++] = (char)c;
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u': {
			unsigned cp;

			r = unicode_escape(p, &cp);
			if (r < 0)
				return r;
			n += utf8_put(out + n, cp);
			break;
		}
		default:
			p->pos--;
			return fail(p, -EINVAL, "unknown escape in string");
		}
	}
	out[n] = '\0';
	p->val[idx].s = out;
	p->val[idx].len = (uint32_t)n;
	p->text_len += n + 1;
	return 0;
}

static bool is_digit(const struct jsonl *p)
{
	return p->pos < p->len && p->in[p->pos] >= '0' && p->in[p->pos] <= '9';
}

/* number = [ '-' ] ( '0' | digit1-9 { digit } ) [ '.' digit { digit } ]
 *          [ ( 'e' | 'E' ) [ '+' | '-' ] digit { digit } ] */
static int parse_number(struct jsonl *p)
{
	size_t start = p->pos, n;
	uint32_t idx;
	char *out;
	int r = new_val(p, JV_NUMBER, &idx);

	if (r < 0)
		return r;
	if (p->in[p->pos] == '-')
		p->pos++;
	if (!is_digit(p))
		return fail(p, -EINVAL, "invalid number");
	if (p->in[p->pos] == '0')
		p->pos++;
	else
		while (is_digit(p))
			p->pos++;
	if (p->pos < p->len && p->in[p->pos] == '.') {
		p->pos++;
		if (!is_digit(p))
			return fail(p, -EINVAL, "invalid number: no digit after '.'");
		while (is_digit(p))
			p->pos++;
	}
	if (p->pos < p->len && (p->in[p->pos] == 'e' || p->in[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->in[p->pos] == '+' || p->in[p->pos] == '-'))
			p->pos++;
		if (!is_digit(p))
			return fail(p, -EINVAL, "invalid number: no digit in exponent");
		while (is_digit(p))
			p->pos++;
	}
	n = p->pos - start;
	out = text_reserve(p, n + 1);
	if (!out)
		return fail(p, -E2BIG, "text buffer exhausted");
	memcpy(out, p->in + start, n);
	out[n] = '\0';
	p->val[idx].s = out;
	p->val[idx].len = (uint32_t)n;
	p->text_len += n + 1;
	return 0;
}

static int parse_literal(struct jsonl *p, const char *word, uint8_t t)
{
	size_t n = strlen(word);
	uint32_t idx;

	if (p->len - p->pos < n || memcmp(p->in + p->pos, word, n) != 0)
		return fail(p, -EINVAL, "unexpected character");
	p->pos += n;
	return new_val(p, t, &idx);
}

static int parse_value(struct jsonl *p, unsigned depth);

/* object = '{' [ string ':' value { ',' string ':' value } ] '}'
 * array  = '[' [ value { ',' value } ] ']' */
static int parse_container(struct jsonl *p, unsigned depth, bool object)
{
	char close = object ? '}' : ']';
	uint32_t idx, count = 0;
	int r;

	if (depth >= p->max_depth)
		return fail(p, -E2BIG, "nesting too deep");
	r = new_val(p, object ? JV_OBJECT : JV_ARRAY, &idx);
	if (r < 0)
		return r;
	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->in[p->pos] == close) {
		p->pos++;
		p->val[idx].end = p->nval;
		return 0;
	}
	for (;;) {
		skip_ws(p);
		if (object) {
			if (p->pos >= p->len || p->in[p->pos] != '"')
				return fail(p, -EINVAL, "expected a string key");
			r = parse_string(p);
			if (r < 0)
				return r;
			skip_ws(p);
			if (p->pos >= p->len || p->in[p->pos] != ':')
				return fail(p, -EINVAL, "expected ':'");
			p->pos++;
		}
		r = parse_value(p, depth + 1);
		if (r < 0)
			return r;
		count++;
		skip_ws(p);
		if (p->pos < p->len && p->in[p->pos] == ',') {
			p->pos++;
			continue;
		}
		if (p->pos < p->len && p->in[p->pos] == close) {
			p->pos++;
			break;
		}
		return fail(p, -EINVAL, object ? "expected ',' or '}'" : "expected ',' or ']'");
	}
	p->val[idx].len = count;
	p->val[idx].end = p->nval;
	return 0;
}

/* value = object | array | string | number | "true" | "false" | "null" */
static int parse_value(struct jsonl *p, unsigned depth)
{
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, -EINVAL, "unexpected end of line");
	switch (p->in[p->pos]) {
	case '{':
		return parse_container(p, depth, true);
	case '[':
		return parse_container(p, depth, false);
	case '"':
		return parse_string(p);
	case 't':
		return parse_literal(p, "true", JV_TRUE);
	case 'f':
		return parse_literal(p, "false", JV_FALSE);
	case 'n':
		return parse_literal(p, "null", JV_NULL);
	default:
		if (p->in[p->pos] == '-' || (p->in[p->pos] >= '0' && p->in[p->pos] <= '9'))
			return parse_number(p);
		return fail(p, -EINVAL, "unexpected character");
	}
}

int jsonl_parse(struct jsonl *p, const char *line, size_t len, const struct jv **root)
{
	int r;

	*root = NULL;
	p->in = line;
	p->len = len;
	p->pos = 0;
	p->nval = 0;
	p->text_len = 0;
	p->err = NULL;
	p->err_off = 0;
	if (len > p->max_line)
		return fail(p, -E2BIG, "line too long");
	/* every string or number needs at most its own length + 1: the line + 1 is enough */
	if (p->cap_text < len + 16) {
		char *t = realloc(p->text, len + 16);

		if (!t)
			return fail(p, -ENOMEM, "out of memory");
		p->text = t;
		p->cap_text = len + 16;
	}
	skip_ws(p);
	if (p->pos == len)
		return fail(p, -ENODATA, "empty line");
	r = parse_value(p, 0);
	if (r < 0)
		return r;
	skip_ws(p);
	if (p->pos != len)
		return fail(p, -EINVAL, "trailing characters after the value");
	*root = &p->val[0];
	return 0;
}

const struct jv *jv_first(const struct jv *c)
{
	if (!c || (c->type != JV_ARRAY && c->type != JV_OBJECT) || !c->len)
		return NULL;
	return c + 1;
}

const struct jv *jv_after(const struct jsonl *p, const struct jv *c, const struct jv *v)
{
	if (!v || v->end >= c->end)
		return NULL;
	return &p->val[v->end];
}

const struct jv *jv_member(const struct jsonl *p, const struct jv *obj, const char *key)
{
	const struct jv *found = NULL;

	if (!obj || obj->type != JV_OBJECT)
		return NULL;
	for (const struct jv *k = jv_first(obj); k; k = jv_after(p, obj, k + 1))
		if (jv_is(k, key))
			found = k + 1;
	return found;
}

bool jv_is(const struct jv *v, const char *lit)
{
	size_t n = strlen(lit);

	return v && v->type == JV_STRING && v->len == n && memcmp(v->s, lit, n) == 0;
}

int jv_int(const struct jv *v, long long *out)
{
	long long x;
	char *end;

	if (!v || v->type != JV_NUMBER || strpbrk(v->s, ".eE"))
		return -EINVAL;
	errno = 0;
	x = strtoll(v->s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end)
		return -EINVAL;
	*out = x;
	return 0;
}

int jv_double(const struct jv *v, double *out)
{
	double x;
	char *end;

	if (!v || v->type != JV_NUMBER)
		return -EINVAL;
	errno = 0;
	x = strtod(v->s, &end);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE && isinf(x))
		return -ERANGE;
	*out = x; /* an underflow is the nearest double, 0 or subnormal */
	return 0;
}

int jsonl_reader_init(struct jsonl_reader *r, int fd, size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->max_line = max_line;
	r->cap = max_line + 1 + READ_CHUNK;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

void jsonl_reader_free(struct jsonl_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

int jsonl_read(struct jsonl_reader *r, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		ssize_t got;

		if (nl) {
			size_t start = r->start, n = (size_t)(nl - (r->buf + start));

			r->start = r->scan = (size_t)(nl - r->buf) + 1;
			if (r->skipping) {
				r->skipping = false;
				continue;
			}
			r->lineno++;
			if (n > r->max_line)
				return -E2BIG;
			*line = r->buf + start;
			*len = n;
			return 1;
		}
		r->scan = r->end;
		if (r->skipping) {
			r->start = r->scan = r->end = 0;
		} else if (r->end - r->start > r->max_line) {
			/* no newline in max_line + 1 bytes: report now, drop the rest as it comes
			 */
			r->skipping = true;
			r->start = r->scan = r->end = 0;
			r->lineno++;
			return -E2BIG;
		}
		if (r->eof) {
			if (r->end == r->start)
				return 0;
			*line = r->buf + r->start;
			*len = r->end - r->start;
			r->start = r->scan = r->end;
			r->lineno++;
			return 1;
		}
		if (r->start && r->cap - r->end < READ_CHUNK) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->scan = r->end;
			r->start = 0;
		}
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
}

bool jv_word_in(const struct jv *v, const char *word, char sep)
{
	size_t n = strlen(word);

	if (!v || v->type != JV_STRING)
		return false;
	for (const char *s = v->s, *end = v->s + v->len; s < end;) {
		const char *e = memchr(s, sep, (size_t)(end - s));
		size_t len = (size_t)((e ? e : end) - s);
		if (len == n && memcmp(s, word, n) == 0)
			return true;
		s += len + 1;
	}
	return false;
}
