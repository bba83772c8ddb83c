/* gc_pii_bench: how fast pii_redact's engine goes through text, on one core.
 *
 * One engine with the full recognizer set (every built-in type, action
 * replace) runs pii_redact_text over pools of ~2 KB strings, the size of a
 * typical prompt attribute, of three kinds:
 *   clean  prompt-like English prose without personal data: sentences from an
 *          embedded word list with the numbers prompts are full of (versions,
 *          prices, dates, times, order numbers, UUIDs, percentages) and code
 *          snippets;
 *   dense  the same with one entity every ~200 bytes, cycling through every
 *          type (e-mail, phones, cards, IBANs, SSNs, IPv4/IPv6, and the
 *          secrets: OpenAI/Anthropic keys, AWS key ids, GitHub and Slack
 *          tokens, Google API keys, JWTs, Bearer tokens, PEM blocks);
 *   json   a gen_ai.input.messages document (system, user, assistant, user)
 *          whose text parts are the dense text, JSON-escaped.
 * Every string is generated from --seed before timing starts. A run redacts
 * the pool over and over until it has processed --mb MB (or spent --seconds
 * of CPU); the figures are the median of --runs runs:
 *   MB/s      bytes in / CPU seconds (user + system, getrusage): per core
 *   ns/byte   CPU nanoseconds per input byte
 *   CPU s     CPU seconds of one run
 *   wall MB/s bytes in / wall-clock seconds, for comparison (the machine is
 *             shared: a gap to MB/s means the process waited for a core)
 * MB is 10^6 bytes. The last lines, PII_BENCH ..., are for scripts. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "pii_redact/pii.h"
#include "rng.h"

/* ---- growable text ------------------------------------------------------------ */

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;

		while (cap < t->len + n + 1)
			cap *= 2;
		t->p = realloc(t->p, cap);
		if (!t->p) {
			fprintf(stderr, "gc_pii_bench: out of memory\n");
			exit(1);
		}
		t->cap = cap;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	t->p[t->len] = '\0';
}

static void puts_(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void printf_(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void printf_(struct text *t, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	put(t, buf, n < 0 ? 0 : (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Appends s[0..n) as the inside of a JSON string literal. */
static void put_json(struct text *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '"' || c == '\\') {
			char e[2] = { '\\', c };

			put(t, e, 2);
		} else if (c == '\n') {
			put(t, "\\n", 2);
		} else if (c == '\t') {
			put(t, "\\t", 2);
		} else {
			put(t, &c, 1);
		}
	}
}

/* ---- prompt-like prose ------------------------------------------------------- */

static const char *const words[] = {
	"the", "a", "an", "and", "or", "but", "to", "of", "in", "on", "for", "with", "from", "by",
	"about", "into", "over", "after", "before", "between", "without", "within", "is", "are",
	"was", "be", "been", "has", "have", "had", "can", "could", "should", "would", "will",
	"may", "might", "must", "do", "does", "not", "this", "that", "these", "those", "it", "its",
	"we", "you", "they", "our", "your", "their", "which", "what", "when", "where", "how", "why",
	"please", "summarize", "explain", "rewrite", "translate", "draft", "review", "compare",
	"list", "describe", "analyze", "generate", "fix", "refactor", "improve", "check", "find",
	"write", "answer", "question", "following", "text", "document", "report", "email",
	"message", "customer", "user", "team", "project", "product", "feature", "release",
	"version", "update", "issue", "bug", "error", "function", "method", "class", "variable",
	"database", "query", "table", "column", "index", "server", "client", "request",
	"response", "latency", "throughput", "memory", "cache", "file", "folder", "path",
	"config", "setting", "option", "value", "result", "output", "input", "data", "model",
	"prompt", "context", "token", "budget", "invoice", "order", "shipment", "delivery",
	"payment", "price", "discount", "subscription", "account", "meeting", "schedule",
	"deadline", "quarter", "revenue", "growth", "market", "strategy", "plan", "goal", "risk",
	"policy", "contract", "clause", "section", "paragraph", "chapter", "summary", "draft",
	"tone", "style", "audience", "example", "detail", "step", "reason", "approach",
	"solution", "problem", "test", "case", "coverage", "performance", "security",
	"deployment", "pipeline", "service", "endpoint", "latest", "previous", "current", "new",
	"old", "simple", "short", "long", "clear", "concise", "formal", "friendly", "important",
	"quickly", "carefully", "briefly", "again", "also", "only", "still", "already", "very",
	"more", "less", "each", "every", "all", "some", "any", "most", "first", "second", "last",
	"next", "same", "different", "Kubernetes", "Python", "JavaScript", "Postgres", "Linux",
	"Monday", "Friday", "January", "March", "Europe", "London", "Berlin", "Tokyo",
};

static const char *const snippets[] = {
	"\n\n```python\ndef total(items):\n    return sum(i[\"price\"] * i[\"qty\"] for i in items)\n```\n\n",
	"\n\n```js\nconst res = await fetch(`/api/v2/orders?page=${page}&limit=50`);\nif (!res.ok) throw new Error(\"HTTP \" + res.status);\n```\n\n",
	"\n\n```sql\nSELECT id, name, created_at FROM users WHERE age > 30 AND status = 'active' ORDER BY created_at DESC LIMIT 100;\n```\n\n",
	"\n\n```c\nfor (size_t i = 0; i < n; i++)\n\tsum += a[i] * b[i];\n```\n\n",
	"\n\n```bash\nkubectl -n prod rollout restart deployment/api && kubectl get pods -w\n```\n\n",
	"\n\n```yaml\nreplicas: 3\nresources:\n  limits: { cpu: 500m, memory: 256Mi }\n```\n\n",
	"\n\n```\nTraceback (most recent call last):\n  File \"app.py\", line 42, in <module>\nKeyError: 'user_id'\n```\n\n",
	"\n\n```json\n{\"model\": \"gpt-4o\", \"temperature\": 0.2, \"max_tokens\": 1024}\n```\n\n",
};

static const char *const months[] = {
	"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December",
};

static void put_hex(struct text *t, struct bench_rng *r, int n)
{
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < n; i++)
		put(t, &hex[rng_below(r, 16)], 1);
}

/* A number of the kinds prompts carry that are not personal data. */
static void put_number(struct text *t, struct bench_rng *r)
{
	switch (rng_below(r, 14)) {
	case 0: printf_(t, "v%u.%u.%u", rng_range(r, 0, 9), rng_range(r, 0, 30), rng_range(r, 0, 99)); break;
	case 1: printf_(t, "%u.%u", rng_range(r, 1, 4), rng_range(r, 0, 13)); break;
	case 2: printf_(t, "$%u.%02u", rng_range(r, 1, 999), rng_below(r, 100)); break;
	case 3: printf_(t, "%u,%03u.%02u EUR", rng_range(r, 1, 99), rng_below(r, 1000), rng_below(r, 100)); break;
	case 4: printf_(t, "%u-%02u-%02u", rng_range(r, 2019, 2026), rng_range(r, 1, 12), rng_range(r, 1, 28)); break;
	case 5: printf_(t, "%s %u, %u", RNG_PICK(r, months), rng_range(r, 1, 28), rng_range(r, 2019, 2026)); break;
	case 6: printf_(t, "%02u:%02u", rng_below(r, 24), rng_below(r, 60)); break;
	case 7: printf_(t, "%u-%02u-%02uT%02u:%02u:%02uZ", rng_range(r, 2019, 2026), rng_range(r, 1, 12),
			rng_range(r, 1, 28), rng_below(r, 24), rng_below(r, 60), rng_below(r, 60)); break;
	case 8: printf_(t, "ORD-%u-%06u", rng_range(r, 2019, 2026), rng_below(r, 1000000)); break;
	case 9: printf_(t, "#%u", rng_range(r, 1000, 99999)); break;
	case 10:
		put_hex(t, r, 8), puts_(t, "-"), put_hex(t, r, 4), puts_(t, "-4"), put_hex(t, r, 3);
		puts_(t, "-a"), put_hex(t, r, 3), puts_(t, "-"), put_hex(t, r, 12);
		break;
	case 11: printf_(t, "%u%%", rng_range(r, 1, 100)); break;
	case 12: printf_(t, "%u", rng_range(r, 2, 5000)); break;
	default: printf_(t, "%u ms", rng_range(r, 5, 2000)); break;
	}
}

static void put_sentence(struct text *t, struct bench_rng *r)
{
	unsigned n = rng_range(r, 6, 22);

	for (unsigned i = 0; i < n; i++) {
		const char *w = RNG_PICK(r, words);

		if (i)
			puts_(t, " ");
		if (i && rng_chance(r, 0.08)) {
			put_number(t, r);
			continue;
		}
		if (!i && w[0] >= 'a' && w[0] <= 'z') {
			char c = (char)(w[0] - 'a' + 'A');

			put(t, &c, 1);
			puts_(t, w + 1);
		} else {
			puts_(t, w);
		}
		if (i + 1 < n && rng_chance(r, 0.06))
			puts_(t, ",");
	}
	puts_(t, rng_chance(r, 0.15) ? "?" : ".");
	if (rng_chance(r, 0.12))
		puts_(t, rng_chance(r, 0.5) ? "\n\n" : "\n");
	else
		puts_(t, " ");
}

/* ---- entities ------------------------------------------------------------------ */

static const char *const first_names[] = { "dana", "li", "maria", "jonas", "aisha", "pierre",
					   "kenji", "olga", "sam", "priya" };
static const char *const last_names[] = { "whitfield", "chen", "garcia", "muller", "okafor",
					  "dubois", "tanaka", "ivanova", "lee", "sharma" };
static const char *const domains[] = { "example.com", "mail.example.org", "corp.example.net",
				       "example.co.uk", "uni-example.edu" };

static void put_alnum(struct text *t, struct bench_rng *r, int n, const char *set)
{
	size_t k = strlen(set);

	for (int i = 0; i < n; i++)
		put(t, &set[rng_below(r, (uint32_t)k)], 1);
}

#define ALNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
#define UPNUM "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

/* A card number passing Luhn, grouped by four or compact. */
static void put_card(struct text *t, struct bench_rng *r)
{
	int d[16], sum = 0;
	char s[20];
	size_t n = 0;

	d[0] = rng_chance(r, 0.5) ? 4 : 5;
	d[1] = d[0] == 5 ? (int)rng_range(r, 1, 5) : (int)rng_below(r, 10);
	for (int i = 2; i < 15; i++)
		d[i] = (int)rng_below(r, 10);
	for (int i = 14, dbl = 1; i >= 0; i--, dbl = !dbl) {
		int v = dbl ? d[i] * 2 : d[i];

		sum += v > 9 ? v - 9 : v;
	}
	d[15] = (10 - sum % 10) % 10;
	bool grouped = rng_chance(r, 0.7);

	for (int i = 0; i < 16; i++) {
		if (grouped && i && i % 4 == 0)
			s[n++] = ' ';
		s[n++] = (char)('0' + d[i]);
	}
	put(t, s, n);
}

/* A German IBAN with valid check digits, grouped by four or compact. */
static void put_iban(struct text *t, struct bench_rng *r)
{
	char bban[19], iban[23];
	unsigned mod = 0;

	for (int i = 0; i < 18; i++)
		bban[i] = (char)('0' + rng_below(r, 10));
	bban[18] = 0;
	for (int i = 0; i < 18; i++)
		mod = (mod * 10 + (unsigned)(bban[i] - '0')) % 97;
	/* "DE00" moved to the end: D=13, E=14, then 00 */
	mod = (mod * 100 + 13) % 97;
	mod = (mod * 100 + 14) % 97;
	mod = (mod * 100) % 97;
	snprintf(iban, sizeof(iban), "DE%02u%s", 98 - mod, bban);
	if (rng_chance(r, 0.5)) {
		put(t, iban, 22);
		return;
	}
	for (int i = 0; i < 22; i += 4) {
		if (i)
			puts_(t, " ");
		put(t, iban + i, i + 4 <= 22 ? 4 : 22 - (size_t)i);
	}
}

static void put_phone(struct text *t, struct bench_rng *r)
{
	switch (rng_below(r, 5)) {
	case 0: printf_(t, "+1 %u 555 %04u", rng_range(r, 201, 989), rng_below(r, 10000)); break;
	case 1: printf_(t, "(%u) 555-%04u", rng_range(r, 201, 989), rng_below(r, 10000)); break;
	case 2: printf_(t, "%u-555-%04u", rng_range(r, 201, 989), rng_below(r, 10000)); break;
	case 3: printf_(t, "0%u %02u %02u %02u %02u", rng_range(r, 1, 7), rng_below(r, 100),
			rng_below(r, 100), rng_below(r, 100), rng_below(r, 100)); break;
	default: printf_(t, "+44 20 %04u %04u", rng_range(r, 1000, 9999), rng_below(r, 10000)); break;
	}
}

static void put_ssn(struct text *t, struct bench_rng *r)
{
	unsigned area = rng_range(r, 1, 665);

	if (area == 78)
		area = 79;
	printf_(t, "%03u-%02u-%04u", area, rng_range(r, 1, 99), rng_range(r, 1, 9999));
}

static void put_secret(struct text *t, struct bench_rng *r)
{
	switch (rng_below(r, 9)) {
	case 0: puts_(t, "sk-proj-"), put_alnum(t, r, 40, ALNUM), puts_(t, "7"); break;
	case 1: puts_(t, "sk-ant-api03-"), put_alnum(t, r, 40, ALNUM), puts_(t, "Q9"); break;
	case 2: puts_(t, "AKIA"), put_alnum(t, r, 16, UPNUM); break;
	case 3: puts_(t, "ghp_"), put_alnum(t, r, 36, ALNUM); break;
	case 4: printf_(t, "xoxb-%u-%u-", rng_range(r, 100000, 999999), rng_range(r, 100000, 999999));
		put_alnum(t, r, 24, ALNUM);
		break;
	case 5: puts_(t, "AIza"), put_alnum(t, r, 35, ALNUM); break;
	case 6: puts_(t, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi"), put_alnum(t, r, 24, ALNUM);
		puts_(t, "."), put_alnum(t, r, 43, ALNUM);
		break;
	case 7: puts_(t, "Authorization: Bearer "), put_alnum(t, r, 32, ALNUM), puts_(t, "9"); break;
	default:
		puts_(t, "\n-----BEGIN PRIVATE KEY-----\n");
		for (int i = 0; i < 3; i++)
			put_alnum(t, r, 64, ALNUM "+/"), puts_(t, "\n");
		puts_(t, "-----END PRIVATE KEY-----\n");
		break;
	}
}

/* One entity, cycling through the types, with a few words leading to it. */
static void put_entity(struct text *t, struct bench_rng *r, unsigned k)
{
	switch (k % 9) {
	case 0:
		printf_(t, "Email %s.%s%u@%s. ", RNG_PICK(r, first_names), RNG_PICK(r, last_names),
			rng_below(r, 100), RNG_PICK(r, domains));
		break;
	case 1: puts_(t, "Call me on "), put_phone(t, r), puts_(t, ". "); break;
	case 2: puts_(t, "My card is "), put_card(t, r), puts_(t, ", "); break;
	case 3: puts_(t, "IBAN "), put_iban(t, r), puts_(t, ". "); break;
	case 4: puts_(t, "SSN "), put_ssn(t, r), puts_(t, ". "); break;
	case 5:
		printf_(t, "The host %u.%u.%u.%u is down. ", rng_range(r, 1, 223), rng_below(r, 256),
			rng_below(r, 256), rng_range(r, 1, 254));
		break;
	case 6:
		printf_(t, "Peer 2001:db8:%x:%x::%x refused. ", rng_range(r, 1, 0xffff),
			rng_range(r, 1, 0xffff), rng_range(r, 1, 0xffff));
		break;
	default: puts_(t, "Use the key "), put_secret(t, r), puts_(t, " "); break;
	}
}

/* ~size bytes of prose; with dense, one entity every ~200 bytes. Returns the
 * number of entities written. */
static unsigned put_prose(struct text *t, struct bench_rng *r, size_t size, bool dense,
			  unsigned *cycle)
{
	size_t start = t->len, next = start + rng_range(r, 40, 160);
	unsigned entities = 0;

	while (t->len - start < size) {
		if (dense && t->len >= next) {
			put_entity(t, r, (*cycle)++);
			entities++;
			next = t->len + rng_range(r, 70, 140);
		} else if (rng_chance(r, 0.04)) {
			puts_(t, RNG_PICK(r, snippets));
		} else {
			put_sentence(t, r);
		}
	}
	return entities;
}

enum kind { K_CLEAN, K_DENSE, K_JSON, K_COUNT };
static const char *const kind_names[K_COUNT] = { "clean", "dense", "json" };

/* One string of the kind, ~size bytes. */
static unsigned make_string(struct text *t, struct bench_rng *r, enum kind kind, size_t size,
			    unsigned *cycle)
{
	static const char *const roles[] = { "user", "assistant", "user" };
	struct text part = { 0 };
	unsigned entities = 0;

	t->len = 0;
	if (kind != K_JSON)
		return put_prose(t, r, size, kind == K_DENSE, cycle);
	puts_(t, "[{\"role\":\"system\",\"parts\":[{\"type\":\"text\",\"content\":\"You are a "
		 "helpful assistant for Example Corp. Answer concisely and cite the documents "
		 "you use.\"}]}");
	for (int m = 0; m < 3; m++) {
		part.len = 0;
		entities += put_prose(&part, r, (size - 220) / 3, true, cycle);
		printf_(t, ",{\"role\":\"%s\",\"parts\":[{\"type\":\"text\",\"content\":\"", roles[m]);
		put_json(t, part.p, part.len);
		puts_(t, "\"}]}");
	}
	puts_(t, "]");
	free(part.p);
	return entities;
}

/* ---- measuring ------------------------------------------------------------------ */

struct pool {
	char **s;
	size_t *len;
	size_t n, bytes;
	unsigned entities;
};

static double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct pass {
	uint64_t redacted, changed, out_bytes;
};

/* Redacts every string of the pool once. */
static void one_pass(const struct pii_engine *e, const struct pool *p, struct pii_buf *out,
		     struct pass *acc)
{
	for (size_t i = 0; i < p->n; i++) {
		struct pii_result res;

		res.count = 0;
		res.types = 0;
		res.drop = false;
		if (pii_redact_text(e, p->s[i], p->len[i], out, &res)) {
			acc->changed++;
			acc->out_bytes += out->len;
		} else {
			acc->out_bytes += p->len[i];
		}
		acc->redacted += res.count;
	}
}

static int by_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), by_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: gc_pii_bench [options]\n"
		"  --runs N          measurements per kind; the median is reported (default 5)\n"
		"  --mb M            MB (10^6 bytes) redacted per measurement (default 64)\n"
		"  --seconds S       instead: CPU seconds per measurement\n"
		"  --kind K          clean, dense, json or all (default all)\n"
		"  --string-bytes B  size of each string (default 2048)\n"
		"  --strings N       strings per kind in the pool (default 512)\n"
		"  --seed N          generator seed (default 1)\n"
		"  --sample          print one string of each kind and its redaction, and exit\n"
		"  --dump K          write the pool of kind K to stdout, each string followed by\n"
		"                    a NUL byte (to feed other tools), and exit\n");
}

static bool parse_num(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	double runs = 5, mb = 64, seconds = 0, string_bytes = 2048, strings = 512, seed = 1;
	bool sample = false, want[K_COUNT] = { true, true, true };
	int dump = -1;
	struct pii_engine_config config = { .enabled = (1ull << PII_BUILTIN_TYPES) - 1 };
	struct pii_engine *engine;
	struct pii_buf out = { 0 };
	char *err = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--sample")) {
			sample = true;
			continue;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		if (!strcmp(a, "--runs"))
			ok = parse_num(v, 1, 1000, &runs);
		else if (!strcmp(a, "--mb"))
			ok = parse_num(v, 0.001, 1e6, &mb);
		else if (!strcmp(a, "--seconds"))
			ok = parse_num(v, 0.001, 3600, &seconds);
		else if (!strcmp(a, "--string-bytes"))
			ok = parse_num(v, 256, 1 << 24, &string_bytes);
		else if (!strcmp(a, "--strings"))
			ok = parse_num(v, 1, 1 << 20, &strings);
		else if (!strcmp(a, "--seed"))
			ok = parse_num(v, 0, 1e15, &seed);
		else if (!strcmp(a, "--dump")) {
			ok = false;
			for (int k = 0; k < K_COUNT; k++)
				if (!strcmp(v, kind_names[k]))
					dump = k, ok = true;
		} else if (!strcmp(a, "--kind")) {
			bool all = !strcmp(v, "all");

			ok = all;
			for (int k = 0; k < K_COUNT; k++) {
				want[k] = all || !strcmp(v, kind_names[k]);
				ok |= want[k];
			}
		} else {
			fprintf(stderr, "gc_pii_bench: unknown option %s\n", a);
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "gc_pii_bench: bad value for %s: %s\n", a, v);
			return 2;
		}
		i++;
	}

	if (dump >= 0)
		want[dump] = true;
	/* the full recognizer set, every type replaced (action 0) */
	for (unsigned t = 0; t < PII_MAX_TYPES; t++)
		config.mask_keep[t] = 4;
	engine = pii_engine_new(&config, &err);
	if (!engine) {
		fprintf(stderr, "gc_pii_bench: engine: %s\n", err ? err : "?");
		return 1;
	}

	struct pool pools[K_COUNT] = { { 0 } };
	unsigned cycle = 0;

	for (int k = 0; k < K_COUNT; k++) {
		struct bench_rng r = { (uint64_t)seed * 0x100000001b3ull + (uint64_t)k };
		struct pool *p = &pools[k];

		if (!want[k])
			continue;
		p->n = sample ? 1 : (size_t)strings;
		p->s = calloc(p->n, sizeof(*p->s));
		p->len = calloc(p->n, sizeof(*p->len));
		if (!p->s || !p->len)
			return 1;
		for (size_t i = 0; i < p->n; i++) {
			struct text t = { 0 };

			p->entities += make_string(&t, &r, (enum kind)k, (size_t)string_bytes, &cycle);
			p->s[i] = t.p;
			p->len[i] = t.len;
			p->bytes += t.len;
		}
	}

	if (dump >= 0) {
		for (size_t i = 0; i < pools[dump].n; i++)
			fwrite(pools[dump].s[i], 1, pools[dump].len[i] + 1, stdout);
		return 0;
	}
	if (sample) {
		for (int k = 0; k < K_COUNT; k++) {
			struct pii_result res = { 0 };

			if (!want[k])
				continue;
			printf("==== %s (%zu bytes, %u entities written)\n%s\n", kind_names[k],
			       pools[k].len[0], pools[k].entities, pools[k].s[0]);
			if (pii_redact_text(engine, pools[k].s[0], pools[k].len[0], &out, &res))
				printf("==== %s redacted (%u entities)\n%.*s\n", kind_names[k],
				       res.count, (int)out.len, out.ptr);
			else
				printf("==== %s: nothing redacted\n", kind_names[k]);
		}
		return 0;
	}

	printf("gc_pii_bench: pii_redact_text, all %d built-in types, action replace, one thread;\n"
	       "  median of %u run(s) per kind; pools of %.0f strings of ~%.0f bytes; MB = 10^6 bytes\n",
	       PII_BUILTIN_TYPES, (unsigned)runs, strings, string_bytes);
	if (seconds > 0)
		printf("  each run: >= %.2f CPU seconds\n", seconds);
	else
		printf("  each run: >= %.0f MB\n", mb);
	printf("%-6s %8s %10s %9s %8s %8s %10s %10s\n", "kind", "string B", "entities/KB", "MB/s",
	       "ns/byte", "CPU s", "wall MB/s", "redacted/KB");

	char lines[K_COUNT][512];

	for (int k = 0; k < K_COUNT; k++) {
		struct pool *p = &pools[k];
		double mbps[1000], nspb[1000], cpu[1000], wall[1000], red_per_kb = 0;
		unsigned nruns = (unsigned)runs;

		lines[k][0] = 0;
		if (!want[k])
			continue;
		{
			struct pass warm = { 0 };

			one_pass(engine, p, &out, &warm); /* scratch buffers, caches */
			red_per_kb = (double)warm.redacted * 1000.0 / (double)p->bytes;
			/* speed of a scanner that misses or invents entities means nothing */
			if (warm.redacted != p->entities)
				fprintf(stderr, "gc_pii_bench: %s: %u entities written, %llu redacted\n",
					kind_names[k], p->entities,
					(unsigned long long)warm.redacted);
		}
		for (unsigned run = 0; run < nruns; run++) {
			struct pass acc = { 0 };
			uint64_t bytes = 0;
			double c0 = cpu_seconds(), w0 = wall_seconds(), c, w;

			for (;;) {
				one_pass(engine, p, &out, &acc);
				bytes += p->bytes;
				if (seconds > 0 ? cpu_seconds() - c0 >= seconds : bytes >= mb * 1e6)
					break;
			}
			c = cpu_seconds() - c0;
			w = wall_seconds() - w0;
			if (c <= 0)
				c = 1e-6; /* below getrusage's resolution: use more --mb */
			if (w <= 0)
				w = 1e-9;
			cpu[run] = c;
			wall[run] = (double)bytes / 1e6 / w;
			mbps[run] = (double)bytes / 1e6 / c;
			nspb[run] = c * 1e9 / (double)bytes;
			if (acc.out_bytes == 0) /* keeps the work observable */
				fprintf(stderr, "gc_pii_bench: no output\n");
			fprintf(stderr, "  %s run %u/%u: %.1f MB in %.3f CPU s: %.1f MB/s\n",
				kind_names[k], run + 1, nruns, (double)bytes / 1e6, c, mbps[run]);
		}
		double m_mbps = median(mbps, nruns), m_nspb = median(nspb, nruns),
		       m_cpu = median(cpu, nruns), m_wall = median(wall, nruns);
		double ent_per_kb = (double)p->entities * 1000.0 / (double)p->bytes;

		printf("%-6s %8.0f %10.2f %9.1f %8.3f %8.3f %10.1f %10.2f\n", kind_names[k],
		       (double)p->bytes / (double)p->n, ent_per_kb, m_mbps, m_nspb, m_cpu, m_wall,
		       red_per_kb);
		snprintf(lines[k], sizeof(lines[k]),
			 "PII_BENCH kind=%s runs=%u mb_per_s=%.1f ns_per_byte=%.3f cpu_s=%.3f "
			 "wall_mb_per_s=%.1f string_bytes=%.0f strings=%zu entities_per_kb=%.2f "
			 "redacted_per_kb=%.2f",
			 kind_names[k], nruns, m_mbps, m_nspb, m_cpu, m_wall,
			 (double)p->bytes / (double)p->n, p->n, ent_per_kb, red_per_kb);
	}
	printf("\nMB/s and ns/byte are per CPU second (getrusage user+system) of this one thread;\n"
	       "entities/KB: written by the generator; redacted/KB: what the engine redacted.\n\n");
	for (int k = 0; k < K_COUNT; k++)
		if (lines[k][0])
			printf("%s\n", lines[k]);
	for (int k = 0; k < K_COUNT; k++) {
		for (size_t i = 0; i < pools[k].n; i++)
			free(pools[k].s[i]);
		free(pools[k].s);
		free(pools[k].len);
	}
	pii_buf_free(&out);
	pii_engine_free(engine);
	return 0;
}
