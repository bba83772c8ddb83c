/* pii_redact's engine internals, shared by engine.c and rewrite.c. */
#ifndef PII_ENGINE_H
#define PII_ENGINE_H

#include "pii_redact/pii.h"

struct hs_database;

struct pii_engine {
	uint64_t enabled;
	unsigned n_types;
	char *names[PII_MAX_TYPES];
	char *tags[PII_MAX_TYPES]; /* "<NAME>", what replace writes */
	size_t tag_len[PII_MAX_TYPES];
	enum pii_action action[PII_MAX_TYPES];
	unsigned mask_keep[PII_MAX_TYPES];
	uint8_t *key;
	size_t key_len;
	struct hs_database *db; /* secrets and custom regexes; NULL when none is enabled */
	unsigned min_width;	/* the shortest text the database can match */
	unsigned generation;	/* tells a thread's scratch which database it was sized for */
};

/* The calling thread's scratch buffers (freed when it exits); NULL when out
 * of memory. */
struct pii_tls *pii_tls(void);
struct pii_tls_bufs {
	struct pii_matches *matches;
	struct pii_buf *decoded, *out;
	uint32_t **map;
	size_t *map_cap;
};
void pii_tls_bufs(struct pii_tls *t, struct pii_tls_bufs *out);
/* Gives back scratch buffers that one large value grew, so a thread does not
 * keep its largest value's worth of memory for good. */
void pii_tls_shrink(struct pii_tls *t);

int pii_buf_reserve(struct pii_buf *b, size_t more);
int pii_buf_append(struct pii_buf *b, const char *s, size_t n);

#endif
