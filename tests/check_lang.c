/*
 * Runs the language's unit suites: the parser, filters, topology model,
 * placement and actor options.  Linked with liblang.a, libpcap and Check
 * alone - no libnl, no libbpf, no engine - so it also proves the
 * language is a library of its own.  Exit 0 when all pass.
 */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(filter_suite());
	int failed;

	srunner_add_suite(sr, case_suite());
	srunner_add_suite(sr, topo_suite());
	srunner_add_suite(sr, place_suite());
	srunner_add_suite(sr, actor_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
