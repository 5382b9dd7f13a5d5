// SPDX-License-Identifier: GPL-2.0
/*
 * udpbench: the UDP traffic programs of the testbed, one static binary used
 * on both sides of a vhost-net link.
 *
 * In the L2 guest:
 *   udpbench agent CTLPORT           control server: runs the commands below
 *                                    that L1 sends over TCP, one per
 *                                    connection, and answers with results.
 * In L1 (the peer of the guest) or through the agent:
 *   udpbench send DEST PORT SIZE COUNT [GAP_US]
 *                                    flood COUNT datagrams (IP packets of
 *                                    SIZE bytes) to DEST:PORT, or send one
 *                                    every GAP_US microseconds.
 *   udpbench sink PORT COUNT IDLE_MS MAX_MS
 *                                    count datagrams until COUNT arrived,
 *                                    IDLE_MS passed without one (after the
 *                                    first), or MAX_MS in all.
 *   udpbench echo PORT IDLE_MS       answer each datagram with itself; stop
 *                                    after IDLE_MS without one.
 *   udpbench rr DEST PORT SIZE COUNT TIMEOUT_MS
 *                                    COUNT request/response transactions;
 *                                    a request unanswered within TIMEOUT_MS
 *                                    counts as lost and the next one goes.
 *   udpbench ifstat IFACE            the interface's packet counters and
 *                                    bytes in flight on its TX queue 0.
 * Only through the agent:
 *   sh COMMAND LINE                  run the rest of the line with /bin/sh -c
 *                                    (the testbed's tests look at and change
 *                                    the guest's state); one "result out
 *                                    LINE" per line of its output, then
 *                                    "result rc=N".
 *   udpbench ctl HOST CTLPORT WAIT_MS 'CMD ARGS' [LOCAL ARGV...]
 *                                    connect to an agent (retrying for up to
 *                                    WAIT_MS), run CMD there; when the agent
 *                                    reports "ready", run LOCAL ARGV here,
 *                                    then print the agent's result line.
 *
 * Every command prints one result line "result KEY=VALUE ..." (sent=,
 * received=, lost=, ...) on stdout; errors go to stderr as one sentence and
 * the exit status is 1.  SIZE is the IP packet length: the UDP payload is
 * SIZE - 28 bytes, so SIZE 1500 fills an MTU of 1500 without fragments.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UDP_IP_HEADERS 28
#define MAX_PACKET 65535
#define SOCKET_BUFFER (8 * 1024 * 1024)

/* Where result lines go: stdout, or the agent's control connection. */
static FILE *result_out;

static void fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("udpbench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_long(const char *what, const char *s, long min, long max,
		      long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *s == '\0' || *end != '\0' || v < min || v > max) {
		fail("%s '%s' is not a number from %ld to %ld.", what, s, min,
		     max);
		return -1;
	}
	*out = v;
	return 0;
}

static int make_addr(const char *host, long port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fail("address '%s' is not an IPv4 address.", host);
		return -1;
	}
	return 0;
}

static int udp_socket(long bind_port)
{
	int one = 1, buf = SOCKET_BUFFER;
	struct sockaddr_in sa;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		fail("cannot create a UDP socket: %s.", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind_port >= 0) {
		/* Receivers get a large buffer so that loss means the link
		 * dropped, not the socket.  FORCE needs CAP_NET_ADMIN (root
		 * in both VMs).  Senders keep the default buffers, so that a
		 * flood is paced by transmit completions as usual. */
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf,
			       sizeof(buf)))
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf,
				   sizeof(buf));
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_port = htons((uint16_t)bind_port);
		sa.sin_addr.s_addr = htonl(INADDR_ANY);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			fail("cannot bind UDP port %ld: %s.", bind_port,
			     strerror(errno));
			close(fd);
			return -1;
		}
	}
	return fd;
}

/* Called by commands once their sockets are set up (the agent says so). */
static void (*ready_hook)(void);

static void report_ready(void)
{
	if (ready_hook)
		ready_hook();
}

static int cmd_send(int argc, char **argv)
{
	long port, size, count, gap_us = 0, sent = 0, retries = 0;
	static char buf[MAX_PACKET];
	struct sockaddr_in sa;
	int fd;

	if (argc != 4 && argc != 5) {
		fail("usage: send DEST PORT SIZE COUNT [GAP_US].");
		return 1;
	}
	if (make_addr(argv[0], 0, &sa) ||
	    parse_long("port", argv[1], 1, 65535, &port) ||
	    parse_long("size", argv[2], UDP_IP_HEADERS + 8, 1500, &size) ||
	    parse_long("count", argv[3], 1, 100000000, &count) ||
	    (argc == 5 && parse_long("gap", argv[4], 0, 1000000, &gap_us)))
		return 1;
	sa.sin_port = htons((uint16_t)port);
	fd = udp_socket(-1);
	if (fd < 0)
		return 1;
	/* Without it a full TX queue drops the datagram and sendto() still
	 * succeeds (UDP counts it in SndbufErrors): report ENOBUFS to retry. */
	if (setsockopt(fd, IPPROTO_IP, IP_RECVERR, &(int){ 1 }, sizeof(int))) {
		fail("cannot set IP_RECVERR: %s.", strerror(errno));
		close(fd);
		return 1;
	}
	report_ready();
	memset(buf, 0xa5, sizeof(buf));
	while (sent < count) {
		uint32_t seq = htonl((uint32_t)sent);

		memcpy(buf, &seq, sizeof(seq));
		if (sendto(fd, buf, (size_t)(size - UDP_IP_HEADERS), 0,
			   (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			/* A full queue is back-pressure, not loss: retry. */
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == EINTR) {
				retries++;
				usleep(50);
				continue;
			}
			fail("sending to %s:%ld failed: %s.", argv[0], port,
			     strerror(errno));
			close(fd);
			return 1;
		}
		sent++;
		if (gap_us)
			usleep((useconds_t)gap_us);
	}
	close(fd);
	fprintf(result_out, "result sent=%ld retries=%ld\n", sent, retries);
	return 0;
}

static int cmd_sink(int argc, char **argv)
{
	long port, count, idle_ms, max_ms, received = 0;
	long long start, last = 0, bytes = 0;
	static char buf[MAX_PACKET];
	/* Sequence numbers seen (send puts one first): which ones are missing. */
	long seq_min = -1, seq_max = -1, out_of_order = 0;
	int fd;

	if (argc != 4) {
		fail("usage: sink PORT COUNT IDLE_MS MAX_MS.");
		return 1;
	}
	if (parse_long("port", argv[0], 1, 65535, &port) ||
	    parse_long("count", argv[1], 1, 100000000, &count) ||
	    parse_long("idle time", argv[2], 1, 3600000, &idle_ms) ||
	    parse_long("maximum time", argv[3], 1, 3600000, &max_ms))
		return 1;
	fd = udp_socket(port);
	if (fd < 0)
		return 1;
	report_ready();
	start = now_ms();
	while (received < count) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		long long t = now_ms(), wait = start + max_ms - t;
		ssize_t n;

		if (received && last + idle_ms - t < wait)
			wait = last + idle_ms - t;
		if (wait <= 0)
			break;
		if (poll(&pfd, 1, (int)wait) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			continue;
		received++;
		bytes += n;
		last = now_ms();
		if (n >= 4) {
			uint32_t seq;

			memcpy(&seq, buf, sizeof(seq));
			seq = ntohl(seq);
			if (seq_max >= 0 && (long)seq < seq_max)
				out_of_order++;
			if (seq_min < 0 || (long)seq < seq_min)
				seq_min = seq;
			if ((long)seq > seq_max)
				seq_max = seq;
		}
	}
	close(fd);
	fprintf(result_out,
		"result received=%ld bytes=%lld first_seq=%ld last_seq=%ld out_of_order=%ld\n",
		received, bytes, seq_min, seq_max, out_of_order);
	return 0;
}

static int cmd_echo(int argc, char **argv)
{
	long port, idle_ms, answered = 0;
	static char buf[MAX_PACKET];
	int fd;

	if (argc != 2) {
		fail("usage: echo PORT IDLE_MS.");
		return 1;
	}
	if (parse_long("port", argv[0], 1, 65535, &port) ||
	    parse_long("idle time", argv[1], 1, 3600000, &idle_ms))
		return 1;
	fd = udp_socket(port);
	if (fd < 0)
		return 1;
	report_ready();
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		struct sockaddr_in from;
		socklen_t len = sizeof(from);
		ssize_t n;

		if (poll(&pfd, 1, (int)idle_ms) <= 0)
			break;
		n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
			     &len);
		if (n < 0)
			continue;
		if (sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from,
			   len) == n)
			answered++;
	}
	close(fd);
	fprintf(result_out, "result answered=%ld\n", answered);
	return 0;
}

static int cmd_rr(int argc, char **argv)
{
	long port, size, count, timeout_ms, done = 0, lost = 0;
	static char buf[MAX_PACKET], reply[MAX_PACKET];
	struct sockaddr_in sa;
	struct timeval tv;
	long long start;
	int fd;

	if (argc != 5) {
		fail("usage: rr DEST PORT SIZE COUNT TIMEOUT_MS.");
		return 1;
	}
	if (make_addr(argv[0], 0, &sa) ||
	    parse_long("port", argv[1], 1, 65535, &port) ||
	    parse_long("size", argv[2], UDP_IP_HEADERS + 8, 1500, &size) ||
	    parse_long("count", argv[3], 1, 100000000, &count) ||
	    parse_long("timeout", argv[4], 1, 60000, &timeout_ms))
		return 1;
	sa.sin_port = htons((uint16_t)port);
	fd = udp_socket(-1);
	if (fd < 0)
		return 1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fail("cannot connect to %s:%ld: %s.", argv[0], port,
		     strerror(errno));
		close(fd);
		return 1;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	report_ready();
	memset(buf, 0x5a, sizeof(buf));
	start = now_ms();
	for (long i = 0; i < count; i++) {
		uint32_t seq = htonl((uint32_t)i);
		long long deadline;

		memcpy(buf, &seq, sizeof(seq));
		if (send(fd, buf, (size_t)(size - UDP_IP_HEADERS), 0) < 0) {
			lost++;
			continue;
		}
		deadline = now_ms() + timeout_ms;
		for (;;) {
			/* A plain blocking recv, as netperf's UDP_RR does. */
			ssize_t n = recv(fd, reply, sizeof(reply), 0);

			/* A late answer to an earlier request is skipped. */
			if (n >= 4 && !memcmp(reply, &seq, sizeof(seq))) {
				done++;
				break;
			}
			if ((n < 0 && errno != EINTR) || now_ms() >= deadline) {
				lost++;
				break;
			}
		}
	}
	close(fd);
	fprintf(result_out, "result sent=%ld received=%ld lost=%ld ms=%lld\n",
		count, done, lost, now_ms() - start);
	return 0;
}

static int run_command(int argc, char **argv);

/* ---- agent: runs commands for L1 over a TCP control connection ---- */

static FILE *agent_conn;

static void agent_ready(void)
{
	fputs("ready\n", agent_conn);
	fflush(agent_conn);
}

#define MAX_ARGS 16

/* The agent's "sh": the words joined again, run by the shell. */
static int agent_sh(int argc, char **argv)
{
	char cmd[512] = "", line[512];
	size_t used = 0;
	FILE *p;
	int status;

	for (int i = 0; i < argc; i++)
		used += (size_t)snprintf(cmd + used, used < sizeof(cmd) ? sizeof(cmd) - used : 0,
					 "%s%s", i ? " " : "", argv[i]);
	if (!argc || used >= sizeof(cmd)) {
		fail("usage: sh COMMAND LINE (at most %zu characters).", sizeof(cmd) - 1);
		return 1;
	}
	fflush(result_out);
	p = popen(cmd, "r");
	if (!p) {
		fail("cannot run '%s': %s.", cmd, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), p))
		fprintf(result_out, "result out %s%s", line,
			strchr(line, '\n') ? "" : "\n");
	status = pclose(p);
	fprintf(result_out, "result rc=%d\n",
		WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	return 0;
}

static int cmd_agent(int argc, char **argv)
{
	struct sockaddr_in sa;
	int lfd, one = 1;
	long port;

	if (argc != 1) {
		fail("usage: agent CTLPORT.");
		return 1;
	}
	if (parse_long("control port", argv[0], 1, 65535, &port))
		return 1;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		fail("cannot create the control socket: %s.", strerror(errno));
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) || listen(lfd, 4)) {
		fail("cannot listen on TCP port %ld: %s.", port,
		     strerror(errno));
		return 1;
	}
	printf("udpbench agent listening on port %ld\n", port);
	fflush(stdout);
	for (;;) {
		char line[512], *args[MAX_ARGS], *save = NULL, *tok;
		int cfd = accept(lfd, NULL, NULL), n = 0, rc;

		if (cfd < 0)
			continue;
		agent_conn = fdopen(cfd, "r+");
		if (!agent_conn) {
			close(cfd);
			continue;
		}
		if (!fgets(line, sizeof(line), agent_conn)) {
			fclose(agent_conn);
			continue;
		}
		line[strcspn(line, "\r\n")] = '\0';
		for (tok = strtok_r(line, " ", &save); tok && n < MAX_ARGS - 1;
		     tok = strtok_r(NULL, " ", &save))
			args[n++] = tok;
		args[n] = NULL;
		if (n && !strcmp(args[0], "quit")) {
			fputs("result quit=1\n", agent_conn);
			fclose(agent_conn);
			return 0;
		}
		/* Commands never run "agent" or "ctl" remotely. */
		if (!n || !strcmp(args[0], "agent") || !strcmp(args[0], "ctl")) {
			fputs("error unknown command\n", agent_conn);
			fclose(agent_conn);
			continue;
		}
		result_out = agent_conn;
		ready_hook = agent_ready;
		rc = !strcmp(args[0], "sh") ? agent_sh(n - 1, args + 1) :
					      run_command(n, args);
		if (rc)
			fprintf(agent_conn, "error %s failed\n", args[0]);
		fflush(agent_conn);
		/* Only failures reach the console: serial output would add
		 * I/O exits to the measurement. */
		if (rc)
			printf("agent: '%s' failed\n", args[0]);
		result_out = stdout;
		ready_hook = NULL;
		fclose(agent_conn);
	}
}

static int cmd_ctl(int argc, char **argv)
{
	long port, wait_ms;
	struct sockaddr_in sa;
	char line[512];
	long long deadline;
	int fd = -1, local_failed = 0, got_result = 0;
	FILE *conn;

	if (argc < 4) {
		fail("usage: ctl HOST CTLPORT WAIT_MS 'CMD ARGS' [LOCAL ARGV...].");
		return 1;
	}
	if (make_addr(argv[0], 0, &sa) ||
	    parse_long("control port", argv[1], 1, 65535, &port) ||
	    parse_long("wait time", argv[2], 1, 3600000, &wait_ms))
		return 1;
	sa.sin_port = htons((uint16_t)port);
	deadline = now_ms() + wait_ms;
	for (;;) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			fail("cannot create a TCP socket: %s.", strerror(errno));
			return 1;
		}
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			break;
		close(fd);
		if (now_ms() >= deadline) {
			fail("no agent answers on %s:%ld after %ld ms.", argv[0],
			     port, wait_ms);
			return 1;
		}
		usleep(200 * 1000);
	}
	conn = fdopen(fd, "r+");
	if (!conn) {
		close(fd);
		return 1;
	}
	fprintf(conn, "%s\n", argv[3]);
	fflush(conn);
	while (fgets(line, sizeof(line), conn)) {
		if (!strncmp(line, "ready", 5)) {
			pid_t pid;
			int status;

			if (argc == 4)
				continue;
			fflush(stdout);
			pid = fork();
			if (pid == 0) {
				execvp(argv[4], argv + 4);
				fail("cannot run %s: %s.", argv[4],
				     strerror(errno));
				_exit(127);
			}
			if (pid < 0 || waitpid(pid, &status, 0) < 0 ||
			    !WIFEXITED(status) || WEXITSTATUS(status)) {
				fail("the local command %s failed.", argv[4]);
				local_failed = 1;
			}
			continue;
		}
		if (!strncmp(line, "result", 6)) {
			fputs(line, stdout);
			got_result = 1;
		} else {
			fprintf(stderr, "udpbench: the agent at %s says: %s",
				argv[0], line);
		}
	}
	fclose(conn);
	if (!got_result) {
		fail("the agent at %s gave no result for '%s'.", argv[0],
		     argv[3]);
		return 1;
	}
	return local_failed;
}

/* One decimal value from a sysfs file, -1 when it cannot be read. */
static long long read_counter(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * The packets IPv4's neighbour layer dropped while it resolved an address
 * (its queue of unresolved packets full): sendto() succeeded for them.
 * /proc/net/stat/arp_cache: a header line, then one line of hex per CPU.
 */
static long long arp_unresolved_discards(void)
{
	char line[1024], *tok, *save;
	long long sum = -1;
	int col = -1, i;
	FILE *f = fopen("/proc/net/stat/arp_cache", "r");

	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f))
		for (i = 0, tok = strtok_r(line, " \t\n", &save); tok;
		     i++, tok = strtok_r(NULL, " \t\n", &save))
			if (strcmp(tok, "unresolved_discards") == 0)
				col = i;
	while (col >= 0 && fgets(line, sizeof(line), f)) {
		for (i = 0, tok = strtok_r(line, " \t\n", &save); tok && i < col;
		     i++, tok = strtok_r(NULL, " \t\n", &save))
			;
		if (tok)
			sum = (sum < 0 ? 0 : sum) + strtoll(tok, NULL, 16);
	}
	fclose(f);
	return sum;
}

/*
 * ifstat IFACE: the interface's packet counters and the bytes its first TX
 * queue handed to the driver that the device has not completed yet (BQL
 * inflight): a packet stuck in the ring, or behind a stopped queue waiting
 * for a used-buffer interrupt, shows here.
 */
static int cmd_ifstat(int argc, char **argv)
{
	static const char *const names[] = { "tx_packets", "rx_packets",
					     "tx_dropped", "rx_dropped" };
	char path[256];

	if (argc != 1 || strchr(argv[0], '/')) {
		fail("usage: ifstat IFACE.");
		return 1;
	}
	fputs("result", result_out);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s",
			 argv[0], names[i]);
		fprintf(result_out, " %s=%lld", names[i], read_counter(path));
	}
	snprintf(path, sizeof(path),
		 "/sys/class/net/%s/queues/tx-0/byte_queue_limits/inflight",
		 argv[0]);
	fprintf(result_out, " tx_inflight=%lld arp_unresolved_discards=%lld\n",
		read_counter(path), arp_unresolved_discards());
	return 0;
}

static int run_command(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "send", cmd_send }, { "sink", cmd_sink }, { "echo", cmd_echo },
		{ "rr", cmd_rr },     { "agent", cmd_agent }, { "ctl", cmd_ctl },
		{ "ifstat", cmd_ifstat },
	};

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[0], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fail("unknown command '%s'; use send, sink, echo, rr, ifstat, agent or ctl.",
	     argv[0]);
	return 1;
}

int main(int argc, char **argv)
{
	result_out = stdout;
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		fail("usage: udpbench send|sink|echo|rr|ifstat|agent|ctl ARGS (see the source header).");
		return 1;
	}
	return run_command(argc - 1, argv + 1);
}
