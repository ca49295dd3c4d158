/*
 * The native layer unpacker's entry point: reads the plain tar from a pipe on a thread of
 * its own, hashes every byte for the diff ID, and creates the entries under the target
 * (existing, empty) with the rules of the TypeScript unpacker. A failure comes back as an
 * Error with `category` ('InvalidArgumentError' or 'QuotaExceededError') or an errno
 * `code`, and `reachedEnd` (the pipe was read to its end first); the message names the
 * entry as unpack-tar.ts does. The caller removes the target on failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <node_api.h>
#include "sys.h"
#include "tar-unpack.h"

/* Large reads keep the pipe's reader cheap; a PAX or long-name body (1 MiB at most) must fit whole. */
#define INPUT_BYTES (8u << 20)

/* "layer entry 'NAME': MESSAGE", control characters in the name escaped as unpack-tar.ts does. */
static void name_entry(struct tar_error *error, const char *name, size_t len) {
  if (error->named) return;
  char message[sizeof error->message];
  size_t o = (size_t)snprintf(message, sizeof message, "layer entry '");
  for (size_t i = 0; i < len && o + 8 < sizeof message; i++) {
    unsigned char c = (unsigned char)name[i];
    if (c < 0x20 || c == 0x7f) o += (size_t)snprintf(message + o, sizeof message - o, "\\x%02x", c);
    else message[o++] = (char)c;
  }
  snprintf(message + o, sizeof message - o, "': %s", error->message);
  memcpy(error->message, message, sizeof message);
  error->named = 1;
}

/* Runs the whole unpack; 0 or -1 with `error` set. */
static int unpack(int fd, const char *target, uint64_t max_bytes, uint64_t max_entries, int allow_devices, struct tar_input *in, uint64_t *entries) {
  struct pax_set globals = {0};
  struct tar_apply *apply = tar_apply_open(target, allow_devices, in->error);
  if (!apply) return -1;
  (void)fd, (void)max_bytes;
  int rc = 0;
  for (;;) {
    struct tar_entry entry;
    int r = tar_next_entry(in, &globals, &entry);
    if (r < 0) { rc = -1; break; }
    if (r == 0) break;
    if (++*entries > max_entries) {
      tar_fail(in->error, FAULT_QUOTA, "layer has more than %llu entries", (unsigned long long)max_entries);
      rc = -1;
    } else if (tar_apply_entry(apply, &entry, in) < 0) {
      rc = -1;
    }
    if (rc < 0) {
      name_entry(in->error, entry.name, entry.name_len);
      tar_entry_free(&entry);
      break;
    }
    char what[1200];
    snprintf(what, sizeof what, "the body of '%s'", entry.name);
    // A body nobody wrote (a whiteout's, an opaque marker's) is skipped with the padding.
    uint64_t rest = entry.size - entry.consumed + (512 - entry.size % 512) % 512;
    tar_entry_free(&entry);
    if (tar_input_skip(in, rest, what) < 0) { rc = -1; break; }
  }
  if (rc == 0 && tar_input_drain(in) < 0) rc = -1;
  if (rc == 0 && tar_apply_finish(apply) < 0) rc = -1;
  pax_set_free(&globals);
  tar_apply_close(apply);
  return rc;
}

/* One unpack: its arguments, then its outcome, handed from its thread back to JS. */
struct unpack_job {
  int fd;
  char *target;
  uint64_t max_bytes, max_entries;
  int allow_devices;
  napi_threadsafe_function done;
  int rc;
  int reached_end;
  struct tar_error error;
  uint64_t size, entries;
  char diff_id[7 + 64 + 1];
};

static void *run_job(void *arg) {
  struct unpack_job *job = arg;
  struct tar_input in = {.fd = job->fd, .cap = INPUT_BYTES, .max_bytes = job->max_bytes, .error = &job->error};
  in.buf = malloc(INPUT_BYTES);
  in.hash = EVP_MD_CTX_new();
  if (!in.buf || !in.hash || EVP_DigestInit_ex(in.hash, EVP_sha256(), NULL) != 1) job->rc = tar_fail_errno(&job->error, ENOMEM, "start", job->target);
  else job->rc = unpack(job->fd, job->target, job->max_bytes, job->max_entries, job->allow_devices, &in, &job->entries);
  if (job->rc == 0) {
    unsigned char digest[32];
    unsigned int digest_len = 0;
    EVP_DigestFinal_ex(in.hash, digest, &digest_len);
    strcpy(job->diff_id, "sha256:");
    for (unsigned i = 0; i < digest_len; i++) snprintf(job->diff_id + 7 + 2 * i, 3, "%02x", digest[i]);
  }
  job->size = in.total;
  job->reached_end = in.eof;
  free(in.buf);
  if (in.hash) EVP_MD_CTX_free(in.hash);
  finish_thread_job(job->done, job);
  return NULL;
}

static napi_value error_of(napi_env env, struct tar_error *error, int reached_end) {
  napi_value message, err, flag;
  napi_create_string_utf8(env, error->message, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &err);
  if (error->fault == FAULT_ERRNO) {
    const char *name = strerrorname_np(error->err);
    napi_value code;
    napi_create_string_utf8(env, name ? name : "EUNKNOWN", NAPI_AUTO_LENGTH, &code);
    napi_set_named_property(env, err, "code", code);
  } else {
    napi_value category;
    napi_create_string_utf8(env, error->fault == FAULT_QUOTA ? "QuotaExceededError" : "InvalidArgumentError", NAPI_AUTO_LENGTH, &category);
    napi_set_named_property(env, err, "category", category);
  }
  napi_get_boolean(env, reached_end, &flag);
  napi_set_named_property(env, err, "reachedEnd", flag);
  return err;
}

/* On the JS thread once the unpack thread is done: callback(error, result). */
static void deliver(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  struct unpack_job *job = data;
  if (env != NULL && callback != NULL) {
    napi_value argv[2], undefined;
    napi_get_undefined(env, &undefined);
    if (job->rc < 0) {
      argv[0] = error_of(env, &job->error, job->reached_end);
      argv[1] = undefined;
    } else {
      napi_value diff_id, size, count;
      napi_get_null(env, &argv[0]);
      napi_create_object(env, &argv[1]);
      napi_create_string_utf8(env, job->diff_id, NAPI_AUTO_LENGTH, &diff_id);
      napi_create_double(env, (double)job->size, &size);
      napi_create_double(env, (double)job->entries, &count);
      napi_set_named_property(env, argv[1], "diffId", diff_id);
      napi_set_named_property(env, argv[1], "size", size);
      napi_set_named_property(env, argv[1], "entries", count);
    }
    napi_call_function(env, undefined, callback, 2, argv, NULL);
  }
  free(job->target);
  free(job);
}

/*
 * unpackTarFd(fd, targetDir, maxLayerBytes, maxLayerEntries, allowDevices, callback): starts
 * the unpack on a thread of its own (no JS runs there, so no worker isolate to boot) and
 * calls back on this thread with (error, { diffId, size, entries }) once it is done and
 * will touch nothing more. It never closes `fd`.
 */
napi_value js_unpack_tar_fd(napi_env env, napi_callback_info info) {
  napi_value argv[6];
  if (!get_args(env, info, 6, argv)) return NULL;
  struct unpack_job *job = calloc(1, sizeof *job);
  if (!job) return throw_errno(env, "unpack", "", ENOMEM);
  int32_t fd = -1;
  double max_bytes = 0, max_entries = 0;
  bool allow_devices = false;
  napi_get_value_int32(env, argv[0], &fd);
  napi_get_value_double(env, argv[2], &max_bytes);
  napi_get_value_double(env, argv[3], &max_entries);
  napi_get_value_bool(env, argv[4], &allow_devices);
  job->fd = fd;
  job->max_bytes = (uint64_t)max_bytes;
  job->max_entries = (uint64_t)max_entries;
  job->allow_devices = allow_devices;
  job->target = get_string(env, argv[1]);
  if (!job->target) return free(job), NULL;
  if (start_thread_job(env, argv[5], "layer unpack", run_job, deliver, job, &job->done) != 0) free(job->target), free(job);
  return NULL;
}
