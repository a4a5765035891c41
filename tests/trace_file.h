/* trace_file.h - a trace writer on a new file at path, for tests and
 * benchmarks that make traces of their own (lab run makes its trace file
 * through analyzer/output_file.c and hands the descriptor over). */
#ifndef LAB_TEST_TRACE_FILE_H
#define LAB_TEST_TRACE_FILE_H

#include <errno.h>
#include <fcntl.h>
#include "probes/trace_writer.h"

static inline int trace_file_open(struct trace_writer **w, const char *path,
				  const struct lab_trace_info *info)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0) {
		*w = NULL;
		return -errno;
	}
	return trace_writer_open(w, fd, info);
}

#endif /* LAB_TEST_TRACE_FILE_H */
