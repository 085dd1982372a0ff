/*
 * Histories built from kernel events, fed with the sequences recorded from
 * the kernel (events.log of close/four-way and handshake/states on 6.18):
 * births, hand-overs to mini-sockets (exact and observed), pointer reuse,
 * and the host's side of a dropped packet; the parse of the expectations.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../lang/case.h"
#include "../harness/history.h"
#include "../lang/units.h"
#include "suites.h"

#define SK_CLIENT 0xffff88814b500940ull
#define SK_CHILD  0xffff88814b501280ull

static struct kev_wire ev(int kind, uint64_t sk, int from, int to, int sport, int dport)
{
	struct kev_wire w;

	memset(&w, 0, sizeof(w));
	w.kind = (uint16_t)kind;
	w.sk = sk;
	w.oldstate = (uint8_t)from;
	w.newstate = (uint8_t)to;
	w.family = AF_INET;
	w.sport = (uint16_t)sport;
	w.dport = (uint16_t)dport;
	inet_pton(AF_INET, sport == 8888 ? "198.18.0.2" : "198.18.0.1", w.saddr);
	inet_pton(AF_INET, sport == 8888 ? "198.18.0.1" : "198.18.0.2", w.daddr);
	return w;
}

static char *format(const struct khist *h)
{
	static char buf[512];
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	history_format(h, f);
	fclose(f);
	return buf;
}

/* The client of close/four-way, as recorded: born with port 0. */
static void client_close(struct kdb *d, int with_probe)
{
	struct kev_wire seq[] = {
	    ev(KEV_STATE, SK_CLIENT, 7, 2, 0, 8888),
	    ev(KEV_STATE, SK_CLIENT, 2, 1, 39640, 8888),
	    ev(KEV_STATE, SK_CLIENT, 1, 4, 39640, 8888),
	    ev(KEV_STATE, SK_CLIENT, 4, 5, 39640, 8888),
	    ev(KEV_TIMEWAIT, SK_CLIENT, 5, 6, 39640, 8888),
	    ev(KEV_STATE, SK_CLIENT, 5, 7, 0, 8888),
	};
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		if (seq[i].kind != KEV_TIMEWAIT || with_probe)
			ck_assert_int_eq(kdb_add(d, i * 0.001, 0, 0, &seq[i]), 0);
}

static struct sockdiag_sock mini(int state)
{
	struct sockdiag_sock s;

	memset(&s, 0, sizeof(s));
	s.family = AF_INET;
	s.state = (uint8_t)state;
	s.sport = 39640;
	s.dport = 8888;
	inet_pton(AF_INET, "198.18.0.1", s.src);
	inet_pton(AF_INET, "198.18.0.2", s.dst);
	return s;
}

START_TEST(t_handover_observed)
{
	struct kdb d;
	struct sockdiag_sock tw = mini(6);

	kdb_init(&d);
	client_close(&d, 0);
	ck_assert_int_eq(d.nh, 1);
	ck_assert_str_eq(format(&d.h[0]), "syn-sent established fin-wait-1 fin-wait-2 closed");
	ck_assert(d.h[0].ended);
	ck_assert_uint_eq(d.h[0].last.sport, 39640); /* the ->CLOSE's port 0 is not kept */
	tw.inode = 77;				     /* a full socket is no mini-socket */
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 0);
	tw.inode = 0;
	ck_assert_int_eq(history_mini_seen(&d, 1, &tw), 0); /* another host */
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 1);
	ck_assert_str_eq(format(&d.h[0]), "syn-sent established fin-wait-1 fin-wait-2 time-wait");
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 0); /* once */
	ck_assert_int_eq(history_gone(&d, 0, &tw), 1);
	ck_assert_str_eq(format(&d.h[0]),
			 "syn-sent established fin-wait-1 fin-wait-2 time-wait closed");
	ck_assert_int_eq(history_gone(&d, 0, &tw), 0);
	ck_assert_int_eq(d.nev, 5);
	kdb_fini(&d);
}
END_TEST

START_TEST(t_handover_exact)
{
	struct kdb d;
	struct sockdiag_sock tw = mini(6);

	kdb_init(&d);
	client_close(&d, 1);
	ck_assert_str_eq(format(&d.h[0]), "syn-sent established fin-wait-1 fin-wait-2 time-wait");
	ck_assert(d.h[0].mini && !d.h[0].ended);
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 0); /* nothing new */
	ck_assert_ptr_eq(kdb_history_of(&d, 0, SK_CLIENT), &d.h[0]);
	kdb_fini(&d);
}
END_TEST

/* Retransmitted segments as TcpRetransSegs counts them: a SYN's, data's
 * (all its segments), a SYN-ACK's; not a failed attempt, not another
 * host's; an event without a segment count (an older record) is one. */
START_TEST(t_retrans_segs_counted)
{
	struct kdb d;
	struct kev_wire w = ev(KEV_RETRANS, SK_CLIENT, 0, 2, 40000, 8888);

	kdb_init(&d);
	ck_assert_int_eq(kdb_add(&d, 1.0, 0, 0, &w), 0); /* in SYN-SENT */
	w.newstate = 1;					 /* data, ESTABLISHED */
	w.segs = 3;
	ck_assert_int_eq(kdb_add(&d, 2.0, 0, 0, &w), 0);
	w = ev(KEV_RETRANS_FAIL, SK_CLIENT, 2, 2, 40000, 8888);
	w.segs = 2;
	ck_assert_int_eq(kdb_add(&d, 3.0, 0, 0, &w), 0);
	w = ev(KEV_SYNACK_RETRANS, SK_CHILD, 0, 0, 8888, 40000);
	ck_assert_int_eq(kdb_add(&d, 1.5, 1, 0, &w), 0);
	ck_assert_int_eq(kdb_retrans_segs(&d, 0), 4);
	ck_assert_int_eq(kdb_retrans_segs(&d, 1), 1);
	ck_assert_int_eq(kdb_retrans_segs(&d, 2), 0);
	kdb_fini(&d);
}
END_TEST

/* Socket diag shows the TIME-WAIT mini-socket before the ring buffer has
 * delivered the ->CLOSE of the hand-over. */
START_TEST(t_handover_diag_first)
{
	struct kdb d;
	struct sockdiag_sock tw = mini(6);
	struct kev_wire close = ev(KEV_STATE, SK_CLIENT, 5, 7, 0, 8888);

	kdb_init(&d);
	client_close(&d, 0);
	d.nh = 0; /* again, without the last event */
	d.nev = 0;
	client_close(&d, 0);
	d.h[0].n--; /* as if the ->CLOSE had not come yet */
	d.h[0].ended = 0;
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 1);
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 0);
	kdb_add(&d, 1, 0, 0, &close);
	ck_assert_str_eq(format(&d.h[0]), "syn-sent established fin-wait-1 fin-wait-2 time-wait");
	ck_assert(d.h[0].mini && !d.h[0].ended);
	kdb_fini(&d);
}
END_TEST

/* An orphaned FIN-WAIT-2 mini-socket that then takes the peer's FIN. */
START_TEST(t_orphan_fin_wait_2)
{
	struct kdb d;
	struct kev_wire seq[] = {
	    ev(KEV_STATE, SK_CLIENT, 7, 2, 0, 8888),
	    ev(KEV_STATE, SK_CLIENT, 2, 1, 39640, 8888),
	    ev(KEV_STATE, SK_CLIENT, 1, 4, 39640, 8888),
	    ev(KEV_STATE, SK_CLIENT, 4, 7, 0, 8888),
	};
	struct sockdiag_sock fw2 = mini(5), tw = mini(6);

	kdb_init(&d);
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		kdb_add(&d, i, 0, 0, &seq[i]);
	ck_assert_int_eq(history_mini_seen(&d, 0, &fw2), 1);
	ck_assert_int_eq(history_mini_seen(&d, 0, &tw), 1);
	ck_assert_str_eq(format(&d.h[0]), "syn-sent established fin-wait-1 fin-wait-2 time-wait");
	kdb_fini(&d);
}
END_TEST

START_TEST(t_child_and_reuse)
{
	struct kdb d;
	struct kev_wire seq[] = {
	    ev(KEV_STATE, SK_CHILD, 10, 3, 8888, 39640),
	    ev(KEV_STATE, SK_CHILD, 3, 1, 8888, 39640),
	    ev(KEV_RETRANS, SK_CHILD, 0, 1, 8888, 39640),
	    ev(KEV_STATE, SK_CHILD, 1, 8, 8888, 39640),
	    ev(KEV_STATE, SK_CHILD, 8, 9, 8888, 39640),
	    ev(KEV_STATE, SK_CHILD, 9, 7, 8888, 39640),
	    /* the same pointer, a new client */
	    ev(KEV_STATE, SK_CHILD, 7, 2, 0, 9999),
	};

	kdb_init(&d);
	for (unsigned i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		kdb_add(&d, i, 1, 0, &seq[i]);
	ck_assert_int_eq(d.nh, 2);
	ck_assert_str_eq(format(&d.h[0]), "syn-recv established close-wait last-ack closed");
	ck_assert_str_eq(format(&d.h[1]), "syn-sent");
	ck_assert_int_eq(d.nev, 7);
	ck_assert_ptr_eq(kdb_history_of(&d, 1, SK_CHILD), &d.h[1]);
	kdb_fini(&d);
}
END_TEST

/* A socket the observer first met in ESTABLISHED starts from there. */
START_TEST(t_born_before)
{
	struct kdb d;
	struct kev_wire w = ev(KEV_STATE, SK_CLIENT, 1, 8, 39640, 8888);

	kdb_init(&d);
	kdb_add(&d, 0, 0, 0, &w);
	ck_assert_str_eq(format(&d.h[0]), "established close-wait");
	ck_assert_int_eq(units_tcp_state_parse("fin-wait-1"), 4);
	ck_assert_int_eq(units_tcp_state_parse("estab"), -EINVAL);
	ck_assert_str_eq(units_tcp_state_name(10), "listening");
	ck_assert_ptr_null(units_tcp_state_name(12));
	kdb_fini(&d);
}
END_TEST

/* A packet's endpoints turn to the host's side only when it is addressed to it. */
START_TEST(t_packet_side)
{
	struct kev_wire w = ev(KEV_DROP, 0, 0, 0, 40000, 7199);
	struct sockdiag_sock s;

	w.flags = KEV_F_PACKET;
	w.l4proto = 6;
	history_as_sock(&w, 1, &s); /* the server, 198.18.0.2, dropped it */
	ck_assert_uint_eq(s.sport, 7199);
	ck_assert_uint_eq(s.dport, 40000);
	ck_assert_uint_eq(s.src[3], 2);
	history_as_sock(&w, 0, &s); /* a router, or the sender */
	ck_assert_uint_eq(s.sport, 40000);
	ck_assert_uint_eq(s.src[3], 1);
	ck_assert_uint_eq(s.state, 7);
	w.flags = 0; /* a socket's endpoints are its own end first already */
	history_as_sock(&w, 1, &s);
	ck_assert_uint_eq(s.sport, 40000);
}
END_TEST

static struct case_model *pm; /* the last parsed model */

static const struct case_model *parsed(const char *stmt)
{
	struct case_error e;
	char text[512];

	pm = case_free(pm);
	snprintf(text, sizeof(text), "host client server\nlink client server\n%s\n", stmt);
	ck_assert_msg(case_parse("t.case", text, &pm, &e) == 0, "%s", e.msg);
	return pm;
}

START_TEST(t_parse)
{
	const struct expectation *x;

	x = &parsed("expect client within 2s: history(dport = :8888) == syn-sent established "
		    "time-wait")
		 ->steps[0]
		 .expect;
	ck_assert_int_eq(x->kind, EXPECT_HISTORY);
	ck_assert_int_eq(x->nstates, 3);
	ck_assert(!x->includes && x->states[0] == 2 && x->states[2] == 6);
	x = &parsed("expect server: history(sport = :8888) includes close-wait closed")
		 ->steps[0]
		 .expect;
	ck_assert(x->includes && x->nstates == 2);
	x = &parsed("expect server throughout 1s: events(drop NO_SOCKET and sport = :7199) == 0")
		 ->steps[0]
		 .expect;
	ck_assert_int_eq(x->kind, EXPECT_EVENTS);
	ck_assert_int_eq(x->ev_kind, KEV_DROP);
	ck_assert_str_eq(x->ev_reason, "NO_SOCKET");
	ck_assert_ptr_nonnull(x->filter);
	x = &parsed("expect client: events(drop) >= 1")->steps[0].expect;
	ck_assert(x->ev_kind == KEV_DROP && !x->ev_reason[0] && !x->filter);
	x = &parsed("expect client: events(state time-wait) == 1")->steps[0].expect;
	ck_assert(x->ev_kind == KEV_STATE && x->ev_state == 6);
	x = &parsed("expect client: events(synack-retransmit and dst server) > 2")->steps[0].expect;
	ck_assert(x->ev_kind == KEV_SYNACK_RETRANS && x->value == 2);
	pm = case_free(pm);
}
END_TEST

Suite *history_suite(void)
{
	Suite *s = suite_create("history");
	TCase *tc = tcase_create("kernel events");

	tcase_add_test(tc, t_handover_observed);
	tcase_add_test(tc, t_handover_exact);
	tcase_add_test(tc, t_retrans_segs_counted);
	tcase_add_test(tc, t_orphan_fin_wait_2);
	tcase_add_test(tc, t_handover_diag_first);
	tcase_add_test(tc, t_child_and_reuse);
	tcase_add_test(tc, t_born_before);
	tcase_add_test(tc, t_packet_side);
	tcase_add_test(tc, t_parse);
	suite_add_tcase(s, tc);
	return s;
}
