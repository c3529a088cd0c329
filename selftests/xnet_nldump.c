// SPDX-License-Identifier: GPL-2.0
/*
 * xnet_nldump [CMD]: send one dump request (XNET_CMD_* number CMD,
 * XNET_CMD_KEY_GET if none; no attributes) to the "xnet" generic
 * netlink family and write every byte the kernel answers, headers
 * included, to stdout as hex (two digits a byte, one message a line). xnet_keys.sh looks for key bytes in it:
 * what xnetctl decodes is not all a dump could carry.
 *
 * Exit 0 when the dump ended with NLMSG_DONE, 1 otherwise.
 */
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "xnet_util.h"

static int nl_fd;
static unsigned int seq;

static int nl_send(uint16_t type, uint16_t flags, uint8_t cmd,
		   const void *attr, size_t alen)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = NLMSG_DATA(nlh);

	nlh->nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + alen;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	g->cmd = cmd;
	g->version = 1;
	memcpy((char *)g + GENL_HDRLEN, attr, alen);
	return send(nl_fd, buf, nlh->nlmsg_len, 0) < 0 ? -1 : 0;
}

/* The family id of "xnet", or -1. */
static int family_id(void)
{
	struct {
		struct nlattr a;
		char name[8];
	} req = { { NLA_HDRLEN + 5, CTRL_ATTR_FAMILY_NAME }, "xnet" };
	static char buf[8192];
	struct nlmsghdr *nlh;
	struct nlattr *a;
	ssize_t n;
	int len;

	if (nl_send(GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, &req,
		    NLA_ALIGN(req.a.nla_len)))
		return -1;
	n = recv(nl_fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -1;
	nlh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nlh, n) || nlh->nlmsg_type == NLMSG_ERROR)
		return -1;
	a = (struct nlattr *)((char *)NLMSG_DATA(nlh) + GENL_HDRLEN);
	len = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
	while (len >= (int)NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
	       a->nla_len <= len) {
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
		len -= NLA_ALIGN(a->nla_len);
		a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
	}
	return -1;
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct nlmsghdr *nlh;
	int fam, cmd = XNET_CMD_KEY_GET, done = 0;
	ssize_t n, i;

	if (argc > 2) {
		fprintf(stderr, "usage: %s [CMD]\n", argv[0]);
		return 2;
	}
	if (argc == 2)
		cmd = atoi(argv[1]);
	nl_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (nl_fd < 0) {
		perror("socket");
		return 1;
	}
	fam = family_id();
	if (fam < 0 ||
	    nl_send(fam, NLM_F_DUMP, cmd, NULL, 0)) {
		fprintf(stderr, "no xnet family\n");
		return 1;
	}
	while (!done) {
		n = recv(nl_fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		for (nlh = (struct nlmsghdr *)buf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			for (i = 0; i < (ssize_t)nlh->nlmsg_len; i++)
				printf("%02x", ((uint8_t *)nlh)[i]);
			printf("\n");
			if (nlh->nlmsg_type == NLMSG_DONE ||
			    nlh->nlmsg_type == NLMSG_ERROR)
				done = nlh->nlmsg_type == NLMSG_DONE ? 1 : -1;
		}
	}
	return done == 1 ? 0 : 1;
}
