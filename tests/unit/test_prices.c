/* genai_cost's price table: the LiteLLM file loads completely, lookups follow
 * the documented order, and the formula prices every kind of token. */
#include <jansson.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "genai_cost/prices.h"

#define LITELLM GC_SOURCE_DIR "/tests/data/litellm_model_prices.json"

static struct gc_str s(const char *text)
{
	return (struct gc_str){ text, strlen(text) };
}

static void assert_close(double got, double want)
{
	if (fabs(got - want) > 1e-12 * fabs(want) + 1e-18)
		fail_msg("got %.17g, want %.17g", got, want);
}

static struct gc_price price(double in, double out)
{
	struct gc_price p = { .input = in, .output = out, .cache_read = -1, .cache_creation = -1,
			      .reasoning = -1, .source = "test" };

	return p;
}

static void test_formula_every_price_kind(void **state)
{
	struct gc_price p = price(2e-6, 8e-6);
	struct gc_usage u = { .input = 1000, .output = 500 };

	assert_close(gc_price_cost(&p, &u), 1000 * 2e-6 + 500 * 8e-6);
	/* Cached tokens are part of input; without cache prices they cost input. */
	u.cache_read = 400;
	u.cache_creation = 100;
	assert_close(gc_price_cost(&p, &u), 1000 * 2e-6 + 500 * 8e-6);
	p.cache_read = 0.5e-6;
	assert_close(gc_price_cost(&p, &u), 600 * 2e-6 + 400 * 0.5e-6 + 500 * 8e-6);
	p.cache_creation = 2.5e-6;
	assert_close(gc_price_cost(&p, &u), 500 * 2e-6 + 400 * 0.5e-6 + 100 * 2.5e-6 + 500 * 8e-6);
	/* Reasoning is part of output, priced separately only with its own price. */
	u.reasoning = 200;
	assert_close(gc_price_cost(&p, &u), 500 * 2e-6 + 400 * 0.5e-6 + 100 * 2.5e-6 + 500 * 8e-6);
	p.reasoning = 10e-6;
	assert_close(gc_price_cost(&p, &u),
		     500 * 2e-6 + 400 * 0.5e-6 + 100 * 2.5e-6 + 300 * 8e-6 + 200 * 10e-6);
	/* More cached than input (a broken count) never prices negative tokens. */
	u = (struct gc_usage){ .input = 10, .cache_read = 50 };
	assert_true(gc_price_cost(&p, &u) >= 0);
}

static void test_tiers_price_the_whole_request(void **state)
{
	struct gc_price p = price(3e-6, 15e-6);
	struct gc_usage u = { .input = 200000, .output = 1000, .cache_read = 100000 };

	p.cache_read = 0.3e-6;
	p.n_tiers = 2;
	p.tiers[0] = (struct gc_price_tier){ 128000, 4e-6, 18e-6, -1, -1 };
	p.tiers[1] = (struct gc_price_tier){ 200000, 6e-6, 22.5e-6, 0.6e-6, -1 };
	/* 200000 is not above 200000: the 128k tier applies, cache read keeps its base price. */
	assert_close(gc_price_cost(&p, &u), 100000 * 4e-6 + 100000 * 0.3e-6 + 1000 * 18e-6);
	u.input = 200001;
	assert_close(gc_price_cost(&p, &u), 100001 * 6e-6 + 100000 * 0.6e-6 + 1000 * 22.5e-6);
	u.input = 128000;
	assert_close(gc_price_cost(&p, &u), 28000 * 3e-6 + 100000 * 0.3e-6 + 1000 * 15e-6);
}

static void test_lookup_order(void **state)
{
	struct gc_price_table *t = gc_price_table_new();
	struct gc_price p = price(1e-6, 2e-6);
	char matched[128];
	const struct gc_price *got;

	assert_int_equal(gc_price_table_put(t, s("gpt-4o"), &p), GC_OK);
	p.input = 2e-6;
	assert_int_equal(gc_price_table_put(t, s("gpt-4o-2024-08-06"), &p), GC_OK);
	p.input = 3e-6;
	assert_int_equal(gc_price_table_put(t, s("bedrock/anthropic.claude-3-5-sonnet"), &p), GC_OK);
	p.input = 4e-6;
	assert_int_equal(gc_price_table_put(t, s("claude-3-5-sonnet-v2"), &p), GC_OK);
	p.input = 5e-6;
	assert_int_equal(gc_price_table_put(t, s("vertex_ai/gemini-2.5-pro"), &p), GC_OK);
	p.input = 6e-6;
	assert_int_equal(gc_price_table_put(t, s("gemini-2.5-pro"), &p), GC_OK);

	/* Response model first, exact. */
	got = gc_price_lookup(t, s("openai"), s("gpt-4o-2024-08-06"), s("gpt-4o"), matched, sizeof(matched));
	assert_true(got && got->input == 2e-6);
	assert_string_equal(matched, "gpt-4o-2024-08-06");
	/* Then the request model, exact, before any stripping of the response's. */
	got = gc_price_lookup(t, s("openai"), s("gpt-4o-2024-11-20"), s("gpt-4o"), matched, sizeof(matched));
	assert_true(got && got->input == 1e-6);
	assert_string_equal(matched, "gpt-4o");
	/* A dated id falls back to its undated one. */
	got = gc_price_lookup(t, s("openai"), s("gpt-4o-2024-11-20"), s(""), matched, sizeof(matched));
	assert_true(got && got->input == 1e-6);
	/* Bedrock: -v2:0 then the date come off, and the provider prefix is tried. */
	got = gc_price_lookup(t, s("aws.bedrock"), s(""), s("anthropic.claude-3-5-sonnet-20241022-v2:0"),
			      matched, sizeof(matched));
	assert_true(got && got->input == 3e-6);
	assert_string_equal(matched, "bedrock/anthropic.claude-3-5-sonnet");
	/* Vertex's @date suffix. */
	got = gc_price_lookup(t, s("anthropic"), s("claude-3-5-sonnet-v2@20241022"), s(""), matched,
			      sizeof(matched));
	assert_true(got && got->input == 4e-6);
	/* Vertex AI sells gemini-2.5-pro at its own price: its prefixed id wins. */
	got = gc_price_lookup(t, s("gcp.vertex_ai"), s("gemini-2.5-pro"), s(""), matched, sizeof(matched));
	assert_true(got && got->input == 5e-6);
	assert_string_equal(matched, "vertex_ai/gemini-2.5-pro");
	got = gc_price_lookup(t, s("gcp.gemini"), s("gemini-2.5-pro"), s(""), matched, sizeof(matched));
	assert_true(got && got->input == 6e-6);
	/* Unknown stays unknown. */
	assert_null(gc_price_lookup(t, s("openai"), s("my-finetune"), s("ft:gpt-9"), NULL, 0));
	assert_null(gc_price_lookup(t, s(""), s(""), s(""), NULL, 0));
	gc_price_table_free(t);
}

static void test_table_grows_and_replaces(void **state)
{
	struct gc_price_table *t = gc_price_table_new();
	struct gc_price p = price(1, 1);
	char id[32];

	for (int i = 0; i < 20000; i++) {
		snprintf(id, sizeof(id), "model-%d", i);
		p.input = i;
		assert_int_equal(gc_price_table_put(t, s(id), &p), GC_OK);
	}
	p.input = -5;
	assert_int_equal(gc_price_table_put(t, s("model-7"), &p), GC_OK);
	assert_int_equal(gc_price_table_size(t), 20000);
	for (int i = 0; i < 20000; i++) {
		const struct gc_price *got;

		snprintf(id, sizeof(id), "model-%d", i);
		got = gc_price_table_get(t, s(id));
		assert_non_null(got);
		assert_true(got->input == (i == 7 ? -5 : i));
		assert_string_equal(got->source, "test");
	}
	assert_null(gc_price_table_get(t, s("model-20000")));
	gc_price_table_free(t);
}

/* The whole LiteLLM file loads: every entry with a per-token price, counted
 * here independently, and each model costs what its JSON says. */
static void test_litellm_file_loads_completely(void **state)
{
	size_t len, loaded = 0, skipped = 0, want = 0, total = 0;
	char *text = gc_read_file(LITELLM, &len, NULL);
	struct gc_price_table *t = gc_price_table_new();
	json_t *root, *v;
	const char *model;

	assert_non_null(text);
	assert_int_equal(gc_price_table_load_litellm(t, text, len, "litellm", &loaded, &skipped, NULL),
			 GC_OK);
	root = json_loadb(text, len, 0, NULL);
	assert_non_null(root);
	json_object_foreach(root, model, v) {
		total++;
		if (strcmp(model, "sample_spec") && json_is_object(v) &&
		    (json_is_number(json_object_get(v, "input_cost_per_token")) ||
		     json_is_number(json_object_get(v, "output_cost_per_token"))))
			want++;
	}
	assert_true(want > 2400);
	assert_int_equal(loaded, want);
	assert_int_equal(loaded + skipped, total);
	assert_int_equal(gc_price_table_size(t), want);

	/* Claude Sonnet 4 above 200k input: the tier prices everything. */
	{
		json_t *m = json_object_get(root, "claude-sonnet-4-20250514");
		const struct gc_price *p = gc_price_table_get(t, s("claude-sonnet-4-20250514"));
		struct gc_usage u = { .input = 250000, .output = 2000, .cache_read = 50000,
				      .cache_creation = 10000 };
		double want_cost =
			190000 * json_number_value(json_object_get(m, "input_cost_per_token_above_200k_tokens")) +
			50000 * json_number_value(json_object_get(m, "cache_read_input_token_cost_above_200k_tokens")) +
			10000 * json_number_value(json_object_get(m, "cache_creation_input_token_cost_above_200k_tokens")) +
			2000 * json_number_value(json_object_get(m, "output_cost_per_token_above_200k_tokens"));

		assert_non_null(p);
		assert_string_equal(p->source, "litellm");
		assert_close(gc_price_cost(p, &u), want_cost);
	}
	/* A reasoning price, where the file has one (sample_spec is the file's
	 * schema example, not a model). */
	json_object_foreach(root, model, v) {
		json_t *r = json_object_get(v, "output_cost_per_reasoning_token");
		const struct gc_price *p;
		struct gc_usage u = { .input = 100, .output = 1000, .reasoning = 600 };
		double in, out;

		if (!strcmp(model, "sample_spec") || !json_is_number(r) ||
		    !json_is_number(json_object_get(v, "input_cost_per_token")))
			continue;
		p = gc_price_table_get(t, s(model));
		in = json_number_value(json_object_get(v, "input_cost_per_token"));
		out = json_number_value(json_object_get(v, "output_cost_per_token"));
		assert_non_null(p);
		if (p->n_tiers)
			continue;
		assert_close(gc_price_cost(p, &u), 100 * in + 400 * out + 600 * json_number_value(r));
		break;
	}
	json_decref(root);
	gc_price_table_free(t);
	free(text);
}

static void test_litellm_bad_input(void **state)
{
	struct gc_price_table *t = gc_price_table_new();
	char *err = NULL;
	size_t loaded = 99;

	assert_int_equal(gc_price_table_load_litellm(t, "{\"a\":", 5, "x", &loaded, NULL, &err),
			 GC_ERROR);
	assert_non_null(strstr(err, "invalid JSON at line 1"));
	free(err);
	err = NULL;
	assert_int_equal(gc_price_table_load_litellm(t, "[1,2]", 5, "x", NULL, NULL, &err), GC_ERROR);
	assert_string_equal(err, "expected an object of models");
	free(err);
	assert_int_equal(gc_price_table_size(t), 0);
	gc_price_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formula_every_price_kind),
		cmocka_unit_test(test_tiers_price_the_whole_request),
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_table_grows_and_replaces),
		cmocka_unit_test(test_litellm_file_loads_completely),
		cmocka_unit_test(test_litellm_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
