/* Exporter otlp: OTLP over gRPC on the gRPC C core client, for Jaeger
 * (OTLP on 4317) and Tempo (distributor 4317, X-Scope-OrgID for tenants). */
#include <ctype.h>
#include <errno.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/support/alloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exporter.h"
#include "request.h"
#include "grpc_args.h"
#include "log.h"
#include "otlp_response.h"
#include "tls_options.h"

struct otlp_exporter_config {
	struct gc_exporter_settings settings; /* first: the exporter runtime reads it */
	char *endpoint;
	struct gc_tls_settings tls;
	struct gc_strmap headers;
	char *compression;
};

struct otlp_exporter {
	char *id;
	const struct otlp_exporter_config *config;
	grpc_channel *channel;
	grpc_slice methods[GC_SIGNAL_COUNT];
	size_t n_metadata;
	grpc_metadata *metadata;
};

static const struct gc_option otlp_options[] = {
	GC_EXPORTER_SETTINGS_OPTIONS("5s"),
	{ "endpoint", GC_OPT_STRING, offsetof(struct otlp_exporter_config, endpoint),
	  .help = "host:port of the OTLP/gRPC server (http:// means insecure, https:// TLS)" },
	GC_TLS_OPTION(struct otlp_exporter_config, tls),
	{ "headers", GC_OPT_STRMAP, offsetof(struct otlp_exporter_config, headers),
	  .help = "gRPC metadata sent with every call, e.g. X-Scope-OrgID" },
	{ "compression", GC_OPT_STRING, offsetof(struct otlp_exporter_config, compression), "gzip",
	  .choices = (const char *const[]){ "gzip", "none", NULL } },
	{ 0 },
};

static const char *const method_paths[GC_SIGNAL_COUNT] = {
	"/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	"/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	"/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
};

static int otlp_validate(const void *config, const struct gc_node *node, const char *id,
			 char **err)
{
	const struct otlp_exporter_config *c = config;

	if (!c->endpoint || !*c->endpoint)
		return gc_node_error(err, node, "%s: 'endpoint' is required (host:port)", id);
	if (gc_tls_validate(&c->tls, node, id, err))
		return GC_ERROR;
	for (size_t i = 0; i < c->headers.n; i++) {
		for (const char *p = c->headers.keys[i]; *p; p++)
			if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.'))
				return gc_node_error(err, gc_node_get(node, "headers"),
						     "%s: header name '%s' has characters gRPC "
						     "metadata does not allow", id, c->headers.keys[i]);
	}
	return GC_OK;
}

/* Reads a whole PEM file; NULL with *err on failure. */
static char *read_pem(const char *path, const char *id, char **err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (!f) {
		gc_set_err(err, "%s: cannot read %s: %s", id, path, strerror(errno));
		return NULL;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
	if (!buf) {
		fclose(f);
		gc_set_err(err, len < 0 ? "%s: cannot read %s" : "%s: out of memory reading %s", id,
			   path);
		return NULL;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		free(buf);
		gc_set_err(err, "%s: cannot read %s", id, path);
		return NULL;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Credentials that check nothing of the server (tls.insecure_skip_verify):
 * only the gRPC core's TLS API can turn verification off. ca may be NULL;
 * cert and key come together or not at all. NULL when gRPC refused. */
static grpc_channel_credentials *unverified_credentials(const char *ca, const char *cert,
							const char *key)
{
	grpc_tls_credentials_options *opts = grpc_tls_credentials_options_create();
	grpc_tls_certificate_verifier *verifier = grpc_tls_certificate_verifier_no_op_create();
	grpc_tls_certificate_provider *provider = NULL;
	grpc_tls_identity_pairs *pairs = NULL;
	grpc_channel_credentials *creds;

	if (cert) {
		pairs = grpc_tls_identity_pairs_create();
		grpc_tls_identity_pairs_add_pair(pairs, key, cert);
	}
	if (ca || pairs) {
		provider = grpc_tls_certificate_provider_static_data_create(ca, pairs); /* takes pairs */
		grpc_tls_credentials_options_set_certificate_provider(opts, provider);
		if (ca)
			grpc_tls_credentials_options_watch_root_certs(opts);
		if (pairs)
			grpc_tls_credentials_options_watch_identity_key_cert_pairs(opts);
	}
	grpc_tls_credentials_options_set_verify_server_cert(opts, 0);
	grpc_tls_credentials_options_set_certificate_verifier(opts, verifier);
	grpc_tls_credentials_options_set_check_call_host(opts, 0);
	creds = grpc_tls_credentials_create(opts); /* takes opts */
	grpc_tls_certificate_verifier_release(verifier);
	if (provider)
		grpc_tls_certificate_provider_release(provider);
	return creds;
}

static grpc_channel_credentials *make_credentials(const struct gc_tls_settings *tls,
						  bool insecure, const char *id, char **err)
{
	char *ca = NULL, *cert = NULL, *key = NULL;
	grpc_ssl_pem_key_cert_pair pair;
	grpc_channel_credentials *creds = NULL;

	if (insecure)
		return grpc_insecure_credentials_create();
	if (tls->ca_file && !(ca = read_pem(tls->ca_file, id, err)))
		goto out;
	if (tls->cert_file) {
		if (!(cert = read_pem(tls->cert_file, id, err)) ||
		    !(key = read_pem(tls->key_file, id, err)))
			goto out;
		pair.cert_chain = cert;
		pair.private_key = key;
	}
	if (tls->insecure_skip_verify)
		creds = unverified_credentials(ca, cert, key);
	else
		creds = grpc_ssl_credentials_create(ca, cert ? &pair : NULL, NULL, NULL);
	if (!creds)
		gc_set_err(err, "%s: cannot set up TLS credentials", id);
out:
	free(ca);
	free(cert);
	free(key);
	return creds;
}

static void otlp_destroy(void *self);

static void *otlp_create(const char *id, const void *config, char **err)
{
	const struct otlp_exporter_config *c = config;
	struct otlp_exporter *e = calloc(1, sizeof(*e));
	const char *target = c->endpoint;
	bool insecure = c->tls.insecure;
	grpc_channel_credentials *creds;
	grpc_arg args[3];
	grpc_channel_args chargs = { 0, args };

	if (!e || !(e->id = strdup(id))) {
		free(e);
		gc_set_err(err, "%s: out of memory", id);
		return NULL;
	}
	e->config = c;
	if (!strncmp(target, "http://", 7)) {
		target += 7;
		insecure = true;
	} else if (!strncmp(target, "https://", 8)) {
		target += 8;
		insecure = false;
	}
	creds = make_credentials(&c->tls, insecure, id, err);
	if (!creds) {
		free(e->id);
		free(e);
		return NULL;
	}
	if (!strcmp(c->compression, "gzip"))
		args[chargs.num_args++] = gc_grpc_int_arg(
			GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM, GRPC_COMPRESS_GZIP);
	args[chargs.num_args++] = gc_grpc_int_arg(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH,
								  -1);
	if (gc_tls_server_name(&c->tls) && !insecure)
		args[chargs.num_args++] = gc_grpc_string_arg(GRPC_SSL_TARGET_NAME_OVERRIDE_ARG,
							     gc_tls_server_name(&c->tls));
	e->channel = grpc_channel_create(target, creds, &chargs);
	grpc_channel_credentials_release(creds);
	for (int s = 0; s < GC_SIGNAL_COUNT; s++)
		e->methods[s] = grpc_slice_from_static_string(method_paths[s]);
	e->metadata = calloc(c->headers.n + 1, sizeof(*e->metadata));
	if (!e->metadata)
		goto out_of_memory;
	for (size_t i = 0; i < c->headers.n; i++) {
		/* gRPC metadata keys are lowercase on the wire. */
		char *lower = strdup(c->headers.keys[i]);

		if (!lower)
			goto out_of_memory;
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		e->metadata[i].key = grpc_slice_from_copied_string(lower);
		e->metadata[i].value = grpc_slice_from_copied_string(c->headers.values[i]);
		e->n_metadata = i + 1;
		free(lower);
	}
	gc_info(id, "exporting OTLP/gRPC to %s (%s%s)", target, insecure ? "insecure" : "TLS",
		strcmp(c->compression, "gzip") ? "" : ", gzip");
	return e;
out_of_memory:
	gc_set_err(err, "%s: out of memory", id);
	otlp_destroy(e);
	return NULL;
}

static bool retryable(grpc_status_code st)
{
	switch (st) {
	case GRPC_STATUS_UNAVAILABLE:
	case GRPC_STATUS_RESOURCE_EXHAUSTED:
	case GRPC_STATUS_DEADLINE_EXCEEDED:
	case GRPC_STATUS_ABORTED:
	case GRPC_STATUS_CANCELLED:
	case GRPC_STATUS_OUT_OF_RANGE:
	case GRPC_STATUS_DATA_LOSS:
		return true;
	default:
		return false;
	}
}

static const char *status_name(grpc_status_code st)
{
	static const char *const names[] = {
		"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED",
		"NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED",
		"FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL",
		"UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED",
	};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "UNKNOWN";
}

/* Reads partial_success from an Export*ServiceResponse in bb. */
static void read_partial_success(enum gc_signal signal, grpc_byte_buffer *bb,
				 struct gc_send_result *res)
{
	grpc_byte_buffer_reader reader;
	grpc_slice slice;

	if (!bb || !grpc_byte_buffer_reader_init(&reader, bb))
		return;
	slice = grpc_byte_buffer_reader_readall(&reader);
	grpc_byte_buffer_reader_destroy(&reader);
	gc_read_partial_success(signal, GRPC_SLICE_START_PTR(slice), GRPC_SLICE_LENGTH(slice), res);
	grpc_slice_unref(slice);
}

/* Called on one of gRPC's threads once the send is done with the bytes. */
static void release_request(void *req)
{
	GC_TAKEN_OVER(req);
	gc_request_unref(req);
}

/* The encoded request as a slice over its bytes, no copy: gRPC holds a
 * reference until it is done with them, possibly after the call returned, on
 * another thread. */
static grpc_slice request_slice(struct gc_request *req)
{
	gc_request_ref(req);
	GC_HANDED_OVER(req);
	return grpc_slice_new_with_user_data(req->data, req->len, release_request, req);
}

static int otlp_send(void *self, struct gc_request *req, struct gc_send_result *res, char **err)
{
	struct otlp_exporter *e = self;
	grpc_slice payload = request_slice(req);
	grpc_byte_buffer *request, *response = NULL;
	grpc_completion_queue *cq = grpc_completion_queue_create_for_pluck(NULL);
	grpc_metadata_array initial_md, trailing_md;
	grpc_status_code status = GRPC_STATUS_UNKNOWN;
	grpc_slice details = grpc_empty_slice();
	gpr_timespec deadline = gpr_time_add(
		gpr_now(GPR_CLOCK_MONOTONIC),
		gpr_time_from_nanos(e->config->settings.timeout, GPR_TIMESPAN));
	grpc_call *call;
	grpc_op ops[6];
	grpc_event ev;
	int rc;

	request = grpc_raw_byte_buffer_create(&payload, 1);
	grpc_slice_unref(payload);
	grpc_metadata_array_init(&initial_md);
	grpc_metadata_array_init(&trailing_md);
	call = grpc_channel_create_call(e->channel, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
					e->methods[req->signal], NULL, deadline, NULL);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = e->n_metadata;
	ops[0].data.send_initial_metadata.metadata = e->metadata;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = request;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	/* Without RECV_INITIAL_METADATA the status only arrives at the deadline. */
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &initial_md;
	ops[4].op = GRPC_OP_RECV_MESSAGE;
	ops[4].data.recv_message.recv_message = &response;
	ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[5].data.recv_status_on_client.trailing_metadata = &trailing_md;
	ops[5].data.recv_status_on_client.status = &status;
	ops[5].data.recv_status_on_client.status_details = &details;
	if (grpc_call_start_batch(call, ops, 6, ops, NULL) != GRPC_CALL_OK) {
		rc = gc_set_err(err, "cannot start the gRPC call");
		goto out;
	}
	ev = grpc_completion_queue_pluck(cq, ops, gpr_inf_future(GPR_CLOCK_REALTIME), NULL);
	if (ev.type != GRPC_OP_COMPLETE) {
		rc = GC_RETRY;
		gc_set_err(err, "gRPC call did not complete");
		goto out;
	}
	if (status == GRPC_STATUS_OK) {
		read_partial_success(req->signal, response, res);
		rc = GC_OK;
	} else {
		gc_set_err(err, "%s: %.*s", status_name(status), (int)GRPC_SLICE_LENGTH(details),
			   (const char *)GRPC_SLICE_START_PTR(details));
		rc = retryable(status) ? GC_RETRY : GC_ERROR;
	}
out:
	grpc_call_unref(call);
	grpc_completion_queue_shutdown(cq);
	grpc_completion_queue_destroy(cq);
	grpc_byte_buffer_destroy(request);
	if (response)
		grpc_byte_buffer_destroy(response);
	grpc_slice_unref(details);
	grpc_metadata_array_destroy(&initial_md);
	grpc_metadata_array_destroy(&trailing_md);
	return rc;
}

static void otlp_destroy(void *self)
{
	struct otlp_exporter *e = self;

	if (!e)
		return;
	for (size_t i = 0; i < e->n_metadata; i++) {
		grpc_slice_unref(e->metadata[i].key);
		grpc_slice_unref(e->metadata[i].value);
	}
	free(e->metadata);
	if (e->channel)
		grpc_channel_destroy(e->channel);
	free(e->id);
	free(e);
}

static const struct gc_exporter_ops otlp_ops = {
	.create = otlp_create,
	.send = otlp_send,
	.destroy = otlp_destroy,
};

const struct gc_component_type gc_exporter_otlp = {
	.name = "otlp",
	.alias = "otlp_grpc",
	.kind = GC_KIND_EXPORTER,
	.signals = GC_SIGNAL_BIT(GC_SIGNAL_TRACES) | GC_SIGNAL_BIT(GC_SIGNAL_LOGS) |
		   GC_SIGNAL_BIT(GC_SIGNAL_METRICS),
	.help = "OTLP/gRPC exporter (Jaeger, Tempo, any OTLP backend)",
	.config_size = sizeof(struct otlp_exporter_config),
	.options = otlp_options,
	.validate = otlp_validate,
	.exporter = &otlp_ops,
};
