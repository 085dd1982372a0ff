#define _GNU_SOURCE
#include "clock.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
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
	char path[4400];
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
	snprintf(path, sizeof(path), "%s/ladder.html", r->evdir);
	f = fopen(path, "we");
	if (f) {
		ladder_render(f, title, hosts, r->m->topo.nhosts, r->lev, r->nlev, 2000);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ladder.tsv", r->evdir);
	f = fopen(path, "we");
	if (f) {
		ladder_tsv_write(f, hosts, r->m->topo.nhosts, r->lev, r->nlev);
		fclose(f);
	}
	free(hosts);
}

int evidence_mkdirs(const char *path)
{
	char tmp[4096];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
				return -errno;
			*p = '/';
		}
	return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static int rmtree_entry(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_DP || type == FTW_DNR)
		rmdir(p);
	else
		unlink(p);
	return 0;
}

/* Removes path and all below it, what programs wrote there through
 * ${evidence} too; a symlink is removed, never followed, and no other
 * filesystem is entered. */
void evidence_rmtree(const char *path)
{
	nftw(path, rmtree_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

void evidence_file(struct run *r, const char *name, const char *text, size_t len)
{
	char p[4400];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", r->evdir, name);
	f = fopen(p, "we");
	if (!f)
		return;
	fwrite(text, 1, len, f);
	fclose(f);
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
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		struct counters c = {0};

		run_ss_dump(r, h, f, NULL);
		fclose(f);
		snprintf(name, sizeof(name), "ss-%s.txt", run_host(r, h));
		evidence_file(r, name, buf, len);
		free(buf);
		buf = NULL;
		f = open_memstream(&buf, &len);
		if (!counters_read(run_ns(r, h), &c))
			for (size_t i = 0; i < c.n; i++) {
				int64_t then = 0;
				counters_get(&r->base[h], c.v[i].name, &then);
				if (c.v[i].value != then)
					fprintf(f, "%-36s %lld\n", c.v[i].name,
						(long long)(c.v[i].value - then));
			}
		counters_free(&c);
		fclose(f);
		snprintf(name, sizeof(name), "counters-%s.txt", run_host(r, h));
		evidence_file(r, name, buf, len);
		free(buf);
		if (r->middlebox[h]) {
			buf = NULL;
			f = open_memstream(&buf, &len);
			int n = conntrack_dump(run_ns(r, h), f);
			if (n < 0)
				fprintf(f, "conntrack table: %s\n", strerror(-n));
			fclose(f);
			snprintf(name, sizeof(name), "conntrack-%s.txt", run_host(r, h));
			evidence_file(r, name, buf, len);
			free(buf);
		}
		if (r->nft_used) {
			char *rs = NULL, why[256];
			if (!nft_list(run_ns(r, h), "list ruleset", &rs, why, sizeof(why)) && rs) {
				snprintf(name, sizeof(name), "nft-%s.txt", run_host(r, h));
				evidence_file(r, name, rs, strlen(rs));
			}
			free(rs);
		}
	}
}

/* Bind-mount host h's namespace on path; -errno of the step that failed. */
static int keep_one(struct run *r, int h, const char *path)
{
	char src[64];
	int fd = open(path, O_CREAT | O_RDONLY | O_CLOEXEC, 0444), err;

	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(src, sizeof(src), "/proc/self/fd/%d", run_ns(r, h));
	if (mount(src, path, NULL, MS_BIND, NULL) == 0)
		return 0;
	err = -errno;
	unlink(path);
	return err;
}

void evidence_keep(struct run *r)
{
	char path[512];

	if (mkdir("/run/netns", 0755) < 0 && errno != EEXIST) {
		fprintf(r->out, "  --keep: cannot create /run/netns: %s\n", strerror(errno));
		return;
	}
	for (int h = 0; h < r->m->topo.nhosts; h++) {
		int err;

		snprintf(path, sizeof(path), "/run/netns/netcase-%s-%s", r->o->run_id,
			 run_host(r, h));
		err = keep_one(r, h, path);
		if (err) {
			fprintf(r->out, "  --keep: cannot pin %s: %s\n", path, strerror(-err));
		} else {
			fprintf(r->out,
				"  kept: ip netns exec netcase-%s-%s ...  (netcase shell %s %s)\n",
				r->o->run_id, run_host(r, h), r->o->run_id, run_host(r, h));
		}
	}
}
