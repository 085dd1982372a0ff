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

#include "../harness/capture.h"
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

/* One conversation per connection, either direction: the recording holds
 * three (two accepted connections and the third client's SYNs, all to :8888)
 * and the IPv6 reports, which are IP too. */
START_TEST(t_conversations)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(TEST_DATA "/overflow-client-server.pcap", err);
	struct pcap_pkthdr *h;
	const u_char *data;
	uint64_t tcp[32], first = 0;
	int n = 0, distinct = 0;

	ck_assert_msg(p != NULL, "%s", err);
	while (pcap_next_ex(p, &h, &data) == 1) {
		struct pkt_info pi;
		uint64_t k = pkt_conversation(data, h->caplen);

		ck_assert_int_eq(pkt_decode(data, h->caplen, &pi), 0);
		ck_assert(k != 0);
		if (pi.protocol != IPPROTO_TCP)
			continue;
		if (!first)
			first = k;
		/* a SYN-ACK belongs to its SYN's conversation */
		if (pi.flags == (PKT_SYN | PKT_ACK) && pi.dport == 56458)
			ck_assert(k == first);
		int seen = 0;
		for (int i = 0; i < n; i++)
			seen |= tcp[i] == k;
		distinct += !seen;
		if (n < 32)
			tcp[n++] = k;
	}
	pcap_close(p);
	ck_assert_int_eq(distinct, 3);
	/* not IP: 0 */
	static const uint8_t arp[42] = {[12] = 0x08, [13] = 0x06};
	ck_assert(pkt_conversation(arp, sizeof(arp)) == 0);
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

/* An Ethernet + IPv6 + TCP frame with the given flags, without options. */
static size_t v6_segment(unsigned char *f, unsigned char flags)
{
	memset(f, 0, 74);
	f[12] = 0x86, f[13] = 0xdd;			  /* IPv6 */
	f[14] = 0x60;					  /* version 6 */
	f[18] = 0, f[19] = 20;				  /* payload length: the TCP header */
	f[20] = 6;					  /* next header: TCP */
	f[21] = 64;					  /* hop limit */
	f[22] = 0xfd, f[37] = 1, f[38] = 0xfd, f[53] = 2; /* fd00::1 -> fd00::2 */
	f[54] = 0x9c, f[55] = 0x40, f[56] = 0x22, f[57] = 0xb8;
	f[66] = 0x50;  /* data offset 5 */
	f[67] = flags; /* TCP byte 13 */
	return 74;
}

/* A flags match counts IPv6 segments as it does IPv4 ones (libpcap's tcp[13]
 * alone reads IPv4 only), and the recorded IPv4 capture counts as before. */
START_TEST(t_flags_both_families)
{
	char err[PCAP_ERRBUF_SIZE], why[256];
	pcap_t *p = pcap_open_offline(TEST_DATA "/overflow-client-server.pcap", err);
	struct capture_filter *syn, *ack;
	struct topo t;
	struct pcap_pkthdr h = {.caplen = 74, .len = 74};
	const u_char *data;
	struct pcap_pkthdr *ph;
	unsigned char f[74];
	int n = 0;

	topo_init(&t);
	ck_assert_int_eq(
	    capture_filter_new(&t, "tcp[tcpflags] & tcp-syn != 0", &syn, why, sizeof(why)), 0);
	ck_assert_int_eq(capture_filter_new(&t, "tcp[13] == 0x10 and not host 198.18.0.9", &ack,
					    why, sizeof(why)),
			 0);
	ck_assert_msg(p != NULL, "%s", err);
	while (pcap_next_ex(p, &ph, &data) == 1)
		n += capture_filter_match(syn, ph, data);
	pcap_close(p);
	ck_assert_int_eq(n, 7); /* 5 SYNs and 2 SYN-ACKs, all IPv4 */
	v6_segment(f, 0x02);
	ck_assert(capture_filter_match(syn, &h, f));
	ck_assert(!capture_filter_match(ack, &h, f));
	v6_segment(f, 0x10);
	ck_assert(!capture_filter_match(syn, &h, f));
	ck_assert(capture_filter_match(ack, &h, f));
	capture_filter_free(syn);
	capture_filter_free(ack);
	topo_fini(&t);
}
END_TEST

/* How many frames of a recorded capture f matches, connection terms included. */
static int count_recorded(const char *text)
{
	char err[PCAP_ERRBUF_SIZE], why[256];
	pcap_t *p = pcap_open_offline(TEST_DATA "/overflow-client-server.pcap", err);
	struct capture_filter *f;
	const u_char *data;
	struct pcap_pkthdr *ph;
	struct topo t;
	int n = 0;

	topo_init(&t);
	ck_assert_msg(p != NULL, "%s", err);
	ck_assert_msg(capture_filter_new(&t, text, &f, why, sizeof(why)) == 0, "%s: %s", text, why);
	while (pcap_next_ex(p, &ph, &data) == 1)
		n += capture_filter_frame(f, ph, data);
	pcap_close(p);
	capture_filter_free(f);
	topo_fini(&t);
	return n;
}

/* Relative numbers and retransmissions, as tcpdump shows them, in the
 * recorded accept-queue overflow: one client's SYN sent three times, two
 * clients' 12 bytes at seq 1, acknowledged with ack 13. */
START_TEST(t_conn_terms_recorded)
{
	ck_assert_int_eq(count_recorded("retransmission"), 2);
	ck_assert_int_eq(count_recorded("tcp[tcpflags] & tcp-syn != 0 and retransmission"), 2);
	ck_assert_int_eq(count_recorded("retransmission && src port 56458"), 0);
	ck_assert_int_eq(count_recorded("seq == 1 and tcp[tcpflags] & tcp-push != 0"), 2);
	ck_assert_int_eq(count_recorded("ack == 13"), 2);
	ck_assert_int_eq(count_recorded("ack == 1 and src host 198.18.0.1"), 4);
	/* the two data segments and the two handshake ACKs, whose seq is 1 too */
	ck_assert_int_eq(count_recorded("seq > 0 and seq < 13 and dst port 8888"), 4);
}
END_TEST

static struct tcpseq_seg seg(int from_a, uint8_t flags, uint32_t seq, uint32_t ack, uint32_t len)
{
	struct tcpseq_seg s = {.family = 2, .flags = flags, .seq = seq, .ack = ack, .len = len};

	s.src[0] = from_a ? 1 : 2;
	s.dst[0] = from_a ? 2 : 1;
	s.sport = from_a ? 40000 : 80;
	s.dport = from_a ? 80 : 40000;
	return s;
}

/* The tracker segment by segment: SYN and its copy, overlap, probes, a new
 * incarnation of the 4-tuple. */
START_TEST(t_tcpseq)
{
	static const struct {
		int a;
		uint8_t flags;
		uint32_t seq, ack, len;
		int retrans;
		uint32_t rseq;
		int has_ack;
		uint32_t rack;
	} steps[] = {
	    {1, 0x02, 1000, 0, 0, 0, 0, 0, 0},		/* SYN */
	    {1, 0x02, 1000, 0, 0, 1, 0, 0, 0},		/* its copy */
	    {0, 0x12, 5000, 1001, 0, 0, 0, 1, 1},	/* SYN-ACK */
	    {1, 0x10, 1001, 5001, 0, 0, 1, 1, 1},	/* ACK */
	    {1, 0x18, 1001, 5001, 100, 0, 1, 1, 1},	/* data 1:101 */
	    {1, 0x18, 1001, 5001, 100, 1, 1, 1, 1},	/* again */
	    {1, 0x18, 1101, 5001, 100, 0, 101, 1, 1},	/* 101:201 */
	    {1, 0x18, 1151, 5001, 100, 1, 151, 1, 1},	/* overlaps 151:201 */
	    {0, 0x10, 5001, 1251, 0, 0, 1, 1, 251},	/* pure ACK */
	    {1, 0x10, 1250, 5001, 0, 0, 250, 1, 1},	/* keepalive at snd_una - 1 */
	    {1, 0x11, 1251, 5001, 0, 0, 251, 1, 1},	/* FIN */
	    {1, 0x11, 1251, 5001, 0, 1, 251, 1, 1},	/* FIN again */
	    {1, 0x02, 0xfffffff0, 0, 0, 0, 0, 0, 0},	/* a new incarnation */
	    {1, 0x10, 0xfffffff1, 0, 0, 0, 1, 0, 0},	/* its peer not seen yet */
	    {1, 0x18, 0xfffffff1, 0, 0x20, 0, 1, 0, 0}, /* data across the wrap */
	    {1, 0x18, 0x00000001, 0, 0x10, 1, 0x11, 0, 0},
	};
	struct tcpseq t = {0};

	for (unsigned i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct tcpseq_seg s =
		    seg(steps[i].a, steps[i].flags, steps[i].seq, steps[i].ack, steps[i].len);
		struct tcpseq_view v;

		ck_assert_int_eq(tcpseq_add(&t, &s, &v), 0);
		ck_assert_msg(v.retrans == steps[i].retrans && v.rseq == steps[i].rseq &&
				  v.has_ack == steps[i].has_ack && v.rack == steps[i].rack,
			      "step %u: retrans %d rseq %u has_ack %d rack %u", i, v.retrans,
			      v.rseq, v.has_ack, v.rack);
	}
	ck_assert_int_eq(t.n, 1);
	tcpseq_fini(&t);
}
END_TEST

/* Connection terms only as top-level `and` terms; each refusal says how. */
START_TEST(t_conn_terms_refused)
{
	static const char *bad[] = {
	    "retransmission or port 80",
	    "not retransmission",
	    "(retransmission and tcp)",
	    "seq >= x",
	    "ack == -1",
	    "seq == 4294967296",
	    "ack",
	    "port 80 || seq == 1",
	};
	struct capture_filter *f;
	struct topo t;
	char why[512];

	topo_init(&t);
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = 0;
		ck_assert_msg(capture_filter_new(&t, bad[i], &f, why, sizeof(why)) == -EINVAL,
			      "'%s' was taken", bad[i]);
		ck_assert_msg(strstr(why, bad[i]) && (strstr(why, "seq") || strstr(why, "ack")),
			      "'%s': %s", bad[i], why);
	}
	ck_assert_int_eq(capture_filter_new(&t, "tcp[tcpflags] & tcp-ack != 0 and seq != 0", &f,
					    why, sizeof(why)),
			 0);
	capture_filter_free(f);
	topo_fini(&t);
}
END_TEST

Suite *pktdecode_suite(void)
{
	Suite *s = suite_create("pktdecode");
	TCase *tc = tcase_create("decode");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_recorded);
	tcase_add_test(tc, t_conversations);
	tcase_add_test(tc, t_malformed);
	tcase_add_test(tc, t_flags);
	tcase_add_test(tc, t_flags_both_families);
	tcase_add_test(tc, t_conn_terms_recorded);
	tcase_add_test(tc, t_tcpseq);
	tcase_add_test(tc, t_conn_terms_refused);
	suite_add_tcase(s, tc);
	return s;
}
