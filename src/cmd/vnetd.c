// SPDX-License-Identifier: MIT
/* vnetd.c - the vnetd daemon: command line, logging, signals, switch lifetime
 *
 * vnetd runs in the foreground and logs to stderr. It opens every --port
 * before it says "vnetd: ready" on stdout (and writes the pid file), so a
 * script that waits for that line knows the ports exist. Any bad argument or
 * port that cannot be opened is a clear message and exit status 1, with the
 * ports already opened closed again (taps it created are removed).
 *
 * Signals: SIGINT and SIGTERM are blocked in every thread (the workers
 * inherit the mask) and taken by the main thread with sigwaitinfo(), so the
 * shutdown runs in ordinary thread context: stop the workers, close the
 * ports (a tap vnetd created disappears, an attached one stays), remove the
 * pid file. SIGHUP (the terminal vnetd was started from went away) is taken
 * the same way, logged and ignored: vnetd keeps serving, and there is no
 * reload (the control socket changes ports and programs at run time).
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/cpulist.h"
#include "bpf/vm.h"
#include "core/log.h"
#include "ctl/ctl.h"
#include "port/port.h"
#include "port/tap.h"
#include "switch/sw.h"
#include "switch/xdp_hook.h"

#define VNETD_PORTS_MAX		1024
#define VNETD_WORKERS_MAX	64
#define VNETD_XDP_MAX		512

/**
 * struct vnetd_opts - the parsed command line
 * @ports:	--port specs, in order
 * @nports:	entries in @ports
 * @workers:	--workers
 * @aging:	--aging seconds
 * @busy_poll:	--busy-poll
 * @poll_us:	--poll-us
 * @cpus:	--cpus, parsed
 * @ncpus:	entries in @cpus (0: not given)
 * @socket:	--socket path, or NULL
 * @config:	--config file, or NULL
 * @pidfile:	--pidfile path, or NULL
 * @verbose:	-v count
 * @xdp:	--xdp specs, in order
 * @nxdp:	entries in @xdp
 * @xdp_mem:	--xdp-mem-limit bytes (0: the switch's default)
 * @xdp_budget:	--xdp-budget instructions (0: the switch's default)
 * @xdp_time_cap: --xdp-time-cap ns (0: the switch's default)
 * @xdp_cpu_rate: --xdp-cpu-rate units per second (0: the switch's default)
 * @xdp_cpu_burst: --xdp-cpu-burst units (0: the switch's default)
 * @jit:	--jit=on|off: XDP programs as x86-64 code or interpreted
 */
struct vnetd_opts {
	const char *ports[VNETD_PORTS_MAX];
	unsigned int nports;
	unsigned int workers;
	unsigned int aging;
	bool busy_poll;
	unsigned int poll_us;
	unsigned int cpus[VN_CPULIST_MAX];
	unsigned int ncpus;
	const char *socket;
	const char *config;
	const char *pidfile;
	unsigned int verbose;
	const char *xdp[VNETD_XDP_MAX];
	unsigned int nxdp;
	size_t xdp_mem;
	unsigned int xdp_budget;
	uint64_t xdp_time_cap;
	uint64_t xdp_cpu_rate;
	uint64_t xdp_cpu_burst;
	bool jit;
};

_Static_assert(VN_CPULIST_MAX == VN_SW_WORKERS_MAX, "--cpus fills vn_sw_config.cpus");

static const char usage_text[] =
"Usage: vnetd [OPTION]...\n"
"A userspace virtual switch for VMs and containers: an L2 learning bridge\n"
"between tap devices, vhost-user guests and other ports, carrying TSO/GSO\n"
"frames and their checksum state from port to port.\n"
"\n"
"vnetd runs in the foreground and logs to stderr. When every port is open it\n"
"prints \"vnetd: ready\" on stdout. SIGINT or SIGTERM stops it cleanly: taps it\n"
"created are removed, taps it attached to are left in place (MTU and up/down\n"
"state as found). SIGHUP is logged and ignored.\n"
"\n"
"Options:\n"
"  -p, --port KIND:ARGS   add a port (repeatable); see PORTS below\n"
"  -w, --workers N        forwarding threads, 1-64 (default 1)\n"
"      --aging SEC        MAC table aging time, 1-1000000 s (default 300)\n"
"      --busy-poll        workers poll their ports without ever sleeping\n"
"                         (each takes a whole CPU)\n"
"      --poll-us N        after moving frames, a worker keeps polling for N\n"
"                         microseconds (0-10000, default 0) before it sleeps,\n"
"                         yielding its CPU between passes: fewer wake-ups\n"
"                         under steady traffic, for a little CPU\n"
"      --cpus LIST        run worker i on the i-th CPU of LIST (taskset -c\n"
"                         syntax: 0,2,4-7; reused round robin if shorter\n"
"                         than --workers). Default: the scheduler places\n"
"                         the workers. Pinning keeps a worker from being\n"
"                         pulled onto the CPU of the application it serves\n"
"  -x, --xdp PORT:DIR:FILE.o[:SECTION][:segment-first][:redirect=P1,P2|none]\n"
"                         attach an XDP program (repeatable): DIR is\n"
"                         ingress (frames from the port) or egress (frames\n"
"                         to it); SECTION picks the program (function or\n"
"                         section name, default the first); segment-first\n"
"                         cuts TSO frames into MTU frames before the program;\n"
"                         redirect= lists the ports it may redirect to\n"
"      --xdp-mem-limit MIB  memory cap of each XDP program with its maps\n"
"                         (default 64)\n"
"      --xdp-budget N     units an XDP program may spend per frame: one per\n"
"                         instruction plus its helpers' work (default\n"
"                         100000); past it the frame is aborted\n"
"      --xdp-time-cap NS  wall-clock cap of one XDP run, 1000-1000000000 ns\n"
"                         (default 500000); past it the frame is aborted\n"
"      --xdp-cpu-rate N   budget units per second one XDP program may spend\n"
"                         on each worker, 1000-4000000000 (default\n"
"                         250000000, about a quarter of a worker)\n"
"      --xdp-cpu-burst N  units it may spend at once, 1000-1000000000000\n"
"                         (default 1000000); over its budget a frame is\n"
"                         aborted (xdp_throttled)\n"
"      --jit=on|off       compile XDP programs to x86-64 code (default on\n"
"                         where the CPU supports it) or interpret them\n"
"  -s, --socket PATH      serve the control protocol (vnetctl) on this\n"
"                         unix socket\n"
"  -c, --config FILE      run the control commands in FILE at start (one\n"
"                         per line, as given to vnetctl: \"port add SPEC\");\n"
"                         without --socket, serves " VN_CTL_SOCK_DEFAULT "\n"
"      --pidfile PATH     write the daemon's pid to PATH once ready\n"
"  -v, --verbose          more log output (repeat for debug)\n"
"  -q, --quiet            only warnings and errors\n"
"  -h, --help             show this help and exit\n"
"  -V, --version          show the version and exit\n"
"\n"
"PORTS\n"
"  A port is KIND:KEY=VALUE,KEY=VALUE,... Keys every kind takes:\n"
"    name=NAME            port name (a tap's interface name); required\n"
"    vlan=N               access port of VLAN N (1-4094)\n"
"    trunk=A:B:...        trunk carrying tagged VLANs A, B, ...\n"
"    policy=block|drop    when the port is full: stop its sources (block,\n"
"                         the default, loses nothing) or drop and count\n"
"    pool=N               receive buffers (default 2048)\n"
"    mtu=N                MTU (68-65535; a tap's MTU is set to it)\n"
"    macs=N               source addresses learned on the port at most\n"
"                         (default 4096)\n"
"  tap: a Linux tap device (needs CAP_NET_ADMIN)\n"
"    offload=on|off       negotiate checksum/TSO/USO offloads (default on);\n"
"                         off: vnetd checksums and segments for this tap\n"
"    queues=N             multiqueue tap with N queues (1-16, default 1)\n"
"    create=on|off        on (default): create the tap if missing, else\n"
"                         attach to the existing persistent tap; off: attach\n"
"                         only\n"
"    netns=NAME|PATH      create or attach the tap inside that network\n"
"                         namespace (/run/netns/NAME, or a path such as\n"
"                         /proc/PID/ns/net)\n"
"                         (CAP_SYS_ADMIN too)\n"
"  afpacket: an existing host interface (name=IF) through AF_PACKET, with\n"
"    GSO frames kept whole (needs CAP_NET_RAW)\n"
"    offload=on|off       take TSO/checksum offloads towards IF (default on)\n"
"    rx=mmsg|ring         receive by recvmmsg() into the switch's buffers\n"
"                         (default), or from a TPACKET_V3 ring (cheaper per\n"
"                         small frame, slower for single-stream TCP)\n"
"    qdisc-bypass=on|off  send past IF's qdisc, unseen by tcpdump on IF\n"
"                         (default off)\n"
"  afxdp: queue Q of an existing interface (name=IF) through AF_XDP, no\n"
"    offloads (needs CAP_NET_RAW, CAP_BPF)\n"
"    queue=Q              receive queue (default 0)\n"
"    mode=native|generic  XDP attach mode (default native)\n"
"    zerocopy=auto|on|off AF_XDP zero-copy (default auto)\n"
"  vxlan, geneve: an overlay to other hosts over UDP\n"
"    local=ADDR           local address (IPv4 or IPv6), required\n"
"    remote=A[+B...]      the other ends, required\n"
"    vni=V dstport=P csum=on|off ttl=T  (default 1, 4789/6081, on, 64)\n"
"    gso=on|off gro=on|off  UDP GSO out, UDP GRO in (default on where the\n"
"                         kernel has them)\n"
"    netns=NS             underlay sockets in another network namespace\n"
"  pcap: replay a capture file, or record what the switch sends\n"
"    read=FILE            replay FILE (pcap/pcapng, Ethernet), then go down\n"
"    loop=K               plays (default 1; 0: until deleted)\n"
"    speed=X|rate=PPS|rate=max  recorded pace scaled by X (default 1), a\n"
"                         fixed rate, or as fast as possible\n"
"    write=FILE           record into FILE (pcap, created or truncated)\n"
"  pair: an in-process pair of ports, for tests (name=, peer=); both ends in\n"
"    one VLAN of this switch would loop every flood and are refused: give\n"
"    them different vlan=, or loop=on\n"
"\n"
"Examples:\n"
"  vnetd --port tap:name=vnet0 --port tap:name=vnet1\n"
"  vnetd -p tap:name=ctr1eth,netns=ctr1 -p tap:name=ctr2eth,netns=ctr2\n"
"  vnetd -w 2 -s /run/vnetd.sock -p tap:name=vm1,vlan=10 -p tap:name=up0,trunk=10:20\n"
"  vnetd -p tap:name=vnet0 -p tap:name=vnet1 --xdp vnet0:ingress:drop_icmp.o\n"
"    (vnetd-bpf-cc drop_icmp.c -o drop_icmp.o builds such an object)\n"
"\n"
"Exit status: 0 after a clean shutdown, 1 on a bad argument or a port that\n"
"could not be opened, 2 on a runtime failure.\n"
"See vnetd(8) and vnetctl(8).\n";

/**
 * log_sink() - Write one log line to stderr with a UTC timestamp
 * @level:	severity
 * @msg:	formatted message
 */
static void log_sink(enum vn_log_level level, const char *msg)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	struct timeval tv;
	struct tm tm;
	char ts[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ldZ vnetd[%d]: %s: %s\n", ts, (long)tv.tv_usec / 1000,
		(int)getpid(), names[level], msg);
}

/**
 * check_cpus() - Refuse a --cpus CPU this process may not run on
 * @o:		parsed options
 *
 * Return: 0, or -EINVAL after a message
 */
static int check_cpus(const struct vnetd_opts *o)
{
	cpu_set_t allowed;

	if (!o->ncpus)
		return 0;
	if (sched_getaffinity(0, sizeof(allowed), &allowed)) {
		fprintf(stderr, "vnetd: --cpus: cannot read the allowed CPUs: %s\n",
			strerror(errno));
		return -EINVAL;
	}
	for (unsigned int i = 0; i < o->ncpus; i++) {
		if (o->cpus[i] < CPU_SETSIZE && CPU_ISSET(o->cpus[i], &allowed))
			continue;
		fprintf(stderr, "vnetd: --cpus: CPU %u is offline or not allowed for vnetd "
			"(%d CPUs allowed; see taskset -p %d)\n", o->cpus[i],
			CPU_COUNT(&allowed), (int)getpid());
		return -EINVAL;
	}
	return 0;
}

/* The long options without a short letter (getopt_long() values) */
enum { OPT_AGING = 256, OPT_BUSY_POLL, OPT_PIDFILE, OPT_XDP_MEM, OPT_XDP_BUDGET,
       OPT_POLL_US, OPT_CPUS, OPT_JIT, OPT_XDP_TIME_CAP, OPT_XDP_CPU_RATE,
       OPT_XDP_CPU_BURST };

/**
 * struct num_opt - an option whose value is one decimal number
 * @val:	getopt_long() value
 * @name:	option name for messages
 * @min:	smallest accepted
 * @max:	largest accepted
 * @off:	where in struct vnetd_opts it is stored
 * @width:	bytes of that field (4 or 8)
 * @shift:	stored as value << @shift (MiB given, bytes kept)
 */
struct num_opt {
	int val;
	const char *name;
	uint64_t min;
	uint64_t max;
	size_t off;
	size_t width;
	unsigned int shift;
};

#define NUM_OPT(v, n, lo, hi, f, sh)	{ (v), (n), (lo), (hi), offsetof(struct vnetd_opts, f), \
					  sizeof(((struct vnetd_opts *)0)->f), (sh) }
static const struct num_opt num_opts[] = {
	NUM_OPT('w', "--workers", 1, VNETD_WORKERS_MAX, workers, 0),
	NUM_OPT(OPT_AGING, "--aging", 1, 1000000, aging, 0),
	NUM_OPT(OPT_POLL_US, "--poll-us", 0, 10000, poll_us, 0),
	NUM_OPT(OPT_XDP_MEM, "--xdp-mem-limit", 1, 65536, xdp_mem, 20),
	NUM_OPT(OPT_XDP_BUDGET, "--xdp-budget", 100, 1000000, xdp_budget, 0),
	NUM_OPT(OPT_XDP_TIME_CAP, "--xdp-time-cap", 1000, 1000000000ull, xdp_time_cap, 0),
	NUM_OPT(OPT_XDP_CPU_RATE, "--xdp-cpu-rate", 1000, VN_XDP_CPU_RATE_MAX, xdp_cpu_rate, 0),
	NUM_OPT(OPT_XDP_CPU_BURST, "--xdp-cpu-burst", 1000, 1000000000000ull, xdp_cpu_burst, 0),
};
#undef NUM_OPT

_Static_assert(sizeof(size_t) == 8, "--xdp-mem-limit is stored as 8 bytes");

/**
 * num_opt_set() - Parse the value of option @c into @o if it is a number option
 * @c:		getopt_long() value
 * @s:		the value
 * @o:		options
 *
 * Return: 1 if @c is not a number option, 0 when stored, -EINVAL (message
 * printed) when @s is not a decimal number in the option's range
 */
static int num_opt_set(int c, const char *s, struct vnetd_opts *o)
{
	const struct num_opt *no = NULL;
	unsigned long long v;
	char *end;

	for (size_t i = 0; i < sizeof(num_opts) / sizeof(num_opts[0]); i++)
		if (num_opts[i].val == c)
			no = &num_opts[i];
	if (!no)
		return 1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || s[0] == '+' || v < no->min ||
	    v > no->max) {
		fprintf(stderr, "vnetd: %s: '%s' is not a number from %" PRIu64 " to %" PRIu64 "\n",
			no->name, s, no->min, no->max);
		return -EINVAL;
	}
	v <<= no->shift;
	if (no->width == 8) {
		uint64_t v64 = v;

		memcpy((char *)o + no->off, &v64, 8);
	} else {
		unsigned int v32 = (unsigned int)v;

		memcpy((char *)o + no->off, &v32, sizeof(v32));
	}
	return 0;
}

/**
 * list_add() - Append the value of a repeatable option
 * @opt:	option name for the message
 * @what:	what the list holds, for the message
 * @list:	the list
 * @n:		entries in it
 * @max:	room in it
 * @v:		the value
 *
 * Return: 0, or -EINVAL (message printed) when the list is full
 */
static int list_add(const char *opt, const char *what, const char **list, unsigned int *n,
		    unsigned int max, const char *v)
{
	if (*n >= max) {
		fprintf(stderr, "vnetd: %s: at most %u %s\n", opt, max, what);
		return -EINVAL;
	}
	list[(*n)++] = v;
	return 0;
}

/**
 * parse_args() - Parse the command line into @o
 * @argc:	argument count
 * @argv:	arguments
 * @o:		output
 *
 * Return: 0 to run, 1 to exit 0 (help, version), -EINVAL to exit 1
 */
static int parse_args(int argc, char **argv, struct vnetd_opts *o)
{
	static const struct option longopts[] = {
		{ "port", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "aging", required_argument, NULL, OPT_AGING },
		{ "busy-poll", no_argument, NULL, OPT_BUSY_POLL },
		{ "poll-us", required_argument, NULL, OPT_POLL_US },
		{ "cpus", required_argument, NULL, OPT_CPUS },
		{ "socket", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "xdp", required_argument, NULL, 'x' },
		{ "xdp-mem-limit", required_argument, NULL, OPT_XDP_MEM },
		{ "xdp-budget", required_argument, NULL, OPT_XDP_BUDGET },
		{ "xdp-time-cap", required_argument, NULL, OPT_XDP_TIME_CAP },
		{ "xdp-cpu-rate", required_argument, NULL, OPT_XDP_CPU_RATE },
		{ "xdp-cpu-burst", required_argument, NULL, OPT_XDP_CPU_BURST },
		{ "jit", required_argument, NULL, OPT_JIT },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->jit = true;
	o->workers = 1;
	o->aging = 300;
	o->verbose = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":p:w:s:c:x:vqhV", longopts, NULL)) != -1) {
		int num = num_opt_set(c, optarg, o);

		if (num < 0)
			return -EINVAL;
		if (num == 0)
			continue;
		switch (c) {
		case 'p':
			if (list_add("--port", "ports", o->ports, &o->nports, VNETD_PORTS_MAX,
				     optarg))
				return -EINVAL;
			break;
		case OPT_BUSY_POLL:
			o->busy_poll = true;
			break;
		case OPT_CPUS: {
			int rc = vn_cpulist_parse(optarg, o->cpus, VN_CPULIST_MAX, &o->ncpus);

			if (rc) {
				fprintf(stderr, "vnetd: --cpus '%s': %s\n", optarg,
					rc == -E2BIG ? "more than 64 CPUs" :
					"not a CPU list (e.g. 0 or 0,2,4-7; each CPU once, "
					"ranges ascending)");
				return -EINVAL;
			}
			break;
		}
		case 's':
			o->socket = optarg;
			break;
		case 'c':
			/* one file: a second -c would silently replace the first */
			if (o->config) {
				fprintf(stderr, "vnetd: --config given twice ('%s', '%s'): one config "
					"file only\n", o->config, optarg);
				return -EINVAL;
			}
			o->config = optarg;
			break;
		case OPT_PIDFILE:
			o->pidfile = optarg;
			break;
		case 'x':
			if (list_add("--xdp", "programs", o->xdp, &o->nxdp, VNETD_XDP_MAX, optarg))
				return -EINVAL;
			break;
		case OPT_JIT:
			if (!strcmp(optarg, "on")) {
				o->jit = true;
			} else if (!strcmp(optarg, "off")) {
				o->jit = false;
			} else {
				fprintf(stderr, "vnetd: --jit takes on or off, not '%s'\n", optarg);
				return -EINVAL;
			}
			break;
		case 'v':
			o->verbose++;
			break;
		case 'q':
			o->verbose = 0;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 1;
		case 'V':
			printf("vnetd %s\n", VNETD_VERSION);
			return 1;
		case ':':
			fprintf(stderr, "vnetd: option '%s' needs a value\n", argv[optind - 1]);
			return -EINVAL;
		default:
			fprintf(stderr, "vnetd: unknown option '%s' (see vnetd --help)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "vnetd: unexpected argument '%s' (ports are given with --port)\n",
			argv[optind]);
		return -EINVAL;
	}
	return check_cpus(o);
}

/**
 * ctl_start() - Start the control server and run the config file
 * @sw:		the switch
 * @o:		options (--socket, --config)
 * @srv:	the server, output (NULL when neither option is given)
 *
 * The control protocol is src/ctl's; this is the one place the daemon
 * hands the switch to it. A config file is run through the server, so
 * --config alone serves the default socket.
 *
 * Return: 0 or a negative errno (logged)
 */
static int ctl_start(struct vn_sw *sw, const struct vnetd_opts *o, struct vn_ctl_server **srv)
{
	char err[512];
	int ret;

	*srv = NULL;
	if (!o->socket && !o->config) {
		/* the guest offload channels are served by the control thread */
		for (unsigned int i = 0; i < o->nports; i++) {
			struct vn_port_args a;

			if (!vn_port_args_parse(o->ports[i], &a) && vn_port_arg(&a, "xdp-offload")) {
				vn_err("--port %.200s: xdp-offload= needs the control server "
				       "(--socket PATH)", o->ports[i]);
				return -EINVAL;
			}
		}
		return 0;
	}
	/* a missing file is said before the socket is opened, not after */
	if (o->config && access(o->config, R_OK)) {
		vn_err("--config %s: %s", o->config, strerror(errno));
		return -errno;
	}
	ret = vn_ctl_server_start(sw, o->socket, srv);
	if (ret) {
		vn_err("--socket %s: %s%s", o->socket ? o->socket : VN_CTL_SOCK_DEFAULT,
		       strerror(-ret), ret == -EADDRINUSE ? " (another vnetd serves it)" : "");
		return ret;
	}
	/* the server logged "ctl: listening on PATH" already; port list shows
	 * the --port specs as it shows those added through it */
	for (unsigned int i = 0; i < o->nports; i++) {
		ret = vn_ctl_server_port_spec(*srv, o->ports[i], err, sizeof(err));
		if (ret) {
			vn_err("--port %.200s: %s", o->ports[i], err);
			vn_ctl_server_stop(*srv);
			*srv = NULL;
			return ret;
		}
	}
	if (!o->config)
		return 0;
	err[0] = '\0';
	ret = vn_ctl_server_config(*srv, o->config, err, sizeof(err));
	if (ret < 0) {
		vn_err("--config %s", err[0] ? err : strerror(-ret));
		vn_ctl_server_stop(*srv);
		*srv = NULL;
		return ret;
	}
	vn_info("config %s: %d command%s run", o->config, ret, ret == 1 ? "" : "s");
	return 0;
}

/**
 * write_pidfile() - Write our pid to @path
 * @path:	file
 *
 * Return: 0 or a negative errno (logged)
 */
static int write_pidfile(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f)) {
		int ret = -errno;

		vn_err("--pidfile %s: %s", path, strerror(errno));
		return ret ? ret : -EIO;
	}
	return 0;
}

/**
 * features_str() - Names of the offload bits in @f ("csum,host_tso4,...")
 * @f:		virtio-net feature bits
 * @buf:	output
 * @len:	its size
 *
 * Return: @buf ("none" when no offload bit is set)
 */
static const char *features_str(uint64_t f, char *buf, size_t len)
{
	static const struct {
		unsigned int bit;
		const char *name;
	} names[] = {
		{ VN_NET_F_CSUM, "csum" }, { VN_NET_F_HOST_TSO4, "host_tso4" },
		{ VN_NET_F_HOST_TSO6, "host_tso6" }, { VN_NET_F_HOST_ECN, "host_ecn" },
		{ VN_NET_F_HOST_USO, "host_uso" }, { VN_NET_F_GUEST_CSUM, "guest_csum" },
		{ VN_NET_F_GUEST_TSO4, "guest_tso4" }, { VN_NET_F_GUEST_TSO6, "guest_tso6" },
		{ VN_NET_F_GUEST_ECN, "guest_ecn" }, { VN_NET_F_GUEST_USO4, "guest_uso4" },
		{ VN_NET_F_GUEST_USO6, "guest_uso6" },
	};
	size_t off = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(f & VN_BIT(names[i].bit)) || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
					names[i].name);
	}
	return buf[0] ? buf : "none";
}

/**
 * log_port() - Log one opened port and what it negotiated
 * @p:		port
 * @arg:	unsigned int counting the ports
 *
 * Return: 0 (go on)
 */
static int log_port(struct vn_port *p, void *arg)
{
	char feat[256];

	(*(unsigned int *)arg)++;
	vn_info("port '%s': id %u, kind %s%s, mtu %u%s, offloads %s", p->name, p->id,
		p->ops->kind, vn_tap_created(p) ? " (created)" : "", p->mtu,
		p->conf.drop_when_full ? ", policy drop" : "",
		features_str(p->features, feat, sizeof(feat)));
	return 0;
}

/**
 * open_ports() - Add every --port to the switch, in order
 * @sw:		switch
 * @o:		options
 *
 * Return: 0, or the first error (logged with the spec)
 */
static int open_ports(struct vn_sw *sw, const struct vnetd_opts *o)
{
	struct vn_log_capture cap;
	struct vn_port *p;
	char why[512];
	unsigned int i;
	int ret;

	for (i = 0; i < o->nports; i++) {
		struct vn_port_args a;
		const char *name;

		/* "-p tap:name=x -p tap:name=x": ours, not another process's tap */
		name = vn_port_args_parse(o->ports[i], &a) ? NULL : vn_port_arg(&a, "name");
		p = name ? vn_sw_port_find(sw, name) : NULL;
		if (p) {
			vn_err("--port %s: port name '%s' is already used by port %u", o->ports[i],
			       name, (unsigned int)p->id);
			return -EEXIST;
		}
		/* one line per failure: the option, and the reason the port layer gave */
		vn_log_capture_begin(&cap, why, sizeof(why));
		ret = vn_sw_port_add(sw, o->ports[i], -1, &p);
		vn_log_capture_end(&cap);
		if (!ret && why[0])	/* an error the port survived: still the log's */
			vn_err("%s", why);
		if (ret) {
			/* the reason names the spec or the port already */
			if (why[0])
				vn_err("--port: %s", why);
			else
				vn_err("--port %s: %s", o->ports[i], strerror(-ret));
			return ret;
		}
	}
	return 0;
}

/**
 * attach_xdp_one() - Attach one --xdp PORT:DIR:FILE[:SECTION][:segment-first]
 * @sw:		switch (ports open)
 * @spec:	the option's value
 *
 * Return: 0, or a negative errno (logged with the spec)
 */
static int attach_xdp_one(struct vn_sw *sw, const char *spec)
{
	struct vn_sw_xdp_spec xs;
	char err[512] = "";
	int ret;

	ret = vn_sw_xdp_spec_parse(spec, &xs, err, sizeof(err));
	if (!ret)
		ret = vn_sw_xdp_attach_spec(sw, &xs, 0, err, sizeof(err));
	if (ret)
		vn_err("--xdp %s: %s", spec, err[0] ? err : strerror(-ret));
	return ret;
}

/**
 * attach_xdp() - Attach every --xdp program, in order
 * @sw:		switch
 * @o:		options
 *
 * Return: 0, or the first error
 */
static int attach_xdp(struct vn_sw *sw, const struct vnetd_opts *o)
{
	int ret;

	if (o->xdp_mem)
		vn_sw_xdp_set_mem_limit(sw, o->xdp_mem);
	vn_sw_xdp_set_budget(sw, o->xdp_budget);
	vn_sw_xdp_set_cpu(sw, o->xdp_time_cap, o->xdp_cpu_rate, o->xdp_cpu_burst);
	for (unsigned int i = 0; i < o->nxdp; i++) {
		ret = attach_xdp_one(sw, o->xdp[i]);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * wait_for_signal() - Block until SIGINT or SIGTERM; log and ignore SIGHUP
 * @set:	the blocked signal set
 *
 * Return: the signal number
 */
static int wait_for_signal(const sigset_t *set)
{
	siginfo_t si;
	int sig;

	for (;;) {
		sig = sigwaitinfo(set, &si);
		if (sig < 0 && errno == EINTR)
			continue;
		if (sig != SIGHUP)
			return sig;
		vn_warn("SIGHUP from pid %d: ignored (vnetd has no reload; it keeps running, "
			"SIGTERM stops it)", (int)si.si_pid);
	}
}

int main(int argc, char **argv)
{
	struct vn_sw_config cfg = { 0 };
	struct vnetd_opts o;
	struct vn_ctl_server *srv = NULL;
	struct vn_sw *sw = NULL;
	unsigned int nports = 0;
	sigset_t set;
	int ret, sig;

	ret = parse_args(argc, argv, &o);
	if (ret)
		return ret > 0 ? 0 : 1;
	vn_log_set_sink(log_sink);
	vn_bpf_jit_set_enabled(o.jit);
	if (o.jit && !vn_bpf_jit_supported())
		vn_warn("vnetd: no JIT for this CPU (x86-64 with BMI2): XDP programs are interpreted");
	vn_log_set_level(o.verbose == 0 ? VN_LOG_WARN : o.verbose == 1 ? VN_LOG_INFO :
			 VN_LOG_DEBUG);

	/* Before any thread exists, so every worker inherits the mask */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	cfg.workers = o.workers;
	cfg.aging_sec = o.aging;
	cfg.busy_poll = o.busy_poll;
	cfg.poll_us = o.poll_us;
	memcpy(cfg.cpus, o.cpus, sizeof(o.cpus));
	cfg.ncpus = o.ncpus;
	ret = vn_sw_create(&cfg, &sw);
	if (ret) {
		vn_err("cannot create the switch: %s", strerror(-ret));
		return 2;
	}
	ret = open_ports(sw, &o);
	if (!ret)
		ret = attach_xdp(sw, &o);
	if (!ret)
		ret = ctl_start(sw, &o, &srv);
	if (ret) {
		vn_sw_destroy(sw);	/* closes the ports opened so far */
		return 1;
	}
	vn_sw_port_foreach(sw, log_port, &nports);
	ret = vn_sw_start(sw);
	if (ret) {
		vn_err("cannot start the workers: %s", strerror(-ret));
		vn_ctl_server_stop(srv);
		vn_sw_destroy(sw);
		return 2;
	}
	if (o.pidfile && write_pidfile(o.pidfile)) {
		vn_ctl_server_stop(srv);
		vn_sw_destroy(sw);
		return 1;
	}
	vn_info("ready: %u port%s, %u worker%s", nports, nports == 1 ? "" : "s", o.workers,
		o.workers == 1 ? "" : "s");
	printf("vnetd: ready\n");
	fflush(stdout);

	sig = wait_for_signal(&set);
	vn_info("%s: shutting down", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" :
		"signal wait failed");
	vn_ctl_server_stop(srv);	/* no control request runs past this */
	vn_sw_destroy(sw);	/* stops the workers, closes the ports */
	if (o.pidfile)
		unlink(o.pidfile);
	vn_info("stopped");
	return 0;
}
