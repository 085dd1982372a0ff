/*
 * qdisc: traffic-control facts of a namespace, through libnl-route-3.
 * 0 or -errno; nothing prints.
 */
#ifndef NETCASE_QDISC_H
#define NETCASE_QDISC_H

/*
 * Whether this kernel has sch_netem: tries a netem root qdisc on lo in ns
 * and removes it.  1 yes, 0 no (-ENOENT from the kernel), or -errno.
 */
int qdisc_netem_available(int ns);

#endif
