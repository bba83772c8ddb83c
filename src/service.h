/* The running collector for one config: exporters, pipelines (processor chains
 * ending in a fan-out to exporters), receivers and extensions, started in
 * dependency order and stopped in reverse. */
#ifndef GC_SERVICE_H
#define GC_SERVICE_H

#include "config.h"

struct gc_service;

/* Builds and starts everything in config. On success the service owns config.
 * On failure everything started is stopped and config is left to the caller. */
int gc_service_start(struct gc_config *config, struct gc_service **out, char **err);

/* Replaces old by a service for config without a gap: receivers, exporters
 * and extensions whose config is unchanged keep running (exporters with their
 * queues, receivers serving throughout), the rest are stopped and started,
 * and old's processors flush what they hold before old is freed. On success
 * the new service owns config; on failure old is gone as well (its config
 * freed), config is left to the caller, and *out is NULL. */
int gc_service_reload(struct gc_service *old, struct gc_config *config,
		      struct gc_service **out, char **err);

/* Stops receivers, flushes processors, drains exporter queues within the
 * config's shutdown_timeout, stops extensions, and frees it all with the
 * config. Accepts NULL. */
void gc_service_shutdown(struct gc_service *service);

#endif
