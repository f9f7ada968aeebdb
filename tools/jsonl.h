/*
 * jsonl: a strict, allocation-bounded JSON parser for one line at a time, and a line reader
 * that never holds more than one bounded line.
 *
 * The parser takes RFC 8259 JSON and nothing else: exactly one value per line (whitespace
 * around it allowed), strings of valid UTF-8 with no raw control characters, every escape
 * including \uXXXX and surrogate pairs (a lone surrogate is an error), numbers in the JSON
 * grammar only (no leading zeros, no "1.", no "+1", no NaN).  \u0000 is allowed: a string is
 * a byte array with a length, NUL-terminated for convenience.
 *
 * Memory is bounded by the limits given to jsonl_init(): the parser keeps a flat array of
 * values (at most max_values) and one buffer for decoded strings and number texts (at most
 * the longest line + 16 bytes), both reused from line to line.  Nesting deeper than
 * max_depth, lines longer than max_line and lines with more values than max_values fail
 * with -E2BIG; any other error is -EINVAL.  jsonl_error() says what and where.
 *
 * Values are stored in document order: a container is followed by its members (for an
 * object: key, value, key, value, ...), and every value knows where its subtree ends, so a
 * member can be skipped without looking inside it.
 */
#ifndef SYSWARD_JSONL_H
#define SYSWARD_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum jv_type { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
	uint8_t type;  /* enum jv_type */
	uint32_t len;  /* string: bytes; number: characters; array: elements; object: members */
	uint32_t end;  /* index of the first value after this one and everything inside it */
	const char *s; /* string: decoded bytes; number: its text; both NUL-terminated */
};

struct jsonl {
	size_t max_line;
	unsigned max_depth;
	uint32_t max_values;

	struct jv *val; /* the parsed line, val[0] is the top-level value */
	uint32_t nval, cap_val;
	char *text; /* decoded strings and number texts */
	size_t text_len, cap_text;

	const char *err; /* static message of the last failure */
	size_t err_off;	 /* byte offset in the line where it was found */

	/* parse position (valid during jsonl_parse) */
	const char *in;
	size_t pos, len;
};

/* 0, or -EINVAL for a zero limit. */
int jsonl_init(struct jsonl *p, size_t max_line, unsigned max_depth, uint32_t max_values);
void jsonl_free(struct jsonl *p);

/*
 * Parse one line (without its newline).  0 with *root set; -ENODATA for a line of nothing
 * but whitespace; -EINVAL for a syntax error; -E2BIG for a line past a limit; -ENOMEM.
 * The values stay valid until the next jsonl_parse() or jsonl_free().
 */
int jsonl_parse(struct jsonl *p, const char *line, size_t len, const struct jv **root);
/* What the last failed jsonl_parse() found ("expected ':'", "nesting too deep", ...). */
const char *jsonl_error(const struct jsonl *p);

/* First element of an array or key of an object (its value is key + 1), or NULL. */
const struct jv *jv_first(const struct jv *container);
/* The element or key after v (for a key: pass its value) inside container, or NULL. */
const struct jv *jv_after(const struct jsonl *p, const struct jv *container, const struct jv *v);
/* The value of member key of an object (the last one when a key repeats), or NULL. */
const struct jv *jv_member(const struct jsonl *p, const struct jv *obj, const char *key);

/* Is v the string lit? */
bool jv_is(const struct jv *v, const char *lit);
/* An integer (no fraction or exponent): 0, -EINVAL (not an integer), -ERANGE. */
int jv_int(const struct jv *v, long long *out);
/* Any number: 0, -EINVAL (not a number), -ERANGE (too large for a double). */
int jv_double(const struct jv *v, double *out);

/*
 * Line reader over a file descriptor, with a buffer of max_line + 64 KiB.  A line longer
 * than max_line is reported once (-E2BIG) and the rest of it skipped without storing it.
 */
struct jsonl_reader {
	int fd;
	size_t max_line;
	char *buf;
	size_t cap, start, end, scan;
	bool skipping; /* inside a line already reported as too long */
	bool eof;
	uint64_t lineno; /* number of the line last returned or reported */
};

/* 0 or -ENOMEM.  The reader does not own fd. */
int jsonl_reader_init(struct jsonl_reader *r, int fd, size_t max_line);
void jsonl_reader_free(struct jsonl_reader *r);
/*
 * Next line, without its newline (a last line without one is returned too): 1 with
 * *line and *len set (valid until the next call), 0 at end of file, -E2BIG for a line longer
 * than max_line (skipped), -errno when read(2) fails.
 */
int jsonl_read(struct jsonl_reader *r, const char **line, size_t *len);

/* Does a string value hold word as one of its sep-separated parts ("O_RDONLY|O_CLOEXEC")?
 * False for anything but a string. */
bool jv_word_in(const struct jv *v, const char *word, char sep);

#endif
