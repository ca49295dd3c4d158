/*
 * Runs a short host program (ip, nft, runc) to completion off the JS thread. Node's spawn
 * forks the whole process on the event loop: the kernel copies the page tables of the API
 * server (4-5 ms at its ~130 MB, growing with its memory), and every boot runs several such
 * programs, so ten boots at once queued behind each other's forks. Here a thread of ours
 * starts the program with posix_spawn (glibc's clone(CLONE_VM|CLONE_VFORK): no copy), feeds
 * its stdin, collects stdout and stderr, reaps it, and calls back with the outcome. libuv
 * reaps only the children it started, so it never takes this one's exit status.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "sys.h"

extern char **environ;

struct buffer {
  char *data;
  size_t len, cap;
};

struct run_job {
  char **argv;
  char *input;
  size_t input_len;
  napi_threadsafe_function done;
  int spawn_error;
  int status;
  struct buffer out, err;
};

static int append(struct buffer *b, const char *data, size_t len) {
  if (b->len + len > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->len + len) cap *= 2;
    char *grown = realloc(b->data, cap);
    if (!grown) return -1;
    b->data = grown, b->cap = cap;
  }
  memcpy(b->data + b->len, data, len), b->len += len;
  return 0;
}

static void free_argv(char **argv) {
  if (!argv) return;
  for (char **a = argv; *a; a++) free(*a);
  free(argv);
}

/* Starts the program with its stdio on pipes (stdin on /dev/null without input); its pid, or -1 with job->spawn_error. */
static pid_t start(struct run_job *job, int *in_fd, int *out_fd, int *err_fd) {
  int in[2] = {-1, -1}, out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0) return job->spawn_error = errno, -1;
  if (pipe2(err, O_CLOEXEC) != 0) return job->spawn_error = errno, close(out[0]), close(out[1]), -1;
  if (job->input && pipe2(in, O_CLOEXEC) != 0) return job->spawn_error = errno, close(out[0]), close(out[1]), close(err[0]), close(err[1]), -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (job->input) posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  else posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  /* Node ignores SIGPIPE and blocks some signals in its threads: the program starts with defaults. */
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all), sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid;
  int rc = posix_spawnp(&pid, job->argv[0], &actions, &attr, job->argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out[1]), close(err[1]);
  if (in[0] >= 0) close(in[0]);
  if (rc != 0) {
    job->spawn_error = rc;
    close(out[0]), close(err[0]);
    if (in[1] >= 0) close(in[1]);
    return -1;
  }
  *in_fd = in[1], *out_fd = out[0], *err_fd = err[0];
  return pid;
}

static void *run_job(void *arg) {
  struct run_job *job = arg;
  int in_fd = -1, out_fd = -1, err_fd = -1;
  pid_t pid = start(job, &in_fd, &out_fd, &err_fd);
  if (pid > 0) {
    size_t written = 0;
    if (in_fd >= 0) fcntl(in_fd, F_SETFL, O_NONBLOCK);
    char chunk[16384];
    while (out_fd >= 0 || err_fd >= 0) {
      struct pollfd fds[3] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}, {.fd = in_fd, .events = POLLOUT}};
      if (poll(fds, 3, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; i++) {
        int *fd = i == 0 ? &out_fd : &err_fd;
        if (*fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = read(*fd, chunk, sizeof chunk);
        if (n > 0) append(i == 0 ? &job->out : &job->err, chunk, (size_t)n);
        else if (n == 0 || errno != EINTR) close(*fd), *fd = -1;
      }
      if (in_fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
        ssize_t n = write(in_fd, job->input + written, job->input_len - written);
        if (n > 0) written += (size_t)n;
        /* A program that exits before reading all its input closed the pipe (EPIPE): its exit status says how it went. */
        if (written == job->input_len || (n < 0 && errno != EAGAIN && errno != EINTR)) close(in_fd), in_fd = -1;
      }
    }
    if (in_fd >= 0) close(in_fd);
    while (waitpid(pid, &job->status, 0) < 0 && errno == EINTR) {
    }
  }
  finish_thread_job(job->done, job);
  return NULL;
}

/* On the JS thread: callback(error, { code, signal, stdout, stderr }); code is null when a signal ended it. */
static void deliver(napi_env env, napi_value callback, void *context, void *data) {
  (void)context;
  struct run_job *job = data;
  if (env != NULL && callback != NULL) {
    napi_value argv[2], undefined;
    napi_get_undefined(env, &undefined);
    if (job->spawn_error != 0) {
      argv[0] = errno_error(env, "spawn", job->argv[0], job->spawn_error);
      argv[1] = undefined;
    } else {
      napi_value code, signal, out, err;
      napi_get_null(env, &argv[0]);
      napi_create_object(env, &argv[1]);
      if (WIFEXITED(job->status)) napi_create_int32(env, WEXITSTATUS(job->status), &code), napi_get_null(env, &signal);
      else napi_get_null(env, &code), napi_create_int32(env, WTERMSIG(job->status), &signal);
      napi_create_buffer_copy(env, job->out.len, job->out.len ? job->out.data : "", NULL, &out);
      napi_create_buffer_copy(env, job->err.len, job->err.len ? job->err.data : "", NULL, &err);
      napi_set_named_property(env, argv[1], "code", code);
      napi_set_named_property(env, argv[1], "signal", signal);
      napi_set_named_property(env, argv[1], "stdout", out);
      napi_set_named_property(env, argv[1], "stderr", err);
    }
    napi_call_function(env, undefined, callback, 2, argv, NULL);
  }
  free_argv(job->argv), free(job->input), free(job->out.data), free(job->err.data), free(job);
}

/* runProgram(argv: string[], input: Buffer | null, callback): see the top of this file. */
napi_value js_run_program(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!get_args(env, info, 3, argv)) return NULL;
  uint32_t count = 0;
  if (napi_get_array_length(env, argv[0], &count) != napi_ok || count == 0) {
    napi_throw_type_error(env, NULL, "argv must be a non-empty array of strings");
    return NULL;
  }
  struct run_job *job = calloc(1, sizeof *job);
  if (!job || !(job->argv = calloc(count + 1, sizeof *job->argv))) return free(job), throw_errno(env, "run", "", ENOMEM);
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, argv[0], i, &item);
    if (!(job->argv[i] = get_string(env, item))) return free_argv(job->argv), free(job), NULL;
  }
  bool is_buffer = false;
  napi_is_buffer(env, argv[1], &is_buffer);
  if (is_buffer) {
    void *data;
    size_t len;
    napi_get_buffer_info(env, argv[1], &data, &len);
    job->input = malloc(len ? len : 1);
    if (!job->input) return free_argv(job->argv), free(job), throw_errno(env, "run", "", ENOMEM);
    memcpy(job->input, data, len), job->input_len = len;
  }
  if (start_thread_job(env, argv[2], "run program", run_job, deliver, job, &job->done) != 0) free_argv(job->argv), free(job->input), free(job);
  return NULL;
}
