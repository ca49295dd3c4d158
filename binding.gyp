{
  "targets": [
    {
      "target_name": "intermodal_sys",
      "sources": ["engine/sys/native/sys.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
