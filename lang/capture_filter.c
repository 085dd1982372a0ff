#define _GNU_SOURCE
#include "capture_filter.h"

#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "units.h"

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

/* Whether w (n bytes) is one of the connection terms' words. */
static int conn_word(const char *w, size_t n)
{
	return (n == 14 && !strncmp(w, "retransmission", 14)) ||
	       (n == 3 && (!strncmp(w, "seq", 3) || !strncmp(w, "ack", 3)));
}

/* One top-level term (n bytes at p): 1 a connection term (into c), 0 not,
 * -EINVAL a malformed one (why says). */
static int conn_term(const char *p, size_t n, struct capture_conn *c, char *why, size_t len)
{
	char term[128], name[8], op[4], num[32], extra, *e;
	long long v;
	enum filter_cmp cmp;
	int bad;

	snprintf(term, sizeof(term), "%.*s", (int)(n < 127 ? n : 127), p);
	if (!strcmp(term, "retransmission"))
		return c->any = c->retrans = 1;
	if (sscanf(term, "%7[a-z] %3[=!<>] %31s %c", name, op, num, &extra) != 3 ||
	    (strcmp(name, "seq") && strcmp(name, "ack")))
		return 0;
	errno = 0;
	v = strtoll(num, &e, 0);
	bad = *e || errno || v < 0 || v > UINT32_MAX;
	if (units_op_parse(op, &cmp) || bad) {
		snprintf(why, len,
			 "'%s': %s compares the relative %s number with ==, !=, <, <=, > or >= "
			 "and a number from 0 to 4294967295",
			 term, name, name);
		return -EINVAL;
	}
	if (c->n == CAPTURE_CONN_CMPS) {
		snprintf(why, len, "'%s': at most %d seq and ack comparisons in one filter", term,
			 CAPTURE_CONN_CMPS);
		return -EINVAL;
	}
	c->cmp[c->n++] = (struct capture_conn_cmp){.what = name[0], .op = cmp, .v = v};
	return c->any = 1;
}

/* A connection word left in the tcpdump filter (under `or`, `not` or
 * parentheses): the first one's offset, or -1. */
static long conn_word_in(const char *s)
{
	for (const char *p = s; *p;) {
		size_t w = strspn(p, "abcdefghijklmnopqrstuvwxyz");
		if (w && conn_word(p, w) && (p == s || !isalnum((unsigned char)p[-1])) &&
		    !isalnum((unsigned char)p[w]) && p[w] != '-' && (p == s || p[-1] != '-'))
			return p - s;
		p += w ? w : 1;
	}
	return -1;
}

/* Take the connection terms out of text: the tcpdump filter left in *rest. */
static int conn_split(const char *text, struct capture_conn *c, char **rest, char *why, size_t len)
{
	size_t n = 0, cap = 0;
	char *buf = NULL;
	int err = append(&buf, &n, &cap, "", 0), depth = 0, orr = 0;
	const char *start = text;

	for (const char *p = text; !err; p++) {
		int sep = 0;

		if (*p == '(')
			depth++;
		else if (*p == ')')
			depth--;
		else if (*p && !depth && !strncmp(p, " and ", 5))
			sep = 5;
		else if (*p && !depth && !strncmp(p, "&&", 2))
			sep = 2;
		else if (*p && !depth && (!strncmp(p, " or ", 4) || !strncmp(p, "||", 2)))
			orr = 1;
		if (*p && !sep)
			continue;
		const char *a = start, *b = p;
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		err = conn_term(a, b - a, c, why, len);
		if (!err && b > a) {
			err = n ? append(&buf, &n, &cap, " and ", 5) : 0;
			if (!err)
				err = append(&buf, &n, &cap, a, b - a);
		}
		err = err < 0 ? err : 0;
		if (!*p)
			break;
		p += sep - 1;
		start = p + 1;
	}
	if (!err && (conn_word_in(buf) >= 0 || (c->any && orr))) {
		snprintf(why, len,
			 "'%s': retransmission, seq and ack join the tcpdump filter with 'and' at "
			 "its top level (not under 'or', 'not' or parentheses)",
			 text);
		err = -EINVAL;
	}
	if (!err && !n)
		err = append(&buf, &n, &cap, "tcp", 3);
	if (err)
		free(buf);
	*rest = err ? NULL : buf;
	return err;
}

int capture_filter_conn(struct capture_filter *f, const struct tcpseq_seg *s)
{
	struct tcpseq_view v;
	const struct capture_conn *c = &f->conn;

	if (!c->any)
		return 1;
	if (!s || tcpseq_add(&f->track, s, &v))
		return 0;
	if (c->retrans && !v.retrans)
		return 0;
	for (int i = 0; i < c->n; i++) {
		if (c->cmp[i].what == 'a' && !v.has_ack)
			return 0;
		if (!filter_cmp_eval(c->cmp[i].what == 's' ? v.rseq : v.rack, c->cmp[i].op,
				     c->cmp[i].v))
			return 0;
	}
	return 1;
}

int capture_filter_new(const struct topo *t, const char *text, struct capture_filter **out,
		       char *why, size_t len)
{
	struct capture_filter *f = calloc(1, sizeof(*f));
	char *subst_text = NULL, *both = NULL, *rest = NULL;
	pcap_t *dead = NULL;
	int err = f ? conn_split(text, &f->conn, &rest, why, len) : -ENOMEM;

	if (err == -EINVAL) {
		free(f);
		*out = NULL;
		return err;
	}
	if (!err)
		err = flags_both_families(rest, &both);
	free(rest);

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
		tcpseq_fini(&f->track);
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
