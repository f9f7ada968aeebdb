/*
 * glob: compile policy patterns into elements and match them against resolved paths.
 *
 * A compiled glob is a list of components (path mode) or a single one (name mode); each
 * component is a list of elements (literal byte, any byte, star, byte class).  Matching uses
 * the linear "remember the last star" algorithm twice: over the bytes of a component, with
 * `*` as the star, and over the components of a path, with `**` as the star.  Both are
 * correct because every other element matches exactly one unit; worst case O(pattern x
 * subject), no recursion, no allocation.
 */
#include "policy/glob.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "supervisor/util.h"

enum el_op { EL_LIT, EL_ANY, EL_STAR, EL_CLASS };

struct glob_el {
	uint8_t op;   /* enum el_op */
	uint8_t c;    /* EL_LIT: the byte */
	uint32_t cls; /* EL_CLASS: index into pol_glob.cls */
};

struct glob_comp {
	size_t first, n; /* elements el[first .. first+n) */
	bool dstar;      /* a whole-component `**` */
};

struct pol_glob {
	enum pol_glob_mode mode;
	enum pol_glob_shape shape;
	struct glob_comp *comp;
	size_t ncomp;
	struct glob_el *el;
	size_t nel;
	uint8_t (*cls)[32]; /* 256-bit byte sets */
	size_t ncls;
	char *text;   /* canonical pattern text */
	char *lit;    /* LITERAL: the decoded path/name; PREFIX: the decoded directory */
	size_t litlen;
};

static const char hexdig[] = "0123456789abcdef";


static bool is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

/* Decode one literal byte at *pp (plain, `\c` or `\xNN`) and advance past it. */
static int decode_byte(const char **pp, const char *end, uint8_t *out, const char **why)
{
	const char *p = *pp;

	if (*p != '\\') {
		*out = (uint8_t)*p;
		*pp = p + 1;
		return 0;
	}
	p++;
	if (p >= end) {
		*why = "trailing backslash";
		return -EINVAL;
	}
	if (*p == 'x') {
		if (end - p < 3 || hex_digit(p[1]) < 0 || hex_digit(p[2]) < 0) {
			*why = "bad \\x escape (two hex digits expected)";
			return -EINVAL;
		}
		*out = (uint8_t)(hex_digit(p[1]) << 4 | hex_digit(p[2]));
		*pp = p + 3;
		return 0;
	}
	*out = (uint8_t)*p;
	*pp = p + 1;
	return 0;
}

static void set_range(uint8_t *set, unsigned lo, unsigned hi)
{
	unsigned c;

	for (c = lo; c <= hi; c++)
		set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

/* A byte class after its `[`: `[!...]`/`[^...]` negate, `]` first is literal, `a-z` ranges. */
static int compile_class(struct pol_glob *g, const char **pp, const char *end, const char **why)
{
	uint8_t *set = g->cls[g->ncls];
	const char *p = *pp;
	bool neg = false, first = true;
	uint8_t lo, hi;
	unsigned i;
	int r;

	memset(set, 0, 32);
	if (p < end && (*p == '!' || *p == '^')) {
		neg = true;
		p++;
	}
	for (;;) {
		if (p >= end) {
			*why = "unterminated [";
			return -EINVAL;
		}
		if (*p == ']' && !first) {
			p++;
			break;
		}
		first = false;
		r = decode_byte(&p, end, &lo, why);
		if (r < 0)
			return r;
		hi = lo;
		if (end - p >= 2 && p[0] == '-' && p[1] != ']') {
			p++;
			r = decode_byte(&p, end, &hi, why);
			if (r < 0)
				return r;
			if (hi < lo) {
				*why = "bad range in [...]";
				return -EINVAL;
			}
		}
		set_range(set, lo, hi);
	}
	if (neg)
		for (i = 0; i < 32; i++)
			set[i] = (uint8_t)~set[i];
	if (g->mode == POL_GLOB_PATH)
		set['/' >> 3] &= (uint8_t) ~(1u << ('/' & 7));
	g->el[g->nel++] = (struct glob_el){ .op = EL_CLASS, .cls = (uint32_t)g->ncls++ };
	*pp = p;
	return 0;
}

/* The elements of one component (path mode) or of the whole name (name mode). */
static int compile_elements(struct pol_glob *g, const char *s, const char *e, const char **why)
{
	const char *p = s;
	uint8_t c;
	int r;

	while (p < e) {
		if (*p == '*') {
			p++;
			/* the previous element is a star of this component: `**` */
			if (p - 1 > s && g->el[g->nel - 1].op == EL_STAR) {
				if (g->mode == POL_GLOB_PATH) {
					*why = "'**' must be a whole path component";
					return -EINVAL;
				}
				continue; /* name mode: `**` is `*` */
			}
			g->el[g->nel++] = (struct glob_el){ .op = EL_STAR };
		} else if (*p == '?') {
			p++;
			g->el[g->nel++] = (struct glob_el){ .op = EL_ANY };
		} else if (*p == '[') {
			p++;
			r = compile_class(g, &p, e, why);
			if (r < 0)
				return r;
		} else {
			r = decode_byte(&p, e, &c, why);
			if (r < 0)
				return r;
			if (g->mode == POL_GLOB_PATH && c == '/') {
				*why = "escaped '/' in a path pattern";
				return -EINVAL;
			}
			if (g->mode == POL_GLOB_PATH && c == '\0') {
				*why = "NUL byte in a path pattern";
				return -EINVAL;
			}
			g->el[g->nel++] = (struct glob_el){ .op = EL_LIT, .c = c };
		}
	}
	return 0;
}

/* Append raw[0..n) to the canonical text at *o, control bytes (escaped or not) as \xNN. */
static void text_append(char *text, size_t *o, const char *raw, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)raw[i];

		if (c == '\\' && i + 1 < n && is_ctl((uint8_t)raw[i + 1]))
			c = (uint8_t)raw[++i];
		if (is_ctl(c)) {
			text[(*o)++] = '\\';
			text[(*o)++] = 'x';
			text[(*o)++] = hexdig[c >> 4];
			text[(*o)++] = hexdig[c & 15];
		} else {
			text[(*o)++] = (char)c;
			if (c == '\\' && i + 1 < n)
				text[(*o)++] = raw[++i];
		}
	}
	text[*o] = '\0';
}

static bool comp_is_literal(const struct pol_glob *g, const struct glob_comp *c)
{
	size_t i;

	if (c->dstar)
		return false;
	for (i = 0; i < c->n; i++)
		if (g->el[c->first + i].op != EL_LIT)
			return false;
	return true;
}

static bool comp_is_dots(const struct pol_glob *g, const struct glob_comp *c, size_t dots)
{
	size_t i;

	if (!comp_is_literal(g, c) || c->n != dots)
		return false;
	for (i = 0; i < c->n; i++)
		if (g->el[c->first + i].c != '.')
			return false;
	return true;
}

/* Split a path pattern on unescaped `/`, compile each component, build the canonical text. */
static int compile_path(struct pol_glob *g, const char *pat, size_t len, const char **why)
{
	const char *p = pat, *end = pat + len, *s;
	size_t o = 0;
	int r;

	if (len == 0 || pat[0] != '/') {
		*why = "relative path (patterns must be absolute)";
		return -EINVAL;
	}
	while (p < end) {
		struct glob_comp *c = &g->comp[g->ncomp];

		while (p < end && *p == '/')
			p++;
		s = p;
		while (p < end && *p != '/')
			p += (*p == '\\' && p + 1 < end) ? 2 : 1;
		if (p == s)
			break;
		if (p - s == 2 && s[0] == '*' && s[1] == '*') {
			if (g->ncomp && g->comp[g->ncomp - 1].dstar)
				continue; /* `**` twice in a row is one `**` */
			*c = (struct glob_comp){ .first = g->nel, .dstar = true };
		} else {
			*c = (struct glob_comp){ .first = g->nel };
			r = compile_elements(g, s, p, why);
			if (r < 0)
				return r;
			c->n = g->nel - c->first;
			if (comp_is_dots(g, c, 1)) {
				g->nel = c->first;
				continue;
			}
			if (comp_is_dots(g, c, 2)) {
				*why = "'..' components are not allowed";
				return -EINVAL;
			}
		}
		g->ncomp++;
		g->text[o++] = '/';
		text_append(g->text, &o, s, (size_t)(p - s));
	}
	if (o == 0)
		g->text[o++] = '/';
	g->text[o] = '\0';
	return 0;
}

/* Classify, and decode the literal part for LITERAL and PREFIX globs. */
static int compute_shape(struct pol_glob *g)
{
	size_t i, j, nlit = g->ncomp, o = 0;

	g->shape = POL_GLOB_OTHER;
	if (g->mode == POL_GLOB_NAME) {
		if (g->ncomp && !comp_is_literal(g, &g->comp[0]))
			return 0;
		g->shape = POL_GLOB_LITERAL;
	} else {
		if (nlit && g->comp[nlit - 1].dstar)
			nlit--;
		for (i = 0; i < nlit; i++)
			if (!comp_is_literal(g, &g->comp[i]))
				return 0;
		g->shape = nlit == g->ncomp ? POL_GLOB_LITERAL : POL_GLOB_PREFIX;
	}
	g->lit = malloc(g->nel + g->ncomp + 2);
	if (!g->lit)
		return -ENOMEM;
	for (i = 0; i < (g->mode == POL_GLOB_NAME ? g->ncomp : nlit); i++) {
		if (g->mode == POL_GLOB_PATH)
			g->lit[o++] = '/';
		for (j = 0; j < g->comp[i].n; j++)
			g->lit[o++] = (char)g->el[g->comp[i].first + j].c;
	}
	if (o == 0 && g->mode == POL_GLOB_PATH && g->shape == POL_GLOB_LITERAL)
		g->lit[o++] = '/';
	g->lit[o] = '\0';
	g->litlen = o;
	return 0;
}

int pol_glob_compile(const char *pat, enum pol_glob_mode mode, struct pol_glob **out,
		     const char **why)
{
	size_t len = strlen(pat), nbr = 0, i;
	struct pol_glob *g;
	int r = -ENOMEM;

	*out = NULL;
	for (i = 0; i < len; i++)
		nbr += pat[i] == '[';
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->mode = mode;
	g->el = calloc(len + 1, sizeof(*g->el));
	g->comp = calloc(len / 2 + 2, sizeof(*g->comp));
	g->cls = calloc(nbr + 1, sizeof(*g->cls));
	g->text = malloc(4 * len + 2); /* worst case: every byte a control byte, \xNN */
	if (!g->el || !g->comp || !g->cls || !g->text)
		goto out;
	if (mode == POL_GLOB_PATH) {
		r = compile_path(g, pat, len, why);
	} else {
		size_t o = 0;

		g->ncomp = 1;
		r = compile_elements(g, pat, pat + len, why);
		g->comp[0].n = g->nel;
		text_append(g->text, &o, pat, len);
	}
	if (r < 0)
		goto out;
	/* bounded on the canonical text, so that what policy_dump prints always loads back */
	r = -EINVAL;
	*why = "pattern too long";
	if (strlen(g->text) >= POL_GLOB_TEXT_MAX)
		goto out;
	r = compute_shape(g);
	if (r < 0)
		goto out;
	*out = g;
	return 0;
out:
	pol_glob_free(g);
	return r;
}

void pol_glob_free(struct pol_glob *g)
{
	if (!g)
		return;
	free(g->el);
	free(g->comp);
	free(g->cls);
	free(g->text);
	free(g->lit);
	free(g);
}

const char *pol_glob_text(const struct pol_glob *g)
{
	return g->text;
}

enum pol_glob_shape pol_glob_shape(const struct pol_glob *g, const char **lit, size_t *len)
{
	if (lit)
		*lit = g->lit;
	if (len)
		*len = g->litlen;
	return g->shape;
}

static bool el_match(const struct pol_glob *g, const struct glob_el *e, uint8_t c)
{
	switch (e->op) {
	case EL_LIT:
		return e->c == c;
	case EL_ANY:
		return g->mode == POL_GLOB_NAME || c != '/';
	case EL_CLASS:
		return g->cls[e->cls][c >> 3] & (1u << (c & 7));
	default:
		return false;
	}
}

/* The elements of one component against s[0..n): `*` is the star. */
static bool match_bytes(const struct pol_glob *g, const struct glob_comp *c, const uint8_t *s,
			size_t n)
{
	const struct glob_el *el = g->el + c->first;
	size_t i = 0, j = 0, star = SIZE_MAX, mark = 0;

	while (j < n) {
		if (i < c->n && el[i].op == EL_STAR) {
			star = i++;
			mark = j;
		} else if (i < c->n && el_match(g, &el[i], s[j])) {
			i++;
			j++;
		} else if (star != SIZE_MAX) {
			i = star + 1;
			j = ++mark;
		} else {
			return false;
		}
	}
	while (i < c->n && el[i].op == EL_STAR)
		i++;
	return i == c->n;
}

/* Offset of the component after the one starting at pos; n + 1 when it was the last. */
static size_t comp_next(const char *s, size_t n, size_t pos)
{
	const char *sl = memchr(s + pos, '/', n - pos);

	return sl ? (size_t)(sl - s) + 1 : n + 1;
}

/* The components against a normalised absolute path: `**` is the star. */
static bool match_path(const struct pol_glob *g, const char *s, size_t n)
{
	size_t i = 0, j, next, star = SIZE_MAX, mark = 0;

	j = n == 1 ? n + 1 : 1; /* "/" has no components */
	while (j <= n) {
		next = comp_next(s, n, j);
		if (i < g->ncomp && g->comp[i].dstar) {
			star = i++;
			mark = j;
		} else if (i < g->ncomp &&
			   match_bytes(g, &g->comp[i], (const uint8_t *)s + j, next - 1 - j)) {
			i++;
			j = next;
		} else if (star != SIZE_MAX) {
			i = star + 1;
			mark = comp_next(s, n, mark);
			j = mark;
		} else {
			return false;
		}
	}
	while (i < g->ncomp && g->comp[i].dstar)
		i++;
	return i == g->ncomp;
}

bool pol_glob_match(const struct pol_glob *g, const char *s, size_t len)
{
	if (g->mode == POL_GLOB_NAME)
		return match_bytes(g, &g->comp[0], (const uint8_t *)s, len);
	if (len == 0 || s[0] != '/')
		return false;
	switch (g->shape) {
	case POL_GLOB_LITERAL:
		return len == g->litlen && memcmp(s, g->lit, len) == 0;
	case POL_GLOB_PREFIX:
		return len >= g->litlen && memcmp(s, g->lit, g->litlen) == 0 &&
		       (len == g->litlen || s[g->litlen] == '/' || g->litlen == 0);
	default:
		return match_path(g, s, len);
	}
}

int pol_path_normalise(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i = 0, o = 0, s, clen;

	if (len == 0 || in[0] != '/')
		return -EINVAL;
	if (outsz < 2)
		return -ENAMETOOLONG;
	while (i < len) {
		while (i < len && in[i] == '/')
			i++;
		s = i;
		while (i < len && in[i] != '/')
			i++;
		clen = i - s;
		if (clen == 0)
			break;
		if (clen == 1 && in[s] == '.')
			continue;
		if (clen == 2 && in[s] == '.' && in[s + 1] == '.')
			return -EINVAL;
		if (o + 1 + clen + 1 > outsz)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, in + s, clen);
		o += clen;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return (int)o;
}

int pol_glob_escape(const char *in, size_t len, char *out, size_t outsz)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		uint8_t c = (uint8_t)in[i];

		if (o + 5 > outsz)
			return -ENAMETOOLONG;
		if (is_ctl(c) || c == ' ') {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hexdig[c >> 4];
			out[o++] = hexdig[c & 15];
		} else {
			if (strchr("*?[]\\", c) || (c == '#' && i == 0))
				out[o++] = '\\';
			out[o++] = (char)c;
		}
	}
	if (o + 1 > outsz)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return (int)o;
}
