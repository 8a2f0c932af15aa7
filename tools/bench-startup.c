/*
 * bench-startup.c - time from a card process's start to its answer to the
 * first "get ATR" of vpcd, and its peak resident memory.
 *
 * It plays vpcd itself (listens on 127.0.0.1, ephemeral port): a real vpcd
 * asks for the ATR only at its next presence poll (every 400 ms), which
 * would measure pcscd's timer, not the card.  Like vpcd it sends the ATR
 * request as soon as the card connects.  Each run: fork, exec
 * PROGRAM ARGS --vpcd 127.0.0.1:PORT, accept, send 00 01 04, read the framed
 * ATR; then SIGTERM unless the program exits by itself (--exit-after-atr),
 * and wait4() gives ru_maxrss.  Measured, never asserted.
 *
 * Output, one line: runs=R first_ms=F p50_ms=A max_ms=B maxrss_kib=K
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS_MAX 1000
#define TIMEOUT_MS 5000

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int listen_local(unsigned short *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0) {
		close(fd);
		return -1;
	}
	*port = ntohs(sa.sin_port);
	return fd;
}

static int wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;
	do
		n = poll(&p, 1, ms);
	while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : -1;
}

static int read_full(int fd, unsigned char *p, size_t n)
{
	while (n > 0) {
		if (wait_readable(fd, TIMEOUT_MS) != 0)
			return -1;
		ssize_t r = recv(fd, p, n, 0);
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* vpcd's side of the first exchange: ask for the ATR, read the framed answer. */
static int ask_atr(int lfd, size_t *atr_len)
{
	static const unsigned char get_atr[] = { 0x00, 0x01, 0x04 };
	unsigned char hdr[2], atr[64];
	if (wait_readable(lfd, TIMEOUT_MS) != 0)
		return -1;
	int c = accept(lfd, NULL, NULL);
	if (c < 0)
		return -1;
	int one = 1, rc = -1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (send(c, get_atr, sizeof get_atr, MSG_NOSIGNAL) != (ssize_t)sizeof get_atr)
		goto out;
	if (read_full(c, hdr, 2) != 0)
		goto out;
	size_t n = (size_t)hdr[0] << 8 | hdr[1];
	if (n < 2 || n > sizeof atr || read_full(c, atr, n) != 0)
		goto out;
	*atr_len = n;
	rc = 0;
out:
	close(c);
	return rc;
}

/* Reap the child; SIGTERM it if it has not exited within 0.5 s. */
static int reap(pid_t pid, long *maxrss_kib)
{
	struct rusage ru;
	int status;
	for (int i = 0; i < 1000; i++) {
		pid_t r = wait4(pid, &status, WNOHANG, &ru);
		if (r == pid)
			goto done;
		if (r < 0)
			return -1;
		if (i == 50)
			kill(pid, SIGTERM);
		struct timespec ts = { 0, 10 * 1000000L };
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
done:
	if (ru.ru_maxrss > *maxrss_kib)
		*maxrss_kib = ru.ru_maxrss;
	if (WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM) {
		fprintf(stderr, "bench-startup: card died of signal %d\n", WTERMSIG(status));
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench-startup: card exited with status %d\n", WEXITSTATUS(status));
		return -1;
	}
	return 0;
}

static int one_run(int lfd, unsigned short port, char **argv, double *ms, long *maxrss)
{
	char addr[32];
	snprintf(addr, sizeof addr, "127.0.0.1:%u", (unsigned)port);
	int argc = 0;
	while (argv[argc] != NULL)
		argc++;
	char **args = calloc((size_t)argc + 3, sizeof *args);
	if (args == NULL)
		return -1;
	memcpy(args, argv, (size_t)argc * sizeof *args);
	args[argc] = (char *)"--vpcd";
	args[argc + 1] = addr;

	double t0 = now_ms();
	pid_t pid = fork();
	if (pid == 0) {
		execv(args[0], args);
		perror("bench-startup: exec");
		_exit(127);
	}
	free(args);
	if (pid < 0)
		return -1;
	size_t atr_len = 0;
	int rc = ask_atr(lfd, &atr_len);
	*ms = now_ms() - t0;
	if (rc != 0) {
		fprintf(stderr, "bench-startup: no ATR from %s\n", argv[0]);
		kill(pid, SIGTERM);
	}
	if (reap(pid, maxrss) != 0)
		rc = -1;
	return rc;
}

int main(int argc, char **argv)
{
	unsigned long runs = 10;
	int i = 1;
	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
		puts("usage: bench-startup [--runs R] -- PROGRAM [ARGS...]\n"
		     "Start PROGRAM ARGS --vpcd 127.0.0.1:PORT R times (default 10) and\n"
		     "time each start to the first ATR answer; print first/p50/max and the\n"
		     "peak RSS (KiB).  PROGRAM is a path (no PATH lookup).");
		return EXIT_SUCCESS;
	}
	if (i + 1 < argc && strcmp(argv[i], "--runs") == 0) {
		char *end;
		runs = strtoul(argv[i + 1], &end, 10);
		if (*end != '\0' || runs == 0 || runs > RUNS_MAX) {
			fprintf(stderr, "bench-startup: --runs must be 1..%d\n", RUNS_MAX);
			return 2;
		}
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc) {
		fprintf(stderr, "usage: bench-startup [--runs R] -- PROGRAM [ARGS...]\n");
		return 2;
	}

	unsigned short port;
	int lfd = listen_local(&port);
	if (lfd < 0) {
		perror("bench-startup: listen");
		return EXIT_FAILURE;
	}
	double ms[RUNS_MAX];
	long maxrss = 0;
	for (unsigned long r = 0; r < runs; r++) {
		if (one_run(lfd, port, argv + i, &ms[r], &maxrss) != 0) {
			close(lfd);
			return EXIT_FAILURE;
		}
	}
	close(lfd);
	double first = ms[0];
	qsort(ms, runs, sizeof ms[0], cmp_double);
	printf("runs=%lu first_ms=%.2f p50_ms=%.2f max_ms=%.2f maxrss_kib=%ld\n", runs, first,
	       ms[runs / 2], ms[runs - 1], maxrss);
	return EXIT_SUCCESS;
}
