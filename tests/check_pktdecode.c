/*
 * Decoding captured frames: tests/data/overflow-client-server.pcap was
 * recorded by cases/accept/overflow.case (`netcase run --artifacts`):
 * 20 frames, 13 TCP (5 SYNs, 2 SYN-ACKs, 2 data segments of 12 bytes) and
 * 7 IPv6 multicast listener reports.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <string.h>

#include "../harness/pktdecode.h"
#include "suites.h"

START_TEST(t_recorded)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(TEST_DATA "/overflow-client-server.pcap", err);
	struct pcap_pkthdr *h;
	const u_char *data;
	int n = 0, tcp = 0, syn = 0, synack = 0, data12 = 0, v6 = 0;

	ck_assert_msg(p != NULL, "%s", err);
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct pkt_info pi;
		char a[64];

		ck_assert_int_eq(pkt_decode(data, h->caplen, &pi), 0);
		n++;
		v6 += pi.family == AF_INET6;
		ck_assert_msg(n != 1 || pi.protocol == IPPROTO_TCP,
			      "frame 1 is the client's SYN (protocol %d)", pi.protocol);
		if (pi.protocol != IPPROTO_TCP)
			continue;
		tcp++;
		syn += pi.flags == PKT_SYN;
		synack += pi.flags == (PKT_SYN | PKT_ACK);
		data12 += pi.payload == 12 && (pi.flags & PKT_PSH);
		if (n == 1) {
			inet_ntop(AF_INET, pi.src, a, sizeof(a));
			ck_assert_str_eq(a, "198.18.0.1");
			inet_ntop(AF_INET, pi.dst, a, sizeof(a));
			ck_assert_str_eq(a, "198.18.0.2");
			ck_assert_uint_eq(pi.sport, 56458);
			ck_assert_uint_eq(pi.dport, 8888);
			ck_assert_uint_eq(pi.seq, 3205378127u);
			ck_assert_uint_eq(pi.window, 64240);
			ck_assert_uint_eq(pi.payload, 0);
			ck_assert_int_eq(pi.src_mac[5], 1); /* 02:6e:63:00:00:01, the client end */
			ck_assert_int_eq(pi.dst_mac[5], 2);
		}
	}
	pcap_close(p);
	ck_assert_int_eq(n, 20);
	ck_assert_int_eq(tcp, 13);
	ck_assert_int_eq(syn, 5);
	ck_assert_int_eq(synack, 2);
	ck_assert_int_eq(data12, 2);
	ck_assert_int_eq(v6, 7);
}
END_TEST

START_TEST(t_malformed)
{
	uint8_t f[80] = {0};
	struct pkt_info pi;

	ck_assert_int_eq(pkt_decode(f, 10, &pi), -EPROTO);
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	ck_assert_int_eq(pkt_decode(f, 60, &pi), -ENOTSUP);
	f[13] = 0x00; /* IPv4 */
	f[14] = 0x45;
	f[16] = 0;
	f[17] = 40; /* total length 40 */
	f[23] = IPPROTO_TCP;
	ck_assert_int_eq(pkt_decode(f, 30, &pi), -EPROTO); /* cut inside the IP header */
	ck_assert_int_eq(pkt_decode(f, 40, &pi), -EPROTO); /* cut inside the TCP header */
	f[14 + 20 + 12] = 0x50;				   /* data offset 20 */
	f[14 + 20 + 13] = PKT_SYN | PKT_ACK;
	ck_assert_int_eq(pkt_decode(f, 54, &pi), 0);
	ck_assert_uint_eq(pi.flags, PKT_SYN | PKT_ACK);
	ck_assert_uint_eq(pi.payload, 0);
	f[14 + 20 + 12] = 0xf0; /* data offset 60, beyond the IP length */
	ck_assert_int_eq(pkt_decode(f, 80, &pi), -EPROTO);
}
END_TEST

START_TEST(t_flags)
{
	char b[64];

	pkt_flags_format(PKT_SYN | PKT_ACK, b, sizeof(b));
	ck_assert_str_eq(b, "SYN,ACK");
	pkt_flags_format(PKT_FIN | PKT_PSH | PKT_ACK, b, sizeof(b));
	ck_assert_str_eq(b, "FIN,PSH,ACK");
	pkt_flags_format(0, b, sizeof(b));
	ck_assert_str_eq(b, "");
}
END_TEST

Suite *pktdecode_suite(void)
{
	Suite *s = suite_create("pktdecode");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_recorded);
	tcase_add_test(tc, t_malformed);
	tcase_add_test(tc, t_flags);
	suite_add_tcase(s, tc);
	return s;
}
