#include "ladder.h"
#include "report.h"

#include <string.h>

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

void ladder_render(FILE *f, const char *title, const char *const *hosts, int nhosts,
		   const struct ladder_event *ev, int n, int max_rows)
{
	int rows = n < max_rows ? n : max_rows;
	int width = LEFT + (nhosts ? nhosts - 1 : 0) * COL + 200, height = TOP + rows * ROW + 40;

	fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", f);
	report_escape(f, title);
	fputs("</title>\n<style>\nbody{font:13px sans-serif;margin:16px}\n"
	      "svg text{font:11px monospace}\n.host{font:bold 13px sans-serif}\n"
	      ".life{stroke:#888;stroke-width:1}\n.syn{stroke:#1f5fbf;fill:#1f5fbf}\n"
	      ".fin{stroke:#7b2fa8;fill:#7b2fa8}\n.rst{stroke:#c41a1a;fill:#c41a1a}\n"
	      ".data{stroke:#111;fill:#111}\n.ack{stroke:#999;fill:#777}\n"
	      ".other{stroke:#4a8a3a;fill:#4a8a3a}\n.state{fill:#fff5d6;stroke:#c9a227}\n"
	      "text.syn,text.fin,text.rst,text.data,text.ack,text.other{stroke:none}\n"
	      ".step{fill:#555;font-style:italic}\n.rule{stroke:#bbb;stroke-dasharray:3 3}\n"
	      "</style></head><body>\n<h2>",
	      f);
	report_escape(f, title);
	fprintf(f, "</h2>\n<p>%d events", n);
	if (n > rows)
		fprintf(f, " (the first %d are drawn; %d left out)", rows, n - rows);
	fputs(". Time runs down; an arrow is a captured packet, a box a socket state change, "
	      "italics a step of the case.</p>\n",
	      f);
	fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\">\n", width,
		height);
	fputs("<defs>", f);
	static const char *classes[] = {"syn", "fin", "rst", "data", "ack", "other"};
	for (int i = 0; i < 6; i++)
		fprintf(f,
			"<marker id=\"a-%s\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" "
			"refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" class=\"%s\"/>"
			"</marker>",
			classes[i], classes[i]);
	fputs("</defs>\n", f);
	for (int h = 0; h < nhosts; h++) {
		fprintf(f, "<text class=\"host\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", xof(h),
			TOP - 30);
		report_escape(f, hosts[h]);
		fprintf(f,
			"</text>\n<line class=\"life\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
			xof(h), TOP - 20, xof(h), height - 20);
	}
	for (int i = 0; i < rows; i++) {
		const struct ladder_event *e = &ev[i];
		int y = TOP + i * ROW;

		fprintf(f, "<text x=\"8\" y=\"%d\">%8.3fs</text>", y + 4, e->t);
		if (e->kind == LADDER_PACKET && e->from >= 0 && e->to >= 0) {
			int x1 = xof(e->from), x2 = xof(e->to);
			fprintf(f,
				"<line class=\"%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
				"marker-end=\"url(#a-%s)\"/><text class=\"%s\" x=\"%d\" y=\"%d\" "
				"text-anchor=\"middle\">",
				e->cls, x1, y - 6, x2 + (x2 > x1 ? -4 : 4), y + 8, e->cls, e->cls,
				(x1 + x2) / 2, y - 4);
			report_escape(f, e->label);
			fputs("</text>\n", f);
		} else if (e->kind == LADDER_STATE && e->from >= 0) {
			int w = (int)strlen(e->label) * 7 + 8;
			fprintf(
			    f,
			    "<rect class=\"state\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"16\" "
			    "rx=\"3\"/><text x=\"%d\" y=\"%d\">",
			    xof(e->from) - w / 2, y - 8, w, xof(e->from) - w / 2 + 4, y + 4);
			report_escape(f, e->label);
			fputs("</text>\n", f);
		} else {
			fprintf(f,
				"<line class=\"rule\" x1=\"80\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>"
				"<text class=\"step\" x=\"84\" y=\"%d\">",
				y, width - 10, y, y - 3);
			report_escape(f, e->label);
			fputs("</text>\n", f);
		}
	}
	fputs("</svg>\n</body></html>\n", f);
}
