/* The OTLP exporters' shared `tls` section (tls_options.h). */
#include "tls_options.h"

#include <stddef.h>

#include "common.h"

const struct gc_option gc_tls_options[] = {
	{ "insecure", GC_OPT_BOOL, offsetof(struct gc_tls_settings, insecure), "false",
	  .help = "otlp: plaintext HTTP/2 (h2c) instead of TLS (an http:// or https:// endpoint "
		  "decides over it); otlp_http: accepted for otelcol configs, the URL scheme "
		  "decides (http:// is plaintext)" },
	{ "insecure_skip_verify", GC_OPT_BOOL,
	  offsetof(struct gc_tls_settings, insecure_skip_verify), "false",
	  .help = "do not verify the server certificate, its chain or its name (testing only; "
		  "otlp and otlp_http)" },
	{ "ca_file", GC_OPT_STRING, offsetof(struct gc_tls_settings, ca_file),
	  .help = "PEM CA bundle to verify the server (default: system roots)" },
	{ "cert_file", GC_OPT_STRING, offsetof(struct gc_tls_settings, cert_file),
	  .help = "PEM client certificate for mutual TLS" },
	{ "key_file", GC_OPT_STRING, offsetof(struct gc_tls_settings, key_file),
	  .help = "PEM client key for mutual TLS" },
	{ "server_name_override", GC_OPT_STRING,
	  offsetof(struct gc_tls_settings, server_name_override),
	  .help = "name to verify in the server certificate, sent as SNI and as the authority "
		  "(Host) instead of the endpoint's host (otlp and otlp_http)" },
	{ 0 },
};

int gc_tls_validate(const struct gc_tls_settings *tls, const struct gc_node *node, const char *id,
		    char **err)
{
	const struct gc_node *at = gc_node_get(node, "tls");

	if (!!tls->cert_file != !!tls->key_file)
		return gc_node_error(err, at ? at : node,
				     "%s: tls.cert_file and tls.key_file go together", id);
	return GC_OK;
}

const char *gc_tls_server_name(const struct gc_tls_settings *tls)
{
	return tls->server_name_override && *tls->server_name_override
		       ? tls->server_name_override
		       : NULL;
}
