#include <stdio.h>
#include <string.h>
#include "common.h"

int alpha_run(const char *s)
{
	char buf[64];
	size_t n = strlen(s);

	snprintf(buf, sizeof(buf), "%s:%zu", "alpha", n);
	return (int)strlen(buf) + common_scale((int)n);
}
