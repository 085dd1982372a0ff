/* Runs every unit suite; exit 0 when all pass. */
#include <stdio.h>
#include <stdlib.h>

#include "../harness/topo.h"
#include "suites.h"

void test_chain(struct topo *t)
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

char *test_data_read(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n + 1);
	ck_assert(buf != NULL);
	ck_assert_int_eq(fread(buf, 1, n, f), n);
	buf[n] = '\0';
	fclose(f);
	if (len)
		*len = n;
	return buf;
}

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_add_suite(sr, ssfmt_suite());
	srunner_add_suite(sr, sockdiag_suite());
	srunner_add_suite(sr, counters_suite());
	srunner_add_suite(sr, case_suite());
	srunner_add_suite(sr, report_suite());
	srunner_add_suite(sr, topo_suite());
	srunner_add_suite(sr, pktdecode_suite());
	srunner_add_suite(sr, place_suite());
	srunner_add_suite(sr, expect_suite());
	srunner_add_suite(sr, nlsock_suite());
	srunner_add_suite(sr, actor_suite());
	srunner_add_suite(sr, history_suite());
	srunner_add_suite(sr, safefs_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
