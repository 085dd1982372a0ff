/* The one place libnl and libnftables errors become errno (nlsock.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <netlink/errno.h>
#include <stdio.h>
#include <stdlib.h>
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

/* libnftables' own messages, recorded (tests/data/nft/README). */
static const struct {
	const char *file;
	int err;
} recorded[] = {{"ENOENT.txt", ENOENT},
		{"EEXIST.txt", EEXIST},
		{"ENOENT-chain.txt", ENOENT},
		{"EPERM.txt", EPERM},
		{"EINVAL-syntax.txt", EINVAL}};

START_TEST(t_nft_errno_recorded)
{
	char name[64];
	char *text;

	snprintf(name, sizeof(name), "nft/%s", recorded[_i].file);
	text = test_data_read(name, NULL);
	ck_assert_msg(nlsock_nft_errno(text) == -recorded[_i].err, "%s: %d", name,
		      nlsock_nft_errno(text));
	free(text);
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
	tcase_add_loop_test(tc, t_nft_errno_recorded, 0, sizeof(recorded) / sizeof(recorded[0]));
	tcase_add_test(tc, t_nft_errno_syntax);
	tcase_add_test(tc, t_nl_errno);
	suite_add_tcase(s, tc);
	return s;
}
