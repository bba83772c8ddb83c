/* genai-collector: CLI, signal handling and config reload. */
#include <curl/curl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "http_server.h"
#include "json_bounded.h"
#include "log.h"
#include "service.h"
#include "timer.h"

static void usage(FILE *out)
{
	fputs("usage: genai-collector [--config FILE]         run (default: the embedded config)\n"
	      "       genai-collector validate --config FILE   check a config, exit 0 or 1\n"
	      "       genai-collector components               list component types and options\n"
	      "       genai-collector version\n",
	      out);
}

/* The message of a failure: *err, or, when even formatting it ran out of
 * memory (gc_set_err leaves NULL then), that. */
static const char *failure(const char *err)
{
	return err ? err : "out of memory";
}

static int load(const char *path, struct gc_config **out, char **err)
{
	return path ? gc_config_load_file(path, out, err) : gc_config_load_default(out, err);
}

static void apply_log_level(const struct gc_config *c)
{
	int level = gc_log_parse_level(c->service.telemetry.logs.level);

	if (level >= 0)
		gc_log_set_level((enum gc_log_level)level);
}

static int cmd_validate(const char *path)
{
	struct gc_config *c = NULL;
	char *err = NULL;

	if (load(path, &c, &err)) {
		fprintf(stderr, "%s\n", failure(err));
		free(err);
		return 1;
	}
	printf("%s: valid (%zu pipelines)\n", path ? path : "embedded default", c->n_pipelines);
	gc_config_free(c);
	return 0;
}

static int cmd_components(void)
{
	for (int k = 0; k < GC_KIND_COUNT; k++) {
		printf("%s:\n", gc_kind_section(k));
		for (const struct gc_component_type *const *t = gc_component_types; *t; t++) {
			if ((int)(*t)->kind != k)
				continue;
			printf("  %s%s%s%s  %s\n", (*t)->name, (*t)->alias ? " (alias " : "",
			       (*t)->alias ? (*t)->alias : "", (*t)->alias ? ")" : "", (*t)->help);
			if (k != GC_KIND_EXTENSION) {
				printf("    signals:");
				for (int s = 0; s < GC_SIGNAL_COUNT; s++)
					if ((*t)->signals & GC_SIGNAL_BIT(s))
						printf(" %s", gc_signal_name(s));
				printf("\n");
			}
			gc_options_print(stdout, (*t)->options, 4);
		}
	}
	return 0;
}

/* The text a config came from, so a reload that fails to start can restore
 * the previous config even though its file has changed. */
struct source {
	const char *path; /* NULL: embedded default */
	char *text;
	size_t len;
};

static int read_source(struct source *src, const char *path, char **err)
{
	extern const char gc_default_config[];
	extern const size_t gc_default_config_len;

	src->path = path;
	if (!path) {
		src->text = strdup(gc_default_config);
		src->len = gc_default_config_len;
		return src->text ? GC_OK : gc_set_err(err, "out of memory");
	}
	src->text = gc_read_file(path, &src->len, err);
	return src->text ? GC_OK : GC_ERROR;
}

static int parse_source(const struct source *src, struct gc_config **out, char **err)
{
	return gc_config_parse(src->text, src->len, src->path ? src->path : "<embedded default.yaml>",
			       out, err);
}

/* SIGHUP: a new config replaces the running one only once it parses and
 * validates; if it then fails to start (a port taken, say), the previous one
 * is started again. Returns the running service, or NULL when neither starts. */
static struct gc_service *reload(struct source *running, struct gc_service *svc)
{
	struct source next = { 0 };
	struct gc_config *config = NULL;
	char *err = NULL;

	if (read_source(&next, running->path, &err) || parse_source(&next, &config, &err)) {
		gc_error("service", "reload failed, keeping the running config: %s", failure(err));
		free(err);
		free(next.text);
		return svc;
	}
	gc_info("service", "reloading config");
	apply_log_level(config);
	if (gc_service_reload(svc, config, &svc, &err) == GC_OK) {
		free(running->text);
		*running = next;
		gc_info("service", "reloaded config");
		return svc;
	}
	gc_error("service", "reload failed, restoring the previous config: %s", failure(err));
	free(err);
	err = NULL;
	gc_config_free(config);
	free(next.text);
	if (parse_source(running, &config, &err) || gc_service_start(config, &svc, &err)) {
		gc_error("service", "cannot restore the previous config: %s", failure(err));
		free(err);
		gc_config_free(config);
		return NULL;
	}
	apply_log_level(config);
	return svc;
}

/* glibc's defaults give freed memory back eagerly: every request's buffers
 * (ours and gRPC's, 60-250 KB each) were trimmed with madvise and faulted back
 * in, about half the CPU of a passthrough. These keep up to 8 MiB free per heap
 * and serve allocations up to 1 MiB from the heap, with at most 4 heaps.
 * Measured with bench/run.sh: ~9 -> ~5 us of CPU per span (metadata spans),
 * ~18 -> ~8 (2 KB content), peak RSS ~32 -> ~50 MiB and ~45 -> ~79 MiB. */
static void tune_allocator(void)
{
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_ARENA_MAX, 4);
}

static int cmd_run(const char *path)
{
	struct source src = { 0 };
	struct gc_config *config = NULL;
	struct gc_service *svc = NULL;
	sigset_t set;
	char *err = NULL;
	int sig;

	tune_allocator();
	/* Not thread-safe: before any thread exists. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	gc_json_init();
	gc_http_raise_fd_limit(); /* connection limits, not descriptors, decide */
	if (read_source(&src, path, &err) || parse_source(&src, &config, &err)) {
		fprintf(stderr, "%s\n", failure(err));
		free(err);
		free(src.text);
		return 1;
	}
	apply_log_level(config);
	/* Blocked before any thread starts: every thread inherits the mask, so
	 * only the sigwait below sees these signals. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	gc_info("service", "starting genai-collector %s with %s", GC_VERSION,
		path ? path : "the embedded default config");
	if (gc_service_start(config, &svc, &err)) {
		gc_error("service", "cannot start: %s", failure(err));
		free(err);
		gc_config_free(config);
		free(src.text);
		return 1;
	}
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig == SIGHUP) {
			svc = reload(&src, svc);
			if (!svc) {
				free(src.text);
				return 1;
			}
			continue;
		}
		gc_info("service", "received %s, draining", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		break;
	}
	gc_service_shutdown(svc);
	gc_timers_shutdown();
	free(src.text);
	gc_arena_trim_cache();
	curl_global_cleanup();
	gc_info("service", "stopped");
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = "run", *config = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config") && i + 1 < argc) {
			config = argv[++i];
		} else if (!strncmp(argv[i], "--config=", 9)) {
			config = argv[i] + 9;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (i == 1 && argv[i][0] != '-') {
			cmd = argv[i];
		} else {
			fprintf(stderr, "genai-collector: unexpected argument '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (!strcmp(cmd, "run"))
		return cmd_run(config);
	if (!strcmp(cmd, "validate"))
		return cmd_validate(config);
	if (!strcmp(cmd, "components"))
		return cmd_components();
	if (!strcmp(cmd, "version")) {
		printf("genai-collector %s\n", GC_VERSION);
		return 0;
	}
	fprintf(stderr, "genai-collector: unknown command '%s'\n", cmd);
	usage(stderr);
	return 2;
}
