/* output_file.c - files written whole under a temporary name, then
 * renamed into place (see output_file.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "analyzer/output_file.h"

int output_file_create(struct output_file *o, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	int dirlen = slash ? (int)(slash - path + 1) : 0, err = EEXIST;

	o->fd = -1;
	if (!*name)
		return -EISDIR;
	if (snprintf(o->path, sizeof(o->path), "%s", path) >=
	    (int)sizeof(o->path))
		return -ENAMETOOLONG;
	for (unsigned int n = 0; n < 1000 && err == EEXIST; n++) {
		if (snprintf(o->tmp, sizeof(o->tmp), "%.*s.%s.%ld-%u.tmp",
			     dirlen, path, name, (long)getpid(),
			     n) >= (int)sizeof(o->tmp))
			return -ENAMETOOLONG;
		o->fd = open(o->tmp,
			     O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
				     O_CLOEXEC,
			     0644);
		if (o->fd >= 0)
			return 0;
		err = errno;
	}
	return -err;
}

/* Makes the rename itself durable. Best effort: some filesystems refuse
 * to sync a directory. */
static void sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s",
			 (int)(slash == path ? 1 : slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int output_file_commit(struct output_file *o)
{
	int r = 0;

	if (o->fd >= 0 && close(o->fd))
		r = -errno;
	o->fd = -1;
	if (!r && rename(o->tmp, o->path))
		r = -errno;
	if (r) {
		unlink(o->tmp);
		return r;
	}
	sync_dir_of(o->path);
	return 0;
}

void output_file_discard(struct output_file *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	unlink(o->tmp);
}

int output_file_check(const char *path)
{
	struct stat st;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/* a symlink is replaced by the rename, never followed */
	return S_ISREG(st.st_mode) || S_ISLNK(st.st_mode) ? 0 : -EEXIST;
}

int output_file_write(const char *path, int (*fn)(FILE *f, const void *arg),
		      const void *arg)
{
	struct output_file o;
	FILE *f;
	int r = output_file_create(&o, path), e;

	if (r)
		return r;
	f = fdopen(o.fd, "w");
	if (!f) {
		r = -errno;
		output_file_discard(&o);
		return r;
	}
	r = fn(f, arg);
	e = ferror(f) ? EIO : 0;
	if (fflush(f) && !e)
		e = errno;
	/* fclose closes o.fd: the commit must not close it again */
	if (fclose(f) && !e)
		e = errno;
	o.fd = -1;
	if (r || e) {
		output_file_discard(&o);
		return e ? -e : -EIO;
	}
	return output_file_commit(&o);
}
