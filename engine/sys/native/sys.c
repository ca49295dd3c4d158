/*
 * The few Linux system calls Node.js does not expose and the engine cannot do without:
 * mount/umount (overlayfs snapshots), mknod (overlay whiteouts are 0/0 character devices),
 * the l*xattr family (opaque directories, file capabilities), and (in sys-ns-socket.c)
 * idmapped mounts and SOCK_SEQPACKET sockets. Every call is synchronous and throws a JS
 * Error whose `code` is the errno name (ENOENT, EINVAL, ...), as Node's fs does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <node_api.h>
#include "sys.h"

#define MAX_ARG_STRING 16384
#define MAX_LIST_BYTES 65536

napi_value errno_error(napi_env env, const char *what, const char *path, int err) {
  char msg[1024];
  const char *name = strerrorname_np(err);
  snprintf(msg, sizeof msg, "%s: %s, %s '%s'", name ? name : "EUNKNOWN", strerror(err), what,
           path ? path : "");
  napi_value code, message, error, errnum;
  napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -err, &errnum);
  napi_set_named_property(env, error, "errno", errnum);
  napi_set_named_property(env, error, "syscall", message);
  return error;
}

napi_value throw_errno(napi_env env, const char *what, const char *path, int err) {
  napi_throw(env, errno_error(env, what, path, err));
  return NULL;
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

/* Copies a JS string argument into a malloc'd C string; NULL (with a pending exception) on error. */
char *get_string(napi_env env, napi_value value) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    throw_type(env, "expected a string argument");
    return NULL;
  }
  if (len >= MAX_ARG_STRING) {
    throw_type(env, "string argument too long");
    return NULL;
  }
  char *buf = malloc(len + 1);
  if (!buf) return NULL;
  napi_get_value_string_utf8(env, value, buf, len + 1, &len);
  return buf;
}

static int is_nullish(napi_env env, napi_value value) {
  napi_valuetype t;
  napi_typeof(env, value, &t);
  return t == napi_null || t == napi_undefined;
}

int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv) {
  size_t argc = want;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < want) {
    throw_type(env, "missing arguments");
    return 0;
  }
  return 1;
}

/* mount(source, target, fstype, flags, data|null) */
static napi_value js_mount(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  char *source = get_string(env, argv[0]), *target = get_string(env, argv[1]),
       *fstype = get_string(env, argv[2]);
  char *data = is_nullish(env, argv[4]) ? NULL : get_string(env, argv[4]);
  double flags = 0;
  napi_get_value_double(env, argv[3], &flags);
  napi_value result = NULL;
  if (source && target && fstype) {
    if (mount(source, target, fstype, (unsigned long)flags, data) != 0)
      throw_errno(env, "mount", target, errno);
  }
  free(source), free(target), free(fstype), free(data);
  return result;
}

/*
 * overlayMount(target, lowerdirs[], upperdir|null, workdir|null, extraOptions)
 * The classic mount(2) data string is limited to one page, which caps how many layers an
 * image may have; when the joined lowerdir does not fit, the new mount API's "lowerdir+"
 * (Linux 6.8+) appends layers one at a time instead.
 */
static int overlay_fsmount(const char *target, char **lowers, uint32_t n, const char *upper,
                           const char *work, const char *extra) {
  int fs = syscall(SYS_fsopen, "overlay", 1 /* FSOPEN_CLOEXEC */);
  if (fs < 0) return -1;
  int ok = 1;
  for (uint32_t i = 0; ok && i < n; i++)
    ok = syscall(SYS_fsconfig, fs, 1 /* FSCONFIG_SET_STRING */, "lowerdir+", lowers[i], 0) == 0;
  if (ok && upper) ok = syscall(SYS_fsconfig, fs, 1, "upperdir", upper, 0) == 0;
  if (ok && work) ok = syscall(SYS_fsconfig, fs, 1, "workdir", work, 0) == 0;
  if (ok && extra && *extra) {
    char *opts = strdup(extra), *save = NULL;
    for (char *opt = strtok_r(opts, ",", &save); ok && opt; opt = strtok_r(NULL, ",", &save)) {
      char *eq = strchr(opt, '=');
      if (eq) {
        *eq = 0;
        ok = syscall(SYS_fsconfig, fs, 1, opt, eq + 1, 0) == 0;
      } else {
        ok = syscall(SYS_fsconfig, fs, 0 /* FSCONFIG_SET_FLAG */, opt, NULL, 0) == 0;
      }
    }
    free(opts);
  }
  if (ok) ok = syscall(SYS_fsconfig, fs, 6 /* FSCONFIG_CMD_CREATE */, NULL, NULL, 0) == 0;
  int mnt = ok ? syscall(SYS_fsmount, fs, 1 /* FSMOUNT_CLOEXEC */, 0) : -1;
  int saved = errno;
  close(fs);
  if (mnt < 0) {
    errno = saved;
    return -1;
  }
  int rc = syscall(SYS_move_mount, mnt, "", AT_FDCWD, target, 4 /* MOVE_MOUNT_F_EMPTY_PATH */);
  saved = errno;
  close(mnt);
  errno = saved;
  return rc;
}

static napi_value js_overlay_mount(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  if (!get_args(env, info, 5, argv)) return NULL;
  uint32_t n = 0;
  if (napi_get_array_length(env, argv[1], &n) != napi_ok || n == 0)
    return throw_type(env, "lowerdirs must be a non-empty array");
  char *target = get_string(env, argv[0]);
  char *upper = is_nullish(env, argv[2]) ? NULL : get_string(env, argv[2]);
  char *work = is_nullish(env, argv[3]) ? NULL : get_string(env, argv[3]);
  char *extra = get_string(env, argv[4]);
  char **lowers = calloc(n, sizeof(char *));
  size_t total = 0;
  int failed = !target || !extra || !lowers;
  for (uint32_t i = 0; !failed && i < n; i++) {
    napi_value item;
    napi_get_element(env, argv[1], i, &item);
    lowers[i] = get_string(env, item);
    if (!lowers[i]) failed = 1;
    else total += strlen(lowers[i]) + 1;
  }
  if (!failed) {
    size_t cap = total + 64 + (upper ? strlen(upper) : 0) + (work ? strlen(work) : 0) + strlen(extra);
    char *data = malloc(cap + 32);
    char *p = data;
    p += sprintf(p, "lowerdir=");
    for (uint32_t i = 0; i < n; i++) p += sprintf(p, "%s%s", i ? ":" : "", lowers[i]);
    if (upper) p += sprintf(p, ",upperdir=%s", upper);
    if (work) p += sprintf(p, ",workdir=%s", work);
    if (*extra) p += sprintf(p, ",%s", extra);
    long page = sysconf(_SC_PAGESIZE);
    int rc;
    if ((long)(p - data) < page - 1) {
      rc = mount("overlay", target, "overlay", 0, data);
    } else {
      rc = overlay_fsmount(target, lowers, n, upper, work, extra);
    }
    if (rc != 0) throw_errno(env, "mount overlay", target, errno);
    free(data);
  }
  for (uint32_t i = 0; lowers && i < n; i++) free(lowers[i]);
  free(lowers), free(target), free(upper), free(work), free(extra);
  return NULL;
}

/* umount(target, flags) */
static napi_value js_umount(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *target = get_string(env, argv[0]);
  int32_t flags = 0;
  napi_get_value_int32(env, argv[1], &flags);
  if (target && umount2(target, flags) != 0) throw_errno(env, "umount", target, errno);
  free(target);
  return NULL;
}

/* mknod(path, mode, major, minor) */
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!get_args(env, info, 4, argv)) return NULL;
  char *path = get_string(env, argv[0]);
  uint32_t mode = 0, major_ = 0, minor_ = 0;
  napi_get_value_uint32(env, argv[1], &mode);
  napi_get_value_uint32(env, argv[2], &major_);
  napi_get_value_uint32(env, argv[3], &minor_);
  if (path && mknod(path, mode, makedev(major_, minor_)) != 0) throw_errno(env, "mknod", path, errno);
  free(path);
  return NULL;
}

/* lsetxattr(path, name, value: Buffer) */
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  char *path = get_string(env, argv[0]), *name = get_string(env, argv[1]);
  void *data = NULL;
  size_t len = 0;
  if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
    free(path), free(name);
    return throw_type(env, "value must be a Buffer");
  }
  if (path && name && lsetxattr(path, name, data, len, 0) != 0) throw_errno(env, "lsetxattr", path, errno);
  free(path), free(name);
  return NULL;
}

/* lgetxattr(path, name) -> Buffer | null when the attribute is absent */
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!get_args(env, info, 2, argv)) return NULL;
  char *path = get_string(env, argv[0]), *name = get_string(env, argv[1]);
  napi_value result = NULL;
  if (path && name) {
    char buf[MAX_LIST_BYTES];
    ssize_t n = lgetxattr(path, name, buf, sizeof buf);
    if (n >= 0) {
      void *out;
      napi_create_buffer_copy(env, (size_t)n, buf, &out, &result);
    } else if (errno == ENODATA || errno == ENOTSUP) {
      napi_get_null(env, &result);
    } else {
      throw_errno(env, "lgetxattr", path, errno);
    }
  }
  free(path), free(name);
  return result;
}

/* llistxattr(path) -> string[] */
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!get_args(env, info, 1, argv)) return NULL;
  char *path = get_string(env, argv[0]);
  napi_value result = NULL;
  if (path) {
    char buf[MAX_LIST_BYTES];
    ssize_t n = llistxattr(path, buf, sizeof buf);
    if (n < 0 && errno != ENOTSUP) {
      throw_errno(env, "llistxattr", path, errno);
    } else {
      napi_create_array(env, &result);
      uint32_t idx = 0;
      for (ssize_t off = 0; n > 0 && off < n; off += strlen(buf + off) + 1) {
        napi_value s;
        napi_create_string_utf8(env, buf + off, NAPI_AUTO_LENGTH, &s);
        napi_set_element(env, result, idx++, s);
      }
    }
  }
  free(path);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"overlayMount", NULL, js_overlay_mount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"umount", NULL, js_umount, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL},
      {"idmapClone", NULL, js_idmap_clone, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seqpacketConnect", NULL, js_seqpacket_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"shutdown", NULL, js_shutdown, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mountIntoNamespace", NULL, js_mount_into_namespace, NULL, NULL, NULL, napi_enumerable, NULL},
      {"umountInNamespace", NULL, js_umount_in_namespace, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setTopDirectory", NULL, js_set_top_directory, NULL, NULL, NULL, napi_enumerable, NULL},
      {"announceAddress", NULL, js_announce_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"makeNetNamespace", NULL, js_make_net_namespace, NULL, NULL, NULL, napi_enumerable, NULL},
      {"runProgram", NULL, js_run_program, NULL, NULL, NULL, napi_enumerable, NULL},
      {"pipeWithCapacity", NULL, js_pipe_with_capacity, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unpackTarFd", NULL, js_unpack_tar_fd, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
