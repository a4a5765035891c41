/* relink.c - a traced program that swaps its own binary for a symlink.
 * It waits on a futex word in its binary's data (a lock the analysis
 * names by reading the file its memory maps name), then, once the
 * tracer has taken its maps, replaces its binary with a symbolic link to
 * TARGET and exits: an analysis that opens the mapped file by its path
 * would open TARGET instead.
 *
 * usage: relink TARGET
 */
#include <linux/futex.h>
#include <limits.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* initialised, so it lies in the file-backed data of the binary */
int relink_word = 1;

int main(int argc, char **argv)
{
	struct timespec wait = {0, 2 * 1000 * 1000};
	char self[PATH_MAX];
	ssize_t n;

	if (argc != 2)
		return 2;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = '\0';
	/* blocks until the timeout: the word never changes */
	for (int i = 0; i < 5; i++)
		syscall(SYS_futex, &relink_word, FUTEX_WAIT_PRIVATE, 1, &wait,
			NULL, 0);
	/* the tracer took the maps when the program started */
	usleep(50 * 1000);
	if (unlink(self) || symlink(argv[1], self)) {
		perror("relink");
		return 1;
	}
	return 0;
}
