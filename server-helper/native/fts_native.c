/*
 * Linux system calls that Node lacks and graduation needs, as a small Node-API addon (see index.mjs):
 *
 *   readDir(path)               one directory's entries with their lstat numbers, read the way find(1) does
 *                               (getdents + fstatat on the directory's fd): Node's lstatSync resolves a whole
 *                               path and builds a Stats object per call, which cost more than the walk itself.
 *   renameNoReplace(from, to)   renameat2(RENAME_NOREPLACE): give a copy its final name without ever replacing
 *                               one, in one call (Node has only link + unlink for that).
 *   syncfs(fd, path)            syncfs(2) off the main thread: every write to one filesystem made durable. On an
 *                               fd the caller opened before its writes: Linux reports a write-back error to each
 *                               fd open at the time, so a fd opened only to sync could miss one seen elsewhere.
 *   copyFile(src, tmp, size, mtimeMs, ino, chown)
 *                               the whole verified copy of one small file (copy-core.mjs says what it
 *                               promises) in about 16 system calls and no JavaScript objects per step: in
 *                               JavaScript the same copy spent more time building Stats objects, hashes and
 *                               buffers than in the kernel. sha256 comes from Node's own OpenSSL.
 *   copyBatch(pairs, stamps, chown, stop)
 *                               copyFile for many small files as one job on libuv's thread pool: all their reads
 *                               are asked for first (posix_fadvise WILLNEED on the fds the copies then use), so
 *                               a cold disk gets them at once instead of one round trip per file, and no
 *                               JavaScript thread waits on them.
 *   renameBatch(pairs)          renameNoReplace for many from\0to pairs, off the main thread; resolves to each
 *                               pair's errno (0 = named). A batch's names are thousands of system calls that
 *                               the main thread, which also plans, journals and feeds the copies, cannot wait on.
 *   removeUnchanged(paths, stamps)
 *                               for each path, lstat and unlink it when its size, mtime, inode and ctime are
 *                               still the stamp's (4 numbers per path; ctime NaN = not checked); off the main
 *                               thread. Resolves to each path's outcome: 0 removed or already gone,
 *                               -1 changed (left in place), else the errno that stopped it.
 *   copyXattrsAndTimes(fromFd, toFd, fromPath, toPath, atimeMs, mtimeMs, ctimeMs)
 *                               the end of a large file's copy: every xattr fd to fd (a path could be swapped
 *                               for a symlink meanwhile) and the times to the nanosecond (Node's futimes takes
 *                               seconds as a double and loses the last digits).
 *
 * Errors are thrown like Node's own: an Error with code ('ENOENT'), errno (negative), syscall and path.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <node_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <openssl/evp.h>

/* Numbers per entry of readDir, in this order (index.mjs names them). */
enum { F_DEV, F_INO, F_MODE, F_NLINK, F_UID, F_GID, F_SIZE, F_BLOCKS, F_ATIME, F_MTIME, F_CTIME, FIELDS };

#define CHECK(call)                                                                                                \
  do {                                                                                                             \
    if ((call) != napi_ok) {                                                                                       \
      napi_throw_error(env, NULL, "fts-native: a Node-API call failed: " #call);                                   \
      return NULL;                                                                                                 \
    }                                                                                                              \
  } while (0)

/* Node's own formula (lib/internal/fs/utils.js msFromTimeSpec), in doubles: the numbers compare equal to a
 * Stats object's *Ms fields. -ffp-contract=off keeps the compiler from fusing it into one rounding. */
static double ms_of(struct timespec t) { return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6; }

/* Builds an Error the way Node's fs does: "ENOENT: no such file or directory, lstat '/x'". */
static napi_value errno_error(napi_env env, int err, const char *syscall, const char *path, const char *dest) {
  const char *name = strerrorname_np(err);
  if (!name) name = "EUNKNOWN";
  size_t cap = strlen(path) + (dest ? strlen(dest) : 0) + 256;
  char *msg = malloc(cap);
  if (!msg) return NULL;
  if (dest)
    snprintf(msg, cap, "%s: %s, %s '%s' -> '%s'", name, strerror(err), syscall, path, dest);
  else
    snprintf(msg, cap, "%s: %s, %s '%s'", name, strerror(err), syscall, path);
  napi_value code, message, error, value;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &message);
  free(msg);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, -err, &value);
  napi_set_named_property(env, error, "errno", value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "syscall", value);
  napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &value);
  napi_set_named_property(env, error, "path", value);
  if (dest) {
    napi_create_string_utf8(env, dest, NAPI_AUTO_LENGTH, &value);
    napi_set_named_property(env, error, "dest", value);
  }
  return error;
}

static void throw_errno(napi_env env, int err, const char *syscall, const char *path, const char *dest) {
  napi_value error = errno_error(env, err, syscall, path, dest);
  if (error) napi_throw(env, error);
  else napi_throw_error(env, "ENOMEM", "out of memory");
}

/* The source is not what was checked: an Error with code FTS_CHANGED (the caller leaves the file in place). */
static napi_value changed_error(napi_env env, const char *why) {
  napi_value code, message, error;
  napi_create_string_utf8(env, "FTS_CHANGED", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  return error;
}

/* Rejects a promise with a plain Error of this message (a job cancelled, or no memory for its answer). */
static void reject_with(napi_env env, napi_deferred deferred, const char *message) {
  napi_value text, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, NULL, text, &error);
  napi_reject_deferred(env, deferred, error);
}

static napi_value throw_enomem(napi_env env) {
  napi_throw_error(env, "ENOMEM", "out of memory");
  return NULL;
}

/* A string argument copied into a new malloc'ed buffer (NULL after throwing). */
static char *string_arg(napi_env env, napi_value value, const char *what) {
  size_t len;
  if (napi_get_value_string_utf8(env, value, NULL, 0, &len) != napi_ok) {
    char msg[128];
    snprintf(msg, sizeof msg, "fts-native: %s must be a string", what);
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
    return NULL;
  }
  char *s = malloc(len + 1);
  if (!s) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  napi_get_value_string_utf8(env, value, s, len + 1, &len);
  if (strlen(s) != len) {
    free(s);
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "fts-native: a path must not contain a NUL byte");
    return NULL;
  }
  return s;
}

/* Two string arguments (a path pair), both copied; returns 0, or -1 after throwing with nothing to free. */
static int string_pair(napi_env env, napi_value a, napi_value b, const char *what_a, const char *what_b, char **out_a, char **out_b) {
  *out_a = string_arg(env, a, what_a);
  if (!*out_a) return -1;
  *out_b = string_arg(env, b, what_b);
  if (!*out_b) {
    free(*out_a);
    return -1;
  }
  return 0;
}

static napi_value read_dir(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = string_arg(env, argv[0], "path");
  if (!path) return NULL;

  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);
  if (!dir) {
    int err = errno;
    if (dfd >= 0) close(dfd);
    throw_errno(env, err, "scandir", path, NULL);
    free(path);
    return NULL;
  }
  size_t names_cap = 8192, names_len = 0, count = 0, nums_cap = 128;
  char *names = malloc(names_cap);
  double *nums = malloc(nums_cap * FIELDS * sizeof(double));
  int err = 0;
  if (!names || !nums) err = ENOMEM;
  struct dirent *d;
  while (!err) {
    errno = 0;
    d = readdir(dir);
    if (!d) {
      err = errno;
      break;
    }
    const char *n = d->d_name;
    if (n[0] == '.' && (n[1] == 0 || (n[1] == '.' && n[2] == 0))) continue;
    size_t nlen = strlen(n);
    if (names_len + nlen + 1 > names_cap) {
      while (names_len + nlen + 1 > names_cap) names_cap *= 2;
      char *bigger = realloc(names, names_cap);
      if (!bigger) {
        err = ENOMEM;
        break;
      }
      names = bigger;
    }
    if (count == nums_cap) {
      nums_cap *= 2;
      double *bigger = realloc(nums, nums_cap * FIELDS * sizeof(double));
      if (!bigger) {
        err = ENOMEM;
        break;
      }
      nums = bigger;
    }
    if (names_len > 0) names[names_len++] = '\0';
    memcpy(names + names_len, n, nlen);
    names_len += nlen;
    double *o = nums + count * FIELDS;
    count++;
    struct stat st;
    if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      /* Mode 0 tells the caller, and nlink carries the errno: ENOENT when the entry went between the read and
       * the stat, EACCES in a folder this process may list but not search. */
      int e = errno;
      memset(o, 0, FIELDS * sizeof(double));
      o[F_NLINK] = (double)e;
      continue;
    }
    o[F_DEV] = (double)st.st_dev;
    o[F_INO] = (double)st.st_ino;
    o[F_MODE] = (double)st.st_mode;
    o[F_NLINK] = (double)st.st_nlink;
    o[F_UID] = (double)st.st_uid;
    o[F_GID] = (double)st.st_gid;
    o[F_SIZE] = (double)st.st_size;
    o[F_BLOCKS] = (double)st.st_blocks;
    o[F_ATIME] = ms_of(st.st_atim);
    o[F_MTIME] = ms_of(st.st_mtim);
    o[F_CTIME] = ms_of(st.st_ctim);
  }
  closedir(dir);
  if (err) {
    free(names);
    free(nums);
    throw_errno(env, err, "scandir", path, NULL);
    free(path);
    return NULL;
  }
  free(path);

  napi_value result, names_value, buffer, array;
  void *data;
  size_t bytes = count * FIELDS * sizeof(double);
  napi_status s1 = napi_create_string_utf8(env, names, names_len, &names_value);
  napi_status s2 = napi_create_arraybuffer(env, bytes, &data, &buffer);
  if (s2 == napi_ok && bytes > 0) memcpy(data, nums, bytes);
  free(names);
  free(nums);
  CHECK(s1);
  CHECK(s2);
  CHECK(napi_create_typedarray(env, napi_float64_array, count * FIELDS, buffer, 0, &array));
  CHECK(napi_create_object(env, &result));
  CHECK(napi_set_named_property(env, result, "names", names_value));
  CHECK(napi_set_named_property(env, result, "nums", array));
  napi_value count_value;
  CHECK(napi_create_uint32(env, (uint32_t)count, &count_value));
  CHECK(napi_set_named_property(env, result, "count", count_value));
  return result;
}

static napi_value rename_no_replace(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *from, *to;
  if (string_pair(env, argv[0], argv[1], "from", "to", &from, &to)) return NULL;
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) != 0) throw_errno(env, errno, "rename", from, to);
  free(from);
  free(to);
  return NULL;
}

typedef struct {
  int fd;
  char *path;
  int err;
  const char *syscall;
  napi_deferred deferred;
  napi_async_work work;
} SyncJob;

static void syncfs_execute(napi_env env, void *data) {
  (void)env;
  SyncJob *job = data;
  if (syncfs(job->fd) != 0) {
    job->err = errno;
    job->syscall = "syncfs";
  }
}

static void syncfs_complete(napi_env env, napi_status status, void *data) {
  SyncJob *job = data;
  napi_value value;
  if (status != napi_ok) {
    reject_with(env, job->deferred, "fts-native: syncfs was cancelled");
  } else if (job->err) {
    value = errno_error(env, job->err, job->syscall, job->path, NULL);
    napi_reject_deferred(env, job->deferred, value);
  } else {
    napi_get_undefined(env, &value);
    napi_resolve_deferred(env, job->deferred, value);
  }
  napi_delete_async_work(env, job->work);
  free(job->path);
  free(job);
}

static napi_value sync_fs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "fts-native: syncfs(fd, path)");
    return NULL;
  }
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

/* Per-thread (per Node environment) buffers of copyFile, freed with the environment. */
#define CHUNK (1 << 20)
#define BLOCK 4096
typedef struct {
  unsigned char *data;
  unsigned char *verify;
  char *names;
  size_t names_cap;
  char *value;
  size_t value_cap;
} Buffers;

static void free_buffers(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Buffers *b = data;
  free(b->data);
  free(b->verify);
  free(b->names);
  free(b->value);
  free(b);
}

static Buffers *new_buffers(void) {
  Buffers *b = calloc(1, sizeof *b);
  if (!b) return NULL;
  b->data = malloc(CHUNK);
  b->verify = malloc(CHUNK);
  /* Never empty: flistxattr and fgetxattr with size 0 answer a size instead of filling the buffer. */
  b->names_cap = b->value_cap = 4096;
  b->names = malloc(b->names_cap);
  b->value = malloc(b->value_cap);
  if (!b->data || !b->verify || !b->names || !b->value) {
    free_buffers(NULL, b, NULL);
    return NULL;
  }
  return b;
}

/* The calling JavaScript thread's buffers (freed with its environment). */
static Buffers *buffers_of(napi_env env) {
  Buffers *b = NULL;
  napi_get_instance_data(env, (void **)&b);
  if (b) return b;
  b = new_buffers();
  if (b && napi_set_instance_data(env, b, free_buffers, NULL) != napi_ok) {
    free_buffers(env, b, NULL);
    return NULL;
  }
  return b;
}

/* Why a copy failed: an errno of a named call, or "changed" (the source is not what the scan saw). */
typedef struct {
  int err;
  const char *syscall;
  const char *changed;
  /* The call was on the temp copy, not the source (the error names that path). */
  int on_tmp;
} Failure;

static int fail_errno(Failure *f, const char *syscall) {
  f->err = errno;
  f->syscall = syscall;
  return -1;
}

static int write_all(int fd, const unsigned char *buf, size_t len, off_t pos, Failure *f) {
  while (len > 0) {
    ssize_t w = pwrite(fd, buf, len, pos);
    if (w < 0) {
      if (errno == EINTR) continue;
      f->on_tmp = 1;
      return fail_errno(f, "write");
    }
    buf += w;
    len -= (size_t)w;
    pos += w;
  }
  return 0;
}

static int all_zero(const unsigned char *p, size_t n) {
  static const unsigned char zero[BLOCK];
  return n == BLOCK && memcmp(p, zero, BLOCK) == 0;
}

/* Writes a chunk (all-zero 4 KiB blocks skipped when the source is sparse, so holes stay holes), reads it
 * back and compares: what was written is proven equal to what was read and hashed. */
static int write_verified(int fd, const unsigned char *chunk, size_t n, off_t pos, int sparse, unsigned char *verify, Failure *f) {
  if (!sparse) {
    if (write_all(fd, chunk, n, pos, f)) return -1;
  } else {
    size_t run = (size_t)-1;
    for (size_t off = 0; off < n; off += BLOCK) {
      size_t end = off + BLOCK < n ? off + BLOCK : n;
      int zero = all_zero(chunk + off, end - off);
      if (!zero && run == (size_t)-1) run = off;
      if (zero && run != (size_t)-1) {
        if (write_all(fd, chunk + run, off - run, pos + (off_t)run, f)) return -1;
        run = (size_t)-1;
      }
    }
    if (run != (size_t)-1 && write_all(fd, chunk + run, n - run, pos + (off_t)run, f)) return -1;
  }
  size_t got = 0;
  while (got < n) {
    ssize_t r = pread(fd, verify + got, n - got, pos + (off_t)got);
    if (r < 0) {
      if (errno == EINTR) continue;
      f->on_tmp = 1;
      return fail_errno(f, "read");
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  /* A hole past the end of a sparse copy reads as nothing until the final truncate: zeros by definition. */
  if (got < n) memset(verify + got, 0, n - got);
  if (memcmp(verify, chunk, n) != 0) {
    f->err = EIO;
    f->syscall = "verify";
    f->on_tmp = 1;
    return -1;
  }
  return 0;
}

/* Grows *buf to at least want bytes. */
static int grow(char **buf, size_t *cap, size_t want) {
  if (*cap >= want) return 0;
  char *bigger = realloc(*buf, want);
  if (!bigger) return -1;
  *buf = bigger;
  *cap = want;
  return 0;
}

/* Copies every extended attribute the caller may read (user.DosStream.*, user.DOSATTRIB, ACLs), fd to fd:
 * one flistxattr for a file without any. */
static int copy_xattrs(Buffers *b, int from, int to, Failure *f) {
  ssize_t len;
  /* A list that keeps growing under us (or a size query that under-reports) gets a few tries, not forever. */
  int tries = 0;
  while ((len = flistxattr(from, b->names, b->names_cap)) < 0) {
    if (errno == ENOTSUP) return 0;
    if (errno != ERANGE || ++tries > 8) return fail_errno(f, "listxattr");
    ssize_t want = flistxattr(from, NULL, 0);
    if (want < 0) return fail_errno(f, "listxattr");
    if (grow(&b->names, &b->names_cap, (size_t)want + 256)) return fail_errno(f, "listxattr");
  }
  for (ssize_t off = 0; off < len; off += (ssize_t)strlen(b->names + off) + 1) {
    const char *name = b->names + off;
    ssize_t vlen;
    int value_tries = 0;
    while ((vlen = fgetxattr(from, name, b->value, b->value_cap)) < 0 && errno == ERANGE && ++value_tries <= 8) {
      ssize_t want = fgetxattr(from, name, NULL, 0);
      if (want < 0) break;
      if (grow(&b->value, &b->value_cap, (size_t)want + 256)) return fail_errno(f, "getxattr");
    }
    if (vlen < 0) {
      /* Removed since the list: nothing to copy (the change shows in the ctime check). */
      if (errno == ENODATA) continue;
      return fail_errno(f, "getxattr");
    }
    if (fsetxattr(to, name, b->value, (size_t)vlen, 0) != 0) {
      f->on_tmp = 1;
      return fail_errno(f, "setxattr");
    }
  }
  return 0;
}

static int same_stamp(const struct stat *st, double size, double mtime_ms, double ino) {
  return (double)st->st_size == size && ms_of(st->st_mtim) == mtime_ms && (double)st->st_ino == ino;
}

typedef struct {
  unsigned char hash[32];
  double tmp_ino;
  double src_ctime_ms;
} CopyResult;

/* Opens a source as every copy does: no symlink followed, no fifo waited on (O_NONBLOCK: one swapped in since
 * the scan is refused by the copy), the atime left alone where allowed (O_NOATIME is for the owner or root). */
static int open_source(const char *src) {
  int fd = open(src, O_RDONLY | O_NOFOLLOW | O_NOATIME | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == EPERM) fd = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  return fd;
}

/* Copies src (already opened by open_source as `in`, or -1 to open it here; closed either way) to a new tmp. */
static int copy_file(Buffers *b, int in, const char *src, const char *tmp, double size, double mtime_ms, double ino, int chown, CopyResult *out, Failure *f) {
  if (in < 0) in = open_source(src);
  if (in < 0) return fail_errno(f, "open");
  int outfd = -1, rc = -1, made = 0;
  EVP_MD_CTX *md = NULL;
  struct stat before, after, landed;
  if (fstat(in, &before) != 0) {
    fail_errno(f, "fstat");
    goto done;
  }
  if (!S_ISREG(before.st_mode) || !same_stamp(&before, size, mtime_ms, ino)) {
    f->changed = "changed since the scan";
    goto done;
  }
  outfd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (outfd < 0) {
    f->on_tmp = 1;
    fail_errno(f, "open");
    goto done;
  }
  made = 1;
  int sparse = before.st_blocks * 512 < before.st_size;
  md = EVP_MD_CTX_new();
  if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
    f->err = ENOMEM;
    f->syscall = "sha256";
    goto done;
  }
  off_t pos = 0;
  /* Reads stop at the size fstat gave; growth past it shows in the fstat after the copy. */
  while (pos < before.st_size) {
    ssize_t n = pread(in, b->data, CHUNK, pos);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail_errno(f, "read");
      goto done;
    }
    if (n == 0) break;
    if (EVP_DigestUpdate(md, b->data, (size_t)n) != 1) {
      f->err = EIO;
      f->syscall = "sha256";
      goto done;
    }
    if (write_verified(outfd, b->data, (size_t)n, pos, sparse, b->verify, f)) goto done;
    pos += n;
  }
  if (sparse && ftruncate(outfd, pos) != 0) {
    f->on_tmp = 1;
    fail_errno(f, "ftruncate");
    goto done;
  }
  if (fstat(in, &after) != 0) {
    fail_errno(f, "fstat");
    goto done;
  }
  /* ctime too: a chmod or a new xattr (a Finder tag) during the copy would not reach the copy. */
  if (pos != before.st_size || !same_stamp(&after, (double)before.st_size, ms_of(before.st_mtim), (double)before.st_ino) ||
      after.st_ctim.tv_sec != before.st_ctim.tv_sec || after.st_ctim.tv_nsec != before.st_ctim.tv_nsec) {
    f->changed = "changed while it was copied";
    goto done;
  }
  if (fstat(outfd, &landed) != 0) {
    f->on_tmp = 1;
    fail_errno(f, "fstat");
    goto done;
  }
  if (landed.st_size != pos) {
    f->err = EIO;
    f->syscall = "size check";
    f->on_tmp = 1;
    goto done;
  }
  /* A copy made by its source's owner (root's files, copied as root) already has the owner: one call less. */
  if (chown && (landed.st_uid != before.st_uid || landed.st_gid != before.st_gid) && fchown(outfd, before.st_uid, before.st_gid) != 0) {
    f->on_tmp = 1;
    fail_errno(f, "fchown");
    goto done;
  }
  if (copy_xattrs(b, in, outfd, f)) goto done;
  /* The mode after chown, which clears setuid/setgid bits, and after the xattrs: a user without CAP_DAC_OVERRIDE
   * cannot set user.* xattrs on a copy that is already read-only (0444). */
  if (fchmod(outfd, before.st_mode & 07777) != 0) {
    f->on_tmp = 1;
    fail_errno(f, "fchmod");
    goto done;
  }
  /* Nanoseconds, as the source has them (Node's futimes would round to a microsecond). */
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  if (futimens(outfd, times) != 0) {
    f->on_tmp = 1;
    fail_errno(f, "futimens");
    goto done;
  }
  unsigned int hlen = 0;
  if (EVP_DigestFinal_ex(md, out->hash, &hlen) != 1 || hlen != 32) {
    f->err = EIO;
    f->syscall = "sha256";
    goto done;
  }
  out->tmp_ino = (double)landed.st_ino;
  out->src_ctime_ms = ms_of(before.st_ctim);
  rc = 0;
done:
  if (md) EVP_MD_CTX_free(md);
  if (outfd >= 0 && close(outfd) != 0 && rc == 0) {
    /* A copy whose close failed (a late write error) is no copy. */
    f->on_tmp = 1;
    fail_errno(f, "close");
    rc = -1;
  }
  close(in);
  if (rc != 0 && made) {
    int saved = errno;
    unlink(tmp);
    errno = saved;
  }
  return rc;
}

/* What a copy gives JavaScript: { hash, tmpIno, srcCtimeMs }, or the error to throw. */
static napi_value copy_outcome(napi_env env, int rc, const CopyResult *r, const Failure *f, const char *src, const char *tmp) {
  napi_value value = NULL;
  if (rc != 0 && f->changed) {
    value = changed_error(env, f->changed);
  } else if (rc != 0) {
    value = errno_error(env, f->err, f->syscall, f->on_tmp ? tmp : src, NULL);
  } else {
    static const char hex[] = "0123456789abcdef";
    char text[65];
    for (int i = 0; i < 32; i++) {
      text[2 * i] = hex[r->hash[i] >> 4];
      text[2 * i + 1] = hex[r->hash[i] & 15];
    }
    napi_value hash, tmp_ino, ctime;
    napi_create_object(env, &value);
    napi_create_string_latin1(env, text, 64, &hash);
    napi_create_double(env, r->tmp_ino, &tmp_ino);
    napi_create_double(env, r->src_ctime_ms, &ctime);
    napi_set_named_property(env, value, "hash", hash);
    napi_set_named_property(env, value, "tmpIno", tmp_ino);
    napi_set_named_property(env, value, "srcCtimeMs", ctime);
  }
  return value;
}

static napi_value copy_file_js(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  double size, mtime_ms, ino;
  bool chown = false;
  if (argc < 6 || napi_get_value_double(env, argv[2], &size) != napi_ok || napi_get_value_double(env, argv[3], &mtime_ms) != napi_ok ||
      napi_get_value_double(env, argv[4], &ino) != napi_ok || napi_get_value_bool(env, argv[5], &chown) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "fts-native: copyFile(src, tmp, size, mtimeMs, ino, chown)");
    return NULL;
  }
  Buffers *b = buffers_of(env);
  char *src, *tmp;
  if (!b) return throw_enomem(env);
  if (string_pair(env, argv[0], argv[1], "src", "tmp", &src, &tmp)) return NULL;
  CopyResult r;
  Failure f = {0, NULL, NULL, 0};
  int rc = copy_file(b, -1, src, tmp, size, mtime_ms, ino, chown, &r, &f);
  napi_value value = copy_outcome(env, rc, &r, &f, src, tmp);
  free(src);
  free(tmp);
  if (rc != 0) {
    napi_throw(env, value);
    return NULL;
  }
  return value;
}

/* A time in Node's milliseconds as a timespec (to within the double's precision). */
static struct timespec timespec_of(double ms) {
  double sec = floor(ms / 1e3);
  struct timespec t = {(time_t)sec, (long)llround((ms - sec * 1e3) * 1e6)};
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

static napi_value copy_xattrs_and_times(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t from, to;
  double atime_ms, mtime_ms, ctime_ms;
  if (argc < 7 || napi_get_value_int32(env, argv[0], &from) != napi_ok || napi_get_value_int32(env, argv[1], &to) != napi_ok ||
      napi_get_value_double(env, argv[4], &atime_ms) != napi_ok || napi_get_value_double(env, argv[5], &mtime_ms) != napi_ok ||
      napi_get_value_double(env, argv[6], &ctime_ms) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "fts-native: copyXattrsAndTimes(fromFd, toFd, fromPath, toPath, atimeMs, mtimeMs, ctimeMs)");
    return NULL;
  }
  Buffers *b = buffers_of(env);
  char *src, *tmp;
  if (!b) return throw_enomem(env);
  if (string_pair(env, argv[2], argv[3], "fromPath", "toPath", &src, &tmp)) return NULL;
  Failure f = {0, NULL, NULL, 0};
  struct stat st;
  if (copy_xattrs(b, from, to, &f) == 0) {
    if (fstat(from, &st) != 0) {
      fail_errno(&f, "fstat");
    } else if (ms_of(st.st_mtim) != mtime_ms || ms_of(st.st_ctim) != ctime_ms) {
      /* The times given are the ones the caller checked; a source changed since gets no copy. */
      f.changed = "changed while it was copied";
    } else {
      /* The source's own nanoseconds, unless its atime moved since (a read without O_NOATIME): then the
       * atime the caller saw. */
      struct timespec times[2] = {ms_of(st.st_atim) == atime_ms ? st.st_atim : timespec_of(atime_ms), st.st_mtim};
      if (futimens(to, times) != 0) {
        f.on_tmp = 1;
        fail_errno(&f, "futimens");
      }
    }
  }
  if (f.changed) napi_throw(env, changed_error(env, f.changed));
  else if (f.syscall) throw_errno(env, f.err, f.syscall, f.on_tmp ? tmp : src, NULL);
  free(src);
  free(tmp);
  return NULL;
}

/* One batch of path operations run on libuv's thread pool (renameBatch, removeUnchanged). */
enum { OP_RENAME, OP_REMOVE_UNCHANGED };

typedef struct {
  int op;
  char *paths;
  size_t len;
  uint32_t count;
  double *stamps;
  int32_t *results;
  napi_deferred deferred;
  napi_async_work work;
} BatchJob;

/* Stamp numbers per path of removeUnchanged: size, mtimeMs, ino, ctimeMs. */
enum { S_SIZE, S_MTIME, S_INO, S_CTIME, STAMP };

static int32_t remove_unchanged(const char *path, const double *stamp) {
  struct stat st;
  if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : errno;
  if (!same_stamp(&st, stamp[S_SIZE], stamp[S_MTIME], stamp[S_INO])) return -1;
  if (!isnan(stamp[S_CTIME]) && ms_of(st.st_ctim) != stamp[S_CTIME]) return -1;
  if (unlink(path) != 0 && errno != ENOENT) return errno;
  return 0;
}

static void batch_execute(napi_env env, void *data) {
  (void)env;
  BatchJob *job = data;
  const char *p = job->paths;
  for (uint32_t i = 0; i < job->count; i++) {
    if (job->op == OP_RENAME) {
      const char *to = p + strlen(p) + 1;
      job->results[i] = renameat2(AT_FDCWD, p, AT_FDCWD, to, RENAME_NOREPLACE) == 0 ? 0 : errno;
      p = to + strlen(to) + 1;
    } else {
      job->results[i] = remove_unchanged(p, job->stamps + (size_t)i * STAMP);
      p += strlen(p) + 1;
    }
  }
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
  free(job->paths);
  free(job->stamps);
  free(job->results);
  free(job);
}

/* Counts the NUL-terminated strings in paths[0..len) (the last one's NUL is the buffer's own). */
static uint32_t count_strings(const char *paths, size_t len) {
  uint32_t n = 0;
  for (size_t off = 0; off < len; off += strlen(paths + off) + 1) n++;
  return n;
}

static napi_value queue_batch(napi_env env, int op, napi_value paths_value, napi_value stamps_value, const char *usage) {
  size_t len;
  if (napi_get_value_string_utf8(env, paths_value, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return NULL;
  }
  BatchJob *job = calloc(1, sizeof *job);
  if (!job) return throw_enomem(env);
  job->op = op;
  job->len = len;
  job->paths = malloc(len + 1);
  if (!job->paths) goto enomem;
  napi_get_value_string_utf8(env, paths_value, job->paths, len + 1, &len);
  uint32_t strings = count_strings(job->paths, len);
  job->count = op == OP_RENAME ? strings / 2 : strings;
  if (op == OP_RENAME && strings % 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "fts-native: renameBatch needs from\\0to pairs");
    goto fail;
  }
  if (op == OP_REMOVE_UNCHANGED) {
    napi_typedarray_type type;
    size_t length;
    void *data;
    if (napi_get_typedarray_info(env, stamps_value, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array ||
        length != (size_t)job->count * STAMP) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", "fts-native: removeUnchanged needs a Float64Array of 4 numbers per path");
      goto fail;
    }
    job->stamps = malloc(length * sizeof(double) + 1);
    if (!job->stamps) goto enomem;
    if (length) memcpy(job->stamps, data, length * sizeof(double));
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
  throw_enomem(env);
fail:
  free(job->paths);
  free(job->stamps);
  free(job->results);
  free(job);
  return NULL;
}

/* The JavaScript side of renameBatch (one argument) and removeUnchanged (two): arguments checked, job queued. */
static napi_value batch_js(napi_env env, napi_callback_info info, int op, size_t needed, const char *usage) {
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < needed) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return NULL;
  }
  return queue_batch(env, op, argv[0], argv[1], usage);
}

static napi_value rename_batch(napi_env env, napi_callback_info info) {
  return batch_js(env, info, OP_RENAME, 1, "fts-native: renameBatch(from\\0to pairs joined by NUL)");
}

static napi_value remove_unchanged_js(napi_env env, napi_callback_info info) {
  return batch_js(env, info, OP_REMOVE_UNCHANGED, 2, "fts-native: removeUnchanged(paths joined by NUL, stamps)");
}

/* copyBatch: the copies of many small files as one job on libuv's thread pool. Each file is opened and its
 * read-ahead asked for (posix_fadvise WILLNEED) before the first is copied, so a cold disk gets all of the
 * batch's reads at once instead of one round trip per file; the copies then use the fds already open. */
#define READ_AHEAD_MAX (1 << 20)

enum { COPIED, CHANGED, FAILED, STOPPED };

typedef struct {
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

static void copy_batch_execute(napi_env env, void *data) {
  (void)env;
  CopyBatch *job = data;
  Buffers *b = new_buffers();
  int *fds = malloc(((size_t)job->count + 1) * sizeof(int));
  const char **srcs = malloc(((size_t)job->count + 1) * sizeof(char *));
  const char **tmps = malloc(((size_t)job->count + 1) * sizeof(char *));
  if (!b || !fds || !srcs || !tmps) {
    job->err = ENOMEM;
    goto out;
  }
  const char *p = job->paths;
  for (uint32_t i = 0; i < job->count; i++) {
    srcs[i] = p;
    tmps[i] = p + strlen(p) + 1;
    p = tmps[i] + strlen(tmps[i]) + 1;
    /* A source that cannot be opened now is opened again by its copy, which reports why. */
    fds[i] = open_source(srcs[i]);
    if (fds[i] >= 0 && job->stamps[3 * i] < READ_AHEAD_MAX) posix_fadvise(fds[i], 0, 0, POSIX_FADV_WILLNEED);
  }
  for (uint32_t i = 0; i < job->count; i++) {
    if (__atomic_load_n(job->stop, __ATOMIC_RELAXED)) {
      job->outcomes[i] = STOPPED;
      if (fds[i] >= 0) close(fds[i]);
      continue;
    }
    const double *st = job->stamps + 3 * (size_t)i;
    Failure *f = &job->failures[i];
    int rc = copy_file(b, fds[i], srcs[i], tmps[i], st[0], st[1], st[2], job->chown, &job->results[i], f);
    job->outcomes[i] = rc == 0 ? COPIED : f->changed ? CHANGED : FAILED;
    /* A full disk fails every copy after it too: stop here, and tell the other batches. */
    if (rc != 0 && !f->changed && f->err == ENOSPC) __atomic_store_n(job->stop, 1, __ATOMIC_RELAXED);
  }
out:
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
    for (size_t i = 0; i < n; i++) {
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
          /* The paths again, for the message: this file's src and tmp. */
          const char *src = job->paths;
          for (size_t k = 0; k < i; k++) src += strlen(src) + 1, src += strlen(src) + 1;
          const char *tmp = src + strlen(src) + 1;
          napi_value err = o[i] == CHANGED ? changed_error(env, f->changed) : errno_error(env, f->err, f->syscall, f->on_tmp ? tmp : src, NULL);
          if (err) napi_set_element(env, errors, (uint32_t)i, err);
        }
      }
    }
    ok = napi_create_string_latin1(env, hex, 64 * n, &hashes) == napi_ok && napi_create_object(env, &value) == napi_ok &&
         napi_set_named_property(env, value, "outcomes", outcomes) == napi_ok && napi_set_named_property(env, value, "numbers", numbers) == napi_ok &&
         napi_set_named_property(env, value, "hashes", hashes) == napi_ok && napi_set_named_property(env, value, "errors", errors) == napi_ok;
  }
  free(hex);
  if (ok) {
    napi_resolve_deferred(env, job->deferred, value);
  } else {
    reject_with(env, job->deferred, "fts-native: out of memory for a copy batch's results");
  }
  napi_delete_async_work(env, job->work);
  free_copy_batch(env, job);
}

static napi_value copy_batch(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: copyBatch(src\\0tmp pairs joined by NUL, stamps: Float64Array of size, mtimeMs, ino per file, chown, stop: Int32Array on a SharedArrayBuffer)";
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t len, stamp_count, stop_count;
  bool chown;
  napi_typedarray_type stamp_type, stop_type;
  void *stamp_data, *stop_data;
  if (argc < 4 || napi_get_value_string_utf8(env, argv[0], NULL, 0, &len) != napi_ok ||
      napi_get_typedarray_info(env, argv[1], &stamp_type, &stamp_count, &stamp_data, NULL, NULL) != napi_ok || stamp_type != napi_float64_array ||
      napi_get_value_bool(env, argv[2], &chown) != napi_ok ||
      napi_get_typedarray_info(env, argv[3], &stop_type, &stop_count, &stop_data, NULL, NULL) != napi_ok || stop_type != napi_int32_array || stop_count < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return NULL;
  }
  CopyBatch *job = calloc(1, sizeof *job);
  if (!job) return throw_enomem(env);
  job->paths = malloc(len + 1);
  if (!job->paths) goto enomem;
  napi_get_value_string_utf8(env, argv[0], job->paths, len + 1, &len);
  uint32_t strings = count_strings(job->paths, len);
  job->count = strings / 2;
  if (strings % 2 || stamp_count != 3 * (size_t)job->count) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_VALUE", usage);
    free_copy_batch(env, job);
    return NULL;
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
  CHECK(napi_create_reference(env, argv[3], 1, &job->stop_ref));
  CHECK(napi_create_promise(env, &job->deferred, &promise));
  CHECK(napi_create_string_utf8(env, "fts-native:copyBatch", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, copy_batch_execute, copy_batch_complete, job, &job->work));
  CHECK(napi_queue_async_work(env, job->work));
  return promise;
enomem:
  free_copy_batch(env, job);
  return throw_enomem(env);
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"readDir", NULL, read_dir, NULL, NULL, NULL, napi_enumerable, NULL},
      {"renameNoReplace", NULL, rename_no_replace, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syncfs", NULL, sync_fs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyFile", NULL, copy_file_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyBatch", NULL, copy_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"renameBatch", NULL, rename_batch, NULL, NULL, NULL, napi_enumerable, NULL},
      {"removeUnchanged", NULL, remove_unchanged_js, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyXattrsAndTimes", NULL, copy_xattrs_and_times, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value fields;
  napi_create_uint32(env, FIELDS, &fields);
  napi_set_named_property(env, exports, "FIELDS", fields);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
