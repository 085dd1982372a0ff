#define _GNU_SOURCE
#include "nft.h"
#include "nlsock.h"
#include "ns.h"

#include <errno.h>
#include <nftables/libnftables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nft_op {
	const char *cmds;
	char **out;
	char *why;
	size_t len;
};

static int do_run(void *p)
{
	struct nft_op *op = p;
	struct nft_ctx *ctx = nft_ctx_new(NFT_CTX_DEFAULT);
	const char *msg;
	int err = 0;

	if (!ctx)
		return -ENOMEM;
	nft_ctx_buffer_error(ctx);
	if (op->out)
		nft_ctx_buffer_output(ctx);
	if (nft_run_cmd_from_buffer(ctx, op->cmds)) {
		msg = nft_ctx_get_error_buffer(ctx);
		snprintf(op->why, op->len, "%s", msg && *msg ? msg : "nftables command failed");
		err = nlsock_nft_errno(msg);
		/* first line only: libnftables repeats the command with carets */
		op->why[strcspn(op->why, "\n")] = '\0';
	} else if (op->out) {
		*op->out = strdup(nft_ctx_get_output_buffer(ctx));
		if (!*op->out)
			err = -ENOMEM;
	}
	nft_ctx_free(ctx);
	return err;
}

int nft_run(int ns, const char *cmds, char *why, size_t len)
{
	struct nft_op op = {cmds, NULL, why, len};

	return ns_call(ns, do_run, &op);
}

int nft_list(int ns, const char *cmd, char **out, char *why, size_t len)
{
	struct nft_op op = {cmd, out, why, len};

	*out = NULL;
	return ns_call(ns, do_run, &op);
}
