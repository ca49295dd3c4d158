{
  "targets": [
    {
      "target_name": "intermodal_sys",
      "sources": ["engine/sys/native/sys.c", "engine/sys/native/sys-ns-socket.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
