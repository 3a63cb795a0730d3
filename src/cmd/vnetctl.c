// SPDX-License-Identifier: MIT
/* vnetctl.c - the vnetd control tool: commands in, tables or JSON out
 *
 * Words become a request with the same grammar config files use
 * (vn_ctl_cli_parse()); the daemon's reply is printed as an aligned table
 * or, with --json, as the reply's result. Errors go to stderr as
 * "Error: ..." (iproute2 style); exit status 0 on success, 1 when the
 * daemon or the socket failed, 255 for a command-line mistake.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl/fdpass.h"
#include "ctl/proto.h"
#include "ctl/server.h"
#include "vnetctl.h"

#define EXIT_USAGE	255
#define TOP_USAGE	"top [-n COUNT] [-d SECS]"
#define REPLY_TIMEOUT_MS 10000

static const char *sock_path = VN_CTL_SOCK_DEFAULT;
static bool json_out;
static bool json_pretty;

#ifndef VNETCTL_VERSION
#define VNETCTL_VERSION "unknown"
#endif
static int64_t next_id = 1;

static int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int die_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(".\nTry \"vnetctl --help\".\n", stderr);
	return EXIT_USAGE;
}

/**
 * vnetctl_connect() - Connect to the daemon's control socket
 *
 * Return: the socket, or -1 after printing the error
 */
int vnetctl_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(sock_path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "Error: socket path too long: %s\n", sock_path);
		return -1;
	}
	memcpy(sa.sun_path, sock_path, strlen(sock_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "Error: cannot connect to vnetd at %s: %s\n", sock_path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read one reply line (bounded by VN_CTL_REPLY_MAX, each wait by a timeout). */
static char *reply_read(int fd, size_t *len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap), *nl;
	ssize_t r;

	while (buf) {
		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) != 1) {
			fprintf(stderr, "Error: no reply from vnetd within %d s\n",
				REPLY_TIMEOUT_MS / 1000);
			break;
		}
		r = recv(fd, buf + n, cap - n, 0);
		if (r <= 0) {
			fprintf(stderr, "Error: vnetd closed the connection\n");
			break;
		}
		nl = memchr(buf + n, '\n', (size_t)r);
		n += (size_t)r;
		if (nl) {
			*len = (size_t)(nl - buf);
			return buf;
		}
		/* a reply larger than any the daemon sends */
		if (n == cap && cap >= VN_CTL_REPLY_MAX) {
			fprintf(stderr, "Error: reply larger than %d bytes\n", VN_CTL_REPLY_MAX);
			break;
		}
		if (n == cap) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger)
				break;
			buf = bigger;
			cap *= 2;
		}
	}
	free(buf);
	return NULL;
}

/**
 * vnetctl_call() - Send one request on @fd and wait for its reply
 * @fd:		connected socket
 * @cmd:	command
 * @args:	arguments, taken
 * @rep:	reply, output (caller finis it)
 *
 * Return: 0 with a successful reply, 1 after printing the error
 */
int vnetctl_call(int fd, const struct vn_ctl_cmd *cmd, struct json_object *args,
		 struct vn_ctl_reply *rep)
{
	return vnetctl_call_fd(fd, cmd, args, -1, rep);
}

/**
 * vnetctl_call_fd() - vnetctl_call() passing a descriptor with the request
 * @fd:		connected socket
 * @cmd:	command
 * @args:	arguments, taken
 * @pass:	descriptor for vnetd (ctl/fdpass.h), -1 for none; not closed
 * @rep:	reply, output (caller finis it)
 *
 * Return: 0 with a successful reply, 1 after printing the error
 */
int vnetctl_call_fd(int fd, const struct vn_ctl_cmd *cmd, struct json_object *args, int pass,
		    struct vn_ctl_reply *rep)
{
	size_t len;
	char *line = vn_ctl_request_build(next_id++, cmd, args, &len);
	int ret;

	memset(rep, 0, sizeof(*rep));
	if (!line)
		return 1;
	ret = vn_ctl_fdpass_send(fd, line, len, pass);
	/* a refused peer may find the socket closed already: its reply says why */
	if (ret && ret != -EPIPE && ret != -ECONNRESET) {
		fprintf(stderr, "Error: cannot send to vnetd: %s\n", strerror(-ret));
		free(line);
		return 1;
	}
	free(line);
	line = reply_read(fd, &len);
	if (!line)
		return 1;
	if (vn_ctl_reply_parse(line, len, rep)) {
		fprintf(stderr, "Error: malformed reply from vnetd\n");
		free(line);
		return 1;
	}
	free(line);
	if (!rep->ok) {
		fprintf(stderr, "Error: %s\n", rep->message[0] ? rep->message : strerror(-rep->err));
		vn_ctl_reply_fini(rep);
		return 1;
	}
	return 0;
}

static void json_print(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, (json_pretty ? JSON_C_TO_STRING_PRETTY :
						  JSON_C_TO_STRING_PLAIN) |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int usage(FILE *f, const char *prefix)
{
	char u[160];
	unsigned int i, shown = 0;

	if (!prefix)
		fputs("Usage: vnetctl [OPTIONS] COMMAND [OPTIONS]\n"
		      "       vnetctl OBJECT help\n\n"
		      "Options (before or after the command words; \"--\" ends them):\n"
		      "  -s, --socket SOCK  control socket (default " VN_CTL_SOCK_DEFAULT ");\n"
		      "                     after \"capture\", -s is its snap length: use --socket\n"
		      "  -j, --json         print results as JSON\n"
		      "  -p, --pretty       print results as indented JSON (implies --json)\n"
		      "  -h, --help         this help\n"
		      "  -V, --version      print vnetctl's version\n\n"
		      "Commands:\n", f);
	for (i = 0; i < VN_CTL_CMD__MAX; i++) {
		const struct vn_ctl_cmd *cmd = vn_ctl_cmd_get(i);

		if (prefix && strncmp(cmd->words, prefix, strlen(prefix)))
			continue;
		if (cmd->stream)	/* shown with its vnetctl options below */
			continue;
		vn_ctl_cmd_usage(cmd, u, sizeof(u));
		fprintf(f, "  %-34s %s\n", u, cmd->help);
		shown++;
	}
	if (!prefix || !strcmp(prefix, "top")) {
		fprintf(f, "  %-34s %s\n", TOP_USAGE,
			"live per-port rates, refreshed every SECS (default 1, 0.1 to 60)");
		shown++;
	}
	if (!prefix || !strcmp(prefix, "capture")) {
		fprintf(f, "  %-34s %s\n", "capture PORT [ingress|egress]",
			"write the frames of PORT at a direction (default ingress)");
		fprintf(f, "  %-34s %s\n", "  -w FILE.pcap [-c COUNT]",
			"to a pcap file (as you), stopping after COUNT frames or Ctrl-C;");
		fprintf(f, "  %-34s %s\n", "  [-f FILTER] [-s SNAPLEN]",
			"only frames matching a pcap-filter(7) FILTER, cut at SNAPLEN bytes");
		fprintf(f, "  %-34s %s\n", "", "(no --json output: the result is the file)");
		shown++;
	}
	if (!prefix)
		fputs("\nExit status: 0 success, 1 error from vnetd or the socket, "
		      "255 bad command line.\n", f);
	if (!shown)
		return die_usage("unknown command \"%s\"", prefix);
	return 0;
}

/* "vnetctl port help", "vnetctl help", "vnetctl stats help" */
static bool help_asked(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (!strcmp(argv[i], "help"))
			return true;
	return false;
}

static int run_one(int argc, char **argv)
{
	const struct vn_ctl_cmd *cmd;
	struct json_object *args;
	struct vn_ctl_reply rep;
	char err[256];
	int fd, ret, obj = -1;

	ret = vn_ctl_cli_parse(argc, argv, &cmd, &args, err, sizeof(err));
	/* "vnetctl map": an object without its verb; show what it takes */
	if (ret == -ENOENT && argc == 1 && vn_ctl_cli_is_object(argv[0])) {
		fprintf(stderr, "Error: \"%s\" needs a command:\n", argv[0]);
		usage(stderr, argv[0]);
		return EXIT_USAGE;
	}
	if (ret)
		return die_usage("%s", err);
	/* the object file is opened here and passed open: vnetd opens no client path */
	if (cmd->id == VN_CTL_CMD_XDP_ATTACH && vnetctl_xdp_open(args, &obj)) {
		json_object_put(args);
		return 1;
	}
	/* xdp export/import: FILE is opened here, with the user's rights */
	if ((cmd->id == VN_CTL_CMD_XDP_EXPORT || cmd->id == VN_CTL_CMD_XDP_IMPORT) &&
	    vnetctl_xo_file_open(args, cmd->id == VN_CTL_CMD_XDP_EXPORT, &obj)) {
		json_object_put(args);
		return 1;
	}
	fd = vnetctl_connect();
	if (fd < 0) {
		json_object_put(args);
		if (obj >= 0)
			close(obj);
		return 1;
	}
	ret = vnetctl_call_fd(fd, cmd, args, obj, &rep);
	close(fd);
	if (obj >= 0)
		close(obj);
	if (ret)
		return ret;
	if (json_out)
		json_print(rep.result);
	else
		vnetctl_print(cmd, rep.result);
	vn_ctl_reply_fini(&rep);
	return 0;
}

/* "top [-n COUNT] [-d SECS]": SECS as top(1) takes it, fractions too */
static int run_top(int argc, char **argv)
{
	long count = -1;
	double secs = 1;
	char *end;
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i];

		if (strcmp(o, "-n") && strcmp(o, "-d"))
			return die_usage("%s \"%s\" (usage: " TOP_USAGE ")", o[0] == '-' && o[1] ?
					 "unknown option" : "unexpected", o);
		if (i + 1 >= argc)
			return die_usage("\"%s\" needs a value: %s", o, o[1] == 'n' ? "-n COUNT" :
					 "-d SECS");
		errno = 0;
		if (o[1] == 'n') {
			count = strtol(argv[++i], &end, 10);
			if (errno || end == argv[i] || *end || count < 1 || count > 1000000)
				return die_usage("-n COUNT must be a whole number from 1 to 1000000");
		} else {
			secs = strtod(argv[++i], &end);
			/* below 0.1 s it would spin; past 60 s it outlives the idle timeout */
			if (errno || end == argv[i] || *end || !(secs >= 0.1 && secs <= 60))
				return die_usage("-d SECS must be seconds from 0.1 to 60 (e.g. 0.5)");
		}
	}
	return vnetctl_top(count, (unsigned int)(secs * 1000 + 0.5), json_out);
}

/* Options of "capture" that take a value: their value is never a global option */
static bool capture_opt(const char *w)
{
	return !strcmp(w, "-w") || !strcmp(w, "-c") || !strcmp(w, "-f") || !strcmp(w, "-s");
}

/**
 * global_opt() - Take one global option at @argv[*i], if it is one
 * @argc:	number of words
 * @argv:	words
 * @i:		index, advanced past a consumed value
 * @capture:	the command is "capture", whose own -s is its snap length
 *
 * Return: 0 not a global option, 1 taken, 2 help, 3 version, or EXIT_USAGE
 *	   after printing the error
 */
static int global_opt(int argc, char **argv, int *i, bool capture)
{
	const char *w = argv[*i];

	if (!strcmp(w, "-j") || !strcmp(w, "--json"))
		return json_out = true, 1;
	if (!strcmp(w, "-p") || !strcmp(w, "--pretty"))
		return json_out = json_pretty = true, 1;
	if (!strcmp(w, "-h") || !strcmp(w, "--help"))
		return 2;
	if (!strcmp(w, "-V") || !strcmp(w, "--version"))
		return 3;
	if (!strncmp(w, "--socket=", 9)) {
		sock_path = w + 9;
		return sock_path[0] ? 1 : die_usage("--socket needs a socket path");
	}
	if (!strcmp(w, "--socket") || (!capture && !strcmp(w, "-s"))) {
		if (*i + 1 >= argc || !argv[*i + 1][0])
			return die_usage("\"%s\" needs a socket path", w);
		sock_path = argv[++*i];
		return 1;
	}
	return 0;
}

/**
 * split_args() - Take the global options out of @argv, wherever they are
 * @argc:	number of words
 * @argv:	words; on return the command words, in order, from argv[0]
 * @nwords:	number of command words, output
 *
 * bpftool, git and kubectl accept their global options before or after the
 * command words ("vnetctl port list --json"), and so does vnetctl. "--"
 * ends option parsing: every word after it is a command word. Before the
 * command, an unknown option is an error here; after it, the command's
 * own parser judges it ("stats --all", "capture -s 96").
 *
 * Return: 0 to run, 2 help, 3 version, or EXIT_USAGE after printing the error
 */
static int split_args(int argc, char **argv, int *nwords)
{
	bool capture = false;
	int i, n = 0, r, want = 0;

	*nwords = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (++i < argc)
				argv[n++] = argv[i];
			break;
		}
		r = global_opt(argc, argv, &i, capture);
		if (r == EXIT_USAGE)
			return r;
		if (r > 1 && !want)	/* the first of --help and --version wins */
			want = r;
		if (r)
			continue;
		if (n == 0 && argv[i][0] == '-' && argv[i][1])
			return die_usage("unknown option \"%s\"", argv[i]);
		if (n == 0)
			capture = !strcmp(argv[i], "capture");
		argv[n++] = argv[i];
		/* "capture ... -f EXPR": EXPR is the filter, whatever it looks like */
		if (capture && n > 1 && capture_opt(argv[i]) && i + 1 < argc)
			argv[n++] = argv[++i];
	}
	*nwords = n;
	return want;
}

int main(int argc, char **argv)
{
	int nwords = 0, ret;

	ret = split_args(argc - 1, argv + 1, &nwords);
	argv++;
	if (ret == EXIT_USAGE)
		return ret;
	if (ret == 3) {
		printf("vnetctl %s\n", VNETCTL_VERSION);
		return 0;
	}
	/* "vnetctl --help", "vnetctl port --help", "vnetctl port list -h" */
	if (ret == 2)
		return nwords ? usage(stdout, argv[0]) : (usage(stdout, NULL), 0);
	argc = nwords;
	if (argc == 0) {
		usage(stderr, NULL);
		return EXIT_USAGE;
	}
	if (help_asked(argc, argv)) {
		if (!strcmp(argv[0], "help")) {
			usage(stdout, NULL);
			return 0;
		}
		return usage(stdout, argv[0]);
	}
	if (!strcmp(argv[0], "top"))
		return run_top(argc - 1, argv + 1);
	if (!strcmp(argv[0], "capture"))
		return vnetctl_capture(argc - 1, argv + 1, json_out);
	return run_one(argc, argv);
}
