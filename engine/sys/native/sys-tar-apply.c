/*
 * The native unpacker's entry creation, with apply-entry.ts's rules: every path is checked
 * against the tree record first (no '..', not absolute, no ancestor but a directory this
 * archive made); the final component is created fresh relative to its parent's descriptor
 * (O_CREAT|O_EXCL|O_NOFOLLOW, mkdirat, symlinkat, linkat, mknodat), never opened if it
 * exists; parents are opened with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS, so the kernel
 * refuses a way out even if the record were wrong. Directory metadata is applied last.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include "tar-unpack.h"

struct tar_apply {
  int rootfd;
  char *root_dir;
  int allow_devices;
  /* Root creates files as 0:0 and no parent passes a setgid group on, so chown to 0:0 is a no-op. */
  int owner_is_root;
  struct tree tree;
  struct tar_error *error;
  /* The parent directory of the last entry, open, while no directory was removed since. */
  char *parent;
  int parent_fd;
  int parent_valid;
  char path[8192];
};

#define FAIL(...) tar_fail(a->error, FAULT_INVALID, __VA_ARGS__)

static int open_beneath(int rootfd, const char *path) {
  struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
  int fd = (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) fd = openat(rootfd, *path ? path : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  return fd;
}

struct tar_apply *tar_apply_open(const char *root_dir, int allow_devices, struct tar_error *error) {
  struct tar_apply *a = calloc(1, sizeof *a);
  if (!a || tree_init(&a->tree) < 0 || !(a->root_dir = strdup(root_dir))) {
    if (a) tree_free(&a->tree), free(a);
    tar_fail_errno(error, ENOMEM, "open", root_dir);
    return NULL;
  }
  a->error = error;
  a->parent_fd = -1;
  a->rootfd = open(root_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  if (a->rootfd < 0 || fstat(a->rootfd, &st) < 0) {
    tar_fail_errno(error, errno, "open", root_dir);
    tar_apply_close(a);
    return NULL;
  }
  a->owner_is_root = geteuid() == 0 && getegid() == 0 && !(st.st_mode & S_ISGID);
  struct tree_node *root = tree_put(&a->tree, "", 0, NODE_DIR);
  if (!root) {
    tar_fail_errno(error, ENOMEM, "record", root_dir);
    tar_apply_close(a);
    return NULL;
  }
  root->meta = (struct dir_meta){.mode = 0755};
  return a;
}

void tar_apply_close(struct tar_apply *a) {
  if (!a) return;
  if (a->parent_fd >= 0 && a->parent_fd != a->rootfd) close(a->parent_fd);
  if (a->rootfd >= 0) close(a->rootfd);
  tree_free(&a->tree);
  free(a->parent), free(a->root_dir), free(a);
}

/* The canonical form of an entry name (normaliseEntryPath): into `out`, or -1 with `why`. */
static int canonical(const char *name, size_t len, char *out, size_t cap, const char **why) {
  if (memchr(name, 0, len)) return *why = "name contains a NUL byte", -1;
  if (len > 0 && name[0] == '/') return *why = "absolute path escapes the layer", -1;
  size_t o = 0;
  for (size_t i = 0; i <= len;) {
    size_t j = i;
    while (j < len && name[j] != '/') j++;
    size_t n = j - i;
    if (n == 2 && name[i] == '.' && name[i + 1] == '.') return *why = "path escapes the layer", -1;
    if (n > 0 && !(n == 1 && name[i] == '.')) {
      if (o + n + 2 > cap) return *why = "name is too long", -1;
      if (o > 0) out[o++] = '/';
      memcpy(out + o, name + i, n), o += n;
    }
    i = j + 1;
  }
  out[o] = 0;
  return (int)o;
}

static void set_times(struct timespec ts[2], int64_t sec, long nsec) {
  ts[0].tv_sec = (time_t)sec;
  ts[0].tv_nsec = nsec;
  ts[1] = ts[0];
}

/* The directory holding `path` (canonical, not the root), creating missing ancestors; its descriptor. */
static int parent_for(struct tar_apply *a, const char *path, size_t dir_len) {
  if (a->parent_valid && a->parent && strlen(a->parent) == dir_len && memcmp(a->parent, path, dir_len) == 0) return a->parent_fd;
  for (size_t at = 0; at < dir_len;) {
    const char *slash = memchr(path + at, '/', dir_len - at);
    size_t end = slash ? (size_t)(slash - path) : dir_len;
    struct tree_node *node = tree_find(&a->tree, path, end);
    if (!node) {
      char prefix[8192];
      memcpy(prefix, path, end), prefix[end] = 0;
      if (mkdirat(a->rootfd, prefix, 0700) < 0) return tar_fail_errno(a->error, errno, "mkdir", prefix);
      node = tree_put(&a->tree, path, end, NODE_DIR);
      if (!node) return tar_fail_errno(a->error, ENOMEM, "record", prefix);
      node->meta = (struct dir_meta){.mode = 0755};
    } else if (node->kind != NODE_DIR) {
      return node->kind == NODE_SYMLINK ? FAIL("path goes through the symlink '%.*s'", (int)end, path) : FAIL("parent '%.*s' is not a directory", (int)end, path);
    }
    at = end + 1;
  }
  if (a->parent_fd >= 0 && a->parent_fd != a->rootfd) close(a->parent_fd);
  free(a->parent);
  a->parent_valid = 0;
  a->parent = strndup(path, dir_len);
  char dir[8192];
  memcpy(dir, path, dir_len), dir[dir_len] = 0;
  a->parent_fd = dir_len == 0 ? a->rootfd : open_beneath(a->rootfd, dir);
  if (a->parent_fd < 0 || !a->parent) return tar_fail_errno(a->error, a->parent ? errno : ENOMEM, "open", dir);
  a->parent_valid = 1;
  return a->parent_fd;
}

/* rm -r of a directory this archive made, through descriptors (never following symlinks). */
static int remove_tree_at(int dirfd, const char *name) {
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return -1;
  DIR *d = fdopendir(fd);
  if (!d) return close(fd), -1;
  struct dirent *e;
  int rc = 0;
  while (rc == 0 && (e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    struct stat st;
    int is_dir = e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode));
    rc = is_dir ? remove_tree_at(fd, e->d_name) : unlinkat(fd, e->d_name, 0);
  }
  closedir(d);
  return rc < 0 ? -1 : unlinkat(dirfd, name, AT_REMOVEDIR);
}

/* Removes what the archive made at `path` so that an entry of the same name replaces it. */
static int replace(struct tar_apply *a, int pfd, const char *path, size_t len, const char *base) {
  struct tree_node *node = tree_find(&a->tree, path, len);
  if (!node) return 0;
  int dir = node->kind == NODE_DIR;
  if ((dir ? remove_tree_at(pfd, base) : unlinkat(pfd, base, 0)) < 0) return tar_fail_errno(a->error, errno, dir ? "rm" : "unlink", path);
  tree_remove(&a->tree, path, len);
  // A removed directory may be an ancestor the cached parent was checked through.
  if (dir) a->parent_valid = 0;
  return 0;
}

static int set_xattrs(struct tar_apply *a, int fd, const char *path, struct tar_xattr *x, size_t n, int symlink) {
  for (size_t i = 0; i < n; i++) {
    int rc;
    if (fd >= 0) {
      rc = fsetxattr(fd, x[i].name, x[i].value, x[i].len, 0);
    } else {
      snprintf(a->path, sizeof a->path, "%s/%s", a->root_dir, path);
      rc = lsetxattr(a->path, x[i].name, x[i].value, x[i].len, 0);
    }
    // The kernel allows no user.* xattrs on symlinks; Docker drops them the same way.
    if (rc < 0 && !(symlink && errno == EPERM)) return tar_fail_errno(a->error, errno, "lsetxattr", path);
  }
  return 0;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return -1;
    p += w, n -= (size_t)w;
  }
  return 0;
}

static int write_file(struct tar_apply *a, int pfd, const char *path, size_t len, const char *base, struct tar_entry *e, struct tar_input *in) {
  if (replace(a, pfd, path, len, base) < 0) return -1;
  int fd = openat(pfd, base, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return tar_fail_errno(a->error, errno, "open", path);
  // Recorded before the body is written, so a failure part way is cleaned up with the rest.
  if (!tree_put(&a->tree, path, len, NODE_FILE)) return close(fd), tar_fail_errno(a->error, ENOMEM, "record", path);
  uint64_t remaining = e->size;
  while (remaining > 0) {
    if (in->pos == in->end) {
      int r = tar_input_fill(in);
      if (r < 0) return close(fd), -1;
      if (r == 0) return close(fd), FAIL("tar archive is truncated: the body of '%s' ends %llu bytes early", e->name, (unsigned long long)remaining);
    }
    size_t k = in->end - in->pos < remaining ? in->end - in->pos : (size_t)remaining;
    if (write_all(fd, in->buf + in->pos, k) < 0) return close(fd), tar_fail_errno(a->error, errno, "write", path);
    in->pos += k, in->position += k, remaining -= k, e->consumed += k;
  }
  struct timespec ts[2];
  set_times(ts, e->mtime_sec, e->mtime_nsec);
  // chown clears setuid/setgid and file capabilities, so it goes first and the xattrs last.
  int rc = 0;
  if (!(a->owner_is_root && e->uid == 0 && e->gid == 0) && fchown(fd, (uid_t)e->uid, (gid_t)e->gid) < 0) rc = tar_fail_errno(a->error, errno, "fchown", path);
  else if (fchmod(fd, e->mode) < 0) rc = tar_fail_errno(a->error, errno, "fchmod", path);
  else if (set_xattrs(a, fd, path, e->xattrs, e->n_xattrs, 0) < 0) rc = -1;
  else if (futimens(fd, ts) < 0) rc = tar_fail_errno(a->error, errno, "futime", path);
  close(fd);
  return rc;
}

/* Owner and times of a node made by name (symlink, device, FIFO, whiteout), never following it. */
static int finish_node(struct tar_apply *a, int pfd, const char *path, const char *base, struct tar_entry *e, int chmod, int symlink) {
  struct timespec ts[2];
  set_times(ts, e->mtime_sec, e->mtime_nsec);
  if (!(a->owner_is_root && e->uid == 0 && e->gid == 0) && fchownat(pfd, base, (uid_t)e->uid, (gid_t)e->gid, AT_SYMLINK_NOFOLLOW) < 0) return tar_fail_errno(a->error, errno, "lchown", path);
  // By name, but safely: the node was just made here and is not a symlink.
  if (chmod && fchmodat(pfd, base, e->mode, 0) < 0) return tar_fail_errno(a->error, errno, "chmod", path);
  if ((chmod || symlink) && set_xattrs(a, -1, path, e->xattrs, e->n_xattrs, symlink) < 0) return -1;
  if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0) return tar_fail_errno(a->error, errno, "lutime", path);
  return 0;
}

static int make_node(struct tar_apply *a, int pfd, const char *path, size_t len, const char *base, mode_t type, struct tar_entry *e, int whiteout) {
  if (replace(a, pfd, path, len, base) < 0) return -1;
  dev_t dev = whiteout ? makedev(0, 0) : makedev((unsigned)e->devmajor, (unsigned)e->devminor);
  if (mknodat(pfd, base, type, dev) < 0) return tar_fail_errno(a->error, errno, "mknod", path);
  if (!tree_put(&a->tree, path, len, NODE_OTHER)) return tar_fail_errno(a->error, ENOMEM, "record", path);
  return finish_node(a, pfd, path, base, e, !whiteout, 0);
}

static int opaque_directory(struct tar_apply *a, const char *dir) {
  int fd = open_beneath(a->rootfd, dir);
  if (fd < 0) return tar_fail_errno(a->error, errno, "open", dir);
  int rc = fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0);
  int err = errno;
  close(fd);
  return rc < 0 ? tar_fail_errno(a->error, err, "lsetxattr", dir) : 0;
}

/* Moves the entry's metadata (and its xattrs) onto a directory node. */
static void take_meta(struct tree_node *node, struct tar_entry *e) {
  dir_meta_clear(&node->meta);
  node->meta = (struct dir_meta){.mode = e->mode, .uid = e->uid, .gid = e->gid, .has_mtime = 1, .mtime_sec = e->mtime_sec, .mtime_nsec = e->mtime_nsec, .xattrs = e->xattrs, .n_xattrs = e->n_xattrs};
  e->xattrs = NULL, e->n_xattrs = 0;
}

static int layer_xattr(const char *name) {
  return strncmp(name, "user.", 5) == 0 || strcmp(name, "security.capability") == 0;
}

/* The whiteout a base name stands for: 0 none, 1 opaque, 2 hide `*hidden`; -1 refused. */
static int whiteout_of(struct tar_apply *a, const char *base, const char **hidden) {
  if (strncmp(base, ".wh.", 4) != 0) return 0;
  if (strcmp(base, ".wh..wh..opq") == 0) return 1;
  if (strncmp(base, ".wh..wh.", 8) == 0) return FAIL("unknown whiteout marker '%s'", base);
  *hidden = base + 4;
  if (**hidden == 0 || strcmp(*hidden, ".") == 0 || strcmp(*hidden, "..") == 0) return FAIL("whiteout '%s' names no valid entry", base);
  return 2;
}

int tar_apply_entry(struct tar_apply *a, struct tar_entry *e, struct tar_input *in) {
  char path[4096];
  const char *why = NULL;
  int len = canonical(e->name, e->name_len, path, sizeof path, &why);
  if (len < 0) return FAIL("%s", why);
  for (size_t i = 0; i < e->n_xattrs; i++) {
    if (!layer_xattr(e->xattrs[i].name)) return FAIL("xattr '%s' is not allowed in a layer (only user.* and security.capability are)", e->xattrs[i].name);
  }
  if (e->uid > 0xfffffffe || e->gid > 0xfffffffe) return FAIL("owner %llu:%llu is out of range", (unsigned long long)e->uid, (unsigned long long)e->gid);
  const char *slash = strrchr(path, '/');
  const char *base = slash ? slash + 1 : path;
  size_t dir_len = slash ? (size_t)(slash - path) : 0;
  const char *hidden = NULL;
  int whiteout = whiteout_of(a, base, &hidden);
  if (whiteout < 0) return -1;
  if (whiteout) {
    int pfd = parent_for(a, path, dir_len);
    if (pfd < 0) return -1;
    char dir[4096];
    memcpy(dir, path, dir_len), dir[dir_len] = 0;
    if (whiteout == 1) return opaque_directory(a, dir);
    char target[4096 + 256];
    int tlen = snprintf(target, sizeof target, "%s%s%s", dir, dir_len ? "/" : "", hidden);
    return make_node(a, pfd, target, (size_t)tlen, hidden, S_IFCHR, e, 1);
  }
  if (len == 0) {
    if (e->type != T_DIR) return FAIL("the layer root can only be a directory, not a %s", tar_type_name(e->type));
    take_meta(tree_find(&a->tree, "", 0), e);
    return 0;
  }
  int pfd = parent_for(a, path, dir_len);
  if (pfd < 0) return -1;
  switch (e->type) {
    case T_DIR: {
      struct tree_node *node = tree_find(&a->tree, path, (size_t)len);
      if (!node || node->kind != NODE_DIR) {
        if (replace(a, pfd, path, (size_t)len, base) < 0) return -1;
        if (mkdirat(pfd, base, 0700) < 0) return tar_fail_errno(a->error, errno, "mkdir", path);
        node = tree_put(&a->tree, path, (size_t)len, NODE_DIR);
        if (!node) return tar_fail_errno(a->error, ENOMEM, "record", path);
      }
      take_meta(node, e);
      return 0;
    }
    case T_FILE:
      return write_file(a, pfd, path, (size_t)len, base, e, in);
    case T_SYMLINK:
      if (e->linkname_len == 0) return FAIL("symlink has an empty target");
      if (memchr(e->linkname, 0, e->linkname_len)) return FAIL("symlink target contains a NUL byte");
      if (replace(a, pfd, path, (size_t)len, base) < 0) return -1;
      // The target is stored, never resolved here: it means something only inside the container.
      if (symlinkat(e->linkname, pfd, base) < 0) return tar_fail_errno(a->error, errno, "symlink", path);
      if (!tree_put(&a->tree, path, (size_t)len, NODE_SYMLINK)) return tar_fail_errno(a->error, ENOMEM, "record", path);
      return finish_node(a, pfd, path, base, e, 0, 1);
    case T_LINK: {
      // Only a regular file this archive made, reached through its directories: never a
      // symlink or directory (whose later chmod would land outside), nothing outside.
      char target[4096];
      int tlen = canonical(e->linkname, e->linkname_len, target, sizeof target, &why);
      if (tlen < 0) return FAIL("hardlink target '%s': %s", e->linkname, why);
      struct tree_node *node = tree_find(&a->tree, target, (size_t)tlen);
      if (!node || node->kind != NODE_FILE) return FAIL("hardlink target '%s' is not a regular file earlier in this layer", e->linkname);
      if (strcmp(target, path) == 0) return 0;
      if (replace(a, pfd, path, (size_t)len, base) < 0) return -1;
      if (linkat(a->rootfd, target, pfd, base, 0) < 0) return tar_fail_errno(a->error, errno, "link", path);
      return tree_put(&a->tree, path, (size_t)len, NODE_FILE) ? 0 : tar_fail_errno(a->error, ENOMEM, "record", path);
    }
    case T_FIFO:
      return make_node(a, pfd, path, (size_t)len, base, S_IFIFO, e, 0);
    case T_CHAR:
    case T_BLOCK: {
      int whiteout_device = e->type == T_CHAR && e->devmajor == 0 && e->devminor == 0;
      if (!whiteout_device && !a->allow_devices) {
        return FAIL("%s %llu:%llu is not allowed (device nodes are off for this import)", tar_type_name(e->type), (unsigned long long)e->devmajor, (unsigned long long)e->devminor);
      }
      return make_node(a, pfd, path, (size_t)len, base, e->type == T_CHAR ? S_IFCHR : S_IFBLK, e, 0);
    }
  }
  return 0;
}

int tar_apply_finish(struct tar_apply *a) {
  for (size_t i = 0; i < a->tree.cap; i++) {
    struct tree_node *n = &a->tree.slots[i];
    if (!n->path || n->path == tree_tombstone || n->kind != NODE_DIR) continue;
    struct dir_meta *m = &n->meta;
    int fd = open_beneath(a->rootfd, n->path);
    int rc = 0;
    if (fd < 0) rc = tar_fail_errno(a->error, errno, "open", n->path);
    else if (!(a->owner_is_root && m->uid == 0 && m->gid == 0) && fchown(fd, (uid_t)m->uid, (gid_t)m->gid) < 0) rc = tar_fail_errno(a->error, errno, "fchown", n->path);
    else if (fchmod(fd, m->mode) < 0) rc = tar_fail_errno(a->error, errno, "fchmod", n->path);
    else if (set_xattrs(a, fd, n->path, m->xattrs, m->n_xattrs, 0) < 0) rc = -1;
    else if (m->has_mtime) {
      struct timespec ts[2];
      set_times(ts, m->mtime_sec, m->mtime_nsec);
      if (futimens(fd, ts) < 0) rc = tar_fail_errno(a->error, errno, "futime", n->path);
    }
    if (fd >= 0) close(fd);
    if (rc < 0) {
      // Named as the TypeScript unpacker names it: the directory with a trailing slash.
      char message[sizeof a->error->message];
      snprintf(message, sizeof message, "layer entry '%s%s': %s", *n->path ? n->path : ".", *n->path ? "/" : "", a->error->message);
      memcpy(a->error->message, message, sizeof message);
      a->error->named = 1;
      return -1;
    }
  }
  return 0;
}
