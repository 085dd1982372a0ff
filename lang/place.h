/*
 * place: where a network condition on the path A -> B acts, decided from the
 * topology alone (pure).  Packets from A to B are caught on B's input when
 * B is A's neighbour on the path, else in the forward path of the first
 * router after A - never on A's own egress, where TCP would see a local
 * drop and retry at once (ARCHITECTURE.md, "Topology and impairments").
 */
#ifndef NETCASE_PLACE_H
#define NETCASE_PLACE_H

#include <stdio.h>

#include "case.h"
#include "topo.h"

struct place {
	int host;     /* the host whose kernel catches the packets */
	int forward;  /* 1: in that host's forward path (a router); 0: its input (it is B) */
	int in_link;  /* the link the packets arrive on at host */
	int out_link; /* forward: the link they leave by towards B; -1 otherwise */
};

/* Place the path a -> b; 0, -EINVAL (a == b, out of range) or -EHOSTUNREACH. */
int place_path(const struct topo *t, int a, int b, struct place *out);

/*
 * Write host h's addresses of one family as an nftables set, "{ 198.18.0.1,
 * 198.18.1.2 }", to f (any number of links).
 */
void place_addr_set(const struct topo *t, int h, int family, FILE *f);

/*
 * Write the nftables match selecting packets of one family from a to b at
 * p ("ip saddr { ... }" on input, "ip saddr { ... } ip daddr { ... }" when
 * forwarded).
 */
void place_match(const struct topo *t, int a, int b, const struct place *p, int family, FILE *f);

/* Write rule r's nftables match and verdict ("meta l4proto tcp tcp flags &
 * (syn|ack) == syn|ack counter drop") to f. */
void place_rule_format(const struct rule_spec *r, FILE *f);

#endif
