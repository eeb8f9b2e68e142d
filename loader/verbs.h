/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI verbs. Each returns 0 on success, -1 with ateom_fail() recorded. */
#ifndef ATEOMNET_VERBS_H
#define ATEOMNET_VERBS_H

#include "args.h"
#include "out.h"

int verb_up(const struct ateom_args *a);
int verb_down(const struct ateom_args *a);
int verb_status(const struct ateom_args *a);
int verb_nat(const struct ateom_args *a);
int verb_purge(const struct ateom_args *a);
int verb_gc(const struct ateom_args *a);
int verb_prepare(const struct ateom_args *a);
int verb_policy(const struct ateom_args *a);
int verb_events(const struct ateom_args *a);
int verb_metrics(const struct ateom_args *a);

/* `up` and `down` as functions (the CNI plugin's ADD and DEL): the same
 * transactions, with the report handed to the caller instead of printed.
 * ateom_up's report callback is part of the transaction: when it fails,
 * everything is undone. */
typedef int (*up_report_fn)(const struct out_up *r, void *ctx);
int ateom_up(const struct ateom_args *a, up_report_fn report, void *ctx);
int ateom_down(const struct ateom_args *a, struct out_down *r);

#endif
