/*
 * inject: the step that forges a TCP segment into a live connection
 * (netcase.case(5), inject).  The connection is a connect actor's latest;
 * its state comes from the capture of the link the segment is sent on,
 * read once every packet sent before the step is kept; the segment leaves
 * the link end through AF_PACKET, so it enters the other end as a wire
 * packet would (no OUTPUT chain, no conntrack of the sender) and shows in
 * the capture.  The timeline says what state the numbers came from and
 * whether the connection was quiet (exact) or had data in flight.
 */
#ifndef NETCASE_INJECT_H
#define NETCASE_INJECT_H

#include "../lang/case.h"

struct run;

/* Step s (STEP_INJECT); a verdict, 0 when sent. */
int inject_run(struct run *r, const struct step *s);

#endif
