// SPDX-License-Identifier: Apache-2.0
/*
 * The CNI plugin's commands. ADD and DEL are `up` and `down` themselves
 * (ateom_up/ateom_down with arguments built from the config), so the
 * plugin makes exactly what the CLI makes and undoes it the same way.
 * stdout carries only the result or the CNI error object; ateomnet's own
 * message goes into the error's "msg" (and, as for the CLI, to stderr).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "errmsg.h"
#include "verbs.h"

#define JSON_OUT (JSON_COMPACT | JSON_REAL_PRECISION(15))

static int emit(json_t *doc)
{
	int rc = doc ? json_dumpf(doc, stdout, JSON_OUT) : -1;

	json_decref(doc);
	if (rc == 0)
		rc = fputc('\n', stdout) == EOF || fflush(stdout) ? -1 : 0;
	return rc;
}

/* The CNI error object on stdout, the message on stderr; exit status 1. */
static int cni_error(const char *version, int code, const char *msg, const char *details)
{
	json_t *e = json_pack("{s:s,s:i,s:s}", "cniVersion", version && *version ? version : "1.1.0",
			      "code", code, "msg", msg);

	if (details && *details)
		json_object_set_new(e, "details", json_string(details));
	fprintf(stderr, "ateomnet (CNI %s): %s\n", getenv("CNI_COMMAND"), msg);
	emit(e);
	return 1;
}

static const char *ip4(uint32_t be, char *buf)
{
	return inet_ntop(AF_INET, &be, buf, INET_ADDRSTRLEN);
}

/* The actor's IPv6, when it has one: its address with the gateway, and
 * the default route ::/0 (CNI 0.4.0 also wants "version": "6"). */
static int add_result6(const struct out_up *r, const struct cni_req *req, bool v04, json_t *ips,
		       json_t *routes)
{
	char gw[INET6_ADDRSTRLEN], ip[INET6_ADDRSTRLEN], addr[INET6_ADDRSTRLEN + 8];
	json_t *ipc;

	if (!r->actor_ip6.w[0] && !r->actor_ip6.w[1] && !r->actor_ip6.w[2] && !r->actor_ip6.w[3])
		return 0;
	inet_ntop(AF_INET6, req->args.worker_ip6.b, gw, sizeof(gw));
	snprintf(addr, sizeof(addr), "%s/%d", inet_ntop(AF_INET6, r->actor_ip6.b, ip, sizeof(ip)),
		 r->prefix6);
	ipc = json_pack("{s:s,s:s,s:i}", "address", addr, "gateway", gw, "interface", 1);
	if (ipc && v04)
		json_object_set_new(ipc, "version", json_string("6"));
	if (!ipc || json_array_append_new(ips, ipc) ||
	    json_array_append_new(routes, json_pack("{s:s,s:s}", "dst", "::/0", "gw", gw)))
		return -1;
	return 0;
}

/* ADD's record (for GC) and result, inside up's transaction: if either
 * cannot be written, the actor is taken down again (exit 1 means nothing
 * was made; an attachment GC would not know must not stay). */
static int add_result(const struct out_up *r, void *ctx)
{
	const struct cni_req *req = ctx;
	static const unsigned char gw[6] = ATEOM_GW_MAC, am[6] = ATEOM_ACTOR_MAC;
	char gwmac[18], amac[18], gwip[INET_ADDRSTRLEN], aip[INET_ADDRSTRLEN], addr[32];
	bool v04 = !strcmp(req->version, "0.4.0");
	json_t *ipc, *doc, *ips, *routes;

	snprintf(gwmac, sizeof(gwmac), "%02x:%02x:%02x:%02x:%02x:%02x", gw[0], gw[1], gw[2], gw[3],
		 gw[4], gw[5]);
	snprintf(amac, sizeof(amac), "%02x:%02x:%02x:%02x:%02x:%02x", am[0], am[1], am[2], am[3],
		 am[4], am[5]);
	ip4(req->args.worker_ip_be, gwip);
	snprintf(addr, sizeof(addr), "%s/%d", ip4(r->actor_ip_be, aip), r->prefixlen);
	ipc = json_pack("{s:s,s:s,s:i}", "address", addr, "gateway", gwip, "interface", 1);
	if (ipc && v04)
		json_object_set_new(ipc, "version", json_string("4"));
	ips = json_array();
	routes = json_array();
	json_array_append_new(ips, ipc);
	/* An IPv6-only pod: the IPv4 link stays, with no default route. */
	if (r->pod_ip_be)
		json_array_append_new(routes, json_pack("{s:s,s:s}", "dst", "0.0.0.0/0",
							"gw", gwip));
	if (add_result6(r, req, v04, ips, routes)) {
		json_decref(ips);
		json_decref(routes);
		return ateom_fail("out of memory while building the CNI result");
	}
	doc = json_pack("{s:s,s:[{s:s,s:s},{s:s,s:s,s:s}],s:o,s:o,s:{}}",
			"cniVersion", req->version,
			"interfaces", "name", r->veth, "mac", gwmac,
			"name", req->ifname, "mac", amac, "sandbox", req->netns,
			"ips", ips, "routes", routes, "dns");
	if (cni_record_add(req)) {
		json_decref(doc);
		return -1;
	}
	if (emit(doc)) {
		cni_record_del(req);
		return ateom_fail("cannot write the CNI result");
	}
	return 0;
}

static int cmd_add(struct cni_req *req)
{
	if (ateom_up(&req->args, add_result, req))
		return cni_error(req->version, CNI_ERR_RUNTIME, ateom_errmsg(), NULL);
	return 0;
}

/* Idempotent, like `down`: an actor already gone, a pin dir never made, a
 * netns already deleted (CNI_NETNS missing) are all success. */
static int cmd_del(struct cni_req *req)
{
	struct out_down r;

	if (ateom_down(&req->args, &r))
		return cni_error(req->version, CNI_ERR_RUNTIME, ateom_errmsg(), NULL);
	cni_record_del(req);
	return 0;
}

static int cmd_version(void)
{
	/* The request's cniVersion is not needed: the answer lists them all. */
	return emit(json_pack("{s:s,s:[s,s,s]}", "cniVersion", "1.1.0", "supportedVersions",
			      "0.4.0", "1.0.0", "1.1.0")) ? 1 : 0;
}

int cni_fail(int code, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return code;
}

int cni_main(void)
{
	static struct cni_req req; /* holds ateom_args: large */
	const char *cmd = getenv("CNI_COMMAND");
	char err[1024] = "";
	bool netns;
	int rc;

	req.command = cmd;
	if (!strcmp(cmd, "VERSION"))
		return cmd_version();
	netns = !strcmp(cmd, "ADD") || !strcmp(cmd, "CHECK");
	if (!netns && strcmp(cmd, "DEL") && strcmp(cmd, "GC") && strcmp(cmd, "STATUS"))
		return cni_error(NULL, CNI_ERR_ENV, "CNI_COMMAND must be ADD, DEL, CHECK, GC, "
				 "STATUS or VERSION", cmd);
	rc = cni_conf_read(&req, stdin, netns, err, sizeof(err));
	if (rc) {
		rc = cni_error(req.version, rc, err, NULL);
		goto out;
	}
	if (!strcmp(cmd, "ADD"))
		rc = cmd_add(&req);
	else if (!strcmp(cmd, "DEL"))
		rc = cmd_del(&req);
	else if ((rc = !strcmp(cmd, "CHECK") ? cni_check(&req, err, sizeof(err)) :
		       !strcmp(cmd, "GC") ? cni_gc(&req, err, sizeof(err)) :
		       cni_status(&req, err, sizeof(err))))
		rc = cni_error(req.version, rc, err, NULL);
out:
	json_decref(req.conf);
	return rc;
}
