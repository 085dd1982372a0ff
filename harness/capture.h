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

#include "topo.h"

struct capture;

/*
 * Substitute host names in a tcpdump filter with their addresses and
 * compile it (Ethernet link type) to check it; *out gets the substituted
 * text (malloc'd, also on failure).  0 or -EINVAL with why filled in.
 */
int capture_filter_compile(const struct topo *t, int link, const char *text, char **out, char *why,
			   size_t len);

/* Start capturing on ifname inside ns, writing to path. */
int capture_start(int ns, const char *ifname, const char *path, struct capture **out, char *why,
		  size_t len);

/* Count captured packets matching a (substituted) filter; -EINVAL if bad. */
long capture_count(struct capture *c, const char *filter);

struct pcap_pkthdr;

/* Call fn for every packet kept so far, in capture order. */
void capture_foreach(struct capture *c,
		     void (*fn)(void *arg, const struct pcap_pkthdr *h, const unsigned char *data),
		     void *arg);

/* Stop; *received and *dropped get libpcap's statistics (drops by the
 * kernel's buffer and by the interface). */
int capture_stop(struct capture *c, unsigned *received, unsigned *dropped);

void capture_free(struct capture *c);

#endif
