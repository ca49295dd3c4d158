/*
 * Work the addon does on a thread of its own (a layer unpack, a host program), reported
 * back on the JS thread through a threadsafe function. No JS runs on that thread, so no
 * worker isolate has to boot for it.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include "sys.h"

int start_thread_job(napi_env env, napi_value callback, const char *name, void *(*work)(void *), napi_threadsafe_function_call_js deliver, void *job,
                     napi_threadsafe_function *done) {
  napi_value resource;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &resource);
  if (napi_create_threadsafe_function(env, callback, NULL, resource, 0, 1, NULL, NULL, NULL, deliver, done) != napi_ok) return -1;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t thread;
  int err = pthread_create(&thread, &attr, work, job);
  pthread_attr_destroy(&attr);
  if (err == 0) return 0;
  napi_release_threadsafe_function(*done, napi_tsfn_abort);
  throw_errno(env, "pthread_create", name, err);
  return -1;
}

void finish_thread_job(napi_threadsafe_function done, void *job) {
  // `deliver` frees the job on the JS thread, maybe before the call below returns: `done` is a copy.
  napi_call_threadsafe_function(done, job, napi_tsfn_blocking);
  napi_release_threadsafe_function(done, napi_tsfn_release);
}
