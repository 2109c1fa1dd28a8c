/* Shared by fts-native's parts: Node-style errors, argument helpers, per-thread copy buffers, and the resolution
 * of paths beneath a root's directory fd (beneath.c). */
#ifndef FTS_NATIVE_COMMON_H
#define FTS_NATIVE_COMMON_H

#define _GNU_SOURCE
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* Numbers per entry of readDirAt and lstatAt, in this order (index.mjs names them). */
enum { F_DEV, F_INO, F_MODE, F_NLINK, F_UID, F_GID, F_SIZE, F_BLOCKS, F_ATIME, F_MTIME, F_CTIME, FIELDS };

#define CHECK(call)                                                                                                \
  do {                                                                                                             \
    if ((call) != napi_ok) {                                                                                       \
      napi_throw_error(env, NULL, "fts-native: a Node-API call failed: " #call);                                   \
      return NULL;                                                                                                 \
    }                                                                                                              \
  } while (0)

/* ---- errors.c ---- */

/* Node's own formula for a time in milliseconds (lib/internal/fs/utils.js msFromTimeSpec). */
double ms_of(struct timespec t);
/* A time in Node's milliseconds as a timespec (to within the double's precision). */
struct timespec timespec_of(double ms);
/* Writes a struct stat as FIELDS numbers. */
void stat_numbers(const struct stat *st, double *o);
/* An Error the way Node's fs builds one: "ENOENT: no such file or directory, lstat 'x'" with code, errno, syscall, path. */
napi_value errno_error(napi_env env, int err, const char *syscall, const char *path, const char *dest);
/* Throws errno_error (or an out-of-memory error). */
void throw_errno(napi_env env, int err, const char *syscall, const char *path, const char *dest);
/* The source is not what was checked: an Error with code FTS_CHANGED (the caller leaves the file in place). */
napi_value changed_error(napi_env env, const char *why);
/* Rejects a promise with a plain Error of this message. */
void reject_with(napi_env env, napi_deferred deferred, const char *message);
/* Throws ENOMEM; returns NULL for the caller to return. */
napi_value throw_enomem(napi_env env);
/* Throws a TypeError with this usage text; returns NULL. */
napi_value throw_usage(napi_env env, const char *usage);
/* A string argument copied into a new malloc'ed buffer (NULL after throwing). */
char *string_arg(napi_env env, napi_value value, const char *what);
/* An int32 argument (a file descriptor); 0 on success, -1 after throwing the usage. */
int fd_arg(napi_env env, napi_value value, int32_t *out, const char *usage);
/* Counts the NUL-terminated strings in s[0..len) (the last one's NUL is the buffer's own). */
uint32_t count_strings(const char *s, size_t len);
/* A typed array argument of this type: its data and length; 0, or -1 after throwing the usage. */
int typed_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length, const char *usage);

/* ---- beneath.c: every path below a root is resolved from the root's directory fd ---- */

/*
 * Opens `rel` (relative, '/'-separated; no empty, '.' or '..' component) beneath dirfd, following no symlink on
 * the way or at the end and never entering another mount: openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV where the kernel has it (Linux >= 5.6), else a walk of openat(O_NOFOLLOW) per component that
 * checks each folder's st_dev against dirfd's. Fails with ELOOP for a symlink, EXDEV for another mount, EINVAL
 * for a malformed path. `flags` are open(2)'s (O_CLOEXEC and O_NOFOLLOW are added).
 */
int open_beneath(int dirfd, const char *rel, int flags, mode_t mode);
/* Opens the folder `rel` beneath rootfd ("" = the root itself) with O_RDONLY or O_PATH. */
int open_dir_beneath(int rootfd, const char *rel, int flags);
/*
 * The folder holding `rel` beneath rootfd, opened O_PATH (rootfd itself for a name with no '/': *borrowed is
 * set and the caller must not close it), and the last component in *leaf (a pointer into rel).
 */
int open_parent(int rootfd, const char *rel, const char **leaf, int *borrowed);
/* Closes what open_parent returned unless it was borrowed. */
void close_parent(int fd, int borrowed);
/* Whether open_beneath uses openat2 (1) or the per-component walk (0). */
int beneath_uses_openat2(void);

/* The parent folder of the last path looked up, kept open for the next one in the same folder (a batch's files
 * mostly share folders). Not shared between threads. */
typedef struct {
  int rootfd;
  char *dir;
  size_t dir_len;
  int fd;
  int borrowed;
} ParentCache;
/* An empty cache for paths beneath rootfd. */
void parent_cache_init(ParentCache *c, int rootfd);
/* The folder holding rel (from the cache when it is the last one's) and its last component in *leaf; -1 with errno. */
int parent_cached(ParentCache *c, const char *rel, const char **leaf);
/* Closes what the cache holds. */
void parent_cache_close(ParentCache *c);

/* ---- copy.c ---- */

#define CHUNK (1 << 20)
#define BLOCK 4096

/* Per-thread buffers of the copies, freed with their Node environment or job. */
typedef struct {
  unsigned char *data;
  unsigned char *verify;
  char *names;
  size_t names_cap;
  char *value;
  size_t value_cap;
} Buffers;
Buffers *new_buffers(void);
void free_buffers(napi_env env, void *data, void *hint);
/* The calling JavaScript thread's buffers (freed with its environment). */
Buffers *buffers_of(napi_env env);

/* Why a copy failed: an errno of a named call, or "changed" (the source is not what the scan saw). */
typedef struct {
  int err;
  const char *syscall;
  const char *changed;
  /* The call was on the temp copy, not the source (the error names that path). */
  int on_tmp;
} Failure;

/* What a finished copy is. */
typedef struct {
  unsigned char hash[32];
  double tmp_ino;
  double src_ctime_ms;
} CopyResult;

/* Opens a source leaf in its folder: no symlink followed, no fifo waited on, the atime left alone where allowed. */
int open_source(int dirfd, const char *leaf);
/*
 * Copies the source (already opened by open_source as `in`, or -1 to open it here; closed either way) to a new
 * temp file `tmpleaf` in tmpdir: sha256 of what was read, every chunk read back and compared, holes kept, then
 * owner (when chown), xattrs, mode and nanosecond times. On any failure the temp file is removed.
 */
int copy_file(Buffers *b, int in, int srcdir, const char *srcleaf, int tmpdir, const char *tmpleaf, const double *stamp, int chown,
              CopyResult *out, Failure *f);
/* Copies a symlink (its target, owner when chown, and nanosecond times) to a new temp name; the hash is of its target. */
int copy_symlink(int srcdir, const char *srcleaf, int tmpdir, const char *tmpleaf, const double *stamp, int chown, CopyResult *out, Failure *f);
/* Copies every xattr the caller may read, fd to fd. */
int copy_xattrs(Buffers *b, int from, int to, Failure *f);
/* Whether a stat still matches a stamp (size, mtimeMs, ino). */
int same_stamp(const struct stat *st, double size, double mtime_ms, double ino);
/* What a copy gives JavaScript: { hash, tmpIno, srcCtimeMs }, or the error (FTS_CHANGED or errno) to throw. */
napi_value copy_outcome(napi_env env, int rc, const CopyResult *r, const Failure *f, const char *src, const char *tmp);

/* ---- batch.c: the async jobs on libuv's thread pool ---- */
napi_value rename_batch_at(napi_env env, napi_callback_info info);
napi_value remove_unchanged_at(napi_env env, napi_callback_info info);
napi_value copy_batch_at(napi_env env, napi_callback_info info);
napi_value sync_fs(napi_env env, napi_callback_info info);

#endif
