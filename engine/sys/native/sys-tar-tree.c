/*
 * The native unpacker's record of what one archive has made under the layer directory
 * (layer-tree.ts keeps the same record in TypeScript): canonical path → kind, and for a
 * directory the metadata applied once every entry is made. The target starts empty and
 * nothing else writes to it meanwhile, so the record is the whole truth about the tree.
 * An open-addressing hash table; removing a directory drops every path below it.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include "tar-unpack.h"

char tree_tombstone[1];

static uint64_t hash_of(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
  return h;
}

int tree_init(struct tree *tree) {
  tree->cap = 1024;
  tree->used = tree->live = 0;
  tree->slots = calloc(tree->cap, sizeof *tree->slots);
  return tree->slots ? 0 : -1;
}

void dir_meta_clear(struct dir_meta *meta) {
  for (size_t i = 0; i < meta->n_xattrs; i++) free(meta->xattrs[i].name), free(meta->xattrs[i].value);
  free(meta->xattrs);
  meta->xattrs = NULL;
  meta->n_xattrs = 0;
}

static void node_clear(struct tree_node *node) {
  if (node->path && node->path != tree_tombstone) free(node->path);
  dir_meta_clear(&node->meta);
  memset(node, 0, sizeof *node);
}

void tree_free(struct tree *tree) {
  for (size_t i = 0; i < tree->cap; i++) node_clear(&tree->slots[i]);
  free(tree->slots);
  tree->slots = NULL;
}

static struct tree_node *slot_for(struct tree *tree, const char *path, size_t len, int for_insert) {
  size_t mask = tree->cap - 1, i = hash_of(path, len) & mask;
  struct tree_node *free_slot = NULL;
  for (;;) {
    struct tree_node *n = &tree->slots[i];
    if (n->path == NULL) return for_insert ? (free_slot ? free_slot : n) : NULL;
    if (n->path == tree_tombstone) {
      if (!free_slot) free_slot = n;
    } else if (strncmp(n->path, path, len) == 0 && n->path[len] == 0) {
      return n;
    }
    i = (i + 1) & mask;
  }
}

struct tree_node *tree_find(struct tree *tree, const char *path, size_t len) {
  return slot_for(tree, path, len, 0);
}

static int grow(struct tree *tree) {
  struct tree old = *tree;
  tree->cap *= 2;
  tree->used = tree->live = 0;
  tree->slots = calloc(tree->cap, sizeof *tree->slots);
  if (!tree->slots) return *tree = old, -1;
  for (size_t i = 0; i < old.cap; i++) {
    struct tree_node *n = &old.slots[i];
    if (!n->path || n->path == tree_tombstone) continue;
    struct tree_node *to = slot_for(tree, n->path, strlen(n->path), 1);
    *to = *n;
    tree->used++, tree->live++;
  }
  free(old.slots);
  return 0;
}

struct tree_node *tree_put(struct tree *tree, const char *path, size_t len, enum node_kind kind) {
  struct tree_node *n = slot_for(tree, path, len, 1);
  if (n->path && n->path != tree_tombstone) {
    dir_meta_clear(&n->meta);
    memset(&n->meta, 0, sizeof n->meta);
    n->kind = kind;
    return n;
  }
  if ((tree->used + 1) * 2 > tree->cap) {
    if (grow(tree) < 0) return NULL;
    n = slot_for(tree, path, len, 1);
  }
  char *copy = malloc(len + 1);
  if (!copy) return NULL;
  memcpy(copy, path, len), copy[len] = 0;
  if (n->path == NULL) tree->used++;
  memset(n, 0, sizeof *n);
  n->path = copy;
  n->kind = kind;
  tree->live++;
  return n;
}

static void bury(struct tree *tree, struct tree_node *n) {
  node_clear(n);
  n->path = tree_tombstone;
  tree->live--;
}

void tree_remove(struct tree *tree, const char *path, size_t len) {
  struct tree_node *n = tree_find(tree, path, len);
  if (!n) return;
  int dir = n->kind == NODE_DIR;
  bury(tree, n);
  if (!dir) return;
  // Rare (an entry replacing a directory), so a scan of the whole table is fine.
  for (size_t i = 0; i < tree->cap; i++) {
    struct tree_node *c = &tree->slots[i];
    if (!c->path || c->path == tree_tombstone) continue;
    if ((len == 0 || (strncmp(c->path, path, len) == 0 && c->path[len] == '/'))) bury(tree, c);
  }
}
