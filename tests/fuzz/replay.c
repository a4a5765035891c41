/* replay.c - runs saved fuzz inputs through the fuzz target without
 * libFuzzer, so every input that once crashed stays a regression test.
 * lab-tests links fuzz_replay_dir (built with FUZZ_REPLAY_NO_MAIN); the
 * standalone build takes directories on the command line. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "tests/fuzz/fuzz.h"

/* Reads a whole file; NULL on error with errno set. */
static uint8_t *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		uint8_t *p;

		if (*len == cap) {
			cap = cap ? cap * 2 : 4096;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		*len += fread(buf + *len, 1, cap - *len, f);
		if (*len < cap) {
			if (ferror(f))
				break;
			fclose(f);
			return buf;
		}
	}
	{
		int saved = errno;

		fclose(f);
		free(buf);
		errno = saved;
	}
	return NULL;
}

int fuzz_replay_dir(const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		char path[4096];
		struct stat st;
		uint8_t *data;
		size_t len;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		data = read_all(path, &len);
		if (!data) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			closedir(d);
			return -1;
		}
		LLVMFuzzerTestOneInput(data, len);
		free(data);
		n++;
	}
	closedir(d);
	return n;
}

#ifndef FUZZ_REPLAY_NO_MAIN
int main(int argc, char **argv)
{
	char err[4200];

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		int n = fuzz_replay_dir(argv[i], err, sizeof(err));

		if (n < 0) {
			fprintf(stderr, "replay: %s\n", err);
			return 1;
		}
		printf("replay: %s: %d inputs\n", argv[i], n);
	}
	return 0;
}
#endif
