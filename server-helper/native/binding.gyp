{
  "targets": [
    {
      "target_name": "fts_native",
      "sources": ["fts_native.c", "beneath.c", "copy.c", "batch.c", "errors.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-ffp-contract=off"],
      "libraries": ["-lm"]
    }
  ]
}
