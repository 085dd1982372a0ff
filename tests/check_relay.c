/*
 * The relay's key (relay.h): what of a frame stays the same from run to
 * run, parsed from hand-made IPv4 and IPv6 TCP frames, and the draws made
 * from it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "../harness/relay.h"
#include "suites.h"

/* An Ethernet + IPv4 + TCP frame from src:sport to dst:dport, payload n bytes. */
static size_t tcp4(uint8_t *f, const char *src, const char *dst, int sport, int dport, uint32_t seq,
		   uint32_t ack, uint8_t flags, size_t n)
{
	size_t tot = 20 + 20 + n;

	memset(f, 0, 14 + tot);
	f[12] = 0x08;
	f[14] = 0x45;
	f[16] = (uint8_t)(tot >> 8);
	f[17] = (uint8_t)tot;
	f[23] = 6;
	inet_pton(AF_INET, src, f + 26);
	inet_pton(AF_INET, dst, f + 30);
	f[34] = (uint8_t)(sport >> 8), f[35] = (uint8_t)sport;
	f[36] = (uint8_t)(dport >> 8), f[37] = (uint8_t)dport;
	seq = htonl(seq);
	ack = htonl(ack);
	memcpy(f + 38, &seq, 4); /* frames are not aligned */
	memcpy(f + 42, &ack, 4);
	f[46] = 5 << 4;
	f[47] = flags;
	return 14 + tot;
}

START_TEST(t_parse)
{
	uint8_t f[2000], t1[RELAY_TUPLE], t2[RELAY_TUPLE];
	struct relay_key k;
	int side;
	size_t n = tcp4(f, "198.18.0.1", "198.18.0.2", 41000, 8888, 1000, 2000, 0x18, 100);

	ck_assert_int_eq(relay_parse(f, n, t1, &side, &k), 0);
	ck_assert_int_eq(side, 0);
	ck_assert_int_eq(k.proto, 6);
	ck_assert_uint_eq(k.seq, 1000);
	ck_assert_uint_eq(k.ack, 2000);
	ck_assert_uint_eq(k.len, 100);
	ck_assert_int_eq(k.flags, 0x18);
	/* the answer belongs to the same flow, from the other side */
	n = tcp4(f, "198.18.0.2", "198.18.0.1", 8888, 41000, 2000, 1100, 0x10, 0);
	ck_assert_int_eq(relay_parse(f, n, t2, &side, &k), 0);
	ck_assert_int_eq(side, 1);
	ck_assert_mem_eq(t1, t2, RELAY_TUPLE);
	ck_assert_uint_eq(k.len, 0);
	/* Ethernet padding past the IP length is not payload */
	n = tcp4(f, "198.18.0.1", "198.18.0.2", 41000, 8888, 1, 1, 0x10, 0);
	ck_assert_int_eq(relay_parse(f, n + 6, t1, &side, &k), 0);
	ck_assert_uint_eq(k.len, 0);
	/* ARP, runts */
	f[12] = 0x08, f[13] = 0x06;
	ck_assert_int_eq(relay_parse(f, n, t1, &side, &k), -EINVAL);
	ck_assert_int_eq(relay_parse(f, 20, t1, &side, &k), -EINVAL);
}
END_TEST

START_TEST(t_draws)
{
	struct relay_key a = {.dir = 0,
			      .proto = 6,
			      .flags = 0x10,
			      .flow = 0,
			      .seq = 1449,
			      .ack = 1,
			      .len = 1448,
			      .occ = 0};
	struct relay_key b = a;
	int lost = 0;

	ck_assert_uint_eq(relay_hash(7, &a, 1), relay_hash(7, &b, 1)); /* a function of the key */
	ck_assert_uint_ne(relay_hash(7, &a, 1), relay_hash(8, &a, 1)); /* and of the seed */
	ck_assert_uint_ne(relay_hash(7, &a, 1), relay_hash(7, &a, 2)); /* each draw its own */
	b.occ = 1; /* a retransmission draws again */
	ck_assert_uint_ne(relay_hash(7, &a, 1), relay_hash(7, &b, 1));
	/* uniform enough: 30% of 10000 segments within a percent */
	for (uint32_t i = 0; i < 10000; i++) {
		b = a;
		b.seq = 1 + i * 1448;
		lost += relay_uniform(relay_hash(7, &b, 1)) < 0.3;
	}
	ck_assert_msg(lost > 2900 && lost < 3100, "lost %d of 10000 at 30%%", lost);
}
END_TEST

Suite *relay_suite(void)
{
	Suite *s = suite_create("relay");
	TCase *tc = tcase_create("key");

	tcase_add_test(tc, t_parse);
	tcase_add_test(tc, t_draws);
	suite_add_tcase(s, tc);
	return s;
}
