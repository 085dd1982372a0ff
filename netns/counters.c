#define _GNU_SOURCE
#include "counters.h"
#include "ns.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void counters_free(struct counters *c)
{
	if (!c)
		return;
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static int push(struct counters *c, const char *prefix, size_t plen, const char *name, size_t nlen,
		int64_t value)
{
	struct counter *k;

	if (plen + nlen >= sizeof(k->name))
		return -ENAMETOOLONG;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 256;
		void *v = realloc(c->v, cap * sizeof(*c->v));

		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	k = &c->v[c->n++];
	memcpy(k->name, prefix, plen);
	memcpy(k->name + plen, name, nlen);
	k->name[plen + nlen] = '\0';
	k->value = value;
	return 0;
}

/* Split off the next line of *text into [*l, *l + *len). */
static int next_line(const char **text, const char **l, size_t *len)
{
	const char *e;

	if (!**text)
		return 0;
	e = strchrnul(*text, '\n');
	*l = *text;
	*len = e - *text;
	*text = *e ? e + 1 : e;
	return 1;
}

static size_t word(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
	const char *s = *p;
	while (*p < end && **p != ' ' && **p != '\t')
		(*p)++;
	return *p - s;
}

static int parse_pair(const char *h, size_t hl, const char *v, size_t vl, struct counters *c)
{
	const char *hc = memchr(h, ':', hl), *vc = memchr(v, ':', vl);
	const char *he = h + hl, *ve = v + vl, *hp, *vp;
	size_t plen;
	int err;

	if (!hc || !vc || hc - h != vc - v || memcmp(h, v, hc - h))
		return -EPROTO;
	plen = hc - h;
	hp = hc + 1;
	vp = vc + 1;
	for (;;) {
		size_t nl = word(&hp, he), vl2 = word(&vp, ve);
		const char *ns = hp - nl, *vs = vp - vl2;
		char num[32], *endp;
		long long val;

		if (!nl && !vl2)
			return 0;
		if (!nl || !vl2 || vl2 >= sizeof(num))
			return -EPROTO;
		memcpy(num, vs, vl2);
		num[vl2] = '\0';
		val = strtoll(num, &endp, 10);
		if (*endp)
			return -EPROTO;
		err = push(c, h, plen, ns, nl, val);
		if (err)
			return err;
	}
}

int counters_parse(const char *text, struct counters *c)
{
	const char *h, *v;
	size_t hl, vl;
	int err;

	while (next_line(&text, &h, &hl)) {
		if (!hl)
			continue;
		if (memchr(h, ':', hl)) {
			if (!next_line(&text, &v, &vl))
				return -EPROTO;
			err = parse_pair(h, hl, v, vl, c);
		} else {
			/* snmp6 style: "Name value" */
			const char *p = h, *e = h + hl;
			size_t nl = word(&p, e), n2 = word(&p, e);
			char num[32], *endp;

			if (!nl || !n2 || n2 >= sizeof(num))
				return -EPROTO;
			memcpy(num, p - n2, n2);
			num[n2] = '\0';
			long long val = strtoll(num, &endp, 10);
			if (*endp)
				return -EPROTO;
			err = push(c, "", 0, h, nl, val);
		}
		if (err)
			return err;
	}
	return 0;
}

static int read_file(const char *path, char **out)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap);
	int fd;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return -errno;
	}
	for (;;) {
		ssize_t r;

		if (cap - n < 4096) {
			char *b = realloc(buf, cap * 2);
			if (!b) {
				close(fd);
				free(buf);
				return -ENOMEM;
			}
			buf = b;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n - 1);
		if (r < 0) {
			int err = -errno;
			close(fd);
			free(buf);
			return err;
		}
		if (!r)
			break;
		n += r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	return 0;
}

static int do_read(void *p)
{
	static const char *files[] = {"/proc/thread-self/net/snmp", "/proc/thread-self/net/netstat",
				      "/proc/thread-self/net/snmp6"};
	struct counters *c = p;
	int err = 0;

	for (unsigned i = 0; i < 3 && !err; i++) {
		char *text = NULL;

		err = read_file(files[i], &text);
		if (err == -ENOENT && i == 2)
			return 0; /* no IPv6 */
		if (!err)
			err = counters_parse(text, c);
		free(text);
	}
	return err;
}

int counters_read(int ns, struct counters *c)
{
	return ns_call(ns, do_read, c);
}

int counters_get(const struct counters *c, const char *name, int64_t *value)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcmp(c->v[i].name, name)) {
			*value = c->v[i].value;
			return 0;
		}
	return -ENOENT;
}
