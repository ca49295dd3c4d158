/*
 * The native unpacker's reader: the pipe is read into one large buffer, every byte hashed
 * (the diff ID) and counted (the size cap) as it arrives, and headers are parsed in place
 * with the same dialects and refusals as engine/layers/tar-reader.ts (ustar, v7, GNU long
 * names and base-256 numbers, PAX local and global records; sparse files refused).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "tar-unpack.h"

#define BLOCK 512
#define MAX_EXTENSION (1 << 20)
/*
 * Reads stay small enough that the bytes are still in the CPU cache when they are hashed and
 * then written out (three passes over each byte), rather than read 8 MiB at a time.
 */
#define READ_BYTES (256u << 10)

int tar_fail(struct tar_error *error, enum tar_fault fault, const char *fmt, ...) {
  if (error->fault != FAULT_NONE) return -1;
  error->fault = fault;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(error->message, sizeof error->message, fmt, ap);
  va_end(ap);
  return -1;
}

int tar_fail_errno(struct tar_error *error, int err, const char *what, const char *path) {
  if (error->fault != FAULT_NONE) return -1;
  error->fault = FAULT_ERRNO;
  error->err = err;
  const char *name = strerrorname_np(err);
  snprintf(error->message, sizeof error->message, "%s: %s, %s '%s'", name ? name : "EUNKNOWN", strerror(err), what, path);
  return -1;
}

const char *tar_type_name(enum tar_type type) {
  static const char *names[] = {"file", "link", "symlink", "character-device", "block-device", "directory", "fifo"};
  return names[type];
}

/* Reads what the pipe has into the free end of the buffer (compacting first); 0 at its end. */
int tar_input_fill(struct tar_input *in) {
  if (in->eof) return 0;
  if (in->pos == in->end) in->pos = in->end = 0;
  if (in->end == in->cap && in->pos > 0) {
    memmove(in->buf, in->buf + in->pos, in->end - in->pos);
    in->end -= in->pos;
    in->pos = 0;
  }
  // Callers consume before refilling and ask for at most an extension header at once, so a
  // full buffer is a bug here; reading zero bytes into it must not pass for the end.
  if (in->end == in->cap) return tar_fail(in->error, FAULT_INVALID, "tar reader: input buffer full");
  for (;;) {
    size_t room = in->cap - in->end;
    ssize_t n = read(in->fd, in->buf + in->end, room < READ_BYTES ? room : READ_BYTES);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return tar_fail_errno(in->error, errno, "read", "the layer stream");
    if (n == 0) {
      in->eof = 1;
      return 0;
    }
    in->total += (uint64_t)n;
    if (in->total > in->max_bytes) return tar_fail(in->error, FAULT_QUOTA, "layer is larger than the limit of %llu bytes uncompressed", (unsigned long long)in->max_bytes);
    EVP_DigestUpdate(in->hash, in->buf + in->end, (size_t)n);
    in->end += (size_t)n;
    return 1;
  }
}

long tar_input_ensure(struct tar_input *in, size_t n) {
  if (in->end - in->pos < n && in->cap - in->pos < n) {
    memmove(in->buf, in->buf + in->pos, in->end - in->pos);
    in->end -= in->pos;
    in->pos = 0;
  }
  while (in->end - in->pos < n) {
    int r = tar_input_fill(in);
    if (r < 0) return -1;
    if (r == 0) break;
  }
  return (long)(in->end - in->pos < n ? in->end - in->pos : n);
}

int tar_input_skip(struct tar_input *in, uint64_t n, const char *what) {
  while (n > 0) {
    if (in->pos == in->end) {
      int r = tar_input_fill(in);
      if (r < 0) return -1;
      if (r == 0) return tar_fail(in->error, FAULT_INVALID, "tar archive is truncated: %s ends %llu bytes early", what, (unsigned long long)n);
    }
    size_t k = in->end - in->pos < n ? in->end - in->pos : (size_t)n;
    in->pos += k;
    in->position += k;
    n -= k;
  }
  return 0;
}

int tar_input_drain(struct tar_input *in) {
  in->position += in->end - in->pos;
  in->pos = in->end;
  for (;;) {
    int r = tar_input_fill(in);
    if (r <= 0) return r;
    in->position += in->end - in->pos;
    in->pos = in->end;
  }
}

/* A numeric field: octal padded with spaces or NULs, or GNU base-256. NAN when malformed. */
double tar_read_number(const unsigned char *f, size_t len) {
  if (f[0] & 0x80) {
    int negative = f[0] == 0xff;
    unsigned char flip = negative ? 0xff : 0;
    double value = negative ? 0 : (f[0] & 0x7f);
    for (size_t i = 1; i < len; i++) value = value * 256 + (f[i] ^ flip);
    if (negative) value = -(value + 1);
    return fabs(value) <= 9007199254740991.0 ? value : NAN;
  }
  size_t i = 0;
  while (i < len && f[i] == ' ') i++;
  double value = 0;
  for (; i < len; i++) {
    unsigned char c = f[i];
    if (c == 0 || c == ' ') break;
    if (c < '0' || c > '7') return NAN;
    value = value * 8 + (c - '0');
  }
  for (; i < len; i++) if (f[i] != 0 && f[i] != ' ') return NAN;
  return value;
}

char *tar_field_string(const unsigned char *f, size_t len, size_t *out_len) {
  const unsigned char *nul = memchr(f, 0, len);
  size_t n = nul ? (size_t)(nul - f) : len;
  char *s = malloc(n + 1);
  if (s) memcpy(s, f, n), s[n] = 0;
  if (out_len) *out_len = n;
  return s;
}

void pax_set_free(struct pax_set *set) {
  for (size_t i = 0; i < set->n; i++) free(set->items[i].key), free(set->items[i].value);
  free(set->items);
  set->items = NULL;
  set->n = set->cap = 0;
}

struct pax_record *pax_get(struct pax_set *set, const char *key) {
  for (size_t i = set->n; i-- > 0;) if (strcmp(set->items[i].key, key) == 0) return &set->items[i];
  return NULL;
}

static void pax_del(struct pax_set *set, const char *key) {
  for (size_t i = 0; i < set->n; i++) {
    if (strcmp(set->items[i].key, key) != 0) continue;
    free(set->items[i].key), free(set->items[i].value);
    memmove(&set->items[i], &set->items[i + 1], (set->n - i - 1) * sizeof *set->items);
    set->n--, i--;
  }
}

static int pax_put(struct pax_set *set, const char *key, size_t key_len, const unsigned char *value, size_t len) {
  char *k = malloc(key_len + 1);
  unsigned char *v = malloc(len + 1);
  if (!k || !v) return free(k), free(v), -1;
  memcpy(k, key, key_len), k[key_len] = 0;
  memcpy(v, value, len), v[len] = 0;
  pax_del(set, k);
  if (set->n == set->cap) {
    size_t cap = set->cap ? set->cap * 2 : 8;
    struct pax_record *items = realloc(set->items, cap * sizeof *items);
    if (!items) return free(k), free(v), -1;
    set->items = items, set->cap = cap;
  }
  set->items[set->n++] = (struct pax_record){k, v, len};
  return 0;
}

/* Parses an 'x' or 'g' body into `out` (a 'g' body into a scratch set merged by the caller). */
static int parse_pax(const unsigned char *body, size_t size, struct pax_set *out, const char *where, struct tar_error *error) {
  size_t at = 0;
  while (at < size) {
    if (body[at] == 0) break;
    const unsigned char *space = memchr(body + at, ' ', size - at);
    if (!space || (size_t)(space - body) - at > 20) return tar_fail(error, FAULT_INVALID, "%s: malformed PAX record at byte %zu", where, at);
    size_t sp = (size_t)(space - body), length = 0;
    int digits = 0;
    for (size_t i = at; i < sp; i++, digits++) {
      if (body[i] < '0' || body[i] > '9') return tar_fail(error, FAULT_INVALID, "%s: malformed PAX record at byte %zu", where, at);
      length = length * 10 + (body[i] - '0');
    }
    size_t end = at + length;
    if (digits == 0 || !(length > sp - at + 1) || end > size || body[end - 1] != '\n') return tar_fail(error, FAULT_INVALID, "%s: malformed PAX record at byte %zu", where, at);
    const unsigned char *eq = memchr(body + sp + 1, '=', size - sp - 1);
    if (!eq || (size_t)(eq - body) >= end) return tar_fail(error, FAULT_INVALID, "%s: PAX record at byte %zu has no '='", where, at);
    size_t e = (size_t)(eq - body);
    if (pax_put(out, (const char *)body + sp + 1, e - sp - 1, eq + 1, end - 1 - e - 1) < 0) return tar_fail_errno(error, ENOMEM, "parse", "PAX header");
    at = end;
  }
  return 0;
}

static void extensions_free(struct extensions *ext) {
  pax_set_free(&ext->pax);
  free(ext->long_name), free(ext->long_link);
  memset(ext, 0, sizeof *ext);
}

static int checksum_ok(const unsigned char *b) {
  double stored = tar_read_number(b + 148, 8);
  long unsigned_sum = 0, signed_sum = 0;
  for (int i = 0; i < BLOCK; i++) {
    int c = (i >= 148 && i < 156) ? ' ' : b[i];
    unsigned_sum += c;
    signed_sum += c < 0x80 ? c : c - 0x100;
  }
  return stored == (double)unsigned_sum || stored == (double)signed_sum;
}

static int is_zero(const unsigned char *b) {
  for (int i = 0; i < BLOCK; i++) if (b[i]) return 0;
  return 1;
}

static int read_extension(struct tar_input *in, const unsigned char *block, uint64_t offset, struct extensions *ext, struct pax_set *globals) {
  char where[96];
  snprintf(where, sizeof where, "tar extension header at offset %llu", (unsigned long long)offset);
  unsigned char flag = block[156];
  double size = tar_read_number(block + 124, 12);
  if (!(size >= 0)) return tar_fail(in->error, FAULT_INVALID, "%s: invalid size field", where);
  if (size > MAX_EXTENSION) return tar_fail(in->error, FAULT_INVALID, "%s: %.0f bytes is more than the %d allowed", where, size, MAX_EXTENSION);
  size_t n = (size_t)size;
  long have = tar_input_ensure(in, n);
  if (have < 0) return -1;
  if ((size_t)have < n) {
    if (n > 0 && have == 0) return tar_fail(in->error, FAULT_INVALID, "tar archive is truncated: %s has no body", where);
    return tar_fail(in->error, FAULT_INVALID, "tar archive is truncated: %s at offset %llu ends after %ld of %zu bytes", where, (unsigned long long)in->position, have, n);
  }
  const unsigned char *body = in->buf + in->pos;
  int rc = 0;
  if (flag == 'x') {
    pax_set_free(&ext->pax);
    ext->has_pax = 1;
    rc = parse_pax(body, n, &ext->pax, where, in->error);
  } else if (flag == 'g') {
    struct pax_set scratch = {0};
    rc = parse_pax(body, n, &scratch, where, in->error);
    for (size_t i = 0; rc == 0 && i < scratch.n; i++) {
      struct pax_record *r = &scratch.items[i];
      if (r->len == 0) pax_del(globals, r->key);
      else if (pax_put(globals, r->key, strlen(r->key), r->value, r->len) < 0) rc = tar_fail_errno(in->error, ENOMEM, "parse", "PAX header");
    }
    pax_set_free(&scratch);
  } else {
    char **slot = flag == 'L' ? &ext->long_name : &ext->long_link;
    free(*slot);
    *slot = tar_field_string(body, n, NULL);
  }
  in->pos += n;
  in->position += n;
  if (rc < 0) return -1;
  return tar_input_skip(in, (BLOCK - n % BLOCK) % BLOCK, where);
}

int tar_next_entry(struct tar_input *in, struct pax_set *globals, struct tar_entry *entry) {
  struct extensions ext = {0};
  int rc = -1;
  for (;;) {
    uint64_t offset = in->position;
    long have = tar_input_ensure(in, BLOCK);
    if (have < 0) goto out;
    if (have == 0) {
      if (ext.has_pax || ext.long_name || ext.long_link) {
        tar_fail(in->error, FAULT_INVALID, "tar archive is truncated: an extension header is not followed by its entry at offset %llu", (unsigned long long)offset);
        goto out;
      }
      rc = 0;
      goto out;
    }
    if (have < BLOCK) {
      tar_fail(in->error, FAULT_INVALID, "tar archive is truncated: header at offset %llu ends after %ld of 512 bytes", (unsigned long long)offset, have);
      goto out;
    }
    const unsigned char *block = in->buf + in->pos;
    if (is_zero(block)) {
      in->pos += BLOCK, in->position += BLOCK;
      have = tar_input_ensure(in, BLOCK);
      if (have < 0) goto out;
      if (have > 0 && have < BLOCK) {
        tar_fail(in->error, FAULT_INVALID, "tar archive is truncated: end-of-archive block at offset %llu ends after %ld of 512 bytes", (unsigned long long)in->position, have);
        goto out;
      }
      if (have == BLOCK && !is_zero(in->buf + in->pos)) {
        tar_fail(in->error, FAULT_INVALID, "tar archive: the zero block at offset %llu is followed by a header, not a second zero block", (unsigned long long)offset);
        goto out;
      }
      if (have == BLOCK) in->pos += BLOCK, in->position += BLOCK;
      rc = 0;
      goto out;
    }
    if (!checksum_ok(block)) {
      tar_fail(in->error, FAULT_INVALID, "tar header at offset %llu: checksum mismatch (not a tar archive, or corrupt)", (unsigned long long)offset);
      goto out;
    }
    unsigned char header[BLOCK];
    memcpy(header, block, BLOCK);
    in->pos += BLOCK, in->position += BLOCK;
    unsigned char flag = header[156];
    if (flag == 'x' || flag == 'g' || flag == 'L' || flag == 'K') {
      if (read_extension(in, header, offset, &ext, globals) < 0) goto out;
      continue;
    }
    rc = tar_build_header(header, &ext, globals, offset, entry, in->error) < 0 ? -1 : 1;
    goto out;
  }
out:
  extensions_free(&ext);
  return rc;
}
