/*
 * Named network namespaces made in-process, as `ip netns add` makes them but without an
 * exec on every container start: a thread of ours unshares its network namespace (that
 * moves only the thread) and bind-mounts it onto the name's file, then ends; the mount keeps
 * the namespace alive. The caller makes sure the directory is a shared mount, as ip does,
 * so that a later unmount reaches the copies in mount namespaces made meanwhile.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <unistd.h>
#include "sys.h"

struct namespace_job {
  const char *path;
  int err;
  const char *step;
};

static void *make_in_thread(void *arg) {
  struct namespace_job *job = arg;
  if (unshare(CLONE_NEWNET) != 0) {
    job->err = errno, job->step = "unshare";
    return NULL;
  }
  char self[64];
  snprintf(self, sizeof self, "/proc/self/task/%d/ns/net", gettid());
  if (mount(self, job->path, NULL, MS_BIND, NULL) != 0) job->err = errno, job->step = "mount";
  return NULL;
}

/* makeNetNamespace(path): a new network namespace pinned at `path` (which must not exist). */
napi_value js_make_net_namespace(napi_env env, napi_callback_info info) {
  napi_value argv[1], result = NULL;
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0]);
  if (!path) return NULL;
  int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
  if (fd < 0) {
    throw_errno(env, "create", path, errno);
    free(path);
    return NULL;
  }
  close(fd);
  struct namespace_job job = {.path = path};
  pthread_t thread;
  int rc = pthread_create(&thread, NULL, make_in_thread, &job);
  if (rc != 0) job.err = rc, job.step = "pthread_create";
  else pthread_join(thread, NULL);
  if (job.err != 0) {
    unlink(path);
    throw_errno(env, job.step, path, job.err);
  } else {
    napi_get_undefined(env, &result);
  }
  free(path);
  return result;
}
