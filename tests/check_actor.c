/* Actor option parsing (case_actor.c): every option of listen, connect and
 * exec lands in its field of struct actor_spec, with its default otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../lang/case.h"
#include "suites.h"

static struct case_model *parse(const char *start)
{
	char text[512];
	struct case_model *m = NULL;
	struct case_error e;

	snprintf(text, sizeof(text), "host client\nhost server\nlink client server\n%s\n", start);
	ck_assert_msg(case_parse("a.case", text, &m, &e) == 0, "%s: %s", start, e.msg);
	ck_assert_int_eq(m->nactors, 1);
	return m;
}

/* The UDP actors: listen's answer (silent unless echo or reply N) and
 * noread; connect's datagram, count, spacing, reply wait and sockets. */
START_TEST(t_udp)
{
	struct case_model *m = parse("start s: server listen udp :5353");
	const struct actor_spec *a = &m->actors[0];

	ck_assert(a->udp && a->kind == ACTOR_LISTEN && a->read && !a->echo && !a->reply);
	ck_assert_int_eq(a->port, 5353);
	case_free(m);
	m = parse("start s: server listen udp 198.18.0.2:53 echo noread rcvbuf 2048 reuseport");
	a = &m->actors[0];
	ck_assert(a->echo && !a->read && a->reuseport);
	ck_assert_str_eq(a->addr, "198.18.0.2");
	ck_assert_int_eq(a->rcvbuf, 2048);
	case_free(m);
	m = parse("start s: server listen udp :53 reply 512 delay 3s");
	ck_assert_int_eq(m->actors[0].reply, 512);
	ck_assert_uint_eq(m->actors[0].delay_ms, 3000);
	case_free(m);
	m = parse("start c: client connect udp server:53 send \"q\" times 5 every 1s recv within "
		  "300ms unconnected bind 0.0.0.0:4000");
	a = &m->actors[0];
	ck_assert(a->udp && a->kind == ACTOR_CONNECT && a->recv && a->unconnected);
	ck_assert_str_eq(a->send, "q");
	ck_assert_int_eq(a->repeat, 5);
	ck_assert_uint_eq(a->every_ms, 1000);
	ck_assert_uint_eq(a->within_ms, 300);
	ck_assert_int_eq(a->bind_port, 4000);
	case_free(m);
	m = parse("start c: client connect udp server:53 send 1200 bytes recv");
	a = &m->actors[0];
	ck_assert_int_eq(a->send_bytes, 1200);
	ck_assert_uint_eq(a->within_ms, 1000); /* the reply wait's default */
	ck_assert(!a->unconnected && a->repeat == 0);
	case_free(m);
}
END_TEST

START_TEST(t_listen_defaults)
{
	struct case_model *m = parse("start s: server listen :8888");
	const struct actor_spec *a = &m->actors[0];

	ck_assert_str_eq(a->name, "s");
	ck_assert_int_eq(a->kind, ACTOR_LISTEN);
	ck_assert_int_eq(a->host, 1);
	ck_assert_int_eq(a->port, 8888);
	ck_assert_str_eq(a->addr, "");
	ck_assert_int_eq(a->backlog, 128);
	ck_assert(a->accept && a->read && a->eof_close);
	ck_assert_int_eq(a->keepalive, 0);
	ck_assert_int_eq(a->read_chunk, 0);
	case_free(m);
}
END_TEST

START_TEST(t_listen_options)
{
	struct case_model *m = parse("start s: server listen [::]:80 backlog 1 noaccept noread "
				     "eof hold keepalive 2s 1s 3 user-timeout 1500ms rcvbuf 4096 "
				     "sndbuf 8192 linger 2s nodelay bind 198.18.0.2:0");
	const struct actor_spec *a = &m->actors[0];

	ck_assert_str_eq(a->addr, "::");
	ck_assert_int_eq(a->port, 80);
	ck_assert_int_eq(a->backlog, 1);
	ck_assert(!a->accept && !a->read && !a->eof_close);
	ck_assert(a->keepalive);
	ck_assert_int_eq(a->ka_idle, 2);
	ck_assert_int_eq(a->ka_intvl, 1);
	ck_assert_int_eq(a->ka_cnt, 3);
	ck_assert_int_eq(a->user_timeout_ms, 1500);
	ck_assert_int_eq(a->rcvbuf, 4096);
	ck_assert_int_eq(a->sndbuf, 8192);
	ck_assert_int_eq(a->linger_s, 2);
	ck_assert(a->nodelay);
	ck_assert_str_eq(a->bind_addr, "198.18.0.2");
	ck_assert_int_eq(a->bind_port, 0);
	case_free(m);
}
END_TEST

START_TEST(t_more_options)
{
	struct case_model *m =
	    parse("start c: client connect server:1 linger 0s linger2 -1 syncnt 2 "
		  "maxseg 536 congestion reno reuseport notsent-lowat 16384");
	const struct actor_spec *a = &m->actors[0];

	ck_assert_int_eq(a->linger_s, 0); /* an abortive close, not unset */
	ck_assert(a->has_linger2);
	ck_assert_int_eq(a->linger2_s, -1);
	ck_assert_int_eq(a->syncnt, 2);
	ck_assert_int_eq(a->maxseg, 536);
	ck_assert_str_eq(a->congestion, "reno");
	ck_assert(a->reuseport);
	ck_assert_int_eq(a->notsent_lowat, 16384);
	case_free(m);
	m = parse("start s: server listen :80 defer-accept 1500ms linger2 5s noreuseaddr");
	ck_assert_int_eq(m->actors[0].defer_accept_s, 2);
	ck_assert_int_eq(m->actors[0].linger2_s, 5);
	ck_assert_int_eq(m->actors[0].linger_s, -1);
	ck_assert(m->actors[0].noreuseaddr);
	ck_assert(!m->actors[0].reuseport && !m->actors[0].nodelay);
	case_free(m);
	/* request/response: the parts, the reply, the repeats; the server's answer */
	m = parse("start c: client connect server:80 request \"HEAD:\" \"body!\" reply 2 repeat 50 "
		  "nodelay");
	a = &m->actors[0];
	ck_assert_str_eq(a->request[0], "HEAD:");
	ck_assert_str_eq(a->request[1], "body!");
	ck_assert_ptr_null(a->request[2]);
	ck_assert_int_eq(a->reply, 2);
	ck_assert_int_eq(a->repeat, 50);
	ck_assert(a->nodelay);
	case_free(m);
	m = parse("start c: client connect server:80 bind 0.0.0.0:0 bind-no-port send \"x\" cork "
		  "fastopen quickack");
	a = &m->actors[0];
	ck_assert(a->bind_no_port && a->cork && a->quickack);
	ck_assert_int_eq(a->fastopen, 1);
	case_free(m);
	m = parse("start s: server listen :80 fastopen 64 quickack");
	ck_assert_int_eq(m->actors[0].fastopen, 64);
	ck_assert(m->actors[0].quickack);
	case_free(m);
	m = parse("start s: server listen :80 fastopen");
	ck_assert_int_eq(m->actors[0].fastopen, 16);
	case_free(m);
	m = parse("start s: server listen :80 reply 2 per 10");
	ck_assert_int_eq(m->actors[0].reply, 2);
	ck_assert_int_eq(m->actors[0].reply_per, 10);
	case_free(m);
}
END_TEST

START_TEST(t_exec_env_in)
{
	struct case_model *m = parse("start p: client exec env A=1 B=\"two words\" in ${casedir} "
				     "cat ${evidence}/x");
	const struct actor_spec *a = &m->actors[0];

	ck_assert_str_eq(a->env[0], "A=1");
	ck_assert_str_eq(a->env[1], "B=two words");
	ck_assert_ptr_null(a->env[2]);
	ck_assert_str_eq(a->dir, "${casedir}"); /* expanded when the actor starts */
	ck_assert_str_eq(a->argv[0], "cat");
	ck_assert_str_eq(a->argv[1], "${evidence}/x");
	case_free(m);
}
END_TEST

START_TEST(t_keep_going_and_accept)
{
	const char *text = "host client\nhost server\nlink client server\n"
			   "start s: server listen :80 noaccept keep-going\naccept s\naccept s 3\n";
	struct case_model *m;
	struct case_error e;

	ck_assert_msg(case_parse("a.case", text, &m, &e) == 0, "%s", e.msg);
	ck_assert(m->actors[0].keep_going && !m->actors[0].accept);
	ck_assert_int_eq(m->steps[1].kind, STEP_ACCEPT);
	ck_assert_str_eq(m->steps[1].value, "1");
	ck_assert_str_eq(m->steps[2].value, "3");
	case_free(m);
	text = "host client\nhost server\nlink client server\nstart c: client connect server:1\n"
	       "accept c\n";
	ck_assert_int_eq(case_parse("a.case", text, &m, &e), -EINVAL);
	ck_assert_str_eq(e.msg, "a.case:5:8: 'c' is not a listener (accept takes a listen actor)");
}
END_TEST

START_TEST(t_listen_slow_reader)
{
	struct case_model *m = parse("start s: server listen 9000 read 100 every 250ms");

	ck_assert_int_eq(m->actors[0].port, 9000);
	ck_assert_int_eq(m->actors[0].read_chunk, 100);
	ck_assert_uint_eq(m->actors[0].read_every_ms, 250);
	case_free(m);
}
END_TEST

START_TEST(t_connect_options)
{
	struct case_model *m = parse("start c: client connect server:8888 send \"Hello\\n\" recv "
				     "ipv6 connections 100 bind 0.0.0.0:40002");
	const struct actor_spec *a = &m->actors[0];

	ck_assert_int_eq(a->kind, ACTOR_CONNECT);
	ck_assert_int_eq(a->target_host, 1);
	ck_assert_int_eq(a->port, 8888);
	ck_assert_str_eq(a->send, "Hello\n");
	ck_assert(a->recv && a->ipv6 && !a->stream);
	ck_assert_int_eq(a->connections, 100);
	ck_assert_int_eq(a->bind_port, 40002);
	case_free(m);
}
END_TEST

START_TEST(t_connect_bytes_and_stream)
{
	struct case_model *m =
	    parse("start c: client connect 198.18.0.2:80 send 1000 bytes stream");
	const struct actor_spec *a = &m->actors[0];

	ck_assert_int_eq(a->target_host, -1);
	ck_assert_str_eq(a->addr, "198.18.0.2");
	ck_assert_int_eq(a->send_bytes, 1000);
	ck_assert_ptr_null(a->send);
	ck_assert(a->stream);
	case_free(m);
}
END_TEST

START_TEST(t_exec_argv)
{
	struct case_model *m = parse("start p: client exec bash -c \"echo 'a b' >&2\" last");
	char **v = m->actors[0].argv;

	ck_assert_int_eq(m->actors[0].kind, ACTOR_EXEC);
	ck_assert_str_eq(v[0], "bash");
	ck_assert_str_eq(v[1], "-c");
	ck_assert_str_eq(v[2], "echo 'a b' >&2");
	ck_assert_str_eq(v[3], "last");
	ck_assert_ptr_null(v[4]);
	case_free(m);
}
END_TEST

static const struct {
	const char *start, *err;
} refused[] = {
    {"start c: client connect server:8888 fast",
     "4:37: unknown connect option 'fast' (send, recv, stream, ipv6, connections, request, "
     "keepalive, "
     "user-timeout, rcvbuf, sndbuf, linger, linger2, nodelay, bind, syncnt, defer-accept, "
     "maxseg, congestion, reuseport, noreuseaddr, notsent-lowat, bind-no-port, quickack, cork, "
     "fastopen)"},
    {"start c: client connect server:1 linger 500ms",
     "4:41: SO_LINGER counts whole seconds: 0s (an abortive close) or 1s and more"},
    {"start c: client connect server:1 maxseg 20",
     "4:41: expected an MSS from 88 to 65535, found '20'"},
    {"start c: client connect server:0", "4:32: bad port '0'"},
    {"start c: client connect server:1 fastopen",
     "4:34: with fastopen the SYN leaves with the first write: give the actor something to send "
     "(send, request or stream)"},
    {"start c: client connect server:1 bind-no-port send \"x\"",
     "4:34: bind-no-port leaves the port of 'bind ADDR:0' to connect(): give bind"},
    {"start s: server listen :80 fastopen 0",
     "4:37: expected a queue length from 1 to 65535, found '0'"},
    {"start c: client connect server:1 request \"a\" repeat 3",
     "4:46: expected 'reply N' (the bytes read back per request)"},
    {"start c: client connect server:1 request reply 2",
     "4:42: expected the request's parts: request \"A\" \"B\" reply N"},
    {"start c: client connect server:1 request \"a\" reply 2 send \"b\"",
     "4:34: 'request' reads its replies on one connection: not with 'send'"},
    {"start c: client connect server:1 connections 2 request \"a\" reply 1",
     "4:34: 'request' reads its replies on one connection: not with 'connections'"},
    {"start s: server listen :80 reply 2", "4:35: expected 'per M' (reply N per M: N bytes back "
					   "for every M read)"},
    {"start s: server listen :80 noread reply 2 per 10",
     "4:1: 'reply N per M' answers what it reads: not with 'noread'"},
    {"start c: client connect server:8888 connections 10001",
     "4:49: expected a number of connections from 1 to 10000, found '10001'"},
    {"start s: server listen :80 keepalive 500ms 1s 3",
     "4:48: keepalive idle and interval are whole seconds, at least 1s"},
    {"start s: server listen :80 read 10 often 1s",
     "4:36: expected 'every' (read N every T), found 'often'"},
    {"start c: client connect server:1 send \"a\" send \"b\"", "4:43: only one 'send' per actor"},
    {"start server: client connect server:1", "4:7: 'server' is a host name; name the actor "
					      "otherwise"},
    {"start p: client exec", "4:21: expected a command after exec"},
};

START_TEST(t_refused)
{
	char text[512];
	struct case_model *m = NULL;
	struct case_error e;

	snprintf(text, sizeof(text), "host client\nhost server\nlink client server\n%s\n",
		 refused[_i].start);
	ck_assert_int_eq(case_parse("a.case", text, &m, &e), -EINVAL);
	ck_assert_ptr_null(m);
	ck_assert_str_eq(e.msg + strlen("a.case:"), refused[_i].err);
}
END_TEST

Suite *actor_suite(void)
{
	Suite *s = suite_create("actor");
	TCase *tc = tcase_create("options");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_listen_defaults);
	tcase_add_test(tc, t_udp);
	tcase_add_test(tc, t_listen_options);
	tcase_add_test(tc, t_listen_slow_reader);
	tcase_add_test(tc, t_more_options);
	tcase_add_test(tc, t_exec_env_in);
	tcase_add_test(tc, t_keep_going_and_accept);
	tcase_add_test(tc, t_connect_options);
	tcase_add_test(tc, t_connect_bytes_and_stream);
	tcase_add_test(tc, t_exec_argv);
	tcase_add_loop_test(tc, t_refused, 0, sizeof(refused) / sizeof(refused[0]));
	suite_add_tcase(s, tc);
	return s;
}
