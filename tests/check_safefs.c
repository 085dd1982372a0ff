/*
 * safefs in a scratch folder: planted links are replaced, never followed;
 * folders that are links, or writable by others, are refused with a reason
 * that names them; a chain of folders is made and dropped by descriptors;
 * a file the user names is renamed into place; SUDO_UID is honoured only
 * for root.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness/safefs.h"
#include "suites.h"

static char scratch[64];
static struct safefs_owner me;

static void setup(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/check-safefs-XXXXXX");
	ck_assert(mkdtemp(scratch) != NULL);
	safefs_owner_init(&me, NULL, NULL);
}

static void teardown(void)
{
	int fd = open(scratch, O_RDONLY | O_DIRECTORY);

	if (fd >= 0) {
		safefs_empty(fd);
		close(fd);
	}
	rmdir(scratch);
}

static char *at(const char *rel)
{
	static char p[2][256];
	static int i;

	i ^= 1;
	snprintf(p[i], sizeof(p[i]), "%s/%s", scratch, rel);
	return p[i];
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert(f != NULL);
	fputs(text, f);
	fclose(f);
}

static const char *read_text(const char *path)
{
	static char buf[128];
	FILE *f = fopen(path, "r");
	size_t n;

	ck_assert(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

START_TEST(t_create_replaces_link)
{
	int dfd = open(scratch, O_RDONLY | O_DIRECTORY), fd;
	struct stat st;

	write_text(at("target"), "untouched");
	ck_assert_int_eq(symlink(at("target"), at("timeline.log")), 0);
	fd = safefs_create(dfd, "timeline.log", &me);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "new", 3), 3);
	close(fd);
	ck_assert_str_eq(read_text(at("target")), "untouched");
	ck_assert_int_eq(lstat(at("timeline.log"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_str_eq(read_text(at("timeline.log")), "new");
	ck_assert_int_eq(safefs_create(dfd, "../escape", &me), -EINVAL);
	ck_assert_int_eq(mkdir(at("adir"), 0755), 0);
	ck_assert_int_eq(safefs_create(dfd, "adir", &me), -EISDIR);
	close(dfd);
}
END_TEST

START_TEST(t_dir_chain)
{
	struct safefs_dir d;
	char why[512];
	struct stat st;

	ck_assert_int_eq(
	    safefs_dir_open(&d, at("art"), "repeat-1/syn/blackhole", &me, why, sizeof(why)), 0);
	ck_assert_int_eq(d.n, 5); /* the parent, art, repeat-1, syn, blackhole */
	ck_assert_str_eq(d.name[4], "blackhole");
	ck_assert_int_eq(stat(at("art/repeat-1/syn/blackhole"), &st), 0);
	safefs_dir_drop(&d);
	safefs_dir_close(&d);
	ck_assert_int_eq(stat(at("art"), &st), -1); /* every folder it emptied went */
	ck_assert_int_eq(stat(scratch, &st), 0);
	ck_assert_int_eq(safefs_dir_open(&d, at("art"), "../x", &me, why, sizeof(why)), -EINVAL);
	ck_assert_int_eq(d.n, 0);
}
END_TEST

START_TEST(t_dir_refusals)
{
	struct safefs_dir d;
	char why[512];

	ck_assert_int_eq(mkdir(at("elsewhere"), 0755), 0);
	ck_assert_int_eq(mkdir(at("art"), 0755), 0);
	ck_assert_int_eq(symlink(at("elsewhere"), at("art/case")), 0);
	/* O_DIRECTORY | O_NOFOLLOW on a link: ENOTDIR */
	ck_assert_int_eq(safefs_dir_open(&d, at("art"), "case", &me, why, sizeof(why)), -ENOTDIR);
	ck_assert_msg(strstr(why, "art/case is a symbolic link"), "%s", why);
	ck_assert_int_eq(rmdir(at("elsewhere")), 0); /* still empty */
	ck_assert_int_eq(chmod(at("art"), 0777), 0);
	ck_assert_int_eq(safefs_dir_open(&d, at("art"), NULL, &me, why, sizeof(why)), -EPERM);
	ck_assert_msg(strstr(why, "art is writable by others (mode 0777)"), "%s", why);
	ck_assert_int_eq(chmod(at("art"), 0755), 0);
	ck_assert_int_eq(safefs_dir_open(&d, at("art"), NULL, &me, why, sizeof(why)), 0);
	safefs_dir_close(&d);
}
END_TEST

START_TEST(t_clear_counts)
{
	int dfd = open(scratch, O_RDONLY | O_DIRECTORY);
	struct safefs_cleared c;
	struct stat st;

	write_text(at("old.pcap"), "x");
	write_text(at("target"), "untouched");
	ck_assert_int_eq(symlink(at("target"), at("ss-a.txt")), 0);
	ck_assert_int_eq(mkdir(at("other-case"), 0755), 0);
	safefs_clear(dfd, &c);
	ck_assert_int_eq(c.files, 2); /* old.pcap, target */
	ck_assert_int_eq(c.links, 1);
	ck_assert_int_eq(stat(at("other-case"), &st), 0); /* folders stay */
	close(dfd);
}
END_TEST

START_TEST(t_out_renames_into_place)
{
	struct safefs_out o;
	struct stat st;

	write_text(at("target"), "untouched");
	ck_assert_int_eq(symlink(at("target"), at("report.xml")), 0);
	ck_assert_int_eq(safefs_out_open(&o, at("report.xml"), &me), 0);
	fputs("<testsuites/>", o.f);
	ck_assert_int_eq(safefs_out_close(&o), 0);
	ck_assert_str_eq(read_text(at("target")), "untouched");
	ck_assert_int_eq(lstat(at("report.xml"), &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	ck_assert_str_eq(read_text(at("report.xml")), "<testsuites/>");
	ck_assert_int_eq(safefs_out_open(&o, at("missing/report.xml"), &me), -ENOENT);
}
END_TEST

START_TEST(t_owner)
{
	struct safefs_owner o;

	safefs_owner_init(&o, "1000", "1001");
	if (getuid() == 0) {
		ck_assert_int_eq(o.give, 1);
		ck_assert_int_eq(o.uid, 1000);
		ck_assert_int_eq(o.gid, 1001);
	} else {
		ck_assert_int_eq(o.give, 0); /* only root through sudo */
		ck_assert_int_eq(o.uid, getuid());
	}
	safefs_owner_init(&o, "10x", NULL);
	ck_assert_int_eq(o.give, 0);
	safefs_owner_init(&o, "0", "0"); /* root who sudo'd: nothing to hand over */
	ck_assert_int_eq(o.give, 0);
}
END_TEST

Suite *safefs_suite(void)
{
	Suite *s = suite_create("safefs");
	TCase *tc = tcase_create("safefs");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, t_create_replaces_link);
	tcase_add_test(tc, t_dir_chain);
	tcase_add_test(tc, t_dir_refusals);
	tcase_add_test(tc, t_clear_counts);
	tcase_add_test(tc, t_out_renames_into_place);
	tcase_add_test(tc, t_owner);
	suite_add_tcase(s, tc);
	return s;
}
