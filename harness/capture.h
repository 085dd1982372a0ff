/*
 * capture: libpcap on one end of a link, inside its namespace.  A capture
 * runs on its own thread, writes a pcap file (the evidence) and keeps the
 * packets in memory so `expect packets` can count them with a tcpdump
 * filter while the case runs.  Host names in filters become the hosts'
 * addresses.  capture_stop() ends the thread; capture_free() releases.
 */
#ifndef NETCASE_CAPTURE_H
#define NETCASE_CAPTURE_H

#include <stddef.h>
#include <stdio.h>

#include "../lang/capture_filter.h"

struct capture;

/*
 * Start capturing on ifname inside ns, writing a pcap file to file (opened
 * by the caller for writing; the capture owns it, closed on failure too).
 * The file has pcap's CLOCK_REALTIME stamps; the packets kept for counting
 * and the ladder are on the capture's clock: CLOCK_MONOTONIC plus offset
 * (CLOCK_REALTIME - CLOCK_MONOTONIC as the caller read them together), so
 * a step of the wall clock during the case moves none of them.
 */
int capture_start(int ns, const char *ifname, FILE *file, double offset, struct capture **out,
		  char *why, size_t len);

/*
 * The captured packets f matches among those stamped up to until (pcap's
 * clock: CLOCK_REALTIME seconds); each call looks only at the packets
 * captured since the last one (f remembers where it stopped).  *last: the
 * last match's stamp (0: none); *complete: whether every packet stamped up
 * to until is in (a later one is kept, or the capture looked at its ring
 * buffer after until), else more may still come.
 */
long capture_filter_count(struct capture *c, struct capture_filter *f, double until, double *last,
			  int *complete);

/* Whether f (the tcpdump filter and the connection terms) matches the next
 * frame of a capture; every frame must come through, in capture order
 * (capture_filter_conn()).  For recorded captures and tests too. */
struct pcap_pkthdr;
int capture_filter_frame(struct capture_filter *f, const struct pcap_pkthdr *h,
			 const unsigned char *data);

/* Wait until every packet stamped up to until (pcap's clock, as above)
 * is kept, at most timeout_ms; 0, or -ETIMEDOUT. */
int capture_wait(struct capture *c, double until, int timeout_ms);

struct pcap_pkthdr;

/* Call fn for every packet kept so far, in capture order. */
void capture_foreach(struct capture *c,
		     void (*fn)(void *arg, const struct pcap_pkthdr *h, const unsigned char *data),
		     void *arg);

/* Stop; *received and *dropped get libpcap's statistics (drops by the
 * kernel's buffer and by the interface). */
int capture_stop(struct capture *c, unsigned *received, unsigned *dropped);

/* Stop if need be and release; accepts NULL, returns NULL. */
struct capture *capture_free(struct capture *c);

#endif
