#include <stdio.h>
#include "common.h"

int main(int argc, char **argv)
{
	const char *s = argc > 1 ? argv[1] : "bench";
	printf("%d\n", alpha_run(s) + beta_run(s) + gamma_run(s) + delta_run(s));
	return 0;
}
