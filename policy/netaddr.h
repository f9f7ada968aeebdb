/*
 * netaddr: the ADDR of `connect` and `bind` rules, parsed once and matched against a decoded
 * struct pol_addr.
 *
 *   addr     = "loopback" | inet | inet6 | "unix:" PATH-GLOB | "unix-abstract:" NAME-GLOB ;
 *   inet     = "inet:" ( "*" | IPV4 [ "/" PREFIX ] ) [ ":" ports ] ;
 *   inet6    = "inet6:" ( "[" v6 "]" [ "/" PREFIX ] [ ":" ports ] | "*" [ ":" ports ] | v6 ) ;
 *   v6       = "*" | IPV6 [ "/" PREFIX ] ;
 *   ports    = PORT [ "-" PORT ] ;
 */
#ifndef SYSWARD_POLICY_NETADDR_H
#define SYSWARD_POLICY_NETADDR_H

#include <stdbool.h>
#include <stdint.h>

#include "policy/glob.h"
#include "policy/policy.h"

enum pol_net_type {
	POL_NET_LOOPBACK, /* AF_INET 127.0.0.0/8 or AF_INET6 ::1, any port */
	POL_NET_INET,     /* AF_INET ip/prefix, port range */
	POL_NET_INET6,    /* AF_INET6 ip/prefix, port range */
	POL_NET_UNIX,     /* AF_UNIX pathname socket, path glob */
	POL_NET_ABSTRACT, /* AF_UNIX abstract name (or autobind: the empty name), name glob */
};

struct pol_net {
	enum pol_net_type type;
	uint8_t ip[16];          /* network order; bits past prefix are zero */
	unsigned prefix;         /* 0 for `*` */
	uint16_t port_lo, port_hi;
	struct pol_glob *glob;   /* UNIX, ABSTRACT */
	char *text;              /* canonical ADDR text */
};

/* 0; -EINVAL with *why; -ENOMEM.  On success free with pol_net_free. */
int pol_net_parse(const char *s, struct pol_net *out, const char **why);
bool pol_net_match(const struct pol_net *n, const struct pol_addr *a);
void pol_net_free(struct pol_net *n);

#endif
