/*
 * What the layer unpacker needs from the kernel beyond Node.js: inode flags (chattr's
 * FS_IOC_GETFLAGS/SETFLAGS) for ext4's "top directory" flag (chattr +T), so that the Orlov
 * allocator spreads layer directories over the block groups instead of packing them next to
 * their parent, and pipes with a deep buffer for the decompressor. Errors are thrown as in sys.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
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

/*
 * pipeWithCapacity(bytes): a close-on-exec pipe [readFd, writeFd] whose kernel buffer holds
 * up to `bytes` when the kernel allows it (root may exceed /proc/sys/fs/pipe-max-size),
 * else as much as it allows. A decoder process writing into a deep pipe keeps working while
 * the single-threaded reader is busy elsewhere, instead of stalling after 64 KiB.
 */
napi_value js_pipe_with_capacity(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  int64_t want = 0;
  napi_get_value_int64(env, argv[0], &want);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return throw_errno(env, "pipe2", NULL, errno);
  /* Halve until the kernel takes it; the default (64 KiB) is the floor. */
  for (long size = want > (1L << 30) ? (1L << 30) : (long)want; size > 65536; size /= 2) {
    if (fcntl(fds[1], F_SETPIPE_SZ, (int)size) >= 0) break;
  }
  napi_value result, fd;
  napi_create_array_with_length(env, 2, &result);
  for (uint32_t i = 0; i < 2; i++) {
    napi_create_int32(env, fds[i], &fd);
    napi_set_element(env, result, i, fd);
  }
  return result;
}
