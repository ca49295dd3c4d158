{
  "targets": [
    {
      "target_name": "intermodal_sys",
      "sources": ["engine/sys/native/sys.c", "engine/sys/native/sys-ns-socket.c", "engine/sys/native/sys-mount-ns.c", "engine/sys/native/sys-inode-flags.c", "engine/sys/native/sys-arp-announce.c", "engine/sys/native/sys-net-namespace.c", "engine/sys/native/sys-run-program.c", "engine/sys/native/sys-thread-job.c", "engine/sys/native/sys-tar-read.c", "engine/sys/native/sys-tar-header.c", "engine/sys/native/sys-tar-tree.c", "engine/sys/native/sys-tar-apply.c", "engine/sys/native/sys-tar-unpack.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "intermodal-nft-netns",
      "type": "executable",
      "sources": ["engine/sys/native/nft-netns.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "libraries": ["-l:libnftables.so.1"]
    }
  ]
}
