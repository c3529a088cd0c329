/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared main() of the harness tests: skip (exit 4, KSFT_SKIP) when not
 * root, when a tool the test runs is missing from PATH ("ip xnetctl" and
 * XNET_NEEDS, a space-separated list a test defines before including
 * this file), or when the xnet module is absent (socket(AF_XNET) fails
 * with EAFNOSUPPORT: not loaded, and the kernel's autoload found no
 * module); any other socket() error fails. The test VM has every tool
 * and the module: there, scripts/guest-run.sh counts a skip as a failure.
 * Then run only the tests named with "-t NAME" (repeatable; the 6.1
 * harness has no filter), and stretch every test's timeout by
 * XNET_TIMEOUT_MUL (the debug lane's KASAN/lockdep kernel is several
 * times slower).
 * Include after kselftest_harness.h.
 */
#ifndef _XNET_SELFTEST_HARNESS_H
#define _XNET_SELFTEST_HARNESS_H

#ifndef XNET_NEEDS
#define XNET_NEEDS ""
#endif

/* xnet_have_cmd: NAME is an executable file in a PATH directory */
static int xnet_have_cmd(const char *name, size_t len)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path || !*path)
		path = "/usr/sbin:/usr/bin:/sbin:/bin";
	while (*path) {
		size_t dl = strcspn(path, ":");

		if (dl + len + 2 <= sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%.*s", (int)dl, path,
				 (int)len, name);
			if (!access(buf, X_OK))
				return 1;
		}
		path += dl;
		path += *path == ':';
	}
	return 0;
}

/* xnet_missing_cmd: the first of the space-separated CMDS not in PATH */
static const char *xnet_missing_cmd(const char *cmds, size_t *len)
{
	while (*cmds) {
		size_t l;

		cmds += strspn(cmds, " ");
		l = strcspn(cmds, " ");
		if (l && !xnet_have_cmd(cmds, l)) {
			*len = l;
			return cmds;
		}
		cmds += l;
	}
	return NULL;
}

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
	const char *miss;
	size_t len;
	int fd;

	if (geteuid() != 0) {
		printf("1..0 # SKIP need root\n");
		return KSFT_SKIP;
	}
	miss = xnet_missing_cmd("ip xnetctl " XNET_NEEDS, &len);
	if (miss) {
		printf("1..0 # SKIP required command %.*s missing\n",
		       (int)len, miss);
		return KSFT_SKIP;
	}
	fd = socket(AF_XNET, SOCK_DGRAM, 0);
	if (fd < 0 && errno == EAFNOSUPPORT) {
		printf("1..0 # SKIP xnet module not loaded and not loadable (socket(AF_XNET): %s)\n",
		       strerror(errno));
		return KSFT_SKIP;
	}
	if (fd < 0) {
		printf("# socket(AF_XNET): %s\n", strerror(errno));
		return KSFT_FAIL;
	}
	close(fd);
	xnet_filter_tests(argc, argv);
	xnet_scale_timeouts();
	return test_harness_run(argc, argv);
}

#endif /* _XNET_SELFTEST_HARNESS_H */
