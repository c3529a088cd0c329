// SPDX-License-Identifier: GPL-2.0
/*
 * xnet: the tracepoint definitions (trace.h). Nothing runs here.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
