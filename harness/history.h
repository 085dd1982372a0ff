/*
 * history: kernel events of a case, kept in time order, and the history
 * of states each socket went through, built from them.  Pure: fed with
 * events (from the BPF observer, or recorded ones in tests).
 *
 * A socket is told apart by the kernel's pointer, not its addresses: a new
 * history starts at each birth (CLOSE -> SYN-SENT for a client, CLOSE ->
 * LISTEN for a listener, LISTEN -> SYN-RECV for an accepted child).  The
 * hand-over of a full socket to its TIME-WAIT (or orphaned FIN-WAIT-2)
 * mini-socket is not a close: the ->CLOSE after a KEV_TIMEWAIT enters the
 * mini-socket's state instead, and the mini-socket's end, which no event
 * marks, is entered as `closed` when socket diag no longer shows it
 * (history_gone()): exact births, observed ends.
 */
#ifndef NETCASE_HISTORY_H
#define NETCASE_HISTORY_H

#include <stdint.h>
#include <stdio.h>

#include <linux/types.h>

#include "kevent_wire.h"
#include "../netns/sockdiag.h"

struct kevent {
	double t; /* seconds since the case began */
	int host;
	int to_host; /* a packet addressed to one of host's own addresses */
	struct kev_wire w;
};

#define HISTORY_MAX 32

struct khist {
	int host;
	uint64_t sk;
	uint8_t states[HISTORY_MAX]; /* kernel numbering; 7 is closed */
	int n;
	int mini;	      /* now a TIME-WAIT / FIN-WAIT-2 mini-socket */
	int pending_tw;	      /* KEV_TIMEWAIT seen: the next ->CLOSE is the hand-over */
	int ended;	      /* closed: no more states */
	int truncated;	      /* more than HISTORY_MAX states came */
	struct kev_wire last; /* the last endpoints known */
};

struct kdb {
	struct kevent *ev;
	int nev, capev;
	struct khist *h;
	int nh, caph;
};

void kdb_init(struct kdb *d);
void kdb_fini(struct kdb *d);

/* Record an event (to_host: see struct kevent) and follow its socket's
 * history; 0 or -ENOMEM. */
int kdb_add(struct kdb *d, double t, int host, int to_host, const struct kev_wire *w);

/* Socket diag shows a TIME-WAIT or FIN-WAIT-2 mini-socket (inode 0) of host:
 * without the hand-over probe, the ->CLOSE that a history of these
 * endpoints ended with from FIN-WAIT-1, FIN-WAIT-2 or CLOSING was the
 * hand-over to it (observed); a mini-socket already in the history that
 * shows another state (FIN-WAIT-2 -> TIME-WAIT) enters it.  Returns 1 if
 * a history changed. */
int history_mini_seen(struct kdb *d, int host, const struct sockdiag_sock *s);

/* The segments host's record says it retransmitted (SYNs, SYN-ACKs, data)
 * and that went out: what the kernel's TcpRetransSegs adds up, less the
 * attempts that failed locally (part of TcpExtTCPRetransFail). */
int kdb_retrans_segs(const struct kdb *d, int host);

/* The latest history of host's socket sk, or NULL. */
const struct khist *kdb_history_of(const struct kdb *d, int host, uint64_t sk);

/* Socket diag no longer shows a mini-socket of host with these endpoints:
 * its history ends (closed).  Returns 1 if one ended. */
int history_gone(struct kdb *d, int host, const struct sockdiag_sock *s);

/* The endpoints and state of an event or a history, as socket diag would
 * show them from the host's side (its own end first): for a packet
 * addressed to the host (to_host), the destination is its side. */
void history_as_sock(const struct kev_wire *w, int to_host, struct sockdiag_sock *out);

/* "syn-sent established ..." of h into f. */
void history_format(const struct khist *h, FILE *f);

#endif
