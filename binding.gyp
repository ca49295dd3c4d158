{
  "targets": [
    {
      "target_name": "intermodal_sys",
      "sources": ["engine/sys/native/sys.c", "engine/sys/native/sys-ns-socket.c", "engine/sys/native/sys-mount-ns.c", "engine/sys/native/sys-inode-flags.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
