/*
 * nft: nftables commands run inside a namespace through libnftables (the
 * same language as nft(8)).  0, or -errno with libnftables' message in why.
 */
#ifndef NETCASE_NFT_H
#define NETCASE_NFT_H

#include <stddef.h>

/* Run commands (one or more lines) in ns. */
int nft_run(int ns, const char *cmds, char *why, size_t len);

/* Run a listing command in ns; *out gets its output (malloc'd). */
int nft_list(int ns, const char *cmd, char **out, char *why, size_t len);

#endif
