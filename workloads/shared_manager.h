/* shared_manager.h - the shared scenario's manager, the seed's
 * multiprocessing.Manager: a dictionary that lives in one server task,
 * which every other task reaches through its own socket, a request and a
 * reply for every access, as a proxy does.
 *
 * Each socket is SOCK_SEQPACKET: one send is one message. The manager
 * waits for its clients in one loop (loop.c); a waiting call blocks the
 * thread, or in a coroutine parks it (wait_fd).
 */
#ifndef LAB_SHARED_MANAGER_H
#define LAB_SHARED_MANAGER_H

#include <stdint.h>

enum shared_op {
	SHARED_GET = 1,
	SHARED_ADD = 2,
};

/* waits until fd is ready for events: 0, or -1 */
typedef int (*shared_wait_fn)(int fd, uint32_t events);

/* One request and its reply over fd: the proxy's side of d[key] +=
 * delta, or of reading d[key]; the value in *value. 0, or -1. */
int shared_call(int fd, shared_wait_fn wait_fd, enum shared_op op,
		const char *key, int32_t delta, int64_t *value);

/* The manager: its own dictionary, which no one else touches, served over
 * fds[0..n-1] (-1: none) until each client has closed its end; then
 * closes them all and sets them to -1. parking: run in a coroutine.
 * Returns 0, or -1 when it had to stop early. */
int shared_serve(int *fds, unsigned n, int parking, shared_wait_fn wait_fd);

#endif /* LAB_SHARED_MANAGER_H */
