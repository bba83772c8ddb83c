/* The core's one timer thread. Everything that acts on time rather than on
 * arrival (exporter batching's flush_timeout, the batch processor's timeout, a
 * tail sampler's decisions, archive rotation) arms a timer here instead of
 * running a thread of its own.
 *
 * A callback runs on the timer thread with no lock of this module held, so it
 * may take its component's own lock, arm timers (its own included) and hand
 * data on. It must not block for long: every other timer waits behind it. */
#ifndef GC_TIMER_H
#define GC_TIMER_H

#include <stdint.h>

struct gc_timer;

/* A disarmed timer that will call fn(arg). NULL when out of memory. */
struct gc_timer *gc_timer_new(void (*fn)(void *arg), void *arg);

/* Schedules the callback at when_ns (CLOCK_MONOTONIC), replacing any earlier
 * schedule; a time in the past fires at once. Starts the timer thread on first
 * use. Returns GC_OK, or GC_ERROR when the thread cannot start. */
int gc_timer_arm(struct gc_timer *t, int64_t when_ns);

/* Schedules at when_ns unless the timer already fires earlier. */
int gc_timer_arm_before(struct gc_timer *t, int64_t when_ns);

/* Cancels a pending schedule. A callback already running goes on. */
void gc_timer_disarm(struct gc_timer *t);

/* Cancels and waits for a running callback to return, then frees; after it
 * returns arg is the caller's alone. Not from the timer's own callback.
 * Accepts NULL. */
void gc_timer_free(struct gc_timer *t);

/* Stops the timer thread once no timer is armed (at exit). */
void gc_timers_shutdown(void);

#endif
