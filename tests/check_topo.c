/* The topology model: naming, addressing and paths (pure; nothing is built). */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "../harness/topo.h"
#include "suites.h"

/*   client --0-- router --1-- server
 *                  \---2-- db           (router forwards)            */
static void chain(struct topo *t)
{
	topo_init(t);
	ck_assert_int_eq(topo_host_add(t, "client"), 0);
	ck_assert_int_eq(topo_host_add(t, "router"), 1);
	ck_assert_int_eq(topo_host_add(t, "server"), 2);
	ck_assert_int_eq(topo_host_add(t, "db"), 3);
	ck_assert_int_eq(topo_link_add(t, 0, 1, 0), 0);
	ck_assert_int_eq(topo_link_add(t, 1, 2, 1400), 1);
	ck_assert_int_eq(topo_link_add(t, 1, 3, 0), 2);
}

START_TEST(t_names_and_addresses)
{
	struct topo t;

	chain(&t);
	ck_assert_str_eq(t.links[0].ifname[0], "v0-router");
	ck_assert_str_eq(t.links[0].ifname[1], "v0-client");
	ck_assert_str_eq(t.links[1].v4[0], "198.18.1.1");
	ck_assert_str_eq(t.links[1].v4[1], "198.18.1.2");
	ck_assert_str_eq(t.links[2].v6[1], "fd00:6e63:0:2::2");
	ck_assert_uint_eq(t.links[1].mtu, 1400);
	ck_assert_int_eq(t.links[2].mac[1][4], 2);
	ck_assert_int_eq(t.links[2].mac[1][5], 2);
	ck_assert_int_eq(t.hosts[1].nlinks, 3);
	topo_fini(&t);
}
END_TEST

START_TEST(t_paths)
{
	struct topo t;

	chain(&t);
	ck_assert_int_eq(topo_next_link(&t, 0, 2), 0);
	ck_assert_int_eq(topo_next_link(&t, 2, 0), 1);
	ck_assert_int_eq(topo_next_link(&t, 2, 3), 1);
	ck_assert_int_eq(topo_next_link(&t, 1, 3), 2);
	ck_assert_int_eq(topo_next_link(&t, 1, 1), -1);
	/* a name resolves to the address on the path: server seen from client
	 * is its address on link 1, router seen from server is 198.18.1.1, from client 198.18.0.2
	 */
	ck_assert_str_eq(topo_addr_from(&t, 0, 2, AF_INET), "198.18.1.2");
	ck_assert_str_eq(topo_addr_from(&t, 2, 1, AF_INET), "198.18.1.1");
	ck_assert_str_eq(topo_addr_from(&t, 0, 1, AF_INET), "198.18.0.2");
	ck_assert_str_eq(topo_addr_from(&t, 3, 0, AF_INET6), "fd00:6e63:0:0::1");
	ck_assert_int_eq(topo_link_side(&t, 2, 3), 1);
	ck_assert_int_eq(topo_link_side(&t, 2, 0), -1);
}
END_TEST

START_TEST(t_refusals)
{
	struct topo t;

	chain(&t);
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
	ck_assert_int_eq(topo_next_link(&t, 0, 4), -1);
}
END_TEST

Suite *topo_suite(void)
{
	Suite *s = suite_create("topo");
	TCase *tc = tcase_create("model");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, t_names_and_addresses);
	tcase_add_test(tc, t_paths);
	tcase_add_test(tc, t_refusals);
	suite_add_tcase(s, tc);
	return s;
}
