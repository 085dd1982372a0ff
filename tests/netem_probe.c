/*
 * netem_probe: says whether the running kernel has sch_netem, through
 * netcase's own probe (netns/qdisc.c) in a fresh namespace.  Built static
 * by ci/kernel-matrix.sh and run inside a qemu guest (Debian's 6.1 kernel)
 * before and after `insmod sch_netem.ko`.  Prints "netem: present",
 * "netem: absent" or "netem: error ..."; exit 0, 1 or 2.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../netns/link.h"
#include "../netns/ns.h"
#include "../netns/qdisc.h"

int main(void)
{
	int ns = ns_new(), r;

	if (ns < 0) {
		printf("netem: error creating a namespace: %s\n", strerror(-ns));
		return 2;
	}
	r = link_set(ns, "lo", 1, 0);
	if (!r)
		r = qdisc_netem_available(ns);
	close(ns);
	if (r < 0) {
		printf("netem: error %s\n", strerror(-r));
		return 2;
	}
	printf("netem: %s\n", r ? "present" : "absent");
	return r ? 0 : 1;
}
