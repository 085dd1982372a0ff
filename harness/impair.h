/*
 * impair: which backend impairs each `netem` statement - the kernel's
 * qdiscs (netem, tbf, an nft drop) or the relay (relay.h) - and the
 * relays' lives: planned before the topology is built (a relayed link is
 * built with the relay's namespace in its middle), started once it is,
 * told to impair by the statement, checked and stopped at the end.
 */
#ifndef NETCASE_IMPAIR_H
#define NETCASE_IMPAIR_H

#include "run.h"

/* Decide each netem statement's backend (r->netem_dir, r->relay_ns marks);
 * a verdict. */
int impair_plan(struct run *r);

/* Start a relay on every relayed link, its log in the evidence; a verdict. */
int impair_start(struct run *r);

/* Step s (index idx), a netem statement the relay carries out; a verdict. */
int impair_relay_step(struct run *r, const struct step *s, int idx);

/* The relays' reports and exits, from the loop (watch.c). */
void impair_watch(struct run *r, pid_t pid, int status);

/* At the end: a relay that ended early, failed or released a frame later
 * than the lateness budget makes the case an ERROR; each is stopped (its
 * counts end its log).  Returns the verdict. */
int impair_stop(struct run *r, int verdict);

#endif
