/*
 * case_stmt: the statement parsers that live in files of their own
 * (case_actor.c, case_expect.c, case_net.c, case_mbox.c, case_inject.c), for case.c's statements[]
 * table.  Each reads the rest of its statement from the cursor, appends
 * what it declares to c->m, and returns 0 or -EINVAL with c->err filled in.
 */
#ifndef NETCASE_CASE_STMT_H
#define NETCASE_CASE_STMT_H

#include "caselex.h"

int case_actor_start(struct cur *c);
int case_expect_parse(struct cur *c);
int case_net_rule(struct cur *c);
int case_net_remove(struct cur *c);
int case_net_netem(struct cur *c);
int case_net_firewall(struct cur *c);
int case_mbox_nat(struct cur *c);
int case_mbox_mss_clamp(struct cur *c);
int case_mbox_route(struct cur *c);
int case_mbox_flush(struct cur *c);
int case_inject(struct cur *c);

/* "syn,ack" into TCPF_* bits; at: where w began, for the error. */
int case_net_flag_list(struct cur *c, const char *w, const char *at, unsigned *out);

/* "PORT" or "LO-HI" into lo and hi (0-65535). */
int case_net_port_range(struct cur *c, int *lo, int *hi);

#endif
