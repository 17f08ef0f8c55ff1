// Linux event-loop syscalls that Swift's Glibc module does not export.
#ifndef FRAUDSCORE_CEPOLL_SHIM_H
#define FRAUDSCORE_CEPOLL_SHIM_H
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <pthread.h>
#include <time.h>

// accept4 is declared only under _GNU_SOURCE, which we must not define here.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

// Also _GNU_SOURCE-only: names event-loop threads for top/gdb.
extern int pthread_setname_np(pthread_t thread, const char *name);

static inline int cepoll_shut_wr(void) { return SHUT_WR; }
static inline int cepoll_sock_nonblock_cloexec(void) { return SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int cepoll_sigterm(void) { return SIGTERM; }
static inline int cepoll_sigint(void) { return SIGINT; }
#endif
