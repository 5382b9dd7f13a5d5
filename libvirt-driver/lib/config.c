// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * /etc/ioaccel/ioaccel.conf: "key = value" lines, '#' comments, blank
 * lines ignored.  Unknown keys are errors (a typo must not silently leave a
 * host without I/O cores), and so is a key given twice.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ioaccel.h"
#include "ioaccel_config.h"
#include "topology.h"

const char *ioaccel_config_path(void)
{
	const char *p = getenv("IOACCEL_CONF");

	return p && *p ? p : IOACCEL_CONF_DEFAULT;
}

static int parse_uint(const char *v, unsigned long lo, unsigned long hi, unsigned int *out)
{
	char *end;
	unsigned long n;

	if (!isdigit((unsigned char)*v))
		return -EINVAL;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -EINVAL;
	*out = (unsigned int)n;
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1")) {
		*out = true;
		return 0;
	}
	if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0")) {
		*out = false;
		return 0;
	}
	return -EINVAL;
}

enum key_id { KEY_IO_CORES, KEY_DEVICES_PER_WORKER, KEY_NUMA_FALLBACK, KEY_POLL_START, KEY_POLL_STOP, N_KEYS };

static const struct {
	const char *name;
	const char *allowed;
} keys[N_KEYS] = {
	[KEY_IO_CORES] = { "io-cores", "a cpu list such as 2,3,8-9 (empty: no I/O cores)" },
	[KEY_DEVICES_PER_WORKER] = { "devices-per-worker", "an integer from 1 to 256" },
	[KEY_NUMA_FALLBACK] = { "numa-fallback", "yes or no" },
	[KEY_POLL_START] = { "poll-start-rate", "an integer from 1 to 10000000 (kicks per second)" },
	[KEY_POLL_STOP] = { "poll-stop-idle-us", "an integer from 1 to 10000000 (microseconds)" },
};

static int apply_key(struct ioaccel_config *cfg, enum key_id k, const char *v)
{
	switch (k) {
	case KEY_IO_CORES:
		return ioaccel_cpulist_parse(v, cfg->io_cores) < 0 ? -EINVAL : 0;
	case KEY_DEVICES_PER_WORKER:
		return parse_uint(v, 1, IOACCEL_DEVICES_PER_WORKER_MAX, &cfg->devices_per_worker);
	case KEY_NUMA_FALLBACK:
		return parse_bool(v, &cfg->numa_fallback);
	case KEY_POLL_START:
		return parse_uint(v, 1, 10000000, &cfg->poll_start_rate);
	case KEY_POLL_STOP:
		return parse_uint(v, 1, 10000000, &cfg->poll_stop_idle_us);
	case N_KEYS:
		break;
	}
	return -EINVAL;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int parse_file(struct ioaccel_config *cfg, FILE *f)
{
	bool seen[N_KEYS] = { false };
	char line[4096];
	int lineno = 0;

	while (fgets(line, sizeof(line), f)) {
		char *key, *value, *eq;
		size_t len = strlen(line);
		int k;

		lineno++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			ioaccel_err("%s:%d: line is longer than %zu bytes; split the value or "
				    "shorten it.", cfg->path, lineno, sizeof(line) - 2);
			return -EINVAL;
		}
		key = trim(line);
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			ioaccel_err("%s:%d: '%s' is not a 'key = value' line.", cfg->path, lineno,
				    key);
			return -EINVAL;
		}
		*eq = '\0';
		key = trim(key);
		value = trim(eq + 1);
		for (k = 0; k < N_KEYS; k++)
			if (strcmp(key, keys[k].name) == 0)
				break;
		if (k == N_KEYS) {
			ioaccel_err("%s:%d: unknown key '%s'; known keys are io-cores, "
				    "devices-per-worker, numa-fallback, poll-start-rate, "
				    "poll-stop-idle-us.", cfg->path, lineno, key);
			return -EINVAL;
		}
		if (seen[k]) {
			ioaccel_err("%s:%d: key '%s' is given a second time; keep one.", cfg->path,
				    lineno, key);
			return -EINVAL;
		}
		seen[k] = true;
		if (apply_key(cfg, (enum key_id)k, value) < 0) {
			ioaccel_err("%s:%d: %s = '%s' is not valid; allowed: %s.", cfg->path,
				    lineno, key, value, keys[k].allowed);
			return -EINVAL;
		}
	}
	if (ferror(f)) {
		ioaccel_err("cannot read %s: %s.", cfg->path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int ioaccel_config_load(const char *path, struct ioaccel_config **out)
{
	struct ioaccel_config *cfg;
	FILE *f;
	int r = 0;

	*out = NULL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	cfg->path = strdup(path ? path : ioaccel_config_path());
	cfg->io_cores = ioaccel_cpuset_new();
	cfg->devices_per_worker = IOACCEL_DEVICES_PER_WORKER_DEFAULT;
	cfg->numa_fallback = true;
	if (!cfg->path) {
		ioaccel_config_free(cfg);
		return -ENOMEM;
	}
	f = fopen(cfg->path, "re");
	if (!f) {
		if (errno != ENOENT) {
			r = -errno;
			ioaccel_err("cannot open %s: %s.", cfg->path, strerror(errno));
			ioaccel_config_free(cfg);
			return r;
		}
		ioaccel_dbg("%s does not exist: no I/O cores.", cfg->path);
		*out = cfg;
		return 0;
	}
	cfg->present = true;
	r = parse_file(cfg, f);
	fclose(f);
	if (r < 0) {
		ioaccel_config_free(cfg);
		return r;
	}
	*out = cfg;
	return 0;
}

void ioaccel_config_free(struct ioaccel_config *cfg)
{
	if (!cfg)
		return;
	ioaccel_cpuset_free(cfg->io_cores);
	free(cfg->path);
	free(cfg);
}
