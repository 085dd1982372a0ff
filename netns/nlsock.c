#include "nlsock.h"

#include <errno.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

int nlsock_nft_errno(const char *msg)
{
	static const int errs[] = {EPERM,   EACCES,   ENOENT,	  EEXIST,	ENOMEM,
				   EBUSY,   ENOSPC,   EOPNOTSUPP, EAFNOSUPPORT, EPROTONOSUPPORT,
				   ENOBUFS, EMSGSIZE, ENODEV,	  EOVERFLOW,	ERANGE};

	for (unsigned i = 0; msg && i < sizeof(errs) / sizeof(errs[0]); i++)
		if (strstr(msg, strerror(errs[i])))
			return -errs[i];
	return -EINVAL;
}

int nlsock_errno(int nlerr)
{
	static const int map[][2] = {
	    {NLE_INTR, EINTR},
	    {NLE_BAD_SOCK, EBADF},
	    {NLE_AGAIN, EAGAIN},
	    {NLE_NOMEM, ENOMEM},
	    {NLE_EXIST, EEXIST},
	    {NLE_INVAL, EINVAL},
	    {NLE_RANGE, ERANGE},
	    {NLE_MSGSIZE, EMSGSIZE},
	    {NLE_OPNOTSUPP, EOPNOTSUPP},
	    {NLE_AF_NOSUPPORT, EAFNOSUPPORT},
	    {NLE_OBJ_NOTFOUND, ENOENT},
	    {NLE_NOATTR, ENODATA},
	    {NLE_MISSING_ATTR, EINVAL},
	    {NLE_AF_MISMATCH, EAFNOSUPPORT},
	    {NLE_SEQ_MISMATCH, EPROTO},
	    {NLE_MSG_OVERFLOW, EOVERFLOW},
	    {NLE_MSG_TRUNC, EMSGSIZE},
	    {NLE_NOADDR, EADDRNOTAVAIL},
	    {NLE_SRCRT_NOSUPPORT, EOPNOTSUPP},
	    {NLE_MSG_TOOSHORT, EPROTO},
	    {NLE_MSGTYPE_NOSUPPORT, EOPNOTSUPP},
	    {NLE_OBJ_MISMATCH, EINVAL},
	    {NLE_NOCACHE, ENOENT},
	    {NLE_BUSY, EBUSY},
	    {NLE_PROTO_MISMATCH, EPROTONOSUPPORT},
	    {NLE_NOACCESS, EACCES},
	    {NLE_PERM, EPERM},
	    {NLE_PKTLOC_FILE, ENOENT},
	    {NLE_PARSE_ERR, EINVAL},
	    {NLE_NODEV, ENODEV},
	    {NLE_IMMUTABLE, EPERM},
	    {NLE_DUMP_INTR, EINTR},
	    {NLE_ATTRSIZE, ERANGE},
	};
	int e = nlerr < 0 ? -nlerr : nlerr;

	if (nlerr >= 0)
		return 0;
	for (unsigned i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i][0] == e)
			return -map[i][1];
	return -EIO;
}

struct nl_sock *nlsock_open(int protocol, int *err)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (!sk) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = nlsock_errno(nl_connect(sk, protocol));
	if (*err) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static pthread_key_t route_key;
static pthread_once_t route_once = PTHREAD_ONCE_INIT;

static void route_free(void *sk)
{
	nl_socket_free(sk);
}

static void route_key_make(void)
{
	pthread_key_create(&route_key, route_free);
}

struct nl_sock *nlsock_route(int *err)
{
	struct nl_sock *sk;

	pthread_once(&route_once, route_key_make);
	sk = pthread_getspecific(route_key);
	if (sk)
		return sk;
	sk = nlsock_open(NETLINK_ROUTE, err);
	if (sk && pthread_setspecific(route_key, sk)) {
		nl_socket_free(sk);
		*err = -ENOMEM;
		return NULL;
	}
	return sk;
}
