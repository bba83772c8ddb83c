/* The shared value parsers (durations, sizes, booleans) and the option-table
 * loader: defaults, every type, bounds, choices, unknown keys, with the exact
 * error text a user reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common.h"
#include "options.h"

#define NS 1LL
#define US 1000LL
#define MS 1000000LL
#define SEC 1000000000LL
#define MIN (60 * SEC)
#define HOUR (60 * MIN)

struct duration_case {
	const char *text;
	int64_t ns;
};

static void test_duration_valid(void **state)
{
	static const struct duration_case cases[] = {
		{ "0", 0 },
		{ "0s", 0 },
		{ "1ns", 1 * NS },
		{ "5us", 5 * US },
		{ "5\xc2\xb5s", 5 * US }, /* µs */
		{ "250ms", 250 * MS },
		{ "5s", 5 * SEC },
		{ "1.5s", 1500 * MS },
		{ ".5s", 500 * MS },
		{ "1m", 1 * MIN },
		{ "1m30s", 90 * SEC },
		{ "1h30m", 90 * MIN },
		{ "2h45m30s500ms", 2 * HOUR + 45 * MIN + 30 * SEC + 500 * MS },
		{ "720h", 720 * HOUR },
		{ "1.5ns", 2 }, /* rounded to the nearest nanosecond */
		{ "2500000h", 2500000LL * HOUR },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = -12345;

		if (gc_parse_duration(cases[i].text, &ns) != 0)
			fail_msg("'%s' was rejected", cases[i].text);
		if (ns != cases[i].ns)
			fail_msg("'%s' parsed as %lld ns, expected %lld", cases[i].text,
				 (long long)ns, (long long)cases[i].ns);
	}
}

static void test_duration_invalid(void **state)
{
	static const char *const cases[] = {
		"",	   /* empty */
		"5",	   /* a bare number other than 0 has no unit */
		"s",	   /* a unit without a number */
		"1x",	   /* unknown unit */
		"-1s",	   /* negative */
		"+1s",	   /* sign */
		"\xc2\xb5s", /* µs without a number */
		"5 s",	   /* space inside */
		" 5s",	   /* leading space */
		"5s ",	   /* trailing space */
		"1h30",	   /* trailing number without a unit */
		"1.5.s",   /* two decimal points */
		"5S",	   /* units are case-sensitive */
		"5sec",	   /* not a unit */
		"00",	   /* only the exact "0" may omit the unit */
		"1e400s",  /* out of double range */
		"3000000h", /* beyond int64 nanoseconds */
		"inf",
		"nan",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = 777;

		if (gc_parse_duration(cases[i], &ns) == 0)
			fail_msg("'%s' was accepted as %lld ns", cases[i], (long long)ns);
		assert_int_equal(ns, 777); /* untouched on error */
	}
}

/* Go's time.ParseDuration, whose syntax the config follows, takes decimal
 * numbers only. gc_parse_duration hands the number to strtod, which also reads
 * hexadecimal and exponents: "0x10s" loads as 16 seconds and "1e3s" as 1000
 * seconds. Fails until the parser accepts only [0-9]*(.[0-9]*) before a unit. */
static void test_duration_rejects_hex_and_exponent(void **state)
{
	static const char *const cases[] = { "0x10s", "0X10s", "1e3s", "1E3ms", "0x1p4s",
					     "1e-9s" };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t ns = 777;

		if (gc_parse_duration(cases[i], &ns) == 0)
			fail_msg("'%s' was accepted as %lld ns", cases[i], (long long)ns);
	}
}

struct bytes_case {
	const char *text;
	int64_t bytes;
};

static void test_bytes_valid(void **state)
{
	static const struct bytes_case cases[] = {
		{ "0", 0 },
		{ "1048576", 1048576 },
		{ "512B", 512 },
		{ "1KB", 1000 },
		{ "2MB", 2000000 },
		{ "1GB", 1000000000 },
		{ "512KiB", 512 * 1024 },
		{ "16MiB", 16 * 1024 * 1024 },
		{ "1GiB", 1024LL * 1024 * 1024 },
		{ "4K", 4096 },
		{ "16M", 16 * 1024 * 1024 },
		{ "2G", 2LL * 1024 * 1024 * 1024 },
		{ "1.5KiB", 1536 },
		{ "16 MiB", 16 * 1024 * 1024 },
		{ "8000000000GiB", 8000000000LL * 1024 * 1024 * 1024 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = -1;

		if (gc_parse_bytes(cases[i].text, &v) != 0)
			fail_msg("'%s' was rejected", cases[i].text);
		if (v != cases[i].bytes)
			fail_msg("'%s' parsed as %lld, expected %lld", cases[i].text, (long long)v,
				 (long long)cases[i].bytes);
	}
}

static void test_bytes_invalid(void **state)
{
	static const char *const cases[] = {
		"", "MiB", "-1", "-1MiB", "+5", " 5", "16mib", "16MiBx", "16 MiB B", "1TiB",
		"16Mi", "x16", "1e400", "9000000000GiB", "inf",
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v = 777;

		if (gc_parse_bytes(cases[i], &v) == 0)
			fail_msg("'%s' was accepted as %lld", cases[i], (long long)v);
		assert_int_equal(v, 777);
	}
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "true", "True", "TRUE" };
	static const char *const no[] = { "false", "False", "FALSE" };
	static const char *const bad[] = { "", "yes", "no", "on", "off", "1", "0", "tRUE", "t",
					   "true ", " false" };
	bool b;

	for (size_t i = 0; i < 3; i++) {
		b = false;
		assert_int_equal(gc_parse_bool(yes[i], &b), 0);
		assert_true(b);
		b = true;
		assert_int_equal(gc_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		b = true;
		if (gc_parse_bool(bad[i], &b) == 0)
			fail_msg("'%s' was accepted as a bool", bad[i]);
		assert_true(b);
	}
}

/* ---- gc_options_load over a table with every option type ---------------- */

struct sub_cfg {
	int64_t depth;
	char *label;
};

struct all_cfg {
	bool flag;
	int64_t count;
	double ratio;
	char *name;
	char *mode;
	int64_t wait;
	int64_t limit;
	struct gc_strlist tags;
	struct gc_strmap headers;
	bool sub_present;
	struct sub_cfg sub;
};

static const struct gc_option sub_options[] = {
	{ "depth", GC_OPT_INT, offsetof(struct sub_cfg, depth), "3", 1, 10 },
	{ "label", GC_OPT_STRING, offsetof(struct sub_cfg, label) },
	{ 0 },
};

static const struct gc_option all_options[] = {
	{ "flag", GC_OPT_BOOL, offsetof(struct all_cfg, flag), "true" },
	{ "count", GC_OPT_INT, offsetof(struct all_cfg, count), "10", 1, 100 },
	{ "ratio", GC_OPT_DOUBLE, offsetof(struct all_cfg, ratio), "0.25", 0, 1 },
	{ "name", GC_OPT_STRING, offsetof(struct all_cfg, name), "anon" },
	{ "mode", GC_OPT_STRING, offsetof(struct all_cfg, mode), "fast",
	  .choices = (const char *const[]){ "fast", "safe", NULL } },
	{ "wait", GC_OPT_DURATION, offsetof(struct all_cfg, wait), "1m30s", 1e6, 3600e9 },
	{ "limit", GC_OPT_BYTES, offsetof(struct all_cfg, limit), "16MiB", 1024, 1073741824.0 },
	{ "tags", GC_OPT_STRLIST, offsetof(struct all_cfg, tags) },
	{ "headers", GC_OPT_STRMAP, offsetof(struct all_cfg, headers) },
	{ "sub", GC_OPT_SECTION, offsetof(struct all_cfg, sub), .sub = sub_options,
	  .present = offsetof(struct all_cfg, sub_present) },
	{ 0 },
};

struct loaded {
	gc_arena *arena;
	struct all_cfg cfg;
	char *err;
	int rc;
};

/* Parses yaml (a map of options for component "comp/x") and loads it. */
static struct loaded *load(const char *yaml)
{
	struct loaded *l = calloc(1, sizeof(*l));
	struct gc_node *root;

	assert_non_null(l);
	l->arena = gc_arena_create(0);
	root = gc_yaml_parse(yaml, strlen(yaml), "opts.yaml", l->arena, &l->err);
	if (!root)
		fail_msg("YAML did not parse: %s", l->err);
	memset(&l->cfg, 0, sizeof(l->cfg)); /* as the config loader does */
	l->rc = gc_options_load(all_options, &l->cfg, root, "comp/x", l->arena, &l->err);
	return l;
}

static void loaded_free(struct loaded *l)
{
	gc_arena_destroy(l->arena);
	free(l->err);
	free(l);
}

static void assert_load_error(const char *yaml, const char *expected)
{
	struct loaded *l = load(yaml);

	assert_int_equal(l->rc, GC_ERROR);
	assert_non_null(l->err);
	assert_string_equal(l->err, expected);
	loaded_free(l);
}

static void test_options_defaults(void **state)
{
	struct loaded *l = load(""); /* empty document: all defaults */

	assert_int_equal(l->rc, GC_OK);
	assert_null(l->err);
	assert_true(l->cfg.flag);
	assert_int_equal(l->cfg.count, 10);
	assert_true(l->cfg.ratio == 0.25);
	assert_string_equal(l->cfg.name, "anon");
	assert_string_equal(l->cfg.mode, "fast");
	assert_int_equal(l->cfg.wait, 90 * SEC);
	assert_int_equal(l->cfg.limit, 16 * 1024 * 1024);
	assert_int_equal(l->cfg.sub.depth, 3);
	loaded_free(l);
}

static void test_options_values(void **state)
{
	struct loaded *l = load("flag: false\n"
				"count: 100\n"
				"ratio: 1\n"
				"name: \"null\"\n"
				"mode: safe\n"
				"wait: 250ms\n"
				"limit: 512KiB\n"
				"tags: [a, \"b c\"]\n"
				"headers: { X-Scope-OrgID: team-a, k: v }\n"
				"sub: { depth: 7, label: deep }\n");

	assert_int_equal(l->rc, GC_OK);
	assert_false(l->cfg.flag);
	assert_int_equal(l->cfg.count, 100); /* bounds are inclusive */
	assert_true(l->cfg.ratio == 1.0);
	assert_string_equal(l->cfg.name, "null"); /* quoted: stays a string */
	assert_string_equal(l->cfg.mode, "safe");
	assert_int_equal(l->cfg.wait, 250 * MS);
	assert_int_equal(l->cfg.limit, 512 * 1024);
	assert_int_equal(l->cfg.tags.n, 2);
	assert_string_equal(l->cfg.tags.v[0], "a");
	assert_string_equal(l->cfg.tags.v[1], "b c");
	assert_null(l->cfg.tags.v[2]);
	assert_int_equal(l->cfg.headers.n, 2);
	assert_string_equal(l->cfg.headers.keys[0], "X-Scope-OrgID");
	assert_string_equal(l->cfg.headers.values[0], "team-a");
	assert_string_equal(l->cfg.headers.keys[1], "k");
	assert_string_equal(l->cfg.headers.values[1], "v");
	assert_true(l->cfg.sub_present);
	assert_int_equal(l->cfg.sub.depth, 7);
	assert_string_equal(l->cfg.sub.label, "deep");
	loaded_free(l);
}

static void test_options_section_presence(void **state)
{
	struct loaded *l = load("sub:\n");

	assert_int_equal(l->rc, GC_OK);
	assert_true(l->cfg.sub_present); /* written without options: present, defaults */
	assert_int_equal(l->cfg.sub.depth, 3);
	loaded_free(l);

	l = load("name: n\n");
	assert_int_equal(l->rc, GC_OK);
	assert_false(l->cfg.sub_present);
	loaded_free(l);
}

static void test_options_null_string_clears_default(void **state)
{
	struct loaded *l = load("name:\n");

	assert_int_equal(l->rc, GC_OK);
	assert_null(l->cfg.name);
	loaded_free(l);
}

static void test_options_errors(void **state)
{
	assert_load_error("flag: yes\n",
			  "opts.yaml:1:7: comp/x: 'flag' expects true or false, got 'yes'");
	assert_load_error("count: 1.5\n", "opts.yaml:1:8: comp/x: 'count' expects an integer, got '1.5'");
	assert_load_error("count: 0\n", "opts.yaml:1:8: comp/x: 'count' must be between 1 and 100");
	assert_load_error("count: 101\n", "opts.yaml:1:8: comp/x: 'count' must be between 1 and 100");
	assert_load_error("count: 99999999999999999999\n",
			  "opts.yaml:1:8: comp/x: 'count' expects an integer, got "
			  "'99999999999999999999'");
	assert_load_error("ratio: x\n", "opts.yaml:1:8: comp/x: 'ratio' expects a number, got 'x'");
	assert_load_error("ratio: 1.5\n", "opts.yaml:1:8: comp/x: 'ratio' must be between 0 and 1");
	assert_load_error("ratio: .nan\n",
			  "opts.yaml:1:8: comp/x: 'ratio' expects a number, got '.nan'");
	assert_load_error("wait: 5\n",
			  "opts.yaml:1:7: comp/x: 'wait' expects a duration such as 500ms, 5s, "
			  "1m30s or 24h, got '5'");
	assert_load_error("wait: 0s\n", "opts.yaml:1:7: comp/x: 'wait' must be between 1ms and 3600s");
	assert_load_error("wait: 2h\n", "opts.yaml:1:7: comp/x: 'wait' must be between 1ms and 3600s");
	assert_load_error("limit: lots\n",
			  "opts.yaml:1:8: comp/x: 'limit' expects a size such as 1048576, 512KiB "
			  "or 16MiB, got 'lots'");
	assert_load_error("limit: 2GiB\n",
			  "opts.yaml:1:8: comp/x: 'limit' must be between 1024 and 1073741824");
	assert_load_error("mode: slow\n",
			  "opts.yaml:1:7: comp/x: 'mode' must be one of: fast, safe (got 'slow')");
	assert_load_error("tags: a\n",
			  "opts.yaml:1:7: comp/x: 'tags' expects a list of strings, got a scalar");
	assert_load_error("tags: [a, [b]]\n",
			  "opts.yaml:1:11: comp/x: 'tags' items must be strings");
	assert_load_error("headers: [a]\n",
			  "opts.yaml:1:10: comp/x: 'headers' expects a map of string keys to string "
			  "values, got a list");
	assert_load_error("headers:\n  k: { a: b }\n",
			  "opts.yaml:2:6: comp/x: 'headers.k' must be a string");
	assert_load_error("sub: 3\n", "opts.yaml:1:6: comp/x: 'sub' expects a map, got a scalar");
	assert_load_error("sub:\n  depth: 11\n",
			  "opts.yaml:2:10: comp/x: 'depth' must be between 1 and 10");
	assert_load_error("sub:\n  color: red\n",
			  "opts.yaml:2:3: comp/x: unknown key 'color' (valid keys: depth, label)");
	assert_load_error("name: n\nflg: true\n",
			  "opts.yaml:2:1: comp/x: unknown key 'flg' (valid keys: flag, count, ratio, "
			  "name, mode, wait, limit, tags, headers, sub)");
	assert_load_error("count: [1]\n",
			  "opts.yaml:1:8: comp/x: 'count' expects an integer, got a list");
	assert_load_error("[1, 2]\n", "opts.yaml:1:1: comp/x: expected a map of options, got a list");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_valid),
		cmocka_unit_test(test_duration_invalid),
		cmocka_unit_test(test_duration_rejects_hex_and_exponent),
		cmocka_unit_test(test_bytes_valid),
		cmocka_unit_test(test_bytes_invalid),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_options_values),
		cmocka_unit_test(test_options_section_presence),
		cmocka_unit_test(test_options_null_string_clears_default),
		cmocka_unit_test(test_options_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
