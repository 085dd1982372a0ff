#include "pktforge.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The one's complement sum of n bytes (big-endian words), added to sum. */
static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		sum += (uint32_t)(p[0] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void eth_header(uint8_t *buf, const uint8_t dst[6], const uint8_t src[6], int family)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, family == AF_INET ? 0x0800 : 0x86dd);
}

/* An IP header (no options) for a packet of proto with payload bytes after
 * it, TTL 64: IPv4 with its checksum (df: the DF bit), or IPv6. */
static size_t ip_header(uint8_t *ip, int family, const uint8_t *src, const uint8_t *dst,
			uint8_t proto, size_t payload, int df)
{
	if (family == AF_INET) {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(20 + payload));
		put16(ip + 6, df ? 0x4000 : 0);
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		put16(ip + 10, 0);
		put16(ip + 10, fold(sum16(0, ip, 20)));
		return 20;
	}
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)payload);
	ip[6] = proto;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	return 40;
}

int pkt_forge_tcp(const struct pkt_forge *f, uint8_t *buf, size_t len)
{
	size_t alen = f->family == AF_INET ? 4 : 16, iphl = f->family == AF_INET ? 20 : 40;
	size_t thl = f->has_ts ? 32 : 20, tcplen = thl + f->payload_len, total;
	uint8_t *ip = buf + 14, *th;
	uint32_t sum;

	if ((f->family != AF_INET && f->family != AF_INET6) || f->payload_len > PKT_FORGE_PAYLOAD)
		return -EINVAL;
	total = 14 + iphl + tcplen;
	if (len < total)
		return -EINVAL;
	memset(buf, 0, total);
	eth_header(buf, f->dst_mac, f->src_mac, f->family);
	ip_header(ip, f->family, f->src, f->dst, IPPROTO_TCP, tcplen,
		  1); /* DF, as Linux sends TCP */
	th = ip + iphl;
	put16(th, f->sport);
	put16(th + 2, f->dport);
	put32(th + 4, f->seq);
	put32(th + 8, f->ack);
	th[12] = (uint8_t)((thl / 4) << 4);
	th[13] = f->flags;
	put16(th + 14, f->window);
	if (f->has_ts) { /* NOP, NOP, timestamps: as Linux lays them out */
		th[20] = 1;
		th[21] = 1;
		th[22] = 8;
		th[23] = 10;
		put32(th + 24, f->tsval);
		put32(th + 28, f->tsecr);
	}
	if (f->payload_len)
		memcpy(th + thl, f->payload, f->payload_len);
	/* the pseudo-header: addresses, protocol, TCP length */
	sum = sum16(0, f->src, alen);
	sum = sum16(sum, f->dst, alen);
	sum += IPPROTO_TCP + (uint32_t)tcplen;
	put16(th + 16, fold(sum16(sum, th, tcplen)));
	return (int)total;
}

int pkt_forge_too_big(const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		      const uint8_t *dst, unsigned mtu, const struct pkt_forge *q, uint8_t *buf,
		      size_t len)
{
	int v4 = q->family == AF_INET;
	size_t iphl = v4 ? 20 : 40, quote = iphl + 8, icmplen = 8 + quote;
	size_t total = 14 + iphl + icmplen;
	uint8_t *ip = buf + 14, *icmp = ip + iphl, *qip = icmp + 8, *qtcp = qip + iphl;
	uint32_t sum = 0;

	if ((q->family != AF_INET && q->family != AF_INET6) || len < total || mtu > 65535)
		return -EINVAL;
	memset(buf, 0, total);
	eth_header(buf, dst_mac, src_mac, q->family);
	ip_header(ip, q->family, src, dst, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, icmplen, 0);
	/* the quoted segment, as sent: 1500 bytes long, with the DF bit */
	ip_header(qip, q->family, q->src, q->dst, IPPROTO_TCP, 1500 - iphl, 1);
	put16(qtcp, q->sport);
	put16(qtcp + 2, q->dport);
	put32(qtcp + 4, q->seq);
	if (v4) {
		icmp[0] = 3; /* destination unreachable */
		icmp[1] = 4; /* fragmentation needed and DF set */
		put16(icmp + 6, (uint16_t)mtu);
	} else {
		icmp[0] = 2; /* packet too big */
		put32(icmp + 4, mtu);
		/* ICMPv6 sums a pseudo-header too */
		sum = sum16(0, src, 16);
		sum = sum16(sum, dst, 16);
		sum += IPPROTO_ICMPV6 + (uint32_t)icmplen;
	}
	put16(icmp + 2, fold(sum16(sum, icmp, icmplen)));
	return (int)total;
}
