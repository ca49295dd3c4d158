/*
 * What the addon's source files share: the argument and error helpers of sys.c, and the
 * functions each other file defines for sys.c's module table.
 */
#ifndef INTERMODAL_SYS_H
#define INTERMODAL_SYS_H
#include <node_api.h>
#include <stddef.h>

/* A JS Error whose `code` is the errno name, as Node's fs makes them. */
napi_value errno_error(napi_env env, const char *what, const char *path, int err);
/* Throws errno_error(...); returns NULL for the caller to return. */
napi_value throw_errno(napi_env env, const char *what, const char *path, int err);

/*
 * sys-thread-job.c: runs `work(job)` on a detached thread, which ends with
 * finish_thread_job(*done, job) so that `deliver(env, callback, NULL, job)` runs on the JS
 * thread. Returns 0, or -1 with a JS exception pending and nothing started (the caller frees job).
 */
int start_thread_job(napi_env env, napi_value callback, const char *name, void *(*work)(void *), napi_threadsafe_function_call_js deliver, void *job,
                     napi_threadsafe_function *done);
void finish_thread_job(napi_threadsafe_function done, void *job);
/* A malloc'd copy of a JS string argument; NULL (with a pending exception) on error. */
char *get_string(napi_env env, napi_value value);
/* Fetches `want` arguments; 0 (with a pending exception) when fewer were given. */
int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv);

/* sys-ns-socket.c: idmapped mounts and SOCK_SEQPACKET sockets. */
napi_value js_idmap_clone(napi_env env, napi_callback_info info);
napi_value js_seqpacket_connect(napi_env env, napi_callback_info info);
napi_value js_shutdown(napi_env env, napi_callback_info info);

/* sys-mount-ns.c: mounts into a running container's mount namespace. */
napi_value js_mount_into_namespace(napi_env env, napi_callback_info info);
napi_value js_umount_in_namespace(napi_env env, napi_callback_info info);

/* sys-inode-flags.c: inode flags (chattr) and deep pipes, for the layer unpacker. */
napi_value js_set_top_directory(napi_env env, napi_callback_info info);
napi_value js_pipe_with_capacity(napi_env env, napi_callback_info info);

/* sys-arp-announce.c: gratuitous ARP for a container's address, sent on its bridge. */
napi_value js_announce_address(napi_env env, napi_callback_info info);

/* sys-net-namespace.c: named network namespaces without `ip netns add`. */
napi_value js_make_net_namespace(napi_env env, napi_callback_info info);

/* sys-run-program.c: short host programs run to completion off the JS thread. */
napi_value js_run_program(napi_env env, napi_callback_info info);

/* sys-tar-unpack.c: the native layer unpacker, on a thread of its own. */
napi_value js_unpack_tar_fd(napi_env env, napi_callback_info info);

#endif
