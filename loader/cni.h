/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ateomnet as a CNI plugin (spec 1.1.0, also 0.4.0 and 1.0.0): when
 * CNI_COMMAND is set, main hands over to cni_main(), which reads the
 * network configuration on stdin, writes the result or a CNI error on
 * stdout, and returns the exit status.
 */
#ifndef ATEOMNET_CNI_H
#define ATEOMNET_CNI_H

#include <stdbool.h>
#include <jansson.h>
#include "args.h"

/* The spec's error codes (CNI spec, "Error"), and ours (100 and up). */
enum cni_code {
	CNI_ERR_VERSION = 1,     /* incompatible CNI version */
	CNI_ERR_FIELD = 2,       /* unsupported field in the network config */
	CNI_ERR_ENV = 4,         /* invalid necessary environment variables */
	CNI_ERR_IO = 5,          /* I/O failure */
	CNI_ERR_DECODE = 6,      /* failed to decode content */
	CNI_ERR_CONFIG = 7,      /* invalid network config */
	CNI_ERR_TRY_AGAIN = 11,  /* try again later */
	CNI_ERR_UNAVAILABLE = 50, /* STATUS: the plugin cannot serve */
	CNI_ERR_RUNTIME = 100,   /* ateomnet failed (the message says why) */
};

/* What the network configuration and the environment ask for. */
struct cni_req {
	const char *command;        /* CNI_COMMAND */
	const char *container_id, *netns, *ifname;
	char version[16];           /* the config's cniVersion */
	char name[256];             /* the network's name */
	char state_dir[1024];       /* where attachments are recorded */
	json_t *conf;               /* the whole config (owned) */
	struct ateom_args args;     /* up/down, built from config + env */
};

int cni_main(void);
/* Writes the message into err and returns code (a CNI error code). */
__attribute__((format(printf, 4, 5)))
int cni_fail(int code, char *err, size_t errlen, const char *fmt, ...);

/* cni_conf.c: parses the config on stdin and the environment into req.
 * needs_env: the command needs CNI_CONTAINERID/NETNS/IFNAME. On failure
 * returns a cni_code and writes a message into err. */
int cni_conf_read(struct cni_req *req, FILE *in, bool needs_netns, char *err, size_t errlen);
/* The actor name made from a container id: a DNS-1123 label (lowercase
 * alphanumerics and '-', at most 63, alphanumeric at both ends). 0, or -1
 * when nothing usable is left. */
int cni_actor_name(const char *id, char *out, size_t len);
/* The worker-side veth of an actor: "ateom" + 8 hex digits of a hash of
 * its name, so concurrent ADDs never pick the same one. */
void cni_veth_name(const char *actor, char out[IF_NAMESIZE]);

/* cni_record.c: the attachments this plugin made (GC needs them: an
 * actor made by the CLI is not CNI's to collect). */
int cni_record_add(const struct cni_req *req);
int cni_record_del(const struct cni_req *req);

/* cni_gc.c */
int cni_gc(struct cni_req *req, char *err, size_t errlen);
int cni_status(struct cni_req *req, char *err, size_t errlen);
/* cni_check.c */
int cni_check(struct cni_req *req, char *err, size_t errlen);

#endif
