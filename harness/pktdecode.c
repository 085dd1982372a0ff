#include "pktdecode.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TCP options between p and end (both within the frame). */
static void tcp_options(const uint8_t *p, const uint8_t *end, struct pkt_info *o)
{
	while (p < end) {
		if (*p == 0) /* end of options */
			return;
		if (*p == 1) { /* no-op */
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return;
		if (p[0] == 8 && p[1] == 10) {
			o->has_ts = 1;
			o->tsval = be32(p + 2);
			o->tsecr = be32(p + 6);
		} else if (p[0] == 2 && p[1] == 4) {
			o->mss = be16(p + 2);
		} else if (p[0] == 3 && p[1] == 3) {
			o->wscale = (uint8_t)(p[2] + 1);
		}
		p += p[1];
	}
}

int pkt_decode(const uint8_t *f, size_t len, struct pkt_info *o)
{
	const uint8_t *l4;
	size_t off = 14, l4len, iplen;
	uint16_t type;

	memset(o, 0, sizeof(*o));
	if (len < 14)
		return -EPROTO;
	memcpy(o->dst_mac, f, 6);
	memcpy(o->src_mac, f + 6, 6);
	type = be16(f + 12);
	if (type == 0x8100) { /* one VLAN tag */
		if (len < 18)
			return -EPROTO;
		type = be16(f + 16);
		off = 18;
	}
	if (type == 0x0800) {
		size_t ihl;

		if (len < off + 20 || (f[off] >> 4) != 4)
			return -EPROTO;
		ihl = (size_t)(f[off] & 0x0f) * 4;
		iplen = be16(f + off + 2);
		if (ihl < 20 || len < off + ihl || iplen < ihl)
			return -EPROTO;
		o->family = AF_INET;
		o->protocol = f[off + 9];
		memcpy(o->src, f + off + 12, 4);
		memcpy(o->dst, f + off + 16, 4);
		l4 = f + off + ihl;
		l4len = iplen - ihl;
		off += ihl;
	} else if (type == 0x86dd) {
		if (len < off + 40 || (f[off] >> 4) != 6)
			return -EPROTO;
		o->family = AF_INET6;
		o->protocol = f[off + 6]; /* extension headers are not followed */
		memcpy(o->src, f + off + 8, 16);
		memcpy(o->dst, f + off + 24, 16);
		l4len = be16(f + off + 4);
		l4 = f + off + 40;
		off += 40;
	} else {
		return -ENOTSUP;
	}
	if (o->protocol == IPPROTO_TCP) {
		size_t doff;

		if (len < off + 20)
			return -EPROTO;
		o->sport = be16(l4);
		o->dport = be16(l4 + 2);
		o->seq = be32(l4 + 4);
		o->ack = be32(l4 + 8);
		doff = (size_t)(l4[12] >> 4) * 4;
		o->flags = l4[13];
		o->window = be16(l4 + 14);
		if (doff < 20 || doff > l4len)
			return -EPROTO;
		o->payload = (uint32_t)(l4len - doff);
		tcp_options(l4 + 20, l4 + (len - off < doff ? len - off : doff), o);
	} else if (o->protocol == IPPROTO_UDP) {
		if (len < off + 8 || l4len < 8)
			return -EPROTO;
		o->sport = be16(l4);
		o->dport = be16(l4 + 2);
		o->payload = (uint32_t)(l4len - 8);
	}
	return 0;
}

/* FNV-1a, 64 bits, over n bytes */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	for (const uint8_t *b = p; n--; b++)
		h = (h ^ *b) * 0x100000001b3ULL;
	return h;
}

uint64_t pkt_conversation(const uint8_t *frame, size_t caplen)
{
	struct pkt_info pi;
	const uint8_t *a, *b;
	uint16_t pa, pb;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t alen;

	if (pkt_decode(frame, caplen, &pi))
		return 0;
	alen = pi.family == AF_INET ? 4 : 16;
	/* either direction: the lesser end first */
	int swap = memcmp(pi.src, pi.dst, alen);
	if (!swap)
		swap = pi.sport > pi.dport;
	else
		swap = swap > 0;
	a = swap ? pi.dst : pi.src;
	b = swap ? pi.src : pi.dst;
	pa = swap ? pi.dport : pi.sport;
	pb = swap ? pi.sport : pi.dport;
	h = fnv(h, &pi.family, sizeof(pi.family));
	h = fnv(h, &pi.protocol, 1);
	h = fnv(h, a, alen);
	h = fnv(h, &pa, 2);
	h = fnv(h, b, alen);
	h = fnv(h, &pb, 2);
	return h ? h : 1;
}

int pkt_flags_format(uint8_t flags, char *buf, size_t len)
{
	static const struct {
		uint8_t bit;
		const char *name;
	} names[] = {{PKT_SYN, "SYN"}, {PKT_FIN, "FIN"}, {PKT_RST, "RST"},
		     {PKT_PSH, "PSH"}, {PKT_URG, "URG"}, {PKT_ACK, "ACK"}};
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit)
			n += snprintf(buf + (n < len ? n : len), n < len ? len - n : 0, "%s%s",
				      n ? "," : "", names[i].name);
	return (int)n;
}
