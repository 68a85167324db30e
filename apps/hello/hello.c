/*
 * apps/hello - the default application: a greeting, its arguments and its
 * environment, as the kernel (or Linux) handed them over.
 */
#include <stdio.h>

extern char **environ;

int main(int argc, char **argv)
{
    printf("Hello from the unikernel application!\n");
    printf("argc = %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d] = \"%s\"\n", i, argv[i]);
    int n = 0;
    for (char **e = environ; *e; e++)
        printf("env[%d] = \"%s\"\n", n++, *e);
    printf("%d environment variables\n", n);
    return 0;
}
