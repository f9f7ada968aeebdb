/* x.c: the source file the learn round trips compile (gcc -c x.c, make). */
int answer(void)
{
	return 42;
}
