/*
 * Forged segments and a connection's state from its capture.
 * tests/data/inject-rst-window.pcap was recorded by
 * cases/inject/rst-window.case (`netcase run --artifacts`) on the client's
 * end: the handshake of 198.18.0.1:48480 -> 198.18.0.2:8888, "hello" and
 * its ACK (frames 1-5), then three RSTs netcase forged on the server's end
 * (rcv_nxt+1, rcv_nxt+1000000000, rcv_nxt), between them the client's
 * challenge ACK and IPv6 listener reports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

#include "../harness/pktdecode.h"
#include "../harness/pktforge.h"
#include "../harness/tcpconn.h"
#include "suites.h"

static const uint8_t server_mac[6] = {0x02, 0x6e, 0x63, 0x00, 0x00, 0x02};
#define CLIENT_ISN 1567423415u
#define SERVER_ISN 3539490103u

/* The recording's frames 1..upto (all when upto is 0) into c. */
static int feed(struct tcp_conn *c, int upto, struct pkt_info *frames, int max)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(TEST_DATA "/inject-rst-window.pcap", err);
	struct pcap_pkthdr *h;
	const u_char *data;
	int n = 0;

	ck_assert_msg(p != NULL, "%s", err);
	while (pcap_next_ex(p, &h, &data) == 1 && (!upto || n < upto)) {
		struct pkt_info pi;
		ck_assert_int_eq(pkt_decode(data, h->caplen, &pi), 0);
		if (c)
			tcp_conn_add(c, &pi, n);
		if (n < max)
			frames[n] = pi;
		n++;
	}
	pcap_close(p);
	return n;
}

/* Before the first forged RST: the client (receiving end) has rcv_nxt =
 * the server's ISN + 1, snd_nxt = its ISN + 6 ("hello"), all acknowledged. */
START_TEST(t_state_quiet)
{
	struct tcp_conn c;
	struct inject_val v = {INJ_RCV_NXT, 1};
	uint32_t un[2];

	tcp_conn_init(&c, server_mac, 8888, 48480);
	feed(&c, 5, NULL, 0);
	ck_assert(tcp_conn_ready(&c));
	ck_assert_int_eq(c.d[0].frames, 2); /* the server's SYN-ACK and ACK */
	ck_assert_int_eq(c.d[1].frames, 3);
	ck_assert_uint_eq(tcp_conn_value(&c, &v), SERVER_ISN + 2);
	v = (struct inject_val){INJ_SND_NXT, 0};
	ck_assert_uint_eq(tcp_conn_value(&c, &v), CLIENT_ISN + 6);
	v = (struct inject_val){INJ_SND_UNA, -1};
	ck_assert_uint_eq(tcp_conn_value(&c, &v), CLIENT_ISN + 5);
	v = (struct inject_val){INJ_ABS, 7};
	ck_assert_uint_eq(tcp_conn_value(&c, &v), 7);
	ck_assert(c.d[0].syn && c.d[0].isn == SERVER_ISN);
	ck_assert(c.d[1].syn && c.d[1].isn == CLIENT_ISN);
	ck_assert(c.d[0].has_ts && c.d[0].tsval == 278707045u);
	ck_assert(c.d[1].has_ts && c.d[1].tsval == 689415568u);
	tcp_conn_unacked(&c, un);
	ck_assert_uint_eq(un[0], 0);
	ck_assert_uint_eq(un[1], 0);
}
END_TEST

/* "hello" seen, its ACK not yet: 5 bytes of the client's in flight. */
START_TEST(t_state_in_flight)
{
	struct tcp_conn c;
	uint32_t un[2];

	tcp_conn_init(&c, server_mac, 48480, 8888); /* either order of ports */
	feed(&c, 4, NULL, 0);
	ck_assert(tcp_conn_ready(&c));
	tcp_conn_unacked(&c, un);
	ck_assert_uint_eq(un[0], 0);
	ck_assert_uint_eq(un[1], 5);
	/* another connection's ports: nothing taken */
	tcp_conn_init(&c, server_mac, 48481, 8888);
	feed(&c, 0, NULL, 0);
	ck_assert(!tcp_conn_ready(&c));
	ck_assert_int_eq(c.d[0].frames + c.d[1].frames, 0);
}
END_TEST

/* The forged RSTs as recorded: from the server's end, with timestamps,
 * at rcv_nxt + 1, + 1000000000 and exactly rcv_nxt. */
START_TEST(t_forged_recorded)
{
	struct pkt_info f[16];
	uint32_t want[] = {SERVER_ISN + 2, SERVER_ISN + 1 + 1000000000u, SERVER_ISN + 1};
	int n = feed(NULL, 0, f, 16), rst = 0;

	for (int i = 0; i < n && i < 16; i++) {
		if (f[i].protocol != IPPROTO_TCP || !(f[i].flags & PKT_RST))
			continue;
		ck_assert_int_lt(rst, 3);
		ck_assert_uint_eq(f[i].seq, want[rst]);
		ck_assert(!memcmp(f[i].src_mac, server_mac, 6));
		ck_assert(f[i].has_ts);
		ck_assert_uint_eq(f[i].tsval, 278707045u);
		rst++;
	}
	ck_assert_int_eq(rst, 3);
}
END_TEST

/* The one's complement sum of n bytes, big-endian words. */
static uint32_t sum16(uint32_t s, const uint8_t *p, size_t n)
{
	for (; n > 1; p += 2, n -= 2)
		s += (uint32_t)(p[0] << 8 | p[1]);
	if (n)
		s += (uint32_t)(p[0] << 8);
	return s;
}

static uint16_t folded(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The server's ACK of "hello" (frame 5) forged again from its fields is
 * the kernel's own, byte for byte: the TCP header and options, and the IPv4
 * header but for the ID the kernel chose (and so its checksum); the TCP
 * checksum is the full one. */
START_TEST(t_forge_as_kernel)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(TEST_DATA "/inject-rst-window.pcap", err);
	struct pcap_pkthdr *h;
	const u_char *data = NULL;
	uint8_t buf[PKT_FORGE_MAX];
	struct pkt_info pi;
	struct pkt_forge f = {0};
	int n;

	ck_assert_msg(p != NULL, "%s", err);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(pcap_next_ex(p, &h, &data), 1);
	ck_assert_int_eq(pkt_decode(data, h->caplen, &pi), 0);
	ck_assert_uint_eq(pi.flags, PKT_ACK);
	memcpy(f.src_mac, pi.src_mac, 6);
	memcpy(f.dst_mac, pi.dst_mac, 6);
	f.family = AF_INET;
	memcpy(f.src, pi.src, 4);
	memcpy(f.dst, pi.dst, 4);
	f.sport = pi.sport;
	f.dport = pi.dport;
	f.seq = pi.seq;
	f.ack = pi.ack;
	f.flags = pi.flags;
	f.window = pi.window;
	f.has_ts = 1;
	f.tsval = pi.tsval;
	f.tsecr = pi.tsecr;
	n = pkt_forge_tcp(&f, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)h->caplen);
	ck_assert(!memcmp(buf, data, 14));
	ck_assert(!memcmp(buf + 14, data + 14, 4));	       /* version .. length */
	ck_assert(!memcmp(buf + 14 + 6, data + 14 + 6, 4));    /* flags, TTL, protocol */
	ck_assert(!memcmp(buf + 14 + 12, data + 14 + 12, 8));  /* addresses */
	ck_assert(!memcmp(buf + 34, data + 34, 16));	       /* TCP up to its checksum */
	ck_assert(!memcmp(buf + 34 + 18, data + 34 + 18, 14)); /* urgent pointer, options */
	ck_assert_uint_eq(folded(sum16(0, buf + 14, 20)), 0xffff);
	/* the kernel left the checksum to the veth's offload (the recording
	 * holds the partial sum); tcpdump -vv computes the full one: 0xee37 */
	ck_assert_uint_eq(buf[34 + 16] << 8 | buf[34 + 17], 0xee37);
	pcap_close(p);
}
END_TEST

/* IPv6 with a payload: the checksum sums to all ones over the pseudo-header
 * and the segment, and the frame decodes to what was asked. */
START_TEST(t_forge_ipv6)
{
	struct pkt_forge f = {.family = AF_INET6,
			      .sport = 8888,
			      .dport = 40000,
			      .seq = 0xfffffff0u,
			      .ack = 5,
			      .flags = PKT_PSH | PKT_ACK,
			      .window = 512,
			      .payload = (const uint8_t *)"forged",
			      .payload_len = 6};
	uint8_t buf[PKT_FORGE_MAX];
	struct pkt_info pi;
	uint32_t s;
	int n;

	inet_pton(AF_INET6, "fd00:6e63::2", f.src);
	inet_pton(AF_INET6, "fd00:6e63::1", f.dst);
	n = pkt_forge_tcp(&f, buf, sizeof(buf));
	ck_assert_int_eq(n, 14 + 40 + 20 + 6);
	ck_assert_int_eq(pkt_decode(buf, (size_t)n, &pi), 0);
	ck_assert_int_eq(pi.family, AF_INET6);
	ck_assert_uint_eq(pi.seq, 0xfffffff0u);
	ck_assert_uint_eq(pi.payload, 6);
	ck_assert(!pi.has_ts);
	s = sum16(0, buf + 14 + 8, 32) + IPPROTO_TCP + 26;
	ck_assert_uint_eq(folded(sum16(s, buf + 54, 26)), 0xffff);
	f.payload_len = PKT_FORGE_PAYLOAD + 1;
	ck_assert_int_eq(pkt_forge_tcp(&f, buf, sizeof(buf)), -EINVAL);
	f.payload_len = 0;
	f.family = 0;
	ck_assert_int_eq(pkt_forge_tcp(&f, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* An ICMP fragmentation needed quoting the client's segment: both IPv4
 * checksums and the ICMP one sum to all ones, and the quote is the
 * segment's addresses, ports and sequence number; ICMPv6 likewise, with
 * its pseudo-header. */
START_TEST(t_forge_too_big)
{
	static const uint8_t a[6] = {2, 0, 0, 0, 0, 2}, b[6] = {2, 0, 0, 0, 0, 1};
	struct pkt_forge q = {.family = AF_INET, .sport = 48480, .dport = 8888, .seq = CLIENT_ISN};
	uint8_t buf[PKT_FORGE_MAX], from[16] = {0}, to[16] = {0};
	struct pkt_info pi;
	int n;

	inet_pton(AF_INET, "198.18.0.1", q.src);
	inet_pton(AF_INET, "198.18.0.2", q.dst);
	inet_pton(AF_INET, "198.18.0.2", from);
	inet_pton(AF_INET, "198.18.0.1", to);
	n = pkt_forge_too_big(a, b, from, to, 1280, &q, buf, sizeof(buf));
	ck_assert_int_eq(n, 14 + 20 + 8 + 20 + 8);
	ck_assert_int_eq(pkt_decode(buf, (size_t)n, &pi), 0);
	ck_assert_int_eq(pi.protocol, IPPROTO_ICMP);
	ck_assert(!memcmp(buf, b, 6) && !memcmp(buf + 6, a, 6));
	ck_assert_uint_eq(folded(sum16(0, buf + 14, 20)), 0xffff);
	ck_assert_uint_eq(folded(sum16(0, buf + 34, 36)), 0xffff);
	ck_assert(buf[34] == 3 && buf[35] == 4 && buf[40] == 1280 >> 8 && buf[41] == (1280 & 0xff));
	ck_assert(!memcmp(buf + 42 + 12, q.src, 4) && !memcmp(buf + 42 + 16, q.dst, 4));
	ck_assert_uint_eq(folded(sum16(0, buf + 42, 20)), 0xffff); /* the quoted header's */
	ck_assert(buf[62] == 48480 >> 8 && buf[66] == CLIENT_ISN >> 24);

	q.family = AF_INET6;
	inet_pton(AF_INET6, "fd00:6e63::1", q.src);
	inet_pton(AF_INET6, "fd00:6e63::2", q.dst);
	inet_pton(AF_INET6, "fd00:6e63::2", from);
	inet_pton(AF_INET6, "fd00:6e63::1", to);
	n = pkt_forge_too_big(a, b, from, to, 1280, &q, buf, sizeof(buf));
	ck_assert_int_eq(n, 14 + 40 + 8 + 40 + 8);
	ck_assert_int_eq(pkt_decode(buf, (size_t)n, &pi), 0);
	ck_assert_int_eq(pi.protocol, IPPROTO_ICMPV6);
	ck_assert_uint_eq(buf[54], 2);
	ck_assert_uint_eq(
	    folded(sum16(sum16(sum16(0, from, 16), to, 16) + IPPROTO_ICMPV6 + 56, buf + 54, 56)),
	    0xffff);
	q.family = 0;
	ck_assert_int_eq(pkt_forge_too_big(a, b, from, to, 1280, &q, buf, sizeof(buf)), -EINVAL);
}
END_TEST

Suite *inject_suite(void)
{
	Suite *s = suite_create("inject");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, t_state_quiet);
	tcase_add_test(tc, t_state_in_flight);
	tcase_add_test(tc, t_forged_recorded);
	tcase_add_test(tc, t_forge_as_kernel);
	tcase_add_test(tc, t_forge_ipv6);
	tcase_add_test(tc, t_forge_too_big);
	suite_add_tcase(s, tc);
	return s;
}
