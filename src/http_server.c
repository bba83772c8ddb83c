#include "http_server.h"

#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>

#include "common.h"
#include "log.h"

#define SWEEP_INTERVAL_NS 200000000LL /* how late a cut may come past a deadline */
#define LOG_INTERVAL_NS 10000000000LL /* one libmicrohttpd message per 10 s per server */
#define FD_LIMIT_CAP 65536

/* Where a connection is in its request cycle; decides what its deadline means. */
enum conn_phase {
	PHASE_READING,	 /* deadline: read_timeout; missing it is a timeout */
	PHASE_ANSWERING, /* request read whole: no deadline, idle_timeout only */
	PHASE_IDLE,	 /* kept alive: the next request line within idle_timeout */
};

/* One connection as the guard sees it. prev/next and fd belong to
 * guard->lock; the flags below them to the connection's polling thread; the
 * atomics are written by that thread and read by the deadline thread. */
struct conn_state {
	struct conn_state *prev, *next;
	int fd;
	bool headers_done; /* the handler saw this request's headers */
	_Atomic int phase;
	_Atomic int64_t deadline; /* CLOCK_MONOTONIC ns; 0: none */
	atomic_bool cut;	  /* closed for its deadline (counted once) */
};

/* The limits of one daemon and the thread that enforces its deadlines. A
 * trickling client resets libmicrohttpd's inactivity timer with every byte,
 * so deadlines are checked here against the clock instead. */
struct http_guard {
	struct gc_http_options o; /* with the defaults filled in */
	MHD_AccessHandlerCallback handler;
	void *handler_arg;
	const char *component; /* names this server in log lines */
	struct MHD_Daemon *daemon;
	struct http_guard *next_guard; /* registry_lock */
	atomic_uint open;	       /* connections started and not closed */
	_Atomic int64_t log_quiet_until;
	atomic_uint log_dropped;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;		 /* lock */
	struct conn_state conns; /* lock: sentinel of a circular list */
	pthread_t sweeper;
};

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct http_guard *registry; /* every running guard, for gc_http_stop */

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

static struct conn_state *conn_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

static void set_phase(struct conn_state *c, enum conn_phase phase, int64_t deadline)
{
	atomic_store(&c->deadline, deadline);
	atomic_store(&c->phase, (int)phase);
}

/* Claims the timeout of c for whoever sees it first (polling or deadline
 * thread), so each late connection is counted once. */
static bool claim_timeout(struct conn_state *c)
{
	return !atomic_exchange(&c->cut, true);
}

static void count_timeout(struct http_guard *g)
{
	if (g->o.timed_out)
		g->o.timed_out(g->o.completed_arg);
}

/* The total limit, counted across all polling threads. The per-client limit
 * is libmicrohttpd's own; both reject by closing right after accept(). */
static enum MHD_Result accept_policy(void *cls, const struct sockaddr *addr, socklen_t len)
{
	struct http_guard *g = cls;

	(void)addr;
	(void)len;
	return atomic_load(&g->open) < g->o.max_connections ? MHD_YES : MHD_NO;
}

static void track(struct http_guard *g, struct MHD_Connection *conn, void **socket_context)
{
	const union MHD_ConnectionInfo *fd =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct conn_state *c = calloc(1, sizeof(*c));

	if (!c || !fd) {
		/* No deadline could be enforced on it: refuse the connection. Its
		 * socket is still ours to shut down on this thread. */
		if (fd)
			shutdown(fd->connect_fd, SHUT_RDWR);
		free(c);
		return;
	}
	c->fd = fd->connect_fd;
	set_phase(c, PHASE_READING, gc_now_ns() + g->o.read_timeout_ns);
	pthread_mutex_lock(&g->lock);
	c->next = g->conns.next;
	c->prev = &g->conns;
	c->next->prev = c;
	g->conns.next = c;
	pthread_mutex_unlock(&g->lock);
	*socket_context = c;
}

/* libmicrohttpd calls this before it closes the socket, so the deadline
 * thread, which shuts sockets down under the same lock, never touches a
 * descriptor that was closed and reused. */
static void untrack(struct http_guard *g, struct conn_state *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&g->lock);
	c->prev->next = c->next;
	c->next->prev = c->prev;
	pthread_mutex_unlock(&g->lock);
	free(c);
}

static void connection_event(void *cls, struct MHD_Connection *conn, void **socket_context,
			     enum MHD_ConnectionNotificationCode code)
{
	struct http_guard *g = cls;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		atomic_fetch_add(&g->open, 1);
		track(g, conn, socket_context);
	} else {
		untrack(g, *socket_context);
		*socket_context = NULL;
		atomic_fetch_sub(&g->open, 1);
	}
}

/* A request line arrived. On a kept-alive connection this starts the next
 * request's read_timeout; the first request's runs from the accept. Returns
 * the handler's initial *con_cls: NULL, as without this callback. */
static void *request_line(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct http_guard *g = cls;
	struct conn_state *c = conn_of(conn);

	(void)uri;
	if (c && atomic_load(&c->phase) == PHASE_IDLE)
		set_phase(c, PHASE_READING, gc_now_ns() + g->o.read_timeout_ns);
	return NULL;
}

static void request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_guard *g = cls;
	struct conn_state *c = conn_of(conn);

	if (c) {
		c->headers_done = false;
		set_phase(c, PHASE_IDLE, gc_now_ns() + g->o.idle_timeout_ns);
	}
	if (g->o.completed)
		g->o.completed(g->o.completed_arg, conn, con_cls, toe);
}

/* A request without Content-Length or Transfer-Encoding has no body: it is
 * read whole once its headers are. */
static bool has_body(struct MHD_Connection *conn)
{
	const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return clen && strtoull(clen, NULL, 10) > 0;
}

/* libmicrohttpd accepts a response only before the body or after all of it;
 * in between, the connection can only be closed. */
static enum MHD_Result reject_late(struct http_guard *g, struct conn_state *c,
				   struct MHD_Connection *conn, bool mid_body)
{
	static const char body[] = "request not read within read_timeout\n";
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (!claim_timeout(c))
		return MHD_NO; /* the deadline thread already shut it down */
	count_timeout(g);
	if (mid_body)
		return MHD_NO;
	r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
					    MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	ret = MHD_queue_response(conn, MHD_HTTP_REQUEST_TIMEOUT, r);
	MHD_destroy_response(r);
	return ret;
}

/* Every call of the server's handler passes here: a request past its
 * deadline goes no further, and one read whole leaves the deadline behind
 * before the handler works on it. */
static enum MHD_Result guarded_handler(void *cls, struct MHD_Connection *conn, const char *url,
				       const char *method, const char *version,
				       const char *upload_data, size_t *upload_data_size,
				       void **con_cls)
{
	struct http_guard *g = cls;
	struct conn_state *c = conn_of(conn);
	int64_t deadline;

	if (!c)
		return MHD_NO;
	deadline = atomic_load(&c->deadline);
	if (atomic_load(&c->phase) == PHASE_READING && deadline && gc_now_ns() > deadline)
		return reject_late(g, c, conn, *upload_data_size > 0);
	if (!c->headers_done) {
		c->headers_done = true;
		if (!has_body(conn))
			set_phase(c, PHASE_ANSWERING, 0);
	} else if (*upload_data_size == 0) {
		set_phase(c, PHASE_ANSWERING, 0);
	}
	return g->handler(g->handler_arg, conn, url, method, version, upload_data,
			  upload_data_size, con_cls);
}

/* True when the client's bytes wait in the kernel unread: the polling threads
 * were busy with other requests, and the lateness is the collector's, not
 * the client's. The deadline is enforced once they are read. */
static bool unread_bytes(int fd)
{
	int n = 0;

	return ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/* Shuts down every connection past its deadline; libmicrohttpd then reads
 * end-of-file and closes it on its own thread. Returns how many were still
 * reading a request (timeouts to count). Called with g->lock held. */
static unsigned cut_late(struct http_guard *g, int64_t now)
{
	unsigned timeouts = 0;

	for (struct conn_state *c = g->conns.next; c != &g->conns; c = c->next) {
		int64_t deadline = atomic_load(&c->deadline);

		if (!deadline || now <= deadline || unread_bytes(c->fd) || !claim_timeout(c))
			continue;
		/* The phase before the shutdown: after it, the polling thread may
		 * already be closing the request and marking it idle. */
		if (atomic_load(&c->phase) == PHASE_READING)
			timeouts++;
		shutdown(c->fd, SHUT_RDWR);
	}
	return timeouts;
}

static void *sweep(void *arg)
{
	struct http_guard *g = arg;
	struct timespec at;

	pthread_mutex_lock(&g->lock);
	while (!g->stopping) {
		unsigned timeouts = cut_late(g, gc_now_ns());

		if (timeouts) {
			pthread_mutex_unlock(&g->lock);
			while (timeouts--)
				count_timeout(g);
			pthread_mutex_lock(&g->lock);
		}
		clock_gettime(CLOCK_MONOTONIC, &at);
		at.tv_nsec += SWEEP_INTERVAL_NS;
		at.tv_sec += at.tv_nsec / 1000000000L;
		at.tv_nsec %= 1000000000L;
		pthread_cond_timedwait(&g->wake, &g->lock, &at);
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* libmicrohttpd's messages (one per refused connection under attack) at most
 * once per LOG_INTERVAL_NS; gc_log escapes what a client may have put in them. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_guard *g = cls;
	int64_t now = gc_now_ns(), quiet = atomic_load(&g->log_quiet_until);
	unsigned dropped;
	char line[256];
	size_t n;

	if (now < quiet ||
	    !atomic_compare_exchange_strong(&g->log_quiet_until, &quiet, now + LOG_INTERVAL_NS)) {
		atomic_fetch_add(&g->log_dropped, 1);
		return;
	}
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = '\0';
	dropped = atomic_exchange(&g->log_dropped, 0);
	if (dropped)
		gc_warn(g->component, "%s (and %u more server messages in the last %llds)", line,
			dropped, (long long)(LOG_INTERVAL_NS / 1000000000LL));
	else
		gc_warn(g->component, "%s", line);
}

static void fill_defaults(struct gc_http_options *o)
{
	if (!o->threads)
		o->threads = 1;
	if (!o->max_connections)
		o->max_connections = GC_HTTP_DEFAULT_MAX_CONNECTIONS;
	if (!o->max_connections_per_client)
		o->max_connections_per_client = GC_HTTP_DEFAULT_MAX_PER_CLIENT;
	if (o->read_timeout_ns <= 0)
		o->read_timeout_ns = GC_HTTP_DEFAULT_READ_TIMEOUT_NS;
	if (o->idle_timeout_ns <= 0)
		o->idle_timeout_ns = GC_HTTP_DEFAULT_IDLE_TIMEOUT_NS;
}

static void guard_free(struct http_guard *g)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	pthread_join(g->sweeper, NULL);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* A guard with its deadline thread running, or NULL when out of resources. */
static struct http_guard *guard_new(const struct gc_http_options *options,
				    MHD_AccessHandlerCallback handler, void *arg)
{
	struct http_guard *g = calloc(1, sizeof(*g));
	pthread_condattr_t attr;

	if (!g)
		return NULL;
	if (options)
		g->o = *options;
	fill_defaults(&g->o);
	g->handler = handler;
	g->handler_arg = arg;
	g->component = g->o.purpose ? g->o.purpose : "http";
	g->conns.next = g->conns.prev = &g->conns;
	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&g->sweeper, NULL, sweep, g)) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		free(g);
		return NULL;
	}
	return g;
}

static struct MHD_Daemon *start_daemon(struct http_guard *g, const struct sockaddr_storage *ss)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
	unsigned threads = g->o.threads;
	unsigned idle_s = (unsigned)((g->o.idle_timeout_ns + 999999999LL) / 1000000000LL);
	/* libmicrohttpd splits its connection limit among the polling threads and
	 * a thread at its share stops accepting, which leaves clients in the
	 * kernel's backlog. So each thread may hold the whole limit, and
	 * accept_policy enforces the real one across threads. */
	struct MHD_OptionItem items[] = {
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, g }, /* first: catches all */
		{ MHD_OPTION_SOCK_ADDR, 0, (void *)ss },
		{ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)(g->o.max_connections * threads + threads),
		  NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)g->o.max_connections_per_client,
		  NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)idle_s, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)connection_event, g },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_done, g },
		{ MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)request_line, g },
		{ threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads,
		  NULL },
		{ MHD_OPTION_END, 0, NULL },
	};

	if (ss->ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	return MHD_start_daemon(flags, 0, accept_policy, g, guarded_handler, g, MHD_OPTION_ARRAY,
				items, MHD_OPTION_END);
}

struct MHD_Daemon *gc_http_listen(const char *endpoint, MHD_AccessHandlerCallback handler,
				  void *arg, const struct gc_http_options *options, int *port,
				  char **err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct http_guard *g;
	const union MHD_DaemonInfo *info;

	if (gc_resolve_endpoint(endpoint, &ss, &len, err))
		return NULL;
	gc_http_raise_fd_limit();
	g = guard_new(options, handler, arg);
	if (!g) {
		gc_set_err(err, "cannot serve %s: out of memory or threads", endpoint);
		return NULL;
	}
	g->daemon = start_daemon(g, &ss);
	if (!g->daemon) {
		if (options && options->purpose)
			gc_set_err(err, "cannot listen on %s for %s (address in use or invalid)",
				   endpoint, options->purpose);
		else
			gc_set_err(err, "cannot listen on %s (address in use or not local?)", endpoint);
		guard_free(g);
		return NULL;
	}
	pthread_mutex_lock(&registry_lock);
	g->next_guard = registry;
	registry = g;
	pthread_mutex_unlock(&registry_lock);
	info = MHD_get_daemon_info(g->daemon, MHD_DAEMON_INFO_BIND_PORT);
	*port = info ? info->port : 0;
	return g->daemon;
}

static struct http_guard *registry_take(struct MHD_Daemon *daemon)
{
	struct http_guard **p, *g = NULL;

	pthread_mutex_lock(&registry_lock);
	for (p = &registry; *p; p = &(*p)->next_guard) {
		if ((*p)->daemon == daemon) {
			g = *p;
			*p = g->next_guard;
			break;
		}
	}
	pthread_mutex_unlock(&registry_lock);
	return g;
}

void gc_http_stop(struct MHD_Daemon *daemon)
{
	struct http_guard *g;

	if (!daemon)
		return;
	g = registry_take(daemon);
	MHD_stop_daemon(daemon); /* its callbacks use g until it returns */
	guard_free(g);
}

static void raise_fd_limit_once(void)
{
	struct rlimit rl;
	rlim_t want;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return;
	want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > FD_LIMIT_CAP ? FD_LIMIT_CAP
									  : rl.rlim_max;
	if (rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		gc_warn("http", "cannot raise the open-file limit to %llu; connection limits "
				"above it cannot be reached", (unsigned long long)want);
}

long gc_http_raise_fd_limit(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct rlimit rl;

	pthread_once(&once, raise_fd_limit_once);
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -1;
	return rl.rlim_cur == RLIM_INFINITY ? -1 : (long)rl.rlim_cur;
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
