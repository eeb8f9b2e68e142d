/* SPDX-License-Identifier: Apache-2.0 */
/* The CLI verbs. Each returns 0 on success, -1 with ateom_fail() recorded. */
#ifndef ATEOMNET_VERBS_H
#define ATEOMNET_VERBS_H

#include "args.h"

int verb_up(const struct ateom_args *a);
int verb_down(const struct ateom_args *a);
int verb_status(const struct ateom_args *a);
int verb_nat(const struct ateom_args *a);
int verb_purge(const struct ateom_args *a);
int verb_gc(const struct ateom_args *a);
int verb_prepare(const struct ateom_args *a);
int verb_metrics(const struct ateom_args *a);

#endif
