/* Process health as the health_check extension reports it. */
#ifndef GC_HEALTH_H
#define GC_HEALTH_H

#include <stdbool.h>

enum gc_health_state { GC_HEALTH_STARTING, GC_HEALTH_SERVING, GC_HEALTH_DRAINING };

void gc_health_set(enum gc_health_state state);
enum gc_health_state gc_health_get(void);

#endif
