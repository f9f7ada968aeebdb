/*
 * glob: the patterns of the policy language, compiled once and matched without filesystem
 * access against an already resolved path (or an abstract socket name).
 *
 * Path mode (POL_GLOB_PATH): the pattern is absolute and is normalised when compiled (`//`
 * and `.` components dropped, a trailing `/` ignored, `..` refused).  `*` matches any bytes
 * within one component, `?` one byte, `[abc]` `[a-z]` `[!a-z]` (or `[^...]`) one byte of a
 * class; `**` as a whole component matches any number of components, zero included, so a
 * final `**` after directory D matches D itself too.  A leading dot is not special.
 * Name mode (POL_GLOB_NAME, abstract unix names): no components; `*` matches any bytes
 * (`/` and NUL included), `?` any one byte.
 * Escapes in both modes: `\c` is the byte c taken literally, `\xNN` the byte with that hex
 * value (`\x00` is allowed in names only).
 */
#ifndef SYSWARD_POLICY_GLOB_H
#define SYSWARD_POLICY_GLOB_H

#include <stdbool.h>
#include <stddef.h>

enum pol_glob_mode { POL_GLOB_PATH, POL_GLOB_NAME };

enum pol_glob_shape {
	POL_GLOB_OTHER,   /* wildcards other than one final `**` component */
	POL_GLOB_LITERAL, /* no wildcard at all: matches exactly one path (name) */
	POL_GLOB_PREFIX,  /* path mode: a literal directory, then a final `**` */
};

#define POL_GLOB_MAX 4096                     /* longest path matched, with its NUL */
#define POL_GLOB_TEXT_MAX (4 * POL_GLOB_MAX) /* longest canonical pattern text */

struct pol_glob;

/* Compile raw pattern text (escapes not yet decoded).  0; -EINVAL with *why set to a short
 * static reason; -ENOMEM. */
int pol_glob_compile(const char *pat, enum pol_glob_mode mode, struct pol_glob **out,
		     const char **why);
void pol_glob_free(struct pol_glob *g);

/* Does the glob match s[0..len)?  In path mode s must be normalised (pol_path_normalise). */
bool pol_glob_match(const struct pol_glob *g, const char *s, size_t len);

/* Canonical pattern text (normalised, control bytes as \xNN): parses back to the same glob. */
const char *pol_glob_text(const struct pol_glob *g);

/* The shape, and for LITERAL the decoded path or name, for PREFIX the decoded directory
 * ("" when the pattern is just a `**` below the root), NUL-terminated, in *lit, *len. */
enum pol_glob_shape pol_glob_shape(const struct pol_glob *g, const char **lit, size_t *len);

/* Normalise an absolute path: collapse `//`, drop `.` components and a trailing `/`.  The
 * length written to out (with a NUL), -EINVAL when relative or a `..` component is left,
 * -ENAMETOOLONG. */
int pol_path_normalise(const char *in, size_t len, char *out, size_t outsz);

/* Write in[0..len) as pattern text matching exactly those bytes (wildcards, `\`, blanks and
 * control bytes escaped).  The length written (with a NUL), or -ENAMETOOLONG. */
int pol_glob_escape(const char *in, size_t len, char *out, size_t outsz);

#endif
