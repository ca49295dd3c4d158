/*
 * Inode flags Node.js cannot set (chattr's FS_IOC_GETFLAGS/SETFLAGS). Used for ext4's "top
 * directory" flag (chattr +T): directories made inside one are spread over the block groups
 * by the Orlov allocator instead of being packed next to their parent, so each unpacked
 * image layer starts in groups of its own. Errors are thrown as in sys.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "sys.h"

/*
 * Sets FS_TOPDIR_FL on the directory at `path` (never following a symlink there) unless it
 * is set already. Returns 1 when the flag is set, 0 when the filesystem has no such flag,
 * -1 with errno set on any other failure.
 */
static int set_top_directory(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  /* The kernel reads and writes an int, whatever the ioctl's declared type says. */
  int flags = 0, rc = 1;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) != 0) {
    rc = -1;
  } else if (!(flags & FS_TOPDIR_FL)) {
    flags |= FS_TOPDIR_FL;
    if (ioctl(fd, FS_IOC_SETFLAGS, &flags) != 0) rc = -1;
  }
  int saved = errno;
  close(fd);
  /* tmpfs, overlayfs and others have no inode flags, or not this one. */
  if (rc < 0 && (saved == ENOTTY || saved == EOPNOTSUPP || saved == EINVAL)) return 0;
  errno = saved;
  return rc;
}

/* setTopDirectory(path): true when set, false when the filesystem has no such flag. */
napi_value js_set_top_directory(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0]);
  if (!path) return NULL;
  int rc = set_top_directory(path);
  if (rc < 0) throw_errno(env, "set top-directory flag", path, errno);
  else napi_get_boolean(env, rc == 1, &result);
  free(path);
  return result;
}
