/*
 * qdisc: traffic-control facts of a namespace, through libnl-route-3.
 * 0 or -errno; nothing prints.
 */
#ifndef NETCASE_QDISC_H
#define NETCASE_QDISC_H

#include <stdint.h>

/*
 * Whether this kernel has sch_netem: tries a netem root qdisc on lo in ns
 * and removes it.  1 yes, 0 no (-ENOENT from the kernel), or -errno.
 */
int qdisc_netem_available(int ns);

/* netem parameters; probabilities on the kernel's scale (UINT32_MAX = 100%). */
struct qdisc_netem {
	unsigned delay_us, jitter_us;
	uint32_t loss, duplicate, reorder, corrupt;
	unsigned limit; /* packets; 0: 10000 */
	unsigned gap;	/* reorder every gap-th packet; 0: any */
};

/* Parts per million on the kernel's probability scale; pure. */
uint32_t qdisc_prob_from_ppm(unsigned ppm);

/*
 * The impairment qdiscs of dev in ns: a netem root (handle 1:) when p has
 * any netem parameter, and a tbf limiting to rate_bps bits/s when rate_bps
 * is not 0 - the root by itself, or netem's child (parent 1:1).
 */
int qdisc_impair_add(int ns, const char *dev, const struct qdisc_netem *p,
		     unsigned long long rate_bps);

/*
 * Send everything arriving on dev to to_dev's egress instead (an ingress
 * qdisc, a match-all u32 filter and a mirred redirect), so a qdisc on
 * to_dev (an ifb) acts on dev's incoming packets.
 */
int qdisc_ingress_redirect(int ns, const char *dev, const char *to_dev);

/* Remove dev's ingress qdisc and its filters (undoes qdisc_ingress_redirect()). */
int qdisc_ingress_del(int ns, const char *dev);

#endif
