// SPDX-License-Identifier: Apache-2.0
#include <stdarg.h>
#include <stdio.h>
#include "errmsg.h"

static char msg[512];

int ateom_fail(const char *fmt, ...)
{
	va_list ap;

	if (msg[0])
		return -1;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *ateom_errmsg(void) { return msg[0] ? msg : "unknown error"; }
bool ateom_failed(void) { return msg[0] != 0; }
void ateom_errmsg_clear(void) { msg[0] = 0; }
