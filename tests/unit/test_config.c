/* Config loading: every error kind with the exact "file:line:col: message" a
 * user reads, defaults, aliases, ${env:...} expansion, and the shipped configs.
 * Option values are read through the components' own option tables (name ->
 * offset), so the test knows no private config struct. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "exporter.h"

#define MS 1000000LL
#define SEC 1000000000LL

/* Four lines: an otlp receiver serving gRPC. */
#define RECEIVERS "receivers:\n  otlp:\n    protocols:\n      grpc:\n"
/* Two lines: a debug exporter. */
#define EXPORTERS "exporters:\n  debug:\n"
/* Five lines: one traces pipeline from otlp to debug. */
#define SERVICE                                                                                  \
	"service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n"

/* ---- helpers --------------------------------------------------------------- */

static struct gc_config *parse_ok(const char *yaml)
{
	struct gc_config *c = NULL;
	char *err = NULL;

	if (gc_config_parse(yaml, strlen(yaml), "test.yaml", &c, &err) != GC_OK)
		fail_msg("config rejected: %s\n--- config:\n%s", err ? err : "(no message)", yaml);
	assert_non_null(c);
	assert_null(err);
	return c;
}

/* Parses yaml, which must fail; returns the message (caller frees). */
static char *parse_err(const char *yaml)
{
	struct gc_config *c = (struct gc_config *)1;
	char *err = NULL;

	if (gc_config_parse(yaml, strlen(yaml), "test.yaml", &c, &err) != GC_ERROR)
		fail_msg("config accepted:\n%s", yaml);
	assert_null(c);
	assert_non_null(err);
	return err;
}

#define assert_config_error(yaml, expected)                                                      \
	do {                                                                                     \
		char *msg_ = parse_err(yaml);                                                    \
		if (strcmp(msg_, expected) != 0)                                                 \
			fail_msg("error text differs\n  got:  %s\n  want: %s", msg_, expected);  \
		free(msg_);                                                                      \
	} while (0)

static struct gc_component_config *component(struct gc_config *c, enum gc_kind kind,
					     const char *id)
{
	for (size_t i = 0; i < c->n_components[kind]; i++)
		if (!strcmp(c->components[kind][i].id, id))
			return &c->components[kind][i];
	fail_msg("no %s '%s' in the config", gc_kind_name(kind), id);
	return NULL;
}

/* The address of option "a.b.c" in comp's options, found through its type's
 * option table; checks the option has type t. */
static void *option(const struct gc_component_config *comp, const char *path, enum gc_opt_type t)
{
	const struct gc_option *opts = comp->type->options;
	size_t base = 0;
	char buf[128], *save = NULL, *name;

	snprintf(buf, sizeof(buf), "%s", path);
	name = strtok_r(buf, ".", &save);
	while (name) {
		const struct gc_option *o;
		char *next = strtok_r(NULL, ".", &save);

		for (o = opts; o->name && strcmp(o->name, name); o++)
			;
		if (!o->name)
			fail_msg("%s has no option '%s'", comp->type->name, path);
		if (!next) {
			if (o->type != t)
				fail_msg("option '%s' has type %d, not %d", path, o->type, t);
			return (char *)comp->options + base + o->offset;
		}
		if (o->type != GC_OPT_SECTION)
			fail_msg("option '%s': '%s' is not a section", path, name);
		base += o->offset;
		opts = o->sub;
		name = next;
	}
	fail_msg("bad option path '%s'", path);
	return NULL;
}

#define OPT_STR(comp, path) (*(char **)option(comp, path, GC_OPT_STRING))
#define OPT_INT(comp, path) (*(int64_t *)option(comp, path, GC_OPT_INT))
#define OPT_DUR(comp, path) (*(int64_t *)option(comp, path, GC_OPT_DURATION))
#define OPT_BOOL(comp, path) (*(bool *)option(comp, path, GC_OPT_BOOL))
#define OPT_DBL(comp, path) (*(double *)option(comp, path, GC_OPT_DOUBLE))
#define OPT_MAP(comp, path) ((struct gc_strmap *)option(comp, path, GC_OPT_STRMAP))

/* ---- syntax ---------------------------------------------------------------- */

static void test_yaml_syntax_errors(void **state)
{
	assert_config_error("receivers: otlp: x\n",
			    "test.yaml:1:16: invalid YAML: mapping values are not allowed in this "
			    "context");
	assert_config_error("receivers:\n  otlp:\n    protocols: [grpc\nexporters:\n",
			    "test.yaml:4:10: invalid YAML: did not find expected ',' or ']' while "
			    "parsing a flow sequence");
	assert_config_error("receivers:\n  otlp: \"grpc\n",
			    "test.yaml:3:1: invalid YAML: found unexpected end of stream while "
			    "scanning a quoted scalar");
	assert_config_error("a: 1\n---\nb: 2\n", "test.yaml:2:1: only one YAML document is allowed");
	assert_config_error("", "test.yaml:1:1: the config must be a map with receivers, exporters "
				"and service sections");
	assert_config_error("- receivers\n", "test.yaml:1:1: the config must be a map with "
					     "receivers, exporters and service sections");
	assert_config_error("? [a]\n: b\n", "test.yaml:1:3: map keys must be plain strings");
	assert_config_error("exporters:\n  debug: *nope\n", "test.yaml:2:10: unknown alias '*nope'");
}

static void test_nesting_limit(void **state)
{
	char yaml[256];

	memset(yaml, '[', 100);
	memset(yaml + 100, ']', 100);
	strcpy(yaml + 200, "\n");
	assert_config_error(yaml, "test.yaml:1:66: nesting deeper than 64 levels");
}

static void test_duplicate_key(void **state)
{
	assert_config_error(RECEIVERS "exporters:\n  debug:\n  debug:\n",
			    "test.yaml:7:3: duplicate key 'debug' (first at line 6)");
	assert_config_error("receivers:\n  otlp:\n    protocols:\n      grpc:\n      grpc:\n",
			    "test.yaml:5:7: duplicate key 'grpc' (first at line 4)");
	/* Keys are compared after ${env:...} expansion. */
	setenv("GC_TEST_KEY", "debug", 1);
	assert_config_error("exporters:\n  debug:\n  ${env:GC_TEST_KEY}:\n",
			    "test.yaml:3:3: duplicate key 'debug' (first at line 2)");
}

/* ---- sections and components ---------------------------------------------- */

static void test_unknown_top_level_key(void **state)
{
	assert_config_error("recievers:\n  otlp:\n",
			    "test.yaml:1:1: unknown top-level key 'recievers' (valid keys: "
			    "receivers, processors, exporters, extensions, service)");
	assert_config_error(RECEIVERS EXPORTERS SERVICE "connectors:\n",
			    "test.yaml:12:1: unknown top-level key 'connectors' (valid keys: "
			    "receivers, processors, exporters, extensions, service)");
}

static void test_unknown_component_type(void **state)
{
	assert_config_error("receivers:\n  kafka:\n",
			    "test.yaml:2:3: unknown receiver type 'kafka' (known: otlp)");
	assert_config_error(RECEIVERS "exporters:\n  jaeger/prod:\n",
			    "test.yaml:6:3: unknown exporter type 'jaeger' (known: otlp, otlp_http, debug)");
	assert_config_error("processors:\n  memory_limiter:\n",
			    "test.yaml:2:3: unknown processor type 'memory_limiter' (known: batch, genai_normalize, genai_cost, pii_redact)");
	assert_config_error("extensions:\n  zpages:\n",
			    "test.yaml:2:3: unknown extension type 'zpages' (known: health_check)");
	/* A type of another kind is unknown here. */
	assert_config_error("receivers:\n  debug:\n",
			    "test.yaml:2:3: unknown receiver type 'debug' (known: otlp)");
}

static void test_bad_component_id(void **state)
{
	assert_config_error("exporters:\n  otlp/:\n",
			    "test.yaml:2:3: bad exporter id 'otlp/': expected type or type/name");
	assert_config_error("exporters:\n  /jaeger:\n",
			    "test.yaml:2:3: bad exporter id '/jaeger': expected type or type/name");
	assert_config_error("receivers:\n  \"\":\n",
			    "test.yaml:2:3: bad receiver id '': expected type or type/name");
}

static void test_section_given_a_scalar(void **state)
{
	assert_config_error("receivers: otlp\n",
			    "test.yaml:1:12: 'receivers' must be a map of component ids");
	assert_config_error("exporters: [debug]\n",
			    "test.yaml:1:12: 'exporters' must be a map of component ids");
	assert_config_error("exporters:\n  debug: basic\n",
			    "test.yaml:2:10: debug: expected a map of options, got a scalar");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:1\n    tls: true\n",
			    "test.yaml:4:10: otlp: 'tls' expects a map, got a scalar");
	assert_config_error("receivers:\n  otlp:\n    protocols:\n      grpc: [a]\n",
			    "test.yaml:4:13: otlp: 'grpc' expects a map, got a list");
	assert_config_error(RECEIVERS EXPORTERS "service: yes\n",
			    "test.yaml:7:10: 'service' must be a map");
}

/* ---- options --------------------------------------------------------------- */

static void test_unknown_option_key(void **state)
{
	assert_config_error("exporters:\n  debug:\n    verbosty: basic\n",
			    "test.yaml:3:5: debug: unknown key 'verbosty' (valid keys: timeout, "
			    "sending_queue, retry_on_failure, verbosity)");
	assert_config_error("exporters:\n  debug/x:\n    retry_on_failure:\n      enabeld: false\n",
			    "test.yaml:4:7: debug/x: unknown key 'enabeld' (valid keys: enabled, "
			    "initial_interval, max_interval, max_elapsed_time, multiplier, "
			    "randomization_factor)");
	assert_config_error(RECEIVERS "        port: 4317\n",
			    "test.yaml:5:9: otlp: unknown key 'port' (valid keys: endpoint, "
			    "max_recv_msg_size_mib, max_concurrent_streams, max_recv_memory_mib, "
			    "read_timeout, num_threads)");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:1\n    tls: { insecure: true, "
			    "ca: /x }\n",
			    "test.yaml:4:28: otlp: unknown key 'ca' (valid keys: insecure, "
			    "insecure_skip_verify, ca_file, cert_file, key_file, "
			    "server_name_override)");
	assert_config_error("extensions:\n  health_check:\n    port: 1\n",
			    "test.yaml:3:5: health_check: unknown key 'port' (valid keys: endpoint, "
			    "path)");
}

static void test_wrong_value_types(void **state)
{
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:1\n    tls:\n      insecure: yes\n",
			    "test.yaml:5:17: otlp: 'insecure' expects true or false, got 'yes'");
	assert_config_error(RECEIVERS "        max_recv_msg_size_mib: 16MiB\n",
			    "test.yaml:5:32: otlp: 'max_recv_msg_size_mib' expects an integer, got "
			    "'16MiB'");
	assert_config_error("exporters:\n  debug:\n    timeout: 5\n",
			    "test.yaml:3:14: debug: 'timeout' expects a duration such as 500ms, 5s, "
			    "1m30s or 24h, got '5'");
	assert_config_error("exporters:\n  debug:\n    retry_on_failure: { multiplier: fast }\n",
			    "test.yaml:3:37: debug: 'multiplier' expects a number, got 'fast'");
	assert_config_error("exporters:\n  debug:\n    sending_queue:\n      enabled: { a: b }\n",
			    "test.yaml:4:16: debug: 'enabled' expects true or false, got a map");
	assert_config_error("exporters:\n  otlp:\n    endpoint: [a, b]\n",
			    "test.yaml:3:15: otlp: 'endpoint' expects a string, got a list");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:1\n    headers: [a]\n",
			    "test.yaml:4:14: otlp: 'headers' expects a map of string keys to string "
			    "values, got a list");
	assert_config_error(RECEIVERS EXPORTERS SERVICE "  shutdown_timeout: soon\n",
			    "test.yaml:12:21: service: 'shutdown_timeout' expects a duration such as "
			    "500ms, 5s, 1m30s or 24h, got 'soon'");
}

static void test_out_of_bounds(void **state)
{
	assert_config_error(RECEIVERS "        max_recv_msg_size_mib: 0\n",
			    "test.yaml:5:32: otlp: 'max_recv_msg_size_mib' must be between 1 and "
			    "2048");
	assert_config_error(RECEIVERS "        max_recv_msg_size_mib: 4096\n",
			    "test.yaml:5:32: otlp: 'max_recv_msg_size_mib' must be between 1 and "
			    "2048");
	assert_config_error("exporters:\n  debug:\n    timeout: 0s\n",
			    "test.yaml:3:14: debug: 'timeout' must be between 1ms and 3600s");
	assert_config_error("exporters:\n  debug:\n    timeout: 2h\n",
			    "test.yaml:3:14: debug: 'timeout' must be between 1ms and 3600s");
	assert_config_error("exporters:\n  debug:\n    sending_queue: { queue_size: 0 }\n",
			    "test.yaml:3:34: debug: 'queue_size' must be between 1 and 1000000000000");
	assert_config_error("exporters:\n  debug:\n    retry_on_failure: { randomization_factor: "
			    "1.5 }\n",
			    "test.yaml:3:47: debug: 'randomization_factor' must be between 0 and 1");
	assert_config_error("processors:\n  batch:\n    send_batch_size: 0\n",
			    "test.yaml:3:22: batch: 'send_batch_size' must be between 1 and "
			    "10000000");
	assert_config_error("processors:\n  batch:\n    timeout: 0s\n",
			    "test.yaml:3:14: batch: 'timeout' must be between 1ms and 3600s");
}

static void test_bad_choice(void **state)
{
	assert_config_error("exporters:\n  debug:\n    verbosity: loud\n",
			    "test.yaml:3:16: debug: 'verbosity' must be one of: basic, normal, "
			    "detailed (got 'loud')");
	assert_config_error(RECEIVERS EXPORTERS SERVICE "  telemetry:\n    logs:\n      level: "
							"trace\n",
			    "test.yaml:14:14: service: 'level' must be one of: debug, info, warn, "
			    "error (got 'trace')");
}

/* The otlp exporter's compression choices are {"gzip", "none", ""}; the
 * message prints the empty choice as nothing, leaving a dangling separator:
 * "must be one of: gzip, none,  (got 'brotli')". Fails until the empty
 * choice is rendered readably (or dropped from the list). */
static void test_bad_choice_lists_compressions(void **state)
{
	char *msg = parse_err("exporters:\n  otlp:\n    endpoint: x:1\n    compression: brotli\n");
	const char *prefix = "test.yaml:4:18: otlp: 'compression' must be one of: gzip, none";

	if (strncmp(msg, prefix, strlen(prefix)) != 0 || !strstr(msg, "(got 'brotli')"))
		fail_msg("unexpected message: %s", msg);
	if (strstr(msg, ",  (") || strstr(msg, ", (")) {
		char copy[256];

		snprintf(copy, sizeof(copy), "%s", msg);
		free(msg);
		fail_msg("choice list ends with an empty item: %s", copy);
	}
	free(msg);
}

/* ---- pipelines and service ------------------------------------------------- */

static void test_pipeline_undefined_components(void **state)
{
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    traces:\n      receivers: [otlp, kafka]\n"
			    "      exporters: [debug]\n",
			    "test.yaml:10:25: pipeline 'traces' references receiver 'kafka', which "
			    "is not defined under 'receivers'");
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
			    "      exporters: [debug, otlp/jaeger]\n",
			    "test.yaml:11:26: pipeline 'traces' references exporter 'otlp/jaeger', "
			    "which is not defined under 'exporters'");
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    logs/app:\n      receivers: [otlp]\n"
			    "      processors: [batch]\n      exporters: [debug]\n",
			    "test.yaml:11:20: pipeline 'logs/app' references processor 'batch', "
			    "which is not defined under 'processors'");
	/* A receiver id is not an exporter. */
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
			    "      exporters: [otlp]\n",
			    "test.yaml:11:19: pipeline 'traces' references exporter 'otlp', which is "
			    "not defined under 'exporters'");
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    traces:\n      receivers: [otlp, otlp]\n"
			    "      exporters: [debug]\n",
			    "test.yaml:10:25: pipeline 'traces' lists 'otlp' twice");
	assert_config_error("exporters:\n  debug:\n    sending_queue: { enabled: false, batch: {} }\n",
			    "test.yaml:3:5: debug: sending_queue.batch needs the queue "
			    "(sending_queue.enabled: true)");
	assert_config_error("exporters:\n  debug:\n    sending_queue:\n"
			    "      batch: { min_size: 100, max_size: 10 }\n",
			    "test.yaml:3:5: debug: sending_queue.batch.max_size (10) must be 0 or at "
			    "least min_size (100)");
	/* An id labels metrics: no quote, backslash, space or control character. */
	assert_config_error("processors:\n  \"batch/a\\\"b\": {}\n",
			    "test.yaml:2:3: bad processor id: it may not contain spaces, quotes, "
			    "backslashes or control characters (it labels the component's metrics "
			    "and log lines)");
	assert_config_error("exporters:\n  \"debug/a b\": {}\n",
			    "test.yaml:2:3: bad exporter id: it may not contain spaces, quotes, "
			    "backslashes or control characters (it labels the component's metrics "
			    "and log lines)");
	/* pii_redact rewrites in place: after a processor that holds data it
	 * would write into resources shared between emitted batches. */
	assert_config_error(RECEIVERS EXPORTERS "processors:\n  batch/b:\n  pii_redact:\n"
			    "service:\n  pipelines:\n    logs:\n      receivers: [otlp]\n"
			    "      processors: [batch/b, pii_redact]\n      exporters: [debug]\n",
			    "test.yaml:14:29: pipeline 'logs': processor 'pii_redact' must come "
			    "before 'batch/b' ('batch/b' holds data and emits batches whose "
			    "resources are shared with others)");
}

static void test_pipeline_without_receivers_or_exporters(void **state)
{
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    traces:\n      exporters: [debug]\n",
			    "test.yaml:9:5: pipeline 'traces' needs at least one receiver");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    traces:\n"
						"      receivers: []\n      exporters: [debug]\n",
			    "test.yaml:9:5: pipeline 'traces' needs at least one receiver");
	assert_config_error(RECEIVERS EXPORTERS
			    "service:\n  pipelines:\n    metrics:\n      receivers: [otlp]\n",
			    "test.yaml:9:5: pipeline 'metrics' needs at least one exporter");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    traces:\n",
			    "test.yaml:9:12: pipeline 'traces' must be a map with receivers, "
			    "processors and exporters");
}

static void test_bad_pipeline_id(void **state)
{
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    trace:\n"
						"      receivers: [otlp]\n      exporters: [debug]\n",
			    "test.yaml:9:5: bad pipeline id 'trace': expected traces, logs or "
			    "metrics, optionally followed by /name");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    traces/:\n"
						"      receivers: [otlp]\n      exporters: [debug]\n",
			    "test.yaml:9:5: bad pipeline id 'traces/': expected traces, logs or "
			    "metrics, optionally followed by /name");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    tracesx/a:\n"
						"      receivers: [otlp]\n      exporters: [debug]\n",
			    "test.yaml:9:5: bad pipeline id 'tracesx/a': expected traces, logs or "
			    "metrics, optionally followed by /name");
}

static void test_unknown_pipeline_key(void **state)
{
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    traces:\n"
						"      receivers: [otlp]\n      exporter: [debug]\n",
			    "test.yaml:11:7: pipeline 'traces': unknown key 'exporter' (valid keys: "
			    "receivers, processors, exporters)");
}

static void test_list_given_a_scalar(void **state)
{
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    traces:\n"
						"      receivers: otlp\n      exporters: [debug]\n",
			    "test.yaml:10:18: pipeline 'traces': 'receivers' must be a list of "
			    "receiver ids");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines:\n    traces:\n"
						"      receivers: [[otlp]]\n      exporters: [debug]\n",
			    "test.yaml:10:19: pipeline 'traces': expected a receiver id");
	assert_config_error(RECEIVERS EXPORTERS "extensions:\n  health_check:\n"
						"service:\n  extensions: health_check\n",
			    "test.yaml:10:15: service: 'extensions' must be a list of extension ids");
}

static void test_service_errors(void **state)
{
	assert_config_error(RECEIVERS EXPORTERS,
			    "test.yaml:1:1: missing 'service' section with pipelines");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  extensions: []\n",
			    "test.yaml:8:3: service: 'pipelines' must define at least one pipeline");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipelines: {}\n",
			    "test.yaml:8:14: service: 'pipelines' must define at least one "
			    "pipeline");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  pipeline:\n",
			    "test.yaml:8:3: service: unknown key 'pipeline' (valid keys: extensions, "
			    "pipelines, telemetry, shutdown_timeout)");
	assert_config_error(RECEIVERS EXPORTERS "service:\n  extensions: [health_check]\n"
						"  pipelines:\n    traces:\n      receivers: [otlp]\n"
						"      exporters: [debug]\n",
			    "test.yaml:8:16: service references extension 'health_check', which is "
			    "not defined under 'extensions'");
}

/* ---- component validation -------------------------------------------------- */

static void test_otlp_exporter_needs_endpoint(void **state)
{
	assert_config_error("exporters:\n  otlp:\n    timeout: 5s\n",
			    "test.yaml:3:5: otlp: 'endpoint' is required (host:port)");
	assert_config_error("exporters:\n  otlp/x:\n",
			    "test.yaml:2:10: otlp/x: 'endpoint' is required (host:port)");
	unsetenv("GC_TEST_UNSET");
	assert_config_error("exporters:\n  otlp:\n    endpoint: ${env:GC_TEST_UNSET}\n",
			    "test.yaml:3:5: otlp: 'endpoint' is required (host:port)");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:1\n    tls: { cert_file: /c.pem }\n",
			    "test.yaml:4:10: otlp: tls.cert_file and tls.key_file go together");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:1\n    headers:\n"
			    "      \"X Tenant\": a\n",
			    "test.yaml:5:7: otlp: header name 'X Tenant' has characters gRPC metadata "
			    "does not allow");
}

/* Both OTLP exporters read one tls table: every key either accepted before is
 * accepted by both, and the pairing check points at the tls section. */
static void test_otlp_exporters_share_tls_options(void **state)
{
	struct gc_config *c;
	struct gc_component_config *e;

	c = parse_ok(RECEIVERS
		     "exporters:\n"
		     "  otlp:\n"
		     "    endpoint: x:1\n"
		     "    tls: { insecure_skip_verify: true, server_name_override: a.example }\n"
		     "  otlp_http:\n"
		     "    endpoint: https://x:1\n"
		     "    tls: { insecure: true, server_name_override: b.example, ca_file: /ca.pem }\n"
		     "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
		     "      exporters: [otlp, otlp_http]\n");
	e = component(c, GC_KIND_EXPORTER, "otlp");
	assert_true(OPT_BOOL(e, "tls.insecure_skip_verify"));
	assert_false(OPT_BOOL(e, "tls.insecure"));
	assert_string_equal(OPT_STR(e, "tls.server_name_override"), "a.example");
	e = component(c, GC_KIND_EXPORTER, "otlp_http");
	assert_true(OPT_BOOL(e, "tls.insecure"));
	assert_false(OPT_BOOL(e, "tls.insecure_skip_verify"));
	assert_string_equal(OPT_STR(e, "tls.server_name_override"), "b.example");
	assert_string_equal(OPT_STR(e, "tls.ca_file"), "/ca.pem");
	gc_config_free(c);
	assert_config_error("exporters:\n  otlp_http:\n    endpoint: http://x:1\n"
			    "    tls:\n      key_file: /k.pem\n",
			    "test.yaml:5:7: otlp_http: tls.cert_file and tls.key_file go together");
	assert_config_error("exporters:\n  otlp_http:\n    endpoint: http://x:1\n"
			    "    tls: { ca: /x }\n",
			    "test.yaml:4:12: otlp_http: unknown key 'ca' (valid keys: insecure, "
			    "insecure_skip_verify, ca_file, cert_file, key_file, "
			    "server_name_override)");
}

static void test_otlp_receiver_needs_protocols(void **state)
{
	assert_config_error("receivers:\n  otlp:\n",
			    "test.yaml:2:8: otlp: enable at least one protocol under 'protocols' "
			    "(grpc or http)");
	assert_config_error("receivers:\n  otlp:\n    protocols: {}\n",
			    "test.yaml:3:16: otlp: enable at least one protocol under 'protocols' "
			    "(grpc or http)");
	assert_config_error("receivers:\n  otlp:\n    protocols:\n      http:\n"
			    "        max_request_body_size: 12\n",
			    "test.yaml:5:32: otlp: 'max_request_body_size' must be between 1024 "
			    "and 2147483647");
}

static void test_batch_max_below_size(void **state)
{
	struct gc_config *c;

	assert_config_error("processors:\n  batch:\n    send_batch_size: 200\n"
			    "    send_batch_max_size: 100\n",
			    "test.yaml:3:5: batch: send_batch_max_size (100) must be 0 or at least "
			    "send_batch_size (200)");
	/* Equal, and 0 (no limit), are fine. */
	c = parse_ok(RECEIVERS EXPORTERS "processors:\n  batch:\n    send_batch_size: 200\n"
					 "    send_batch_max_size: 200\n  batch/2:\n"
					 "    send_batch_size: 200\n" SERVICE);
	assert_int_equal(OPT_INT(component(c, GC_KIND_PROCESSOR, "batch"), "send_batch_max_size"),
			 200);
	assert_int_equal(OPT_INT(component(c, GC_KIND_PROCESSOR, "batch/2"), "send_batch_max_size"),
			 0);
	gc_config_free(c);
}

/* ---- ${env:...} ------------------------------------------------------------ */

static void test_env_expansion(void **state)
{
	struct gc_config *c;
	struct gc_component_config *e;
	struct gc_strmap *h;

	setenv("GC_TEST_ENDPOINT", "collector.example:4317", 1);
	setenv("GC_TEST_HOST", "h1", 1);
	setenv("GC_TEST_EMPTY", "", 1);
	setenv("GC_TEST_TRUE", "true", 1);
	unsetenv("GC_TEST_UNSET");
	c = parse_ok(RECEIVERS
		     "exporters:\n"
		     "  otlp/a:\n"
		     "    endpoint: ${env:GC_TEST_ENDPOINT}\n"
		     "    tls:\n"
		     "      insecure: ${env:GC_TEST_TRUE}\n"
		     "      server_name_override: ${env:GC_TEST_UNSET}\n"
		     "    headers:\n"
		     "      a: ${env:GC_TEST_UNSET:-fallback}\n"
		     "      b: ${env:GC_TEST_EMPTY:-fallback}\n"
		     "      c: ${env:GC_TEST_HOST:-fallback}\n"
		     "      d: \"pa$$word\"\n"
		     "      e: $${env:GC_TEST_HOST}\n"
		     "      f: http://${env:GC_TEST_HOST}:4317/${GC_TEST_HOST}\n"
		     "      g: cost$5\n"
		     "      h: \"${env:GC_TEST_HOST}\"\n"
		     "      i: ${env:GC_TEST_UNSET:-}\n"
		     "  debug:\n"
		     "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n"
		     "      exporters: [otlp/a, debug]\n");
	e = component(c, GC_KIND_EXPORTER, "otlp/a");
	assert_string_equal(OPT_STR(e, "endpoint"), "collector.example:4317");
	assert_true(OPT_BOOL(e, "tls.insecure"));
	assert_non_null(OPT_STR(e, "tls.server_name_override"));
	assert_string_equal(OPT_STR(e, "tls.server_name_override"), ""); /* unset: empty */
	h = OPT_MAP(e, "headers");
	assert_int_equal(h->n, 9);
	assert_string_equal(h->values[0], "fallback");
	assert_string_equal(h->values[1], "fallback"); /* set but empty takes the default */
	assert_string_equal(h->values[2], "h1");
	assert_string_equal(h->values[3], "pa$word");
	assert_string_equal(h->values[4], "${env:GC_TEST_HOST}");
	assert_string_equal(h->values[5], "http://h1:4317/h1");
	assert_string_equal(h->values[6], "cost$5");
	assert_string_equal(h->values[7], "h1"); /* quoted values expand too */
	assert_string_equal(h->values[8], "");
	gc_config_free(c);
}

static void test_env_errors(void **state)
{
	assert_config_error("exporters:\n  otlp:\n    endpoint: ${env:GC_TEST_HOST\n",
			    "test.yaml:3:15: unterminated '${' in '${env:GC_TEST_HOST'");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:${env:1PORT}\n",
			    "test.yaml:3:15: bad environment variable name '1PORT'");
	assert_config_error("exporters:\n  otlp:\n    endpoint: x:${env:A-B}\n",
			    "test.yaml:3:15: bad environment variable name 'A-B'");
	assert_config_error("exporters:\n  otlp:\n    endpoint: ${:-x}\n",
			    "test.yaml:3:15: bad environment reference '${:-x}'");
}

/* ---- defaults, aliases, values ---------------------------------------------- */

static void test_defaults_applied(void **state)
{
	struct gc_config *c = parse_ok(RECEIVERS
				       "processors:\n  batch:\n"
				       "exporters:\n  otlp:\n    endpoint: backend:4317\n  debug:\n"
				       "extensions:\n  health_check:\n" SERVICE);
	struct gc_component_config *r = component(c, GC_KIND_RECEIVER, "otlp");
	struct gc_component_config *e = component(c, GC_KIND_EXPORTER, "otlp");
	struct gc_component_config *d = component(c, GC_KIND_EXPORTER, "debug");
	struct gc_component_config *b = component(c, GC_KIND_PROCESSOR, "batch");
	struct gc_component_config *h = component(c, GC_KIND_EXTENSION, "health_check");
	const struct gc_exporter_settings *s = e->options;

	assert_string_equal(OPT_STR(r, "protocols.grpc.endpoint"), "0.0.0.0:4317");
	assert_int_equal(OPT_INT(r, "protocols.grpc.max_recv_msg_size_mib"), 16);
	assert_int_equal(OPT_INT(r, "protocols.grpc.max_concurrent_streams"), 100);
	assert_int_equal(OPT_INT(r, "protocols.http.max_connections"), 1024);
	assert_int_equal(OPT_INT(r, "protocols.http.max_connections_per_client"), 64);
	assert_int_equal(OPT_DUR(r, "protocols.http.read_timeout"), 30 * SEC);
	assert_int_equal(OPT_DUR(r, "protocols.http.idle_timeout"), 60 * SEC);
	assert_int_equal(OPT_INT(r, "protocols.grpc.num_threads"), 0);

	assert_int_equal(OPT_DUR(e, "timeout"), 5 * SEC);
	assert_int_equal(OPT_INT(e, "sending_queue.queue_size"), 1000);
	assert_int_equal(OPT_DUR(e, "retry_on_failure.initial_interval"), 5 * SEC);
	/* The same values through the shared settings struct the runtime reads. */
	assert_int_equal(s->timeout, 5 * SEC);
	assert_true(s->sending_queue.enabled);
	assert_int_equal(s->sending_queue.num_consumers, 10);
	assert_int_equal(s->sending_queue.queue_size, 1000);
	assert_true(s->retry_on_failure.enabled);
	assert_int_equal(s->retry_on_failure.initial_interval, 5 * SEC);
	assert_int_equal(s->retry_on_failure.max_interval, 30 * SEC);
	assert_int_equal(s->retry_on_failure.max_elapsed_time, 300 * SEC);
	assert_true(s->retry_on_failure.multiplier == 1.5);
	assert_true(s->retry_on_failure.randomization_factor == 0.5);
	assert_string_equal(OPT_STR(e, "endpoint"), "backend:4317");
	assert_string_equal(OPT_STR(e, "compression"), "gzip");
	assert_false(OPT_BOOL(e, "tls.insecure"));
	assert_null(OPT_STR(e, "tls.ca_file"));
	assert_int_equal(OPT_MAP(e, "headers")->n, 0);

	assert_string_equal(OPT_STR(d, "verbosity"), "basic");
	assert_int_equal(((const struct gc_exporter_settings *)d->options)->timeout, 5 * SEC);

	assert_int_equal(OPT_INT(b, "send_batch_size"), 8192);
	assert_int_equal(OPT_INT(b, "send_batch_max_size"), 0);
	assert_int_equal(OPT_DUR(b, "timeout"), 200 * MS);

	assert_string_equal(OPT_STR(h, "endpoint"), "0.0.0.0:13133");
	assert_string_equal(OPT_STR(h, "path"), "/");

	assert_int_equal(c->service.shutdown_timeout, 25 * SEC);
	assert_string_equal(c->service.telemetry.metrics.address, "0.0.0.0:8888");
	assert_string_equal(c->service.telemetry.metrics.level, "normal");
	assert_string_equal(c->service.telemetry.logs.level, "info");
	assert_int_equal(c->n_extensions, 0);
	gc_config_free(c);
}

static void test_values_and_pipelines(void **state)
{
	struct gc_config *c = parse_ok(
		"receivers:\n"
		"  otlp:\n"
		"    protocols:\n"
		"      grpc: { endpoint: \"127.0.0.1:0\", max_recv_msg_size_mib: 64, num_threads: 2 }\n"
		"processors:\n"
		"  batch: { timeout: 250ms, send_batch_size: 512, send_batch_max_size: 1024 }\n"
		"exporters:\n"
		"  otlp_grpc/jaeger:\n"
		"    endpoint: jaeger:4317\n"
		"    timeout: 1m30s\n"
		"    compression: none\n"
		"    tls: { insecure: true }\n"
		"    headers: { X-Scope-OrgID: team-a }\n"
		"    sending_queue: { enabled: false, num_consumers: 4, queue_size: 50 }\n"
		"    retry_on_failure:\n"
		"      enabled: false\n"
		"      initial_interval: 250ms\n"
		"      max_interval: 1h\n"
		"      max_elapsed_time: 0\n"
		"      multiplier: 2\n"
		"      randomization_factor: 0\n"
		"  otlp_grpc:\n"
		"    endpoint: other:4317\n"
		"  debug: { verbosity: detailed }\n"
		"extensions:\n"
		"  health_check: { endpoint: \"127.0.0.1:0\", path: /health }\n"
		"service:\n"
		"  extensions: [health_check]\n"
		"  shutdown_timeout: 2m\n"
		"  telemetry: { metrics: { address: \"\", level: none }, logs: { level: debug } }\n"
		"  pipelines:\n"
		"    traces:\n"
		"      receivers: [otlp]\n"
		"      processors: [batch]\n"
		"      exporters: [otlp_grpc/jaeger, debug]\n"
		"    traces/raw:\n"
		"      receivers: [otlp]\n"
		"      exporters: [otlp_grpc]\n"
		"    logs:\n"
		"      receivers: [otlp]\n"
		"      processors: []\n"
		"      exporters: [debug]\n");
	struct gc_component_config *r = component(c, GC_KIND_RECEIVER, "otlp");
	struct gc_component_config *j = component(c, GC_KIND_EXPORTER, "otlp_grpc/jaeger");
	struct gc_component_config *b = component(c, GC_KIND_PROCESSOR, "batch");
	const struct gc_exporter_settings *s = j->options;
	struct gc_pipeline_config *p;

	assert_string_equal(OPT_STR(r, "protocols.grpc.endpoint"), "127.0.0.1:0");
	assert_int_equal(OPT_INT(r, "protocols.grpc.max_recv_msg_size_mib"), 64);
	assert_int_equal(OPT_INT(r, "protocols.grpc.num_threads"), 2);
	assert_int_equal(OPT_DUR(b, "timeout"), 250 * MS);
	assert_int_equal(OPT_INT(b, "send_batch_size"), 512);
	assert_int_equal(OPT_INT(b, "send_batch_max_size"), 1024);

	/* otlp_grpc is otelcol's other name for the otlp exporter; ids stay as written. */
	assert_ptr_equal(j->type, gc_component_find(GC_KIND_EXPORTER, "otlp"));
	assert_string_equal(j->type->name, "otlp");
	assert_ptr_equal(component(c, GC_KIND_EXPORTER, "otlp_grpc")->type, j->type);
	assert_int_equal(s->timeout, 90 * SEC);
	assert_false(s->sending_queue.enabled);
	assert_int_equal(s->sending_queue.num_consumers, 4);
	assert_int_equal(s->sending_queue.queue_size, 50);
	assert_false(s->retry_on_failure.enabled);
	assert_int_equal(s->retry_on_failure.initial_interval, 250 * MS);
	assert_int_equal(s->retry_on_failure.max_interval, 3600 * SEC);
	assert_int_equal(s->retry_on_failure.max_elapsed_time, 0);
	assert_true(s->retry_on_failure.multiplier == 2.0);
	assert_true(s->retry_on_failure.randomization_factor == 0.0);
	assert_string_equal(OPT_STR(j, "compression"), "none");
	assert_true(OPT_BOOL(j, "tls.insecure"));
	assert_int_equal(OPT_MAP(j, "headers")->n, 1);
	assert_string_equal(OPT_MAP(j, "headers")->keys[0], "X-Scope-OrgID");
	assert_string_equal(OPT_MAP(j, "headers")->values[0], "team-a");
	assert_string_equal(OPT_STR(component(c, GC_KIND_EXPORTER, "debug"), "verbosity"),
			    "detailed");
	assert_string_equal(OPT_STR(component(c, GC_KIND_EXTENSION, "health_check"), "path"),
			    "/health");

	assert_int_equal(c->service.shutdown_timeout, 120 * SEC);
	assert_string_equal(c->service.telemetry.metrics.address, "");
	assert_string_equal(c->service.telemetry.metrics.level, "none");
	assert_string_equal(c->service.telemetry.logs.level, "debug");
	assert_int_equal(c->n_extensions, 1);
	assert_string_equal(c->extensions[0]->id, "health_check");

	assert_int_equal(c->n_pipelines, 3);
	p = &c->pipelines[0];
	assert_string_equal(p->id, "traces");
	assert_int_equal(p->signal, GC_SIGNAL_TRACES);
	assert_int_equal(p->n_receivers, 1);
	assert_ptr_equal(p->receivers[0], r);
	assert_int_equal(p->n_processors, 1);
	assert_ptr_equal(p->processors[0], b);
	assert_int_equal(p->n_exporters, 2);
	assert_ptr_equal(p->exporters[0], j);
	assert_string_equal(p->exporters[1]->id, "debug");
	p = &c->pipelines[1];
	assert_string_equal(p->id, "traces/raw");
	assert_int_equal(p->signal, GC_SIGNAL_TRACES);
	assert_int_equal(p->n_processors, 0);
	assert_string_equal(p->exporters[0]->id, "otlp_grpc");
	p = &c->pipelines[2];
	assert_string_equal(p->id, "logs");
	assert_int_equal(p->signal, GC_SIGNAL_LOGS);
	assert_int_equal(p->n_processors, 0);
	gc_config_free(c);
}

static void test_anchors_share_options(void **state)
{
	struct gc_config *c = parse_ok(RECEIVERS
				       "exporters:\n"
				       "  debug: &verbose\n"
				       "    verbosity: normal\n"
				       "  debug/2: *verbose\n" SERVICE);

	assert_string_equal(OPT_STR(component(c, GC_KIND_EXPORTER, "debug/2"), "verbosity"),
			    "normal");
	gc_config_free(c);
}

/* ---- shipped configs -------------------------------------------------------- */

static void test_default_config(void **state)
{
	struct gc_config *c = NULL;
	char *err = NULL;
	static const char *const ids[] = { "traces", "logs", "metrics" };

	unsetenv("GC_OTLP_GRPC_ENDPOINT");
	unsetenv("GC_HEALTH_ENDPOINT");
	unsetenv("GC_METRICS_ADDRESS");
	if (gc_config_load_default(&c, &err) != GC_OK)
		fail_msg("embedded default rejected: %s", err);
	assert_string_equal(c->file, "<embedded default.yaml>");
	assert_int_equal(c->n_pipelines, 3);
	for (int i = 0; i < 3; i++) {
		struct gc_pipeline_config *p = &c->pipelines[i];

		assert_string_equal(p->id, ids[i]);
		assert_int_equal(p->signal, (enum gc_signal)i);
		assert_int_equal(p->n_receivers, 1);
		assert_string_equal(p->receivers[0]->id, "otlp");
		/* Traces are normalized, priced, then scrubbed of personal data;
		 * logs are scrubbed; batching is the exporter's. */
		assert_int_equal(p->n_processors, i == 0 ? 3 : i == 1 ? 1 : 0);
		if (i == 0) {
			assert_string_equal(p->processors[0]->id, "genai_normalize");
			assert_string_equal(p->processors[1]->id, "genai_cost");
			assert_string_equal(p->processors[2]->id, "pii_redact");
		}
		if (i == 1)
			assert_string_equal(p->processors[0]->id, "pii_redact");
		assert_int_equal(p->n_exporters, 1);
		assert_string_equal(p->exporters[0]->id, "debug");
	}
	assert_string_equal(OPT_STR(component(c, GC_KIND_RECEIVER, "otlp"), "protocols.grpc.endpoint"),
			    "0.0.0.0:4317");
	for (size_t i = 0; i < c->n_components[GC_KIND_PROCESSOR]; i++)
		assert_string_not_equal(c->components[GC_KIND_PROCESSOR][i].id, "batch");
	assert_true(((const struct gc_exporter_settings *)component(c, GC_KIND_EXPORTER, "debug")
			     ->options)->sending_queue.batch_set);
	assert_int_equal(OPT_DUR(component(c, GC_KIND_EXPORTER, "debug"),
				 "sending_queue.batch.flush_timeout"), 1 * SEC);
	assert_int_equal(OPT_INT(component(c, GC_KIND_EXPORTER, "debug"),
				 "sending_queue.batch.min_size"), 8192);
	assert_int_equal(c->n_extensions, 1);
	assert_string_equal(OPT_STR(c->extensions[0], "endpoint"), "0.0.0.0:13133");
	assert_string_equal(c->service.telemetry.metrics.address, "0.0.0.0:8888");
	gc_config_free(c);

	/* The environment overrides the default endpoints. */
	setenv("GC_OTLP_GRPC_ENDPOINT", "127.0.0.1:0", 1);
	setenv("GC_METRICS_ADDRESS", "", 1); /* empty: the default applies */
	assert_int_equal(gc_config_load_default(&c, &err), GC_OK);
	assert_string_equal(OPT_STR(component(c, GC_KIND_RECEIVER, "otlp"), "protocols.grpc.endpoint"),
			    "127.0.0.1:0");
	assert_string_equal(c->service.telemetry.metrics.address, "0.0.0.0:8888");
	gc_config_free(c);
	unsetenv("GC_OTLP_GRPC_ENDPOINT");
	unsetenv("GC_METRICS_ADDRESS");
}

static struct gc_config *load_shipped(const char *name)
{
	char path[1024];
	struct gc_config *c = NULL;
	char *err = NULL;

	snprintf(path, sizeof(path), "%s/config/%s", GC_SOURCE_DIR, name);
	if (access(path, R_OK) != 0)
		return NULL;
	if (gc_config_load_file(path, &c, &err) != GC_OK)
		fail_msg("%s rejected: %s", name, err);
	assert_string_equal(c->file, path);
	return c;
}

static void test_jaeger_config(void **state)
{
	struct gc_config *c;
	struct gc_component_config *e;
	const struct gc_exporter_settings *s;

	unsetenv("JAEGER_ENDPOINT");
	c = load_shipped("jaeger.yaml");
	if (!c)
		skip();
	e = component(c, GC_KIND_EXPORTER, "otlp/jaeger");
	s = e->options;
	assert_string_equal(OPT_STR(e, "endpoint"), "jaeger-collector.observability:4317");
	assert_true(OPT_BOOL(e, "tls.insecure"));
	assert_true(s->retry_on_failure.enabled);
	assert_int_equal(c->n_pipelines, 1);
	assert_ptr_equal(c->pipelines[0].exporters[0], e);
	gc_config_free(c);

	setenv("JAEGER_ENDPOINT", "localhost:14317", 1);
	c = load_shipped("jaeger.yaml");
	assert_string_equal(OPT_STR(component(c, GC_KIND_EXPORTER, "otlp/jaeger"), "endpoint"),
			    "localhost:14317");
	gc_config_free(c);
	unsetenv("JAEGER_ENDPOINT");
}

static void test_tempo_config(void **state)
{
	struct gc_config *c;
	struct gc_component_config *e;
	struct gc_strmap *h;

	unsetenv("TEMPO_ENDPOINT");
	unsetenv("TEMPO_INSECURE");
	setenv("TEMPO_TENANT", "team-b", 1);
	c = load_shipped("tempo.yaml");
	if (!c)
		skip();
	e = component(c, GC_KIND_EXPORTER, "otlp/tempo");
	assert_string_equal(OPT_STR(e, "endpoint"), "tempo-distributor.observability:4317");
	assert_true(OPT_BOOL(e, "tls.insecure"));
	h = OPT_MAP(e, "headers");
	assert_int_equal(h->n, 1);
	assert_string_equal(h->keys[0], "X-Scope-OrgID");
	assert_string_equal(h->values[0], "team-b");
	assert_int_equal(c->n_pipelines, 1);
	gc_config_free(c);
	unsetenv("TEMPO_TENANT");
}

static void test_load_file_missing(void **state)
{
	struct gc_config *c = (struct gc_config *)1;
	char *err = NULL;

	assert_int_equal(gc_config_load_file("/nonexistent/gc.yaml", &c, &err), GC_ERROR);
	assert_null(c);
	assert_string_equal(err, "/nonexistent/gc.yaml: cannot open config: No such file or "
				 "directory");
	free(err);
}

/* gc_read_file (src/config.c) loops on fread until it returns 0 and never
 * checks ferror: a directory opens fine and reads as an empty file, so
 * `--config /etc/genai-collector/` reports "<dir>:1:1: the config must be a map
 * with receivers, exporters and service sections" instead of the read error.
 * Fails until the read error (EISDIR) is reported. */
static void test_load_file_directory_reports_read_error(void **state)
{
	struct gc_config *c = (struct gc_config *)1;
	char *err = NULL, copy[512];

	assert_int_equal(gc_config_load_file(GC_SOURCE_DIR "/config", &c, &err), GC_ERROR);
	assert_null(c);
	snprintf(copy, sizeof(copy), "%s", err);
	free(err);
	if (!strstr(copy, "Is a directory"))
		fail_msg("reading a directory: %s", copy);
}

static void test_load_file_names_file_in_errors(void **state)
{
	char path[] = "/tmp/gc_test_config_XXXXXX";
	int fd = mkstemp(path);
	static const char text[] = "exporters:\n  debug:\n    verbosity: loud\n";
	struct gc_config *c = NULL;
	char *err = NULL, want[256];

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	close(fd);
	assert_int_equal(gc_config_load_file(path, &c, &err), GC_ERROR);
	unlink(path);
	snprintf(want, sizeof(want),
		 "%s:3:16: debug: 'verbosity' must be one of: basic, normal, detailed (got 'loud')",
		 path);
	assert_string_equal(err, want);
	free(err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_yaml_syntax_errors),
		cmocka_unit_test(test_nesting_limit),
		cmocka_unit_test(test_duplicate_key),
		cmocka_unit_test(test_unknown_top_level_key),
		cmocka_unit_test(test_unknown_component_type),
		cmocka_unit_test(test_bad_component_id),
		cmocka_unit_test(test_section_given_a_scalar),
		cmocka_unit_test(test_unknown_option_key),
		cmocka_unit_test(test_wrong_value_types),
		cmocka_unit_test(test_out_of_bounds),
		cmocka_unit_test(test_bad_choice),
		cmocka_unit_test(test_bad_choice_lists_compressions),
		cmocka_unit_test(test_pipeline_undefined_components),
		cmocka_unit_test(test_pipeline_without_receivers_or_exporters),
		cmocka_unit_test(test_bad_pipeline_id),
		cmocka_unit_test(test_unknown_pipeline_key),
		cmocka_unit_test(test_list_given_a_scalar),
		cmocka_unit_test(test_service_errors),
		cmocka_unit_test(test_otlp_exporter_needs_endpoint),
		cmocka_unit_test(test_otlp_exporters_share_tls_options),
		cmocka_unit_test(test_otlp_receiver_needs_protocols),
		cmocka_unit_test(test_batch_max_below_size),
		cmocka_unit_test(test_env_expansion),
		cmocka_unit_test(test_env_errors),
		cmocka_unit_test(test_defaults_applied),
		cmocka_unit_test(test_values_and_pipelines),
		cmocka_unit_test(test_anchors_share_options),
		cmocka_unit_test(test_default_config),
		cmocka_unit_test(test_jaeger_config),
		cmocka_unit_test(test_tempo_config),
		cmocka_unit_test(test_load_file_missing),
		cmocka_unit_test(test_load_file_directory_reports_read_error),
		cmocka_unit_test(test_load_file_names_file_in_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
