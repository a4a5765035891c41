/* test_net.c - the net scenario. Each workload runs in a forked child
 * (workload_child.h), which also checks that the run left no child process
 * and no thread behind (the server thread included). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "workloads/net.h"
#include "tests/test.h"
#include "tests/workload_child.h"

/* delay 20 ms: a serial run waits 4 x 3 x 20 ms, a concurrent one 60 */
static const struct workload_params small = {
	.tasks = 4, .ops = 3, .duration_s = 0.06};

static const struct workload *const net_family[] = {
	&net_processes, &net_threads, &net_events, &net_coroutines, &net_serial,
};

#define NFAMILY (sizeof(net_family) / sizeof(net_family[0]))

/* The figures a successful run prints: pages, seconds, ms per fetch. */
static int parse_result(const struct child *c, const char *name,
			unsigned *pages, double *fetch_ms)
{
	char fmt[128];
	double secs;

	snprintf(fmt, sizeof(fmt), "%s: %%u pages in %%lf s, %%lf ms", name);
	return sscanf(c->outtext, fmt, pages, &secs, fetch_ms) == 3 ? 0 : -1;
}

TEST(net_every_variant_fetches_every_page_and_cleans_up)
{
	double delay_ms = small.duration_s / small.ops * 1e3;

	for (size_t i = 0; i < NFAMILY; i++) {
		const struct workload *w = net_family[i];
		struct child c;
		unsigned pages = 0;
		double fetch_ms = 0;

		if (child_run(&c, w, &small, NULL) != 0)
			continue;
		if (!CHECK_MSG(child_exited(&c, 0),
			       "%s: status %#x, stderr: %s", w->name, c.status,
			       c.errtext))
			continue;
		CHECK_MSG(c.errtext[0] == '\0', "%s printed: %s", w->name,
			  c.errtext);
		if (!CHECK_MSG(parse_result(&c, w->name, &pages, &fetch_ms) ==
				       0,
			       "%s: stdout: %s", w->name, c.outtext))
			continue;
		CHECK_EQ(pages, small.tasks * small.ops);
		/* a fetch cannot beat the server's delay */
		CHECK_MSG(fetch_ms >= delay_ms && fetch_ms < 10 * delay_ms,
			  "%s: %.2f ms a fetch for a %.2f ms delay", w->name,
			  fetch_ms, delay_ms);
		/* every fetch parks its coroutine at least once, waiting for
		 * the reply: a switch away from it each time */
		if (w == &net_coroutines)
			CHECK_MSG(c.switches >=
					  (uint64_t)small.tasks * small.ops,
				  "%llu switches",
				  (unsigned long long)c.switches);
		else
			CHECK_EQ(c.switches, 0);
	}
}

TEST(net_concurrent_variants_beat_serial)
{
	const struct workload_params p = {
		.tasks = 5, .ops = 3, .duration_s = 0.06};
	struct child serial, c;

	if (child_run(&serial, &net_serial, &p, NULL) != 0 ||
	    !CHECK_MSG(child_exited(&serial, 0), "serial: %s", serial.errtext))
		return;
	/* one client after another waits tasks x ops x delay */
	CHECK_MSG(serial.secs >= p.tasks * p.duration_s,
		  "serial took %.3f s < %.3f s", serial.secs,
		  p.tasks * p.duration_s);
	for (size_t i = 0; i + 1 < NFAMILY; i++) {
		const struct workload *w = net_family[i];

		if (child_run(&c, w, &p, NULL) != 0 ||
		    !CHECK_MSG(child_exited(&c, 0), "%s: %s", w->name,
			       c.errtext))
			continue;
		/* about ops x delay: the server answers all clients at once */
		CHECK_MSG(c.secs >= p.duration_s && c.secs < 0.5 * serial.secs,
			  "%s took %.3f s, serial %.3f s", w->name, c.secs,
			  serial.secs);
	}
}

TEST(net_clients_and_server_carry_their_names)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 5, .duration_s = 0.3};
	static const char *const threads[] = {"net-server", "net-w0", "net-w1"};
	struct child c;

	if (!CHECK(child_start(&c, &net_processes, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_named(c.pid, "net-w1"),
		  "no process net-w1 under %d", (int)c.pid);
	CHECK_MSG(child_wait_for_threads(c.pid, threads, 1),
		  "no thread net-server in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);

	if (!CHECK(child_start(&c, &net_threads, &p, NULL) == 0))
		return;
	CHECK_MSG(child_wait_for_threads(c.pid, threads, 3),
		  "no threads net-server, net-w0, net-w1 in %d", (int)c.pid);
	child_finish(&c);
	CHECK_MSG(child_exited(&c, 0), "status %#x: %s", c.status, c.errtext);
}

TEST(net_a_killed_client_makes_a_wrong_result)
{
	const struct workload_params p = {
		.tasks = 2, .ops = 10, .duration_s = 0.4};
	struct child c;

	if (child_run_killing(&c, &net_processes, &p, "net-w1") != 0)
		return;
	/* 1 = wrong result, naming the client; no hang, no child left */
	CHECK_MSG(child_exited(&c, 1), "status %#x, stderr: %s", c.status,
		  c.errtext);
	CHECK_MSG(strstr(c.errtext, "net-w1") && !strstr(c.errtext, "net-w0"),
		  "stderr: %s", c.errtext);
	CHECK_MSG(c.outtext[0] == '\0', "a wrong run printed: %s", c.outtext);
}

TEST(net_rejects_what_it_cannot_run)
{
	const struct child_limits few_fds = {.nofile = 64};
	struct workload_params bad = small;
	struct child c;

	bad.duration_s = -1;
	if (child_run(&c, &net_serial, &bad, NULL) == 0)
		CHECK_MSG(child_exited(&c, 1) && strstr(c.errtext, "duration"),
			  "status %#x, stderr: %s", c.status, c.errtext);
	bad.duration_s = NAN;
	if (child_run(&c, &net_threads, &bad, NULL) == 0)
		CHECK(child_exited(&c, 1));
	/* 100 clients need more than 64 descriptors */
	bad = small;
	bad.tasks = 100;
	for (size_t i = 0; i < NFAMILY; i++) {
		if (child_run(&c, net_family[i], &bad, &few_fds) != 0)
			continue;
		CHECK_MSG(child_exited(&c, 1) &&
				  strstr(c.errtext, "descriptors"),
			  "%s: status %#x, stderr: %s", net_family[i]->name,
			  c.status, c.errtext);
	}
}
