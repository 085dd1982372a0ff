/*
 * case: the case language (netcase.case(5)) parsed into a case model.
 *
 * Pure: case_parse() reads text and returns a model or an error naming
 * file:line:column and what was expected there; it creates nothing in the
 * kernel.  Declarations (host, link) fill the topology; every other
 * statement becomes a step of the timeline, in file order.  The model owns
 * everything it points to: case_free() releases it.
 */
#ifndef NETCASE_CASE_H
#define NETCASE_CASE_H

#include <stddef.h>

#include "filter.h"
#include "kevent_kind.h"
#include "topo.h"

enum step_kind {
	STEP_SYSCTL,   /* host key value */
	STEP_CAPTURE,  /* link a b */
	STEP_START,    /* actor */
	STEP_EXPECT,   /* expectation */
	STEP_SIGNAL,   /* actor, signal number */
	STEP_CLOSE,    /* actor */
	STEP_SHUTDOWN, /* actor (write side) */
	STEP_ABORT,    /* actor: close with linger 0 */
	STEP_SEND,     /* actor, text */
	STEP_ACCEPT,   /* actor (a listener), value: how many */
	STEP_SLEEP,    /* duration */
	STEP_CUT,      /* hosts a b */
	STEP_RESTORE,  /* hosts a b */
	STEP_RULE,     /* a rule: host (-> peer), rule */
	STEP_REMOVE,   /* rule.name */
	STEP_NETEM,    /* host -> peer impairment */
	STEP_FIREWALL, /* host becomes a conntrack middlebox */
	STEP_NAT,      /* host masquerades flows towards peer */
	STEP_MSSCLAMP, /* host clamps the MSS of forwarded SYNs */
	STEP_ROUTE,    /* host reaches peer via another host */
	STEP_FLUSH,    /* host's conntrack table emptied */
	STEP_MARK,     /* key: a mark's name; mark: its index (counts since it) */
	STEP_INJECT,   /* host -> peer: a forged segment, into actor's connection or to a port */
};

/* Where a rule sits: on the path from host to peer, or a host's own. */
enum rule_dir { RULE_PATH, RULE_ON_IN, RULE_ON_OUT };

/* TCP flag bits as in the header (and nftables): fin 0x01 ... cwr 0x80. */
enum {
	TCPF_FIN = 0x01,
	TCPF_SYN = 0x02,
	TCPF_RST = 0x04,
	TCPF_PSH = 0x08,
	TCPF_ACK = 0x10,
	TCPF_URG = 0x20,
	TCPF_ECN = 0x40,
	TCPF_CWR = 0x80,
};

enum rule_flags_mode {
	FLAGS_NONE,  /* no flags match */
	FLAGS_ANY,   /* any of flags set */
	FLAGS_EXACT, /* exactly flags among fin, syn, rst, psh, ack, urg */
	FLAGS_MASK,  /* flags & mask == flags, as iptables --tcp-flags MASK FLAGS */
};

enum rule_proto {
	RULE_PROTO_ANY,
	RULE_PROTO_TCP,
	RULE_PROTO_UDP,
	RULE_PROTO_ICMP,   /* proto icmp: ICMP and ICMPv6 */
	RULE_PROTO_ICMPV4, /* icmp type T: ICMP (IPv4) only */
	RULE_PROTO_ICMPV6, /* icmpv6 type T */
};
enum rule_after { AFTER_NONE, AFTER_PACKETS, AFTER_BYTES };

/*
 * A rule as the case wrote it, in fields; netcond turns it into nftables
 * syntax where it is placed.  Port ranges are 0-0 when not matched.
 */
struct rule_spec {
	char name[32];
	enum rule_dir dir;
	int reject; /* reject (an RST for TCP) instead of drop */
	enum rule_proto proto;
	enum rule_flags_mode flags_mode;
	unsigned flags, mask;
	int sport_lo, sport_hi, dport_lo, dport_hi;
	enum rule_after after_unit;
	long long after;
	int icmp_type, icmp_code; /* with RULE_PROTO_ICMPV4/V6; -1 when not matched */
};

struct netem_spec {
	unsigned loss_ppm; /* loss in parts per million */
	unsigned delay_ms, jitter_ms, duplicate_ppm, reorder_ppm, corrupt_ppm;
	unsigned long long rate_bps;
	long long seed;	      /* -1: none given */
	unsigned limit;	      /* the queue, in packets; 0: 10000 */
	unsigned reorder_gap; /* reorder only every Nth packet; 0: any (netem's gap 1) */
	int jitter_normal; /* jitter drawn from a normal distribution (sd = jitter), not uniform */
};

/*
 * inject: a segment netcase forges into a live connection.  seq and ack are
 * absolute, or relative to the receiving end's live state as the capture
 * of the link saw it: its rcv_nxt (the ack of its latest segment), snd_nxt
 * (the end of the furthest segment it sent), snd_una (the latest ack it
 * received).
 */
enum inject_ref { INJ_UNSET, INJ_ABS, INJ_RCV_NXT, INJ_SND_NXT, INJ_SND_UNA };
struct inject_val {
	enum inject_ref ref;
	long long off; /* the number (INJ_ABS) or the offset from ref */
};
enum inject_ts {
	INJ_TS_AUTO,	/* when the connection negotiated timestamps: current */
	INJ_TS_CURRENT, /* the sender's latest TSval, echoing the receiver's latest */
	INJ_TS_OLD,	/* TSval a second older than current (PAWS) */
	INJ_TS_NONE,	/* no timestamps option */
};
struct inject_spec {
	unsigned flags; /* TCPF_* */
	struct inject_val seq, ack;
	long window;  /* the window field as sent; -1: the forged sender's latest */
	long payload; /* bytes of payload ('x'), when no text (step value) */
	enum inject_ts ts;
	/* icmp frag-needed mtu N (ICMPv6 packet too big on IPv6): not a TCP
	 * segment but the error a router sends, quoting a segment the
	 * receiving end sent with sequence number seq (default snd_una) */
	unsigned icmp_mtu;
	/* `port N`: towards a port of PEER's (a listener, or none), not into a
	 * connection: the numbers as written, from HOST's address, port sport */
	int dport, sport, ipv6;
};

enum actor_kind { ACTOR_LISTEN, ACTOR_CONNECT, ACTOR_EXEC };

struct actor_spec {
	char name[32];
	int host;
	enum actor_kind kind;
	/* listen: bind address (empty: any) and port; connect: target */
	int target_host; /* connect to a host by name, -1 for a literal address */
	char addr[128];	 /* literal address, or resolved at run time */
	int port;
	int ipv6;    /* connect: use the target's IPv6 address */
	int backlog; /* listen; default 128 */
	int accept, read, eof_close;
	int keep_going;		/* listen: a connection's error is an event, not the end */
	long read_chunk;	/* listen: read at most this many bytes ... */
	unsigned read_every_ms; /* ... every this often (0: as fast as data comes) */
	char *send;		/* connect: text to send once connected, or NULL */
	long send_bytes;	/* connect: send N bytes (0: none) */
	int recv, stream;
	int connections; /* connect: how many connections at once (0: one) */
	/* connect: request/response - each part one write(), then reply bytes
	 * read back, repeat times (0: once); listen: reply bytes written back
	 * per reply_per bytes read (0: none) */
	char **request; /* NULL-terminated, or NULL */
	long reply, reply_per, repeat;
	/* socket options; 0 / -1 for unset */
	int keepalive, ka_idle, ka_intvl, ka_cnt;
	int user_timeout_ms, rcvbuf, sndbuf, nodelay;
	int linger_s;  /* SO_LINGER seconds; -1 unset, 0 an abortive close */
	int linger2_s; /* TCP_LINGER2 seconds (negative: reset on close); 0 unset */
	int has_linger2;
	int syncnt, defer_accept_s, maxseg, reuseport, notsent_lowat;
	int noreuseaddr;  /* bind without SO_REUSEADDR (netcase sets it otherwise) */
	int bind_no_port; /* IP_BIND_ADDRESS_NO_PORT: bind's port is chosen at connect */
	int quickack;	  /* TCP_QUICKACK, set again after every read (the kernel drops it) */
	int cork;	  /* TCP_CORK */
	int fastopen;	  /* listen: TCP_FASTOPEN's queue length; connect: TCP_FASTOPEN_CONNECT */
	char congestion[16];
	char bind_addr[128];
	int bind_port;
	/* UDP (`listen udp`, `connect udp`): listen answers each datagram with
	 * itself (echo), reply bytes, or nothing; connect sends send/send_bytes
	 * repeat times (0: once) every_ms apart, waits within_ms for each reply
	 * when recv is set, from a connected socket unless unconnected */
	int udp, echo, unconnected;
	unsigned every_ms, within_ms;
	unsigned delay_ms; /* listen udp: answer this long after each datagram */
	char **argv;	   /* exec: NULL-terminated; ${casedir} and ${evidence} expand at start */
	char **env;	   /* exec: KEY=VALUE strings added to the environment, NULL-terminated */
	char *dir;	   /* exec: the working folder, or NULL */
};

enum expect_kind {
	EXPECT_SOCKETS,
	EXPECT_COUNTER,
	EXPECT_PACKETS,
	EXPECT_EXITS,
	EXPECT_RUNNING,
	EXPECT_PRINTS,
	EXPECT_RULE,
	EXPECT_HISTORY,	  /* history(FILTER) == | includes STATE ... */
	EXPECT_EVENTS,	  /* events(KIND [and FILTER]) OP N */
	EXPECT_CONNECTED, /* NAME connected [within T | between T1 and T2] */
	EXPECT_KINDS,	  /* how many: the sentinel every table of kinds is sized by */
};

enum expect_mode { EXPECT_ONCE, EXPECT_WITHIN, EXPECT_THROUGHOUT };
enum expect_agg { AGG_COUNT, AGG_ANY, AGG_NONE, AGG_TIMES, AGG_GAPS, AGG_FLOWS };

/* times(...) / gaps(...) == ... (timing.h) */
#define TIMING_MAX 32

struct timing {
	int gaps;			 /* gaps(...): 1; times(...): 0 */
	int n;				 /* entries */
	double v[TIMING_MAX];		 /* seconds, or the factor of a ratio */
	unsigned char ratio[TIMING_MAX]; /* v[i] is "xN": N times the gap before */
	unsigned char any[TIMING_MAX];	 /* "*": any gap (the kernel's to decide) */
};

enum exit_want { EXIT_OK, EXIT_ERROR, EXIT_STATUS, EXIT_SIGNAL };

struct expectation {
	enum expect_kind kind;
	enum expect_mode mode;
	unsigned duration_ms;
	unsigned min_ms; /* exits, connected between T1 and T2: T1 (duration_ms is T2) */
	int regex;	 /* prints: text is a POSIX extended regular expression */
	int host;	 /* sockets, counter */
	int link;	 /* packets: link index */
	int actor;	 /* exits, running: index into the case's actors */
	int step;	 /* the index of its own step */
	enum expect_agg agg;
	char *text; /* the filter (ss or pcap) or the counter name */
	struct filter *filter;
	enum filter_cmp op;
	long long value;
	enum exit_want exit_want;
	int exit_errno;	 /* EXIT_ERROR */
	int exit_status; /* EXIT_STATUS: the status; EXIT_SIGNAL: the signal */
	/* history: the states wanted, in order (includes: others may come between) */
	unsigned char states[32];
	int nstates, includes;
	/* events: the kind, and its state (EVENTS_STATE) or drop reason ("" any) */
	enum kev_kind ev_kind;
	int ev_state;
	char ev_reason[64];
	struct timing timing; /* agg AGG_TIMES, AGG_GAPS */
	/* counted since a mark (index + 1; 0: since the case began): counter,
	 * and the count()s of events and packets */
	int since;
	/* counter: compared with factor times another counter (rhs.name set),
	 * not with value */
	struct counter_ref {
		int host;
		char *name;
		int since;
	} rhs;
	double factor;
};

struct step {
	enum step_kind kind;
	int line;
	char *source;	/* the statement as written */
	int host, peer; /* sysctl/timers: host; capture/cut/restore: a, b */
	int actor;	/* index into actors */
	char *key, *value;
	int optional; /* STEP_SYSCTL: a key this kernel may lack is noted, not fatal */
	unsigned duration_ms;
	int signal;
	struct rule_spec rule; /* STEP_RULE; STEP_REMOVE: its name */
	int reject;	       /* STEP_FIREWALL: expired flows get an RST */
	int pickup;	       /* STEP_FIREWALL: adopt flows from any packet */
	int flows;	       /* STEP_FIREWALL: at most this many flows (0: no limit) */
	int via;	       /* STEP_ROUTE: the neighbour peer is reached through */
	int port_lo, port_hi;  /* STEP_NAT: the source ports (0-0: any) */
	int mss;	       /* STEP_MSSCLAMP: the MSS, 0 for the route's MTU */
	int mark;	       /* STEP_MARK: its index among the case's marks */
	struct netem_spec netem;
	struct inject_spec inject; /* STEP_INJECT; its payload text in value */
	struct expectation expect;
};

struct case_model {
	char *file;
	char *intent; /* the first comment block, for `netcase list` */
	unsigned timeout_ms;
	/* the tolerance of timing assertions: seconds, fraction of the gap */
	double tol_abs, tol_frac;
	/* `kernel OP X.Y`: the kernels the case holds for (nkernel of them, ANDed) */
	struct kernel_req {
		enum filter_cmp op;
		int version; /* major * 1000 + minor */
	} kernel[4];
	int nkernel;
	struct topo topo;
	struct actor_spec *actors;
	int nactors;
	struct step *steps;
	int nsteps;
	int nmarks; /* STEP_MARK steps */
};

struct case_error {
	char msg[512]; /* "file:line:col: message" */
};

/* Parse text (named file for messages).  0, or -EINVAL with err filled in. */
int case_parse(const char *file, const char *text, struct case_model **out, struct case_error *err);

/* The largest case file read. */
#define CASE_MAX_BYTES (1 << 20)

/* Read and parse a regular file of at most CASE_MAX_BYTES, without NUL
 * bytes; -errno with err filled in if it cannot be read or is refused. */
int case_load(const char *path, struct case_model **out, struct case_error *err);

/* Accepts NULL; returns NULL. */
struct case_model *case_free(struct case_model *m);

/* The case's id for reports and evidence: its path without ".case", with
 * the part up to "cases/" removed ("accept/overflow"); an absolute path is
 * taken relative to the current folder when below it, from a cases/
 * folder on it ("/src/cases/close/x.case" is "close/x"), else by its file
 * name ("/abs/path/x.case" is "x"). */
void case_id(const char *path, char *buf, size_t len);

#endif
