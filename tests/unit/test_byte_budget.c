/* The shared byte budget: a total, a per-client share, and a client table
 * that stays correct through any order of takes and gives (checked against a
 * plain model with many addresses, so probes collide and slots are emptied
 * and shifted back). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "byte_budget.h"

static struct sockaddr_in v4(uint32_t host)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(host);
	return a;
}

#define SA(a) ((const struct sockaddr *)&(a))

static void test_total_and_share(void **state)
{
	struct gc_byte_budget *b = gc_byte_budget_new(1000, 400, 16);
	struct sockaddr_in x = v4(0x7f000001), y = v4(0x7f000002);
	struct sockaddr_in6 z = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET6, "::1", &z.sin6_addr);
	assert_true(gc_byte_budget_take(b, SA(x), 400));
	assert_false(gc_byte_budget_take(b, SA(x), 1)); /* x's share is spent */
	assert_true(gc_byte_budget_take(b, SA(y), 400));
	assert_false(gc_byte_budget_take(b, SA(z), 201)); /* the total would pass */
	assert_true(gc_byte_budget_take(b, SA(z), 200));
	assert_int_equal(gc_byte_budget_used(b, NULL), 1000);
	gc_byte_budget_give(b, SA(x), 400);
	assert_int_equal(gc_byte_budget_used(b, SA(x)), 0);
	assert_true(gc_byte_budget_take(b, SA(y), 0));
	assert_false(gc_byte_budget_take(b, SA(y), 1)); /* y's share still spent */
	assert_true(gc_byte_budget_take(b, SA(x), 400));
	gc_byte_budget_free(b);
}

static void test_table_against_model(void **state)
{
	enum { CLIENTS = 300, STEPS = 200000 };
	struct gc_byte_budget *b = gc_byte_budget_new(SIZE_MAX / 2, 50, CLIENTS);
	size_t model[CLIENTS] = { 0 }, total = 0;
	uint64_t rng = 42;

	for (int step = 0; step < STEPS; step++) {
		size_t c, n;
		struct sockaddr_in a;

		rng = rng * 6364136223846793005ull + 1442695040888963407ull;
		c = (size_t)(rng >> 33) % CLIENTS;
		n = (size_t)(rng >> 20) % 20;
		a = v4(0x0a000000u + (uint32_t)c * 7919u);
		if ((rng >> 60) & 1) {
			bool ok = gc_byte_budget_take(b, SA(a), n);

			assert_int_equal(ok, model[c] + n <= 50);
			if (ok) {
				model[c] += n;
				total += n;
			}
		} else {
			n = n < model[c] ? n : model[c];
			gc_byte_budget_give(b, SA(a), n);
			model[c] -= n;
			total -= n;
		}
		if (step % 997 == 0)
			for (size_t i = 0; i < CLIENTS; i++) {
				struct sockaddr_in q = v4(0x0a000000u + (uint32_t)i * 7919u);

				assert_int_equal(gc_byte_budget_used(b, SA(q)), model[i]);
			}
	}
	assert_int_equal(gc_byte_budget_used(b, NULL), total);
	gc_byte_budget_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_total_and_share),
		cmocka_unit_test(test_table_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
