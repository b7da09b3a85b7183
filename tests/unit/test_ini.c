/*
 * test_ini.c - input/ini.c, the INI dialect of profiles and scenarios:
 * items with their positions, and every malformed line refused at its
 * line and column (issue 8: a NUL byte used to cut a file silently, and
 * "[guest]garbage" or "= 5" were accepted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "input/ini.h"

struct seen {
	unsigned int n;
	char last[128];
	unsigned int line, key_col, value_col;
};

static int on_item(void *ctx, const struct ini_item *it, struct diag *d)
{
	struct seen *s = ctx;

	(void)d;
	s->n++;
	snprintf(s->last, sizeof(s->last), "%s.%s=%s#%s", it->section, it->key, it->value,
		 it->comment ? it->comment : "");
	s->line = it->line;
	s->key_col = it->key_col;
	s->value_col = it->value_col;
	return 0;
}

static void test_items_and_positions(void **state)
{
	struct seen s = { 0 };
	struct diag d;

	(void)state;
	assert_int_equal(ini__parse("x.ini", "# c\n[a]\n  k =  v w  # why\r\n", on_item, &s, &d),
			 0);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.last, "a.k=v w#why");
	assert_int_equal(s.line, 3);
	assert_int_equal(s.key_col, 3);
	assert_int_equal(s.value_col, 8);
}

static void bad(const char *text, unsigned int line, unsigned int col, const char *needle)
{
	struct seen s = { 0 };
	struct diag d;

	assert_int_equal(ini__parse("x.ini", text, on_item, &s, &d), VPMU_E_PARSE);
	if (d.line != line || d.col != col || !strstr(d.msg, needle))
		fail_msg("'%s': got %u:%u %s", text, d.line, d.col, d.msg);
}

static void test_malformed_lines(void **state)
{
	(void)state;
	bad("[guest]garbage\n", 1, 8, "expected the end of the line after [section]");
	bad("[a]\n  [b] x # c\n", 2, 7, "expected the end of the line");
	bad("[a]\n= 5\n", 2, 1, "expected a key before '='");
	bad("[a]\n  \t= 5\n", 2, 4, "expected a key before '='");
	bad("[]\n", 1, 1, "expected [section]");
	bad("[abc\n", 1, 1, "expected [section]");
	bad("[0123456789012345678901234567890123]\n", 1, 1, "expected [section]");
	bad("[a]\nkey value\n", 2, 1, "expected key = value");
}

/* A file with a NUL byte is refused at the NUL's line and column. */
static void test_nul_byte_in_file(void **state)
{
	static const char text[] = "[a]\nk = 1\nab\0c = 2\n";
	char path[] = "/tmp/vpmu-test-ini-XXXXXX";
	int fd = mkstemp(path);
	struct diag d;
	char *got;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	got = ini__read_file(path, &d);
	unlink(path);
	assert_null(got);
	assert_int_equal(d.line, 3);
	assert_int_equal(d.col, 3);
	assert_non_null(strstr(d.msg, "NUL byte"));
}

/* A directory (fuzzing found `[cpu] base = /`: its "size" once asked for a
 * 2^63-byte buffer) or any other non-regular file is refused, not read. */
static void test_not_a_regular_file(void **state)
{
	struct diag d;

	(void)state;
	assert_null(ini__read_file("/", &d));
	assert_non_null(strstr(d.msg, "regular file"));
	assert_null(ini__read_file("/dev/null/x", &d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_items_and_positions),
		cmocka_unit_test(test_malformed_lines),
		cmocka_unit_test(test_nul_byte_in_file),
		cmocka_unit_test(test_not_a_regular_file),
	};

	return cmocka_run_group_tests_name("input/ini", tests, NULL, NULL);
}
