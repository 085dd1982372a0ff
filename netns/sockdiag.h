/*
 * sockdiag: the kernel's socket table of a namespace, read with a netlink
 * SOCK_DIAG_BY_FAMILY dump (struct inet_diag_req_v2), as ss does.
 *
 * sockdiag_dump() talks to the kernel; sockdiag_decode() is the pure part
 * that turns the raw netlink bytes into entries, so recorded dumps can be
 * decoded in tests.  The list owns its array: free it with
 * sockdiag_list_free().  Return 0 or a negative errno; nothing prints.
 */
#ifndef NETCASE_SOCKDIAG_H
#define NETCASE_SOCKDIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* idiag_timer values */
enum {
	SOCKDIAG_TIMER_OFF,
	SOCKDIAG_TIMER_ON,
	SOCKDIAG_TIMER_KEEPALIVE,
	SOCKDIAG_TIMER_TIMEWAIT,
	SOCKDIAG_TIMER_PERSIST
};

struct sockdiag_sock {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t protocol; /* IPPROTO_TCP or IPPROTO_UDP */
	uint8_t state;	  /* TCP_ESTABLISHED ... (kernel numbering, 1-12) */
	uint8_t timer;	  /* SOCKDIAG_TIMER_* */
	uint8_t retrans;  /* idiag_retrans: retransmits, or probes for keepalive/persist */
	uint32_t expires_ms;
	uint32_t rq, wq;
	uint32_t uid, inode;
	uint8_t src[16], dst[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t sport, dport;	  /* host order */
	int has_mem;		  /* mem below is valid */
	/* SK_MEMINFO_* as `ss -m` prints them (skmem:(r,rb,t,tb,f,w,o,bl,d)):
	 * allocated and limit of the receive and send buffers, forward
	 * allocation, queued, option memory, backlog, and the socket's drops */
	uint32_t mem[9];
	int has_info; /* info below is valid */
	struct sockdiag_tcp_info {
		/* from struct tcp_info; fields the kernel did not send are 0 */
		uint8_t retransmits, probes, backoff;
		uint32_t rto, ato, snd_mss, rcv_mss, unacked, lost, retrans;
		uint32_t rtt, rttvar, snd_cwnd, total_retrans, rcv_space, snd_wnd;
		uint64_t bytes_acked, bytes_received;
		uint32_t sacked, pmtu, rcv_ssthresh, snd_ssthresh, advmss, reordering, rcv_rtt;
		uint32_t last_data_sent, last_data_recv, last_ack_recv; /* ms */
		uint32_t segs_out, segs_in, notsent_bytes, min_rtt, data_segs_in, data_segs_out;
		uint32_t delivered, dsack_dups, reord_seen, rcv_ooopack;
		uint64_t pacing_rate, delivery_rate;		  /* bytes per second */
		uint64_t busy_time, rwnd_limited, sndbuf_limited; /* us */
		uint64_t bytes_sent, bytes_retrans;
	} info;
};

struct sockdiag_list {
	struct sockdiag_sock *v;
	size_t n, cap;
};

void sockdiag_list_free(struct sockdiag_list *l);

/* Which tables to dump, and what to ask for. */
#define SOCKDIAG_TCP  1
#define SOCKDIAG_UDP  2
#define SOCKDIAG_INFO 4 /* tcp_info with every full socket (costs ~3x the bytes) */
#define SOCKDIAG_MEM  8 /* socket memory and drops (INET_DIAG_SKMEMINFO) */

/*
 * Append every socket of ns (TCP and/or UDP, IPv4 and IPv6, all states,
 * timewait included) to out.  If raw is not NULL the netlink bytes received
 * are also written there, for recording test data.
 */
int sockdiag_dump(int ns, unsigned what, struct sockdiag_list *out, FILE *raw);

/* What the kernel is asked for: states (bit 1 << state) and optional
 * INET_DIAG_REQ_BYTECODE (see filter_bytecode()). */
struct sockdiag_req {
	unsigned what;	 /* SOCKDIAG_TCP | SOCKDIAG_UDP | SOCKDIAG_INFO | SOCKDIAG_MEM */
	unsigned states; /* ~0u for all */
	const void *bytecode;
	size_t bytecode_len;
};

/* Like sockdiag_dump(), asking the kernel only for what req selects. */
int sockdiag_dump_req(int ns, const struct sockdiag_req *req, struct sockdiag_list *out, FILE *raw);

/* Like sockdiag_dump() with an already open NETLINK_SOCK_DIAG libnl socket. */
struct nl_sock;

/*
 * A socket diag socket opened inside namespace ns, for repeated dumps with
 * sockdiag_dump_sock() from any thread (a netlink socket stays in the
 * namespace it was made in): no thread and no setns per dump.  NULL with
 * *err set on failure.  sockdiag_close() accepts NULL and returns NULL.
 */
struct nl_sock *sockdiag_open(int ns, int *err);
struct nl_sock *sockdiag_close(struct nl_sock *sk);

int sockdiag_dump_sock(struct nl_sock *sk, const struct sockdiag_req *req,
		       struct sockdiag_list *out, FILE *raw);

/*
 * Decode netlink messages (one or more, back to back) into out.
 * Returns 1 once NLMSG_DONE is seen, 0 if more may follow, -errno for an
 * NLMSG_ERROR or malformed input.
 */
int sockdiag_decode(const void *buf, size_t len, struct sockdiag_list *out);

/* "ESTAB", "SYN-SENT", ... as ss prints them; "UNKNOWN" otherwise. */
const char *sockdiag_state_name(unsigned state);

#endif
