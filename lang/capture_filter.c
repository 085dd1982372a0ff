#define _GNU_SOURCE
#include "capture_filter.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *pcap_words[] = {
    "host",    "net",	   "port", "portrange", "src",	     "dst",	"and",
    "or",      "not",	   "tcp",  "udp",	"icmp",	     "icmp6",	"ip",
    "ip6",     "ether",	   "arp",  "proto",	"len",	     "less",	"greater",
    "inbound", "outbound", "vlan", "broadcast", "multicast", "gateway", NULL,
};

static int append(char **buf, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (*n + len + 1 > *cap) {
		size_t c = (*n + len + 1) * 2;
		char *b = realloc(*buf, c);
		if (!b)
			return -ENOMEM;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *n, s, len);
	*n += len;
	(*buf)[*n] = '\0';
	return 0;
}

/* Where the relational term starting at p ends: at the next top-level
 * "and", "or", "&&", "||", an unmatched ')' or the end. */
static const char *term_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth-- == 0)
			return p;
		else if (!depth && (!strncmp(p, " and ", 5) || !strncmp(p, " or ", 4) ||
				    !strncmp(p, "&&", 2) || !strncmp(p, "||", 2)))
			return p;
	}
	return p;
}

/*
 * libpcap's tcp[13] and tcp[tcpflags] read only IPv4 packets.  Rewrite each
 * term that uses them as (ip and TERM) or (ip6 and ip6[6] == 6 and TERM'),
 * TERM' reading the flags at ip6[53] (40 bytes of IPv6 header, then TCP's
 * 13th byte; packets with extension headers are not matched), so a flags
 * match counts IPv6 segments the same as IPv4 ones.
 */
static int flags_both_families(const char *text, char **out)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int err = append(&buf, &n, &cap, "", 0);
	const char *p = text;

	while (!err && *p) {
		const char *a = strstr(p, "tcp[tcpflags]"), *b = strstr(p, "tcp[13]"), *at, *end;
		size_t klen;

		at = a && (!b || a < b) ? a : b;
		if (!at) {
			err = append(&buf, &n, &cap, p, strlen(p));
			break;
		}
		klen = at == a ? strlen("tcp[tcpflags]") : strlen("tcp[13]");
		end = term_end(at);
		err = append(&buf, &n, &cap, p, at - p);
		if (!err)
			err = append(&buf, &n, &cap, "((ip and ", 9);
		if (!err)
			err = append(&buf, &n, &cap, at, end - at);
		if (!err)
			err = append(&buf, &n, &cap, ") or (ip6 and ip6[6] == 6 and ip6[53]", 37);
		if (!err)
			err = append(&buf, &n, &cap, at + klen, end - at - klen);
		if (!err)
			err = append(&buf, &n, &cap, "))", 2);
		p = end;
	}
	*out = buf;
	return err;
}

static int subst(const struct topo *t, const char *text, char **out)
{
	size_t n = 0, cap = 0;
	const char *p = text;
	char *buf = NULL;
	int err = append(&buf, &n, &cap, "", 0);

	while (!err && *p) {
		size_t w =
		    strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
		int h = -1, kw = 0;

		if (!w ||
		    (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == ':'))) {
			err = append(&buf, &n, &cap, p, w ? w : 1);
			p += w ? w : 1;
			continue;
		}
		char word[64];
		snprintf(word, sizeof(word), "%.*s", (int)w, p);
		for (int i = 0; pcap_words[i]; i++)
			kw |= !strcmp(word, pcap_words[i]);
		if (!kw && p[w] != '.' && p[w] != ':')
			h = topo_host_find(t, word);
		if (h < 0) {
			err = append(&buf, &n, &cap, p, w);
		} else {
			const char *sep = "(", *addr;
			for (int it = 0;
			     !err && (addr = topo_host_addr_next(t, h, AF_UNSPEC, &it));) {
				char a[160];
				snprintf(a, sizeof(a), "%s%s", sep, addr);
				err = append(&buf, &n, &cap, a, strlen(a));
				sep = " or ";
			}
			if (!err)
				err = append(&buf, &n, &cap, ")", 1);
		}
		p += w;
	}
	*out = buf;
	return err;
}

int capture_filter_new(const struct topo *t, const char *text, struct capture_filter **out,
		       char *why, size_t len)
{
	struct capture_filter *f = calloc(1, sizeof(*f));
	char *subst_text = NULL, *both = NULL;
	pcap_t *dead = NULL;
	int err = f ? flags_both_families(text, &both) : -ENOMEM;

	if (!err)
		err = subst(t, both, &subst_text);
	free(both);

	*out = NULL;
	if (!err && !(dead = pcap_open_dead(DLT_EN10MB, CAPTURE_SNAPLEN)))
		err = -ENOMEM;
	if (!err && pcap_compile(dead, &f->prog, subst_text, 1, PCAP_NETMASK_UNKNOWN) < 0) {
		snprintf(why, len, "%s", pcap_geterr(dead));
		err = -EINVAL;
	}
	if (err == -ENOMEM)
		snprintf(why, len, "%s", strerror(ENOMEM));
	if (dead)
		pcap_close(dead);
	free(subst_text);
	if (err) {
		free(f);
		return err;
	}
	*out = f;
	return 0;
}

struct capture_filter *capture_filter_free(struct capture_filter *f)
{
	if (f) {
		pcap_freecode(&f->prog);
		free(f->stamps);
		free(f->flows);
		free(f);
	}
	return NULL;
}

int capture_filter_compile(const struct topo *t, const char *text, char *why, size_t len)
{
	struct capture_filter *f;
	int err = capture_filter_new(t, text, &f, why, len);

	capture_filter_free(f);
	return err;
}

int capture_filter_match(const struct capture_filter *f, const struct pcap_pkthdr *h,
			 const unsigned char *data)
{
	return pcap_offline_filter(&f->prog, h, data) != 0;
}

const double *capture_filter_stamps(const struct capture_filter *f)
{
	return f->stamps;
}

const uint64_t *capture_filter_flows(const struct capture_filter *f)
{
	return f->flows;
}
