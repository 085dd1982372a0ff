/* What the unit programs share: the chain topology and reading tests/data. */
#include <stdio.h>
#include <stdlib.h>

#include "../lang/topo.h"
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
