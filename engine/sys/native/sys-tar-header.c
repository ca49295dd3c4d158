/*
 * The native unpacker's header decoding: one entry from its 512-byte block, the PAX and GNU
 * extension headers before it and the global PAX records, as engine/layers/tar-reader.ts
 * headerOf() and pax.ts xattrsOf() decode them (same precedence, same refusals).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tar-unpack.h"

#define MAX_SAFE 9007199254740991.0

static char *dup_bytes(const void *bytes, size_t len) {
  char *s = malloc(len + 1);
  if (s) memcpy(s, bytes, len), s[len] = 0;
  return s;
}

static const struct pax_record *pax_value(struct extensions *ext, struct pax_set *globals, const char *key) {
  struct pax_record *r = ext->has_pax ? pax_get(&ext->pax, key) : NULL;
  if (!r) r = pax_get(globals, key);
  return r && r->len > 0 ? r : NULL;
}

/* A PAX decimal integer (digits only), or NAN. */
static double pax_integer(const struct pax_record *r) {
  double value = 0;
  for (size_t i = 0; i < r->len; i++) {
    if (r->value[i] < '0' || r->value[i] > '9') return NAN;
    value = value * 10 + (r->value[i] - '0');
  }
  return value;
}

/* A PAX time, -?digits(.digits*)?, into seconds and nanoseconds (floored); -1 when malformed. */
static int pax_time(const struct pax_record *r, int64_t *sec, long *nsec) {
  const char *s = (const char *)r->value;
  size_t i = 0;
  int negative = s[i] == '-';
  if (negative) i++;
  size_t digits = 0;
  int64_t whole = 0;
  for (; i < r->len && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
    if (whole > 9007199254740991ll / 10) return -1;
    whole = whole * 10 + (s[i] - '0');
  }
  if (digits == 0) return -1;
  long frac = 0;
  int frac_digits = 0;
  if (i < r->len && s[i] == '.') {
    for (i++; i < r->len && s[i] >= '0' && s[i] <= '9'; i++) {
      if (frac_digits < 9) frac = frac * 10 + (s[i] - '0'), frac_digits++;
    }
  }
  if (i != r->len) return -1;
  for (; frac_digits < 9; frac_digits++) frac *= 10;
  *sec = negative ? -whole : whole;
  *nsec = frac;
  if (negative && frac > 0) *sec -= 1, *nsec = 1000000000L - frac;
  return 0;
}

static int hex(int c) {
  return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* decodeURIComponent for libarchive's xattr names: NULL when a '%' escape is malformed. */
static char *percent_decoded(const char *s) {
  size_t len = strlen(s), o = 0;
  char *out = malloc(len + 1);
  if (!out) return NULL;
  for (size_t i = 0; i < len; i++) {
    if (s[i] != '%') { out[o++] = s[i]; continue; }
    int a = i + 2 < len ? hex(s[i + 1]) : -1, b = i + 2 < len ? hex(s[i + 2]) : -1;
    if (a < 0 || b < 0) { free(out); return NULL; }
    out[o++] = (char)(a * 16 + b);
    i += 2;
  }
  out[o] = 0;
  return out;
}

/* Lenient base64, as Buffer.from(text, 'base64') reads it: other characters are skipped, '=' ends it. */
static unsigned char *base64_decoded(const unsigned char *s, size_t len, size_t *out_len) {
  unsigned char *out = malloc(len * 3 / 4 + 4);
  if (!out) return NULL;
  unsigned int acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < len && s[i] != '='; i++) {
    int c = s[i], v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52 : (c == '+' || c == '-') ? 62 : (c == '/' || c == '_') ? 63 : -1;
    if (v < 0) continue;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) out[o++] = (unsigned char)(acc >> (bits -= 8));
  }
  *out_len = o;
  return out;
}

/* Adds (or replaces) one xattr; the name and value are taken over. */
static int add_xattr(struct tar_entry *entry, char *name, unsigned char *value, size_t len) {
  for (size_t i = 0; i < entry->n_xattrs; i++) {
    if (strcmp(entry->xattrs[i].name, name) != 0) continue;
    free(entry->xattrs[i].name), free(entry->xattrs[i].value);
    entry->xattrs[i] = (struct tar_xattr){name, value, len};
    return 0;
  }
  struct tar_xattr *grown = realloc(entry->xattrs, (entry->n_xattrs + 1) * sizeof *grown);
  if (!grown) return free(name), free(value), -1;
  entry->xattrs = grown;
  entry->xattrs[entry->n_xattrs++] = (struct tar_xattr){name, value, len};
  return 0;
}

static int xattrs_of(struct pax_set *set, struct tar_entry *entry, struct tar_error *error) {
  for (size_t i = 0; i < set->n; i++) {
    const char *key = set->items[i].key;
    if (strncmp(key, "SCHILY.xattr.", 13) == 0) {
      char *name = strdup(key + 13);
      unsigned char *value = (unsigned char *)dup_bytes(set->items[i].value, set->items[i].len);
      if (!name || !value || add_xattr(entry, name, value, set->items[i].len) < 0) return tar_fail_errno(error, ENOMEM, "parse", key);
    } else if (strncmp(key, "LIBARCHIVE.xattr.", 17) == 0) {
      char *name = percent_decoded(key + 17);
      if (!name) return tar_fail(error, FAULT_INVALID, "PAX record '%s': malformed xattr name", key);
      size_t len = 0;
      unsigned char *value = base64_decoded(set->items[i].value, set->items[i].len, &len);
      if (!value || add_xattr(entry, name, value, len) < 0) return tar_fail_errno(error, ENOMEM, "parse", key);
    }
  }
  return 0;
}

static int has_sparse(struct pax_set *set) {
  for (size_t i = 0; i < set->n; i++) if (strncmp(set->items[i].key, "GNU.sparse.", 11) == 0) return 1;
  return 0;
}

void tar_entry_free(struct tar_entry *entry) {
  free(entry->name), free(entry->linkname);
  for (size_t i = 0; i < entry->n_xattrs; i++) free(entry->xattrs[i].name), free(entry->xattrs[i].value);
  free(entry->xattrs);
  memset(entry, 0, sizeof *entry);
}

int tar_build_header(const unsigned char *block, struct extensions *ext, struct pax_set *globals, uint64_t offset, struct tar_entry *entry, struct tar_error *error) {
  memset(entry, 0, sizeof *entry);
  int ustar = memcmp(block + 257, "ustar", 5) == 0;
  int dialect_ustar = ustar && block[262] != ' ', v7 = !ustar;
  const struct pax_record *r = pax_value(ext, globals, "path");
  if (r) {
    entry->name = dup_bytes(r->value, r->len), entry->name_len = r->len;
  } else if (ext->long_name) {
    entry->name_len = strlen(ext->long_name), entry->name = strdup(ext->long_name);
  } else {
    size_t name_len, prefix_len = 0;
    char *name = tar_field_string(block, 100, &name_len);
    char *prefix = dialect_ustar ? tar_field_string(block + 345, 155, &prefix_len) : NULL;
    if (name && prefix && prefix_len > 0) {
      entry->name = malloc(prefix_len + 1 + name_len + 1);
      if (entry->name) sprintf(entry->name, "%s/%s", prefix, name);
      entry->name_len = prefix_len + 1 + name_len;
      free(name);
    } else {
      entry->name = name, entry->name_len = name_len;
    }
    free(prefix);
  }
  if (!entry->name) return tar_fail_errno(error, ENOMEM, "parse", "tar header");
  const char *name = entry->name;
  unsigned char flag = block[156];
  switch (flag) {
    case '0': case 0: case '7': entry->type = T_FILE; break;
    case '1': entry->type = T_LINK; break;
    case '2': entry->type = T_SYMLINK; break;
    case '3': entry->type = T_CHAR; break;
    case '4': entry->type = T_BLOCK; break;
    case '5': entry->type = T_DIR; break;
    case '6': entry->type = T_FIFO; break;
    default:
      if (flag >= 0x20 && flag < 0x7f) return tar_fail(error, FAULT_INVALID, "tar entry '%s': unsupported entry type '%c'%s", name, flag, flag == 'S' ? " (sparse file)" : "");
      return tar_fail(error, FAULT_INVALID, "tar entry '%s': unsupported entry type '0x%x'", name, flag);
  }
  if (flag == 0 && entry->name_len > 0 && name[entry->name_len - 1] == '/') entry->type = T_DIR;
  int has_pax = ext->has_pax || globals->n > 0;
  if (has_pax && (has_sparse(&ext->pax) || has_sparse(globals))) return tar_fail(error, FAULT_INVALID, "tar entry '%s': sparse files are not supported", name);
  char where[1200];
  snprintf(where, sizeof where, "tar entry '%s' (header at offset %llu)", name, (unsigned long long)offset);
  struct { const char *key; int at, len; uint64_t *out; int v7_zero; } ints[] = {
      {"size", 124, 12, &entry->size, 0}, {"uid", 108, 8, &entry->uid, 0}, {"gid", 116, 8, &entry->gid, 0},
      {"devmajor", 329, 8, &entry->devmajor, 1}, {"devminor", 337, 8, &entry->devminor, 1},
  };
  for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
    if (ints[i].v7_zero && v7) continue;
    const struct pax_record *p = pax_value(ext, globals, ints[i].key);
    double value = p ? pax_integer(p) : tar_read_number(block + ints[i].at, (size_t)ints[i].len);
    if (!(value >= 0 && value <= MAX_SAFE) || value != floor(value)) return tar_fail(error, FAULT_INVALID, "%s: invalid %s", where, ints[i].key);
    *ints[i].out = (uint64_t)value;
  }
  const struct pax_record *t = pax_value(ext, globals, "mtime");
  double mtime = t ? 0 : tar_read_number(block + 136, 12);
  if ((t && pax_time(t, &entry->mtime_sec, &entry->mtime_nsec) < 0) || !isfinite(mtime)) return tar_fail(error, FAULT_INVALID, "%s: invalid mtime", where);
  if (!t) entry->mtime_sec = (int64_t)mtime, entry->mtime_nsec = 0;
  double mode = tar_read_number(block + 100, 8);
  if (isnan(mode)) return tar_fail(error, FAULT_INVALID, "%s: invalid mode", where);
  entry->mode = (uint32_t)((int64_t)mode & 07777);
  if (entry->type != T_FILE) entry->size = 0;
  const struct pax_record *l = pax_value(ext, globals, "linkpath");
  if (l) entry->linkname = dup_bytes(l->value, l->len), entry->linkname_len = l->len;
  else if (ext->long_link) entry->linkname_len = strlen(ext->long_link), entry->linkname = strdup(ext->long_link);
  else entry->linkname = tar_field_string(block + 157, 100, &entry->linkname_len);
  if (!entry->linkname) return tar_fail_errno(error, ENOMEM, "parse", "tar header");
  if (has_pax) {
    if (xattrs_of(globals, entry, error) < 0) return -1;
    if (ext->has_pax && xattrs_of(&ext->pax, entry, error) < 0) return -1;
  }
  return 0;
}
