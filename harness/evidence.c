#define _GNU_SOURCE
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "evidence.h"
#include "actor.h"
#include "capture.h"
#include "ladder.h"
#include "pktdecode.h"
#include "ssfmt.h"
#include "../netns/conntrack.h"
#include "../netns/counters.h"
#include "../netns/link.h"
#include "../netns/qdisc.h"
#include "../netns/nft.h"
#include "../netns/procsock.h"
#include "../netns/ns.h"
#include "../netns/sockdiag.h"
#include "../netns/sysctl.h"

struct pkt_walk {
	struct run *r;
	int link;
	struct ladder_flows flows; /* relative sequence numbers, retransmissions */
};

/* One captured frame as an arrow between the two hosts of its link. */
static void ladder_packet(void *arg, const struct pcap_pkthdr *h, const unsigned char *data)
{
	struct pkt_walk *w = arg;
	const struct topo_link *L = &w->r->m->topo.links[w->link];
	struct pkt_info pi;
	char flags[40];
	int side;

	if (pkt_decode(data, h->caplen, &pi))
		return;
	if (!memcmp(pi.src_mac, L->mac[0], 6))
		side = 0;
	else if (!memcmp(pi.src_mac, L->mac[1], 6))
		side = 1;
	else
		return;
	double t = h->ts.tv_sec + h->ts.tv_usec / 1e6 - w->r->wall_t0;
	int from = side ? L->b : L->a, to = side ? L->a : L->b;
	if (pi.protocol == IPPROTO_TCP) {
		const char *cls = pi.flags & PKT_RST   ? "rst"
				  : pi.flags & PKT_SYN ? "syn"
				  : pi.flags & PKT_FIN ? "fin"
				  : pi.payload	       ? "data"
						       : "ack";
		uint32_t seq, ack;
		int re = ladder_flow_seq(&w->flows, &pi, &seq, &ack);
		char acks[24] = "";

		pkt_flags_format(pi.flags, flags, sizeof(flags));
		if (pi.flags & PKT_ACK)
			snprintf(acks, sizeof(acks), " ack %u", ack);
		run_ladder_add(w->r, t, LADDER_PACKET, from, to, cls,
			       "%s%s :%u>:%u seq %u%s len %u win %u", re > 0 ? "RETRANS " : "",
			       flags, pi.sport, pi.dport, seq, acks, pi.payload, pi.window);
		if (re > 0 && w->r->nlev)
			w->r->lev[w->r->nlev - 1].retrans = 1;
	} else if (pi.protocol == IPPROTO_UDP) {
		run_ladder_add(w->r, t, LADDER_PACKET, from, to, "other", "UDP :%u>:%u %uB",
			       pi.sport, pi.dport, pi.payload);
	} else if (pi.protocol == IPPROTO_ICMP || pi.protocol == IPPROTO_ICMPV6) {
		run_ladder_add(w->r, t, LADDER_PACKET, from, to, "other", "ICMP");
	}
}

/* ladder.html, and ladder.tsv for `netcase report --text`. */
static void ladder_write(struct run *r, const char *title)
{
	const char **hosts = calloc(r->m->topo.nhosts, sizeof(*hosts));
	FILE *f;

	if (!hosts)
		return;

	for (int l = 0; l < r->m->topo.nlinks; l++) {
		struct pkt_walk w = {r, l, {0}};
		if (r->caps[l])
			capture_foreach(r->caps[l], ladder_packet, &w);
		ladder_flows_free(&w.flows);
	}
	ladder_sort(r->lev, r->nlev);
	for (int h = 0; h < r->m->topo.nhosts; h++)
		hosts[h] = r->m->topo.hosts[h].name;
	if ((f = evidence_fopen(r, "ladder.html"))) {
		ladder_render(f, title, hosts, r->m->topo.nhosts, r->lev, r->nlev, 2000);
		fclose(f);
	}
	if ((f = evidence_fopen(r, "ladder.tsv"))) {
		ladder_tsv_write(f, hosts, r->m->topo.nhosts, r->lev, r->nlev);
		fclose(f);
	}
	free(hosts);
}

FILE *evidence_fopen(struct run *r, const char *name)
{
	FILE *f = NULL;

	errno = EBADF;
	if (run_evfd(r) < 0 || !(f = safefs_fopen(run_evfd(r), name, &r->o->owner)))
		fprintf(r->out, "  evidence: cannot write %s/%s: %s\n", r->evdir, name,
			strerror(errno));
	return f;
}

void evidence_file(struct run *r, const char *name, const char *text, size_t len)
{
	FILE *f = evidence_fopen(r, name);

	if (!f)
		return;
	fwrite(text, 1, len, f);
	fclose(f);
}

static void fill_ss(struct run *r, int h, FILE *f)
{
	run_ss_dump(r, h, f, NULL);
}

static void fill_counters(struct run *r, int h, FILE *f)
{
	struct counters c = {0};
	int err = run_counters_delta(r, h, 0, &c);

	if (err)
		fprintf(f, "counters: %s\n", strerror(-err));
	for (size_t i = 0; !err && i < c.n; i++)
		if (c.v[i].value)
			fprintf(f, "%-36s %lld\n", c.v[i].name, (long long)c.v[i].value);
	counters_free(&c);
}

static void fill_conntrack(struct run *r, int h, FILE *f)
{
	int n = conntrack_dump(run_ns(r, h), f);

	if (n < 0)
		fprintf(f, "conntrack table: %s\n", strerror(-n));
}

/* Host h's file PREFIX-HOST.txt, written by fill into memory first. */
static void evidence_fill(struct run *r, const char *prefix, int h,
			  void (*fill)(struct run *, int, FILE *))
{
	char *buf = NULL, name[128];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	snprintf(name, sizeof(name), "%s-%s.txt", prefix, run_host(r, h));
	if (f)
		fill(r, h, f);
	if (!f || fclose(f))
		fprintf(r->out, "  evidence: cannot write %s/%s: %s\n", r->evdir, name,
			strerror(errno));
	else
		evidence_file(r, name, buf, len);
	free(buf);
}

void evidence_write(struct run *r)
{
	char name[128];

	ladder_write(r, r->m->file);

	fflush(r->tl);
	evidence_file(r, "timeline.log", r->tlbuf, r->tllen);
	if (r->kev && !fflush(r->evlog))
		evidence_file(r, "events.log", r->evlogbuf, r->evloglen);
	fflush(r->sysf);
	evidence_file(r, "sysctl.txt", r->sysctls ? r->sysctls : "", r->sysctls_len);
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		evidence_fill(r, "ss", h, fill_ss);
		evidence_fill(r, "counters", h, fill_counters);
		if (r->middlebox[h])
			evidence_fill(r, "conntrack", h, fill_conntrack);
		if (r->nft_used) {
			char *rs = NULL, why[256];
			int err = nft_list(run_ns(r, h), "list ruleset", &rs, why, sizeof(why));

			snprintf(name, sizeof(name), "nft-%s.txt", run_host(r, h));
			if (err)
				fprintf(r->out,
					"  evidence: cannot list %s's rules for %s/%s: %s\n",
					run_host(r, h), r->evdir, name, why);
			else if (rs)
				evidence_file(r, name, rs, strlen(rs));
			free(rs);
		}
	}
}

/* Bind-mount host h's namespace on a new file name in folder dfd (both
 * named through /proc/self/fd, so no link is followed); -errno. */
static int keep_one(struct run *r, int h, int dfd, const char *name)
{
	char src[64], dst[64];
	int fd = openat(dfd, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_RDONLY | O_CLOEXEC, 0444);
	int err = 0;

	if (fd < 0)
		return -errno;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", run_ns(r, h));
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0) {
		err = -errno;
		unlinkat(dfd, name, 0);
	}
	close(fd);
	return err;
}

void evidence_keep(struct run *r)
{
	static const struct safefs_owner root = {0, 0, 0};
	struct safefs_dir d;
	char why[512], name[256];

	if (safefs_dir_open(&d, "/run/netns", NULL, &root, why, sizeof(why))) {
		fprintf(r->out, "  --keep: %s (pinning a namespace needs root)\n", why);
		return;
	}
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		int err;

		snprintf(name, sizeof(name), "netcase-%s-%s", r->o->run_id, run_host(r, h));
		err = keep_one(r, h, safefs_dir_fd(&d), name);
		if (err) {
			fprintf(r->out, "  --keep: cannot pin /run/netns/%s: %s\n", name,
				strerror(-err));
		} else {
			fprintf(r->out, "  kept: ip netns exec %s ...  (netcase shell %s %s)\n",
				name, r->o->run_id, run_host(r, h));
		}
	}
	safefs_dir_close(&d);
}

/* What the namespaces inherit that changes TCP's behaviour: the default
 * congestion control (the machine's, not always the kernel's built-in
 * cubic) into sysctl.txt, and into the result when the case did not
 * choose one itself. */
void evidence_inherited(struct run *r)
{
	const struct case_model *m = r->m;
	static const char key[] = "net.ipv4.tcp_congestion_control";
	char cc[16] = "";
	int chose = 0;

	for (int h = 0; h < m->topo.nhosts; h++)
		if (!sysctl_get(r->ns[h], key, cc, sizeof(cc)))
			fprintf(r->sysf, "%s %s=%s (inherited: the machine's default)\n",
				run_host(r, h), key, cc);
	for (int i = 0; i < m->nsteps; i++)
		chose |= m->steps[i].kind == STEP_SYSCTL && !strcmp(m->steps[i].key, key);
	for (int i = 0; i < m->nactors; i++)
		chose |= m->actors[i].congestion[0] != '\0';
	if (!chose && cc[0] && strcmp(cc, "cubic")) {
		snprintf(r->res->cc_default, sizeof(r->res->cc_default), "%s", cc);
		run_log(r,
			"congestion control: %s, this machine's default (the kernel's built-in is "
			"cubic); the case chooses none",
			cc);
	}
}
