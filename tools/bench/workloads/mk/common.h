/* The tiny project of `make bench`: four units, a main, one header. */
static inline int common_scale(int n)
{
	return n * 3 + 1;
}
int alpha_run(const char *s);
int beta_run(const char *s);
int gamma_run(const char *s);
int delta_run(const char *s);
