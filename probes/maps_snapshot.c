/* maps_snapshot.c - a traced process's memory maps, into its trace. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include "probes/maps_snapshot.h"
#include "probes/proc_memory.h"
#include "probes/run_error.h"
#include "probes/sock_io.h"

static void parse_map_line(const char *line, pid_t pid, struct lab_map *m)
{
	char perms[8] = "";
	int n = 0;
	unsigned long long start, end, off;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %n", &start, &end, perms,
		   &off, &n) < 4)
		return;
	m->start = start;
	m->end = end;
	m->offset = off;
	m->pid = pid;
	m->prot = (perms[0] == 'r' ? LAB_MAP_READ : 0) |
		  (perms[1] == 'w' ? LAB_MAP_WRITE : 0) |
		  (perms[2] == 'x' ? LAB_MAP_EXEC : 0) |
		  (perms[3] == 's' ? LAB_MAP_SHARED : 0);
	/* the path, cut to fit */
	if (n > 0)
		snprintf(m->path, sizeof(m->path), "%s", line + n);
	m->path[strcspn(m->path, "\n")] = 0;
}

#define BATCH 64
/* bounds on what the reader may send for one process */
#define MAX_MAPS (1 << 16)

/* The maps of pid, BATCH at a time, to emit(batch, n, arg); stops at
 * the first non-zero return, which it returns. */
static int read_maps(pid_t pid,
		     int (*emit)(const struct lab_map *, size_t, void *),
		     void *arg)
{
	char path[64], line[512];
	struct lab_map batch[BATCH];
	size_t n = 0, total = 0;
	int r = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (r == 0 && total < MAX_MAPS && fgets(line, sizeof(line), f)) {
		parse_map_line(line, pid, &batch[n]);
		if (batch[n].end > batch[n].start) {
			n++;
			total++;
		}
		if (n == BATCH) {
			r = emit(batch, n, arg);
			n = 0;
		}
	}
	fclose(f);
	return r || !n ? r : emit(batch, n, arg);
}

/* The reader's side: a count, then that many records; 0 ends a pid. */
static int send_batch(const struct lab_map *m, size_t n, void *arg)
{
	uint32_t count = (uint32_t)n;
	int fd = *(int *)arg;

	return sock_send_all(fd, &count, sizeof(count)) ||
	       sock_send_all(fd, m, n * sizeof(*m));
}

/* What lab asks of the reader about one process. */
struct reader_request {
	int32_t pid;
	uint32_t what; /* READ_MAPS or READ_MEMORY */
};

enum { READ_MAPS, READ_MEMORY };

/* The reader's side of READ_MEMORY: a status (0 or -1), then the
 * figures. */
static int send_memory(int fd, pid_t pid)
{
	struct lab_memory m;
	int32_t status = proc_memory_read(pid, &m);

	return sock_send_all(fd, &status, sizeof(status)) ||
	       sock_send_all(fd, &m, sizeof(m));
}

static void reader_main(int fd, const struct identity *user)
{
	uint32_t end = 0;
	struct reader_request rq;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "lab-maps");
	if (identity_become(user))
		_exit(1);
	while (sock_recv_all(fd, &rq, sizeof(rq)) == 1) {
		if (rq.what == READ_MEMORY) {
			if (send_memory(fd, rq.pid))
				break;
		} else if (read_maps(rq.pid, send_batch, &fd) ||
			   sock_send_all(fd, &end, sizeof(end))) {
			break;
		}
	}
	_exit(0);
}

int maps_reader_start(struct maps_reader *r, const struct identity *user,
		      char *err, size_t errlen)
{
	int sv[2];

	r->pid = 0;
	r->fd = -1;
	if (!user)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return run_error(err, errlen, "run: socketpair: %s",
				 strerror(errno));
	r->pid = fork();
	if (r->pid < 0) {
		close(sv[0]);
		close(sv[1]);
		r->pid = 0;
		return run_error(err, errlen, "run: fork: %s", strerror(errno));
	}
	if (r->pid == 0) {
		close(sv[0]);
		reader_main(sv[1], user);
	}
	close(sv[1]);
	r->fd = sv[0];
	return 0;
}

void maps_reader_stop(struct maps_reader *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	if (r->pid > 0)
		waitpid(r->pid, NULL, 0);
	r->pid = 0;
}

static int add_maps(const struct lab_map *m, size_t n, void *w)
{
	return trace_writer_add_maps(w, m, n);
}

/* What the reader sent for pid, checked: at most MAX_MAPS records, each
 * of pid, its path a string. A reader that fails is not asked again. */
static int take_from_reader(struct trace_writer *w, struct maps_reader *r,
			    pid_t pid)
{
	struct lab_map batch[BATCH];
	struct reader_request want = {.pid = pid, .what = READ_MAPS};
	uint32_t count, total = 0;
	int err = 0;

	if (r->fd < 0)
		return 0;
	if (sock_send_all(r->fd, &want, sizeof(want)))
		goto broken;
	for (;;) {
		if (sock_recv_all(r->fd, &count, sizeof(count)) != 1 ||
		    count > BATCH || (total += count) > MAX_MAPS ||
		    (count && sock_recv_all(r->fd, batch,
					    count * sizeof(batch[0])) != 1))
			goto broken;
		if (!count)
			return err;
		for (uint32_t i = 0; i < count; i++) {
			batch[i].pid = (uint32_t)pid;
			batch[i].path[sizeof(batch[i].path) - 1] = 0;
		}
		if (!err)
			err = trace_writer_add_maps(w, batch, count);
	}
broken:
	close(r->fd);
	r->fd = -1;
	return err;
}

int maps_snapshot(struct trace_writer *w, struct maps_reader *r, pid_t pid)
{
	if (r->pid > 0)
		return take_from_reader(w, r, pid);
	return read_maps(pid, add_maps, w);
}

int maps_reader_memory(struct maps_reader *r, pid_t pid, struct lab_memory *m)
{
	struct reader_request want = {.pid = pid, .what = READ_MEMORY};
	int32_t status;

	if (r->pid <= 0)
		return proc_memory_read(pid, m);
	if (r->fd < 0)
		return -1;
	if (sock_send_all(r->fd, &want, sizeof(want)) ||
	    sock_recv_all(r->fd, &status, sizeof(status)) != 1 ||
	    sock_recv_all(r->fd, m, sizeof(*m)) != 1) {
		close(r->fd);
		r->fd = -1;
		return -1;
	}
	/* the reader's word for the process it was asked about */
	m->pid = (uint32_t)pid;
	return status ? -1 : 0;
}
