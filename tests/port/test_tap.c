// SPDX-License-Identifier: MIT
/* test_tap.c - tap ports against the Linux tap driver, in a private network namespace
 *
 * Needs root (suite e2e). The test unshares its own network namespace, so
 * every tap it creates lives and dies with the test process and no name can
 * clash with another test run. The kernel-side peer is an AF_PACKET socket
 * bound to the tap: what it sends leaves the kernel through the tap and
 * must come out of rx_burst; what tx_burst writes must arrive on it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/seccomp.h>
#include <cmocka.h>

#include "core/csum.h"
#include "core/pool.h"
#include "core/vhdr.h"
#include "core/log.h"
#include "port/port.h"
#include "port/tap.h"

#define ETH_P_TEST	0x88b5	/* IEEE local experimental ethertype */
#ifndef TUN_F_USO4
#define TUN_F_USO4	0x20
#endif
#ifndef TUN_F_USO6
#define TUN_F_USO6	0x40
#endif

/* An AF_PACKET socket on @ifname, optionally with a virtio-net header */
static int pkt_sock(const char *ifname, bool vnet)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	int one = 1, fd;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	assert_true(fd >= 0);
	if (vnet)
		assert_int_equal(setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)), 0);
	sll.sll_ifindex = (int)if_nametoindex(ifname);
	assert_true(sll.sll_ifindex > 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sll, sizeof(sll)), 0);
	return fd;
}

static void fill_test_frame(uint8_t *f, size_t len, uint8_t marker)
{
	size_t i;

	memset(f, 0xff, 6);				/* broadcast */
	memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
	f[12] = ETH_P_TEST >> 8;
	f[13] = ETH_P_TEST & 0xff;
	for (i = 14; i < len; i++)
		f[i] = (uint8_t)(marker + i);
}

/* rx_burst until a frame of ethertype ETH_P_TEST arrives (others: IPv6 noise), 5 s max */
static unsigned int rx_test_frames(struct vn_port *p, struct vn_pkt **out, unsigned int want)
{
	struct vn_pkt *pkts[64];
	unsigned int got = 0, i, n, loops;

	for (loops = 0; loops < 500 && got < want; loops++) {
		struct pollfd pfd = { .fd = vn_port_poll_fd(p), .events = POLLIN };

		poll(&pfd, 1, 10);
		n = vn_port_rx_burst(p, pkts, 64);
		for (i = 0; i < n; i++) {
			uint8_t *et = vn_pkt_ptr(pkts[i], 12, 2);

			if (got < want && et && ((et[0] << 8) | et[1]) == ETH_P_TEST)
				out[got++] = pkts[i];
			else if (got < want && et && et[0] == 0x08 && et[1] == 0x00)
				out[got++] = pkts[i];	/* IPv4 for the GSO tests */
			else
				vn_pkt_put(pkts[i]);
		}
	}
	return got;
}

/* recv on the packet socket until a non-outgoing frame of @ethertype, 5 s max */
static ssize_t sock_recv(int fd, uint8_t *buf, size_t len, uint16_t ethertype, size_t hdr)
{
	unsigned int loops;

	for (loops = 0; loops < 500; loops++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;

		poll(&pfd, 1, 10);
		r = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fl);
		if (r < (ssize_t)(hdr + 14) || from.sll_pkttype == PACKET_OUTGOING)
			continue;
		if (((buf[hdr + 12] << 8) | buf[hdr + 13]) == ethertype)
			return r;
	}
	return -1;
}

static int setup_netns(void **state)
{
	FILE *f;

	(void)state;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s (this test needs root)\n",
			strerror(errno));
		return -1;
	}
	/* no IPv6 autoconf chatter on the taps of this private namespace */
	f = fopen("/proc/sys/net/ipv6/conf/default/disable_ipv6", "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	return 0;
}

static void test_tap_rx_tx(void **state)
{
	uint8_t frame[600], buf[2048];
	struct vn_pkt *pkts[4];
	struct vn_port *p;
	int s;

	(void)state;
	assert_int_equal(vn_port_open("tap:name=vnt0", 3, &p), 0);
	assert_string_equal(p->name, "vnt0");
	assert_true(vn_tap_created(p));
	assert_int_equal(p->vnet_hdr_len, 12);
	assert_int_equal(p->mtu, 1500);
	s = pkt_sock("vnt0", false);

	/* kernel -> tap -> rx_burst */
	fill_test_frame(frame, sizeof(frame), 7);
	assert_int_equal(send(s, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	assert_int_equal(rx_test_frames(p, pkts, 1), 1);
	assert_int_equal(vn_pkt_len(pkts[0]), sizeof(frame));
	assert_memory_equal(vn_pkt_data(pkts[0]), frame, sizeof(frame));
	assert_int_equal(pkts[0]->in_port, 3);
	assert_int_equal(pkts[0]->vh.gso_type, VN_VHDR_GSO_NONE);
	assert_true(p->stats.rx_packets >= 1);

	/* tx_burst -> tap -> kernel: the same buffer goes back out with a new marker */
	fill_test_frame(vn_pkt_data(pkts[0]), sizeof(frame), 99);
	memcpy(frame, vn_pkt_data(pkts[0]), sizeof(frame));
	assert_int_equal(vn_port_tx_burst(p, pkts, 1), 1);
	assert_int_equal(p->stats.tx_packets, 1);
	assert_int_equal(p->stats.tx_bytes, sizeof(frame));
	assert_int_equal(sock_recv(s, buf, sizeof(buf), ETH_P_TEST, 0), (ssize_t)sizeof(frame));
	assert_memory_equal(buf, frame, sizeof(frame));

	/* rx disabled: nothing comes out, and it is counted as a pause */
	vn_port_rx_enable(p, false);
	assert_int_equal(p->stats.rx_paused, 1);
	assert_int_equal(send(s, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	usleep(20000);
	assert_int_equal(vn_port_rx_burst(p, pkts, 4), 0);
	vn_port_rx_enable(p, true);
	assert_int_equal(rx_test_frames(p, pkts, 1), 1);

	/* link down: the kernel refuses the write; the frame is consumed and counted */
	assert_int_equal(system("ip link set vnt0 down"), 0);
	assert_int_equal(vn_port_tx_burst(p, pkts, 1), 1);
	assert_int_equal(p->stats.drops[VN_DROP_PORT_DOWN], 1);
	assert_int_equal(p->stats.drops[VN_DROP_TX_ERROR], 0);
	assert_int_equal(p->stats.tx_packets, 1);
	assert_int_equal(vn_pool_avail(p->pool), p->pool->size);

	close(s);
	vn_port_close(p);
	/* a tap we created goes with the port */
	assert_int_equal(if_nametoindex("vnt0"), 0);
}

/* Build Ethernet + IPv4 + TCP with @payload bytes, checksum left as a GSO sender leaves it */
static size_t build_tcp4(uint8_t *f, size_t payload)
{
	size_t iplen = 20 + 20 + payload;
	uint16_t sum;
	size_t i;

	memset(f, 0, 54);
	memcpy(f, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	f[14] = 0x45;
	f[16] = (uint8_t)(iplen >> 8);
	f[17] = (uint8_t)iplen;
	f[22] = 64;
	f[23] = 6;
	memcpy(f + 26, "\x0a\x63\x00\x01\x0a\x63\x00\x02", 8);
	sum = vn_csum_fold(vn_csum_partial(f + 14, 20, 0));
	memcpy(f + 24, &sum, 2);
	f[34] = 0x30;	/* sport 12345 */
	f[35] = 0x39;
	f[36] = 0x00;	/* dport 80 */
	f[37] = 0x50;
	f[46] = 0x50;	/* data offset 5 */
	f[47] = 0x18;	/* PSH|ACK */
	f[48] = 0xff;
	for (i = 0; i < payload; i++)
		f[54 + i] = (uint8_t)i;
	return 54 + payload;
}

/* Send one 3000-byte-payload TCPv4 GSO frame into the tap from the kernel side */
static void send_gso_from_kernel(const char *ifname, uint8_t *f, size_t *len)
{
	uint8_t wire[10 + 4096];
	struct vn_vhdr vh = {
		.flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_TCPV4,
		.hdr_len = 54, .gso_size = 1448, .csum_start = 34, .csum_offset = 16,
	};
	uint16_t ph;
	int s = pkt_sock(ifname, true);

	*len = build_tcp4(f, 3000);
	/* NEEDS_CSUM: the TCP checksum field holds the pseudo-header sum */
	ph = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 6, (uint32_t)(*len - 34)));
	memcpy(f + 50, &ph, 2);
	vn_vhdr_build(&vh, wire, VN_VHDR_LEN);
	memcpy(wire + 10, f, *len);
	assert_int_equal(send(s, wire, 10 + *len, 0), (ssize_t)(10 + *len));
	close(s);
}

static void test_tap_offload_on(void **state)
{
	uint8_t f[4096], buf[8192];
	struct vn_pkt *pkt;
	struct vn_port *p;
	size_t len;
	ssize_t r;
	int s;

	(void)state;
	assert_int_equal(vn_port_open("tap:name=vnt1,offload=on", 0, &p), 0);
	/* the kernel (6.x) grants everything we ask for */
	assert_int_equal(vn_tap_tun_offloads(p), 0x01 | 0x02 | 0x04 | 0x08 | 0x20 | 0x40);
	assert_true(vn_port_has(p, VN_NET_F_CSUM));
	assert_true(vn_port_has(p, VN_NET_F_HOST_TSO4));
	assert_true(vn_port_has(p, VN_NET_F_HOST_TSO6));
	assert_true(vn_port_has(p, VN_NET_F_HOST_ECN));
	assert_true(vn_port_has(p, VN_NET_F_HOST_USO));
	assert_int_equal(p->features & VN_NET_GUEST_OFFLOADS, VN_NET_GUEST_OFFLOADS);

	/* a GSO super-frame crosses the tap whole, with its metadata */
	send_gso_from_kernel("vnt1", f, &len);
	assert_int_equal(rx_test_frames(p, &pkt, 1), 1);
	assert_int_equal(vn_pkt_len(pkt), len);
	assert_int_equal(pkt->vh.gso_type, VN_VHDR_GSO_TCPV4);
	assert_int_equal(pkt->vh.gso_size, 1448);
	assert_int_equal(pkt->vh.flags & VN_VHDR_F_NEEDS_CSUM, VN_VHDR_F_NEEDS_CSUM);
	assert_int_equal(pkt->vh.csum_start, 34);
	assert_memory_equal(vn_pkt_data(pkt) + 54, f + 54, 3000);

	/* and is written back out as one GSO frame the kernel accepts */
	s = pkt_sock("vnt1", true);
	assert_int_equal(vn_port_tx_burst(p, &pkt, 1), 1);
	assert_int_equal(p->stats.drops[VN_DROP_TX_ERROR], 0);
	r = sock_recv(s, buf, sizeof(buf), 0x0800, 10);
	assert_int_equal(r, (ssize_t)(10 + len));
	assert_int_equal(buf[1], VN_VHDR_GSO_TCPV4);	/* still one super-frame */
	assert_memory_equal(buf + 10 + 54, f + 54, 3000);
	close(s);
	vn_port_close(p);
}

static void test_tap_offload_off(void **state)
{
	struct vn_pkt *pkts[3];
	uint8_t f[4096];
	struct vn_port *p;
	unsigned int i;
	size_t len;

	(void)state;
	assert_int_equal(vn_port_open("tap:name=vnt2,offload=off", 0, &p), 0);
	assert_int_equal(vn_tap_tun_offloads(p), 0);
	assert_int_equal(p->features, 0);

	/* the kernel must segment and checksum before handing frames to us */
	send_gso_from_kernel("vnt2", f, &len);
	assert_int_equal(rx_test_frames(p, pkts, 3), 3);
	for (i = 0; i < 3; i++) {
		const uint8_t *ip = vn_pkt_ptr(pkts[i], 14, 20);

		assert_true(vn_pkt_len(pkts[i]) <= 1514);
		assert_int_equal(pkts[i]->vh.gso_type, VN_VHDR_GSO_NONE);
		assert_int_equal(pkts[i]->vh.flags & VN_VHDR_F_NEEDS_CSUM, 0);
		assert_non_null(ip);
		/* the TCP checksum is complete: summing with the pseudo-header gives 0 */
		assert_int_equal(vn_csum_fold(vn_csum_partial(vn_pkt_data(pkts[i]) + 34,
							       vn_pkt_len(pkts[i]) - 34,
							       vn_csum_pseudo_v4(ip + 12, ip + 16, 6,
									       vn_pkt_len(pkts[i]) - 34))),
				 0);
	}
	assert_int_equal(vn_pkt_len(pkts[0]) + vn_pkt_len(pkts[1]) + vn_pkt_len(pkts[2]),
			 3000 + 3 * 54);
	vn_pkt_put_bulk(pkts, 3);
	vn_port_close(p);
}

/* MTU of interface @name in this namespace, -1 if unknown */
static int link_mtu(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	ret = s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0 ? ifr.ifr_mtu : -1;
	if (s >= 0)
		close(s);
	return ret;
}

/* IFF_UP of interface @name */
static bool link_up(const char *name)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	bool up;

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	up = s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	if (s >= 0)
		close(s);
	return up;
}

static void test_tap_attach_and_queues(void **state)
{
	uint8_t frame[100];
	struct vn_pkt *pkt;
	struct vn_port *p;
	int s;

	(void)state;
	/* a persistent tap made by someone else: attached, and left on close
	 * with the MTU and up/down state it had */
	assert_int_equal(system("ip tuntap add dev vnt3 mode tap vnet_hdr"), 0);
	assert_int_equal(system("ip link set vnt3 mtu 1400"), 0);
	assert_int_equal(vn_port_open("tap:name=vnt3,create=off,mtu=9000", 0, &p), 0);
	assert_false(vn_tap_created(p));
	assert_int_equal(p->mtu, 9000);
	assert_int_equal(link_mtu("vnt3"), 9000);
	assert_true(link_up("vnt3"));
	vn_port_close(p);
	assert_true(if_nametoindex("vnt3") > 0);
	assert_int_equal(link_mtu("vnt3"), 1400);
	assert_false(link_up("vnt3"));
	/* one that was up stays up */
	assert_int_equal(system("ip link set vnt3 up"), 0);
	assert_int_equal(vn_port_open("tap:name=vnt3,create=off", 0, &p), 0);
	vn_port_close(p);
	assert_int_equal(link_mtu("vnt3"), 1400);
	assert_true(link_up("vnt3"));
	/* a failed open (bad MTU for the kernel) leaves it as found too */
	assert_int_equal(system("ip link set vnt3 down"), 0);
	assert_int_not_equal(vn_port_open("tap:name=vnt3,create=off,mtu=65535,offload=off", 0,
					  &p), 0);
	assert_int_equal(link_mtu("vnt3"), 1400);
	assert_false(link_up("vnt3"));
	assert_int_equal(system("ip tuntap del dev vnt3 mode tap"), 0);

	/* create=off on a missing tap is an error */
	assert_int_equal(vn_port_open("tap:name=vnt3,create=off", 0, &p), -ENODEV);

	/* no name: an error, not a kernel-chosen "tap0" */
	assert_int_equal(vn_port_open("tap", 0, &p), -EINVAL);
	assert_null(p);
	assert_int_equal(vn_port_open("tap:", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:offload=off", 0, &p), -EINVAL);

	/* four queues: frames from any of them come out of the one poll fd */
	assert_int_equal(vn_port_open("tap:name=vnt4,queues=4", 0, &p), 0);
	assert_true(vn_tap_created(p));
	s = pkt_sock("vnt4", false);
	fill_test_frame(frame, sizeof(frame), 1);
	assert_int_equal(send(s, frame, sizeof(frame), 0), (ssize_t)sizeof(frame));
	assert_int_equal(rx_test_frames(p, &pkt, 1), 1);
	assert_memory_equal(vn_pkt_data(pkt), frame, sizeof(frame));
	vn_pkt_put(pkt);
	close(s);
	vn_port_close(p);
	assert_int_equal(if_nametoindex("vnt4"), 0);
}

static void test_tap_netns(void **state)
{
	char ns[32], cmd[128], spec[96];
	struct vn_port *p, *q;
	int rc;

	(void)state;
	snprintf(ns, sizeof(ns), "vnpt%d", (int)getpid());	/* unique per run */
	snprintf(cmd, sizeof(cmd), "ip netns add %s", ns);
	assert_int_equal(system(cmd), 0);
	snprintf(spec, sizeof(spec), "tap:name=vnt6,netns=%s,offload=off", ns);
	rc = vn_port_open(spec, 0, &p);
	/* the tap is in that namespace, not in ours, and this thread came back */
	snprintf(cmd, sizeof(cmd), "ip -n %s link show vnt6 >/dev/null", ns);
	if (rc == 0 && system(cmd) == 0 && if_nametoindex("vnt6") == 0 &&
	    vn_port_open("tap:name=vnt7", 1, &q) == 0) {
		assert_true(if_nametoindex("vnt7") > 0);
		vn_port_close(q);
		vn_port_close(p);
		rc = system(cmd);	/* created in the namespace: gone from it */
		snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
		assert_int_equal(system(cmd), 0);
		assert_int_not_equal(rc, 0);
	} else {
		snprintf(cmd, sizeof(cmd), "ip netns del %s", ns);
		system(cmd);
		fail_msg("tap not opened in netns %s (rc %d)", ns, rc);
	}
	assert_int_equal(vn_port_open("tap:name=vnt6,netns=../../etc", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=vnt6,netns=", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=vnt6,netns=vnpt-no-such-ns", 0, &p), -ENOENT);
	assert_int_equal(vn_port_open("tap:name=vnt6,netns=/nonexistent", 0, &p), -ENOENT);
	assert_int_equal(if_nametoindex("vnt6"), 0);
}

/*
 * Play an older kernel: a seccomp filter makes TUNSETOFFLOAD fail with
 * EINVAL whenever @refused bits are asked for (as a kernel without USO, or
 * without TSO_ECN, answers), so the fallback must keep the rest.
 */
static void refuse_offloads(unsigned int refused)
{
	const uint32_t tunsetoffload = TUNSETOFFLOAD;
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, tunsetoffload, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, refused, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EINVAL),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = VN_ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		_exit(90);
}

/* In a child (the filter cannot be removed): open a tap and report what was granted */
static unsigned int granted_when_refused(unsigned int refused, uint64_t *features)
{
	struct { unsigned int tun; uint64_t features; int ok; } res = { 0 };
	int pfd[2], status;
	pid_t pid;

	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct vn_port *p;

		close(pfd[0]);
		refuse_offloads(refused);
		res.ok = vn_port_open("tap:name=vnt8", 0, &p) == 0;
		if (res.ok) {
			res.tun = vn_tap_tun_offloads(p);
			res.features = p->features;
			vn_port_close(p);
		}
		_exit(write(pfd[1], &res, sizeof(res)) == sizeof(res) ? 0 : 91);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &res, sizeof(res)), sizeof(res));
	close(pfd[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(res.ok);
	*features = res.features;
	return res.tun;
}

static void test_tap_offload_fallback(void **state)
{
	uint64_t f;

	(void)state;
	/* a kernel without USO (before 6.2): everything else is kept */
	assert_int_equal(granted_when_refused(TUN_F_USO4 | TUN_F_USO6, &f),
			 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN);
	assert_true(f & VN_BIT(VN_NET_F_HOST_TSO4));
	assert_false(f & VN_BIT(VN_NET_F_HOST_USO));
	/* we may still send USO frames: the kernel takes any GSO frame on write */
	assert_true(f & VN_BIT(VN_NET_F_GUEST_USO4));
	/* no TSO_ECN, no TSO6: the features after them are still asked for */
	assert_int_equal(granted_when_refused(TUN_F_TSO_ECN | TUN_F_TSO6, &f),
			 TUN_F_CSUM | TUN_F_TSO4 | TUN_F_USO4 | TUN_F_USO6);
	assert_false(f & VN_BIT(VN_NET_F_HOST_ECN));
	assert_false(f & VN_BIT(VN_NET_F_HOST_TSO6));
	assert_true(f & VN_BIT(VN_NET_F_HOST_USO));
	/* nothing at all granted: no receive offloads, still a working port */
	assert_int_equal(granted_when_refused(0x7f, &f), 0);
	assert_int_equal(f & VN_NET_HOST_OFFLOADS, 0);
	assert_int_equal(if_nametoindex("vnt8"), 0);
}

/*
 * F10: frames the tap port drops (here TSO frames of 3000 one-byte
 * segments, over the 2048-segment cap) count against the burst: with 40
 * of them queued, one rx_burst(8) reads exactly 8. It used to read until
 * the queue was empty, for as long as a sender kept it full.
 */
static void test_tap_dropped_frames_count_against_the_burst(void **state)
{
	uint8_t f[4096], wire[10 + 4096];
	struct vn_vhdr vh = {
		.flags = VN_VHDR_F_NEEDS_CSUM, .gso_type = VN_VHDR_GSO_TCPV4,
		.hdr_len = 54, .gso_size = 1, .csum_start = 34, .csum_offset = 16,
	};
	struct vn_pkt *pkts[8];
	struct vn_port *p;
	unsigned int i;
	size_t len;
	uint16_t ph;
	int s;

	(void)state;
	assert_int_equal(vn_port_open("tap:name=vnt9,offload=on", 0, &p), 0);
	s = pkt_sock("vnt9", true);
	len = build_tcp4(f, 3000);
	ph = vn_csum_fold_nocompl(vn_csum_pseudo_v4(f + 26, f + 30, 6, (uint32_t)(len - 34)));
	memcpy(f + 50, &ph, 2);
	vn_vhdr_build(&vh, wire, VN_VHDR_LEN);
	memcpy(wire + 10, f, len);
	for (i = 0; i < 40; i++)
		assert_int_equal(send(s, wire, 10 + len, 0), (ssize_t)(10 + len));
	usleep(20000);	/* not a timing assertion: the sends are synchronous, this is slack */
	assert_int_equal(vn_port_rx_burst(p, pkts, 8), 0);
	assert_int_equal(p->stats.drops[VN_DROP_VHDR_GSO_SEGS], 8);
	for (i = 0; i < 10 && p->stats.drops[VN_DROP_VHDR_GSO_SEGS] < 40; i++)
		assert_int_equal(vn_port_rx_burst(p, pkts, 8), 0);
	assert_int_equal(p->stats.drops[VN_DROP_VHDR_GSO_SEGS], 40);
	assert_int_equal(vn_pool_avail(p->pool), p->pool->size);
	close(s);
	vn_port_close(p);
}

static void test_tap_bad_args(void **state)
{
	struct vn_port *p;

	(void)state;
	assert_int_equal(vn_port_open("tap:name=vnt5,queues=0", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=vnt5,queues=17", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=vnt5,offload=maybe", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=vnt5,create=2", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=vnt5,bogus=1", 0, &p), -EINVAL);
	assert_int_equal(vn_port_open("tap:name=a234567890123456", 0, &p), -EINVAL);
	/* a name taken by a non-tap device */
	assert_int_equal(vn_port_open("tap:name=lo", 0, &p), -EINVAL);
	/* a name the kernel refuses: said so, before any ioctl */
	{
		static const char *const names[] = { "tap:name=a b", "tap:name=a/b", "tap:name=a:b",
						     "tap:name=..", "tap:name=." };
		struct vn_log_capture cap;
		char why[128], want[128];

		for (unsigned int i = 0; i < VN_ARRAY_SIZE(names); i++) {
			vn_log_capture_begin(&cap, why, sizeof(why));
			assert_int_equal(vn_port_open(names[i], 0, &p), -EINVAL);
			vn_log_capture_end(&cap);
			snprintf(want, sizeof(want), "port '%s': invalid interface name (no '/', ':', "
				 "blanks, '.' or '..')", names[i] + 9);
			assert_string_equal(why, want);
		}
	}
	assert_int_equal(if_nametoindex("vnt5"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tap_rx_tx),
		cmocka_unit_test(test_tap_offload_on),
		cmocka_unit_test(test_tap_offload_off),
		cmocka_unit_test(test_tap_attach_and_queues),
		cmocka_unit_test(test_tap_netns),
		cmocka_unit_test(test_tap_offload_fallback),
		cmocka_unit_test(test_tap_dropped_frames_count_against_the_burst),
		cmocka_unit_test(test_tap_bad_args),
	};

	return cmocka_run_group_tests(tests, setup_netns, NULL);
}
