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
#include "topo.h"

enum step_kind {
	STEP_SYSCTL,   /* host key value */
	STEP_TIMERS,   /* host, profile "fast" */
	STEP_CAPTURE,  /* link a b */
	STEP_START,    /* actor */
	STEP_EXPECT,   /* expectation */
	STEP_SIGNAL,   /* actor, signal number */
	STEP_CLOSE,    /* actor */
	STEP_SHUTDOWN, /* actor (write side) */
	STEP_ABORT,    /* actor: close with linger 0 */
	STEP_SEND,     /* actor, text */
	STEP_SLEEP,    /* duration */
	STEP_CUT,      /* hosts a b */
	STEP_RESTORE,  /* hosts a b */
	STEP_RULE,     /* a rule: key = name, value = nft match text */
	STEP_REMOVE,   /* key = rule name */
	STEP_NETEM,    /* host -> peer impairment */
	STEP_FIREWALL, /* host becomes a conntrack middlebox */
};

/* Where a rule sits: on the path from host to peer, or a host's own. */
enum rule_dir { RULE_PATH, RULE_ON_IN, RULE_ON_OUT };

struct netem_spec {
	unsigned loss_ppm; /* loss in parts per million */
	unsigned delay_ms, jitter_ms, duplicate_ppm, reorder_ppm, corrupt_ppm;
	unsigned long long rate_bps;
	long long seed; /* -1: none given */
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
	long read_chunk;	/* listen: read at most this many bytes ... */
	unsigned read_every_ms; /* ... every this often (0: as fast as data comes) */
	char *send;		/* connect: text to send once connected, or NULL */
	long send_bytes;	/* connect: send N bytes (0: none) */
	int recv, stream;
	int connections; /* connect: how many connections at once (0: one) */
	/* socket options; 0 / -1 for unset */
	int keepalive, ka_idle, ka_intvl, ka_cnt;
	int user_timeout_ms, rcvbuf, sndbuf, linger_s, nodelay;
	char bind_addr[128];
	int bind_port;
	char **argv; /* exec: NULL-terminated */
};

enum expect_kind { EXPECT_SOCKETS, EXPECT_COUNTER, EXPECT_PACKETS, EXPECT_EXITS, EXPECT_RUNNING };
enum expect_mode { EXPECT_ONCE, EXPECT_WITHIN, EXPECT_THROUGHOUT };
enum expect_agg { AGG_COUNT, AGG_ANY, AGG_NONE };
enum exit_want { EXIT_OK, EXIT_ERROR, EXIT_STATUS, EXIT_SIGNAL };

struct expectation {
	enum expect_kind kind;
	enum expect_mode mode;
	unsigned duration_ms;
	int host;  /* sockets, counter */
	int link;  /* packets: link index */
	int actor; /* exits, running: index into the case's actors */
	enum expect_agg agg;
	char *text; /* the filter (ss or pcap) or the counter name */
	struct filter *filter;
	enum filter_cmp op;
	long long value;
	enum exit_want exit_want;
	int exit_errno;	 /* EXIT_ERROR */
	int exit_status; /* EXIT_STATUS: the status; EXIT_SIGNAL: the signal */
};

struct step {
	enum step_kind kind;
	int line;
	char *source;	/* the statement as written */
	int host, peer; /* sysctl/timers: host; capture/cut/restore: a, b */
	int actor;	/* index into actors */
	char *key, *value;
	unsigned duration_ms;
	int signal;
	enum rule_dir dir; /* STEP_RULE */
	int reject;	   /* STEP_RULE: reject (RST for TCP); STEP_FIREWALL: expired rst */
	struct netem_spec netem;
	struct expectation expect;
};

struct case_model {
	char *file;
	char *intent; /* the first comment block, for `netcase list` */
	unsigned timeout_ms;
	struct topo topo;
	struct actor_spec *actors;
	int nactors;
	struct step *steps;
	int nsteps;
};

struct case_error {
	char msg[512]; /* "file:line:col: message" */
};

/* Parse text (named file for messages).  0, or -EINVAL with err filled in. */
int case_parse(const char *file, const char *text, struct case_model **out, struct case_error *err);

/* Read and parse a file; -errno with err filled in if it cannot be read. */
int case_load(const char *path, struct case_model **out, struct case_error *err);

void case_free(struct case_model *m);

#endif
