/*
 * pktdecode: an Ethernet frame as captured by libpcap (DLT_EN10MB) decoded
 * into what a ladder diagram needs - the MACs, IP addresses, TCP ports,
 * flags, sequence numbers and payload length.  Pure; never reads past
 * caplen.
 */
#ifndef NETCASE_PKTDECODE_H
#define NETCASE_PKTDECODE_H

#include <stddef.h>
#include <stdint.h>

/* TCP flag bits as in the header's 13th byte */
enum {
	PKT_FIN = 0x01,
	PKT_SYN = 0x02,
	PKT_RST = 0x04,
	PKT_PSH = 0x08,
	PKT_ACK = 0x10,
	PKT_URG = 0x20
};

struct pkt_info {
	uint8_t src_mac[6], dst_mac[6];
	int family; /* AF_INET or AF_INET6 */
	uint8_t src[16], dst[16];
	uint8_t protocol; /* IPPROTO_TCP, IPPROTO_UDP, ... */
	uint16_t sport, dport;
	uint8_t flags; /* TCP */
	uint32_t seq, ack;
	uint16_t window;
	uint32_t payload; /* bytes of TCP or UDP payload (from the IP length) */
	int has_ts;	  /* TCP: a timestamps option (RFC 7323) within caplen */
	uint32_t tsval, tsecr;
	uint16_t mss;	/* TCP: the MSS option (SYNs), 0 when absent */
	uint8_t wscale; /* TCP: the window scale option's shift + 1, 0 when absent */
};

/*
 * Decode one frame.  0 for an IPv4 or IPv6 packet (ports and TCP fields
 * filled for TCP and UDP), -ENOTSUP for other EtherTypes, -EPROTO for a
 * frame too short for the headers it announces.
 */
int pkt_decode(const uint8_t *frame, size_t caplen, struct pkt_info *out);

/*
 * The conversation a frame belongs to, as one number: its protocol, the two
 * addresses and the two ports (for TCP and UDP), taken in either direction -
 * a request and its reply are one conversation, a new source port is a new
 * one.  Frames that are not IP share the number 0.
 */
uint64_t pkt_conversation(const uint8_t *frame, size_t caplen);

/* "SYN", "SYN,ACK", "PSH,ACK", ... into buf. */
int pkt_flags_format(uint8_t flags, char *buf, size_t len);

#endif
