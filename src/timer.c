/* One thread, one mutex, one condition variable, and the armed timers in a
 * list sorted by due time. Components arm a handful of timers each (not one
 * per item), so the list stays short. */
#include "timer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "common.h"

struct gc_timer {
	void (*fn)(void *arg);
	void *arg;
	int64_t due;		/* when armed */
	bool armed;
	bool dying;		/* being freed: arming is ignored */
	struct gc_timer *next;	/* in the armed list */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t changed; /* the list's head changed, or stop */
	pthread_cond_t idle;	/* a callback returned */
	struct gc_timer *armed; /* sorted by due */
	struct gc_timer *running;
	pthread_t thread;
	bool started, stopping;
} timers = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.changed = PTHREAD_COND_INITIALIZER,
	.idle = PTHREAD_COND_INITIALIZER,
};

static void unlink_locked(struct gc_timer *t)
{
	for (struct gc_timer **p = &timers.armed; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->armed = false;
	t->next = NULL;
}

static void insert_locked(struct gc_timer *t)
{
	struct gc_timer **p = &timers.armed;

	while (*p && (*p)->due <= t->due)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->armed = true;
}

static struct timespec to_timespec(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000LL), (long)(ns % 1000000000LL) };

	return ts;
}

static void *timer_main(void *unused)
{
	(void)unused;
	pthread_mutex_lock(&timers.lock);
	while (!timers.stopping) {
		struct gc_timer *t = timers.armed;

		if (!t) {
			pthread_cond_wait(&timers.changed, &timers.lock);
			continue;
		}
		if (t->due > gc_now_ns()) {
			struct timespec ts = to_timespec(t->due);

			pthread_cond_timedwait(&timers.changed, &timers.lock, &ts);
			continue;
		}
		unlink_locked(t);
		timers.running = t;
		pthread_mutex_unlock(&timers.lock);
		t->fn(t->arg);
		pthread_mutex_lock(&timers.lock);
		timers.running = NULL;
		pthread_cond_broadcast(&timers.idle);
	}
	pthread_mutex_unlock(&timers.lock);
	return NULL;
}

/* Lock held. */
static int start_locked(void)
{
	pthread_condattr_t ca;

	if (timers.started)
		return GC_OK;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_destroy(&timers.changed);
	pthread_cond_init(&timers.changed, &ca);
	pthread_condattr_destroy(&ca);
	timers.stopping = false;
	if (pthread_create(&timers.thread, NULL, timer_main, NULL))
		return GC_ERROR;
	timers.started = true;
	return GC_OK;
}

struct gc_timer *gc_timer_new(void (*fn)(void *arg), void *arg)
{
	struct gc_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	return t;
}

static int arm(struct gc_timer *t, int64_t when_ns, bool only_earlier)
{
	int rc;

	pthread_mutex_lock(&timers.lock);
	rc = start_locked();
	if (rc == GC_OK && !t->dying && !(only_earlier && t->armed && t->due <= when_ns)) {
		if (t->armed)
			unlink_locked(t);
		t->due = when_ns;
		insert_locked(t);
		if (timers.armed == t)
			pthread_cond_signal(&timers.changed);
	}
	pthread_mutex_unlock(&timers.lock);
	return rc;
}

int gc_timer_arm(struct gc_timer *t, int64_t when_ns)
{
	return arm(t, when_ns, false);
}

int gc_timer_arm_before(struct gc_timer *t, int64_t when_ns)
{
	return arm(t, when_ns, true);
}

void gc_timer_disarm(struct gc_timer *t)
{
	pthread_mutex_lock(&timers.lock);
	if (t->armed)
		unlink_locked(t);
	pthread_mutex_unlock(&timers.lock);
}

void gc_timer_free(struct gc_timer *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&timers.lock);
	t->dying = true; /* a running callback's re-arm is ignored from now on */
	if (t->armed)
		unlink_locked(t);
	while (timers.running == t)
		pthread_cond_wait(&timers.idle, &timers.lock);
	pthread_mutex_unlock(&timers.lock);
	free(t);
}

void gc_timers_shutdown(void)
{
	pthread_mutex_lock(&timers.lock);
	if (!timers.started) {
		pthread_mutex_unlock(&timers.lock);
		return;
	}
	timers.stopping = true;
	pthread_cond_broadcast(&timers.changed);
	pthread_mutex_unlock(&timers.lock);
	pthread_join(timers.thread, NULL);
	pthread_mutex_lock(&timers.lock);
	timers.started = false;
	pthread_mutex_unlock(&timers.lock);
}
