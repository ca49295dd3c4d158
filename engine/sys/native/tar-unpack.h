/*
 * The native layer unpacker (sys-tar-*.c): reads a plain tar from a pipe, hashes it for
 * the diff ID, and creates its entries under a layer directory with *at() calls relative
 * to directory descriptors. It keeps the rules of the TypeScript unpacker
 * (engine/layers/apply-entry.ts, layer-tree.ts, tar-reader.ts) with the same messages, so
 * that a refused layer reads the same whichever path unpacked it.
 */
#ifndef INTERMODAL_TAR_UNPACK_H
#define INTERMODAL_TAR_UNPACK_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>

/* Why unpacking stopped: the category the caller rebuilds (InvalidArgumentError, QuotaExceededError) or an errno. */
enum tar_fault { FAULT_NONE, FAULT_INVALID, FAULT_QUOTA, FAULT_ERRNO };

struct tar_error {
  enum tar_fault fault;
  int err;          /* errno for FAULT_ERRNO */
  char message[1536];
  int named;        /* message already names the entry */
};

/* One extended attribute of an entry. */
struct tar_xattr {
  char *name;
  unsigned char *value;
  size_t len;
};

enum tar_type { T_FILE, T_LINK, T_SYMLINK, T_CHAR, T_BLOCK, T_DIR, T_FIFO };

/* One entry's header, extensions applied; strings are owned by the entry. */
struct tar_entry {
  char *name;
  size_t name_len;
  enum tar_type type;
  uint64_t size;
  /* Body bytes already read (by the file writer); the rest is skipped, as tar-reader.ts does. */
  uint64_t consumed;
  uint32_t mode;
  uint64_t uid, gid;
  /* Exact, as GNU tar sets it: a double cannot hold a PAX time to the nanosecond. */
  int64_t mtime_sec;
  long mtime_nsec;
  char *linkname;
  size_t linkname_len;
  uint64_t devmajor, devminor;
  struct tar_xattr *xattrs;
  size_t n_xattrs;
};

/* A PAX record set (keyword → raw bytes), in order. */
struct pax_record {
  char *key;
  unsigned char *value;
  size_t len;
};
struct pax_set {
  struct pax_record *items;
  size_t n, cap;
};

/* What the extension headers before an entry said. */
struct extensions {
  struct pax_set pax;
  int has_pax;
  char *long_name, *long_link;
};

/* The input: a pipe read into one large buffer, hashed and counted as it arrives. */
struct tar_input {
  int fd;
  unsigned char *buf;
  size_t cap, pos, end;
  uint64_t position;   /* bytes consumed */
  uint64_t total;      /* bytes read */
  uint64_t max_bytes;
  int eof;
  EVP_MD_CTX *hash;
  struct tar_error *error;
};

/* Reading (sys-tar-read.c). Each returns -1 with `error` set, or as documented. */
int tar_input_fill(struct tar_input *in);
/* Makes `n` bytes available at buf+pos; returns how many are (less than n only at the end). */
long tar_input_ensure(struct tar_input *in, size_t n);
int tar_input_skip(struct tar_input *in, uint64_t n, const char *what);
int tar_input_drain(struct tar_input *in);
/* The next entry: 1 with `entry` filled, 0 at the end of the archive, -1 on error. */
int tar_next_entry(struct tar_input *in, struct pax_set *globals, struct tar_entry *entry);
void tar_entry_free(struct tar_entry *entry);
double tar_read_number(const unsigned char *field, size_t len);
char *tar_field_string(const unsigned char *field, size_t len, size_t *out_len);
struct pax_record *pax_get(struct pax_set *set, const char *key);
/* sys-tar-header.c: an entry from its block and the extension headers before it. */
int tar_build_header(const unsigned char *block, struct extensions *ext, struct pax_set *globals, uint64_t offset, struct tar_entry *entry, struct tar_error *error);
void pax_set_free(struct pax_set *set);
int tar_fail(struct tar_error *error, enum tar_fault fault, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int tar_fail_errno(struct tar_error *error, int err, const char *what, const char *path);
const char *tar_type_name(enum tar_type type);

/* Applying (sys-tar-apply.c). */
struct tar_apply;
struct tar_apply *tar_apply_open(const char *root_dir, int allow_devices, struct tar_error *error);
/* Creates `entry`, reading a file's body from `in`; -1 on error. */
int tar_apply_entry(struct tar_apply *apply, struct tar_entry *entry, struct tar_input *in);
/* Directory ownership, modes, xattrs and times, once every entry is made. */
int tar_apply_finish(struct tar_apply *apply);
void tar_apply_close(struct tar_apply *apply);

/* The tree record (sys-tar-tree.c): what this archive has made, by canonical path. */
enum node_kind { NODE_NONE, NODE_DIR, NODE_FILE, NODE_SYMLINK, NODE_OTHER };
struct dir_meta {
  uint32_t mode;
  uint64_t uid, gid;
  int has_mtime;
  int64_t mtime_sec;
  long mtime_nsec;
  struct tar_xattr *xattrs;
  size_t n_xattrs;
};
struct tree_node {
  char *path; /* NULL: empty slot; tombstone: path == tree_tombstone */
  enum node_kind kind;
  struct dir_meta meta;
};
struct tree {
  struct tree_node *slots;
  size_t cap, used, live;
};
extern char tree_tombstone[];
int tree_init(struct tree *tree);
void tree_free(struct tree *tree);
struct tree_node *tree_find(struct tree *tree, const char *path, size_t len);
/* Inserts or replaces; returns the node (path copied), NULL on allocation failure. */
struct tree_node *tree_put(struct tree *tree, const char *path, size_t len, enum node_kind kind);
/* Removes `path` and, for a directory, every path below it. */
void tree_remove(struct tree *tree, const char *path, size_t len);
void dir_meta_clear(struct dir_meta *meta);

#endif
