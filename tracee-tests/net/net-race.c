/*
 * net-race: time-of-check/time-of-use races on socket addresses (THREATS F, B).
 *
 *   net-race inet   a thread flips a shared sockaddr_in between 127.0.0.1:P and 192.0.2.1:P
 *                   while the main thread (a) sendto()s from a UDP socket with it up to
 *                   100000 times, (b) sendmsg()s with msg_name flipped between two
 *                   addresses by the thread, (c) connect()s non-blocking TCP sockets with it
 *                   up to 3000 times.  Our own loopback sockets must receive plenty; the
 *                   outside (192.0.2.1, the sniffer) must receive nothing.  Bounded by a
 *                   time budget as well, so a slow tracer shortens the run instead of
 *                   hanging it.
 *   net-race unix   (unix-workdir.policy: pathname sockets only in the work directory) a
 *                   thread swaps, with renameat2(RENAME_EXCHANGE), the directory ./d (holding
 *                   our own socket d/priv.sock, which greets "SAFE") and a symlink to the
 *                   daemon's directory $TT_NET_PRIVDIR (whose priv.sock greets "PRIV"),
 *                   while the main thread connects to "d/priv.sock" up to 20000 times.
 *                   No connection may reach the daemon.
 *
 *   net-race listen a thread keeps dup2()ing, onto one fd, a TCP socket bound to 127.0.0.1 and a
 *                   fresh socket never bound, while the main thread calls listen() on that fd:
 *                   the tracer judges listen() by the socket the fd holds when it looks
 *                   (bound: nothing to judge); if the kernel then listens on the unbound one, it
 *                   autobinds 0.0.0.0 (THREATS F "inbound doors without bind").  No socket
 *                   may end up listening on the wildcard address.
 *
 * Modes as in net-attack.c: under sysward (ward) the program fails when anything reached
 * the outside; without it (bare, the control) something must have, so the test can see it.
 */
#include "../tt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

static bool bare;
static atomic_bool stop;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sock(int family, int type)
{
	int s = socket(family, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		tt_fail("socket: %s", strerror(errno));
	return s;
}

/* ---- inet ------------------------------------------------------------------------------------ */

static struct sockaddr_in shared; /* flipped in place */
static struct sockaddr_in lo_a, out_a;
static struct msghdr shared_msg; /* msg_name flipped between &lo_a and &out_a */
static in_addr_t lo_ip, out_ip;

static void *flip_inet(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		__atomic_store_n(&shared.sin_addr.s_addr, out_ip, __ATOMIC_RELAXED);
		__atomic_store_n(&shared_msg.msg_name, (void *)&out_a, __ATOMIC_RELAXED);
		__atomic_store_n(&shared.sin_addr.s_addr, lo_ip, __ATOMIC_RELAXED);
		__atomic_store_n(&shared_msg.msg_name, (void *)&lo_a, __ATOMIC_RELAXED);
	}
	return NULL;
}

static atomic_long received;

static void *receive(void *arg)
{
	int r = (int)(intptr_t)arg;
	char b[16];
	for (;;) {
		ssize_t n = recv(r, b, sizeof b, 0);
		if (n == 3 && memcmp(b, "END", 3) == 0)
			return NULL;
		if (n > 0)
			atomic_fetch_add(&received, 1);
	}
}

static atomic_long accepted_n;

static void *accept_loop(void *arg)
{
	int l = (int)(intptr_t)arg;
	for (;;) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0) {
			atomic_fetch_add(&accepted_n, 1);
			close(c);
		}
	}
	return NULL;
}

struct tally {
	long through, refused, other;
	int last_other;
};

static void count(struct tally *t, long r, int e)
{
	if (r >= 0 || e == EINPROGRESS)
		t->through++;
	else if (e == ECONNREFUSED)
		t->refused++;
	else
		t->other++, t->last_other = e;
}

static int r_inet(void)
{
	int rx = sock(AF_INET, SOCK_DGRAM), l = sock(AF_INET, SOCK_STREAM), big = 8 << 20;
	socklen_t len = sizeof lo_a;
	pthread_t fl, rt, at;
	struct tally ts = {0}, tm = {0}, tc = {0};
	double budget = bare ? 3 : 5, t0 = now();

	inet_pton(AF_INET, "127.0.0.1", &lo_ip);
	inet_pton(AF_INET, "192.0.2.1", &out_ip);
	lo_a = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = lo_ip};
	setsockopt(rx, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
	if (bind(rx, (struct sockaddr *)&lo_a, sizeof lo_a) < 0 ||
	    getsockname(rx, (struct sockaddr *)&lo_a, &len) < 0)
		tt_fail("our loopback receiver: %s", strerror(errno));
	out_a = lo_a;
	out_a.sin_addr.s_addr = out_ip;
	shared = lo_a;

	int u = sock(AF_INET, SOCK_DGRAM);
	struct iovec iov = {"x", 1};
	shared_msg = (struct msghdr){
	    .msg_name = &lo_a, .msg_namelen = sizeof lo_a, .msg_iov = &iov, .msg_iovlen = 1};
	if (pthread_create(&rt, NULL, receive, (void *)(intptr_t)rx) != 0 ||
	    pthread_create(&fl, NULL, flip_inet, NULL) != 0)
		tt_fail("pthread_create");

	tt_watch("the UDP sendto race");
	for (long i = 0; i < 100000 && now() - t0 < budget * 0.5; i++) {
		long r = sendto(u, "x", 1, 0, (struct sockaddr *)&shared, sizeof shared);
		count(&ts, r, errno);
	}
	tt_watch("the UDP sendmsg race");
	for (long i = 0; i < 30000 && now() - t0 < budget * 0.75; i++) {
		long r = sendmsg(u, &shared_msg, 0);
		count(&tm, r, errno);
	}

	/* TCP: our listener on 127.0.0.1:P2, the flipped address on port P2 */
	lo_a.sin_port = 0;
	len = sizeof lo_a;
	if (bind(l, (struct sockaddr *)&lo_a, sizeof lo_a) < 0 || listen(l, 4096) < 0 ||
	    getsockname(l, (struct sockaddr *)&lo_a, &len) < 0)
		tt_fail("our loopback listener: %s", strerror(errno));
	out_a.sin_port = lo_a.sin_port;
	__atomic_store_n(&shared.sin_port, lo_a.sin_port, __ATOMIC_RELAXED);
	if (pthread_create(&at, NULL, accept_loop, (void *)(intptr_t)l) != 0)
		tt_fail("pthread_create");
	tt_watch("the TCP connect race");
	for (long i = 0; i < 3000 && now() - t0 < budget; i++) {
		int c = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK);
		long r = connect(c, (struct sockaddr *)&shared, sizeof shared);
		count(&tc, r, errno);
		close(c);
	}
	atomic_store(&stop, true);
	pthread_join(fl, NULL);

	/* the receiver stops at "END", sent after everything else on the same path */
	lo_a.sin_port = out_a.sin_port = 0;
	len = sizeof lo_a;
	getsockname(rx, (struct sockaddr *)&lo_a, &len);
	if (sendto(u, "END", 3, 0, (struct sockaddr *)&lo_a, sizeof lo_a) != 3)
		tt_fail("sendto END: %s", strerror(errno));
	tt_watch("the receiver");
	pthread_join(rt, NULL);

	tt_note("sendto: %ld through, %ld refused, %ld other; sendmsg: %ld/%ld/%ld; connect: "
		"%ld/%ld/%ld; loopback received %ld datagrams, accepted %ld connections",
		ts.through, ts.refused, ts.other, tm.through, tm.refused, tm.other, tc.through,
		tc.refused, tc.other, atomic_load(&received), atomic_load(&accepted_n));
	TT_CHECK(ts.other + tm.other + tc.other == 0, "calls failed for other reasons: %s %s %s",
		 strerrorname_np(ts.last_other) ?: "-", strerrorname_np(tm.last_other) ?: "-",
		 strerrorname_np(tc.last_other) ?: "-");
	TT_CHECK(atomic_load(&received) > 0 && ts.through > 0 && tm.through > 0 && tc.through > 0,
		 "loopback must get plenty");
	TT_CHECK(atomic_load(&received) <= ts.through + tm.through,
		 "more datagrams arrived than were sent");
	if (bare) {
		tt_record("net-expect", "outside");
		TT_CHECK(ts.refused + tm.refused + tc.refused == 0,
			 "control: refusals without sysward");
	} else {
		TT_CHECK(ts.refused > 0 || tm.refused > 0 || tc.refused > 0,
			 "nothing was refused: did the flipping thread run at all?");
	}
	return TT_PASS;
}

/* ---- unix ------------------------------------------------------------------------------------ */

static void *flip_dir(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		long r = syscall(SYS_renameat2, AT_FDCWD, "d", AT_FDCWD, "d2",
				 2 /* RENAME_EXCHANGE */);
		if (r < 0)
			tt_fail("renameat2(RENAME_EXCHANGE): %s", strerror(errno));
	}
	return NULL;
}

static void *serve_safe(void *arg)
{
	int l = (int)(intptr_t)arg;
	for (;;) {
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c >= 0) {
			if (write(c, "SAFE\n", 5) != 5) {
				/* the client may be gone already */
			}
			close(c);
		}
	}
	return NULL;
}

static int r_unix(void)
{
	const char *privdir = getenv("TT_NET_PRIVDIR");
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	pthread_t fl, sv;
	long priv = 0, safe = 0, refused = 0, other = 0, n;
	double budget = bare ? 3 : 8, t0 = now();

	if (!privdir)
		tt_skip("TT_NET_PRIVDIR is not set: run under tracee-tests/net/netns-run.sh");
	if (mkdir("d", 0700) < 0 || symlink(privdir, "d2") < 0)
		tt_fail("mkdir/symlink: %s", strerror(errno));
	strcpy(a.sun_path, "d/priv.sock");
	int l = sock(AF_UNIX, SOCK_STREAM);
	if (bind(l, (struct sockaddr *)&a, sizeof a) < 0 || listen(l, 4096) < 0)
		tt_fail("our own socket d/priv.sock: %s", strerror(errno));
	if (pthread_create(&sv, NULL, serve_safe, (void *)(intptr_t)l) != 0 ||
	    pthread_create(&fl, NULL, flip_dir, NULL) != 0)
		tt_fail("pthread_create");

	tt_watch("the unix connect race");
	for (n = 0; n < 20000 && now() - t0 < budget; n++) {
		int c = sock(AF_UNIX, SOCK_STREAM);
		char g[5];
		if (connect(c, (struct sockaddr *)&a, sizeof a) == 0) {
			if (read(c, g, 5) == 5 && memcmp(g, "PRIV\n", 5) == 0)
				priv++;
			else
				safe++;
		} else if (errno == ECONNREFUSED) {
			refused++;
		} else {
			other++; /* ENOENT, ENOTDIR: the swap was half-way through the lookup */
		}
		close(c);
	}
	atomic_store(&stop, true);
	pthread_join(fl, NULL);
	tt_note("%ld connects: %ld reached the daemon, %ld our own socket, %ld refused, %ld other",
		n, priv, safe, refused, other);
	TT_CHECK(safe > 0, "our own socket in the work directory was never reached");
	if (bare) {
		tt_record("net-expect", "outside");
		TT_CHECK(priv > 0,
			 "control: the daemon was never reached: the race cannot be seen");
	} else if (priv > 0) {
		tt_fail("BYPASS: %ld of %ld connects reached the daemon's socket outside the work "
			"directory (judged path swapped before the kernel resolved it)",
			priv, n);
	}
	return TT_PASS;
}

/* ---- listen: the fd judged is not the socket that listens ------------------------------------ */

static atomic_int flip_fd = -1, bound_fd = -1, fresh_fd = -1, seen_fd = -1;

static void *flip_dup(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		int f = atomic_load(&fresh_fd);
		dup2(atomic_load(&bound_fd), atomic_load(&flip_fd));
		for (volatile int i = 0; i < 2000; i++) /* each state lasts a few microseconds */
			;
		if (f >= 0) {
			dup2(f, atomic_load(&flip_fd));
			atomic_store(&seen_fd,
				     f); /* the main thread waits for this before listen() */
			for (volatile int i = 0; i < 2000; i++)
				;
		}
	}
	return NULL;
}

static bool listening_on_wildcard(int s)
{
	struct sockaddr_in a;
	socklen_t l = sizeof a;
	int acc = 0;
	socklen_t al = sizeof acc;
	if (getsockname(s, (struct sockaddr *)&a, &l) < 0 ||
	    getsockopt(s, SOL_SOCKET, SO_ACCEPTCONN, &acc, &al) < 0)
		tt_fail("getsockname/SO_ACCEPTCONN: %s", strerror(errno));
	return acc && a.sin_addr.s_addr == htonl(INADDR_ANY) && a.sin_port != 0;
}

static int r_listen(void)
{
	struct sockaddr_in lo = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int a = sock(AF_INET, SOCK_STREAM);
	pthread_t fl;
	long doors = 0, refused = 0, n;
	double t0 = now();

	if (bind(a, (struct sockaddr *)&lo, sizeof lo) < 0 || listen(a, 4) < 0)
		tt_fail("our loopback listener: %s", strerror(errno));
	if (bare) {
		/* the control, without a race (there is no tracer to race with): listen() through
		 * an fd that holds a never-bound socket does open the door this test looks for */
		int b = sock(AF_INET, SOCK_STREAM), n2 = dup(a);
		if (n2 < 0 || dup2(b, n2) < 0 || listen(n2, 4) < 0)
			tt_fail("control: listen through a dup2()ed fd: %s", strerror(errno));
		TT_CHECK(listening_on_wildcard(b),
			 "control: the never-bound socket is not listening "
			 "on 0.0.0.0");
		return TT_PASS;
	}
	atomic_store(&bound_fd, a);
	atomic_store(&flip_fd, dup(a));
	if (pthread_create(&fl, NULL, flip_dup, NULL) != 0)
		tt_fail("pthread_create");
	tt_watch("the listen race");
	for (n = 0; n < 2000 && now() - t0 < 3; n++) {
		int b =
		    sock(AF_INET, SOCK_STREAM); /* never bound: listen() would autobind 0.0.0.0 */
		atomic_store(&fresh_fd, b);
		while (atomic_load(&seen_fd) != b)
			sched_yield();
		if (listen(atomic_load(&flip_fd), 4) < 0) {
			if (errno != EADDRNOTAVAIL)
				tt_fail("listen: %s", strerror(errno));
			refused++;
		}
		atomic_store(&fresh_fd, -1);
		if (listening_on_wildcard(b))
			doors++;
		close(b);
	}
	atomic_store(&stop, true);
	pthread_join(fl, NULL);
	tt_note("%ld listen() calls: %ld refused, %ld left an unbound socket listening on 0.0.0.0",
		n, refused, doors);
	if (doors)
		tt_fail(
		    "BYPASS: %ld sockets never bound listen on 0.0.0.0 (the fd was judged while it "
		    "held the loopback socket; dup2 swapped it before the kernel looked)",
		    doors);
	return TT_PASS;
}

int main(int argc, char **argv)
{
	const char *mode = getenv("TT_NET_MODE");

	tt_init(argc, argv);
	bare = mode && strcmp(mode, "bare") == 0;
	tt_watchdog(40, "the race");
	if (argc == 2 && strcmp(argv[1], "inet") == 0)
		return r_inet();
	if (argc == 2 && strcmp(argv[1], "unix") == 0)
		return r_unix();
	if (argc == 2 && strcmp(argv[1], "listen") == 0)
		return r_listen();
	tt_fail("usage: net-race inet|unix|listen");
}
