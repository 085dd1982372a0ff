#define _GNU_SOURCE
#include "kevents.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifdef HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "kevents.skel.h"

struct reason {
	unsigned value;
	char *name;
};

struct kevents {
	struct kevents_bpf *skel;
	struct ring_buffer *rb;
	uint32_t *inum; /* per host */
	int n;
	struct reason *reasons;
	int nreasons;
	int exact_tw;
	/* during a poll */
	kevents_cb cb;
	void *ctx;
	int got;
};

/* libbpf's own messages: the last warning is kept for the reason. */
static char last_warning[256];
static FILE *debug;

void kevents_debug(FILE *to)
{
	debug = to;
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (debug) {
		va_list copy;

		va_copy(copy, ap);
		vfprintf(debug, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_DEBUG) {
		char *nl;

		vsnprintf(last_warning, sizeof(last_warning), fmt, ap);
		nl = strchr(last_warning, '\n');
		if (nl)
			*nl = '\0';
		/* libbpf begins its own lines with "libbpf: "; fail() names it */
		if (!strncmp(last_warning, "libbpf: ", 8))
			memmove(last_warning, last_warning + 8, strlen(last_warning + 8) + 1);
	}
	return 0;
}

/* The parameter count of a tracepoint's BTF prototype (btf_trace_NAME,
 * which counts the leading context pointer), or -1. */
static int tp_params(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id < 0)
		return -1;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	return t && btf_is_func_proto(t) ? btf_vlen(t) : -1;
}

const char *kevents_reason_at(const struct kevents *k, int i)
{
	return i >= 0 && i < k->nreasons ? k->reasons[i].name : NULL;
}

/* Drop reason names (SKB_DROP_REASON_NO_SOCKET -> NO_SOCKET) of this kernel. */
static int read_reasons(struct kevents *k, const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	const struct btf_type *t;
	const struct btf_enum *v;
	static const char prefix[] = "SKB_DROP_REASON_";

	if (id < 0)
		return 0; /* a kernel without drop reasons: every name is unknown */
	t = btf__type_by_id(btf, id);
	v = btf_enum(t);
	k->reasons = calloc(btf_vlen(t) + 1, sizeof(*k->reasons));
	if (!k->reasons)
		return -ENOMEM;
	for (int i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, v[i].name_off);
		if (!name || strncmp(name, prefix, sizeof(prefix) - 1))
			continue;
		k->reasons[k->nreasons].value = (unsigned)v[i].val;
		k->reasons[k->nreasons].name = strdup(name + sizeof(prefix) - 1);
		if (!k->reasons[k->nreasons++].name)
			return -ENOMEM;
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct kevents *k = ctx;
	const struct kev_wire *e = data;

	if (size < sizeof(*e))
		return 0;
	for (int h = 0; h < k->n; h++)
		if (k->inum[h] == e->netns) {
			k->cb(k->ctx, e, h);
			k->got++;
			break;
		}
	return 0;
}

static struct kevents *fail(struct kevents *k, char *why, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	n = (size_t)vsnprintf(why, len, fmt, ap);
	va_end(ap);
	if (last_warning[0] && n < len)
		snprintf(why + n, len - n, " (libbpf: %s)", last_warning);
	return kevents_close(k);
}

/* Choose the programs this kernel's tracepoints fit; open and load. */
static int load_once(struct kevents *k, const struct btf *btf, int fentry)
{
	struct kevents_bpf *s = kevents_bpf__open();
	int kfree = tp_params(btf, "kfree_skb"), retr = tp_params(btf, "tcp_retransmit_skb");

	if (!s)
		return -errno;
	k->skel = s;
	bpf_program__set_autoload(s->progs.kfree_skb4, kfree >= 5);
	bpf_program__set_autoload(s->progs.kfree_skb3, kfree == 4);
	bpf_program__set_autoload(s->progs.retransmit3, retr >= 4);
	bpf_program__set_autoload(s->progs.retransmit2, retr == 3);
	bpf_program__set_autoload(s->progs.time_wait, fentry);
	return kevents_bpf__load(s);
}

/* The fentry probe needs the kernel's function tracer (trampolines); a
 * kernel without one refuses it, and the tracepoints go alone. */
static int load(struct kevents *k, const struct btf *btf)
{
	int fentry = btf__find_by_name_kind(btf, "tcp_time_wait", BTF_KIND_FUNC) >= 0;
	int err = load_once(k, btf, fentry);

	if (err && fentry) {
		kevents_bpf__destroy(k->skel);
		k->skel = NULL;
		last_warning[0] = '\0';
		err = load_once(k, btf, 0);
	}
	return err;
}

static int attach(struct kevents *k)
{
	struct kevents_bpf *s = k->skel;
	const struct {
		struct bpf_program *p;
		struct bpf_link **l;
	} t[] = {
	    {s->progs.set_state, &s->links.set_state},
	    {s->progs.retransmit2, &s->links.retransmit2},
	    {s->progs.retransmit3, &s->links.retransmit3},
	    {s->progs.retransmit_synack, &s->links.retransmit_synack},
	    {s->progs.send_reset, &s->links.send_reset},
	    {s->progs.receive_reset, &s->links.receive_reset},
	    {s->progs.kfree_skb3, &s->links.kfree_skb3},
	    {s->progs.kfree_skb4, &s->links.kfree_skb4},
	    {s->progs.time_wait, &s->links.time_wait},
	};

	for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if (!bpf_program__autoload(t[i].p))
			continue;
		*t[i].l = bpf_program__attach(t[i].p);
		if (*t[i].l)
			continue;
		if (t[i].p != s->progs.time_wait)
			return -errno;
		/* without fentry the mini-socket births are observed by polling */
	}
	k->exact_tw = s->links.time_wait != NULL;
	return 0;
}

struct kevents *kevents_open(const int *ns, int n, char *why, size_t len)
{
	struct kevents *k = calloc(1, sizeof(*k));
	struct btf *btf;
	int err, one;

	last_warning[0] = '\0';
	libbpf_set_print(libbpf_log);
	if (!k || !(k->inum = calloc(n ? n : 1, sizeof(*k->inum))))
		return fail(k, why, len, "kernel events: out of memory");
	k->n = n;
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return fail(k, why, len,
			    "kernel events need the kernel's BTF (/sys/kernel/btf/vmlinux, "
			    "CONFIG_DEBUG_INFO_BTF): %s",
			    strerror(errno));
	err = read_reasons(k, btf);
	if (!err)
		err = load(k, btf);
	btf__free(btf);
	if (err == -EPERM)
		return fail(k, why, len,
			    "kernel events need BPF, which this user may not load (%s; root, or "
			    "CAP_BPF and CAP_PERFMON outside a user namespace)",
			    strerror(-err));
	if (err == -EACCES)
		return fail(k, why, len,
			    "kernel events: this kernel's verifier refused a BPF program "
			    "(NETCASE_BPF_DEBUG=1 shows its log)");
	if (err)
		return fail(k, why, len, "kernel events: loading the BPF programs: %s",
			    strerror(-err));
	for (int h = 0; h < n; h++) {
		struct stat st;
		if (fstat(ns[h], &st))
			return fail(k, why, len, "kernel events: namespace of host %d: %s", h,
				    strerror(errno));
		k->inum[h] = (uint32_t)st.st_ino;
		one = h;
		if (bpf_map__update_elem(k->skel->maps.netns_hosts, &k->inum[h], sizeof(k->inum[h]),
					 &one, sizeof(one), BPF_ANY))
			return fail(k, why, len, "kernel events: the namespace map: %s",
				    strerror(errno));
	}
	err = attach(k);
	if (err)
		return fail(k, why, len, "kernel events: attaching to the tracepoints: %s",
			    strerror(-err));
	k->rb = ring_buffer__new(bpf_map__fd(k->skel->maps.events), on_event, k, NULL);
	if (!k->rb)
		return fail(k, why, len, "kernel events: the ring buffer: %s", strerror(errno));
	return k;
}

int kevents_poll(struct kevents *k, kevents_cb cb, void *ctx)
{
	int err;

	k->cb = cb;
	k->ctx = ctx;
	k->got = 0;
	err = ring_buffer__consume(k->rb);
	return err < 0 ? err : k->got;
}

int kevents_fd(const struct kevents *k)
{
	return ring_buffer__epoll_fd(k->rb);
}

uint64_t kevents_lost(const struct kevents *k)
{
	return k->skel->bss->lost;
}

uint64_t kevents_missed(const struct kevents *k)
{
	struct bpf_program *p;
	uint64_t n = 0;

	bpf_object__for_each_program(p, k->skel->obj)
	{
		struct bpf_prog_info info;
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(p);

		memset(&info, 0, sizeof(info));
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len))
			n += info.recursion_misses;
	}
	return n;
}

int kevents_exact_timewait(const struct kevents *k)
{
	return k->exact_tw;
}

const char *kevents_reason_name(const struct kevents *k, unsigned v)
{
	for (int i = 0; i < k->nreasons; i++)
		if (k->reasons[i].value == v)
			return k->reasons[i].name;
	return NULL;
}

int kevents_reason_value(const struct kevents *k, const char *name)
{
	for (int i = 0; i < k->nreasons; i++)
		if (!strcmp(k->reasons[i].name, name))
			return (int)k->reasons[i].value;
	return -ENOENT;
}

struct kevents *kevents_close(struct kevents *k)
{
	if (!k)
		return NULL;
	ring_buffer__free(k->rb);
	kevents_bpf__destroy(k->skel);
	for (int i = 0; i < k->nreasons; i++)
		free(k->reasons[i].name);
	free(k->reasons);
	free(k->inum);
	free(k);
	return NULL;
}

#else /* built without BPF */

void kevents_debug(FILE *to)
{
}

struct kevents *kevents_open(const int *ns, int n, char *why, size_t len)
{
	snprintf(why, len,
		 "netcase was built without kernel events (configure found no clang, bpftool "
		 "or libbpf-dev: ci/deps.sh installs them)");
	return NULL;
}

int kevents_poll(struct kevents *k, kevents_cb cb, void *ctx)
{
	return -ENOSYS;
}

uint64_t kevents_lost(const struct kevents *k)
{
	return 0;
}

uint64_t kevents_missed(const struct kevents *k)
{
	return 0;
}

int kevents_exact_timewait(const struct kevents *k)
{
	return 0;
}

const char *kevents_reason_name(const struct kevents *k, unsigned v)
{
	return NULL;
}

int kevents_reason_value(const struct kevents *k, const char *name)
{
	return -ENOENT;
}

struct kevents *kevents_close(struct kevents *k)
{
	return NULL;
}
#endif
