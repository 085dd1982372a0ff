#include "tcpseq.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define F_FIN 0x01
#define F_SYN 0x02
#define F_ACK 0x10

/* a before b in sequence space (RFC 1982 arithmetic) */
static int before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

/* The conversation of s and its direction (*d), made if new; NULL on ENOMEM. */
static struct tcpseq_flow *flow(struct tcpseq *t, const struct tcpseq_seg *s, int *d)
{
	struct tcpseq_flow *f;

	for (size_t i = t->n; i-- > 0;) {
		f = &t->v[i];
		if (f->family != s->family)
			continue;
		if (f->ap == s->sport && f->bp == s->dport && !memcmp(f->a, s->src, 16) &&
		    !memcmp(f->b, s->dst, 16)) {
			*d = 0;
			return f;
		}
		if (f->ap == s->dport && f->bp == s->sport && !memcmp(f->a, s->dst, 16) &&
		    !memcmp(f->b, s->src, 16)) {
			*d = 1;
			return f;
		}
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		struct tcpseq_flow *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	f = &t->v[t->n++];
	memset(f, 0, sizeof(*f));
	f->family = s->family;
	memcpy(f->a, s->src, 16);
	memcpy(f->b, s->dst, 16);
	f->ap = s->sport;
	f->bp = s->dport;
	*d = 0;
	return f;
}

int tcpseq_add(struct tcpseq *t, const struct tcpseq_seg *s, struct tcpseq_view *out)
{
	int d, syn = !!(s->flags & F_SYN);
	struct tcpseq_flow *f = flow(t, s, &d);
	uint32_t end = s->seq + s->len + syn + !!(s->flags & F_FIN);

	memset(out, 0, sizeof(*out));
	if (!f)
		return -ENOMEM;
	if (syn && !(f->syn[d] && s->seq == f->isn[d])) {
		/* a new SYN: a new incarnation when it opens the connection */
		if (!(s->flags & F_ACK))
			f->started[!d] = f->syn[!d] = 0;
		f->started[d] = f->syn[d] = 1;
		f->isn[d] = f->max[d] = s->seq;
	} else if (!f->started[d]) {
		f->started[d] = 1;
		f->isn[d] = f->max[d] = s->seq;
	}
	out->retrans = end != s->seq && before(s->seq, f->max[d]);
	if (before(f->max[d], end))
		f->max[d] = end;
	out->rseq = s->seq - f->isn[d];
	out->has_ack = (s->flags & F_ACK) && f->started[!d];
	out->rack = out->has_ack ? s->ack - f->isn[!d] : 0;
	return 0;
}

void tcpseq_fini(struct tcpseq *t)
{
	free(t->v);
	memset(t, 0, sizeof(*t));
}
