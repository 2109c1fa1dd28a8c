{
  "targets": [
    {
      "target_name": "fts_native",
      "sources": ["fts_native.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-ffp-contract=off"],
      "libraries": ["-lm"]
    }
  ]
}
