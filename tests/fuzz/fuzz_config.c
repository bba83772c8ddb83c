/* libFuzzer target: gc_config_parse on arbitrary bytes. Besides the
 * sanitizers, it checks the contract every caller relies on: GC_OK comes with a
 * config and no message; GC_ERROR comes with no config and a message that
 * starts with the file name ("fuzz.yaml:line:col: ..."). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gc_config *config = NULL;
	char *err = NULL;
	int rc = gc_config_parse((const char *)data, size, "fuzz.yaml", &config, &err);

	if (rc == GC_OK) {
		if (!config || err)
			abort();
		if (!config->n_pipelines)
			abort(); /* a valid config has at least one pipeline */
		for (size_t i = 0; i < config->n_pipelines; i++)
			if (!config->pipelines[i].n_receivers || !config->pipelines[i].n_exporters)
				abort();
	} else {
		if (rc != GC_ERROR || config || !err)
			abort();
		if (strncmp(err, "fuzz.yaml:", 10) != 0) {
			fprintf(stderr, "error without a position: %s\n", err);
			abort();
		}
	}
	gc_config_free(config);
	free(err);
	return 0;
}
