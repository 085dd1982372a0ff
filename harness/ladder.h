/*
 * ladder: a case's timeline page - a ladder diagram with a lifeline per
 * host, an arrow per captured packet between the hosts of its link, each
 * socket state change on its host's lifeline and the timeline's steps in
 * the margin, the way textbooks draw the handshake.  A pure formatter:
 * events in, one self-contained HTML page (inline SVG) out.
 */
#ifndef NETCASE_LADDER_H
#define NETCASE_LADDER_H

#include <stdio.h>

enum ladder_kind { LADDER_PACKET, LADDER_STATE, LADDER_STEP };

struct ladder_event {
	double t; /* seconds since the case began */
	enum ladder_kind kind;
	int from, to; /* packet: sending and receiving host; state: the host; step: -1 */
	char label[112];
	char cls[8]; /* packet colour class: syn, fin, rst, data, ack, other */
};

/* Sort events by time (stable for equal times). */
void ladder_sort(struct ladder_event *ev, int n);

/*
 * Write the page: title, host names, events (sorted).  At most max_rows
 * events are drawn; the page says how many were left out.
 */
void ladder_render(FILE *f, const char *title, const char *const *hosts, int nhosts,
		   const struct ladder_event *ev, int n, int max_rows);

#endif
