/* Starting libmicrohttpd daemons on an otelcol-style "host:port" endpoint. */
#ifndef GC_HTTP_SERVER_H
#define GC_HTTP_SERVER_H

#include <microhttpd.h>
#include <sys/socket.h>

/* Resolves "host:port", "[v6]:port" or ":port" (all interfaces) for binding. */
int gc_resolve_endpoint(const char *endpoint, struct sockaddr_storage *ss, socklen_t *len,
			char **err);

/* Starts a daemon with its own polling thread. *port gets the bound port.
 * Returns NULL with *err when the address is bad or busy. */
struct MHD_Daemon *gc_http_listen(const char *endpoint, MHD_AccessHandlerCallback handler,
				  void *arg, int *port, char **err);

/* Queues a response with a body copied from text. */
enum MHD_Result gc_http_reply(struct MHD_Connection *conn, unsigned status,
			      const char *content_type, const char *body, size_t len);

#endif
