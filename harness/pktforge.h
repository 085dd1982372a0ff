/*
 * pktforge: an Ethernet frame carrying one TCP segment, built from its
 * fields with correct IPv4 or IPv6 and TCP checksums - what `inject` puts
 * on a link.  Pure: no socket, no clock.
 */
#ifndef NETCASE_PKTFORGE_H
#define NETCASE_PKTFORGE_H

#include <stddef.h>
#include <stdint.h>

struct pkt_forge {
	uint8_t src_mac[6], dst_mac[6];
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags; /* PKT_* (pktdecode.h) */
	uint16_t window;
	int has_ts;
	uint32_t tsval, tsecr;
	const uint8_t *payload;
	size_t payload_len;
};

/* The most a forged frame takes: Ethernet, IPv6, TCP with timestamps, and
 * a payload of at most PKT_FORGE_PAYLOAD bytes. */
#define PKT_FORGE_PAYLOAD 1400
#define PKT_FORGE_MAX	  (14 + 40 + 32 + PKT_FORGE_PAYLOAD)

/* Build the frame into buf (PKT_FORGE_MAX bytes); its length, or -EINVAL
 * for an unknown family or a payload over PKT_FORGE_PAYLOAD. */
int pkt_forge_tcp(const struct pkt_forge *f, uint8_t *buf, size_t len);

/*
 * An ICMP "fragmentation needed" (IPv4: type 3 code 4) or ICMPv6 "packet
 * too big" (type 2) from the router at src to dst, with the next hop's mtu,
 * quoting the IP header and first 8 bytes of TCP of the segment q describes
 * (q->src, q->dst, ports, seq; its MACs and other fields are not used) as
 * if it had been 1500 bytes long.  Its length, or -EINVAL.
 */
int pkt_forge_too_big(const uint8_t src_mac[6], const uint8_t dst_mac[6], const uint8_t *src,
		      const uint8_t *dst, unsigned mtu, const struct pkt_forge *q, uint8_t *buf,
		      size_t len);

#endif
