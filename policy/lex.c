/* lex: split policy text into lines of words (see lex.h for the rules). */
#include "policy/lex.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "supervisor/util.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void pol_lex_init(struct pol_lexer *lx, char *text, size_t len)
{
	lx->p = text;
	lx->end = text + len;
	lx->line = 0;
}

/* line = { blank } [ word { blank { blank } word } ] [ comment ] ( "\n" | end ) ;
 * word = ( byte - blank - "\n" | "\\" byte ) { ... } ;  comment = "#" { byte } ; */
int pol_lex_next(struct pol_lexer *lx, struct pol_line *ln)
{
	char *p, *eol, *nl;

	while (lx->p < lx->end) {
		p = lx->p;
		nl = memchr(p, '\n', (size_t)(lx->end - p));
		eol = nl ? nl : lx->end;
		lx->p = nl ? nl + 1 : lx->end;
		ln->lineno = ++lx->line;
		ln->ntok = 0;
		if (memchr(p, '\0', (size_t)(eol - p)))
			return -EILSEQ;
		for (;;) {
			char *s;

			while (p < eol && is_blank(*p))
				p++;
			if (p == eol || *p == '#')
				break;
			s = p;
			while (p < eol && !is_blank(*p))
				p += (*p == '\\' && p + 1 < eol) ? 2 : 1;
			if (ln->ntok < POL_LINE_TOKS) {
				ln->tok[ln->ntok].s = s;
				ln->tok[ln->ntok].len = (size_t)(p - s);
			}
			ln->ntok++;
			if (p == eol) {
				*p = '\0';
				break;
			}
			*p++ = '\0';
		}
		if (ln->ntok)
			return 1;
	}
	return 0;
}


int pol_lex_unescape(const char *in, char *out, size_t outsz)
{
	size_t o = 0;
	int c;

	while (*in) {
		c = (unsigned char)*in++;
		if (c == '\\') {
			if (!*in)
				return -EINVAL;
			c = (unsigned char)*in++;
			if (c == 'x') {
				if (hex_digit(in[0]) < 0 || hex_digit(in[1]) < 0)
					return -EINVAL;
				c = hex_digit(in[0]) << 4 | hex_digit(in[1]);
				in += 2;
				if (c == 0)
					return -EINVAL;
			}
		}
		if (o + 1 >= outsz)
			return -ENAMETOOLONG;
		out[o++] = (char)c;
	}
	if (o >= outsz)
		return -ENAMETOOLONG;
	out[o] = '\0';
	return (int)o;
}
