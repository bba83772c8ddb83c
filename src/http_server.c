#include "http_server.h"

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"

int gc_resolve_endpoint(const char *endpoint, struct sockaddr_storage *ss, socklen_t *len,
			char **err)
{
	char host[256];
	const char *port, *colon;
	struct addrinfo hints = { .ai_flags = AI_PASSIVE | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	size_t hlen;
	int rc;

	if (endpoint[0] == '[') {
		const char *close = strchr(endpoint, ']');

		if (!close || close[1] != ':')
			return gc_set_err(err, "bad endpoint '%s': expected [address]:port",
					  endpoint);
		hlen = (size_t)(close - endpoint - 1);
		port = close + 2;
		endpoint++;
	} else {
		colon = strrchr(endpoint, ':');
		if (!colon)
			return gc_set_err(err, "bad endpoint '%s': expected host:port", endpoint);
		hlen = (size_t)(colon - endpoint);
		port = colon + 1;
	}
	if (hlen >= sizeof(host) || !*port)
		return gc_set_err(err, "bad endpoint '%s': expected host:port", endpoint);
	memcpy(host, endpoint, hlen);
	host[hlen] = '\0';
	rc = getaddrinfo(hlen ? host : NULL, port, &hints, &res);
	if (rc)
		return gc_set_err(err, "cannot resolve endpoint '%s': %s", endpoint,
				  gai_strerror(rc));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return GC_OK;
}

struct MHD_Daemon *gc_http_listen(const char *endpoint, MHD_AccessHandlerCallback handler,
				  void *arg, const struct gc_http_options *options, int *port,
				  char **err)
{
	static const struct gc_http_options defaults = { .threads = 1, .timeout_s = 30 };
	const struct gc_http_options *o = options ? options : &defaults;
	struct sockaddr_storage ss;
	socklen_t len;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;

	if (gc_resolve_endpoint(endpoint, &ss, &len, err))
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	d = MHD_start_daemon(flags, 0, NULL, NULL, handler, arg, MHD_OPTION_SOCK_ADDR, &ss,
			     MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
			     MHD_OPTION_THREAD_POOL_SIZE, o->threads > 1 ? o->threads : 0u,
			     MHD_OPTION_NOTIFY_COMPLETED, o->completed, o->completed_arg,
			     MHD_OPTION_END);
	if (!d) {
		if (o->purpose)
			gc_set_err(err, "cannot listen on %s for %s (address in use or invalid)",
				   endpoint, o->purpose);
		else
			gc_set_err(err, "cannot listen on %s (address in use or not local?)", endpoint);
		return NULL;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	return d;
}

enum MHD_Result gc_http_reply(struct MHD_Connection *conn, unsigned status,
			      const char *content_type, const char *body, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", content_type);
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}
