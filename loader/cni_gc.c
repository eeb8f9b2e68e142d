// SPDX-License-Identifier: Apache-2.0
/*
 * CNI GC and STATUS (spec 1.1).
 *
 * GC: every attachment this plugin recorded (cni_record.c) whose
 * (containerID, ifname) is not in cni.dev/valid-attachments is taken down
 * as DEL would, and its record removed. Actors made with the CLI have no
 * record and are never touched.
 *
 * STATUS: can an ADD succeed now? The capabilities, the pod interface with
 * an IPv4 address, a pin dir that can be used, and the datapath pinned
 * there (if any) opening. Otherwise code 50 with what is missing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cni.h"
#include "errmsg.h"
#include "netlink.h"
#include "pin.h"
#include "sys.h"
#include "verbs.h"


static bool valid(json_t *list, const char *id, const char *ifname)
{
	json_t *x;
	size_t i;

	json_array_foreach(list, i, x) {
		const char *c = json_string_value(json_object_get(x, "containerID"));
		const char *f = json_string_value(json_object_get(x, "ifname"));

		if (c && f && !strcmp(c, id) && !strcmp(f, ifname))
			return true;
	}
	return false;
}

/* Takes one recorded actor down (as DEL) and removes its record. */
static int collect(struct cni_req *req, const char *path, const char *actor, char *err,
		   size_t errlen)
{
	json_t *pin = json_object_get(req->conf, "pinDir");
	char a1[128], a2[4200], perr[512];
	char *argv[] = { "ateomnet", "down", a1, json_is_string(pin) ? a2 : NULL, NULL };
	struct ateom_args *args = &req->args;
	struct out_down r;

	snprintf(a1, sizeof(a1), "--actor=%s", actor);
	if (json_is_string(pin))
		snprintf(a2, sizeof(a2), "--pin-dir=%s", json_string_value(pin));
	if (ateom_parse_args(json_is_string(pin) ? 4 : 3, argv, args, perr, sizeof(perr)))
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "GC: %s: %s", path, perr);
	if (ateom_down(args, &r))
		return cni_fail(CNI_ERR_RUNTIME, err, errlen, "GC: actor %s: %s", actor, ateom_errmsg());
	unlink(path);
	return 0;
}

int cni_gc(struct cni_req *req, char *err, size_t errlen)
{
	json_t *list = json_object_get(req->conf, "cni.dev/valid-attachments");
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (list && !json_is_array(list))
		return cni_fail(CNI_ERR_CONFIG, err, errlen, "cni.dev/valid-attachments must be an array");
	d = opendir(req->state_dir);
	if (!d)
		return errno == ENOENT ? 0 : cni_fail(CNI_ERR_IO, err, errlen, "GC: cannot read %s: %s",
						  req->state_dir, strerror(errno));
	while (!rc && (de = readdir(d))) {
		char path[2048];
		const char *id = NULL, *ifname = NULL, *actor = NULL;
		json_t *rec;

		if (de->d_name[0] == '.' || strstr(de->d_name, ".tmp"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", req->state_dir, de->d_name);
		rec = json_load_file(path, 0, NULL);
		if (json_unpack(rec, "{s:s,s:s,s:s}", "containerID", &id, "ifname", &ifname,
				"actor", &actor) == 0 && !valid(list, id, ifname))
			rc = collect(req, path, actor, err, errlen);
		json_decref(rec);
	}
	closedir(d);
	return rc;
}

int cni_status(struct cni_req *req, char *err, size_t errlen)
{
	json_t *pod = json_object_get(req->conf, "podInterface"),
	       *pin = json_object_get(req->conf, "pinDir");
	const char *pod_if = json_is_string(pod) ? json_string_value(pod) : "eth0";
	char dir[PATH_MAX];
	struct nl nl = { 0 };
	struct nl_link l;
	unsigned char ip6[16];
	uint32_t ip;
	int plen, rc = 0;
	struct dp dp;

	if (sys_check_caps() ||
	    pin_dir_resolve(json_is_string(pin) ? json_string_value(pin) : "", dir, sizeof(dir)))
		return cni_fail(CNI_ERR_UNAVAILABLE, err, errlen, "%s", ateom_errmsg());
	if (nl_open(&nl))
		return cni_fail(CNI_ERR_UNAVAILABLE, err, errlen, "cannot open netlink");
	if (nl_link_get(&nl, pod_if, &l))
		rc = cni_fail(CNI_ERR_UNAVAILABLE, err, errlen, "the pod interface %s does not exist "
			  "in this network namespace (podInterface)", pod_if);
	else if (nl_addr_get_v4(&nl, l.ifindex, &ip, &plen) &&
		 (json_is_false(json_object_get(req->conf, "ipv6")) ||
		  nl_addr_get_v6(&nl, l.ifindex, ip6)))
		/* An IPv6-only pod serves (unless the config turns IPv6 off). */
		rc = cni_fail(CNI_ERR_UNAVAILABLE, err, errlen, "the pod interface %s has no IPv4 "
			  "or IPv6 address yet", pod_if);
	nl_close(&nl);
	if (rc)
		return rc;
	dp_init(&dp, dir);
	if (pin_dir_exists(dir) && dp_pinned(&dp)) {
		if (dp_open(&dp))
			rc = cni_fail(CNI_ERR_UNAVAILABLE, err, errlen, "the datapath pinned in %s "
				  "cannot be used: %s", dir, ateom_errmsg());
		dp_close(&dp);
	}
	return rc;
}
