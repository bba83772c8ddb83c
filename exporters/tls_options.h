/* The `tls` section of the OTLP exporters: one option table and one struct for
 * the gRPC exporter (otlp) and the HTTP one (otlp_http), so the same keys mean
 * the same thing in both. Each exporter turns it into its own client's
 * settings: gRPC channel credentials, or libcurl options. */
#ifndef GC_TLS_OPTIONS_H
#define GC_TLS_OPTIONS_H

#include <stdbool.h>

#include "options.h"
#include "yaml_tree.h"

struct gc_tls_settings {
	bool insecure;		   /* gRPC: plaintext h2c; HTTP: the URL scheme decides */
	bool insecure_skip_verify; /* no check of the server's chain or name */
	char *ca_file, *cert_file, *key_file;
	char *server_name_override; /* name verified instead of the endpoint's host */
};

extern const struct gc_option gc_tls_options[];

/* The `tls` row of an exporter's option table, for a struct gc_tls_settings
 * field of its config struct. */
#define GC_TLS_OPTION(config_type, field)                                               \
	{ "tls", GC_OPT_SECTION, offsetof(config_type, field), .sub = gc_tls_options,      \
	  .present = GC_OPT_NO_PRESENT, .help = "client TLS, the same keys for otlp and otlp_http" }

/* Checks between the options: cert_file and key_file come together. node is
 * the exporter's config node (may be NULL); errors point at its tls section
 * when there is one. GC_OK, or GC_ERROR with *err ("file:line:col: id: ..."). */
int gc_tls_validate(const struct gc_tls_settings *tls, const struct gc_node *node, const char *id,
		    char **err);

/* The name to verify instead of the endpoint's host, or NULL when none is
 * set (an unset ${env:...} leaves it empty). */
const char *gc_tls_server_name(const struct gc_tls_settings *tls);

#endif
