/*
 * Two things Node.js cannot do for the container engine: idmapped mounts (the image layers
 * of a user-namespaced container, see engine/containers/idmapped-rootfs.ts) and
 * SOCK_SEQPACKET sockets (conmon's attach socket, see engine/runtime/runc/attach-session.ts).
 * Errors are thrown as in sys.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys.h"

/*
 * A user namespace mapping ids 0..count-1 to host_id..host_id+count-1, as an fd for
 * mount_setattr(MOUNT_ATTR_IDMAP). The namespace is made by a short-lived child cloned into
 * it; it only waits for its pipe to close, so the clone is safe in a threaded process.
 */
static int userns_fd(uint32_t host_id, uint32_t count) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) != 0) return -1;
  pid_t pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
  if (pid == 0) {
    char c;
    close(pipefd[1]);
    while (read(pipefd[0], &c, 1) < 0 && errno == EINTR) {}
    _exit(0);
  }
  int saved = errno, fd = -1;
  close(pipefd[0]);
  if (pid > 0) {
    char path[64], map[64];
    int n = snprintf(map, sizeof map, "0 %u %u\n", host_id, count), ok = 1;
    const char *files[] = {"uid_map", "gid_map"};
    for (int i = 0; ok && i < 2; i++) {
      snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, files[i]);
      int m = open(path, O_WRONLY | O_CLOEXEC);
      ok = m >= 0 && write(m, map, n) == n;
      if (m >= 0) close(m);
    }
    if (ok) {
      snprintf(path, sizeof path, "/proc/%d/ns/user", (int)pid);
      fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    saved = errno;
  }
  close(pipefd[1]);
  if (pid > 0) while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
  errno = saved;
  return fd;
}

struct idmap_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/*
 * idmapClone(source, target, hostId, count): mounts on target an idmapped clone of the
 * directory tree at source, through which on-disk id N appears as hostId+N (N < count) and
 * a write by hostId+N is stored as N. overlayfs itself cannot be idmapped, but its layers
 * can, and it keeps private clones of them, so these mounts may be detached once it is up.
 */
napi_value js_idmap_clone(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  char *source = get_string(env, argv[0]), *target = get_string(env, argv[1]);
  uint32_t host_id = 0, count = 0;
  napi_get_value_uint32(env, argv[2], &host_id);
  napi_get_value_uint32(env, argv[3], &count);
  if (!source || !target) {
    free(source), free(target);
    return NULL;
  }
  const char *step = "open_tree";
  int tree = syscall(SYS_open_tree, AT_FDCWD, source, 1 /* OPEN_TREE_CLONE */ | O_CLOEXEC);
  int ns = -1, rc = tree < 0 ? -1 : 0;
  if (rc == 0) {
    step = "user namespace";
    ns = userns_fd(host_id, count);
    rc = ns < 0 ? -1 : 0;
  }
  if (rc == 0) {
    step = "mount_setattr";
    struct idmap_attr attr = {0x00100000 /* MOUNT_ATTR_IDMAP */, 0, 0, (uint64_t)ns};
    rc = syscall(SYS_mount_setattr, tree, "", AT_EMPTY_PATH, &attr, sizeof attr);
  }
  if (rc == 0) {
    step = "move_mount";
    rc = syscall(SYS_move_mount, tree, "", AT_FDCWD, target, 4 /* MOVE_MOUNT_F_EMPTY_PATH */);
  }
  int saved = errno;
  if (ns >= 0) close(ns);
  if (tree >= 0) close(tree);
  if (rc != 0) throw_errno(env, step, rc != 0 && tree < 0 ? source : target, saved);
  free(source), free(target);
  return NULL;
}

/*
 * seqpacketConnect(path) -> fd: a blocking, close-on-exec SOCK_SEQPACKET connection to a
 * unix socket. The address goes through /proc/self/fd/N of the socket's directory, so a
 * path longer than sun_path's 108 bytes still works (conmon binds its attach socket the same way).
 */
napi_value js_seqpacket_connect(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0]);
  if (!path) return NULL;
  napi_value result = NULL;
  char *slash = strrchr(path, '/');
  int dir = -1, fd = -1, err = 0;
  if (slash) {
    *slash = 0;
    dir = open(*path ? path : "/", O_PATH | O_CLOEXEC);
    *slash = '/';
  }
  if (slash && dir < 0) {
    err = errno;
  } else {
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    if (slash) snprintf(addr.sun_path, sizeof addr.sun_path, "/proc/self/fd/%d/%s", dir, slash + 1);
    else snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) err = errno;
  }
  if (dir >= 0) close(dir);
  if (err) {
    if (fd >= 0) close(fd);
    throw_errno(env, "connect", path, err);
  } else {
    napi_create_int32(env, fd, &result);
  }
  free(path);
  return result;
}

/* shutdown(fd, how): how is 0 (SHUT_RD), 1 (SHUT_WR) or 2 (SHUT_RDWR). */
napi_value js_shutdown(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t fd = -1, how = 0;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_int32(env, argv[1], &how);
  if (shutdown(fd, how) != 0) throw_errno(env, "shutdown", "socket", errno);
  return NULL;
}

