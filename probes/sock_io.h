/* sock_io.h - whole messages over the sockets between lab's processes
 * (the probes' half and the user's half, the maps reader). */
#ifndef LAB_SOCK_IO_H
#define LAB_SOCK_IO_H

#include <stddef.h>

/* Sends all len bytes; a peer gone is -1, never SIGPIPE. 0 or -1. */
int sock_send_all(int fd, const void *buf, size_t len);
/* Reads all len bytes: 1; 0 at end of file before any byte; -1 on an
 * error or an end of file midway. */
int sock_recv_all(int fd, void *buf, size_t len);

#endif /* LAB_SOCK_IO_H */
