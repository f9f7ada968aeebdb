/* netaddr: parse, print and match the addresses of connect/bind rules (see netaddr.h). */
#include "policy/netaddr.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static int parse_uint(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 6)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* ports = PORT [ "-" PORT ] ;  empty: any port */
static int parse_ports(const char *s, struct pol_net *n, const char **why)
{
	const char *dash = strchr(s, '-');
	unsigned long lo, hi;

	if (parse_uint(s, dash ? (size_t)(dash - s) : strlen(s), 65535, &lo) < 0 ||
	    (dash && parse_uint(dash + 1, strlen(dash + 1), 65535, &hi) < 0)) {
		*why = "bad port (0-65535, or a range LOW-HIGH)";
		return -EINVAL;
	}
	if (!dash)
		hi = lo;
	if (lo > hi) {
		*why = "bad port range (LOW is above HIGH)";
		return -EINVAL;
	}
	n->port_lo = (uint16_t)lo;
	n->port_hi = (uint16_t)hi;
	return 0;
}

/* IP [ "/" PREFIX ] or "*", in s[0..len) */
static int parse_ip(const char *s, size_t len, int family, struct pol_net *n, const char **why)
{
	unsigned maxbits = family == AF_INET ? 32 : 128;
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = memchr(s, '/', len);
	size_t alen = slash ? (size_t)(slash - s) : len;
	unsigned long prefix = maxbits;
	unsigned i;

	if (len == 1 && s[0] == '*') {
		n->prefix = 0;
		return 0;
	}
	if (alen == 0) {
		*why = "missing IP address (or *)";
		return -EINVAL;
	}
	if (alen >= sizeof(buf)) {
		*why = family == AF_INET ? "bad IPv4 address" : "bad IPv6 address";
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (inet_pton(family, buf, n->ip) != 1) {
		*why = family == AF_INET ? "bad IPv4 address" : "bad IPv6 address";
		return -EINVAL;
	}
	if (slash && parse_uint(slash + 1, len - alen - 1, maxbits, &prefix) < 0) {
		*why = family == AF_INET ? "bad prefix length (0-32)" : "bad prefix length (0-128)";
		return -EINVAL;
	}
	n->prefix = (unsigned)prefix;
	for (i = n->prefix; i < maxbits; i++) {
		if (n->ip[i / 8] & (0x80u >> (i % 8))) {
			*why = "address has bits set beyond the prefix length";
			return -EINVAL;
		}
	}
	if (family == AF_INET6 && n->prefix >= 96 &&
	    IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)n->ip)) {
		*why = "IPv4-mapped addresses are judged as IPv4: write inet:A.B.C.D";
		return -EINVAL;
	}
	return 0;
}

/* inet = "inet:" ( "*" | IPV4 [ "/" PREFIX ] ) [ ":" ports ] ; */
static int parse_inet(const char *s, struct pol_net *n, const char **why)
{
	const char *colon = strchr(s, ':');
	int r;

	r = parse_ip(s, colon ? (size_t)(colon - s) : strlen(s), AF_INET, n, why);
	if (r == 0 && colon)
		r = parse_ports(colon + 1, n, why);
	return r;
}

/* inet6 = "inet6:" ( "[" v6 "]" [ "/" PREFIX ] [ ":" ports ] | "*" [ ":" ports ] | v6 ) ; */
static int parse_inet6(const char *s, struct pol_net *n, const char **why)
{
	char buf[INET6_ADDRSTRLEN + 16];
	const char *close, *rest;
	size_t len;
	int r;

	if (s[0] == '*' && (s[1] == '\0' || s[1] == ':')) {
		n->prefix = 0;
		return s[1] ? parse_ports(s + 2, n, why) : 0;
	}
	if (s[0] != '[')
		return parse_ip(s, strlen(s), AF_INET6, n, why);
	close = strchr(s, ']');
	if (!close) {
		*why = "missing ']'";
		return -EINVAL;
	}
	/* [ADDR]/PREFIX is [ADDR/PREFIX] */
	len = (size_t)(close - s - 1);
	rest = close + 1;
	if (*rest == '/') {
		size_t plen = strcspn(rest, ":");

		if (memchr(s + 1, '/', len) || len + plen >= sizeof(buf)) {
			*why = "bad prefix length (0-128)";
			return -EINVAL;
		}
		memcpy(buf, s + 1, len);
		memcpy(buf + len, rest, plen);
		len += plen;
		rest += plen;
	} else {
		if (len >= sizeof(buf)) {
			*why = "bad IPv6 address";
			return -EINVAL;
		}
		memcpy(buf, s + 1, len);
	}
	buf[len] = '\0';
	r = parse_ip(buf, len, AF_INET6, n, why);
	if (r < 0)
		return r;
	if (*rest == ':')
		return parse_ports(rest + 1, n, why);
	if (*rest) {
		*why = "unexpected text after ']' (expected /PREFIX or :PORT)";
		return -EINVAL;
	}
	return 0;
}

/* The canonical ADDR text of a parsed IP rule. */
static int format_ip(struct pol_net *n, int family, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN], ports[16] = "";
	unsigned maxbits = family == AF_INET ? 32 : 128;
	const char *tag = family == AF_INET ? "inet:" : "inet6:";
	int len;

	if (n->port_lo == n->port_hi)
		snprintf(ports, sizeof(ports), ":%u", n->port_lo);
	else if (n->port_lo != 0 || n->port_hi != 65535)
		snprintf(ports, sizeof(ports), ":%u-%u", n->port_lo, n->port_hi);
	if (n->prefix == 0) {
		len = snprintf(buf, size, "%s*%s", tag, ports);
	} else {
		inet_ntop(family, n->ip, ip, sizeof(ip));
		if (family == AF_INET && n->prefix == maxbits)
			len = snprintf(buf, size, "inet:%s%s", ip, ports);
		else if (family == AF_INET)
			len = snprintf(buf, size, "inet:%s/%u%s", ip, n->prefix, ports);
		else if (n->prefix == maxbits)
			len = snprintf(buf, size, "inet6:[%s]%s", ip, ports);
		else
			len = snprintf(buf, size, "inet6:[%s]/%u%s", ip, n->prefix, ports);
	}
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

int pol_net_parse(const char *s, struct pol_net *out, const char **why)
{
	struct pol_net n = { .port_lo = 0, .port_hi = 65535 };
	char buf[128];
	int r;

	*out = n;
	if (strcmp(s, "loopback") == 0) {
		n.type = POL_NET_LOOPBACK;
		n.text = concat("loopback", "");
	} else if (strncmp(s, "inet:", 5) == 0 || strncmp(s, "inet6:", 6) == 0) {
		bool v6 = s[4] == '6';

		n.type = v6 ? POL_NET_INET6 : POL_NET_INET;
		r = v6 ? parse_inet6(s + 6, &n, why) : parse_inet(s + 5, &n, why);
		if (r < 0)
			return r;
		if (format_ip(&n, v6 ? AF_INET6 : AF_INET, buf, sizeof(buf)) < 0) {
			*why = "address too long";
			return -EINVAL;
		}
		n.text = concat(buf, "");
	} else if (strncmp(s, "unix:", 5) == 0 || strncmp(s, "unix-abstract:", 14) == 0) {
		bool abstract = s[4] == '-';

		n.type = abstract ? POL_NET_ABSTRACT : POL_NET_UNIX;
		r = pol_glob_compile(s + (abstract ? 14 : 5),
				     abstract ? POL_GLOB_NAME : POL_GLOB_PATH, &n.glob, why);
		if (r < 0)
			return r;
		n.text = concat(abstract ? "unix-abstract:" : "unix:", pol_glob_text(n.glob));
	} else {
		*why = "expected loopback, inet:, inet6:, unix: or unix-abstract:";
		return -EINVAL;
	}
	if (!n.text) {
		pol_glob_free(n.glob);
		return -ENOMEM;
	}
	*out = n;
	return 0;
}

void pol_net_free(struct pol_net *n)
{
	pol_glob_free(n->glob);
	free(n->text);
	n->glob = NULL;
	n->text = NULL;
}

static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	return rest == 0 || ((a[full] ^ b[full]) & (0xffu << (8 - rest)) & 0xff) == 0;
}

bool pol_net_match(const struct pol_net *n, const struct pol_addr *a)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };
	size_t len = a->path_len < sizeof(a->path) ? a->path_len : sizeof(a->path);
	char buf[sizeof(a->path) + 1];
	int r;

	switch (n->type) {
	case POL_NET_LOOPBACK:
		if (a->family == AF_INET)
			return a->ip[0] == 127;
		return a->family == AF_INET6 && memcmp(a->ip, v6_loopback, 16) == 0;
	case POL_NET_INET:
	case POL_NET_INET6:
		return a->family == (n->type == POL_NET_INET ? AF_INET : AF_INET6) &&
		       prefix_match(a->ip, n->ip, n->prefix) && a->port >= n->port_lo &&
		       a->port <= n->port_hi;
	case POL_NET_UNIX:
		if (a->family != AF_UNIX || a->abstract || a->unnamed)
			return false;
		r = pol_path_normalise(a->path, strnlen(a->path, len), buf, sizeof(buf));
		return r > 0 && pol_glob_match(n->glob, buf, (size_t)r);
	case POL_NET_ABSTRACT:
		if (a->family != AF_UNIX || !(a->abstract || a->unnamed))
			return false;
		return pol_glob_match(n->glob, a->path, a->unnamed ? 0 : len);
	}
	return false;
}
