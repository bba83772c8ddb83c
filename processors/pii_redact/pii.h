/* pii_redact's engine (DESIGN section 5): finds personal data and secrets in
 * text and rewrites them. The processor (pii_redact.c) walks spans and logs;
 * everything here works on plain byte strings, so it is tested, fuzzed and
 * benchmarked without a daemon.
 *
 * An engine is built once from the configuration and then shared read-only by
 * every thread. Scanning needs per-thread scratch space, which the engine
 * keeps in thread-local storage. */
#ifndef PII_H
#define PII_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The built-in types. User regexes (custom) are numbered after them. */
enum pii_type {
	PII_EMAIL_ADDRESS,
	PII_PHONE_NUMBER,
	PII_CREDIT_CARD,
	PII_IBAN_CODE,
	PII_US_SSN,
	PII_IP_ADDRESS,
	PII_SECRET,
	PII_BUILTIN_TYPES
};

#define PII_MAX_CUSTOM 32
#define PII_MAX_TYPES (PII_BUILTIN_TYPES + PII_MAX_CUSTOM)

/* The name of a built-in type ("EMAIL_ADDRESS"), or NULL. */
const char *pii_builtin_name(unsigned type);
/* The built-in type named name, or -1. */
int pii_builtin_find(const char *name);

/* One entity: bytes [start, end) of the scanned text. */
struct pii_match {
	uint32_t start, end;
	uint16_t type;
};

/* A growable list of matches, owned by whoever holds it. */
struct pii_matches {
	struct pii_match *items;
	size_t n, cap;
};

void pii_matches_free(struct pii_matches *m);

/* What to do with an entity of a type. */
enum pii_action { PII_REPLACE, PII_MASK, PII_HASH, PII_DROP };

struct pii_custom {
	const char *name; /* the type name, e.g. "TICKET_ID" */
	const char *regex;
};

struct pii_engine_config {
	uint64_t enabled; /* bit per type: built-ins, then custom[i] at PII_BUILTIN_TYPES + i */
	const struct pii_custom *custom;
	size_t n_custom;
	enum pii_action action[PII_MAX_TYPES];
	unsigned mask_keep[PII_MAX_TYPES]; /* for PII_MASK: characters left visible */
	const uint8_t *hmac_key;	   /* needed by PII_HASH */
	size_t hmac_key_len;
};

struct pii_engine;

/* Builds an engine (compiles the secret and custom patterns). NULL with *err
 * (heap) when a custom regex does not compile; the message names it. */
struct pii_engine *pii_engine_new(const struct pii_engine_config *config, char **err);
void pii_engine_free(struct pii_engine *e); /* accepts NULL */

/* The name of any type of the engine, built-in or custom. */
const char *pii_type_name(const struct pii_engine *e, unsigned type);
unsigned pii_type_count(const struct pii_engine *e);

/* Finds the entities of the enabled types in text, sorted by start and not
 * overlapping (of two overlapping candidates the longer wins). Replaces the
 * contents of out. GC_OK, or GC_ERROR when out of memory. */
int pii_scan(const struct pii_engine *e, const char *text, size_t len, struct pii_matches *out);

/* A growable byte buffer, owned by whoever holds it. */
struct pii_buf {
	char *ptr;
	size_t len, cap;
};

void pii_buf_free(struct pii_buf *b);

/* What redacting one string found. */
struct pii_result {
	uint32_t count;	       /* entities redacted */
	uint64_t types;	       /* bit per type found */
	uint32_t per_type[PII_MAX_TYPES];
	bool drop;	       /* an entity's action is drop: remove the whole value */
	bool no_memory;	       /* memory ran out: drop is set too (nothing passes
				* unscanned), and the caller refuses the batch */
};

/* Redacts text: every entity becomes what its type's action writes. When the
 * text is a JSON array or object, only the contents of its string literals
 * are scanned (escapes decoded first) and rewritten, so the result is still
 * JSON and every byte outside the entities is kept. Returns true when
 * something changed; the new text is then in out (replaced, not appended).
 * res is added to (not cleared). */
bool pii_redact_text(const struct pii_engine *e, const char *text, size_t len,
		     struct pii_buf *out, struct pii_result *res);

/* The stable pseudonym of a whole value: the first 16 hex digits of
 * HMAC-SHA256(key, value). out gets 16 characters and a NUL. False when the
 * HMAC could not be computed; the value must then be dropped. */
bool pii_hash_value(const struct pii_engine *e, const char *value, size_t len, char out[17]);

#endif
