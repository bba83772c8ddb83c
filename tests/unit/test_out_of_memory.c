/* The out-of-memory policy on a request's path: a processor whose batch runs
 * out of memory refuses the batch whole (GC_FULL, the receiver's UNAVAILABLE /
 * 503, so the client retries) and hands nothing on; with enough memory it hands
 * on a batch that is complete. The batch's arena is given a budget (a limit
 * past what it already holds, gc_arena_set_limit), so every allocation point
 * of a processor fails in turn as the budget grows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "span.h"
#include "telemetry.h"

/* One span of an OpenInference LLM call with token usage, a model the built-in
 * price table knows, and an e-mail address in an attribute and the status. */
static const char span_json[] =
	"{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	"\"value\":{\"stringValue\":\"chat-api\"}}]},\"scopeSpans\":[{\"scope\":{\"name\":\"t\"},"
	"\"spans\":[{\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
	"\"spanId\":\"0102030405060708\",\"name\":\"llm call\",\"startTimeUnixNano\":\"1000\","
	"\"endTimeUnixNano\":\"2000\",\"status\":{\"code\":2,"
	"\"message\":\"mail alice@example.com failed\"},\"attributes\":["
	"{\"key\":\"openinference.span.kind\",\"value\":{\"stringValue\":\"LLM\"}},"
	"{\"key\":\"llm.model_name\",\"value\":{\"stringValue\":\"gpt-4o\"}},"
	"{\"key\":\"llm.provider\",\"value\":{\"stringValue\":\"openai\"}},"
	"{\"key\":\"llm.token_count.prompt\",\"value\":{\"intValue\":\"1000\"}},"
	"{\"key\":\"llm.token_count.completion\",\"value\":{\"intValue\":\"200\"}},"
	"{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"1000\"}},"
	"{\"key\":\"gen_ai.usage.output_tokens\",\"value\":{\"intValue\":\"200\"}},"
	"{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o\"}},"
	"{\"key\":\"user.email\",\"value\":{\"stringValue\":\"alice@example.com\"}}"
	"]}]}]}]}";

static const char config_yaml[] =
	"receivers:\n  otlp:\n    protocols:\n      grpc:\n"
	"processors:\n  genai_normalize:\n  genai_cost:\n  pii_redact:\n"
	"exporters:\n  debug:\n"
	"service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
	"      processors: [genai_normalize, genai_cost, pii_redact]\n"
	"      exporters: [debug]\n";

static struct gc_batch *new_batch(void)
{
	char *err = NULL;
	struct gc_batch *b =
		gc_batch_decode_json(GC_SIGNAL_TRACES, span_json, strlen(span_json), &err);

	if (!b)
		fail_msg("decode: %s", err);
	return b;
}

/* From now on the arena may take budget bytes more from the system, and no
 * more: what it holds is used up first. */
static void give_budget(gc_arena *a, size_t budget)
{
	gc_arena_set_limit(a, gc_arena_reserved(a));
	while (gc_arena_alloc(a, 16))
		;
	gc_arena_set_limit(a, gc_arena_reserved(a) + budget);
}

/* The stage after the processor: keeps what it is handed. */
struct capture {
	struct gc_consumer base;
	struct gc_batch *got;
	int calls;
};

static int capture_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct capture *c = (struct capture *)self;

	(void)err;
	gc_batch_unref(c->got);
	c->got = batch;
	c->calls++;
	return GC_OK;
}

struct fixture {
	struct gc_config *config;
};

static int setup(void **state)
{
	static struct fixture f;
	char *err = NULL;

	if (gc_config_parse(config_yaml, strlen(config_yaml), "test.yaml", &f.config, &err))
		fail_msg("config: %s", err);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	gc_config_free(f->config);
	return 0;
}

static const struct gc_component_config *processor(struct fixture *f, const char *name)
{
	for (size_t i = 0; i < f->config->n_components[GC_KIND_PROCESSOR]; i++)
		if (!strcmp(f->config->components[GC_KIND_PROCESSOR][i].id, name))
			return &f->config->components[GC_KIND_PROCESSOR][i];
	fail_msg("no processor %s", name);
	return NULL;
}

static bool has(struct gc_batch *b, const char *key)
{
	struct gc_span_iter it;
	struct gc_span sp;

	gc_span_iter_init(&it, b);
	assert_true(gc_span_iter_next(&it, &sp));
	return gc_span_has(&sp, (struct gc_str){ key, strlen(key) });
}

/* What a processor's output must hold when it was handed on. */
typedef void (*check_fn)(struct gc_batch *out);

/* Runs the processor on fresh batches with budgets growing from nothing
 * until one is enough. Every run either refuses the batch (GC_FULL, an error
 * saying out of memory, nothing handed on) or hands on a complete batch. At
 * least one run must be refused, and the last one must succeed. */
static void budgets(struct fixture *f, const char *name, check_fn check)
{
	const struct gc_component_config *cc = processor(f, name);
	const struct gc_processor_ops *ops = cc->type->processor;
	struct capture cap = { { capture_consume }, NULL, 0 };
	char *err = NULL;
	void *proc = ops->create(cc->id, cc->options, GC_SIGNAL_TRACES, &cap.base, &err);
	size_t refused = 0, budget;
	int rc = GC_FULL;

	if (!proc)
		fail_msg("create %s: %s", name, err);
	for (budget = 0; rc != GC_OK && budget <= 64 * 1024; budget += 16) {
		struct gc_batch *b = new_batch();

		give_budget(b->arena, budget);
		cap.calls = 0;
		rc = gc_consume(ops->consumer(proc), b, &err);
		if (rc == GC_OK) {
			assert_int_equal(cap.calls, 1);
			check(cap.got);
			break;
		}
		assert_int_equal(rc, GC_FULL);
		assert_int_equal(cap.calls, 0);
		assert_non_null(err);
		if (!strstr(err, "out of memory"))
			fail_msg("%s: budget %zu: error \"%s\"", name, budget, err);
		free(err);
		err = NULL;
		refused++;
	}
	if (rc != GC_OK)
		fail_msg("%s: still refused with a budget of %zu bytes", name, budget);
	assert_true(refused > 0);
	free(err);
	gc_batch_unref(cap.got);
	ops->shutdown(proc, gc_now_ns());
	ops->destroy(proc);
}

static void normalized(struct gc_batch *out)
{
	assert_true(has(out, "gen_ai.request.model"));
	assert_true(has(out, "gen_ai.provider.name"));
	assert_true(has(out, "gen_ai.operation.name"));
}

static void priced(struct gc_batch *out)
{
	assert_true(has(out, "gen_ai.usage.cost"));
	assert_true(has(out, "gen_ai.usage.cost.source"));
}

static void redacted(struct gc_batch *out)
{
	struct gc_span_iter it;
	struct gc_span sp;
	struct gc_str email, status;

	gc_span_iter_init(&it, out);
	assert_true(gc_span_iter_next(&it, &sp));
	email = gc_span_str(&sp, GC_STR("user.email"));
	status = gc_span_status_message(&sp);
	assert_null(memmem(email.ptr, email.len, "alice@", 6));
	assert_null(memmem(status.ptr, status.len, "alice@", 6));
	assert_true(has(out, "pii.redacted.count"));
	assert_true(has(out, "pii.redacted.types"));
}

static void test_genai_normalize_refuses_without_memory(void **state)
{
	budgets(*state, "genai_normalize", normalized);
}

static void test_genai_cost_refuses_without_memory(void **state)
{
	budgets(*state, "genai_cost", priced);
}

static void test_pii_redact_refuses_without_memory(void **state)
{
	budgets(*state, "pii_redact", redacted);
}

/* A set that runs out of memory leaves the attributes as they were: no key
 * without a value, no half-built array. */
static void test_span_set_leaves_attributes_unchanged(void **state)
{
	struct gc_batch *b = new_batch();
	static const struct gc_str items[] = { GC_STR("stop"), GC_STR("length") };
	struct gc_span_iter it;
	struct gc_span sp;
	size_t n;

	(void)state;
	gc_span_iter_init(&it, b);
	assert_true(gc_span_iter_next(&it, &sp));
	n = gc_span_attr_count(&sp);
	for (size_t budget = 0; budget < 512; budget += 16) {
		give_budget(b->arena, budget);
		if (gc_span_set_str_array(&sp, GC_STR("gen_ai.response.finish_reasons"), items, 2) ==
		    GC_OK)
			break;
		assert_int_equal(gc_span_attr_count(&sp), n);
		assert_false(gc_span_has(&sp, GC_STR("gen_ai.response.finish_reasons")));
	}
	assert_int_equal(gc_span_attr_count(&sp), n + 1);
	give_budget(b->arena, 0);
	assert_int_equal(gc_span_set_str(&sp, GC_STR("llm.model_name"), GC_STR("gpt-4o-mini")),
			 GC_ERROR);
	assert_true(gc_str_eq(gc_span_str(&sp, GC_STR("llm.model_name")), GC_STR("gpt-4o")));
	assert_int_equal(gc_span_attr_count(&sp), n + 1);
	gc_batch_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_genai_normalize_refuses_without_memory),
		cmocka_unit_test(test_genai_cost_refuses_without_memory),
		cmocka_unit_test(test_pii_redact_refuses_without_memory),
		cmocka_unit_test(test_span_set_leaves_attributes_unchanged),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
