#include "ladder.h"
#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define COL  230
#define LEFT 230
#define ROW  22
#define TOP  70

void ladder_sort(struct ladder_event *ev, int n)
{
	/* insertion sort: stable, and the events arrive nearly in order */
	for (int i = 1; i < n; i++) {
		struct ladder_event k = ev[i];
		int j = i - 1;

		while (j >= 0 && ev[j].t > k.t) {
			ev[j + 1] = ev[j];
			j--;
		}
		ev[j + 1] = k;
	}
}

static int xof(int host)
{
	return LEFT + host * COL;
}

/* A gap this long between two events is drawn as a break, not as time. */
#define IDLE_GAP 1.0

static void draw_text(FILE *f, const char *cls, int x, int y, const char *anchor, const char *s)
{
	fprintf(f, "<text class=\"%s\" x=\"%d\" y=\"%d\" text-anchor=\"%s\">", cls, x, y, anchor);
	report_escape(f, s);
	fputs("</text>\n", f);
}

static void draw_packet(FILE *f, const struct ladder_event *e, int y)
{
	int x1 = xof(e->from), x2 = xof(e->to);

	fprintf(f,
		"<line class=\"%s%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"marker-end=\"url(#a-%s)\"/>",
		e->cls, e->retrans ? " retrans" : "", x1, y - 6, x2 + (x2 > x1 ? -4 : 4), y + 8,
		e->cls);
	draw_text(f, e->cls, (x1 + x2) / 2, y - 4, "middle", e->label);
}

/* An arrow from the sender that ends in a cross where the packet died. */
static void draw_drop(FILE *f, const struct ladder_event *e, int y)
{
	int x2 = xof(e->to), x1 = e->from >= 0 && e->from != e->to ? xof(e->from) : x2;
	int xe = x1 == x2 ? x2 : x2 + (x2 > x1 ? -14 : 14);

	fputs("<g class=\"drop\">", f);
	if (x1 != x2)
		fprintf(f, "<line class=\"dropline\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", x1,
			y - 6, xe, y + 6);
	fprintf(f, "<path class=\"cross\" d=\"M%d,%d L%d,%d M%d,%d L%d,%d\"/>", xe - 6, y, xe + 6,
		y + 12, xe - 6, y + 12, xe + 6, y);
	draw_text(f, "droplabel", x1 == x2 ? x2 + 12 : (x1 + x2) / 2, y - 4,
		  x1 == x2 ? "start" : "middle", e->label);
	fputs("</g>\n", f);
}

static void draw_box(FILE *f, const char *cls, int x, int y, const char *label)
{
	int w = (int)strlen(label) * 7 + 8;

	fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" rx=\"3\"/>",
		cls, x - w / 2, y - 8, w);
	draw_text(f, "boxtext", x - w / 2 + 4, y + 4, "start", label);
}

static void draw_line(FILE *f, const struct ladder_event *e, int y, int width)
{
	fprintf(f, "<line class=\"rule\" x1=\"80\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", y, width - 10,
		y);
	if (e->kind == LADDER_EXPECT)
		fprintf(f, "<g class=\"expect %s\">", e->cls);
	draw_text(f, e->kind == LADDER_EXPECT ? e->cls : "step", 84, y - 3, "start", e->label);
	if (e->kind == LADDER_EXPECT)
		fputs("</g>\n", f);
}

static void render_head(FILE *f, const char *title, int n, int rows, int width, int height)
{
	static const char *classes[] = {"syn", "fin", "rst", "data", "ack", "other"};

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
	report_escape(f, title);
	fputs("</title>\n<style>\nbody{font:13px sans-serif;margin:16px}\n"
	      "svg text{font:11px monospace}\n.host{font:bold 13px sans-serif}\n"
	      ".life{stroke:#888;stroke-width:1}\n.syn{stroke:#1f5fbf;fill:#1f5fbf}\n"
	      ".fin{stroke:#7b2fa8;fill:#7b2fa8}\n.rst{stroke:#c41a1a;fill:#c41a1a}\n"
	      ".data{stroke:#111;fill:#111}\n.ack{stroke:#999;fill:#777}\n"
	      ".other{stroke:#4a8a3a;fill:#4a8a3a}\n.state{fill:#fff5d6;stroke:#c9a227}\n"
	      ".mark{fill:#fde3e3;stroke:#c41a1a}\nline.retrans{stroke-dasharray:6 3}\n"
	      "text.syn,text.fin,text.rst,text.data,text.ack,text.other{stroke:none}\n"
	      ".dropline{stroke:#c41a1a;stroke-dasharray:2 2}\n.cross{stroke:#c41a1a;"
	      "stroke-width:3}\n.droplabel{fill:#c41a1a}\ntext.pass{fill:#1a7f37}\n"
	      "text.fail{fill:#c41a1a;font-weight:bold}\n.gap{fill:#888;font-style:italic}\n"
	      ".step{fill:#555;font-style:italic}\n.rule{stroke:#bbb;stroke-dasharray:3 3}\n"
	      "</style></head><body>\n<h2>",
	      f);
	report_escape(f, title);
	fprintf(f, "</h2>\n<p>%d events", n);
	if (n > rows)
		fprintf(f, " (the first %d are drawn; %d left out)", rows, n - rows);
	fputs(". Time runs down, one row per event (a long quiet stretch is a break, with its "
	      "length). An arrow is a captured packet (dashed: a retransmission), with its "
	      "flags, relative seq, ack and length; an arrow ending in a red cross is a packet "
	      "the kernel dropped there, with its reason; a yellow box is a socket state "
	      "change, a red one a retransmission or reset the kernel recorded; italics are "
	      "the case's steps, green and red lines its expectations.</p>\n",
	      f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n<defs>",
		width, height);
	for (int i = 0; i < 6; i++)
		fprintf(f,
			"<marker id=\"a-%s\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" "
			"refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" class=\"%s\"/>"
			"</marker>",
			classes[i], classes[i]);
	fputs("</defs>\n", f);
}

void ladder_render(FILE *f, const char *title, const char *const *hosts, int nhosts,
		   const struct ladder_event *ev, int n, int max_rows)
{
	int rows = n < max_rows ? n : max_rows, gaps = 0;
	int width = LEFT + (nhosts ? nhosts - 1 : 0) * COL + 200, height, y = TOP;
	char gap[64];

	for (int i = 1; i < rows; i++)
		gaps += ev[i].t - ev[i - 1].t > IDLE_GAP;
	height = TOP + (rows + gaps) * ROW + 40;
	render_head(f, title, n, rows, width, height);
	for (int h = 0; h < nhosts; h++) {
		draw_text(f, "host", xof(h), TOP - 30, "middle", hosts[h]);
		fprintf(f, "<line class=\"life\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
			xof(h), TOP - 20, xof(h), height - 20);
	}
	for (int i = 0; i < rows; i++, y += ROW) {
		const struct ladder_event *e = &ev[i];

		if (i && e->t - ev[i - 1].t > IDLE_GAP) {
			snprintf(gap, sizeof(gap), "~ %.3f s without events ~", e->t - ev[i - 1].t);
			fprintf(
			    f,
			    "<rect x=\"0\" y=\"%d\" width=\"%d\" height=\"14\" fill=\"#f4f4f4\"/>",
			    y - 8, width);
			draw_text(f, "gap", width / 2, y + 3, "middle", gap);
			y += ROW;
		}
		fprintf(f, "<text x=\"8\" y=\"%d\">%8.3fs</text>", y + 4, e->t);
		if (e->kind == LADDER_PACKET && e->from >= 0 && e->to >= 0)
			draw_packet(f, e, y);
		else if (e->kind == LADDER_DROP && e->to >= 0)
			draw_drop(f, e, y);
		else if ((e->kind == LADDER_STATE || e->kind == LADDER_MARK) && e->from >= 0)
			draw_box(f, e->kind == LADDER_STATE ? "state" : "mark", xof(e->from), y,
				 e->label);
		else
			draw_line(f, e, y, width);
	}
	fputs("</svg>\n</body></html>\n", f);
}

static int same_dir(const struct ladder_flow *f, const struct pkt_info *p, int reverse)
{
	size_t n = p->family == AF_INET ? 4 : 16;
	const uint8_t *s = reverse ? p->dst : p->src, *d = reverse ? p->src : p->dst;
	uint16_t sp = reverse ? p->dport : p->sport, dp = reverse ? p->sport : p->dport;

	return f->family == p->family && f->sport == sp && f->dport == dp &&
	       !memcmp(f->src, s, n) && !memcmp(f->dst, d, n);
}

static struct ladder_flow *flow_find(struct ladder_flows *fl, const struct pkt_info *p, int rev)
{
	for (int i = 0; i < fl->n; i++)
		if (same_dir(&fl->v[i], p, rev))
			return &fl->v[i];
	return NULL;
}

int ladder_flow_seq(struct ladder_flows *fl, const struct pkt_info *p, uint32_t *rseq,
		    uint32_t *rack)
{
	struct ladder_flow *f = flow_find(fl, p, 0), *r;
	uint32_t len = p->payload + !!(p->flags & PKT_SYN) + !!(p->flags & PKT_FIN);
	int retrans = 0;

	if (!f) {
		if (fl->n == fl->cap) {
			int cap = fl->cap ? fl->cap * 2 : 16;
			void *v = realloc(fl->v, cap * sizeof(*fl->v));
			if (!v)
				return -ENOMEM;
			fl->v = v;
			fl->cap = cap;
		}
		f = &fl->v[fl->n++];
		memset(f, 0, sizeof(*f));
		f->family = p->family;
		memcpy(f->src, p->src, 16);
		memcpy(f->dst, p->dst, 16);
		f->sport = p->sport;
		f->dport = p->dport;
		f->isn = p->seq;
		f->next = p->seq;
	}
	*rseq = p->seq - f->isn;
	/* what it carries lies before the highest end sent: sent before */
	if (len && (int32_t)(p->seq - f->next) < 0)
		retrans = 1;
	if (len && (int32_t)(p->seq + len - f->next) > 0)
		f->next = p->seq + len;
	r = flow_find(fl, p, 1);
	*rack = (p->flags & PKT_ACK) && r ? p->ack - r->isn : 0;
	return retrans;
}

void ladder_flows_free(struct ladder_flows *fl)
{
	free(fl->v);
	memset(fl, 0, sizeof(*fl));
}
