/* The one static table of component types. */
#include <string.h>

#include "component.h"

extern const struct gc_component_type gc_receiver_otlp;
extern const struct gc_component_type gc_processor_batch;
extern const struct gc_component_type gc_processor_genai_cost;
extern const struct gc_component_type gc_processor_genai_normalize;
extern const struct gc_component_type gc_processor_pii_redact;
extern const struct gc_component_type gc_exporter_otlp;
extern const struct gc_component_type gc_exporter_otlp_http;
extern const struct gc_component_type gc_exporter_debug;
extern const struct gc_component_type gc_extension_health_check;

const struct gc_component_type *const gc_component_types[] = {
	&gc_receiver_otlp,
	&gc_processor_batch,
	&gc_processor_genai_normalize,
	&gc_processor_genai_cost,
	&gc_processor_pii_redact,
	&gc_exporter_otlp,
	&gc_exporter_otlp_http,
	&gc_exporter_debug,
	&gc_extension_health_check,
	NULL,
};

const struct gc_component_type *gc_component_find(enum gc_kind kind, const char *name)
{
	for (const struct gc_component_type *const *t = gc_component_types; *t; t++)
		if ((*t)->kind == kind &&
		    (!strcmp((*t)->name, name) || ((*t)->alias && !strcmp((*t)->alias, name))))
			return *t;
	return NULL;
}

const char *gc_kind_name(enum gc_kind kind)
{
	static const char *const names[] = { "receiver", "processor", "exporter", "extension" };

	return names[kind];
}

const char *gc_kind_section(enum gc_kind kind)
{
	static const char *const names[] = { "receivers", "processors", "exporters", "extensions" };

	return names[kind];
}
