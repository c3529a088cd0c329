/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared main() of the harness tests: skip when not root, fail when the
 * family is missing (the runner loads xnet first), run only the tests
 * named with "-t NAME" (repeatable; the 6.1 harness has no filter), and
 * stretch every test's timeout by XNET_TIMEOUT_MUL (the debug lane's
 * KASAN/lockdep kernel is several times slower).
 * Include after kselftest_harness.h.
 */
#ifndef _XNET_SELFTEST_HARNESS_H
#define _XNET_SELFTEST_HARNESS_H

static void xnet_filter_tests(int argc, char **argv)
{
	struct __fixture_metadata *f;
	int i, any = 0;

	for (i = 1; i < argc; i++)
		any |= !strcmp(argv[i], "-t");
	if (!any)
		return;
	for (f = __fixture_list; f; f = f->next) {
		struct __test_metadata *t, *next, *head = NULL, *tail = NULL;

		for (t = f->tests; t; t = next) {
			int keep = 0;

			next = t->next;
			for (i = 1; i + 1 < argc; i++)
				if (!strcmp(argv[i], "-t") &&
				    !strcmp(argv[i + 1], t->name))
					keep = 1;
			if (!keep)
				continue;
			t->next = NULL;
			if (!head) {
				head = t;
			} else {
				tail->next = t;
				t->prev = tail;
			}
			tail = t;
		}
		if (head)
			head->prev = tail;
		f->tests = head;
	}
}

static void xnet_scale_timeouts(void)
{
	const char *e = getenv("XNET_TIMEOUT_MUL");
	struct __fixture_metadata *f;
	struct __test_metadata *t;
	int mul = e ? atoi(e) : 1;

	if (mul <= 1 || mul > 20)
		return;
	for (f = __fixture_list; f; f = f->next)
		for (t = f->tests; t; t = t->next)
			t->timeout *= mul;
}

int main(int argc, char **argv)
{
	int fd;

	if (geteuid() != 0) {
		printf("1..0 # SKIP need root\n");
		return KSFT_SKIP;
	}
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	if (fd < 0) {
		/* the runner loads xnet: a missing family is a failure */
		printf("# socket(AF_XNET): %s (is xnet loaded?)\n",
		       strerror(errno));
		return KSFT_FAIL;
	}
	close(fd);
	xnet_filter_tests(argc, argv);
	xnet_scale_timeouts();
	return test_harness_run(argc, argv);
}

#endif /* _XNET_SELFTEST_HARNESS_H */
