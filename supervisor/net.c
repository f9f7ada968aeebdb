/*
 * net: sockets.  Every way a destination reaches the kernel is decoded by its length, judged,
 * copied into the arena, and the kernel is pointed at the copy (connect, bind, sendto,
 * sendmsg; sendmmsg runs as a sendmsg of its first message).  listen() on a socket whose
 * local address was never judged (autobind to the wildcard) is judged as a bind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "policy/policy.h"
#include "supervisor/decode.h"
#include "supervisor/judge.h"

#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

/* sockaddr bytes -> policy address and its text; 0 or an errno to deny with. */
static int decode_sockaddr(struct call *c, const unsigned char *sa, size_t len, bool for_bind,
			   bool as_inet_unspec, struct pol_addr *pa, char *text, size_t tsz,
			   bool *compat)
{
	sa_family_t fam;

	memset(pa, 0, sizeof(*pa));
	if (len < sizeof(sa_family_t))
		return EINVAL;
	memcpy(&fam, sa, sizeof(fam));
	if (fam == AF_UNSPEC && as_inet_unspec)
		fam = AF_INET; /* inet bind/sendto read an AF_UNSPEC address as AF_INET */
	pa->family = fam;
	switch (fam) {
	case AF_INET: {
		struct sockaddr_in sin;
		char ip[INET_ADDRSTRLEN];
		if (len < sizeof(sin))
			return EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		memcpy(pa->ip, &sin.sin_addr, 4);
		pa->port = ntohs(sin.sin_port);
		inet_ntop(AF_INET, &sin.sin_addr, ip, sizeof(ip));
		snprintf(text, tsz, "inet:%s:%u", ip, pa->port);
		return 0;
	}
	case AF_INET6: {
		struct sockaddr_in6 sin6;
		char ip[INET6_ADDRSTRLEN];
		static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
		static const unsigned char zero12[12] = { 0 };
		if (len < 24) /* SIN6_LEN_RFC2133: no scope id */
			return EINVAL;
		memset(&sin6, 0, sizeof(sin6));
		memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
		pa->port = ntohs(sin6.sin6_port);
		pa->scope_id = sin6.sin6_scope_id;
		if (memcmp(sin6.sin6_addr.s6_addr, zero12, 12) == 0 &&
		    (sin6.sin6_addr.s6_addr[12] | sin6.sin6_addr.s6_addr[13] |
		     sin6.sin6_addr.s6_addr[14] | (sin6.sin6_addr.s6_addr[15] > 1)))
			*compat = true; /* ::a.b.c.d: the kernel sends it as IPv6: judged both ways */
		if (memcmp(sin6.sin6_addr.s6_addr, mapped, 12) == 0) {
			/* IPv4-mapped (::ffff:a.b.c.d) is IPv4 */
			char ip4[INET_ADDRSTRLEN];
			pa->family = AF_INET;
			memcpy(pa->ip, sin6.sin6_addr.s6_addr + 12, 4);
			inet_ntop(AF_INET, pa->ip, ip4, sizeof(ip4));
			snprintf(text, tsz, "inet:%s:%u", ip4, pa->port);
			return 0;
		}
		memcpy(pa->ip, sin6.sin6_addr.s6_addr, 16);
		inet_ntop(AF_INET6, &sin6.sin6_addr, ip, sizeof(ip));
		if (pa->scope_id)
			snprintf(text, tsz, "inet6:[%s%%%u]:%u", ip, pa->scope_id, pa->port);
		else
			snprintf(text, tsz, "inet6:[%s]:%u", ip, pa->port);
		return 0;
	}
	case AF_UNIX: {
		size_t n = len - offsetof(struct sockaddr_un, sun_path);
		const char *p = (const char *)sa + offsetof(struct sockaddr_un, sun_path);
		if (len > sizeof(struct sockaddr_un))
			return EINVAL;
		if (n == 0) {
			pa->unnamed = true;
			snprintf(text, tsz, "unix-unnamed");
			return 0;
		}
		if (p[0] == '\0') {
			/* abstract: every byte of the name counts, NULs included */
			pa->abstract = true;
			pa->path_len = n - 1;
			memcpy(pa->path, p + 1, n - 1);
			snprintf(text, tsz, "unix-abstract:");
			return 0; /* the name is added to the trail by the caller (bytes) */
		}
		{
			/* pathname: up to the first NUL or the length, whichever comes first */
			char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
			struct resolved res;
			size_t l = strnlen(p, n);
			int e;
			memcpy(name, p, l);
			name[l] = '\0';
			e = resolve_path(c->t, -100 /* AT_FDCWD */, name, !for_bind, &res);
			if (e < 0)
				return -e;
			snprintf(pa->path, sizeof(pa->path), "%s", res.path);
			pa->path_len = strlen(pa->path);
			snprintf(text, tsz, "unix:%s", res.path);
			return 0;
		}
	}
	default:
		pa->family = fam;
		{
			char f[32];
			decode_family(fam, f, sizeof(f));
			snprintf(text, tsz, "%s", f);
		}
		return 0;
	}
}

/*
 * An unbound unix socket with SO_PASSCRED (or SO_PASSPIDFD) autobinds to an abstract name
 * when it first sends or connects: an inbound door nobody asked for with bind().  True
 * when this call would do that and the policy does not allow binding the autobind name.
 */
static bool passcred_autobind(struct call *c)
{
	struct sockaddr_un me;
	socklen_t ml = sizeof(me);
	int pidfd, sfd, on = 0, on2 = 0;
	socklen_t ol = sizeof(on);
	bool door = false;

	pidfd = (int)syscall(SYS_pidfd_open, c->t->tgid, 0);
	if (pidfd < 0)
		return false;
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, (int)(int32_t)c->a[0], 0);
	close(pidfd);
	if (sfd < 0)
		return false;
	if (getsockname(sfd, (struct sockaddr *)&me, &ml) == 0 && me.sun_family == AF_UNIX &&
	    ml <= sizeof(sa_family_t)) {
		getsockopt(sfd, SOL_SOCKET, SO_PASSCRED, &on, &ol);
		ol = sizeof(on2);
		getsockopt(sfd, SOL_SOCKET, 76 /* SO_PASSPIDFD */, &on2, &ol);
		if (on || on2) {
			struct pol_addr pa = { .family = AF_UNIX, .abstract = true, .unnamed = true };
			struct pol_request req = { .kind = POL_REQ_BIND, .syscall = c->name, .addr = &pa };
			struct pol_verdict v;
			policy_eval(c->r->policy, &req, &v);
			door = v.action != POL_ALLOW;
		}
	}
	close(sfd);
	return door;
}

/* Judge one destination or local address; returns the tracee address of the judged copy
 * in the arena (0 when denied or nothing to copy). */
static uint64_t judge_sockaddr(struct call *c, uint64_t addr, uint64_t len, bool bind,
			       bool connect_call, const char *key, uint32_t *outlen)
{
	unsigned char sa[sizeof(struct sockaddr_storage)];
	struct pol_addr pa;
	char text[PATH_MAX + 32];
	uint32_t l = (uint32_t)len; /* socklen_t: the kernel reads 32 bits */
	bool compat = false;
	int e;

	if ((int32_t)l < 0 || l > sizeof(sa)) {
		call_builtin(c, POL_DENY, EINVAL);
		return 0;
	}
	/* RACE: the sockaddr is read once; the kernel reads our copy in the arena */
	if (mem_read(c->t->tid, addr, sa, l) < 0) {
		call_builtin(c, POL_DENY, EFAULT);
		return 0;
	}
	e = decode_sockaddr(c, sa, l, bind, !connect_call, &pa, text, sizeof(text), &compat);
	if (e) {
		call_builtin(c, POL_DENY, e);
		return 0;
	}
	if (pa.family == AF_UNIX && pa.abstract) {
		char t2[PATH_MAX + 32];
		size_t n = strlen(text);
		memcpy(t2, text, n);
		memcpy(t2 + n, pa.path, pa.path_len);
		jb_key(&c->args, key);
		jb_strn(&c->args, t2, n + pa.path_len);
	} else {
		jb_kstr(&c->args, key, text);
	}

	if (pa.family == AF_UNSPEC && connect_call) {
		/* connect(AF_UNSPEC) dissolves the association: no destination */
		call_rules_only(c);
	} else if (pa.family == AF_INET || pa.family == AF_INET6 || pa.family == AF_UNIX) {
		struct pol_request req = {
			.kind = bind ? POL_REQ_BIND : POL_REQ_CONNECT,
			.syscall = c->name,
			.addr = &pa,
		};
		struct pol_verdict v;
		if (pa.family == AF_UNIX && pa.unnamed) {
			/* autobind gives an abstract name: an inbound door like any bind */
			pa.abstract = true;
			pa.path_len = 0;
		}
		policy_eval(c->r->policy, &req, &v);
		call_decide(c, &v);
		if (compat) {
			/* and as the IPv4 address it embeds */
			struct pol_addr v4 = pa;
			v4.family = AF_INET;
			memmove(v4.ip, pa.ip + 12, 4);
			req.addr = &v4;
			policy_eval(c->r->policy, &req, &v);
			call_decide(c, &v);
		}
		if (bind && pa.family == AF_UNIX && !pa.abstract && !pa.unnamed)
			judge_one_path(c, pa.path, POL_WRITE); /* bind creates the socket file */
		if (!bind && pa.family == AF_UNIX && c->action == POL_ALLOW && passcred_autobind(c))
			call_builtin(c, POL_DENY, ECONNREFUSED);
	} else {
		/* the socket of this family was judged when it was created */
		call_rules_only(c);
	}
	if (c->action != POL_ALLOW)
		return 0;

	if (pa.family == AF_UNIX && !pa.abstract && !pa.unnamed && c->npaths == 0 &&
	    path_in_writable(c, pa.path) && !c->r->audit_mode &&
	    (!bind || strlen(strrchr(pa.path, '/')) + sizeof("/proc/self/fd/2147483647") <= 108)) {
		/* RACE: a component of the name could be swapped for a symlink before the
		 * kernel walks it: the socket (its directory, for bind) is pinned in the tracee
		 * and the kernel is given /proc/self/fd/N (chain.c) */
		struct chain_path *cp = &c->paths[c->npaths++];
		snprintf(cp->canon, sizeof(cp->canon), "%s", pa.path);
		cp->nofollow = bind;
		cp->trailing = false;
		cp->dirfd_arg = -1;
		c->unix_bind = bind;
		c->chain = CHAIN_UNIX;
		*outlen = l;
		return 1; /* placeholder: chain.c builds the sockaddr */
	}
	if (pa.family == AF_UNIX && !pa.abstract && !pa.unnamed) {
		/* hand the kernel the resolved name, not the tracee's */
		struct sockaddr_un un;
		size_t pl = strlen(pa.path);
		if (pl > sizeof(un.sun_path)) {
			/* the resolved name does not fit: the kernel gets the tracee's own
			 * (copied) name, resolved from its cwd like the check did */
			*outlen = l;
			return call_arena_put(c, sa, l);
		}
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		memcpy(un.sun_path, pa.path, pl); /* NUL-terminated when it fits */
		*outlen = (uint32_t)(offsetof(struct sockaddr_un, sun_path) + pl +
				     (pl < sizeof(un.sun_path)));
		return call_arena_put(c, &un, sizeof(un));
	}
	*outlen = l;
	return call_arena_put(c, sa, l ? l : 1);
}

static void judge_socket(struct call *c)
{
	int family = (int)(int32_t)c->a[0];
	int type = (int)(int32_t)c->a[1];
	int proto = (int)(int32_t)c->a[2];
	int base = type & 0xf;
	char buf[64];
	bool raw;

	decode_family(family, buf, sizeof(buf));
	jb_kstr(&c->args, "family", buf);
	decode_socktype(type, buf, sizeof(buf));
	jb_kstr(&c->args, "type", buf);
	jb_kint(&c->args, "protocol", proto);

	raw = base == SOCK_RAW || base == SOCK_PACKET ||
	      (base == SOCK_DGRAM && family == AF_INET && proto == IPPROTO_ICMP) ||
	      (base == SOCK_DGRAM && family == AF_INET6 && proto == IPPROTO_ICMPV6);
	if ((family == AF_UNIX || family == AF_INET || family == AF_INET6) && !raw) {
		/* register-only: the destination is judged when one is given */
		call_rules_only(c);
		return;
	}
	{
		struct pol_request req = {
			.kind = POL_REQ_SOCKET, .syscall = c->name,
			/* SOCK_PACKET of any family is an AF_PACKET socket in the kernel */
			.family = base == SOCK_PACKET ? AF_PACKET : family, .type = base,
			.protocol = proto,
		};
		struct pol_verdict v;
		policy_eval(c->r->policy, &req, &v);
		call_decide(c, &v);
	}
}

/*
 * listen(): the socket's local address, judged as a bind when nothing judged it before
 * (never bound: the kernel autobinds it to the wildcard on some port; bound without a port
 * with IP_BIND_ADDRESS_NO_PORT: to that address).  RACE: the tracer holds its own copy of
 * the socket (pidfd_getfd), judges it, and calls listen() on that copy itself; the tracee's
 * call is skipped with the result, so a dup2 over the fd number changes nothing.
 */
static void judge_listen(struct call *c)
{
	int fd = (int)(int32_t)c->a[0];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int pidfd, sfd;

	jb_kint(&c->args, "fd", fd);
	pidfd = (int)syscall(SYS_pidfd_open, c->t->tgid, 0);
	if (pidfd < 0) {
		call_builtin(c, POL_DENY, EPERM);
		return;
	}
	sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (sfd < 0) {
		call_builtin(c, POL_DENY, errno == EBADF ? EBADF : EPERM);
		return;
	}
	if (getsockname(sfd, (struct sockaddr *)&ss, &sl) < 0) {
		close(sfd);
		call_builtin(c, POL_DENY, ENOTSOCK);
		return;
	}
	if ((ss.ss_family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port == 0) ||
	    (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port == 0)) {
		struct pol_addr pa = { .family = ss.ss_family };
		struct pol_request req = { .kind = POL_REQ_BIND, .syscall = c->name, .addr = &pa };
		struct pol_verdict v;
		char ip[INET6_ADDRSTRLEN], text[INET6_ADDRSTRLEN + 16];
		if (ss.ss_family == AF_INET) {
			memcpy(pa.ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			inet_ntop(AF_INET, pa.ip, ip, sizeof(ip));
			snprintf(text, sizeof(text), "inet:%s:0", ip);
		} else {
			memcpy(pa.ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			inet_ntop(AF_INET6, pa.ip, ip, sizeof(ip));
			snprintf(text, sizeof(text), "inet6:[%s]:0", ip);
		}
		jb_kstr(&c->args, "addr", text);
		policy_eval(c->r->policy, &req, &v);
		call_decide(c, &v);
	} else {
		call_rules_only(c);
	}
	if (c->action == POL_ALLOW && !c->r->audit_mode) {
		c->emulate = true;
		c->emu_ret = listen(sfd, (int)(int32_t)c->a[1]) < 0 ? -errno : 0;
	}
	close(sfd);
}

/* Refuse a way around the destination: an interface other than lo, or a source route.
 * Only where the policy denies by default (under `default allow` nothing is refused). */
static void refuse_route(struct call *c, const char *why, int err)
{
	struct pol_verdict v = { .action = POL_DENY, .err = err };

	if (policy_default(c->r->policy) != POL_DENY)
		return;
	jb_kstr(&c->args, "refused", why);
	call_decide(c, &v);
}

/* ifindex 0 (none) or 1 (lo, the first device of every network namespace) */
static bool lo_index(int32_t ifindex)
{
	return ifindex == 0 || ifindex == 1;
}

#define CMSG_MAX 8192
struct cmsg64 {
	uint64_t len;
	int32_t level, type;
};

/* sendmsg control messages: copied, judged, and the copy handed to the kernel. */
static uint64_t judge_control(struct call *c, uint64_t addr, uint64_t len)
{
	unsigned char buf[CMSG_MAX];
	size_t off = 0;

	if (len > sizeof(buf)) {
		call_builtin(c, POL_DENY, ENOBUFS);
		return 0;
	}
	if (mem_read(c->t->tid, addr, buf, len) < 0) {
		call_builtin(c, POL_DENY, EFAULT);
		return 0;
	}
	while (off + sizeof(struct cmsg64) <= len) {
		struct cmsg64 h;
		const unsigned char *data = buf + off + sizeof(h);
		memcpy(&h, buf + off, sizeof(h));
		if (h.len < sizeof(h) || h.len > len - off)
			break; /* the kernel stops (or fails) here too */
		if ((h.level == IPPROTO_IP && h.type == IP_RETOPTS) ||
		    (h.level == IPPROTO_IPV6 && (h.type == IPV6_RTHDR || h.type == 5 /* 2292RTHDR */)))
			refuse_route(c, "source route", ECONNREFUSED);
		if (h.level == IPPROTO_IP && h.type == IP_PKTINFO && h.len >= sizeof(h) + 4) {
			int32_t ifi;
			memcpy(&ifi, data, 4);
			if (!lo_index(ifi))
				refuse_route(c, "IP_PKTINFO interface", ECONNREFUSED);
		}
		if (h.level == IPPROTO_IPV6 && (h.type == IPV6_PKTINFO || h.type == 2) &&
		    h.len >= sizeof(h) + 20) {
			int32_t ifi;
			memcpy(&ifi, data + 16, 4);
			if (!lo_index(ifi))
				refuse_route(c, "IPV6_PKTINFO interface", ECONNREFUSED);
		}
		off += (h.len + 7) & ~(uint64_t)7;
	}
	if (c->action != POL_ALLOW)
		return 0;
	return call_arena_put(c, buf, len);
}

/* setsockopt: options that pick the interface or a source route (see refuse_route). */
static void judge_setsockopt(struct call *c)
{
	int level = (int)(int32_t)c->a[1], opt = (int)(int32_t)c->a[2];
	uint32_t optlen = (uint32_t)c->a[4];
	unsigned char val[64] = { 0 };
	size_t n = optlen < sizeof(val) ? optlen : sizeof(val);
	int32_t ival = 0;
	bool judged = false;

	jb_kint(&c->args, "fd", (int32_t)c->a[0]);
	jb_kint(&c->args, "level", level);
	jb_kint(&c->args, "optname", opt);
	if ((level == SOL_SOCKET && (opt == SO_BINDTODEVICE || opt == 62 /* SO_BINDTOIFINDEX */)) ||
	    (level == IPPROTO_IP && (opt == IP_OPTIONS || opt == 50 /* IP_UNICAST_IF */)) ||
	    (level == IPPROTO_IPV6 && (opt == 76 /* IPV6_UNICAST_IF */ || opt == IPV6_RTHDR ||
				       opt == 5 || opt == IPV6_PKTINFO))) {
		judged = true;
		/* RACE: the value is read once and the kernel reads our copy */
		if (n && mem_read(c->t->tid, c->a[3], val, n) < 0) {
			call_builtin(c, POL_DENY, EFAULT);
			return;
		}
		memcpy(&ival, val, sizeof(ival));
	}
	if (!judged) {
		call_rules_only(c);
		return;
	}
	if (level == SOL_SOCKET && opt == SO_BINDTODEVICE) {
		if (n && strncmp((char *)val, "lo", n) != 0 && val[0])
			refuse_route(c, "SO_BINDTODEVICE", EPERM);
	} else if (level == SOL_SOCKET) {
		if (!lo_index(ival))
			refuse_route(c, "SO_BINDTOIFINDEX", EPERM);
	} else if (level == IPPROTO_IP && opt == IP_OPTIONS) {
		if (optlen)
			refuse_route(c, "IP_OPTIONS", EPERM);
	} else if (level == IPPROTO_IP) {
		if (!lo_index((int32_t)ntohl((uint32_t)ival)))
			refuse_route(c, "IP_UNICAST_IF", EPERM);
	} else if (opt == 76) {
		if (!lo_index(ival))
			refuse_route(c, "IPV6_UNICAST_IF", EPERM);
	} else if (opt == IPV6_PKTINFO) {
		int32_t ifi = 0;
		if (n >= 20)
			memcpy(&ifi, val + 16, 4);
		if (!lo_index(ifi))
			refuse_route(c, "IPV6_PKTINFO", EPERM);
	} else if (optlen) {
		refuse_route(c, "IPV6_RTHDR", EPERM);
	}
	call_rules_only(c);
	if (c->action == POL_ALLOW && n) {
		uint64_t p = call_arena_put(c, val, n);
		if (p) {
			call_set_arg(c, 3, p);
			call_set_arg(c, 4, n);
		}
	}
}

/* msghdr as a 64-bit tracee lays it out */
struct msghdr64 {
	uint64_t name;
	uint32_t namelen;
	uint32_t pad;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	uint32_t pad2;
};

/* One msghdr: judge msg_name, return the arena address of a safe copy (0: denied). */
static uint64_t judge_msghdr(struct call *c, uint64_t addr)
{
	struct msghdr64 m;

	/* RACE: the msghdr is read once; its copy (with msg_name -> our sockaddr copy) is
	 * what the kernel reads; the data (iov) and control buffers are not judged */
	if (mem_read(c->t->tid, addr, &m, sizeof(m)) < 0) {
		call_builtin(c, POL_DENY, EFAULT);
		return 0;
	}
	if (m.name && m.namelen) {
		uint32_t l;
		uint64_t p;
		c->npaths = 2; /* no pin for a name inside a msghdr (see THREAT-MODEL) */
		p = judge_sockaddr(c, m.name, m.namelen, false, false, "addr", &l);
		c->npaths = 0;
		if (!p)
			return 0;
		m.name = p;
		m.namelen = l;
	} else {
		m.name = 0;
		m.namelen = 0;
		call_rules_only(c);
	}
	if (c->action == POL_ALLOW && m.control && m.controllen) {
		/* RACE: control messages are read once and the kernel reads our copy */
		uint64_t p = judge_control(c, m.control, m.controllen);
		if (!p)
			return 0;
		m.control = p;
	}
	if (c->action != POL_ALLOW)
		return 0;
	return call_arena_put(c, &m, sizeof(m));
}

void judge_net_call(struct call *c)
{
	const char *n = c->name;

	if (c->arch->word_size != 8 && strcmp(n, "socket") != 0) {
		call_builtin(c, POL_DENY, EPERM); /* 32-bit layouts are not decoded */
		return;
	}
	if (strcmp(n, "socket") == 0) {
		judge_socket(c);
	} else if (strcmp(n, "connect") == 0 || strcmp(n, "bind") == 0) {
		bool bind = n[0] == 'b';
		uint64_t p;
		uint32_t l;
		jb_kint(&c->args, "fd", (int32_t)c->a[0]);
		p = judge_sockaddr(c, c->a[1], c->a[2], bind, !bind, "addr", &l);
		if (p && c->chain == CHAIN_UNIX) {
			c->paths[0].arg = 1;
			c->unix_len_arg = 2;
		} else if (p) {
			call_set_arg(c, 1, p);
			call_set_arg(c, 2, l);
		}
	} else if (strcmp(n, "sendto") == 0) {
		jb_kint(&c->args, "fd", (int32_t)c->a[0]);
		if (c->a[4] == 0) {
			call_rules_only(c); /* no destination: the connected peer */
			return;
		}
		{
			uint32_t l;
			uint64_t p = judge_sockaddr(c, c->a[4], c->a[5], false, false, "addr", &l);
			if (p && c->chain == CHAIN_UNIX) {
				c->paths[0].arg = 4;
				c->unix_len_arg = 5;
			} else if (p) {
				call_set_arg(c, 4, p);
				call_set_arg(c, 5, l);
			}
		}
	} else if (strcmp(n, "sendmsg") == 0) {
		uint64_t p;
		jb_kint(&c->args, "fd", (int32_t)c->a[0]);
		p = judge_msghdr(c, c->a[1]);
		if (p)
			call_set_arg(c, 1, p);
	} else if (strcmp(n, "sendmmsg") == 0) {
		/* the kernel writes msg_len back into the vector, which our read-only copy
		 * cannot take: send the first message as a sendmsg (a short count is legal) */
		const struct sc_row *row = systab_by_name("sendmsg");
		long nr = row ? systab_nr(c->arch, row) : -1;
		uint64_t p;
		jb_kint(&c->args, "fd", (int32_t)c->a[0]);
		jb_kint(&c->args, "vlen", (uint32_t)c->a[2]);
		if ((uint32_t)c->a[2] == 0 || nr < 0) {
			call_rules_only(c);
			return;
		}
		p = judge_msghdr(c, c->a[1]);
		if (p) {
			c->new_nr = nr;
			call_set_arg(c, 1, p);
			call_set_arg(c, 2, c->a[3]);
			c->fix = FIX_MMSG;
			c->fix_ino = c->a[1]; /* where entry 0's msg_len lives */
		}
	} else if (strcmp(n, "listen") == 0) {
		judge_listen(c);
	} else if (strcmp(n, "setsockopt") == 0) {
		judge_setsockopt(c);
	} else {
		call_rules_only(c);
	}
}
