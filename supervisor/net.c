/*
 * net: sockets.  Every way a destination reaches the kernel is decoded by its length, judged,
 * copied into the arena, and the kernel is pointed at the copy (connect, bind, sendto,
 * sendmsg; sendmmsg runs as a sendmsg of its first message).  listen() on a socket whose
 * local address was never judged (autobind to the wildcard) is judged as a bind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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
			   bool as_inet_unspec, struct pol_addr *pa, char *text, size_t tsz)
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
		if (memcmp(sin6.sin6_addr.s6_addr, mapped, 12) == 0 ||
		    (memcmp(sin6.sin6_addr.s6_addr, zero12, 12) == 0 &&
		     (sin6.sin6_addr.s6_addr[12] | sin6.sin6_addr.s6_addr[13] |
		      sin6.sin6_addr.s6_addr[14] | (sin6.sin6_addr.s6_addr[15] > 1)))) {
			/* IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) are IPv4 */
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

/* Judge one destination or local address; returns the tracee address of the judged copy
 * in the arena (0 when denied or nothing to copy). */
static uint64_t judge_sockaddr(struct call *c, uint64_t addr, uint64_t len, bool bind,
			       bool connect_call, const char *key)
{
	unsigned char sa[sizeof(struct sockaddr_storage)];
	struct pol_addr pa;
	char text[PATH_MAX + 32];
	uint32_t l = (uint32_t)len; /* socklen_t: the kernel reads 32 bits */
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
	e = decode_sockaddr(c, sa, l, bind, !connect_call, &pa, text, sizeof(text));
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
	} else {
		/* the socket of this family was judged when it was created */
		call_rules_only(c);
	}
	if (c->action != POL_ALLOW)
		return 0;

	if (pa.family == AF_UNIX && !pa.abstract && !pa.unnamed) {
		/* hand the kernel the resolved name, not the tracee's */
		struct sockaddr_un un;
		size_t pl = strlen(pa.path);
		if (pl >= sizeof(un.sun_path)) {
			call_builtin(c, POL_DENY, ENAMETOOLONG);
			return 0;
		}
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		memcpy(un.sun_path, pa.path, pl);
		return call_arena_put(c, &un, offsetof(struct sockaddr_un, sun_path) + pl + 1);
	}
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
			.family = family, .type = base, .protocol = proto,
		};
		struct pol_verdict v;
		policy_eval(c->r->policy, &req, &v);
		call_decide(c, &v);
	}
}

/* listen(): the socket's local address, judged as a bind when nothing judged it before */
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
		if (errno == EBADF) {
			call_rules_only(c); /* the kernel fails it with EBADF */
			return;
		}
		call_builtin(c, POL_DENY, EPERM);
		return;
	}
	if (getsockname(sfd, (struct sockaddr *)&ss, &sl) < 0) {
		close(sfd);
		call_rules_only(c); /* not a socket: ENOTSOCK from the kernel */
		return;
	}
	close(sfd);
	if ((ss.ss_family == AF_INET && ((struct sockaddr_in *)&ss)->sin_port == 0) ||
	    (ss.ss_family == AF_INET6 && ((struct sockaddr_in6 *)&ss)->sin6_port == 0)) {
		/* never bound: listen() autobinds to the wildcard address on some port */
		struct pol_addr pa = { .family = ss.ss_family };
		struct pol_request req = { .kind = POL_REQ_BIND, .syscall = c->name, .addr = &pa };
		struct pol_verdict v;
		jb_kstr(&c->args, "addr", ss.ss_family == AF_INET ? "inet:0.0.0.0:0" : "inet6:[::]:0");
		policy_eval(c->r->policy, &req, &v);
		call_decide(c, &v);
		return;
	}
	/* RACE: none; the local address is the kernel's own, judged when it was bound */
	call_rules_only(c);
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
		uint64_t p = judge_sockaddr(c, m.name, m.namelen, false, false, "addr");
		if (!p)
			return 0;
		if (c->row && m.namelen && m.name) {
			/* a unix name may have been rewritten to a longer or shorter one */
			unsigned char fam[2];
			memcpy(fam, arena_slot_ptr(c->t->arena, c->slot) + (p - arena_tracee_addr(c->t, c->slot)), 2);
			if (fam[0] == AF_UNIX && fam[1] == 0) {
				const char *sp = arena_slot_ptr(c->t->arena, c->slot) +
						 (p - arena_tracee_addr(c->t, c->slot));
				if (sp[2] != '\0')
					m.namelen = (uint32_t)(offsetof(struct sockaddr_un, sun_path) +
							       strlen(sp + 2) + 1);
			}
		}
		m.name = p;
	} else {
		m.name = 0;
		m.namelen = 0;
		call_rules_only(c);
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
		jb_kint(&c->args, "fd", (int32_t)c->a[0]);
		p = judge_sockaddr(c, c->a[1], c->a[2], bind, !bind, "addr");
		if (p) {
			uint32_t l = (uint32_t)c->a[2];
			const char *sp = arena_slot_ptr(c->t->arena, c->slot) +
					 (p - arena_tracee_addr(c->t, c->slot));
			if (sp[0] == AF_UNIX && sp[1] == 0 && sp[2] != '\0')
				l = (uint32_t)(offsetof(struct sockaddr_un, sun_path) + strlen(sp + 2) + 1);
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
			uint64_t p = judge_sockaddr(c, c->a[4], c->a[5], false, false, "addr");
			if (p) {
				uint32_t l = (uint32_t)c->a[5];
				const char *sp = arena_slot_ptr(c->t->arena, c->slot) +
						 (p - arena_tracee_addr(c->t, c->slot));
				if (sp[0] == AF_UNIX && sp[1] == 0 && sp[2] != '\0')
					l = (uint32_t)(offsetof(struct sockaddr_un, sun_path) +
						       strlen(sp + 2) + 1);
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
	} else {
		call_rules_only(c);
	}
}
