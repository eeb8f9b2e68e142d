// SPDX-License-Identifier: Apache-2.0
/* tc: the clsact qdisc and our cls_bpf filters (direct action) on its
 * ingress and egress hooks. Why not libbpf's bpf_tc_*: docs/NOTES.md (Loader). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "nl_priv.h"

/* tc slots of our cls_bpf filters: the clsact qdisc's two hooks. */
static uint32_t clsact_parent(enum nl_tc_hook hook)
{
	return TC_H_MAKE(TC_H_CLSACT, hook == NL_TC_EGRESS ? TC_H_MIN_EGRESS : TC_H_MIN_INGRESS);
}

static struct tcmsg *tc_hdr(struct nlmsghdr *nlh, int ifindex, uint32_t parent,
			    uint32_t handle, uint32_t info)
{
	struct tcmsg *tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));

	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	tcm->tcm_info = info;
	return tcm;
}

struct qdisc_match {
	int ifindex;
	char kind[16]; /* of the qdisc sitting on the ingress/clsact slot */
};

static int tc_kind_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == TCA_KIND)
		nl_copy_str(data, 16, attr);
	return MNL_CB_OK;
}

static int qdisc_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct qdisc_match *m = data;

	if (nlh->nlmsg_type == RTM_NEWQDISC && tcm->tcm_ifindex == m->ifindex &&
	    tcm->tcm_parent == TC_H_CLSACT)
		mnl_attr_parse(nlh, sizeof(*tcm), tc_kind_cb, m->kind);
	return MNL_CB_OK;
}

int nl_clsact_ensure(struct nl *nl, int ifindex)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct qdisc_match m = { .ifindex = ifindex };
	int err;

	nlh = nl_req_start(nl, buf, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL);
	tc_hdr(nlh, ifindex, TC_H_CLSACT, TC_H_MAKE(TC_H_CLSACT, 0), 0);
	mnl_attr_put_strz(nlh, TCA_KIND, "clsact");
	err = nl_talk(nl, nlh, NULL, NULL);
	if (err != -EEXIST)
		return err;

	/* Something holds the slot: fine if it is a clsact, but a plain
	 * "ingress" qdisc has no hook for our filters and is not ours to
	 * replace. */
	nlh = nl_req_start(nl, buf, RTM_GETQDISC, NLM_F_DUMP);
	tc_hdr(nlh, ifindex, 0, 0, 0);
	err = nl_talk(nl, nlh, qdisc_cb, &m);
	if (err)
		return err;
	if (strcmp(m.kind, "clsact") == 0)
		return 0;
	nl_seterr(nl, "ifindex %d already has a \"%s\" qdisc on the ingress slot",
		  ifindex, m.kind);
	return -EEXIST;
}

struct filter_match {
	uint16_t prio;
	uint32_t handle;
	uint32_t prog_id; /* 0: no cls_bpf filter at (prio, handle) */
	char name[NL_STR_MAX]; /* its TCA_BPF_NAME */
	char kind[16];
	uint32_t chain;
};

static int bpf_opt_cb(const struct nlattr *attr, void *data)
{
	struct filter_match *m = data;

	if (mnl_attr_get_type(attr) == TCA_BPF_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
		m->prog_id = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == TCA_BPF_NAME)
		nl_copy_str(m->name, sizeof(m->name), attr);
	return MNL_CB_OK;
}

static int filter_attr_cb(const struct nlattr *attr, void *data)
{
	struct filter_match *m = data;

	switch (mnl_attr_get_type(attr)) {
	case TCA_KIND:
		nl_copy_str(m->kind, sizeof(m->kind), attr);
		break;
	case TCA_CHAIN:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			m->chain = mnl_attr_get_u32(attr);
		break;
	case TCA_OPTIONS:
		/* Only meaningful for "bpf"; TCA_KIND always comes first. */
		if (strcmp(m->kind, "bpf") == 0)
			mnl_attr_parse_nested(attr, bpf_opt_cb, m);
		break;
	}
	return MNL_CB_OK;
}

static int filter_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct tcmsg *tcm = mnl_nlmsg_get_payload(nlh);
	struct filter_match *m = data;
	struct filter_match f = { .prio = m->prio, .handle = m->handle };

	if (nlh->nlmsg_type != RTM_NEWTFILTER || m->prog_id ||
	    TC_H_MAJ(tcm->tcm_info) >> 16 != m->prio ||
	    tcm->tcm_handle != m->handle)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*tcm), filter_attr_cb, &f);
	if (f.chain == 0 && f.prog_id)
		*m = f;
	return MNL_CB_OK;
}

/* Dump our hook's filters and find the cls_bpf one at (prio, handle). */
static int tc_bpf_find(struct nl *nl, int ifindex, enum nl_tc_hook hook, struct filter_match *m)
{
	char buf[NL_REQ_SIZE];
	struct nlmsghdr *nlh = nl_req_start(nl, buf, RTM_GETTFILTER, NLM_F_DUMP);
	int err;

	tc_hdr(nlh, ifindex, clsact_parent(hook), 0, 0);
	err = nl_talk(nl, nlh, filter_cb, m);
	if (err)
		return err;
	return m->prog_id ? 0 : -ENOENT;
}

int nl_tc_bpf_attach(struct nl *nl, int ifindex, enum nl_tc_hook hook, int prog_fd,
		     const char *name, uint16_t prio, uint32_t handle)
{
	char buf[NL_REQ_SIZE];
	struct filter_match m = { .prio = prio, .handle = handle };
	struct nlmsghdr *nlh;
	struct nlattr *opts;
	int err;

	if (!name || strlen(name) >= sizeof(m.name))
		return -ENAMETOOLONG;
	/* REPLACE lets us swap our own program in place, but the slot may be
	 * someone else's: refuse when a differently named program sits there. */
	err = tc_bpf_find(nl, ifindex, hook, &m);
	if (err && err != -ENOENT)
		return err;
	if (!err && strcmp(m.name, name) != 0) {
		nl_seterr(nl, "tc prio %u handle %#x holds \"%s\" (prog %u), not \"%s\"",
			  prio, handle, m.name, m.prog_id, name);
		return -EBUSY;
	}

	nlh = nl_req_start(nl, buf, RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_REPLACE);
	tc_hdr(nlh, ifindex, clsact_parent(hook), handle,
	       TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL)));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	opts = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	mnl_attr_put_u32(nlh, TCA_BPF_FD, prog_fd);
	mnl_attr_put_strz(nlh, TCA_BPF_NAME, name);
	mnl_attr_put_u32(nlh, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
	mnl_attr_nest_end(nlh, opts);
	return nl_talk(nl, nlh, NULL, NULL);
}

int nl_tc_bpf_query(struct nl *nl, int ifindex, enum nl_tc_hook hook, uint16_t prio,
		    uint32_t handle, uint32_t *prog_id)
{
	struct filter_match m = { .prio = prio, .handle = handle };
	int err = tc_bpf_find(nl, ifindex, hook, &m);

	if (err)
		return err;
	*prog_id = m.prog_id;
	return 0;
}

int nl_tc_bpf_detach(struct nl *nl, int ifindex, enum nl_tc_hook hook, uint16_t prio,
		     uint32_t handle, uint32_t expect_prog_id)
{
	char buf[NL_REQ_SIZE];
	struct filter_match m = { .prio = prio, .handle = handle };
	struct nlmsghdr *nlh;
	int err;

	err = tc_bpf_find(nl, ifindex, hook, &m);
	if (err)
		return err;
	if (m.prog_id != expect_prog_id) {
		nl_seterr(nl, "tc prio %u handle %#x runs prog %u, not %u",
			  prio, handle, m.prog_id, expect_prog_id);
		return -EBUSY;
	}
	/* tc has no compare-and-delete: a replace between the dump and this
	 * request could slip through, which only our own loader (serialised
	 * by its lock) would do. */
	nlh = nl_req_start(nl, buf, RTM_DELTFILTER, 0);
	tc_hdr(nlh, ifindex, clsact_parent(hook), handle,
	       TC_H_MAKE((uint32_t)prio << 16, htons(ETH_P_ALL)));
	mnl_attr_put_strz(nlh, TCA_KIND, "bpf");
	return nl_talk(nl, nlh, NULL, NULL);
}
