/*
 * apps/resolve - names to addresses through musl's resolver, which reads
 * /etc/hosts and then asks the name servers of /etc/resolv.conf (the
 * kernel writes both from dns= and the interface's address, net/config.c):
 *
 *   resolve NAME...
 *
 * prints "resolve: NAME ADDR..." (IPv4, in the order given) or
 * "resolve: NAME error MESSAGE" for each, and exits 0.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
        struct addrinfo *res = NULL;
        int rc = getaddrinfo(argv[i], NULL, &hints, &res);
        if (rc != 0) {
            printf("resolve: %s error %s\n", argv[i], gai_strerror(rc));
            continue;
        }
        printf("resolve: %s", argv[i]);
        for (struct addrinfo *a = res; a; a = a->ai_next) {
            char text[INET_ADDRSTRLEN];
            const struct sockaddr_in *sin = (const struct sockaddr_in *)a->ai_addr;
            printf(" %s", inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text)));
        }
        printf("\n");
        freeaddrinfo(res);
    }
    return 0;
}
