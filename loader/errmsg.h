/* SPDX-License-Identifier: Apache-2.0 */
/* One error message per command: the first failure records why, callers
 * unwind, and main prints it as the single line on stderr. */
#ifndef ATEOMNET_ERRMSG_H
#define ATEOMNET_ERRMSG_H

#include <stdbool.h>

/* Records the message unless one is already recorded; returns -1. */
int ateom_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *ateom_errmsg(void);
bool ateom_failed(void);
void ateom_errmsg_clear(void);

#endif
