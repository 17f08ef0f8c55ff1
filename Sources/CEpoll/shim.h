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
#include <linux/filter.h>
#include <sys/random.h>

// accept4 is declared only under _GNU_SOURCE, which we must not define here.
extern int accept4(int sockfd, struct sockaddr *addr, socklen_t *addrlen, int flags);

// Also _GNU_SOURCE-only: names event-loop threads for top/gdb.
extern int pthread_setname_np(pthread_t thread, const char *name);

static inline int cepoll_shut_wr(void) { return SHUT_WR; }
static inline int cepoll_sock_nonblock_cloexec(void) { return SOCK_NONBLOCK | SOCK_CLOEXEC; }
static inline int cepoll_sigterm(void) { return SIGTERM; }
static inline int cepoll_sigint(void) { return SIGINT; }
// OpenSSL writes to sockets with write(2), not send(MSG_NOSIGNAL): a peer gone mid-write must
// be an EPIPE error, not a signal that kills the process.
static inline void cepoll_ignore_sigpipe(void) { signal(SIGPIPE, SIG_IGN); }

// Makes a listening TCP socket drop every pure SYN (new handshakes) while still taking the
// final ACK of handshakes already under way. Used when draining: new clients are no longer
// answered (they retry and are then refused), yet nobody whose handshake completed is reset
// when the listener closes after the grace. The filter sees the TCP header at offset 0.
static inline int cepoll_drop_new_handshakes(int fd) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),          // TCP flags byte
        BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),       // keep SYN and ACK bits
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1), // SYN without ACK?
        BPF_STMT(BPF_RET | BPF_K, 0),                    // drop it
        BPF_STMT(BPF_RET | BPF_K, 0xFFFFFFFF),           // everything else passes
    };
    struct sock_fprog program = { .len = sizeof(code) / sizeof(code[0]), .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof(program));
}
#endif
