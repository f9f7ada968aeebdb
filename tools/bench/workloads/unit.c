/* The compile workload of `make bench`: a small translation unit with the usual headers. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct word {
	char *text;
	unsigned count;
	struct word *next;
};

static unsigned hash(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static struct word *table[1024];

static int add(const char *s)
{
	unsigned i = hash(s) % 1024;
	struct word *w;

	for (w = table[i]; w; w = w->next)
		if (strcmp(w->text, s) == 0)
			return (int)++w->count;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->text = strdup(s)))
		return -ENOMEM;
	w->count = 1;
	w->next = table[i];
	table[i] = w;
	return 1;
}

int count_words(FILE *f)
{
	char buf[256];
	size_t n = 0;
	int c, total = 0;

	while ((c = getc(f)) != EOF) {
		if (isalnum(c) && n < sizeof(buf) - 1) {
			buf[n++] = (char)tolower(c);
			continue;
		}
		if (n) {
			buf[n] = '\0';
			n = 0;
			if (add(buf) < 0)
				return -1;
			total++;
		}
	}
	return total;
}
