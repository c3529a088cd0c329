// SPDX-License-Identifier: GPL-2.0
/*
 * sendfile() and splice() with xnet stream sockets (issue 14), between
 * the test's netns and a peer netns over a veth, on a 64 MiB file:
 *  - sendfile_splice: file -> socket with sendfile(), read with recv();
 *    the SHA-256 of what arrived equals the file's; SplicedPages moved
 *    by at least the file's pages (they went by reference, not copied).
 *    Then the same file -> pipe -> socket, and socket -> pipe -> file on
 *    the receiver; the received file's SHA-256 equals the source's.
 *  - seqpacket_sendfile: a SEQPACKET socket takes sendfile() too (it
 *    copies: 8 MiB), data intact, SplicedPages unmoved.
 */
#define _GNU_SOURCE
#include <sys/sendfile.h>
#include <sys/stat.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"
#include "xnet_zc_util.h"

#define FILE_BYTES	((size_t)64 << 20)
#define PAGE		4096

/* Write the payload to a new file at @path; its SHA-256 in @hex. */
static int make_file(const char *path, size_t bytes, char hex[65])
{
	static uint8_t buf[1 << 16];
	struct sha256 h;
	size_t off;
	int fd;

	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	if (fd < 0)
		return -1;
	sha256_init(&h);
	for (off = 0; off < bytes; off += sizeof(buf)) {
		zc_fill(buf, sizeof(buf), off);
		sha256_update(&h, buf, sizeof(buf));
		if (write(fd, buf, sizeof(buf)) != sizeof(buf))
			return -1;
	}
	sha256_hex(&h, hex);
	return fd;
}

static int hash_fd(int fd, size_t *bytes, char hex[65])
{
	static __thread uint8_t buf[1 << 16];
	struct sha256 h;
	ssize_t n;

	sha256_init(&h);
	*bytes = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		sha256_update(&h, buf, n);
		*bytes += n;
	}
	sha256_hex(&h, hex);
	return n < 0 ? -1 : 0;
}

struct rx_arg {
	int fd, out, use_splice;
	size_t bytes;
	char hex[65];
	int err;
};

/* The receiver: recv() and hash, or splice() into a file. */
static void *rx_thread(void *p)
{
	struct rx_arg *a = p;
	int pfd[2];
	ssize_t n;

	if (!a->use_splice) {
		a->err = hash_fd(a->fd, &a->bytes, a->hex) ? errno : 0;
		return NULL;
	}
	if (pipe(pfd)) {
		a->err = errno;
		return NULL;
	}
	for (;;) {
		ssize_t m;

		n = splice(a->fd, NULL, pfd[1], NULL, 1 << 20, SPLICE_F_MOVE);
		if (n <= 0) {
			if (n < 0)
				a->err = errno;
			break;
		}
		a->bytes += n;
		while (n > 0) {
			m = splice(pfd[0], NULL, a->out, NULL, n, SPLICE_F_MOVE);
			if (m <= 0) {
				a->err = m ? errno : EIO;
				goto out;
			}
			n -= m;
		}
	}
out:
	close(pfd[0]);
	close(pfd[1]);
	return NULL;
}

FIXTURE(sp) {
	struct zc_pair p;
	int cli, srv, file, out;
	char src[64], dst[64], hex[65];
};

FIXTURE_SETUP(sp)
{
	self->cli = self->srv = self->out = -1;
	ASSERT_EQ(0, zc_pair_setup(&self->p, "xsp"));
	snprintf(self->src, sizeof(self->src), "/tmp/xsp-src-%d", getpid());
	snprintf(self->dst, sizeof(self->dst), "/tmp/xsp-dst-%d", getpid());
	self->file = -1;
}

FIXTURE_TEARDOWN(sp)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	if (self->out >= 0)
		close(self->out);
	if (self->file >= 0)
		close(self->file);
	unlink(self->src);
	unlink(self->dst);
	zc_pair_teardown(&self->p);
}

static void do_sendfile(struct __test_metadata *_metadata,
			FIXTURE_DATA(sp) *self, int type, size_t bytes)
{
	struct rx_arg a = { 0 };
	long long p0, p1;
	off_t off = 0;
	pthread_t t;

	if (self->file < 0)
		self->file = make_file(self->src, bytes, self->hex);
	ASSERT_LE(0, self->file);
	ASSERT_EQ(0, zc_connect(&self->p, type, 7200, &self->cli, &self->srv));
	p0 = xu_counter("SplicedPages");
	ASSERT_LE(0, p0);
	a.fd = self->srv;
	ASSERT_EQ(0, pthread_create(&t, NULL, rx_thread, &a));
	while (off < (off_t)bytes) {
		/* a SEQPACKET message is at most 64 KiB */
		ssize_t n = sendfile(self->cli, self->file, &off,
				     type == SOCK_STREAM ?
				     bytes - (size_t)off : 65536);

		if (n <= 0)
			break;
	}
	EXPECT_EQ((off_t)bytes, off);
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	pthread_join(t, NULL);
	p1 = xu_counter("SplicedPages");
	TH_LOG("SplicedPages +%lld", p1 - p0);
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(bytes, a.bytes);
	EXPECT_STREQ(self->hex, a.hex);
	if (type == SOCK_STREAM) {
		EXPECT_LE((long long)(bytes / PAGE), p1 - p0);
	} else {
		EXPECT_EQ(0, p1 - p0);
	}
}


TEST_F_TIMEOUT(sp, seqpacket_sendfile, 120)
{
	/* copied: a smaller file does */
	do_sendfile(_metadata, self, SOCK_SEQPACKET, 8 << 20);
}

/* one 64 MiB file: sendfile(), then splice() both ways */
TEST_F_TIMEOUT(sp, sendfile_splice, 150)
{
	struct rx_arg a = { 0 };
	long long p0, p1;
	size_t bytes;
	loff_t off = 0;
	char hex[65];
	pthread_t t;
	int pfd[2];

	do_sendfile(_metadata, self, SOCK_STREAM, FILE_BYTES);
	close(self->cli);
	close(self->srv);
	self->cli = self->srv = -1;
	ASSERT_EQ(0, zc_connect(&self->p, SOCK_STREAM, 7201, &self->cli,
				&self->srv));
	self->out = open(self->dst, O_CREAT | O_TRUNC | O_RDWR, 0600);
	ASSERT_LE(0, self->out);
	ASSERT_EQ(0, pipe(pfd));
	p0 = xu_counter("SplicedPages");
	a.fd = self->srv;
	a.out = self->out;
	a.use_splice = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, rx_thread, &a));
	while (off < (off_t)FILE_BYTES) {
		ssize_t n = splice(self->file, &off, pfd[1], NULL, 1 << 20,
				   SPLICE_F_MOVE | SPLICE_F_MORE);

		if (n <= 0)
			break;
		while (n > 0) {
			ssize_t m = splice(pfd[0], NULL, self->cli, NULL, n,
					   SPLICE_F_MOVE | SPLICE_F_MORE);

			ASSERT_LT(0, m);
			n -= m;
		}
	}
	EXPECT_EQ((off_t)FILE_BYTES, off);
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	pthread_join(t, NULL);
	close(pfd[0]);
	close(pfd[1]);
	p1 = xu_counter("SplicedPages");
	TH_LOG("SplicedPages +%lld", p1 - p0);
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(FILE_BYTES, a.bytes);
	ASSERT_EQ(0, lseek(self->out, 0, SEEK_SET));
	ASSERT_EQ(0, hash_fd(self->out, &bytes, hex));
	EXPECT_EQ(FILE_BYTES, bytes);
	EXPECT_STREQ(self->hex, hex);
	EXPECT_LE((long long)(FILE_BYTES / PAGE), p1 - p0);
}

#include "xnet_harness.h"
