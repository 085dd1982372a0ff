#define _GNU_SOURCE
#include "verdict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define ANY_ERRNO (-1)

/*
 * The verdict of an operation failing with an errno; what is not listed is
 * an ERROR.  A SKIP says the case cannot run here as written - this kernel
 * or these privileges lack what it needs - and never hides a fault of the
 * case or of netcase: EPERM is a SKIP where it means "not root" (nftables,
 * namespaces, captures) but an ERROR for a sysctl, which root in a fresh
 * namespace may set unless the kernel keeps it read-only there.
 */
static const struct {
	enum verdict_op op;
	int err;
	int verdict;
} table[] = {
    {VOP_EXPECT, 0, VERDICT_FAIL},
    {VOP_SOCKDIAG, ENOENT, VERDICT_SKIP}, /* no inet_diag/tcp_diag */
    {VOP_KERNEL, ANY_ERRNO, VERDICT_SKIP},
    {VOP_KEVENTS, ANY_ERRNO, VERDICT_SKIP},
    {VOP_NAMESPACE, EPERM, VERDICT_SKIP},
    {VOP_NAMESPACE, EACCES, VERDICT_SKIP},
    {VOP_SYSCTL, ENOENT, VERDICT_SKIP}, /* this kernel lacks the key */
    {VOP_NFT, EPERM, VERDICT_SKIP},
    {VOP_IFB, EOPNOTSUPP, VERDICT_SKIP}, /* no ifb driver */
    {VOP_IFB, ENOENT, VERDICT_SKIP},
    {VOP_NETEM, ANY_ERRNO, VERDICT_SKIP}, /* no sch_netem */
    {VOP_CAPTURE, EPERM, VERDICT_SKIP},
    {VOP_INJECT, EPERM, VERDICT_SKIP}, /* no AF_PACKET for this user */
    /* the case's own limits: it declared them */
    {VOP_TIMEOUT, ETIMEDOUT, VERDICT_FAIL},
    /* a capture that dropped packets: counts over it cannot be trusted */
    {VOP_CAPTURE, ENOBUFS, VERDICT_FAIL},
};

int verdict_of(enum verdict_op op, int err)
{
	if (err < 0)
		err = -err;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].op == op && (table[i].err == err || table[i].err == ANY_ERRNO))
			return table[i].verdict;
	return VERDICT_ERROR;
}

const char *case_failure_text(const struct case_failure *f, char *buf, size_t len)
{
	if (!f->verdict)
		snprintf(buf, len, "%s", "");
	else if (f->line)
		snprintf(buf, len, "%s:%d: %s", f->file, f->line, f->what);
	else if (f->file[0])
		snprintf(buf, len, "%s: %s", f->file, f->what);
	else
		snprintf(buf, len, "%s", f->what);
	return buf;
}

void case_failure_set(struct case_failure *f, int verdict, const char *file, const char *fmt, ...)
{
	va_list ap;

	f->verdict = verdict;
	f->op = VOP_HARNESS;
	f->err = 0;
	f->line = 0;
	snprintf(f->file, sizeof(f->file), "%s", file ? file : "");
	va_start(ap, fmt);
	vsnprintf(f->what, sizeof(f->what), fmt, ap);
	va_end(ap);
}
