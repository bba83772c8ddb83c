/* Starting libmicrohttpd daemons on an otelcol-style "host:port" endpoint. */
#ifndef GC_HTTP_SERVER_H
#define GC_HTTP_SERVER_H

#include <microhttpd.h>
#include <sys/socket.h>

/* Resolves "host:port", "[v6]:port" or ":port" (all interfaces) for binding. */
int gc_resolve_endpoint(const char *endpoint, struct sockaddr_storage *ss, socklen_t *len,
			char **err);

/* How a daemon serves; NULL options mean one polling thread, a 30 s
 * connection timeout and no completion callback. */
struct gc_http_options {
	unsigned threads;		      /* > 1: a pool of polling threads */
	unsigned timeout_s;		      /* idle connection timeout */
	MHD_RequestCompletedCallback completed; /* per-request cleanup, or NULL */
	void *completed_arg;
	const char *purpose;		      /* named in the error, e.g. "OTLP/HTTP" */
};

/* Starts a daemon on endpoint. *port gets the bound port. Returns NULL with
 * *err when the address is bad or busy. */
struct MHD_Daemon *gc_http_listen(const char *endpoint, MHD_AccessHandlerCallback handler,
				  void *arg, const struct gc_http_options *options, int *port,
				  char **err);

/* Queues a response with a body copied from text. */
enum MHD_Result gc_http_reply(struct MHD_Connection *conn, unsigned status,
			      const char *content_type, const char *body, size_t len);

#endif
