/* The engine: the built-in scanners (scan.c) plus one Vectorscan database for
 * the secrets, which all begin with a fixed prefix ("sk-", "AKIA", "ghp_",
 * "-----BEGIN ..."), and the user's regexes. Vectorscan matches every prefix
 * of the database in one pass over the text, so adding a secret kind costs
 * almost nothing per byte. */
#include <errno.h>
#include <hs/hs.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "pii_redact/engine.h"
#include "pii_redact/scan.h"

static const char *const builtin_names[PII_BUILTIN_TYPES] = {
	"EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",
	"US_SSN",	 "IP_ADDRESS",	 "SECRET",
};

const char *pii_builtin_name(unsigned type)
{
	return type < PII_BUILTIN_TYPES ? builtin_names[type] : NULL;
}

int pii_builtin_find(const char *name)
{
	for (unsigned i = 0; i < PII_BUILTIN_TYPES; i++)
		if (!strcmp(name, builtin_names[i]))
			return (int)i;
	return -1;
}

/* How a secret pattern's raw match becomes the entity. */
enum secret_check {
	CHECK_NONE,
	CHECK_BODY,   /* the part after the prefix has a digit and a letter */
	CHECK_JWT,    /* header, '.', payload, '.', signature */
	CHECK_PEM,    /* extends to the END line of the block */
	CHECK_BEARER, /* the entity is the token after "Bearer " */
};

/* Characters a token goes on with after its pattern's fixed-width head. */
enum token_chars { ENDS, B64URL, ALNUM, ALNUM_UNDERSCORE, ALNUM_DASH, TOKEN68 };

/* Each pattern is a fixed-width head: the prefix and the shortest body. A
 * head matches once per token, where "{20,}" would report every possible end
 * (one callback per byte of a long key); the token's end is found here, by
 * extending over its characters. */
static const struct {
	const char *regex;
	enum token_chars chars;
	unsigned prefix; /* bytes of fixed prefix, for CHECK_BODY */
	enum secret_check check;
} secrets[] = {
	{ "\\bsk-ant-[A-Za-z0-9_\\-]{20}", B64URL, 7, CHECK_BODY },	/* Anthropic */
	{ "\\bsk-proj-[A-Za-z0-9_\\-]{20}", B64URL, 8, CHECK_BODY },	/* OpenAI project */
	{ "\\bsk-[A-Za-z0-9_\\-]{20}", B64URL, 3, CHECK_BODY },	/* OpenAI */
	{ "\\b(AKIA|ASIA)[A-Z0-9]{16}\\b", ENDS, 0, CHECK_NONE },	/* AWS key id */
	{ "\\bgh[pousr]_[A-Za-z0-9]{36}", ALNUM, 0, CHECK_NONE },	/* GitHub */
	{ "\\bgithub_pat_[A-Za-z0-9_]{22}", ALNUM_UNDERSCORE, 0, CHECK_NONE },
	{ "\\bxox[abpr]-[A-Za-z0-9\\-]{10}", ALNUM_DASH, 5, CHECK_BODY },	/* Slack */
	{ "\\b[sr]k_live_[A-Za-z0-9]{20}", ALNUM, 0, CHECK_NONE },	/* Stripe */
	{ "\\bAIza[0-9A-Za-z_\\-]{35}", ENDS, 0, CHECK_NONE },	/* Google API key */
	{ "\\beyJ[A-Za-z0-9_\\-]{8}", B64URL, 0, CHECK_JWT },
	{ "-----BEGIN [A-Z0-9 ]{0,24}PRIVATE KEY-----", ENDS, 0, CHECK_PEM },
	{ "\\bBearer[ \\t]+[A-Za-z0-9._~+/\\-]{16}", TOKEN68, 0, CHECK_BEARER },
};

static bool token_char(enum token_chars kind, char c)
{
	bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

	switch (kind) {
	case B64URL: return alnum || c == '_' || c == '-';
	case ALNUM: return alnum;
	case ALNUM_UNDERSCORE: return alnum || c == '_';
	case ALNUM_DASH: return alnum || c == '-';
	case TOKEN68:
		return alnum || c == '.' || c == '_' || c == '~' || c == '+' || c == '/' || c == '-';
	default: return false;
	}
}

static size_t extend(const char *s, size_t len, size_t to, enum token_chars kind)
{
	while (to < len && token_char(kind, s[to]))
		to++;
	return to;
}

/* A JWT whose header (eyJ...) ends at to: the end of its signature, or 0
 * when what follows is not ".eyJ<payload>.". */
static size_t jwt_end(const char *s, size_t len, size_t to)
{
	size_t payload;

	if (to >= len || s[to] != '.')
		return 0;
	payload = ++to;
	to = extend(s, len, to, B64URL);
	if (to - payload < 11 || memcmp(s + payload, "eyJ", 3) || to >= len || s[to] != '.')
		return 0;
	return extend(s, len, to + 1, B64URL);
}

#define N_SECRETS (sizeof(secrets) / sizeof(secrets[0]))
#define CUSTOM_ID 1000

static atomic_uint generations;

/* Per-thread scratch: Vectorscan's, and the buffers a scan reuses. Freed when
 * the thread exits. */
struct pii_tls {
	hs_scratch_t *hs;
	unsigned hs_generation;
	struct hs_hit {
		unsigned id;
		unsigned long long from, to;
	} *hits;
	size_t n_hits, cap_hits;
	struct pii_matches matches;
	struct pii_buf decoded;
	uint32_t *map;
	size_t map_cap;
};

static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;

static void tls_free(void *p)
{
	struct pii_tls *t = p;

	if (!t)
		return;
	hs_free_scratch(t->hs);
	free(t->hits);
	pii_matches_free(&t->matches);
	pii_buf_free(&t->decoded);
	free(t->map);
	free(t);
}

static void tls_init(void)
{
	pthread_key_create(&tls_key, tls_free);
}

struct pii_tls *pii_tls(void)
{
	struct pii_tls *t;

	pthread_once(&tls_once, tls_init);
	t = pthread_getspecific(tls_key);
	if (!t) {
		t = calloc(1, sizeof(*t));
		if (t && pthread_setspecific(tls_key, t)) {
			free(t);
			t = NULL;
		}
	}
	return t;
}

void pii_matches_free(struct pii_matches *m)
{
	free(m->items);
	memset(m, 0, sizeof(*m));
}

int pii_matches_add(struct pii_matches *m, size_t start, size_t end, unsigned type)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct pii_match *items = realloc(m->items, cap * sizeof(*items));

		if (!items)
			return GC_ERROR;
		m->items = items;
		m->cap = cap;
	}
	m->items[m->n++] = (struct pii_match){ (uint32_t)start, (uint32_t)end, (uint16_t)type };
	return GC_OK;
}

void pii_buf_free(struct pii_buf *b)
{
	free(b->ptr);
	memset(b, 0, sizeof(*b));
}

int pii_buf_reserve(struct pii_buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->cap - b->len >= more)
		return GC_OK;
	cap = b->cap ? b->cap : 256;
	while (cap - b->len < more)
		cap *= 2;
	p = realloc(b->ptr, cap);
	if (!p)
		return GC_ERROR;
	b->ptr = p;
	b->cap = cap;
	return GC_OK;
}

int pii_buf_append(struct pii_buf *b, const char *s, size_t n)
{
	if (pii_buf_reserve(b, n))
		return GC_ERROR;
	if (n)
		memcpy(b->ptr + b->len, s, n);
	b->len += n;
	return GC_OK;
}

struct pii_engine *pii_engine_new(const struct pii_engine_config *c, char **err)
{
	struct pii_engine *e = calloc(1, sizeof(*e));
	const char *exprs[N_SECRETS + PII_MAX_CUSTOM];
	unsigned flags[N_SECRETS + PII_MAX_CUSTOM], ids[N_SECRETS + PII_MAX_CUSTOM], n = 0;
	hs_compile_error_t *cerr = NULL;

	if (!e)
		goto oom;
	if (c->n_custom > PII_MAX_CUSTOM) {
		gc_set_err(err, "at most %d custom types", PII_MAX_CUSTOM);
		goto fail;
	}
	e->enabled = c->enabled;
	e->n_types = PII_BUILTIN_TYPES + (unsigned)c->n_custom;
	memcpy(e->action, c->action, sizeof(e->action));
	memcpy(e->mask_keep, c->mask_keep, sizeof(e->mask_keep));
	for (unsigned i = 0; i < e->n_types; i++) {
		e->names[i] = strdup(i < PII_BUILTIN_TYPES ? builtin_names[i]
							  : c->custom[i - PII_BUILTIN_TYPES].name);
		if (!e->names[i])
			goto oom;
		e->tag_len[i] = strlen(e->names[i]) + 2;
		e->tags[i] = malloc(e->tag_len[i] + 1);
		if (!e->tags[i])
			goto oom;
		snprintf(e->tags[i], e->tag_len[i] + 1, "<%s>", e->names[i]);
	}
	if (c->hmac_key_len) {
		e->key = malloc(c->hmac_key_len);
		if (!e->key)
			goto oom;
		memcpy(e->key, c->hmac_key, c->hmac_key_len);
		e->key_len = c->hmac_key_len;
	}
	if (e->enabled & (1ull << PII_SECRET)) {
		for (unsigned i = 0; i < N_SECRETS; i++, n++) {
			exprs[n] = secrets[i].regex;
			flags[n] = HS_FLAG_SOM_LEFTMOST;
			ids[n] = i;
		}
	}
	for (unsigned i = 0; i < c->n_custom; i++) {
		if (!(e->enabled & (1ull << (PII_BUILTIN_TYPES + i))))
			continue;
		exprs[n] = c->custom[i].regex;
		flags[n] = HS_FLAG_SOM_LEFTMOST;
		ids[n++] = CUSTOM_ID + i;
	}
	if (n && hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &e->db, &cerr) !=
			 HS_SUCCESS) {
		int at = cerr->expression;

		if (at >= 0 && ids[at] >= CUSTOM_ID)
			gc_set_err(err, "custom[%u] (%s): regex does not compile: %s",
				  ids[at] - CUSTOM_ID, c->custom[ids[at] - CUSTOM_ID].name,
				  cerr->message);
		else
			gc_set_err(err, "cannot compile the secret patterns: %s", cerr->message);
		hs_free_compile_error(cerr);
		goto fail;
	}
	/* Strings shorter than the shortest possible match skip the database:
	 * most attribute values are a few bytes ("chat", "gpt-4o"). */
	e->min_width = UINT32_MAX;
	for (unsigned i = 0; i < n; i++) {
		hs_expr_info_t *info = NULL;

		if (hs_expression_info(exprs[i], flags[i], &info, &cerr) != HS_SUCCESS) {
			hs_free_compile_error(cerr);
			e->min_width = 0;
			break;
		}
		if (info->min_width < e->min_width)
			e->min_width = info->min_width;
		free(info);
	}
	e->generation = atomic_fetch_add(&generations, 1) + 1;
	return e;
oom:
	gc_set_err(err, "out of memory");
fail:
	pii_engine_free(e);
	return NULL;
}

void pii_engine_free(struct pii_engine *e)
{
	if (!e)
		return;
	hs_free_database(e->db);
	for (unsigned i = 0; i < PII_MAX_TYPES; i++) {
		free(e->names[i]);
		free(e->tags[i]);
	}
	if (e->key)
		memset(e->key, 0, e->key_len);
	free(e->key);
	free(e);
}

const char *pii_type_name(const struct pii_engine *e, unsigned type)
{
	return type < e->n_types ? e->names[type] : "";
}

unsigned pii_type_count(const struct pii_engine *e)
{
	return e->n_types;
}

static int on_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags,
		  void *ctx)
{
	struct pii_tls *t = ctx;

	(void)flags;
	/* Greedy patterns report every end: keep the longest per start. */
	for (size_t k = t->n_hits, seen = 0; k-- > 0 && seen < 8; seen++) {
		if (t->hits[k].id == id && t->hits[k].from == from) {
			t->hits[k].to = to;
			return 0;
		}
	}
	if (t->n_hits == t->cap_hits) {
		size_t cap = t->cap_hits ? t->cap_hits * 2 : 32;
		struct hs_hit *hits = realloc(t->hits, cap * sizeof(*hits));

		if (!hits)
			return 1; /* stops the scan */
		t->hits = hits;
		t->cap_hits = cap;
	}
	t->hits[t->n_hits++] = (struct hs_hit){ id, from, to };
	return 0;
}

static bool body_has_digit_and_letter(const char *s, size_t n)
{
	bool digit = false, letter = false;

	for (size_t i = 0; i < n && !(digit && letter); i++) {
		digit |= s[i] >= '0' && s[i] <= '9';
		letter |= (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z');
	}
	return digit && letter;
}

/* A token rather than prose after "Bearer": digits and letters, or at least
 * 20 characters mixing upper and lower case ("Bearer authentication" is
 * prose). */
static bool bearer_token(const char *s, size_t n)
{
	bool upper = false, lower = false;

	if (body_has_digit_and_letter(s, n))
		return true;
	for (size_t i = 0; i < n; i++) {
		upper |= s[i] >= 'A' && s[i] <= 'Z';
		lower |= s[i] >= 'a' && s[i] <= 'z';
	}
	return n >= 20 && upper && lower;
}

/* Where the PEM block whose BEGIN line ends at from ends: after its END
 * line, or at the end of the text when the block was cut. A search is
 * remembered, so a text of many BEGIN lines and no END costs one search,
 * not one per line. */
struct pem_search {
	size_t from;	  /* where the last search started (SIZE_MAX: none yet) */
	size_t end_line;  /* where it found "-----END ", or len */
	size_t result;
};

static size_t pem_end(const char *s, size_t len, size_t from, struct pem_search *memo)
{
	const char *end, *close;

	if (memo->from != SIZE_MAX && from >= memo->from && from <= memo->end_line)
		return memo->result;
	end = memmem(s + from, len - from, "-----END ", 9);
	memo->from = from;
	memo->end_line = end ? (size_t)(end - s) : len;
	if (!end) {
		memo->result = len;
	} else {
		close = memmem(end + 9, len - (size_t)(end + 9 - s), "-----", 5);
		memo->result = close ? (size_t)(close + 5 - s) : len;
	}
	return memo->result;
}

/* Turns the Vectorscan hits into entities. */
static int add_hits(const struct pii_engine *e, struct pii_tls *t, const char *s, size_t len,
		    struct pii_matches *out)
{
	/* Per pattern, how far its last token was extended: a head that starts
	 * inside it ("sk-sk-sk-...", a word boundary at every dash) is part of
	 * the same token, whose verdict is already known. Skipping it keeps a
	 * value of many heads linear instead of quadratic. */
	size_t reach[N_SECRETS] = { 0 };
	struct pem_search pem = { SIZE_MAX, 0, 0 };

	for (size_t k = 0; k < t->n_hits; k++) {
		size_t from = t->hits[k].from, to = t->hits[k].to;
		unsigned id = t->hits[k].id, type;

		if (id >= CUSTOM_ID) {
			type = PII_BUILTIN_TYPES + id - CUSTOM_ID;
		} else {
			type = PII_SECRET;
			if (from < reach[id])
				continue;
			to = extend(s, len, to, secrets[id].chars);
			reach[id] = to;
			switch (secrets[id].check) {
			case CHECK_BODY:
				if (!body_has_digit_and_letter(s + from + secrets[id].prefix,
							       to - from - secrets[id].prefix))
					continue;
				break;
			case CHECK_JWT:
				to = jwt_end(s, len, to);
				if (to > reach[id])
					reach[id] = to;
				break;
			case CHECK_PEM:
				to = pem_end(s, len, to, &pem);
				break;
			case CHECK_BEARER:
				from += 6;
				while (from < to && (s[from] == ' ' || s[from] == '\t'))
					from++;
				while (to < len && s[to] == '=') /* token68 padding */
					to++;
				/* a period ending the sentence is not part of the token */
				while (to > from && s[to - 1] == '.')
					to--;
				if (!bearer_token(s + from, to - from))
					continue;
				break;
			case CHECK_NONE:
				break;
			}
		}
		if (to > from && pii_matches_add(out, from, to, type))
			return GC_ERROR;
	}
	return GC_OK;
}

static int by_start(const void *a, const void *b)
{
	const struct pii_match *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	if (x->end != y->end)
		return x->end > y->end ? -1 : 1; /* longer first */
	return x->type < y->type ? -1 : x->type > y->type;
}

/* Sorts and keeps, of overlapping entities, the one that starts first (the
 * longer when two start together). */
static void resolve(struct pii_matches *m)
{
	size_t kept = 0;
	uint32_t end = 0;

	if (m->n > 1)
		qsort(m->items, m->n, sizeof(*m->items), by_start);
	for (size_t i = 0; i < m->n; i++) {
		if (kept && m->items[i].start < end)
			continue;
		m->items[kept++] = m->items[i];
		end = m->items[i].end;
	}
	m->n = kept;
}

int pii_scan(const struct pii_engine *e, const char *text, size_t len, struct pii_matches *out)
{
	struct scan sc = { text, len, e->enabled, out };
	struct pii_tls *t;

	out->n = 0;
	if (len > UINT32_MAX)
		len = UINT32_MAX; /* offsets are 32-bit; larger values are cut by the receiver */
	sc.len = len;
	if (pii_scan_builtin(&sc))
		return GC_ERROR;
	if (e->db && len >= e->min_width) {
		t = pii_tls();
		if (!t)
			return GC_ERROR;
		if (!t->hs || t->hs_generation != e->generation) {
			if (hs_alloc_scratch(e->db, &t->hs) != HS_SUCCESS)
				return GC_ERROR;
			t->hs_generation = e->generation;
		}
		t->n_hits = 0;
		/* the callback stops a scan only when out of memory */
		if (hs_scan(e->db, text, (unsigned)len, 0, t->hs, on_hit, t) != HS_SUCCESS)
			return GC_ERROR;
		if (add_hits(e, t, text, len, out))
			return GC_ERROR;
	}
	resolve(out);
	return GC_OK;
}

void pii_tls_bufs(struct pii_tls *t, struct pii_tls_bufs *out)
{
	out->matches = &t->matches;
	out->decoded = &t->decoded;
	out->out = NULL; /* the caller's */
	out->map = &t->map;
	out->map_cap = &t->map_cap;
}

#define PII_SCRATCH_KEEP (1u << 20)

void pii_tls_shrink(struct pii_tls *t)
{
	if (t->decoded.cap > PII_SCRATCH_KEEP)
		pii_buf_free(&t->decoded);
	if (t->map_cap > PII_SCRATCH_KEEP / sizeof(*t->map)) {
		free(t->map);
		t->map = NULL;
		t->map_cap = 0;
	}
	if (t->matches.cap > PII_SCRATCH_KEEP / sizeof(*t->matches.items))
		pii_matches_free(&t->matches);
	if (t->cap_hits > PII_SCRATCH_KEEP / sizeof(*t->hits)) {
		free(t->hits);
		t->hits = NULL;
		t->cap_hits = 0;
	}
}
