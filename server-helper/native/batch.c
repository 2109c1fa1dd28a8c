/*
 * fts-native's jobs on libuv's thread pool: a batch's copies, renames and checked removals, and syncfs. The
 * main thread, which also plans, journals and feeds the copies, cannot wait on thousands of system calls.
 * Every path is relative to a root's directory fd and resolved beneath it (beneath.c); a batch keeps the last
 * folder it resolved open for the next file in the same folder.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- syncfs ---- */

typedef struct {
  int fd;
  char *path;
  int err;
  napi_deferred deferred;
  napi_async_work work;
} SyncJob;

static void syncfs_execute(napi_env env, void *data) {
  (void)env;
  SyncJob *job = data;
  if (syncfs(job->fd) != 0) job->err = errno;
}

static void syncfs_complete(napi_env env, napi_status status, void *data) {
  SyncJob *job = data;
  napi_value value;
  if (status != napi_ok) {
    reject_with(env, job->deferred, "fts-native: syncfs was cancelled");
  } else if (job->err) {
    value = errno_error(env, job->err, "syncfs", job->path, NULL);
    napi_reject_deferred(env, job->deferred, value);
  } else {
    napi_get_undefined(env, &value);
    napi_resolve_deferred(env, job->deferred, value);
  }
  napi_delete_async_work(env, job->work);
  free(job->path);
  free(job);
}

napi_value sync_fs(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: syncfs(fd, path)";
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 2 || fd_arg(env, argv[0], &fd, usage)) return argc < 2 ? throw_usage(env, usage) : NULL;
  char *path = string_arg(env, argv[1], "path");
  if (!path) return NULL;
  SyncJob *job = calloc(1, sizeof *job);
  if (!job) {
    free(path);
    return throw_enomem(env);
  }
  job->fd = fd;
  job->path = path;
  napi_value promise, name;
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "fts-native:syncfs", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, syncfs_execute, syncfs_complete, job, &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
}

/* ---- renameBatchAt, removeUnchangedAt ---- */

enum { OP_RENAME, OP_REMOVE_UNCHANGED };

typedef struct {
  int op;
  int rootfd;
  char *paths;
  uint32_t count;
  double *stamps;
  int32_t *results;
  napi_deferred deferred;
  napi_async_work work;
} BatchJob;

/* Stamp numbers per path of removeUnchangedAt: size, mtimeMs, ino, ctimeMs. */
enum { S_SIZE, S_MTIME, S_INO, S_CTIME, STAMP };

/* lstat, and unlink when still as stamped: 0 removed or already gone, -1 changed, else the errno. The stat and
 * the unlink name the same entry of the same folder fd, so what is removed is a name in that folder. */
static int32_t remove_unchanged(int dir, const char *leaf, const double *stamp) {
  struct stat st;
  if (fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0) return errno == ENOENT ? 0 : errno;
  if (!same_stamp(&st, stamp[S_SIZE], stamp[S_MTIME], stamp[S_INO])) return -1;
  if (!isnan(stamp[S_CTIME]) && ms_of(st.st_ctim) != stamp[S_CTIME]) return -1;
  if (unlinkat(dir, leaf, 0) != 0 && errno != ENOENT) return errno;
  return 0;
}

static void batch_execute(napi_env env, void *data) {
  (void)env;
  BatchJob *job = data;
  ParentCache from, to;
  parent_cache_init(&from, job->rootfd);
  parent_cache_init(&to, job->rootfd);
  const char *p = job->paths;
  for (uint32_t i = 0; i < job->count; i++) {
    const char *leaf;
    int dir = parent_cached(&from, p, &leaf);
    if (job->op == OP_RENAME) {
      const char *dest = p + strlen(p) + 1;
      const char *dest_leaf;
      int dest_dir = dir < 0 ? -1 : parent_cached(&to, dest, &dest_leaf);
      job->results[i] = dir < 0 || dest_dir < 0 ? errno : renameat2(dir, leaf, dest_dir, dest_leaf, RENAME_NOREPLACE) == 0 ? 0 : errno;
      p = dest + strlen(dest) + 1;
    } else {
      /* A folder on the way that is not there (moved away) is ENOENT: the file may live on in the moved folder. */
      job->results[i] = dir < 0 ? errno : remove_unchanged(dir, leaf, job->stamps + (size_t)i * STAMP);
      p += strlen(p) + 1;
    }
  }
  parent_cache_close(&from);
  parent_cache_close(&to);
}

static void free_batch(BatchJob *job) {
  free(job->paths);
  free(job->stamps);
  free(job->results);
  free(job);
}

static void batch_complete(napi_env env, napi_status status, void *data) {
  BatchJob *job = data;
  napi_value value;
  void *bytes;
  napi_value buffer;
  if (status != napi_ok) {
    reject_with(env, job->deferred, "fts-native: a batch was cancelled");
  } else if (napi_create_arraybuffer(env, (size_t)job->count * sizeof(int32_t), &bytes, &buffer) != napi_ok ||
             napi_create_typedarray(env, napi_int32_array, job->count, buffer, 0, &value) != napi_ok) {
    reject_with(env, job->deferred, "fts-native: out of memory for a batch's results");
  } else {
    if (job->count) memcpy(bytes, job->results, (size_t)job->count * sizeof(int32_t));
    napi_resolve_deferred(env, job->deferred, value);
  }
  napi_delete_async_work(env, job->work);
  free_batch(job);
}

/* The JavaScript side of renameBatchAt (rootFd, pairs) and removeUnchangedAt (rootFd, paths, stamps). */
static napi_value queue_batch(napi_env env, napi_callback_info info, int op, const char *usage) {
  size_t argc = 3;
  napi_value argv[3] = {NULL, NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t rootfd;
  size_t len;
  if (fd_arg(env, argv[0], &rootfd, usage)) return NULL;
  if (!argv[1] || napi_get_value_string_utf8(env, argv[1], NULL, 0, &len) != napi_ok) return throw_usage(env, usage);
  void *stamp_data = NULL;
  size_t stamp_count = 0;
  if (op == OP_REMOVE_UNCHANGED && typed_arg(env, argv[2], napi_float64_array, &stamp_data, &stamp_count, usage)) return NULL;
  BatchJob *job = calloc(1, sizeof *job);
  if (!job) return throw_enomem(env);
  job->op = op;
  job->rootfd = rootfd;
  job->paths = malloc(len + 1);
  if (!job->paths) goto enomem;
  napi_get_value_string_utf8(env, argv[1], job->paths, len + 1, &len);
  uint32_t strings = count_strings(job->paths, len);
  job->count = op == OP_RENAME ? strings / 2 : strings;
  if ((op == OP_RENAME && strings % 2) || (op == OP_REMOVE_UNCHANGED && stamp_count != (size_t)job->count * STAMP)) {
    free_batch(job);
    return throw_usage(env, usage);
  }
  if (op == OP_REMOVE_UNCHANGED) {
    job->stamps = malloc(stamp_count * sizeof(double) + 1);
    if (!job->stamps) goto enomem;
    if (stamp_count) memcpy(job->stamps, stamp_data, stamp_count * sizeof(double));
  }
  job->results = calloc((size_t)job->count + 1, sizeof(int32_t));
  if (!job->results) goto enomem;
  napi_value promise, name;
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "fts-native:batch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, batch_execute, batch_complete, job, &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
enomem:
  free_batch(job);
  return throw_enomem(env);
}

napi_value rename_batch_at(napi_env env, napi_callback_info info) {
  return queue_batch(env, info, OP_RENAME, "fts-native: renameBatchAt(rootFd, from\\0to pairs joined by NUL)");
}

napi_value remove_unchanged_at(napi_env env, napi_callback_info info) {
  return queue_batch(env, info, OP_REMOVE_UNCHANGED, "fts-native: removeUnchangedAt(rootFd, paths joined by NUL, stamps: Float64Array of 4 per path)");
}

/* ---- copyBatchAt ---- */

/* Files under this size get their read-ahead asked for before the first copy of the batch starts. */
#define READ_AHEAD_MAX (1 << 20)

enum { COPIED, CHANGED, FAILED, STOPPED };

typedef struct {
  int srcfd, dstfd;
  char *paths;
  uint32_t count;
  double *stamps; /* size, mtimeMs, ino per file */
  int chown;
  int32_t *stop;  /* the caller's shared stop flag (kept alive by stop_ref) */
  napi_ref stop_ref;
  int32_t *outcomes;
  CopyResult *results;
  Failure *failures;
  int err;        /* a failure of the batch itself (no buffers) */
  napi_deferred deferred;
  napi_async_work work;
} CopyBatch;

/* Each source is opened (in its folder, resolved beneath the source root) and its read-ahead asked for before
 * the first copy, so a cold disk gets all of the batch's reads at once; the copies then use those fds. */
static void copy_batch_execute(napi_env env, void *data) {
  (void)env;
  CopyBatch *job = data;
  Buffers *b = new_buffers();
  size_t n = (size_t)job->count + 1;
  int *fds = malloc(n * sizeof(int));
  const char **srcs = malloc(n * sizeof(char *));
  const char **tmps = malloc(n * sizeof(char *));
  ParentCache src_dirs, tmp_dirs;
  parent_cache_init(&src_dirs, job->srcfd);
  parent_cache_init(&tmp_dirs, job->dstfd);
  if (!b || !fds || !srcs || !tmps) {
    job->err = ENOMEM;
    goto out;
  }
  const char *p = job->paths;
  for (uint32_t i = 0; i < job->count; i++) {
    srcs[i] = p;
    tmps[i] = p + strlen(p) + 1;
    p = tmps[i] + strlen(tmps[i]) + 1;
    const char *leaf;
    int dir = parent_cached(&src_dirs, srcs[i], &leaf);
    /* A source that cannot be opened now is tried again by its copy, which reports why. */
    fds[i] = dir < 0 ? -1 : open_source(dir, leaf);
    if (fds[i] >= 0 && job->stamps[3 * i] < READ_AHEAD_MAX) posix_fadvise(fds[i], 0, 0, POSIX_FADV_WILLNEED);
  }
  parent_cache_close(&src_dirs);
  for (uint32_t i = 0; i < job->count; i++) {
    Failure *f = &job->failures[i];
    if (__atomic_load_n(job->stop, __ATOMIC_RELAXED)) {
      job->outcomes[i] = STOPPED;
      if (fds[i] >= 0) close(fds[i]);
      continue;
    }
    const char *src_leaf = NULL, *tmp_leaf = NULL;
    int src_dir = fds[i] >= 0 ? -1 : parent_cached(&src_dirs, srcs[i], &src_leaf);
    int tmp_dir = parent_cached(&tmp_dirs, tmps[i], &tmp_leaf);
    int rc;
    if ((fds[i] < 0 && src_dir < 0) || tmp_dir < 0) {
      f->err = errno;
      f->syscall = "open";
      f->on_tmp = tmp_dir < 0 && !(fds[i] < 0 && src_dir < 0);
      if (fds[i] >= 0) close(fds[i]);
      rc = -1;
    } else {
      rc = copy_file(b, fds[i], src_dir, src_leaf, tmp_dir, tmp_leaf, job->stamps + 3 * (size_t)i, job->chown, &job->results[i], f);
    }
    job->outcomes[i] = rc == 0 ? COPIED : f->changed ? CHANGED : FAILED;
    /* A full disk fails every copy after it too: stop here, and tell the other batches. */
    if (rc != 0 && !f->changed && f->err == ENOSPC) __atomic_store_n(job->stop, 1, __ATOMIC_RELAXED);
  }
out:
  parent_cache_close(&src_dirs);
  parent_cache_close(&tmp_dirs);
  if (b) free_buffers(NULL, b, NULL);
  free(fds);
  free(srcs);
  free(tmps);
}

static void free_copy_batch(napi_env env, CopyBatch *job) {
  if (job->stop_ref) napi_delete_reference(env, job->stop_ref);
  free(job->paths);
  free(job->stamps);
  free(job->outcomes);
  free(job->results);
  free(job->failures);
  free(job);
}

/* Resolves to { outcomes: Int32Array, numbers: Float64Array (tmpIno, srcCtimeMs per file), hashes: string
 * (64 hex digits per file), errors: (Error | undefined)[] }. */
static void copy_batch_complete(napi_env env, napi_status status, void *data) {
  CopyBatch *job = data;
  napi_value value = NULL;
  if (status != napi_ok || job->err) {
    if (status != napi_ok) reject_with(env, job->deferred, "fts-native: a copy batch was cancelled");
    else napi_reject_deferred(env, job->deferred, errno_error(env, job->err, "copyBatch", "", NULL));
    napi_delete_async_work(env, job->work);
    free_copy_batch(env, job);
    return;
  }
  size_t n = job->count;
  void *outcome_bytes, *number_bytes;
  napi_value outcome_buffer, number_buffer, outcomes, numbers, hashes, errors;
  char *hex = malloc(64 * n + 1);
  int ok = hex != NULL && napi_create_arraybuffer(env, n * sizeof(int32_t), &outcome_bytes, &outcome_buffer) == napi_ok &&
           napi_create_typedarray(env, napi_int32_array, n, outcome_buffer, 0, &outcomes) == napi_ok &&
           napi_create_arraybuffer(env, 2 * n * sizeof(double), &number_bytes, &number_buffer) == napi_ok &&
           napi_create_typedarray(env, napi_float64_array, 2 * n, number_buffer, 0, &numbers) == napi_ok &&
           napi_create_array_with_length(env, n, &errors) == napi_ok;
  if (ok) {
    static const char digits[] = "0123456789abcdef";
    int32_t *o = outcome_bytes;
    double *num = number_bytes;
    const char *src = job->paths;
    for (size_t i = 0; i < n; i++) {
      const char *tmp = src + strlen(src) + 1;
      o[i] = job->outcomes[i];
      char *h = hex + 64 * i;
      if (o[i] == COPIED) {
        for (int k = 0; k < 32; k++) {
          h[2 * k] = digits[job->results[i].hash[k] >> 4];
          h[2 * k + 1] = digits[job->results[i].hash[k] & 15];
        }
        num[2 * i] = job->results[i].tmp_ino;
        num[2 * i + 1] = job->results[i].src_ctime_ms;
      } else {
        memset(h, '0', 64);
        num[2 * i] = num[2 * i + 1] = 0;
        if (o[i] == CHANGED || o[i] == FAILED) {
          const Failure *f = &job->failures[i];
          napi_value err = o[i] == CHANGED ? changed_error(env, f->changed) : errno_error(env, f->err, f->syscall, f->on_tmp ? tmp : src, NULL);
          if (err) napi_set_element(env, errors, (uint32_t)i, err);
        }
      }
      src = tmp + strlen(tmp) + 1;
    }
    ok = napi_create_string_latin1(env, hex, 64 * n, &hashes) == napi_ok && napi_create_object(env, &value) == napi_ok &&
         napi_set_named_property(env, value, "outcomes", outcomes) == napi_ok && napi_set_named_property(env, value, "numbers", numbers) == napi_ok &&
         napi_set_named_property(env, value, "hashes", hashes) == napi_ok && napi_set_named_property(env, value, "errors", errors) == napi_ok;
  }
  free(hex);
  if (ok) napi_resolve_deferred(env, job->deferred, value);
  else reject_with(env, job->deferred, "fts-native: out of memory for a copy batch's results");
  napi_delete_async_work(env, job->work);
  free_copy_batch(env, job);
}

napi_value copy_batch_at(napi_env env, napi_callback_info info) {
  static const char *usage =
      "fts-native: copyBatchAt(srcRootFd, dstRootFd, src\\0tmp pairs joined by NUL, stamps: Float64Array of size, mtimeMs, ino per file, chown, "
      "stop: Int32Array on a SharedArrayBuffer)";
  size_t argc = 6;
  napi_value argv[6] = {NULL, NULL, NULL, NULL, NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t srcfd, dstfd;
  size_t len, stamp_count, stop_count = 0;
  bool chown;
  void *stamp_data, *stop_data;
  if (fd_arg(env, argv[0], &srcfd, usage) || fd_arg(env, argv[1], &dstfd, usage)) return NULL;
  if (!argv[2] || napi_get_value_string_utf8(env, argv[2], NULL, 0, &len) != napi_ok) return throw_usage(env, usage);
  if (typed_arg(env, argv[3], napi_float64_array, &stamp_data, &stamp_count, usage)) return NULL;
  if (!argv[4] || napi_get_value_bool(env, argv[4], &chown) != napi_ok) return throw_usage(env, usage);
  if (typed_arg(env, argv[5], napi_int32_array, &stop_data, &stop_count, usage)) return NULL;
  if (stop_count < 1) return throw_usage(env, usage);
  CopyBatch *job = calloc(1, sizeof *job);
  if (!job) return throw_enomem(env);
  job->srcfd = srcfd;
  job->dstfd = dstfd;
  job->paths = malloc(len + 1);
  if (!job->paths) goto enomem;
  napi_get_value_string_utf8(env, argv[2], job->paths, len + 1, &len);
  uint32_t strings = count_strings(job->paths, len);
  job->count = strings / 2;
  if (strings % 2 || stamp_count != 3 * (size_t)job->count) {
    free_copy_batch(env, job);
    return throw_usage(env, usage);
  }
  job->chown = chown;
  job->stop = stop_data;
  job->stamps = malloc(stamp_count * sizeof(double) + 1);
  job->outcomes = calloc((size_t)job->count + 1, sizeof(int32_t));
  job->results = calloc((size_t)job->count + 1, sizeof(CopyResult));
  job->failures = calloc((size_t)job->count + 1, sizeof(Failure));
  if (!job->stamps || !job->outcomes || !job->results || !job->failures) goto enomem;
  if (stamp_count) memcpy(job->stamps, stamp_data, stamp_count * sizeof(double));
  napi_value promise, name;
  CHECK(napi_create_reference(env, argv[5], 1, &job->stop_ref));
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "fts-native:copyBatch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, copy_batch_execute, copy_batch_complete, job, &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
enomem:
  free_copy_batch(env, job);
  return throw_enomem(env);
}
