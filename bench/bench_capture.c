/*
 * bench_capture: how fast the capture keeps up without a drop.
 *
 * Two hosts (topo_build); one TCP stream from client to server as fast as
 * the machine moves it, for S seconds, while netcase's capture
 * (harness/capture.c: libpcap on the client's end, its own thread, every
 * packet kept for `expect packets` and written to a pcap file) runs on the
 * link.  The baseline is the kernel's own count of the packets that crossed
 * that device (rx + tx of /proc/net/dev in the namespace), which the
 * capture must equal with no drop.  Twice: with the veth's offloads (GSO
 * packets of up to 64 KiB, what a case's plain link carries) and without
 * (every frame one MTU: the highest packet rate, what a relayed link
 * carries).  Needs root.
 *   bench/bench_capture [SECONDS]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "../harness/capture.h"
#include "../harness/topo_build.h"
#include "../lang/topo.h"
#include "../netns/link.h"
#include "../netns/ns.h"

struct devstat {
	const char *ifname;
	unsigned long long packets, bytes;
};

/* In the namespace: the device's rx + tx packets and bytes from /proc/net/dev. */
static int devstat_read(void *arg)
{
	struct devstat *d = arg;
	FILE *f = fopen("/proc/thread-self/net/dev", "r");
	char line[512];
	size_t n = strlen(d->ifname);

	if (!f)
		return -errno;
	d->packets = d->bytes = 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + strspn(line, " ");
		unsigned long long rb, rp, tb, tp, x;

		if (strncmp(p, d->ifname, n) || p[n] != ':')
			continue;
		if (sscanf(p + n + 1, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu", &rb, &rp,
			   &x, &x, &x, &x, &x, &x, &tb, &tp) == 10) {
			d->packets = rp + tp;
			d->bytes = rb + tb;
		}
	}
	fclose(f);
	return 0;
}

/* The server: accept one connection and read it to its end. */
static pid_t server(int lfd)
{
	pid_t p = fork();
	char buf[1 << 16];
	int c;

	if (p)
		return p;
	c = accept(lfd, NULL, NULL);
	while (c >= 0 && read(c, buf, sizeof(buf)) > 0)
		;
	_exit(c < 0);
}

/* The client, in namespace ns: write for secs seconds, then close. */
static pid_t client(int ns, double secs)
{
	pid_t p = fork();
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9000)};
	static char buf[1 << 16];
	double end;
	int s;

	if (p)
		return p;
	if (setns(ns, CLONE_NEWNET))
		_exit(1);
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (void *)&a, sizeof(a)))
		_exit(1);
	end = bench_now_ms() + secs * 1e3;
	while (bench_now_ms() < end)
		if (write(s, buf, sizeof(buf)) < 0)
			_exit(1);
	close(s);
	_exit(0);
}

/* One run on a fresh topology; prints a table row; 0 or -1. */
static int run(const struct topo *t, double secs, int offloads)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9000)};
	struct devstat d0 = {.ifname = t->links[0].ifname[0]}, d1 = d0;
	struct capture *cap = NULL;
	unsigned rcv = 0, drop = 0;
	char why[256];
	int ns[2], lfd = -1, err, st = 0;
	FILE *pcap = tmpfile();
	double s, took;
	pid_t srv, cli;

	if (!pcap || topo_build(t, ns, why, sizeof(why))) {
		fprintf(stderr, "bench_capture: %s\n", pcap ? why : strerror(errno));
		return -1;
	}
	err = offloads ? 0 : link_offloads_set(ns[0], t->links[0].ifname[0], 0);
	if (!err && !offloads)
		err = link_offloads_set(ns[1], t->links[0].ifname[1], 0);
	if (!err && topo_wait_ready(t, ns, 5, why, sizeof(why)))
		err = -ETIMEDOUT;
	inet_pton(AF_INET, "198.18.0.2", &a.sin_addr);
	if (!err && ((lfd = ns_socket(ns[1], AF_INET, SOCK_STREAM, 0)) < 0 ||
		     bind(lfd, (void *)&a, sizeof(a)) || listen(lfd, 1)))
		err = -errno;
	if (!err)
		err = capture_start(ns[0], t->links[0].ifname[0], pcap, clock_real_offset(), &cap,
				    why, sizeof(why));
	else
		fclose(pcap);
	if (!err)
		err = ns_call(ns[0], devstat_read, &d0);
	if (err) {
		fprintf(stderr, "bench_capture: %s\n", why[0] ? why : strerror(-err));
		topo_teardown(ns, 2);
		return -1;
	}
	srv = server(lfd);
	s = bench_now_ms();
	cli = client(ns[0], secs);
	waitpid(cli, &st, 0);
	waitpid(srv, NULL, 0);
	took = (bench_now_ms() - s) / 1e3;
	/* every packet up to now kept, then the kernel's count */
	capture_wait(cap, clock_now() + clock_real_offset(), 5000);
	ns_call(ns[0], devstat_read, &d1);
	capture_stop(cap, &rcv, &drop);
	capture_free(cap);
	close(lfd);
	topo_teardown(ns, 2);
	printf("| %s | %.1f | %llu | %u (%.0f /s) | %u | %.1f MB/s | %.0f |\n",
	       offloads ? "on (GSO)" : "off (MTU frames)", took, d1.packets - d0.packets, rcv,
	       rcv / took, drop, (d1.bytes - d0.bytes) / took / 1e6,
	       (double)(d1.bytes - d0.bytes) / (d1.packets - d0.packets));
	return WIFEXITED(st) && !WEXITSTATUS(st) && !drop ? 0 : -1;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3;
	struct topo t;

	if (geteuid()) {
		fprintf(stderr, "bench_capture: needs root\n");
		return 77;
	}
	topo_init(&t);
	if (topo_host_add(&t, "client") < 0 || topo_host_add(&t, "server") < 0 ||
	    topo_link_add(&t, 0, 1, 0) < 0)
		return 1;
	printf("| offloads | seconds | packets (kernel) | captured | dropped | stream | bytes per "
	       "packet |\n| --- | --- | --- | --- | --- | --- | --- |\n");
	if (run(&t, secs, 1) || run(&t, secs, 0))
		return 1;
	topo_fini(&t);
	return 0;
}
