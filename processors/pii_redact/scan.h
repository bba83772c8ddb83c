/* pii_redact's scanners, internal to the engine. */
#ifndef PII_SCAN_H
#define PII_SCAN_H

#include "pii_redact/pii.h"

struct scan {
	const char *s;
	size_t len;
	uint64_t enabled;	  /* bit per type */
	struct pii_matches *out;  /* candidates are appended */
};

/* Appends the candidates of the built-in address and numeric types (all but
 * SECRET), each already validated. -1 when out of memory. */
int pii_scan_builtin(struct scan *sc);

#endif
