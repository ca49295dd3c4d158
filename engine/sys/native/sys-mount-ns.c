/*
 * Mounts into a running container, for volumes attached while it runs (see
 * engine/containers/volume-hotplug.ts). A container has no block devices and its mount
 * namespace is private, so a volume's filesystem, already mounted on the host, is cloned
 * with open_tree() here and the clone is moved into the container's namespace by a
 * short-lived child that joins it: setns() cannot move a threaded process (Node) into a
 * mount namespace, and a cloned, detached mount is the one kind move_mount() lets cross
 * into another namespace. The container gains no capability and sees no host directory.
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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys.h"

#define CLONE_TREE 1              /* OPEN_TREE_CLONE */
#define EMPTY_PATH_FLAG 0x1000    /* AT_EMPTY_PATH */
#define MOVE_FROM_EMPTY_PATH 0x4  /* MOVE_MOUNT_F_EMPTY_PATH */
#define ATTR_RDONLY 0x1           /* MOUNT_ATTR_RDONLY */
#define ATTR_NOSUID 0x2           /* MOUNT_ATTR_NOSUID */
#define ATTR_NODEV 0x4            /* MOUNT_ATTR_NODEV */

struct tree_attr {
  uint64_t attr_set, attr_clr, propagation, userns_fd;
};

/* Creates each missing directory of the absolute path `target`, as `mkdir -p` would. */
static int make_dirs(char *target) {
  for (char *p = target + 1;; p++) {
    if (*p != '/' && *p != '\0') continue;
    char c = *p;
    *p = '\0';
    int rc = mkdir(target, 0755);
    int err = errno;
    *p = c;
    if (rc != 0 && err != EEXIST) return err;
    if (c == '\0') return 0;
  }
}

/* The step the child runs inside the namespace; returns 0 or an errno value. */
struct ns_step {
  int tree_fd; /* the clone to move in, or -1 to unmount */
  char *target;
};

static int run_step(struct ns_step *step) {
  if (step->tree_fd < 0) return umount2(step->target, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 ? 0 : errno;
  int err = make_dirs(step->target);
  if (err != 0) return err;
  struct stat st;
  if (lstat(step->target, &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  if (syscall(SYS_move_mount, step->tree_fd, "", AT_FDCWD, step->target, MOVE_FROM_EMPTY_PATH) != 0) return errno;
  return 0;
}

/*
 * Runs `step` in a child (a raw clone without CLONE_VM or CLONE_FS, so it has its own
 * fs_struct and makes only system calls: safe in a threaded process) that has joined the
 * mount namespace of `pid`. After setns() its root is the container's root, so the
 * target path and any symlink in it resolve inside the container.
 */
static int in_mount_ns(int pid, struct ns_step *step) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/ns/mnt", pid);
  int ns_fd = open(path, O_RDONLY | O_CLOEXEC);
  if (ns_fd < 0) return errno;
  pid_t child = syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
  if (child == 0) {
    if (setns(ns_fd, CLONE_NEWNS) != 0) _exit(errno);
    _exit(run_step(step));
  }
  int err = child < 0 ? errno : 0;
  close(ns_fd);
  if (child < 0) return err;
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return errno;
  }
  if (!WIFEXITED(status)) return ECHILD;
  return WEXITSTATUS(status);
}

/*
 * mountIntoNamespace(pid, source, target, readOnly): mounts a clone of the host mount at
 * `source` on `target` (made if missing) in the mount namespace of process `pid`, nosuid
 * and nodev whatever the source's flags, read-only when asked.
 */
napi_value js_mount_into_namespace(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  int32_t pid = 0;
  bool read_only = false;
  napi_get_value_int32(env, argv[0], &pid);
  napi_get_value_bool(env, argv[3], &read_only);
  char *source = get_string(env, argv[1]), *target = get_string(env, argv[2]);
  if (source && target) {
    if (pid <= 0 || target[0] != '/') {
      throw_errno(env, "mount into namespace", target, EINVAL);
    } else {
      int tree = syscall(SYS_open_tree, AT_FDCWD, source, CLONE_TREE | O_CLOEXEC);
      if (tree < 0) {
        throw_errno(env, "open_tree", source, errno);
      } else {
        struct tree_attr attr = {ATTR_NOSUID | ATTR_NODEV | (read_only ? ATTR_RDONLY : 0), 0, MS_PRIVATE, 0};
        int err = syscall(SYS_mount_setattr, tree, "", EMPTY_PATH_FLAG, &attr, sizeof attr) == 0 ? 0 : errno;
        if (err != 0) {
          throw_errno(env, "mount_setattr", source, err);
        } else {
          struct ns_step step = {tree, target};
          err = in_mount_ns(pid, &step);
          if (err != 0) throw_errno(env, "mount into container namespace", target, err);
        }
        close(tree);
      }
    }
  }
  free(source);
  free(target);
  return NULL;
}

/* umountInNamespace(pid, target): detaches the mount at `target` in the mount namespace of `pid`. */
napi_value js_umount_in_namespace(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  int32_t pid = 0;
  napi_get_value_int32(env, argv[0], &pid);
  char *target = get_string(env, argv[1]);
  if (target) {
    struct ns_step step = {-1, target};
    int err = pid > 0 && target[0] == '/' ? in_mount_ns(pid, &step) : EINVAL;
    if (err != 0) throw_errno(env, "umount in container namespace", target, err);
  }
  free(target);
  return NULL;
}
