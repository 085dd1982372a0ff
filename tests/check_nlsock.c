/* The one place libnl and libnftables errors become errno (nlsock.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <netlink/errno.h>
#include <stdio.h>
#include <string.h>

#include "../netns/nlsock.h"
#include "suites.h"

static const int nft_errs[] = {EPERM, ENOENT, EEXIST, EOPNOTSUPP, ENOMEM, EBUSY};

/* libnftables writes strerror() into its message: whatever the locale, the
 * errno comes back. */
START_TEST(t_nft_errno)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "Error: Could not process rule: %s\ntable inet x { }\n^^^^^^^^^^^^^^^^^^",
		 strerror(nft_errs[_i]));
	ck_assert_int_eq(nlsock_nft_errno(msg), -nft_errs[_i]);
}
END_TEST

START_TEST(t_nft_errno_syntax)
{
	ck_assert_int_eq(nlsock_nft_errno("Error: syntax error, unexpected junk"), -EINVAL);
	ck_assert_int_eq(nlsock_nft_errno(NULL), -EINVAL);
}
END_TEST

START_TEST(t_nl_errno)
{
	ck_assert_int_eq(nlsock_errno(0), 0);
	ck_assert_int_eq(nlsock_errno(5), 0);
	ck_assert_int_eq(nlsock_errno(-NLE_PERM), -EPERM);
	ck_assert_int_eq(nlsock_errno(-NLE_EXIST), -EEXIST);
	ck_assert_int_eq(nlsock_errno(-NLE_OBJ_NOTFOUND), -ENOENT);
}
END_TEST

Suite *nlsock_suite(void)
{
	Suite *s = suite_create("nlsock");
	TCase *tc = tcase_create("errno");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, t_nft_errno, 0, sizeof(nft_errs) / sizeof(nft_errs[0]));
	tcase_add_test(tc, t_nft_errno_syntax);
	tcase_add_test(tc, t_nl_errno);
	suite_add_tcase(s, tc);
	return s;
}
