// SPDX-License-Identifier: GPL-2.0
/*
 * MSG_ZEROCOPY on xnet connection sockets (issue 14), between the test's
 * netns and a peer netns over a veth:
 *  - stream_64m: 64 MiB in 64 KiB MSG_ZEROCOPY sends; every completion
 *    id is reported exactly once (ids 0..N-1, no overlap); each buffer
 *    is overwritten the moment its completion arrives, and the peer's
 *    SHA-256 still equals the sender's: the pages were not released
 *    before the data was delivered; ZerocopySends moved by N.
 *  - stream_loss: the same (16 MiB) with 2% netem loss: retransmissions
 *    (XNET_INFO) come from the pinned pages.
 *  - gso_copied: with tx-gso-list off (GSO copies the payload) every
 *    notification says SO_EE_CODE_ZEROCOPY_COPIED.
 *  - off_copies: MSG_ZEROCOPY without SO_ZEROCOPY copies: no
 *    notification, data intact, ZerocopyCopied moved.
 *  - seqpacket: MSG_ZEROCOPY messages arrive whole, ids exactly once.
 *  - sockopt: SO_ZEROCOPY/XNET_ZEROCOPY set, read back, bad values.
 */
#define _GNU_SOURCE
#include <time.h>
#include <linux/errqueue.h>
#include <sys/utsname.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#include "kselftest_harness.h"
#pragma GCC diagnostic pop
#include "xnet_util.h"
#include "xnet_zc_util.h"

#ifndef SO_ZEROCOPY
#define SO_ZEROCOPY	60
#endif
#ifndef MSG_ZEROCOPY
#define MSG_ZEROCOPY	0x4000000
#endif

#define CHUNK		65536
#define RING		32		/* buffers in flight */

struct rx_arg {
	int fd;
	size_t bytes;
	char hex[65];
	int err;
	int seqpacket, msgs, bad_msgs;
};

/* The receiver: everything until EOF, hashed (seqpacket: checked too). */
static void *rx_thread(void *p)
{
	struct rx_arg *a = p;
	static __thread uint8_t buf[CHUNK + 1], want[CHUNK];
	struct sha256 h;
	ssize_t n;

	sha256_init(&h);
	for (;;) {
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		n = recvmsg(a->fd, &m, 0);
		if (n < 0) {
			a->err = errno;
			break;
		}
		if (!n)
			break;
		if (a->seqpacket) {
			/* message i: i-th size, payload of offset i * CHUNK */
			size_t want_len = 1000 + (a->msgs * 7919) % (CHUNK - 999);

			zc_fill(want, want_len, (uint64_t)a->msgs * CHUNK);
			if ((size_t)n != want_len || !(m.msg_flags & MSG_EOR) ||
			    memcmp(buf, want, n))
				a->bad_msgs++;
			a->msgs++;
		}
		sha256_update(&h, buf, n);
		a->bytes += n;
	}
	sha256_hex(&h, a->hex);
	return NULL;
}

struct zc_state {
	int fd;
	uint8_t *ring;
	int pending[RING];	/* ids not yet completed, per buffer */
	int *slot_of;		/* id -> buffer */
	uint8_t *seen;		/* id -> reported */
	int ids, max_ids;	/* ids given out */
	int done, dup, bad, copied_notes, notes;
};

/* Take every notification waiting; overwrite each completed buffer. */
static int zc_drain(struct zc_state *s)
{
	for (;;) {
		char ctl[CMSG_SPACE(sizeof(struct sock_extended_err)) + 64];
		struct msghdr m = { .msg_control = ctl,
				    .msg_controllen = sizeof(ctl) };
		struct sock_extended_err *ee = NULL;
		struct cmsghdr *cm;
		uint32_t id;

		if (recvmsg(s->fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
			return errno == EAGAIN ? 0 : -1;
		for (cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm))
			if (cm->cmsg_level == SOL_XNET &&
			    cm->cmsg_type == XNET_RECVERR)
				ee = (void *)CMSG_DATA(cm);
		if (!ee || ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY ||
		    ee->ee_errno || ee->ee_data < ee->ee_info ||
		    ee->ee_data >= (uint32_t)s->ids) {
			s->bad++;
			continue;
		}
		s->notes++;
		if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
			s->copied_notes++;
		for (id = ee->ee_info; id <= ee->ee_data; id++) {
			int slot = s->slot_of[id];

			if (s->seen[id]++) {
				s->dup++;
				continue;
			}
			s->done++;
			/* rewritten right after its completion */
			if (!--s->pending[slot])
				memset(s->ring + (size_t)slot * CHUNK, 0xa5,
				       CHUNK);
		}
	}
}

/* Wait (POLLERR) for a notification, then take them. */
static int zc_wait(struct zc_state *s, int ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = 0 };

	if (poll(&pfd, 1, ms) < 0)
		return -1;
	return zc_drain(s);
}

/*
 * Send @total bytes in CHUNK MSG_ZEROCOPY sends from a ring of buffers,
 * a buffer reused only after its completion; every id waited for. The
 * SHA-256 of what was meant to be sent in @hex. 0 or -1.
 */
static int zc_send_all(struct zc_state *s, size_t total, int flags,
		       char hex[65], int expect_notes)
{
	double deadline = xu_now() + 60.0 * zc_mul();
	size_t off = 0;
	struct sha256 h;
	int k = 0;

	s->max_ids = total / CHUNK * 2 + 16;
	s->ring = malloc((size_t)RING * CHUNK);
	s->slot_of = calloc(s->max_ids, sizeof(int));
	s->seen = calloc(s->max_ids, 1);
	if (!s->ring || !s->slot_of || !s->seen)
		return -1;
	sha256_init(&h);
	while (off < total) {
		int slot = k++ % RING;
		uint8_t *b = s->ring + (size_t)slot * CHUNK;
		size_t len = total - off < CHUNK ? total - off : CHUNK;
		size_t sent = 0;

		while (s->pending[slot]) {
			if (xu_now() > deadline || zc_wait(s, 200))
				return -1;
		}
		zc_fill(b, len, off);
		sha256_update(&h, b, len);
		while (sent < len) {
			ssize_t n = send(s->fd, b + sent, len - sent, flags);

			if (n < 0 && errno == ENOBUFS && expect_notes) {
				/* optmem: notifications to read first */
				if (xu_now() > deadline || zc_wait(s, 200))
					return -1;
				continue;
			}
			if (n <= 0 || s->ids >= s->max_ids)
				return -1;
			if (expect_notes) {
				s->slot_of[s->ids++] = slot;
				s->pending[slot]++;
			}
			sent += n;
		}
		off += len;
		if (expect_notes && zc_drain(s))
			return -1;
	}
	sha256_hex(&h, hex);
	while (expect_notes && s->done < s->ids) {
		if (xu_now() > deadline || zc_wait(s, 200))
			return -1;
	}
	return 0;
}

static void zc_free(struct zc_state *s)
{
	free(s->ring);
	free(s->slot_of);
	free(s->seen);
}

static int zc_enable(int fd)
{
	int one = 1;

	return setsockopt(fd, SOL_XNET, XNET_ZEROCOPY, &one, sizeof(one));
}

FIXTURE(zc) {
	struct zc_pair p;
	int cli, srv;
};

FIXTURE_SETUP(zc)
{
	self->cli = self->srv = -1;
	ASSERT_EQ(0, zc_pair_setup(&self->p, "xzc"));
}

FIXTURE_TEARDOWN(zc)
{
	if (self->cli >= 0)
		close(self->cli);
	if (self->srv >= 0)
		close(self->srv);
	zc_pair_teardown(&self->p);
}

/*
 * A MSG_ZEROCOPY bulk transfer of @total bytes; asserts everything. The
 * notifications, and those that said COPIED, in @notes and @copied.
 */
static void zc_bulk(struct __test_metadata *_metadata,
		    FIXTURE_DATA(zc) *self, size_t total, int *notes,
		    int *copied)
{
	struct zc_state s = { 0 };
	struct rx_arg a = { 0 };
	long long sends0, sends1;
	char hex[65];
	pthread_t t;
	int id;

	ASSERT_EQ(0, zc_connect(&self->p, SOCK_STREAM, 7100, &self->cli,
				&self->srv));
	ASSERT_EQ(0, zc_enable(self->cli));
	sends0 = xu_counter("ZerocopySends");
	ASSERT_LE(0, sends0);
	a.fd = self->srv;
	ASSERT_EQ(0, pthread_create(&t, NULL, rx_thread, &a));
	s.fd = self->cli;
	ASSERT_EQ(0, zc_send_all(&s, total, MSG_ZEROCOPY, hex, 1));
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	pthread_join(t, NULL);
	sends1 = xu_counter("ZerocopySends");
	TH_LOG("%d sends, %d notifications (%d copied)", s.ids, s.notes,
	       s.copied_notes);
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(total, a.bytes);
	EXPECT_STREQ(hex, a.hex);
	EXPECT_EQ(0, s.bad);
	EXPECT_EQ(0, s.dup);
	EXPECT_EQ(s.ids, s.done);
	for (id = 0; id < s.ids; id++)
		if (s.seen[id] != 1)
			break;
	EXPECT_EQ(s.ids, id);
	EXPECT_EQ((long long)s.ids, sends1 - sends0);
	*notes = s.notes;
	*copied = s.copied_notes;
	zc_free(&s);
}

TEST_F_TIMEOUT(zc, stream_64m, 120)
{
	int notes, copied;

	zc_bulk(_metadata, self, 64 << 20, &notes, &copied);
}

TEST_F_TIMEOUT(zc, stream_loss, 120)
{
	struct xnet_info info;
	socklen_t len = sizeof(info);

	int notes, copied;

	ASSERT_EQ(0, xu_sh("tc qdisc add dev xa root netem loss 2%%"));
	zc_bulk(_metadata, self, 16 << 20, &notes, &copied);
	ASSERT_EQ(0, getsockopt(self->cli, SOL_XNET, XNET_INFO, &info, &len));
	TH_LOG("retransmitted %u segments", info.xi_total_retrans);
	EXPECT_LT(0U, info.xi_total_retrans);
}

/*
 * A device that cannot take our large frames gets them cut by GSO,
 * which copies the payload: the pages were never sent from, and every
 * notification says so (SO_EE_CODE_ZEROCOPY_COPIED), as TCP's do when
 * its device cannot take them.
 */
TEST_F_TIMEOUT(zc, gso_copied, 60)
{
	int notes = 0, copied = 0;

	ASSERT_EQ(0, xu_sh("ethtool -K xa tx-gso-list off >/dev/null"));
	zc_bulk(_metadata, self, 4 << 20, &notes, &copied);
	EXPECT_LT(0, notes);
	EXPECT_EQ(notes, copied);
}

TEST_F(zc, off_copies)
{
	struct zc_state s = { 0 };
	struct rx_arg a = { 0 };
	long long c0, c1, z0, z1;
	size_t total = 4 << 20;
	char hex[65], b;
	pthread_t t;
	int v = 1;
	socklen_t vl = sizeof(v);

	ASSERT_EQ(0, zc_connect(&self->p, SOCK_STREAM, 7101, &self->cli,
				&self->srv));
	ASSERT_EQ(0, getsockopt(self->cli, SOL_SOCKET, SO_ZEROCOPY, &v, &vl));
	ASSERT_EQ(0, v);
	c0 = xu_counter("ZerocopyCopied");
	z0 = xu_counter("ZerocopySends");
	a.fd = self->srv;
	ASSERT_EQ(0, pthread_create(&t, NULL, rx_thread, &a));
	s.fd = self->cli;
	ASSERT_EQ(0, zc_send_all(&s, total, MSG_ZEROCOPY, hex, 0));
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	pthread_join(t, NULL);
	c1 = xu_counter("ZerocopyCopied");
	z1 = xu_counter("ZerocopySends");
	EXPECT_EQ(total, a.bytes);
	EXPECT_STREQ(hex, a.hex);
	/* no notification: nothing on the error queue, no POLLERR */
	EXPECT_EQ(-1, recv(self->cli, &b, 1, MSG_ERRQUEUE | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	{
		struct pollfd pfd = { .fd = self->cli };

		EXPECT_EQ(0, poll(&pfd, 1, 0));
	}
	EXPECT_EQ((long long)(total / CHUNK), c1 - c0);
	EXPECT_EQ(0, z1 - z0);
	zc_free(&s);
}

TEST_F_TIMEOUT(zc, seqpacket, 60)
{
	struct zc_state s = { 0 };
	struct rx_arg a = { 0 };
	double deadline = xu_now() + 30.0 * zc_mul();
	int i, n = 300, id;
	pthread_t t;

	ASSERT_EQ(0, zc_connect(&self->p, SOCK_SEQPACKET, 7102, &self->cli,
				&self->srv));
	ASSERT_EQ(0, zc_enable(self->cli));
	s.fd = self->cli;
	s.max_ids = n;
	s.ring = malloc((size_t)RING * CHUNK);
	s.slot_of = calloc(n, sizeof(int));
	s.seen = calloc(n, 1);
	ASSERT_TRUE(s.ring && s.slot_of && s.seen);
	a.fd = self->srv;
	a.seqpacket = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, rx_thread, &a));
	for (i = 0; i < n; i++) {
		int slot = i % RING;
		uint8_t *b = s.ring + (size_t)slot * CHUNK;
		size_t len = 1000 + (i * 7919) % (CHUNK - 999);
		ssize_t r;

		while (s.pending[slot])
			ASSERT_TRUE(xu_now() < deadline && !zc_wait(&s, 200));
		zc_fill(b, len, (uint64_t)i * CHUNK);
		while ((r = send(self->cli, b, len, MSG_ZEROCOPY)) < 0 &&
		       errno == ENOBUFS)
			ASSERT_TRUE(xu_now() < deadline && !zc_wait(&s, 200));
		ASSERT_EQ((ssize_t)len, r);
		s.slot_of[s.ids++] = slot;
		s.pending[slot]++;
		ASSERT_EQ(0, zc_drain(&s));
	}
	while (s.done < s.ids)
		ASSERT_TRUE(xu_now() < deadline && !zc_wait(&s, 200));
	ASSERT_EQ(0, shutdown(self->cli, SHUT_WR));
	pthread_join(t, NULL);
	EXPECT_EQ(0, a.err);
	EXPECT_EQ(n, a.msgs);
	EXPECT_EQ(0, a.bad_msgs);
	EXPECT_EQ(0, s.bad);
	EXPECT_EQ(0, s.dup);
	for (id = 0; id < n; id++)
		if (s.seen[id] != 1)
			break;
	EXPECT_EQ(n, id);
	zc_free(&s);
}

/* SO_ZEROCOPY works at SOL_SOCKET where the kernel lets a family take it */
static int kernel_has_custom_sockopt(void)
{
	struct utsname u;
	int maj, min;

	if (uname(&u) || sscanf(u.release, "%d.%d", &maj, &min) != 2)
		return 0;
	return maj > 6 || (maj == 6 && min >= 5);
}

TEST_F(zc, sockopt)
{
	int one = 1, two = 2, v;
	socklen_t vl = sizeof(v);
	int fd, type;

	for (type = SOCK_STREAM; type <= SOCK_SEQPACKET;
	     type += SOCK_SEQPACKET - SOCK_STREAM) {
		fd = socket(AF_XNET, type, 0);
		ASSERT_LE(0, fd);
		if (kernel_has_custom_sockopt()) {
			EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY,
						&one, sizeof(one)));
		} else {
			EXPECT_EQ(-1, setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY,
						 &one, sizeof(one)));
			EXPECT_EQ(EOPNOTSUPP, errno);
			EXPECT_EQ(0, zc_enable(fd));
		}
		vl = sizeof(v);
		v = 0;
		EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &v, &vl));
		EXPECT_EQ(1, v);
		vl = sizeof(v);
		v = 0;
		EXPECT_EQ(0, getsockopt(fd, SOL_XNET, XNET_ZEROCOPY, &v, &vl));
		EXPECT_EQ(1, v);
		EXPECT_EQ(-1, setsockopt(fd, SOL_XNET, XNET_ZEROCOPY, &two,
					 sizeof(two)));
		EXPECT_EQ(EINVAL, errno);
		v = 0;
		EXPECT_EQ(0, setsockopt(fd, SOL_XNET, XNET_ZEROCOPY, &v,
					sizeof(v)));
		vl = sizeof(v);
		EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &v, &vl));
		EXPECT_EQ(0, v);
		/* other SOL_SOCKET options still work */
		v = 65536;
		EXPECT_EQ(0, setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v,
					sizeof(v)));
		close(fd);
	}
}

/* tools the tests run, besides ip and xnetctl (xnet_harness.h) */
#define XNET_NEEDS "ethtool tc"
#include "xnet_harness.h"
