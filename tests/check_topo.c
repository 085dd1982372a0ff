/* The topology model: naming, addressing and paths (pure; nothing is built). */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lang/topo.h"
#include "suites.h"

START_TEST(t_names_and_addresses)
{
	struct topo t;

	test_chain(&t);
	ck_assert_str_eq(t.links[0].ifname[0], "v0-router");
	ck_assert_str_eq(t.links[0].ifname[1], "v0-client");
	ck_assert_str_eq(t.links[1].v4[0], "198.18.1.1");
	ck_assert_str_eq(t.links[1].v4[1], "198.18.1.2");
	ck_assert_str_eq(t.links[2].v6[1], "fd00:6e63:0:2::2");
	ck_assert_uint_eq(t.links[1].mtu[0], 1400);
	ck_assert_uint_eq(t.links[1].mtu[1], 1400);
	ck_assert_int_eq(t.links[2].mac[1][4], 2);
	ck_assert_int_eq(t.links[2].mac[1][5], 2);
	ck_assert_int_eq(t.hosts[1].nlinks, 3);
	topo_fini(&t);
}
END_TEST

/* A host's addresses, link by link, IPv4 then IPv6, or one family. */
START_TEST(t_host_addresses)
{
	static const char *const both[] = {"198.18.0.2", "fd00:6e63:0:0::2",
					   "198.18.1.1", "fd00:6e63:0:1::1",
					   "198.18.2.1", "fd00:6e63:0:2::1"};
	struct topo t;
	const char *a;
	int it = 0, n = 0;

	test_chain(&t);
	while ((a = topo_host_addr_next(&t, 1, AF_UNSPEC, &it)))
		ck_assert_str_eq(a, both[n++]);
	ck_assert_int_eq(n, 6);
	it = n = 0;
	while ((a = topo_host_addr_next(&t, 1, AF_INET6, &it)))
		ck_assert_str_eq(a, both[2 * n++ + 1]);
	ck_assert_int_eq(n, 3);
	it = 0;
	ck_assert_str_eq(topo_host_addr_next(&t, 2, AF_INET, &it), "198.18.1.2");
	ck_assert_ptr_null(topo_host_addr_next(&t, 2, AF_INET, &it));
	topo_fini(&t);
}
END_TEST

START_TEST(t_paths)
{
	struct topo t;

	test_chain(&t);
	ck_assert_int_eq(topo_next_link(&t, 0, 2), 0);
	ck_assert_int_eq(topo_next_link(&t, 2, 0), 1);
	ck_assert_int_eq(topo_next_link(&t, 2, 3), 1);
	ck_assert_int_eq(topo_next_link(&t, 1, 3), 2);
	ck_assert_int_eq(topo_next_link(&t, 1, 1), -EINVAL);
	/* a name resolves to the address on the path: server seen from client
	 * is its address on link 1, router seen from server is 198.18.1.1, from client 198.18.0.2
	 */
	ck_assert_str_eq(topo_addr_from(&t, 0, 2, AF_INET), "198.18.1.2");
	ck_assert_str_eq(topo_addr_from(&t, 2, 1, AF_INET), "198.18.1.1");
	ck_assert_str_eq(topo_addr_from(&t, 0, 1, AF_INET), "198.18.0.2");
	ck_assert_str_eq(topo_addr_from(&t, 3, 0, AF_INET6), "fd00:6e63:0:0::1");
	ck_assert_int_eq(topo_link_side(&t, 2, 3), 1);
	ck_assert_int_eq(topo_link_side(&t, 2, 0), -ENOENT);
	topo_fini(&t);
}
END_TEST

START_TEST(t_refusals)
{
	struct topo t;

	test_chain(&t);
	ck_assert_int_eq(topo_host_add(&t, "client"), -EEXIST);
	ck_assert_int_eq(topo_host_add(&t, "bad name"), -EINVAL);
	ck_assert_int_eq(topo_host_add(&t, ""), -EINVAL);
	ck_assert_int_eq(topo_link_add(&t, 0, 0, 0), -EINVAL);
	ck_assert_int_eq(topo_link_add(&t, 1, 0, 0), -EEXIST);
	ck_assert_int_eq(topo_link_find(&t, 2, 1), 1);
	ck_assert_int_eq(topo_link_find(&t, 0, 2), -ENOENT);
	/* an island has no path */
	ck_assert_int_eq(topo_host_add(&t, "island"), 4);
	ck_assert_ptr_null(topo_addr_from(&t, 0, 4, AF_INET));
	ck_assert_int_eq(topo_next_link(&t, 0, 4), -EHOSTUNREACH);
	topo_fini(&t);
}
END_TEST

/* A line of n hosts, or a star of n - 1 leaves around host 0. */
static void shape(struct topo *t, int n, int star)
{
	char name[16];

	topo_init(t);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "h%d", i);
		ck_assert_int_eq(topo_host_add(t, name), i);
	}
	for (int i = 1; i < n; i++)
		ck_assert_int_eq(topo_link_add(t, star ? 0 : i - 1, i, 0), i - 1);
}

/* Link l by longest prefix match over the routes (IPv4 view): the via, or -1. */
static int lookup(const struct topo_route *v, int n, int l)
{
	int best = -1, bits = 99;

	for (int i = 0; i < n; i++)
		if (l >= v[i].link && l < v[i].link + (1 << v[i].bits) && v[i].bits < bits) {
			bits = v[i].bits;
			best = v[i].via;
		}
	return best;
}

/* Every host (every step-th, and the last) reaches every link it is not on
 * through the first hop of a shortest path, by longest prefix match, with
 * O(log n) routes. */
static void check_routes_every(const struct topo *t, int max_routes, int step)
{
	for (int h = 0; h < t->nhosts;
	     h = h + step < t->nhosts || h == t->nhosts - 1 ? h + step : t->nhosts - 1) {
		struct topo_route *v;
		int n;

		ck_assert_int_eq(topo_routes(t, h, &v, &n), 0);
		ck_assert_msg(n <= max_routes, "host %d has %d routes (at most %d)", h, n,
			      max_routes);
		for (int l = 0; l < t->nlinks; l++) {
			if (topo_link_side(t, l, h) >= 0)
				continue;
			int near = topo_next_link(t, h, t->links[l].a);
			int far = topo_next_link(t, h, t->links[l].b);
			ck_assert_msg(lookup(v, n, l) == near || lookup(v, n, l) == far,
				      "host %d, link %d: via %d, want %d or %d", h, l,
				      lookup(v, n, l), near, far);
		}
		free(v);
	}
}

static void check_routes(const struct topo *t, int max_routes)
{
	check_routes_every(t, max_routes, 1);
}

START_TEST(t_routes_line)
{
	struct topo t;

	shape(&t, 200, 0);
	check_routes(&t, 2 * 9 + 1);
	topo_fini(&t);
}
END_TEST

START_TEST(t_routes_star)
{
	struct topo t;
	struct topo_route *v;
	char p[64];
	int n;

	shape(&t, 101, 1);
	check_routes(&t, 1);
	/* a leaf sends the whole plan to the hub; the hub needs no route */
	ck_assert_int_eq(topo_routes(&t, 7, &v, &n), 0);
	ck_assert_int_eq(n, 1);
	topo_route_prefix(&v[0], AF_INET, p, sizeof(p));
	ck_assert_str_eq(p, "198.18.0.0/15");
	topo_route_prefix(&v[0], AF_INET6, p, sizeof(p));
	ck_assert_str_eq(p, "fd00:6e63:0:0::/55");
	free(v);
	ck_assert_int_eq(topo_routes(&t, 0, &v, &n), 0);
	ck_assert_int_eq(n, 0);
	free(v);
	topo_fini(&t);
}
END_TEST

START_TEST(t_routes_island)
{
	struct topo t;
	struct topo_route *v;
	int n;

	test_chain(&t);
	ck_assert_int_eq(topo_host_add(&t, "island"), 4);
	ck_assert_int_eq(topo_host_add(&t, "island2"), 5);
	ck_assert_int_eq(topo_link_add(&t, 4, 5, 0), 3);
	/* with an unreachable link no route covers the whole plan */
	ck_assert_int_eq(topo_routes(&t, 0, &v, &n), 0);
	for (int i = 0; i < n; i++)
		ck_assert_int_lt(v[i].bits, 9);
	ck_assert_int_eq(lookup(v, n, 3), -1);
	ck_assert_int_eq(lookup(v, n, 1), 0);
	free(v);
	topo_fini(&t);
}
END_TEST

START_TEST(t_addressing_beyond_256)
{
	struct topo t;

	shape(&t, 300, 0);
	ck_assert_str_eq(t.links[255].v4[0], "198.18.255.1");
	ck_assert_str_eq(t.links[256].v4[1], "198.19.0.2");
	ck_assert_str_eq(t.links[256].v6[1], "fd00:6e63:0:100::2");
	ck_assert_int_eq(t.links[256].mac[0][3], 1);
	ck_assert_int_eq(t.links[256].mac[0][4], 0);
	ck_assert_str_eq(t.links[256].ifname[0], "v256-h257");
	topo_fini(&t);
}
END_TEST

/* Past the first range: 100.64.0.0/15, MACs and ifindex-free names still
 * unique; a star of 1,000 hosts routes with two plan-wide routes per leaf,
 * a tree of 1,000 with far fewer than a route per link; link 1025 is
 * refused. */
START_TEST(t_addressing_beyond_512)
{
	struct topo t;
	struct topo_route *v;
	char p[64];
	int n;

	shape(&t, 1000, 1);
	ck_assert_str_eq(t.links[511].v4[1], "198.19.255.2");
	ck_assert_str_eq(t.links[512].v4[0], "100.64.0.1");
	ck_assert_str_eq(t.links[998].v4[1], "100.65.230.2");
	ck_assert_str_eq(t.links[998].v6[1], "fd00:6e63:0:3e6::2");
	ck_assert_int_eq(t.links[998].mac[1][3], 3);
	ck_assert_int_eq(t.links[998].mac[1][4], 230);
	check_routes_every(&t, 2, 97);
	ck_assert_int_eq(topo_routes(&t, 700, &v, &n), 0);
	ck_assert_int_eq(n, 2);
	topo_route_prefix(&v[1], AF_INET, p, sizeof(p));
	ck_assert_str_eq(p, "100.64.0.0/15");
	topo_route_prefix(&v[1], AF_INET6, p, sizeof(p));
	ck_assert_str_eq(p, "fd00:6e63:0:200::/55");
	free(v);
	for (int i = 1000; i < TOPO_MAX_LINKS + 2; i++) {
		snprintf(p, sizeof(p), "x%d", i);
		ck_assert_int_eq(topo_host_add(&t, p), i);
	}
	for (int i = 1000; i < TOPO_MAX_LINKS + 2; i++)
		ck_assert_int_eq(topo_link_add(&t, 0, i, 0), i <= TOPO_MAX_LINKS ? i - 1 : -E2BIG);
	topo_fini(&t);
	/* a tree: host i's parent is (i - 1) / 10 */
	topo_init(&t);
	for (int i = 0; i < 1000; i++) {
		snprintf(p, sizeof(p), "t%d", i);
		ck_assert_int_eq(topo_host_add(&t, p), i);
	}
	for (int i = 1; i < 1000; i++)
		ck_assert_int_eq(topo_link_add(&t, (i - 1) / 10, i, 0), i - 1);
	/* breadth-first numbering interleaves the subtrees' links: the root
	 * needs a route per run of them (79), still far under one per link */
	check_routes_every(&t, 100, 97);
	topo_fini(&t);
}
END_TEST

Suite *topo_suite(void)
{
	Suite *s = suite_create("topo");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_names_and_addresses);
	tcase_add_test(tc, t_host_addresses);
	tcase_add_test(tc, t_paths);
	tcase_add_test(tc, t_refusals);
	tcase_add_test(tc, t_routes_line);
	tcase_add_test(tc, t_routes_star);
	tcase_add_test(tc, t_routes_island);
	tcase_add_test(tc, t_addressing_beyond_256);
	tcase_add_test(tc, t_addressing_beyond_512);
	suite_add_tcase(s, tc);
	return s;
}
