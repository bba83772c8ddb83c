/* libFuzzer target: the GenAI processors on client spans. The input is an
 * OTLP ExportTraceServiceRequest in protobuf; what gc_batch_decode accepts
 * (and holds spans) runs through two pipelines built as the daemon builds
 * them, from the component table and options loaded from YAML:
 *   genai_normalize                      -> genai_cost -> end
 *   genai_normalize (drop_original: true) -> genai_cost -> end
 * genai_cost has its defaults: the built-in price table. Each pipeline gets
 * its own decode of the bytes, as the daemon decodes once per pipeline, since
 * the processors rewrite a batch in place. "end" is a terminal consumer that
 * drops its reference, as an exporter's queue would once done.
 *
 * For each pipeline run:
 *   (a) the chain accepts the batch (GC_OK, no message) and hands it to the
 *       end exactly once, with the same number of spans;
 *   (b) gen_ai.input.messages / gen_ai.output.messages that genai_normalize
 *       added (absent before) are JSON arrays of objects with a string "role"
 *       and an array "parts";
 *   (c) the processed batch encodes to gc_batch_encoded_size bytes, and those
 *       bytes decode again with the same span count. The one refusal allowed
 *       is the decoded-size bound (batch.h), since the bound is a multiple of
 *       the wire size and the input may carry bytes the encoder leaves out
 *       (a scalar field repeated, of which the last counts).
 * A violated property aborts with a message on stderr. ASan reports leaks,
 * reads of freed arenas and stack overflows from recursion over client data. */
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "component.h"
#include "log.h"
#include "span.h"
#include "yaml_tree.h"

static const char options_yaml[] = "genai_normalize:\n"
				   "genai_normalize/drop:\n"
				   "  drop_original: true\n"
				   "genai_cost:\n";

#define N_PIPELINES 2

static const struct gc_str K_INPUT = GC_STR("gen_ai.input.messages");
static const struct gc_str K_OUTPUT = GC_STR("gen_ai.output.messages");

/* The end of every pipeline: counts what reaches it and drops the reference. */
struct end {
	struct gc_consumer base;
	struct gc_batch *last;
	size_t calls;
};

static struct end end;
static struct gc_consumer *pipelines[N_PIPELINES];
static gc_arena *config_arena; /* the options' strings and YAML nodes */

static int end_consume(struct gc_consumer *self, struct gc_batch *batch, char **err)
{
	struct end *e = (struct end *)self;

	(void)err;
	e->last = batch;
	e->calls++;
	gc_batch_unref(batch);
	return GC_OK;
}

static void die(const char *fmt, const char *detail)
{
	fprintf(stderr, "fuzz_genai: ");
	fprintf(stderr, fmt, detail ? detail : "");
	fputc('\n', stderr);
	abort();
}

/* Creates processor id (its type is the part before any '/') from its options
 * under root, handing on to next. Lives for the whole run. */
static void *create(const struct gc_node *root, const char *id, struct gc_consumer *next,
		    gc_arena *arena, struct gc_consumer **entry)
{
	char type_name[64];
	const struct gc_component_type *t;
	const struct gc_node *node = gc_node_get(root, id);
	void *cfg, *proc;
	char *err = NULL;

	snprintf(type_name, sizeof(type_name), "%.*s", (int)strcspn(id, "/"), id);
	t = gc_component_find(GC_KIND_PROCESSOR, type_name);
	if (!t || !t->processor)
		die("no processor %s in the component table", type_name);
	cfg = calloc(1, t->config_size ? t->config_size : 1);
	if (!cfg)
		die("out of memory%s", NULL);
	if (gc_options_load(t->options, cfg, node, id, arena, &err) ||
	    (t->validate && t->validate(cfg, node, id, &err)))
		die("options: %s", err);
	proc = t->processor->create(id, cfg, GC_SIGNAL_TRACES, next, &err);
	if (!proc)
		die("create: %s", err);
	*entry = t->processor->consumer(proc);
	return proc;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct gc_node *root;
	struct gc_consumer *cost;
	char *err = NULL;

	(void)argc;
	(void)argv;
	gc_log_set_level(GC_LOG_WARN);
	end.base.consume = end_consume;
	config_arena = gc_arena_create(0);
	root = config_arena ? gc_yaml_parse(options_yaml, sizeof(options_yaml) - 1,
					    "fuzz_genai.yaml", config_arena, &err)
			    : NULL;
	if (!root)
		die("options YAML: %s", err);
	create(root, "genai_cost", &end.base, config_arena, &cost);
	create(root, "genai_normalize", cost, config_arena, &pipelines[0]);
	create(root, "genai_normalize/drop", cost, config_arena, &pipelines[1]);
	return 0; /* the processors and their options live until exit */
}

/* Bit 2i: span i had gen_ai.input.messages before processing; 2i+1: output. */
static uint8_t *messages_before(struct gc_batch *b)
{
	uint8_t *bits = calloc(b->items / 4 + 1, 1);
	struct gc_span_iter it;
	struct gc_span sp;
	size_t i = 0;

	if (!bits)
		die("out of memory%s", NULL);
	gc_span_iter_init(&it, b);
	for (; gc_span_iter_next(&it, &sp); i++) {
		if (gc_span_has(&sp, K_INPUT))
			bits[2 * i / 8] |= (uint8_t)(1u << (2 * i % 8));
		if (gc_span_has(&sp, K_OUTPUT))
			bits[(2 * i + 1) / 8] |= (uint8_t)(1u << ((2 * i + 1) % 8));
	}
	return bits;
}

/* (b): text is a JSON array of messages (\u0000 is valid JSON: attribute
 * values may hold NUL). */
static void check_messages(struct gc_str text, const char *key)
{
	json_error_t jerr;
	json_t *root = json_loadb(text.ptr, text.len, JSON_ALLOW_NUL, &jerr), *m;
	size_t i;

	if (!json_is_array(root) || !json_array_size(root)) {
		fprintf(stderr, "fuzz_genai: %s is not a JSON array (%s): %.*s\n", key, jerr.text,
			(int)(text.len > 2000 ? 2000 : text.len), text.ptr);
		abort();
	}
	json_array_foreach(root, i, m)
		if (!json_is_string(json_object_get(m, "role")) ||
		    !json_is_array(json_object_get(m, "parts")))
			die("%s has a message without a string role and a parts array", key);
	json_decref(root);
}

static void check_added(struct gc_batch *b, const uint8_t *before)
{
	static const struct gc_str *const keys[2] = { &K_INPUT, &K_OUTPUT };
	struct gc_span_iter it;
	struct gc_span sp;
	size_t i = 0;

	gc_span_iter_init(&it, b);
	for (; gc_span_iter_next(&it, &sp); i++) {
		for (size_t k = 0; k < 2; k++) {
			size_t bit = 2 * i + k;
			struct gc_value v;

			if (before[bit / 8] & (1u << (bit % 8)) || !gc_span_attr(&sp, *keys[k], &v) ||
			    v.type == GC_VALUE_EMPTY)
				continue;
			if (v.type != GC_VALUE_STRING)
				die("genai_normalize set %s to something other than a string",
				    keys[k]->ptr);
			check_messages(v.str, keys[k]->ptr);
		}
	}
}

/* (c) */
static void check_encode(const struct gc_batch *b)
{
	size_t len = gc_batch_encoded_size(b);
	uint8_t *buf = malloc(len ? len : 1);
	struct gc_batch *again;
	char *err = NULL, bound_refusal[256];

	if (!buf)
		die("out of memory%s", NULL);
	if (gc_batch_encode(b, buf) != len)
		die("gc_batch_encode wrote another size than gc_batch_encoded_size%s", NULL);
	again = gc_batch_decode(GC_SIGNAL_TRACES, buf, len, &err);
	snprintf(bound_refusal, sizeof(bound_refusal),
		 "OTLP traces export request of %zu bytes would take more than %d times its size "
		 "in memory once decoded",
		 len, GC_DECODE_RATIO);
	if (again ? again->items != b->items : !err || strcmp(err, bound_refusal)) {
		fprintf(stderr, "fuzz_genai: the processed batch (%zu spans, %zu bytes) %s: %s\n",
			b->items, len, again ? "re-decoded with another count" : "did not re-decode",
			err ? err : "");
		abort();
	}
	gc_batch_unref(again);
	free(err);
	free(buf);
}

static void run(struct gc_consumer *pipeline, const uint8_t *data, size_t size)
{
	struct gc_batch *b = gc_batch_decode(GC_SIGNAL_TRACES, data, size, NULL);
	size_t items;
	uint8_t *before;
	char *err = NULL;
	int rc;

	if (!b)
		return;
	if (!b->items) { /* the daemon accepts it and goes no further */
		gc_batch_unref(b);
		return;
	}
	items = b->items;
	before = messages_before(b);
	end.calls = 0;
	end.last = NULL;
	gc_batch_ref(b); /* ours, to look at what came out */
	rc = gc_consume(pipeline, b, &err);
	if (rc != GC_OK || err)
		die("the pipeline refused the batch: %s", err);
	if (end.calls != 1 || end.last != b)
		die("the batch did not reach the end of the pipeline exactly once%s", NULL);
	if (b->items != items || gc_batch_count(b) != items)
		die("the processors changed the span count%s", NULL);
	check_added(b, before);
	check_encode(b);
	free(before);
	gc_batch_unref(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int p = 0; p < N_PIPELINES; p++)
		run(pipelines[p], data, size);
	return 0;
}
