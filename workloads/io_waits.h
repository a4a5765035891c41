/* io_waits.h - how an io task waits, and its records, sent and taken
 * whole over a socket however it waits: in a blocking system call
 * (sleep, poll), or by parking its coroutine while the others run. */
#ifndef LAB_IO_WAITS_H
#define LAB_IO_WAITS_H

#include <stddef.h>
#include <stdint.h>

struct io_record {
	uint32_t task;
	uint32_t op;
	uint64_t check;
};

/* How a task waits: in a blocking system call, or by parking its
 * coroutine while the others run. */
struct io_waits {
	void (*sleep_ns)(uint64_t ns);
	int (*wait_fd)(int fd, uint32_t events);
	/* serial: nobody else runs, so the task's thread answers itself */
	int echo_inline;
};

extern const struct io_waits io_blocking; /* processes and threads */
extern const struct io_waits io_parking;  /* coroutines */
extern const struct io_waits io_alone;	  /* the serial run */

/* A record's check value: task and op, mixed. */
uint64_t io_check(uint32_t task, uint32_t op);
/* Returns 1 with the whole record, 0 at end of file before it, -1 on
 * error. A non-blocking fd that has nothing yet waits through w. */
int io_read_full(int fd, void *buf, size_t len, const struct io_waits *w);
/* 0 when all of buf was sent, -1 on error. */
int io_write_full(int fd, const void *buf, size_t len,
		  const struct io_waits *w);

#endif /* LAB_IO_WAITS_H */
