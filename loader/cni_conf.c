// SPDX-License-Identifier: Apache-2.0
/*
 * The CNI plugin's input: the network configuration (JSON on stdin, read
 * with jansson) and the CNI_* environment, turned into the same
 * `ateom_args` the CLI builds. The config's values go through the CLI's own
 * parser (as "--flag=value"), so a CNI config is checked exactly like a
 * command line and refused with the same messages.
 *
 *   { "cniVersion": "1.1.0", "name": "actors", "type": "ateomnet",
 *     "podInterface": "eth0", "workerAddress": "10.200.0.1/30",
 *     "actorAddress": "10.200.0.2/30", "snatPorts": "1024-32767",
 *     "workerAddress6": "fd00:169:254::1/126",
 *     "actorAddress6": "fd00:169:254::2/126", "ipv6": true,
 *     "maxActors": 4, "natEntries": 131072, "natQuota": 16384, "attach": "auto",
 *     "pinDir": "...", "egressHook": "...", "stateDir": "...",
 *     "capabilities": { "portMappings": true },
 *     "runtimeConfig": { "portMappings": [
 *         { "hostPort": 8080, "containerPort": 80, "protocol": "tcp" } ] },
 *     "args": { "cni": { "actor": "web-1" } } }
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"

#define CNI_STATE_DIR "/var/lib/cni/ateomnet"


int cni_actor_name(const char *id, char *out, size_t len)
{
	size_t n = 0;

	for (const char *p = id; *p && n + 1 < len && n < ATEOM_ACTOR_NAME_MAX - 1; p++) {
		char c = *p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p;
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (n == 0 || out[n - 1] == '-'))
			continue; /* no leading '-', no runs of them */
		out[n++] = alnum ? c : '-';
	}
	while (n && out[n - 1] == '-')
		n--;
	out[n] = '\0';
	return n ? 0 : -1;
}

void cni_veth_name(const char *actor, char out[IF_NAMESIZE])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (const char *p = actor; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	snprintf(out, IF_NAMESIZE, "ateom%08x", h);
}

static const char *const versions[] = { "0.4.0", "1.0.0", "1.1.0" };

static bool supported(const char *v)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (!strcmp(v, versions[i]))
			return true;
	return false;
}

/* argv for ateom_parse_args, grown one "--flag=value" at a time. */
struct argv {
	char *v[64];
	int n;
};

static void push(struct argv *a, const char *flag, const char *val)
{
	if (a->n + 1 >= (int)(sizeof(a->v) / sizeof(a->v[0])))
		return; /* the parser then misses a flag: cannot happen below 64 */
	if (!val)
		a->v[a->n++] = strdup(flag);
	else if (asprintf(&a->v[a->n], "%s=%s", flag, val) >= 0)
		a->n++;
	a->v[a->n] = NULL;
}

static void argv_free(struct argv *a)
{
	for (int i = 0; i < a->n; i++)
		free(a->v[i]);
}

/* An optional string or integer field, as the flag's value. */
static int opt_field(struct argv *av, json_t *conf, const char *key, const char *flag,
		     char *err, size_t errlen)
{
	json_t *v = json_object_get(conf, key);
	char num[32];

	if (!v || json_is_null(v))
		return 0;
	if (json_is_string(v)) {
		push(av, flag, json_string_value(v));
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		push(av, flag, num);
	} else {
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "config field \"%s\" must be a %s", key,
			    json_is_number(v) ? "whole number" : "string");
	}
	return 0;
}

/* runtimeConfig.portMappings, as the portmap plugin reads them. */
static int port_mappings(struct argv *av, json_t *conf, int *n, char *err, size_t errlen)
{
	json_t *pm = json_object_get(json_object_get(conf, "runtimeConfig"), "portMappings");
	json_t *m;
	size_t i;

	*n = 0;
	if (!pm || json_is_null(pm))
		return 0;
	if (!json_is_array(pm))
		return cni_fail(CNI_ERR_CONFIG, err, errlen,
			    "runtimeConfig.portMappings must be an array");
	json_array_foreach(pm, i, m) {
		json_int_t host = -1, cont = -1;
		const char *proto = "tcp";
		char val[64];

		if (json_unpack(m, "{s:I,s:I,s?s}", "hostPort", &host, "containerPort", &cont,
				"protocol", &proto) || host < 1 || host > 65535 || cont < 1 ||
		    cont > 65535)
			return cni_fail(CNI_ERR_CONFIG, err, errlen, "runtimeConfig.portMappings[%zu]: "
				    "needs hostPort and containerPort, 1..65535", i);
		if (strcasecmp(proto, "tcp") && strcasecmp(proto, "udp"))
			return cni_fail(CNI_ERR_CONFIG, err, errlen, "runtimeConfig.portMappings[%zu]: "
				    "protocol must be tcp or udp, not \"%.32s\"", i, proto);
		snprintf(val, sizeof(val), "%lld:%lld/%s", (long long)host, (long long)cont,
			 strcasecmp(proto, "udp") ? "tcp" : "udp");
		push(av, "--expose", val);
		++*n;
	}
	return 0;
}

/* The actor's name: ATEOM_ACTOR in CNI_ARGS, args.cni.actor in the config,
 * or made from the container id. */
static int actor_name(struct cni_req *req, char *out, size_t len, char *err, size_t errlen)
{
	const char *cargs = getenv("CNI_ARGS");
	json_t *v = json_object_get(json_object_get(json_object_get(req->conf, "args"), "cni"),
				    "actor");

	for (const char *p = cargs; p && *p;) {
		size_t n = strcspn(p, ";");

		if (n > 12 && !strncmp(p, "ATEOM_ACTOR=", 12)) {
			snprintf(out, len, "%.*s", (int)(n - 12), p + 12);
			return 0;
		}
		p += n + (p[n] == ';');
	}
	if (json_is_string(v)) {
		snprintf(out, len, "%s", json_string_value(v));
		return 0;
	}
	if (v)
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "args.cni.actor must be a string");
	if (!req->container_id || cni_actor_name(req->container_id, out, len))
		return cni_fail(CNI_ERR_ENV, err, errlen, "CNI_CONTAINERID \"%.64s\" has no letter or "
			    "digit to make an actor name of (or set ATEOM_ACTOR in CNI_ARGS)",
			    req->container_id ? req->container_id : "");
	return 0;
}

/* "ipv6": false is --no-ipv6; true (the default) changes nothing. */
static int ipv6_field(struct argv *av, json_t *conf, char *err, size_t errlen)
{
	json_t *v = json_object_get(conf, "ipv6");

	if (!v || json_is_null(v) || json_is_true(v))
		return 0;
	if (!json_is_false(v))
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "ipv6 must be true or false");
	push(av, "--no-ipv6", NULL);
	return 0;
}

static int need_env(const char *name, const char **out, char *err, size_t errlen)
{
	*out = getenv(name);
	if (*out && **out)
		return 0;
	return cni_fail(CNI_ERR_ENV, err, errlen, "%s is not set (the runtime must set it for %s)",
		    name, getenv("CNI_COMMAND"));
}

static int read_conf(struct cni_req *req, FILE *in, char *err, size_t errlen)
{
	json_error_t je;
	const char *ver = NULL, *name = NULL, *type = NULL, *sd = CNI_STATE_DIR;

	req->conf = json_loadf(in, JSON_REJECT_DUPLICATES, &je);
	if (!req->conf)
		return cni_fail(CNI_ERR_DECODE, err, errlen, "the network config on stdin is not "
			    "JSON: %s (line %d)", je.text, je.line);
	if (!json_is_object(req->conf))
		return cni_fail(CNI_ERR_DECODE, err, errlen, "the network config must be a JSON object");
	if (json_unpack_ex(req->conf, &je, 0, "{s:s,s:s,s?s,s?s}", "cniVersion", &ver,
			   "name", &name, "type", &type, "stateDir", &sd))
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "network config: %s", je.text);
	snprintf(req->version, sizeof(req->version), "%s", ver);
	snprintf(req->name, sizeof(req->name), "%s", name);
	if (!supported(ver))
		return cni_fail(CNI_ERR_VERSION, err, errlen, "cniVersion \"%.16s\" is not supported "
			    "(supported: 0.4.0, 1.0.0, 1.1.0)", ver);
	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "network name \"%.64s\" must be a "
			    "non-empty name without '/'", name);
	if (type && strcmp(type, "ateomnet"))
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "type is \"%.32s\", not \"ateomnet\"", type);
	if (sd[0] != '/')
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "stateDir must be an absolute path");
	snprintf(req->state_dir, sizeof(req->state_dir), "%s/%s", sd, name);
	return 0;
}

int cni_conf_read(struct cni_req *req, FILE *in, bool needs_netns, char *err, size_t errlen)
{
	bool add = !strcmp(req->command, "ADD") || !strcmp(req->command, "CHECK");
	char actor[ATEOM_ACTOR_NAME_MAX * 2], veth[IF_NAMESIZE], perr[512];
	static const struct { const char *key, *flag; } common[] = {
		{ "pinDir", "--pin-dir" },
	}, up_only[] = {
		{ "podInterface", "--pod-if" }, { "workerAddress", "--worker-addr" },
		{ "actorAddress", "--actor-addr" }, { "snatPorts", "--snat-ports" },
		{ "natEntries", "--nat-entries" }, { "natQuota", "--nat-quota" },
		{ "maxActors", "--max-actors" },
		{ "attach", "--attach" }, { "egressHook", "--egress-hook" },
		{ "workerAddress6", "--worker-addr6" }, { "actorAddress6", "--actor-addr6" },
	};
	struct argv av = { .n = 0 };
	int rc, n_maps = 0;

	if ((rc = read_conf(req, in, err, errlen)))
		return rc;
	if (!needs_netns && strcmp(req->command, "DEL"))
		return 0; /* GC, STATUS: the config alone */
	if ((rc = need_env("CNI_CONTAINERID", &req->container_id, err, errlen)) ||
	    (rc = need_env("CNI_IFNAME", &req->ifname, err, errlen)) ||
	    (needs_netns && (rc = need_env("CNI_NETNS", &req->netns, err, errlen))))
		return rc;
	if (!needs_netns)
		req->netns = getenv("CNI_NETNS");
	if ((rc = actor_name(req, actor, sizeof(actor), err, errlen)))
		return rc;
	cni_veth_name(actor, veth);

	push(&av, "ateomnet", NULL);
	push(&av, add ? "up" : "down", NULL);
	push(&av, "--actor", actor);
	for (size_t i = 0; !rc && i < sizeof(common) / sizeof(common[0]); i++)
		rc = opt_field(&av, req->conf, common[i].key, common[i].flag, err, errlen);
	if (add) {
		push(&av, "--netns", req->netns);
		push(&av, "--veth", veth);
		for (size_t i = 0; !rc && i < sizeof(up_only) / sizeof(up_only[0]); i++)
			rc = opt_field(&av, req->conf, up_only[i].key, up_only[i].flag, err, errlen);
		if (!rc)
			rc = ipv6_field(&av, req->conf, err, errlen);
		if (!rc)
			rc = port_mappings(&av, req->conf, &n_maps, err, errlen);
	}
	if (!rc && ateom_parse_args(av.n, av.v, &req->args, perr, sizeof(perr))) {
		/* The parser names the flag: name the config field it came from. */
		const char *key = "CNI_ARGS or CNI_CONTAINERID";

		for (size_t i = 0; i < sizeof(up_only) / sizeof(up_only[0]); i++)
			if (!strncmp(perr, up_only[i].flag, strlen(up_only[i].flag)))
				key = up_only[i].key;
		if (!strncmp(perr, "--pin-dir", 9))
			key = "pinDir";
		if (!strncmp(perr, "--no-ipv6", 9))
			key = "ipv6";
		if (!strncmp(perr, "--expose", 8))
			key = "runtimeConfig.portMappings";
		rc = cni_fail(CNI_ERR_CONFIG, err, errlen, "invalid network config (%s): %s", key, perr);
	}
	argv_free(&av);
	if (rc)
		return rc;
	if (add && n_maps == 0)
		req->args.n_expose = 0; /* no portMappings: nothing exposed (not up's 80) */
	if (ateom_valid_ifname(req->ifname, "CNI_IFNAME", perr, sizeof(perr)))
		return cni_fail(CNI_ERR_ENV, err, errlen, "%s", perr);
	snprintf(req->args.actor_if, sizeof(req->args.actor_if), "%s", req->ifname);
	return 0;
}
