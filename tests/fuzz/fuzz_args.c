/* fuzz_args.c - any argument vector through the options of `lab run`
 * and `lab workload`: the bytes are split at NULs into at most 64
 * arguments; the first byte picks the command. make fuzz closes its
 * stderr (-close_fd_mask=2): one line per refusal is the point, not the
 * output. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "cli/run_args.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[66];
	struct run_args a = {0};
	int argc = 0;

	if (size == 0)
		return 0;
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = 0;
	argv[argc++] = (char *)(data[0] & 1 ? "workload" : "run");
	for (char *p = buf; p < buf + size - 1 && argc < 65; p += strlen(p) + 1)
		argv[argc++] = p;
	argv[argc] = NULL;
	int i = run_args_parse(argv[0], argc, argv, &a);

	/* what the callers rely on: an operand index within argv */
	if (i > argc)
		abort();
	free(buf);
	return 0;
}
