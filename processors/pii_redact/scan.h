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

/* Appends one match, growing the list. GC_OK, or GC_ERROR when out of
 * memory. */
int pii_matches_add(struct pii_matches *m, size_t start, size_t end, unsigned type);

/* Appends the candidates of the built-in address and numeric types (all but
 * SECRET), each already validated. -1 when out of memory. */
int pii_scan_builtin(struct scan *sc);

#endif
