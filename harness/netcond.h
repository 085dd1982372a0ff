/*
 * netcond: network conditions of a running case - cut/restore, rules, the
 * netem impairments and the conntrack middlebox - as nftables rulesets
 * (libnftables) and qdiscs placed on the receiver's side of the path,
 * never the sender's own egress.  Each returns a verdict: 0 when done.
 */
#ifndef NETCASE_NETCOND_H
#define NETCASE_NETCOND_H

#include "run.h"

int netcond_cut(struct run *r, const struct step *s, int restore);
int netcond_rule(struct run *r, const struct step *s, int idx);
int netcond_remove(struct run *r, const struct step *s, int idx);
int netcond_netem(struct run *r, const struct step *s, int idx);
int netcond_firewall(struct run *r, const struct step *s);
int netcond_nat(struct run *r, const struct step *s);
int netcond_mss_clamp(struct run *r, const struct step *s);
int netcond_flush(struct run *r, const struct step *s);
int netcond_route(struct run *r, const struct step *s);

#endif
