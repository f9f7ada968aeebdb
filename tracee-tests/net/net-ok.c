/*
 * net-ok: positive controls of the network rules: what a loopback-only policy must let a
 * program do, each as net-ok NAME.  Every one also runs without sysward (TT_NET_MODE=bare,
 * see checks/net_ns.py) and must behave the same there.  In ward mode the trail records each
 * step must produce are written into ./net-expect ("trail SYSCALL ADDR allow") for
 * checks/net_trail.py.
 *
 *   tcp4 tcp6        a server thread binds 127.0.0.1:0 / [::1]:0, listens, accepts; the main
 *                    thread connects; "ping" -> "pong"
 *   udp4 udp6        sendto/recvfrom both ways on loopback
 *   mapped           an AF_INET6 socket connects to ::ffff:127.0.0.1 (loopback)
 *   lo8              127.1.2.3 (all of 127.0.0.0/8 is loopback)
 *   scope            [::1%1] and [::1%4242]: a scope id does not make ::1 less loopback
 *   tfo              TCP Fast Open (sendto MSG_FASTOPEN) to loopback
 *   listen-noport    IP_BIND_ADDRESS_NO_PORT + bind 127.0.0.1:0 + listen: the port comes
 *                    with listen(), the address was judged at bind
 *   unix-path        bind/listen/connect a pathname socket in the work directory
 *   unix-nonul       the same with sun_path not NUL-terminated (addrlen covers the bytes)
 *   unix-nonul-full  ... with a 108-byte relative name: no room for a NUL at all
 *   abstract         (abstract.policy) bind/listen/connect unix-abstract:sysward-test-PID;
 *                    the daemon's abstract socket `sysward-daemon` stays refused
 */
#include "../tt.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

static bool bare;

static void trail(const char *sc, const char *addr, const char *decision)
{
	if (!bare)
		tt_record("net-expect", "trail\t%s\t%s\t%s", sc, addr, decision);
}

static const char *cwd(void)
{
	static char buf[4096];
	if (!getcwd(buf, sizeof buf))
		tt_fail("getcwd: %s", strerror(errno));
	return buf;
}

static int sock(int family, int type)
{
	int s = socket(family, type | SOCK_CLOEXEC, 0);
	if (s < 0)
		tt_fail("socket(%d, %d): %s", family, type, strerror(errno));
	return s;
}

/* an address: family, text, port, scope; its length in *len */
static struct sockaddr_storage addr(int family, const char *ip, unsigned port, unsigned scope,
				    socklen_t *len)
{
	struct sockaddr_storage ss;
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		if (inet_pton(AF_INET, ip, &a->sin_addr) != 1)
			tt_fail("bad IPv4 %s", ip);
		*len = sizeof *a;
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_scope_id = scope;
		if (inet_pton(AF_INET6, ip, &a->sin6_addr) != 1)
			tt_fail("bad IPv6 %s", ip);
		*len = sizeof *a;
	}
	return ss;
}

static unsigned port_of(int s)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof ss;
	if (getsockname(s, (struct sockaddr *)&ss, &l) < 0)
		tt_fail("getsockname: %s", strerror(errno));
	return ntohs(ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port
					     : ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void must(int r, const char *what)
{
	if (r < 0)
		tt_fail("%s: %s", what, strerror(errno));
}

/* ---- a stream server thread: accept one connection per client, "ping" -> "pong" ---------- */

static void *serve(void *arg)
{
	int l = (int)(intptr_t)arg;
	for (;;) {
		char b[4];
		int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			tt_fail("accept: %s", strerror(errno));
		tt_read_all(c, b, 4);
		TT_CHECK(memcmp(b, "ping", 4) == 0, "the server got '%.4s'", b);
		tt_write_all(c, "pong", 4);
		close(c);
	}
	return NULL;
}

static void start_server(int l)
{
	pthread_t t;
	must(listen(l, 16), "listen");
	if (pthread_create(&t, NULL, serve, (void *)(intptr_t)l) != 0)
		tt_fail("pthread_create");
	pthread_detach(t);
}

static void ping(int c)
{
	char b[4];
	tt_write_all(c, "ping", 4);
	tt_read_all(c, b, 4);
	TT_CHECK(memcmp(b, "pong", 4) == 0, "the client got '%.4s'", b);
	close(c);
}

static char *fmt_addr(int family, const char *ip, unsigned port, unsigned scope)
{
	static char buf[128];
	if (family == AF_INET)
		snprintf(buf, sizeof buf, "inet:%s:%u", ip, port);
	else if (scope)
		snprintf(buf, sizeof buf, "inet6:[%s%%%u]:%u", ip, scope, port);
	else
		snprintf(buf, sizeof buf, "inet6:[%s]:%u", ip, port);
	return buf;
}

/* server on (sfam, sip); the client connects from cfam to cip[%scope] */
static int tcp_pair(int sfam, const char *sip, int cfam, const char *cip, unsigned scope,
		    const char *trail_addr_ip)
{
	socklen_t len;
	int l = sock(sfam, SOCK_STREAM);
	struct sockaddr_storage a = addr(sfam, sip, 0, 0, &len);
	must(bind(l, (struct sockaddr *)&a, len), "bind of the server");
	trail("bind", fmt_addr(sfam, sip, 0, 0), "allow");
	unsigned port = port_of(l);
	start_server(l);
	int c = sock(cfam, SOCK_STREAM);
	struct sockaddr_storage d = addr(cfam, cip, port, scope, &len);
	must(connect(c, (struct sockaddr *)&d, len), "connect");
	trail("connect",
	      fmt_addr(trail_addr_ip && strchr(trail_addr_ip, ':') == NULL ? AF_INET : cfam,
		       trail_addr_ip ? trail_addr_ip : cip, port, scope),
	      "allow");
	ping(c);
	return TT_PASS;
}

static int o_tcp4(void)
{
	return tcp_pair(AF_INET, "127.0.0.1", AF_INET, "127.0.0.1", 0, NULL);
}
static int o_tcp6(void)
{
	return tcp_pair(AF_INET6, "::1", AF_INET6, "::1", 0, NULL);
}
/* the trail shows an IPv4-mapped destination as the IPv4 address it is */
static int o_mapped(void)
{
	return tcp_pair(AF_INET, "127.0.0.1", AF_INET6, "::ffff:127.0.0.1", 0, "127.0.0.1");
}
static int o_lo8(void)
{
	return tcp_pair(AF_INET, "127.1.2.3", AF_INET, "127.1.2.3", 0, NULL);
}

static int o_scope(void)
{
	tcp_pair(AF_INET6, "::1", AF_INET6, "::1", 1, NULL);
	return tcp_pair(AF_INET6, "::1", AF_INET6, "::1", 4242, NULL);
}

static int udp(int family, const char *ip)
{
	socklen_t len;
	char b[8];
	int r = sock(family, SOCK_DGRAM), s = sock(family, SOCK_DGRAM);
	struct sockaddr_storage a = addr(family, ip, 0, 0, &len), from;
	must(bind(r, (struct sockaddr *)&a, len), "bind of the receiver");
	unsigned port = port_of(r);
	struct sockaddr_storage d = addr(family, ip, port, 0, &len);
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&d, len) != 4)
		tt_fail("sendto: %s", strerror(errno));
	trail("sendto", fmt_addr(family, ip, port, 0), "allow");
	socklen_t fl = sizeof from;
	TT_CHECK(recvfrom(r, b, sizeof b, 0, (struct sockaddr *)&from, &fl) == 4 &&
		     memcmp(b, "ping", 4) == 0,
		 "recvfrom: %s", strerror(errno));
	/* and back to the sender's autobound port */
	if (sendto(r, "pong", 4, 0, (struct sockaddr *)&from, fl) != 4)
		tt_fail("sendto back: %s", strerror(errno));
	TT_CHECK(recv(s, b, sizeof b, 0) == 4 && memcmp(b, "pong", 4) == 0, "recv: %s",
		 strerror(errno));
	return TT_PASS;
}
static int o_udp4(void)
{
	return udp(AF_INET, "127.0.0.1");
}
static int o_udp6(void)
{
	return udp(AF_INET6, "::1");
}

static int o_tfo(void)
{
	socklen_t len;
	char b[4];
	int l = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage a = addr(AF_INET, "127.0.0.1", 0, 0, &len);
	must(bind(l, (struct sockaddr *)&a, len), "bind");
	unsigned port = port_of(l);
	start_server(l);
	int c = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage d = addr(AF_INET, "127.0.0.1", port, 0, &len);
	if (sendto(c, "ping", 4, MSG_FASTOPEN, (struct sockaddr *)&d, len) != 4)
		tt_fail("sendto(MSG_FASTOPEN) to loopback: %s", strerror(errno));
	trail("sendto", fmt_addr(AF_INET, "127.0.0.1", port, 0), "allow");
	tt_read_all(c, b, 4);
	TT_CHECK(memcmp(b, "pong", 4) == 0, "the client got '%.4s'", b);
	return TT_PASS;
}

static int o_listen_noport(void)
{
	socklen_t len;
	int one = 1, l = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage a = addr(AF_INET, "127.0.0.1", 0, 0, &len);
	must(setsockopt(l, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one),
	     "IP_BIND_ADDRESS_NO_PORT");
	must(bind(l, (struct sockaddr *)&a, len), "bind 127.0.0.1:0");
	TT_CHECK(port_of(l) == 0, "bind with IP_BIND_ADDRESS_NO_PORT chose a port");
	must(listen(l, 4), "listen() on a socket bound to 127.0.0.1 without a port yet");
	unsigned port = port_of(l);
	int c = sock(AF_INET, SOCK_STREAM);
	struct sockaddr_storage d = addr(AF_INET, "127.0.0.1", port, 0, &len);
	must(connect(c, (struct sockaddr *)&d, len), "connect");
	return TT_PASS;
}

/* ---- unix ----------------------------------------------------------------------------------- */

/* bind+listen+connect a pathname socket named `name` in the work directory; addrlen covers
 * the name's bytes and a NUL only when `nul` */
static int unix_pair(const char *name, bool nul)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (nul ? 1 : 0));
	char full[4200];
	TT_CHECK(n + (nul ? 1 : 0) <= sizeof a.sun_path, "name too long for this test");
	memcpy(a.sun_path, name, n);
	snprintf(full, sizeof full, "unix:%s/%s", cwd(), name);
	int l = sock(AF_UNIX, SOCK_STREAM);
	must(bind(l, (struct sockaddr *)&a, len), "bind of the pathname socket");
	trail("bind", full, "allow");
	start_server(l);
	int c = sock(AF_UNIX, SOCK_STREAM);
	must(connect(c, (struct sockaddr *)&a, len), "connect to the pathname socket");
	trail("connect", full, "allow");
	ping(c);
	return TT_PASS;
}
static int o_unix_path(void)
{
	return unix_pair("s.sock", true);
}
static int o_unix_nonul(void)
{
	return unix_pair("nonul.sock", false);
}

static int o_unix_nonul_full(void)
{
	char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	memset(name, 'f', sizeof name - 1);
	memcpy(name + sizeof name - 6, ".sock", 6); /* 108 bytes, then the C string's NUL */
	return unix_pair(name, false);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int o_abstract(void)
{
	struct sockaddr_un a;
	char name[64], t[96];
	snprintf(name, sizeof name, "sysward-test-%d", (int)getpid());
	socklen_t len = abstract_addr(&a, name);
	snprintf(t, sizeof t, "unix-abstract:%s", name);
	int l = sock(AF_UNIX, SOCK_STREAM);
	must(bind(l, (struct sockaddr *)&a, len), "bind of an abstract sysward-test-* name");
	trail("bind", t, "allow");
	start_server(l);
	int c = sock(AF_UNIX, SOCK_STREAM);
	must(connect(c, (struct sockaddr *)&a, len), "connect to it");
	trail("connect", t, "allow");
	ping(c);

	/* a name the policy does not list */
	c = sock(AF_UNIX, SOCK_STREAM);
	len = abstract_addr(&a, "sysward-daemon");
	errno = 0;
	int r = connect(c, (struct sockaddr *)&a, len);
	if (bare) {
		must(r, "control: connect to the daemon's abstract socket");
		tt_record("net-expect", "outside");
	} else {
		TT_EXPECT_ERRNO(r, errno, ECONNREFUSED, "connect to unix-abstract:sysward-daemon");
		trail("connect", "unix-abstract:sysward-daemon", "deny");
	}
	return TT_PASS;
}

static const struct {
	const char *name;
	int (*fn)(void);
} controls[] = {
    {"tcp4", o_tcp4},
    {"tcp6", o_tcp6},
    {"udp4", o_udp4},
    {"udp6", o_udp6},
    {"mapped", o_mapped},
    {"lo8", o_lo8},
    {"scope", o_scope},
    {"tfo", o_tfo},
    {"listen-noport", o_listen_noport},
    {"unix-path", o_unix_path},
    {"unix-nonul", o_unix_nonul},
    {"unix-nonul-full", o_unix_nonul_full},
    {"abstract", o_abstract},
};

int main(int argc, char **argv)
{
	const char *mode = getenv("TT_NET_MODE");

	tt_init(argc, argv);
	bare = mode && strcmp(mode, "bare") == 0;
	tt_watchdog(30, "the control");
	if (argc != 2)
		tt_fail("usage: net-ok NAME");
	for (size_t i = 0; i < sizeof controls / sizeof *controls; i++)
		if (strcmp(argv[1], controls[i].name) == 0)
			return controls[i].fn();
	tt_fail("no control named %s", argv[1]);
}
