#define _GNU_SOURCE
#include "place.h"

#include <errno.h>
#include <netinet/in.h>

int place_path(const struct topo *t, int a, int b, struct place *out)
{
	int l, side;

	if (a == b || a < 0 || b < 0 || a >= t->nhosts || b >= t->nhosts)
		return -EINVAL;
	l = topo_next_link(t, a, b);
	if (l < 0)
		return -EHOSTUNREACH;
	side = topo_link_side(t, l, a);
	out->host = side ? t->links[l].a : t->links[l].b;
	out->in_link = l;
	out->forward = out->host != b;
	out->out_link = out->forward ? topo_next_link(t, out->host, b) : -1;
	return 0;
}

void place_addr_set(const struct topo *t, int h, int family, FILE *f)
{
	const char *a;

	fputs("{ ", f);
	for (int it = 0, n = 0; (a = topo_host_addr_next(t, h, family, &it));)
		fprintf(f, "%s%s", n++ ? ", " : "", a);
	fputs(" }", f);
}

void place_match(const struct topo *t, int a, int b, const struct place *p, int family, FILE *f)
{
	const char *ip = family == AF_INET ? "ip" : "ip6";

	fprintf(f, "%s saddr ", ip);
	place_addr_set(t, a, family, f);
	if (!p->forward)
		return;
	fprintf(f, " %s daddr ", ip);
	place_addr_set(t, b, family, f);
}

static void flag_names(unsigned flags, FILE *f)
{
	static const char *const names[] = {"fin", "syn", "rst", "psh", "ack", "urg", "ecn", "cwr"};
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (flags & (1u << i))
			fprintf(f, "%s%s", n++ ? "|" : "", names[i]);
}

static void port_match(const char *which, int lo, int hi, FILE *f)
{
	if (lo == hi)
		fprintf(f, " tcp %s %d", which, lo);
	else
		fprintf(f, " tcp %s %d-%d", which, lo, hi);
}

void place_rule_format(const struct rule_spec *r, FILE *f)
{
	int tcp =
	    r->proto == RULE_PROTO_TCP || r->flags_mode != FLAGS_NONE || r->sport_hi || r->dport_hi;

	if (tcp)
		fputs("meta l4proto tcp", f);
	else if (r->proto == RULE_PROTO_ICMPV4 || r->proto == RULE_PROTO_ICMPV6) {
		const char *k = r->proto == RULE_PROTO_ICMPV6 ? "icmpv6" : "icmp";

		fprintf(f, "%s type %d", k, r->icmp_type);
		if (r->icmp_code >= 0)
			fprintf(f, " %s code %d", k, r->icmp_code);
	} else if (r->proto != RULE_PROTO_ANY)
		fputs(r->proto == RULE_PROTO_UDP ? "meta l4proto udp"
						 : "meta l4proto { icmp, ipv6-icmp }",
		      f);
	if (r->flags_mode != FLAGS_NONE) {
		fputs(" tcp flags & (", f);
		flag_names(r->flags_mode == FLAGS_MASK	  ? r->mask
			   : r->flags_mode == FLAGS_EXACT ? 0x3f
							  : r->flags,
			   f);
		fputs(r->flags_mode == FLAGS_ANY ? ") != 0" : ") == ", f);
		if (r->flags_mode != FLAGS_ANY)
			flag_names(r->flags, f);
	}
	if (r->sport_hi)
		port_match("sport", r->sport_lo, r->sport_hi, f);
	if (r->dport_hi)
		port_match("dport", r->dport_lo, r->dport_hi, f);
	if (r->after_unit == AFTER_PACKETS)
		fprintf(f, " numgen inc mod 2147483647 >= %lld", r->after);
	else if (r->after_unit == AFTER_BYTES)
		fprintf(f, " quota over %lld bytes", r->after);
	fprintf(f, " counter %s", !r->reject ? "drop" : tcp ? "reject with tcp reset" : "reject");
}
