/* One Check suite per module, collected by check_unit.c. */
#ifndef NETCASE_SUITES_H
#define NETCASE_SUITES_H

#include <check.h>

Suite *filter_suite(void);
Suite *ssfmt_suite(void);
Suite *sockdiag_suite(void);
Suite *counters_suite(void);
Suite *case_suite(void);
Suite *report_suite(void);
Suite *topo_suite(void);
Suite *pktdecode_suite(void);
Suite *place_suite(void);
Suite *expect_suite(void);
Suite *nlsock_suite(void);
Suite *actor_suite(void);
Suite *history_suite(void);
Suite *safefs_suite(void);
Suite *control_suite(void);
Suite *relay_suite(void);
Suite *inject_suite(void);

struct topo;

/*
 *   client --0-- router --1-- server
 *                  \---2-- db           (the router forwards)
 * The topology model several suites test against (hosts 0-3, links 0-2;
 * the router-server link has mtu 1400).
 */
void test_chain(struct topo *t);

/* Read a file under tests/data into a malloc'd buffer; aborts the test on failure. */
char *test_data_read(const char *name, size_t *len);

#endif
