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
