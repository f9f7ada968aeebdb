/*
 * lex: the policy lexer.  One statement per line; words are separated by blanks (space, tab,
 * CR, VT, FF); a word that begins with `#` starts a comment that runs to the end of the line
 * (a `#` inside a word is part of it).  A backslash keeps the next byte in the word, so
 * `\ ` and `\#` do not split or comment; escapes are decoded later, by whoever gives the word
 * its meaning (glob.c for patterns, pol_lex_unescape for file names).
 *
 * The lexer works in place on a writable, NUL-terminated buffer: each word is NUL-terminated
 * where its delimiter was, so words are C strings.
 */
#ifndef SYSWARD_POLICY_LEX_H
#define SYSWARD_POLICY_LEX_H

#include <stddef.h>

#define POL_LINE_TOKS 8 /* words kept per line; more is trailing garbage for every statement */

struct pol_tok {
	char *s;    /* NUL-terminated, escapes not decoded */
	size_t len;
};

struct pol_line {
	int lineno; /* 1-based */
	int ntok;   /* words on the line (may exceed POL_LINE_TOKS) */
	struct pol_tok tok[POL_LINE_TOKS];
};

struct pol_lexer {
	char *p, *end; /* unread text; *end == '\0' */
	int line;      /* lines consumed so far */
};

/* text[len] must be '\0' and text writable. */
void pol_lex_init(struct pol_lexer *lx, char *text, size_t len);
/* The next line that has a word: 1 and *ln filled; 0 at the end of the text; -EILSEQ when the
 * line holds a NUL byte (ln->lineno says which). */
int pol_lex_next(struct pol_lexer *lx, struct pol_line *ln);
/* Decode `\c` and `\xNN` escapes of a word (NUL bytes refused).  Length written, -EINVAL on a
 * bad escape, -ENAMETOOLONG. */
int pol_lex_unescape(const char *in, char *out, size_t outsz);

#endif
