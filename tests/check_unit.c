/* Runs the engine's unit suites (the language's: check_lang.c); exit 0
 * when all pass. */
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(ssfmt_suite());
	int failed;

	srunner_add_suite(sr, sockdiag_suite());
	srunner_add_suite(sr, counters_suite());
	srunner_add_suite(sr, report_suite());
	srunner_add_suite(sr, pktdecode_suite());
	srunner_add_suite(sr, inject_suite());
	srunner_add_suite(sr, expect_suite());
	srunner_add_suite(sr, nlsock_suite());
	srunner_add_suite(sr, history_suite());
	srunner_add_suite(sr, safefs_suite());
	srunner_add_suite(sr, control_suite());
	srunner_add_suite(sr, relay_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
