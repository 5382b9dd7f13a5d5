// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * ioaccel-guest-agent: enables in the guest what the host granted.
 *
 * Reads the ioaccel_guest module's state (/sys/kernel/ioaccel_guest), asks
 * it to enable on every vCPU the granted features it implements (and that
 * --features allows), follows later grants and revocations, reports the
 * state in a status file and in its log, and turns everything off when it
 * is stopped (SIGTERM, SIGINT, SIGHUP).  The module itself turns it off on
 * reboot and kexec.
 *
 *   ioaccel-guest-agent [--features LIST] [--interval SECONDS]
 *                       [--status FILE] [--sysfs DIR] [--once | --off]
 *
 * LIST: comma-separated exitless-delivery, exitless-eoi, posted-pv,
 * posted-hw, or all (the default).  --once applies once and exits, leaving
 * the features on; --off turns them off and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_SYSFS "/sys/kernel/ioaccel_guest"
#define DEFAULT_STATUS "/run/ioaccel-guest-agent.status"

static const struct {
	const char *name;
	unsigned long bit;
} features[] = {
	{ "exitless-delivery", 0x1 },
	{ "exitless-eoi", 0x2 },
	{ "posted-pv", 0x4 },
	{ "posted-hw", 0x8 },
};
#define ALL_FEATURES 0xfUL

struct state {
	unsigned long granted, supported, wanted, enabled, notifications;
	int cpus, cpus_enabled;
	char posting[32];	/* who posts in hardware: "none", "cpu", "cpu iommu" */
	char error[160];
};

static volatile sig_atomic_t stop_signal;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("ioaccel-guest-agent: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int parse_features(const char *list, unsigned long *mask)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int rc = 0;

	if (!copy)
		return -1;
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		if (!strcmp(tok, "all")) {
			*mask |= ALL_FEATURES;
			continue;
		}
		for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
			if (!strcmp(tok, features[i].name))
				break;
		if (i == sizeof(features) / sizeof(features[0])) {
			say("--features: unknown feature '%s'; use exitless-delivery, exitless-eoi, posted-pv, posted-hw or all.",
			    tok);
			rc = -1;
			break;
		}
		*mask |= features[i].bit;
	}
	free(copy);
	return rc;
}

/* "exitless-delivery,posted-pv" or "none". */
static const char *feature_names(unsigned long mask, char *buf, size_t len)
{
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(features) / sizeof(features[0]); i++)
		if (mask & features[i].bit)
			used += (size_t)snprintf(buf + used, used < len ? len - used : 0, "%s%s",
						 used ? "," : "", features[i].name);
	return buf[0] ? buf : "none";
}

static int read_text(const char *dir, const char *name, char *buf, size_t len)
{
	char path[512];
	ssize_t n;
	int fd, e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return 0;
}

static int read_mask(const char *dir, const char *name, unsigned long *v)
{
	char buf[64], *end;
	int e = read_text(dir, name, buf, sizeof(buf));

	if (e)
		return e;
	errno = 0;
	*v = strtoul(buf, &end, 0);
	return errno || end == buf ? -EINVAL : 0;
}

static int write_mask(const char *dir, unsigned long mask)
{
	char path[512], buf[32];
	int fd, n, e = 0;

	snprintf(path, sizeof(path), "%s/enable", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "0x%lx\n", mask);
	if (write(fd, buf, (size_t)n) != n)
		e = -errno;
	close(fd);
	return e;
}

/* What is in effect (apply() reads the grants); "cpus" lines are counted. */
static int read_state(const char *dir, struct state *s)
{
	char cpus[8192], *line, *save = NULL;
	int e;

	e = read_mask(dir, "enabled", &s->enabled);
	if (!e)
		e = read_mask(dir, "notifications", &s->notifications);
	if (!e)
		e = read_text(dir, "cpus", cpus, sizeof(cpus));
	if (!e)
		e = read_text(dir, "posting", s->posting, sizeof(s->posting));
	if (e)
		return e;
	s->posting[strcspn(s->posting, "\n")] = '\0';
	s->cpus = s->cpus_enabled = 0;
	for (line = strtok_r(cpus, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *en = strstr(line, "enabled=");

		s->cpus++;
		if (en && (strtoul(en + 8, NULL, 0) & s->wanted) == s->wanted)
			s->cpus_enabled++;
	}
	return 0;
}

static int write_status(const char *file, const char *what, const struct state *s)
{
	char tmp[512];
	FILE *f;

	if (!file[0])
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "state=%s\ngranted=0x%lx\nsupported=0x%lx\nwanted=0x%lx\nenabled=0x%lx\n"
		   "cpus=%d\ncpus_enabled=%d\nnotifications=%lu\nposting=%s\nerror=%s\n",
		what, s->granted, s->supported, s->wanted, s->enabled, s->cpus,
		s->cpus_enabled, s->notifications, s->posting[0] ? s->posting : "none", s->error);
	if (fclose(f) || rename(tmp, file))
		return -errno;
	return 0;
}

/* One pass: want what is granted, implemented and allowed. */
static int apply(const char *dir, unsigned long allowed, struct state *s, struct state *last)
{
	unsigned long want, current;
	char a[80], b[80];
	int e;

	s->error[0] = '\0';
	e = read_mask(dir, "granted", &s->granted);
	if (!e)
		e = read_mask(dir, "supported", &s->supported);
	if (!e)
		e = read_mask(dir, "enable", &current);
	if (e) {
		snprintf(s->error, sizeof(s->error), "cannot read %s: %s", dir, strerror(-e));
		return e;
	}
	want = s->granted & s->supported & allowed;
	/* Posted vectors and exitless EOI need exitless delivery. */
	if (!(want & 0x1))
		want &= ~(0x4UL | 0x2UL);
	s->wanted = want;
	if (want != current) {
		e = write_mask(dir, want);
		if (e)
			snprintf(s->error, sizeof(s->error), "enabling 0x%lx (%s): %s", want,
				 feature_names(want, a, sizeof(a)), strerror(-e));
	}
	if (!e)
		e = read_state(dir, s);
	if (s->granted != last->granted || s->enabled != last->enabled ||
	    s->cpus != last->cpus || s->cpus_enabled != last->cpus_enabled ||
	    strcmp(s->error, last->error)) {
		say("granted %s, enabled %s on %d of %d vCPUs%s%s",
		    feature_names(s->granted, a, sizeof(a)), feature_names(s->enabled, b, sizeof(b)),
		    s->cpus_enabled, s->cpus, s->error[0] ? "; " : "", s->error);
		if (s->granted & ~s->supported & allowed)
			say("granted but not implemented by this guest module: %s",
			    feature_names(s->granted & ~s->supported & allowed, a, sizeof(a)));
	}
	*last = *s;
	return e;
}

static void usage(FILE *f)
{
	fputs("usage: ioaccel-guest-agent [--features LIST] [--interval SECONDS]\n"
	      "                           [--status FILE] [--sysfs DIR] [--once | --off]\n"
	      "LIST: comma-separated exitless-delivery, exitless-eoi, posted-pv, posted-hw, or all\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "features", required_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "status", required_argument, NULL, 's' },
		{ "sysfs", required_argument, NULL, 'S' },
		{ "once", no_argument, NULL, '1' },
		{ "off", no_argument, NULL, '0' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = DEFAULT_SYSFS, *status = DEFAULT_STATUS;
	unsigned long allowed = ALL_FEATURES;
	struct state s = { 0 }, last = { 0 };
	long interval = 5;
	int c, once = 0, off = 0, e;
	struct sigaction sa;
	char probe[64], *end;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (parse_features(optarg, &allowed))
				return 1;
			break;
		case 'i':
			interval = strtol(optarg, &end, 10);
			if (*end || interval < 1 || interval > 3600) {
				say("--interval: '%s' is not a number of seconds from 1 to 3600.", optarg);
				return 1;
			}
			break;
		case 's':
			status = optarg;
			break;
		case 'S':
			dir = optarg;
			break;
		case '1':
			once = 1;
			break;
		case '0':
			off = 1;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc || (once && off)) {
		usage(stderr);
		return 1;
	}
	e = read_text(dir, "version", probe, sizeof(probe));
	if (e) {
		say("cannot read %s/version: %s; is the ioaccel_guest module loaded (modprobe ioaccel_guest)? It loads only where the host offers ioaccel.",
		    dir, strerror(-e));
		return 1;
	}
	if (off) {
		e = write_mask(dir, 0);
		if (e)
			say("turning everything off: %s", strerror(-e));
		else
			say("everything off");
		return e ? 1 : 0;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: the sleep ends at once */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	strcpy(last.error, "-");
	for (;;) {
		struct timespec t = { .tv_sec = interval };

		e = apply(dir, allowed, &s, &last);
		write_status(status, once ? "applied" : "running", &s);
		if (once)
			return e ? 1 : 0;
		while (!stop_signal && nanosleep(&t, &t) && errno == EINTR)
			;
		if (stop_signal)
			break;
	}
	e = write_mask(dir, 0);
	s.wanted = 0;
	if (!e)
		e = read_state(dir, &s);
	snprintf(s.error, sizeof(s.error), "%s", e ? strerror(-e) : "");
	write_status(status, "stopped", &s);
	say("stopped by signal %d: enabled %s%s%s", (int)stop_signal,
	    feature_names(s.enabled, probe, sizeof(probe)), e ? "; " : "", s.error);
	return e ? 1 : 0;
}
