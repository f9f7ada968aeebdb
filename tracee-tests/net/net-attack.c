/*
 * net-attack: the socket attack corpus (THREATS F), one attack per run: net-attack NAME.
 *
 * Runs inside the private network namespace of tracee-tests/net/netns-run.sh, where
 * 192.0.2.1, 198.51.100.7 and 2001:db8::1 are "outside" hosts (listeners and a sniffer
 * record whatever reaches them or any other non-loopback destination), and the pathname
 * socket $TT_NET_PRIV stands for a privileged daemon outside the work directory.
 *
 * Two modes, from TT_NET_MODE (the driver, checks/net_ns.py, runs both in one namespace):
 *   ward (default)  under sysward: every step of the attack must be refused with the
 *                   policy's errno (connect ECONNREFUSED, bind EADDRNOTAVAIL, socket
 *                   EAFNOSUPPORT).  A step that gets through is reported ("BYPASS") and the
 *                   attack is carried on, so that the listeners see what it achieves; the
 *                   exit status is then 1.
 *   bare            without sysward: the control.  The same steps must work (else the
 *                   attack cannot be shown here: exit 77 when the kernel lacks the feature,
 *                   1 otherwise), and an attack that sends traffic outside records "outside"
 *                   in ./net-expect so the driver insists that the listeners saw it.
 * In ward mode, ./net-expect also lists trail records the attack must have produced
 * ("trail SYSCALL ADDR DECISION"), checked by checks/net_trail.py against the audit trail.
 */
#include "../tt.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#ifndef TCP_FASTOPEN_CONNECT
#define TCP_FASTOPEN_CONNECT 30
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef AF_ALG
#define AF_ALG 38
#endif
#ifndef IPV6_RTHDR
#define IPV6_RTHDR 57
#endif

static bool bare;    /* TT_NET_MODE=bare: no sysward; the control */
static int bypasses; /* ward mode: steps that got through */

/* ---- expectations ---------------------------------------------------------------------- */

static void expect_outside(void)
{
	if (bare)
		tt_record("net-expect", "outside");
}

static void trail(const char *sc, const char *addr, const char *decision)
{
	if (!bare)
		tt_record("net-expect", "trail\t%s\t%s\t%s", sc, addr, decision);
}

/*
 * One step of an attack: `r`/`e` what the call returned.  Ward: it must have failed with
 * `want`; true (carry on) when it got through anyway.  Bare: it must have worked
 * (EINPROGRESS counts: a non-blocking connect has sent its SYN); `nokernel` lists errnos
 * meaning "this kernel cannot do it" (skip).  Returns whether the step went through.
 */
static bool step(const char *what, long r, int e, int want, const int *nokernel)
{
	bool through = r >= 0 || e == EINPROGRESS;

	if (!bare) {
		if (through) {
			tt_note(
			    "BYPASS: %s went through (returned %ld%s%s) instead of failing with %s",
			    what, r, r < 0 ? ", " : "", r < 0 ? strerrorname_np(e) : "",
			    strerrorname_np(want));
			bypasses++;
			return true;
		}
		if (e != want) {
			tt_note("%s: want %s, got %s", what, strerrorname_np(want),
				strerrorname_np(e));
			/* refused, but not as the policy says: a failure all the same */
			bypasses++;
		}
		return false;
	}
	if (!through) {
		for (; nokernel && *nokernel; nokernel++)
			if (e == *nokernel)
				tt_skip("control: %s: %s: this kernel cannot do it", what,
					strerrorname_np(e));
		tt_fail("control: %s failed: %s (the attack cannot be shown without sysward)", what,
			strerrorname_np(e));
	}
	return true;
}

#define STEP(what, call, want)                                                                     \
	({                                                                                         \
		errno = 0;                                                                         \
		long r_ = (long)(call);                                                            \
		step(what, r_, errno, want, NULL);                                                 \
	})

static int finish(void)
{
	if (bypasses)
		tt_fail("%d step(s) of the attack got through or were refused with the wrong errno",
			bypasses);
	return TT_PASS;
}

/* ---- addresses and sockets --------------------------------------------------------------- */

static struct sockaddr_in sin4(const char *ip, unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1)
		tt_fail("bad IPv4 %s", ip);
	return a;
}

static struct sockaddr_in6 sin6(const char *ip, unsigned port, unsigned scope)
{
	struct sockaddr_in6 a = {
	    .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_scope_id = scope};
	if (inet_pton(AF_INET6, ip, &a.sin6_addr) != 1)
		tt_fail("bad IPv6 %s", ip);
	return a;
}

static int sock(int family, int type, int proto)
{
	int s = socket(family, type | SOCK_CLOEXEC, proto);
	if (s < 0)
		tt_fail("socket(%d, %d, %d): %s", family, type, proto, strerror(errno));
	return s;
}

static unsigned local_port(int s)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	if (getsockname(s, (struct sockaddr *)&ss, &l) < 0)
		tt_fail("getsockname: %s", strerror(errno));
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

/* A UDP socket of our own on 127.0.0.1 (or ::1), non-blocking; its port in *port. */
static int udp_receiver(int family, unsigned *port)
{
	int r = sock(family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int rc;
	if (family == AF_INET) {
		struct sockaddr_in a = sin4("127.0.0.1", 0);
		rc = bind(r, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in6 a = sin6("::1", 0, 0);
		rc = bind(r, (struct sockaddr *)&a, sizeof a);
	}
	if (rc < 0)
		tt_fail("bind of our own loopback receiver: %s", strerror(errno));
	*port = local_port(r);
	return r;
}

/* A TCP listener of our own on a loopback address, non-blocking. */
static int tcp_listener(int family, const char *ip, unsigned *port)
{
	int l = sock(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int rc;
	if (family == AF_INET) {
		struct sockaddr_in a = sin4(ip, 0);
		rc = bind(l, (struct sockaddr *)&a, sizeof a);
	} else {
		struct sockaddr_in6 a = sin6(ip, 0, 0);
		rc = bind(l, (struct sockaddr *)&a, sizeof a);
	}
	if (rc < 0 || listen(l, 16) < 0)
		tt_fail("our own loopback listener on %s: %s", ip, strerror(errno));
	*port = local_port(l);
	return l;
}

/* How many datagrams wait on a non-blocking socket (drained). */
static int pending_datagrams(int r)
{
	char b[2048];
	int n = 0;
	while (recv(r, b, sizeof b, MSG_DONTWAIT) >= 0)
		n++;
	if (errno != EAGAIN)
		tt_fail("recv on our receiver: %s", strerror(errno));
	return n;
}

/* A connection arrived (or not) on our own non-blocking listener, waiting up to 2 s for it
 * in bare mode (the handshake runs in softirq, normally before connect even returns). */
static bool accepted(int l)
{
	struct pollfd p = {.fd = l, .events = POLLIN};
	if (poll(&p, 1, bare ? 2000 : 0) < 0)
		tt_fail("poll: %s", strerror(errno));
	int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (c >= 0) {
		close(c);
		return true;
	}
	if (errno != EAGAIN)
		tt_fail("accept: %s", strerror(errno));
	return false;
}

static const char *cwd(void)
{
	static char buf[4096];
	if (!getcwd(buf, sizeof buf))
		tt_fail("getcwd: %s", strerror(errno));
	return buf;
}

static const char *priv_sock(void)
{
	const char *p = getenv("TT_NET_PRIV");
	if (!p || !*p)
		tt_skip("TT_NET_PRIV is not set: run under tracee-tests/net/netns-run.sh");
	return p;
}

/* ---- raw packets (for the families that write their own headers) ------------------------ */

static uint16_t csum(const void *data, size_t len)
{
	const uint8_t *p = data;
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)(p[len - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return htons((uint16_t)~s);
}

/* IPv4 + UDP, 127.0.0.1 -> dst:53, payload "leak"; returns the length. */
static size_t ip_udp_packet(uint8_t *buf, const char *dst)
{
	struct iphdr *ip = (struct iphdr *)buf;
	uint8_t *udp = buf + sizeof *ip;
	size_t len = sizeof *ip + 8 + 4;
	memset(buf, 0, len);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)len);
	ip->saddr = htonl(INADDR_LOOPBACK);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = csum(ip, sizeof *ip);
	udp[0] = 0x30, udp[1] = 0x39; /* sport 12345 */
	udp[3] = 53;
	udp[5] = 12;
	memcpy(udp + 8, "leak", 4);
	return len;
}

/* ---- 1. destinations given at send time ------------------------------------------------- */

static const char *const OUT4 = "192.0.2.1", *const OUT6 = "2001:db8::1";

static int a_tcp4_connect(void)
{
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = sin4(OUT4, 80);
	STEP("connect 192.0.2.1:80", connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("connect", "inet:192.0.2.1:80", "deny");
	expect_outside();
	return finish();
}

static int a_tcp6_connect(void)
{
	int s = sock(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in6 a = sin6(OUT6, 80, 0);
	STEP("connect [2001:db8::1]:80", connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("connect", "inet6:[2001:db8::1]:80", "deny");
	expect_outside();
	return finish();
}

static int a_udp4_sendto(void)
{
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sin4(OUT4, 53);
	STEP("sendto 192.0.2.1:53", sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a),
	     ECONNREFUSED);
	trail("sendto", "inet:192.0.2.1:53", "deny");
	expect_outside();
	return finish();
}

static int a_udp6_sendto(void)
{
	int u = sock(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 a = sin6(OUT6, 53, 0);
	STEP("sendto [2001:db8::1]:53", sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a),
	     ECONNREFUSED);
	trail("sendto", "inet6:[2001:db8::1]:53", "deny");
	expect_outside();
	return finish();
}

static int a_udp4_sendmsg(void)
{
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sin4(OUT4, 53);
	struct iovec iov = {.iov_base = "leak", .iov_len = 4};
	struct msghdr m = {
	    .msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &iov, .msg_iovlen = 1};
	STEP("sendmsg msg_name 192.0.2.1:53", sendmsg(u, &m, 0), ECONNREFUSED);
	trail("sendmsg", "inet:192.0.2.1:53", "deny");
	expect_outside();
	return finish();
}

/* sendmmsg: entry 0 to our own loopback receiver, entry 1 outside.  The tracer runs it as a
 * sendmsg of entry 0: the count is 1 and only entry 0 arrives. */
static int a_udp4_sendmmsg(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port), out = sin4(OUT4, 53);
	struct iovec iov[2] = {{"zero", 4}, {"leak", 4}};
	struct mmsghdr mm[2] = {
	    {.msg_hdr =
		 {.msg_name = &lo, .msg_namelen = sizeof lo, .msg_iov = &iov[0], .msg_iovlen = 1}},
	    {.msg_hdr = {.msg_name = &out,
			 .msg_namelen = sizeof out,
			 .msg_iov = &iov[1],
			 .msg_iovlen = 1}},
	};
	char addr[64];
	int n = sendmmsg(u, mm, 2, 0);
	int e = errno;

	if (n < 0)
		tt_fail("sendmmsg [loopback, 192.0.2.1]: %s", strerror(e));
	if (bare) {
		TT_CHECK(n == 2, "control: sendmmsg sent %d of 2", n);
		expect_outside();
	} else {
		if (n != 1) {
			tt_note("BYPASS: sendmmsg returned %d: entry 1 (192.0.2.1) was sent", n);
			bypasses++;
		}
		TT_CHECK(mm[0].msg_len == 4, "sendmmsg entry 0 msg_len %u, want 4", mm[0].msg_len);
		snprintf(addr, sizeof addr, "inet:127.0.0.1:%u", port);
		trail("sendmmsg", addr, "allow");
	}
	TT_CHECK(pending_datagrams(r) == 1, "our loopback receiver did not get exactly entry 0");
	return finish();
}

static int a_udp4_sendmmsg_first(void)
{
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in out = sin4(OUT4, 53);
	struct iovec iov = {"leak", 4};
	struct mmsghdr mm[1] = {
	    {.msg_hdr =
		 {.msg_name = &out, .msg_namelen = sizeof out, .msg_iov = &iov, .msg_iovlen = 1}},
	};
	STEP("sendmmsg entry 0 192.0.2.1:53", sendmmsg(u, mm, 1, 0), ECONNREFUSED);
	trail("sendmmsg", "inet:192.0.2.1:53", "deny");
	expect_outside();
	return finish();
}

/* connect(AF_UNSPEC) dissolves a UDP association with loopback; then sendto outside. */
static int a_udp4_unspec(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port), out = sin4(OUT4, 53);
	struct sockaddr un = {.sa_family = AF_UNSPEC};

	if (connect(u, (struct sockaddr *)&lo, sizeof lo) < 0 || send(u, "a", 1, 0) != 1)
		tt_fail("connect+send to our loopback receiver: %s", strerror(errno));
	TT_CHECK(pending_datagrams(r) == 1, "the loopback datagram did not arrive");
	if (connect(u, &un, sizeof un) < 0)
		tt_fail("connect(AF_UNSPEC): %s", strerror(errno));
	STEP("sendto 192.0.2.1:53 after connect(AF_UNSPEC)",
	     sendto(u, "leak", 4, 0, (struct sockaddr *)&out, sizeof out), ECONNREFUSED);
	trail("sendto", "inet:192.0.2.1:53", "deny");
	errno = 0;
	TT_EXPECT_ERRNO(send(u, "b", 1, 0), errno, EDESTADDRREQ, "send() on the dissolved socket");
	expect_outside();
	return finish();
}

/* sendto with sa_family AF_UNSPEC: the IPv4 stack reads it as AF_INET */
static int a_udp4_unspec_family(void)
{
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sin4(OUT4, 53);
	a.sin_family = AF_UNSPEC;
	STEP("sendto {AF_UNSPEC, 192.0.2.1:53}",
	     sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("sendto", "inet:192.0.2.1:53", "deny");
	expect_outside();
	return finish();
}

/* an AF_INET6 UDP socket sends to a sockaddr_in as IPv4 */
static int a_udp6_inet_family(void)
{
	int u = sock(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in a = sin4(OUT4, 53);
	STEP("AF_INET6 socket: sendto sockaddr_in 192.0.2.1:53",
	     sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("sendto", "inet:192.0.2.1:53", "deny");
	expect_outside();
	return finish();
}

static int a_tfo_sendto(void)
{
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = sin4(OUT4, 80);
	STEP("sendto(MSG_FASTOPEN) 192.0.2.1:80",
	     sendto(s, "leak", 4, MSG_FASTOPEN, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("sendto", "inet:192.0.2.1:80", "deny");
	expect_outside();
	return finish();
}

static int a_tfo_sendmsg(void)
{
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in a = sin4(OUT4, 80);
	struct iovec iov = {"leak", 4};
	struct msghdr m = {
	    .msg_name = &a, .msg_namelen = sizeof a, .msg_iov = &iov, .msg_iovlen = 1};
	STEP("sendmsg(MSG_FASTOPEN) 192.0.2.1:80", sendmsg(s, &m, MSG_FASTOPEN), ECONNREFUSED);
	trail("sendmsg", "inet:192.0.2.1:80", "deny");
	expect_outside();
	return finish();
}

static int a_tfo_connect(void)
{
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	int one = 1;
	struct sockaddr_in a = sin4(OUT4, 80);
	if (setsockopt(s, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof one) < 0)
		tt_skip("TCP_FASTOPEN_CONNECT: %s", strerror(errno));
	if (STEP("TCP_FASTOPEN_CONNECT + connect 192.0.2.1:80",
		 connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED))
		STEP("write after a deferred (fast open) connect", write(s, "leak", 4),
		     ECONNREFUSED);
	trail("connect", "inet:192.0.2.1:80", "deny");
	expect_outside();
	return finish();
}

static int a_mptcp(int family)
{
	int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_MPTCP);
	if (s < 0)
		tt_skip("socket(IPPROTO_MPTCP): %s", strerror(errno));
	if (family == AF_INET) {
		struct sockaddr_in a = sin4(OUT4, 80);
		STEP("MPTCP connect 192.0.2.1:80", connect(s, (struct sockaddr *)&a, sizeof a),
		     ECONNREFUSED);
		trail("connect", "inet:192.0.2.1:80", "deny");
	} else {
		struct sockaddr_in6 a = sin6(OUT6, 80, 0);
		STEP("MPTCP connect [2001:db8::1]:80", connect(s, (struct sockaddr *)&a, sizeof a),
		     ECONNREFUSED);
		trail("connect", "inet6:[2001:db8::1]:80", "deny");
	}
	expect_outside();
	return finish();
}
static int a_mptcp4(void)
{
	return a_mptcp(AF_INET);
}
static int a_mptcp6(void)
{
	return a_mptcp(AF_INET6);
}

/* ---- 2. address forms --------------------------------------------------------------------- */

/* TCP connect from an AF_INET6 socket to `ip`, refused; `addr` the trail's form (or NULL) */
static int v6_connect_refused(const char *ip, unsigned port, unsigned scope, const char *addr)
{
	int s = sock(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in6 a = sin6(ip, port, scope);
	char what[128];
	snprintf(what, sizeof what, "connect [%s%%%u]:%u", ip, scope, port);
	STEP(what, connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("connect", addr ? addr : "*", "deny");
	expect_outside();
	return finish();
}

static int v6_sendto_refused(const char *ip, unsigned port, const char *addr)
{
	int u = sock(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 a = sin6(ip, port, 0);
	char what[128];
	snprintf(what, sizeof what, "sendto [%s]:%u", ip, port);
	STEP(what, sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a), ECONNREFUSED);
	trail("sendto", addr ? addr : "*", "deny");
	expect_outside();
	return finish();
}

static int a_v6_mapped(void)
{
	return v6_connect_refused("::ffff:192.0.2.1", 80, 0, "inet:192.0.2.1:80");
}
static int a_v6_mapped_udp(void)
{
	return v6_sendto_refused("::ffff:192.0.2.1", 53, "inet:192.0.2.1:53");
}
static int a_v6_compat(void)
{
	return v6_connect_refused("::192.0.2.1", 80, 0, NULL);
}
/* ::127.0.0.1 is IPv4-compatible in form, but the kernel routes it as IPv6 (default route) */
static int a_v6_compat_lo(void)
{
	return v6_connect_refused("::127.0.0.1", 80, 0, NULL);
}
static int a_v6_compat_lo_udp(void)
{
	return v6_sendto_refused("::127.0.0.1", 53, NULL);
}
/* IPv4-translated (SIIT) ::ffff:0:a.b.c.d is IPv6 */
static int a_v6_translated(void)
{
	return v6_connect_refused("::ffff:0:127.0.0.1", 80, 0, NULL);
}
static int a_v6_scope_out(void)
{
	return v6_connect_refused(OUT6, 80, 1, "inet6:[2001:db8::1%1]:80");
}

static int a_other_local(void)
{
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in t = sin4("198.51.100.7", 80), d = sin4("198.51.100.7", 53);
	STEP("connect 198.51.100.7:80 (an address of this host, not loopback)",
	     connect(s, (struct sockaddr *)&t, sizeof t), ECONNREFUSED);
	STEP("sendto 198.51.100.7:53", sendto(u, "leak", 4, 0, (struct sockaddr *)&d, sizeof d),
	     ECONNREFUSED);
	trail("connect", "inet:198.51.100.7:80", "deny");
	trail("sendto", "inet:198.51.100.7:53", "deny");
	expect_outside();
	return finish();
}

/* 0.0.0.0 and :: as destinations reach the local host: refused (loopback is 127/8, ::1) */
static int zero_dst(int family)
{
	unsigned tport, uport;
	int l = tcp_listener(family, family == AF_INET ? "127.0.0.1" : "::1", &tport);
	int r = udp_receiver(family, &uport);
	int s = sock(family, SOCK_STREAM | SOCK_NONBLOCK, 0), u = sock(family, SOCK_DGRAM, 0);
	char addr[64];
	bool c, d;

	if (family == AF_INET) {
		struct sockaddr_in t = sin4("0.0.0.0", tport), v = sin4("0.0.0.0", uport);
		c = STEP("connect 0.0.0.0:P", connect(s, (struct sockaddr *)&t, sizeof t),
			 ECONNREFUSED);
		d = STEP("sendto 0.0.0.0:P", sendto(u, "z", 1, 0, (struct sockaddr *)&v, sizeof v),
			 ECONNREFUSED);
		snprintf(addr, sizeof addr, "inet:0.0.0.0:%u", tport);
	} else {
		struct sockaddr_in6 t = sin6("::", tport, 0), v = sin6("::", uport, 0);
		c = STEP("connect [::]:P", connect(s, (struct sockaddr *)&t, sizeof t),
			 ECONNREFUSED);
		d = STEP("sendto [::]:P", sendto(u, "z", 1, 0, (struct sockaddr *)&v, sizeof v),
			 ECONNREFUSED);
		snprintf(addr, sizeof addr, "inet6:[::]:%u", tport);
	}
	trail("connect", addr, "deny");
	/* what reached our own loopback sockets is exactly what got through */
	TT_CHECK(accepted(l) == c, "the TCP connection %s our listener",
		 c ? "did not reach" : "reached");
	TT_CHECK((pending_datagrams(r) == 1) == d, "the datagram %s our receiver",
		 d ? "did not reach" : "reached");
	return finish();
}
static int a_zero4(void)
{
	return zero_dst(AF_INET);
}
static int a_zero6(void)
{
	return zero_dst(AF_INET6);
}

/* ---- 4. inbound doors ------------------------------------------------------------------------ */

static int bind_refused(int family, int type, const char *ip, const char *addr)
{
	int s = sock(family, type, 0);
	char what[96];
	snprintf(what, sizeof what, "bind %s:0", ip);
	if (family == AF_INET) {
		struct sockaddr_in a = sin4(ip, 0);
		STEP(what, bind(s, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL);
	} else {
		struct sockaddr_in6 a = sin6(ip, 0, 0);
		STEP(what, bind(s, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL);
	}
	trail("bind", addr, "deny");
	return finish();
}
static int a_bind_any4(void)
{
	return bind_refused(AF_INET, SOCK_STREAM, "0.0.0.0", "inet:0.0.0.0:0");
}
static int a_bind_any6(void)
{
	return bind_refused(AF_INET6, SOCK_STREAM, "::", "inet6:[::]:0");
}
static int a_bind_any_udp(void)
{
	return bind_refused(AF_INET, SOCK_DGRAM, "0.0.0.0", "inet:0.0.0.0:0");
}
static int a_bind_other(void)
{
	return bind_refused(AF_INET, SOCK_STREAM, "198.51.100.7", "inet:198.51.100.7:0");
}
static int a_bind_doc6(void)
{
	return bind_refused(AF_INET6, SOCK_STREAM, OUT6, "inet6:[2001:db8::1]:0");
}
static int a_bind_mapped_any(void)
{
	return bind_refused(AF_INET6, SOCK_STREAM, "::ffff:0.0.0.0", "inet:0.0.0.0:0");
}

/* bind {AF_UNSPEC, INADDR_ANY}: inet_bind takes it as AF_INET 0.0.0.0 */
static int a_bind_unspec(void)
{
	int s = sock(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = sin4("0.0.0.0", 0);
	a.sin_family = AF_UNSPEC;
	STEP("bind {AF_UNSPEC, 0.0.0.0}", bind(s, (struct sockaddr *)&a, sizeof a), EADDRNOTAVAIL);
	trail("bind", "inet:0.0.0.0:0", "deny");
	return finish();
}

/* listen() on a TCP socket never bound autobinds the wildcard address */
static int listen_unbound(int family)
{
	int s = sock(family, SOCK_STREAM, 0);
	if (STEP("listen() on an unbound TCP socket", listen(s, 1), EADDRNOTAVAIL) && bare)
		TT_CHECK(local_port(s) != 0, "control: listen did not autobind a port");
	trail("listen", family == AF_INET ? "inet:0.0.0.0:0" : "inet6:[::]:0", "deny");
	return finish();
}
static int a_listen4(void)
{
	return listen_unbound(AF_INET);
}
static int a_listen6(void)
{
	return listen_unbound(AF_INET6);
}

static bool unix_named(int s)
{
	struct sockaddr_un a;
	socklen_t l = sizeof a;
	if (getsockname(s, (struct sockaddr *)&a, &l) < 0)
		tt_fail("getsockname: %s", strerror(errno));
	return l > sizeof(sa_family_t);
}

/* bind with only sun_family: autobind to an abstract name */
static int a_unix_autobind(void)
{
	int s = sock(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	STEP("bind(AF_UNIX, addrlen 2): autobind",
	     bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)), EADDRNOTAVAIL);
	trail("bind", "unix-unnamed", "deny");
	if (!bare && unix_named(s)) {
		tt_note("BYPASS: the socket has an abstract name after the refused bind");
		bypasses++;
	}
	return finish();
}

/* SO_PASSCRED on an unbound, unconnected unix datagram socket: its first sendto autobinds it
 * to an abstract name, as bind(addrlen 2) does, without any bind call (unix_dgram_sendmsg
 * autobinds before it even looks the destination up).  Unconnected, the socket then takes
 * datagrams from anyone in the network namespace: an inbound door. */
static int a_unix_autobind_passcred(void)
{
	int s = sock(AF_UNIX, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_un to = {.sun_family = AF_UNIX}, me;
	socklen_t l = sizeof me;
	if (setsockopt(s, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
		tt_fail("SO_PASSCRED: %s", strerror(errno));
	/* a pathname the default profile lets a program name; nothing listens there */
	snprintf(to.sun_path, sizeof to.sun_path, "%s/nobody.sock", cwd());
	errno = 0;
	TT_CHECK(sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof to) < 0,
		 "sendto to a socket that does not exist worked");
	TT_CHECK(errno == ENOENT || errno == ECONNREFUSED, "sendto: %s", strerrorname_np(errno));
	if (getsockname(s, (struct sockaddr *)&me, &l) < 0)
		tt_fail("getsockname: %s", strerror(errno));
	bool named = l > sizeof(sa_family_t);
	if (bare) {
		/* the control: the door is real: another socket's datagram comes in by that name */
		int o = sock(AF_UNIX, SOCK_DGRAM, 0);
		char b[4];
		TT_CHECK(named, "control: the sendto did not autobind");
		if (sendto(o, "in", 2, 0, (struct sockaddr *)&me, l) != 2 ||
		    recv(s, b, sizeof b, 0) != 2)
			tt_fail("control: a datagram to the autobound name: %s", strerror(errno));
	} else if (named) {
		tt_note(
		    "BYPASS: sendto() with SO_PASSCRED autobound the socket to the abstract name "
		    "'\\0%.*s', which takes datagrams from anyone: no bind() asked for it",
		    (int)(l - sizeof(sa_family_t) - 1), me.sun_path + 1);
		bypasses++;
	}
	return finish();
}

/* ---- 5. other families -------------------------------------------------------------------- */

static const int fam_nokernel[] = {EAFNOSUPPORT, EPROTONOSUPPORT, ESOCKTNOSUPPORT, EINVAL, 0};

static int fam_refused(const char *what, int family, int type, int proto, int *out)
{
	errno = 0;
	int s = socket(family, type | SOCK_CLOEXEC, proto);
	bool through = step(what, s, errno, EAFNOSUPPORT, fam_nokernel);
	*out = through ? s : -1;
	return through;
}

static int a_fam_netlink(void)
{
	int s;
	fam_refused("socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE)", AF_NETLINK, SOCK_RAW, 0, &s);
	trail("socket", "-", "deny");
	return finish();
}

static int a_fam_vsock(void)
{
	int s;
	/* never connect it: a vsock reaches the hypervisor's host, off this machine */
	fam_refused("socket(AF_VSOCK, SOCK_STREAM)", AF_VSOCK, SOCK_STREAM, 0, &s);
	trail("socket", "-", "deny");
	return finish();
}

static int a_fam_alg(void)
{
	int s;
	fam_refused("socket(AF_ALG, SOCK_SEQPACKET)", AF_ALG, SOCK_SEQPACKET, 0, &s);
	trail("socket", "-", "deny");
	return finish();
}

/* an Ethernet frame carrying the IPv4/UDP packet to 192.0.2.1, out of lo */
static size_t frame(uint8_t *buf)
{
	memset(buf, 0, 14);
	buf[12] = 0x08;
	return 14 + ip_udp_packet(buf + 14, OUT4);
}

static int a_fam_packet(void)
{
	int s;
	uint8_t f[128];
	if (fam_refused("socket(AF_PACKET, SOCK_RAW, ETH_P_ALL)", AF_PACKET, SOCK_RAW,
			htons(ETH_P_ALL), &s)) {
		struct sockaddr_ll ll = {.sll_family = AF_PACKET,
					 .sll_protocol = htons(ETH_P_IP),
					 .sll_ifindex = (int)if_nametoindex("lo"),
					 .sll_halen = 6};
		size_t n = frame(f);
		if (sendto(s, f, n, 0, (struct sockaddr *)&ll, sizeof ll) != (ssize_t)n)
			tt_fail("AF_PACKET sendto: %s", strerror(errno));
		expect_outside();
	}
	trail("socket", "-", "deny");
	return finish();
}

/* socket(AF_INET, SOCK_PACKET): the kernel's compatibility path makes an AF_PACKET socket */
static int a_fam_inet_sockpacket(void)
{
	int s;
	uint8_t f[128];
	if (fam_refused("socket(AF_INET, SOCK_PACKET, ETH_P_ALL)", AF_INET, SOCK_PACKET,
			htons(ETH_P_ALL), &s)) {
		struct sockaddr_pkt pk = {.spkt_family = AF_PACKET,
					  .spkt_protocol = htons(ETH_P_IP)};
		size_t n = frame(f);
		strcpy((char *)pk.spkt_device, "lo");
		if (sendto(s, f, n, 0, (struct sockaddr *)&pk, sizeof pk) != (ssize_t)n)
			tt_fail("SOCK_PACKET sendto: %s", strerror(errno));
		expect_outside();
	}
	trail("socket", "-", "deny");
	return finish();
}

/* raw IPv4 with IP_HDRINCL: the header names 192.0.2.1 whatever sendto says (127.0.0.1) */
static int raw4(int proto)
{
	int s, one = 1;
	uint8_t p[64];
	if (fam_refused("socket(AF_INET, SOCK_RAW)", AF_INET, SOCK_RAW, proto, &s)) {
		struct sockaddr_in lo = sin4("127.0.0.1", 0);
		size_t n = ip_udp_packet(p, OUT4);
		if (setsockopt(s, IPPROTO_IP, IP_HDRINCL, &one, sizeof one) < 0)
			tt_fail("IP_HDRINCL: %s", strerror(errno));
		if (sendto(s, p, n, 0, (struct sockaddr *)&lo, sizeof lo) != (ssize_t)n)
			tt_fail("raw sendto: %s", strerror(errno));
		expect_outside();
	}
	trail("socket", "-", "deny");
	return finish();
}
static int a_fam_raw4(void)
{
	return raw4(IPPROTO_UDP);
}
static int a_fam_raw4_ipproto_raw(void)
{
	return raw4(IPPROTO_RAW);
}

static int a_fam_raw6(void)
{
	int s;
	if (fam_refused("socket(AF_INET6, SOCK_RAW, IPPROTO_UDP)", AF_INET6, SOCK_RAW, IPPROTO_UDP,
			&s)) {
		struct sockaddr_in6 a = sin6(OUT6, 0, 0);
		uint8_t udp[12] = {0x30, 0x39, 0, 53, 0, 12, 0, 0, 'l', 'e', 'a', 'k'};
		if (sendto(s, udp, sizeof udp, 0, (struct sockaddr *)&a, sizeof a) != sizeof udp)
			tt_fail("raw6 sendto: %s", strerror(errno));
		expect_outside();
	}
	trail("socket", "-", "deny");
	return finish();
}

static int ping(int family)
{
	int s;
	uint8_t echo[8] = {family == AF_INET ? 8 : 128, 0, 0, 0, 0, 0, 0, 1};
	if (fam_refused("socket(SOCK_DGRAM, ICMP): a ping socket", family, SOCK_DGRAM,
			family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6, &s)) {
		ssize_t n;
		if (family == AF_INET) {
			struct sockaddr_in a = sin4(OUT4, 0);
			n = sendto(s, echo, sizeof echo, 0, (struct sockaddr *)&a, sizeof a);
		} else {
			struct sockaddr_in6 a = sin6(OUT6, 0, 0);
			n = sendto(s, echo, sizeof echo, 0, (struct sockaddr *)&a, sizeof a);
		}
		if (n != sizeof echo)
			tt_fail("ping sendto: %s", strerror(errno));
		expect_outside();
	}
	trail("socket", "-", "deny");
	return finish();
}
static int a_fam_ping4(void)
{
	return ping(AF_INET);
}
static int a_fam_ping6(void)
{
	return ping(AF_INET6);
}

/* every family but unix, inet and inet6, four types each: none may be created */
static int a_fam_sweep(void)
{
	static const int types[] = {SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_SEQPACKET};
	int made = 0, tried = 0;
	for (int f = 0; f < 46; f++) {
		if (f == AF_UNIX || f == AF_INET || f == AF_INET6 || f == AF_VSOCK)
			continue; /* vsock: a socket() is harmless, but never more (a_fam_vsock) */
		for (unsigned t = 0; t < sizeof types / sizeof *types; t++) {
			int s = socket(f, types[t] | SOCK_CLOEXEC, 0);
			tried++;
			if (s >= 0) {
				made++;
				if (!bare) {
					tt_note("BYPASS: socket(%d, %d, 0) was created", f,
						types[t]);
					bypasses++;
				}
				close(s);
			}
		}
	}
	tt_note("%d of %d sockets of other families created", made, tried);
	if (bare)
		TT_CHECK(made > 0, "control: no family at all could be created");
	trail("socket", "-", "deny");
	return finish();
}

/* ---- source routing: the destination rides in an IP option / extension header ------------- */

static const uint8_t LSRR[8] = {IPOPT_NOP, IPOPT_LSRR, 7, 4, 192, 0, 2, 1};

/* The option itself may be refused (any errno) or the send that carries it (ECONNREFUSED). */
static bool option_set(const char *what, int r)
{
	if (r == 0)
		return true;
	if (bare)
		tt_fail("control: %s: %s", what, strerror(errno));
	tt_note("%s refused: %s", what, strerrorname_np(errno));
	return false;
}

static int a_lsrr_sockopt(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	(void)r;
	if (option_set("setsockopt(IP_OPTIONS, LSRR 192.0.2.1)",
		       setsockopt(u, IPPROTO_IP, IP_OPTIONS, LSRR, sizeof LSRR)))
		STEP("sendto 127.0.0.1 with a loose source route through 192.0.2.1",
		     sendto(u, "leak", 4, 0, (struct sockaddr *)&lo, sizeof lo), ECONNREFUSED);
	expect_outside();
	return finish();
}

static int a_lsrr_cmsg(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	struct iovec iov = {"leak", 4};
	union {
		char buf[CMSG_SPACE(sizeof LSRR)];
		struct cmsghdr align;
	} u_;
	struct msghdr m = {.msg_name = &lo,
			   .msg_namelen = sizeof lo,
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u_.buf,
			   .msg_controllen = sizeof u_.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	(void)r;
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_RETOPTS;
	c->cmsg_len = CMSG_LEN(sizeof LSRR);
	memcpy(CMSG_DATA(c), LSRR, sizeof LSRR);
	STEP("sendmsg 127.0.0.1 with cmsg IP_RETOPTS (LSRR 192.0.2.1)", sendmsg(u, &m, 0),
	     ECONNREFUSED);
	expect_outside();
	return finish();
}

static int a_lsrr_tcp(void)
{
	unsigned port;
	int l = tcp_listener(AF_INET, "127.0.0.1", &port);
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	(void)l;
	if (option_set("setsockopt(IP_OPTIONS, LSRR 192.0.2.1) on TCP",
		       setsockopt(s, IPPROTO_IP, IP_OPTIONS, LSRR, sizeof LSRR)))
		STEP("connect 127.0.0.1 with a loose source route through 192.0.2.1",
		     connect(s, (struct sockaddr *)&lo, sizeof lo), ECONNREFUSED);
	expect_outside();
	return finish();
}

/* IPv6 segment routing header (type 4): the next segment becomes the destination */
static int a_srh6(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET6, &port);
	int u = sock(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 lo = sin6("::1", port, 0);
	uint8_t srh[8 + 32] = {0, 4, 4, 1, 1, 0, 0, 0}; /* hdrlen 4, type 4, left 1, last 1 */
	(void)r;
	inet_pton(AF_INET6, "::1", srh + 8);	 /* segment 0: the final destination */
	inet_pton(AF_INET6, OUT6, srh + 8 + 16); /* segment 1: visited first */
	if (option_set("setsockopt(IPV6_RTHDR, SRH via 2001:db8::1)",
		       setsockopt(u, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof srh)))
		STEP("sendto [::1] with a segment routing header via 2001:db8::1",
		     sendto(u, "leak", 4, 0, (struct sockaddr *)&lo, sizeof lo), ECONNREFUSED);
	expect_outside();
	return finish();
}

/* ---- a loopback destination sent out of the external interface ------------------------------ */

static const char *iface(void)
{
	const char *i = getenv("TT_NET_IFACE");
	if (!i || !*i)
		tt_skip("TT_NET_IFACE is not set: run under tracee-tests/net/netns-run.sh");
	return i;
}

/* SO_BINDTODEVICE (unprivileged since Linux 5.7): 127.0.0.1 is routed out of that device */
static int a_btd_udp(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	(void)r;
	if (option_set(
		"SO_BINDTODEVICE to the external interface",
		setsockopt(u, SOL_SOCKET, SO_BINDTODEVICE, iface(), (socklen_t)strlen(iface()))))
		STEP("sendto 127.0.0.1 from a socket bound to the external interface",
		     sendto(u, "leak", 4, 0, (struct sockaddr *)&lo, sizeof lo), ECONNREFUSED);
	expect_outside();
	return finish();
}

static int a_btd_tcp(void)
{
	unsigned port;
	int l = tcp_listener(AF_INET, "127.0.0.1", &port);
	int s = sock(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	(void)l;
	if (option_set(
		"SO_BINDTODEVICE to the external interface",
		setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, iface(), (socklen_t)strlen(iface()))))
		STEP("connect 127.0.0.1 from a socket bound to the external interface",
		     connect(s, (struct sockaddr *)&lo, sizeof lo), ECONNREFUSED);
	expect_outside();
	return finish();
}

/* IP_UNICAST_IF: the same without SO_BINDTODEVICE (an ifindex in network byte order) */
static int a_unicast_if(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	uint32_t idx = htonl(if_nametoindex(iface()));
	(void)r;
	if (option_set("IP_UNICAST_IF the external interface",
		       setsockopt(u, IPPROTO_IP, IP_UNICAST_IF, &idx, sizeof idx)))
		STEP("sendto 127.0.0.1 with IP_UNICAST_IF",
		     sendto(u, "leak", 4, 0, (struct sockaddr *)&lo, sizeof lo), ECONNREFUSED);
	expect_outside();
	return finish();
}

/* IP_PKTINFO as a control message: per-datagram outgoing interface */
static int a_pktinfo_if(void)
{
	unsigned port;
	int r = udp_receiver(AF_INET, &port);
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in lo = sin4("127.0.0.1", port);
	struct iovec iov = {"leak", 4};
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} u_;
	struct msghdr m = {.msg_name = &lo,
			   .msg_namelen = sizeof lo,
			   .msg_iov = &iov,
			   .msg_iovlen = 1,
			   .msg_control = u_.buf,
			   .msg_controllen = sizeof u_.buf};
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct in_pktinfo pi = {.ipi_ifindex = (int)if_nametoindex(iface())};
	(void)r;
	memset(u_.buf, 0, sizeof u_.buf);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof pi);
	memcpy(CMSG_DATA(c), &pi, sizeof pi);
	STEP("sendmsg 127.0.0.1 with cmsg IP_PKTINFO (the external interface)", sendmsg(u, &m, 0),
	     ECONNREFUSED);
	expect_outside();
	return finish();
}

/* multicast and broadcast leave by the default route: not loopback */
static int a_multicast(void)
{
	int u = sock(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = sin4("224.0.0.251", 5353);
	STEP("sendto 224.0.0.251:5353", sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a),
	     ECONNREFUSED);
	trail("sendto", "inet:224.0.0.251:5353", "deny");
	expect_outside();
	return finish();
}

static int a_broadcast(void)
{
	int u = sock(AF_INET, SOCK_DGRAM, 0), one = 1;
	struct sockaddr_in a = sin4("255.255.255.255", 67);
	if (setsockopt(u, SOL_SOCKET, SO_BROADCAST, &one, sizeof one) < 0)
		tt_fail("SO_BROADCAST: %s", strerror(errno));
	STEP("sendto 255.255.255.255:67", sendto(u, "leak", 4, 0, (struct sockaddr *)&a, sizeof a),
	     ECONNREFUSED);
	trail("sendto", "inet:255.255.255.255:67", "deny");
	expect_outside();
	return finish();
}

/* ---- 6. unix sockets ---------------------------------------------------------------------- */

static int unix_connect_refused(const char *what, const char *path, const char *resolved)
{
	int s = sock(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char addr[4200];
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (STEP(what, connect(s, (struct sockaddr *)&a, sizeof a), ECONNREFUSED)) {
		char g[8] = "";
		if (read(s, g, 5) == 5 && memcmp(g, "PRIV\n", 5) == 0)
			tt_note("%s: connected to the privileged daemon", what);
	}
	snprintf(addr, sizeof addr, "unix:%s", resolved);
	trail("connect", addr, "deny");
	expect_outside();
	return finish();
}

/* the daemon's socket outside the work directory, named directly */
static int a_unix_priv(void)
{
	return unix_connect_refused("connect to the daemon's socket", priv_sock(), priv_sock());
}

/* ... through a symlink in the work directory: judged by the resolved path */
static int a_unix_symlink(void)
{
	if (symlink(priv_sock(), "link.sock") < 0)
		tt_fail("symlink: %s", strerror(errno));
	return unix_connect_refused("connect to ./link.sock -> the daemon's socket", "link.sock",
				    priv_sock());
}

/* ... by a relative name that climbs out of the work directory with `..` */
static int a_unix_dotdot(void)
{
	char rel[4200] = "";
	const char *p = priv_sock(), *w = cwd();
	for (; *w; w++)
		if (*w == '/')
			strcat(rel, "../");
	strcat(rel, p + 1);
	return unix_connect_refused("connect to ../../(...)/priv.sock", rel, p);
}

/* ... through a symlinked directory in the work directory (and a `..` on the way) */
static int a_unix_dirlink(void)
{
	char rel[4200];
	const char *p = priv_sock(), *base = strrchr(p, '/');
	if (mkdir("sub", 0700) < 0 || symlink(getenv("TT_NET_PRIVDIR"), "sub/d") < 0)
		tt_fail("mkdir/symlink: %s", strerror(errno));
	snprintf(rel, sizeof rel, "sub/../sub/d/%s", base + 1);
	return unix_connect_refused("connect to sub/../sub/d/priv.sock (sub/d -> the daemon's dir)",
				    rel, p);
}

/* ... through /proc/self/fd/N of an O_PATH fd on it */
static int a_unix_procfd(void)
{
	char path[64];
	int fd = open(priv_sock(), O_PATH | O_CLOEXEC);
	if (fd < 0)
		tt_fail("open(O_PATH) the daemon's socket: %s", strerror(errno));
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	return unix_connect_refused("connect to /proc/self/fd/N (O_PATH on the daemon's socket)",
				    path, priv_sock());
}

/* ... through a hard link in the work directory: a unix socket is its inode, not its name */
static int a_unix_hardlink(void)
{
	char full[4200];
	if (link(priv_sock(), "hard.sock") < 0) {
		if (bare)
			tt_skip("link() the daemon's socket: %s", strerror(errno));
		tt_note("link() refused: %s", strerrorname_np(errno));
		return finish();
	}
	snprintf(full, sizeof full, "%s/hard.sock", cwd());
	return unix_connect_refused("connect to ./hard.sock (a hard link of the daemon's socket)",
				    "hard.sock", full);
}

/* the abstract socket of a daemon in the same network namespace (CVE-2020-15257) */
static int a_unix_abstract(void)
{
	int s = sock(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	static const char name[] = "sysward-daemon";
	memcpy(a.sun_path + 1, name, sizeof name - 1);
	STEP(
	    "connect to the abstract socket sysward-daemon",
	    connect(s, (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + sizeof name),
	    ECONNREFUSED);
	trail("connect", "unix-abstract:sysward-daemon", "deny");
	expect_outside();
	return finish();
}

/* ---- the table ----------------------------------------------------------------------------- */

static const struct {
	const char *name;
	int (*fn)(void);
} attacks[] = {
    {"tcp4-connect", a_tcp4_connect},
    {"tcp6-connect", a_tcp6_connect},
    {"udp4-sendto", a_udp4_sendto},
    {"udp6-sendto", a_udp6_sendto},
    {"udp4-sendmsg", a_udp4_sendmsg},
    {"udp4-sendmmsg", a_udp4_sendmmsg},
    {"udp4-sendmmsg-first", a_udp4_sendmmsg_first},
    {"udp4-unspec", a_udp4_unspec},
    {"udp4-unspec-family", a_udp4_unspec_family},
    {"udp6-inet-family", a_udp6_inet_family},
    {"tfo-sendto", a_tfo_sendto},
    {"tfo-sendmsg", a_tfo_sendmsg},
    {"tfo-connect", a_tfo_connect},
    {"mptcp4", a_mptcp4},
    {"mptcp6", a_mptcp6},
    {"v6-mapped", a_v6_mapped},
    {"v6-mapped-udp", a_v6_mapped_udp},
    {"v6-compat", a_v6_compat},
    {"v6-compat-lo", a_v6_compat_lo},
    {"v6-compat-lo-udp", a_v6_compat_lo_udp},
    {"v6-translated", a_v6_translated},
    {"v6-scope-out", a_v6_scope_out},
    {"other-local", a_other_local},
    {"zero4", a_zero4},
    {"zero6", a_zero6},
    {"bind-any4", a_bind_any4},
    {"bind-any6", a_bind_any6},
    {"bind-any-udp", a_bind_any_udp},
    {"bind-other", a_bind_other},
    {"bind-doc6", a_bind_doc6},
    {"bind-mapped-any", a_bind_mapped_any},
    {"bind-unspec", a_bind_unspec},
    {"listen4", a_listen4},
    {"listen6", a_listen6},
    {"unix-autobind", a_unix_autobind},
    {"unix-autobind-passcred", a_unix_autobind_passcred},
    {"fam-netlink", a_fam_netlink},
    {"fam-packet", a_fam_packet},
    {"fam-inet-sockpacket", a_fam_inet_sockpacket},
    {"fam-raw4", a_fam_raw4},
    {"fam-raw4-ipproto-raw", a_fam_raw4_ipproto_raw},
    {"fam-raw6", a_fam_raw6},
    {"fam-ping4", a_fam_ping4},
    {"fam-ping6", a_fam_ping6},
    {"fam-vsock", a_fam_vsock},
    {"fam-alg", a_fam_alg},
    {"fam-sweep", a_fam_sweep},
    {"lsrr-sockopt", a_lsrr_sockopt},
    {"lsrr-cmsg", a_lsrr_cmsg},
    {"lsrr-tcp", a_lsrr_tcp},
    {"srh6", a_srh6},
    {"unix-priv", a_unix_priv},
    {"unix-symlink", a_unix_symlink},
    {"unix-dotdot", a_unix_dotdot},
    {"unix-dirlink", a_unix_dirlink},
    {"unix-procfd", a_unix_procfd},
    {"unix-hardlink", a_unix_hardlink},
    {"unix-abstract", a_unix_abstract},
    {"btd-udp", a_btd_udp},
    {"btd-tcp", a_btd_tcp},
    {"unicast-if", a_unicast_if},
    {"pktinfo-if", a_pktinfo_if},
    {"udp4-multicast", a_multicast},
    {"udp4-broadcast", a_broadcast},
};

int main(int argc, char **argv)
{
	const char *mode = getenv("TT_NET_MODE");

	tt_init(argc, argv);
	bare = mode && strcmp(mode, "bare") == 0;
	tt_watchdog(30, "the attack");
	if (argc != 2)
		tt_fail("usage: net-attack NAME");
	for (size_t i = 0; i < sizeof attacks / sizeof *attacks; i++)
		if (strcmp(argv[1], attacks[i].name) == 0)
			return attacks[i].fn();
	tt_fail("no attack named %s", argv[1]);
}
