/* Starting libmicrohttpd daemons on an otelcol-style "host:port" endpoint,
 * with connection limits and a read deadline that hostile clients cannot
 * stretch. */
#ifndef GC_HTTP_SERVER_H
#define GC_HTTP_SERVER_H

#include <microhttpd.h>
#include <stdint.h>
#include <sys/socket.h>

/* Resolves "host:port", "[v6]:port" or ":port" (all interfaces) for binding. */
int gc_resolve_endpoint(const char *endpoint, struct sockaddr_storage *ss, socklen_t *len,
			char **err);

/* Defaults of the limits below, used for a zero field or NULL options: sized
 * for the small servers (health, /metrics) that probes and scrapers use. */
#define GC_HTTP_DEFAULT_MAX_CONNECTIONS 256
#define GC_HTTP_DEFAULT_MAX_PER_CLIENT 16
#define GC_HTTP_DEFAULT_READ_TIMEOUT_NS 10000000000LL /* 10 s */
#define GC_HTTP_DEFAULT_IDLE_TIMEOUT_NS 30000000000LL /* 30 s */

/* How a daemon serves. NULL options mean one polling thread, the defaults
 * above and no callbacks.
 *
 * A connection past max_connections, or past max_connections_per_client from
 * one source address, is accepted and closed at once, so it never waits in the
 * kernel's backlog. read_timeout runs from the accept (first request) or the
 * request line (later ones on a kept-alive connection) until the request is
 * read whole; bytes trickling in do not extend it. A connection that misses it
 * gets 408 when an answer is still possible, and is closed otherwise.
 * idle_timeout closes a connection without traffic, and bounds how long a
 * kept-alive connection may take to send its next request line. */
struct gc_http_options {
	unsigned threads;		       /* > 1: a pool of polling threads */
	unsigned max_connections;	       /* in all */
	unsigned max_connections_per_client; /* per source address */
	int64_t read_timeout_ns;
	int64_t idle_timeout_ns;
	MHD_RequestCompletedCallback completed; /* per-request cleanup, or NULL */
	void *completed_arg;
	/* Called once for each connection cut at read_timeout (from a polling or
	 * the deadline thread, so it must be thread-safe), with completed_arg. */
	void (*timed_out)(void *arg);
	const char *purpose; /* named in errors and logs, e.g. "OTLP/HTTP" */
};

/* Starts a daemon on endpoint. *port gets the bound port. Returns NULL with
 * *err when the address is bad or busy, or memory is short. Stop it with
 * gc_http_stop. The first call raises the process's open-file limit. */
struct MHD_Daemon *gc_http_listen(const char *endpoint, MHD_AccessHandlerCallback handler,
				  void *arg, const struct gc_http_options *options, int *port,
				  char **err);

/* Stops a daemon from gc_http_listen: answers or closes its connections, then
 * frees what enforces its limits. Accepts NULL. */
void gc_http_stop(struct MHD_Daemon *daemon);

/* Raises the soft RLIMIT_NOFILE towards the hard limit (at most 65536), so
 * the connection limits, not the descriptor limit, decide who gets served.
 * Idempotent; returns the soft limit now in force. */
long gc_http_raise_fd_limit(void);

/* Queues a response with a body copied from text. */
enum MHD_Result gc_http_reply(struct MHD_Connection *conn, unsigned status,
			      const char *content_type, const char *body, size_t len);

#endif
