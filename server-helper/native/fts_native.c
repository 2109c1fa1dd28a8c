/*
 * fts-native: the Linux calls graduation needs and Node lacks, as a small Node-API addon (index.mjs loads it).
 *
 * Root works over folders its users write, so every call that takes a path takes it RELATIVE to a root's
 * directory fd, opened once when a run starts, and resolves it beneath that fd (beneath.c): no symlink is
 * followed anywhere on the way and no other mount is entered; such a path fails with ELOOP or EXDEV. Nothing
 * here resolves a path from "/".
 *
 *   readDirAt(rootFd, rel, maxEntries?, foldersOnly?, maxNamesRead?)  one folder's entries with their lstat
 *                                 numbers, read as find(1) does (getdents + fstatat on the folder's fd); with
 *                                 maxEntries, at most that many and `more` true when the folder holds another;
 *                                 foldersOnly: only real folders (by getdents' type; others are neither stat'ed
 *                                 nor counted); maxNamesRead: names read at most, skipped ones included
 *   lstatAt(rootFd, rel)          an entry's lstat numbers (Float64Array), or null when it does not exist
 *   openAt(rootFd, rel, flags, mode)  open(2) beneath the root (O_NOFOLLOW always)
 *   mkdirAt(rootFd, rel, mode)    a folder made or found, as { fd, created }: a real folder on the root's device,
 *                                 or ENOTDIR / ELOOP / EXDEV; the caller sets owner, mode and xattrs by fd
 *   unlinkAt(rootFd, rel, ino)    removes a name (only while it is inode `ino`, unless NaN): 1 removed, 0 not
 *                                 there (or another inode), -1 the folder holding it is not there
 *   renameAt(fromFd, from, toFd, to, toDirIno)
 *                                 renameat2(RENAME_NOREPLACE): never replaces a name; the destination folder must
 *                                 be inode toDirIno (NaN: any), the folder the caller checked (else ESTALE)
 *   linkAt(fromFd, from, toFd, to, toDirIno)   a hard link (never to a symlink's target), checked the same way
 *   rmdirAt(rootFd, rel)          removes an empty folder
 *   readlinkAt(rootFd, rel)       a symlink's target
 *   accessAt(rootFd, relDir, mode) access(2) on a folder beneath the root
 *   copyFileAt(srcFd, src, dstFd, tmp, size, mtimeMs, ino, chown)
 *                                 the whole verified copy of one small file (copy.c)
 *   copySymlinkAt(srcFd, src, dstFd, tmp, size, mtimeMs, ino, chown)   a symlink's copy, times to the nanosecond
 *   copyBatchAt, renameBatchAt, removeUnchangedAt, syncfs   jobs on libuv's thread pool (batch.c)
 *   copyXattrsAndTimes(fromFd, toFd, fromName, toName, atimeMs, mtimeMs, ctimeMs)
 *                                 the end of a large file's copy: xattrs fd to fd, times to the nanosecond
 *   copyXattrsFd(fromFd, toFd)    every xattr fd to fd (a new folder's)
 *   xattrsOfFd(fd)                { name: Buffer } of an open file
 *   freeBytes(fd)                 the bytes an unprivileged user may still write on fd's filesystem
 *   usesOpenat2()                 whether the kernel's openat2 does the resolution (else the checked walk)
 *
 * Errors are thrown like Node's own: an Error with code ('ELOOP'), errno (negative), syscall and path (relative).
 */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Reads the arguments (rootFd, rel): 0, or -1 after throwing. */
static int root_rel(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int32_t *rootfd, char **rel, const char *usage) {
  size_t argc = want;
  for (size_t i = 0; i < want; i++) argv[i] = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || fd_arg(env, argv[0], rootfd, usage)) return -1;
  *rel = string_arg(env, argv[1], "path");
  return *rel ? 0 : -1;
}

/* An optional whole-number argument (undefined: keep *out): 0, or -1 when it is not a count. */
static int count_arg(napi_env env, napi_value v, size_t *out) {
  napi_valuetype t = napi_undefined;
  if (v) napi_typeof(env, v, &t);
  if (t == napi_undefined) return 0;
  double want;
  if (napi_get_value_double(env, v, &want) != napi_ok || !(want >= 0) || want > 4294967295.0 || want != floor(want))
    return -1;
  *out = (size_t)want;
  return 0;
}

static napi_value read_dir_at(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  int32_t rootfd;
  char *rel;
  const char *usage = "fts-native: readDirAt(rootFd, rel, maxEntries?, foldersOnly?, maxNamesRead?)";
  if (root_rel(env, info, 5, argv, &rootfd, &rel, usage)) return NULL;
  /* A folder anyone on a share writes may hold millions of names: a reader that needs only some stops there. */
  size_t limit = SIZE_MAX, names_limit = SIZE_MAX;
  if (count_arg(env, argv[2], &limit) || count_arg(env, argv[4], &names_limit)) {
    free(rel);
    return throw_usage(env, usage);
  }
  /* Folders only: other entries are passed over by the type getdents gives, never stat'ed nor counted, so a
   * member's million junk files cost one listing and cannot use up the bound before the folders that matter. */
  bool folders_only = false;
  napi_valuetype only_type = napi_undefined;
  if (argv[3]) napi_typeof(env, argv[3], &only_type);
  if (only_type != napi_undefined && napi_get_value_bool(env, argv[3], &folders_only) != napi_ok) {
    free(rel);
    return throw_usage(env, usage);
  }
  bool more = false;
  size_t names_read = 0;
  int dfd = open_dir_beneath(rootfd, rel, O_RDONLY);
  DIR *dir = dfd < 0 ? NULL : fdopendir(dfd);
  if (!dir) {
    int err = errno;
    if (dfd >= 0) close(dfd);
    throw_errno(env, err, "scandir", rel, NULL);
    free(rel);
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
    /* Skipped names cost a listing too: past maxNamesRead the folder is reported as holding more. */
    if (names_read++ == names_limit) {
      more = true;
      break;
    }
    struct stat st;
    int stat_err = -1; /* -1: not stat'ed yet; 0: st holds it; else the errno */
    if (folders_only) {
      if (d->d_type != DT_DIR && d->d_type != DT_UNKNOWN) continue;
      if (d->d_type == DT_UNKNOWN) {
        stat_err = fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
        if (stat_err != 0 || !S_ISDIR(st.st_mode)) continue;
      }
    }
    if (count == limit) {
      more = true;
      break;
    }
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
    if (stat_err < 0) stat_err = fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) == 0 ? 0 : errno;
    if (stat_err != 0) {
      /* Mode 0 tells the caller, and nlink carries the errno: ENOENT when the entry went between the read and
       * the stat, EACCES in a folder this process may list but not search. */
      memset(o, 0, FIELDS * sizeof(double));
      o[F_NLINK] = (double)stat_err;
      continue;
    }
    stat_numbers(&st, o);
  }
  closedir(dir);
  if (err) {
    free(names);
    free(nums);
    throw_errno(env, err, "scandir", rel, NULL);
    free(rel);
    return NULL;
  }
  free(rel);

  napi_value result, names_value, buffer, array, count_value;
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
  CHECK(napi_create_uint32(env, (uint32_t)count, &count_value));
  CHECK(napi_set_named_property(env, result, "count", count_value));
  napi_value more_value;
  CHECK(napi_get_boolean(env, more, &more_value));
  CHECK(napi_set_named_property(env, result, "more", more_value));
  return result;
}

static napi_value lstat_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t rootfd;
  char *rel;
  if (root_rel(env, info, 2, argv, &rootfd, &rel, "fts-native: lstatAt(rootFd, rel)")) return NULL;
  const char *leaf;
  int borrowed;
  struct stat st;
  int dir = open_parent(rootfd, rel, &leaf, &borrowed);
  int rc = dir < 0 ? -1 : fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW);
  int err = errno;
  close_parent(dir, borrowed);
  napi_value result = NULL;
  if (rc != 0 && err == ENOENT) {
    napi_get_null(env, &result);
  } else if (rc != 0) {
    throw_errno(env, err, "lstat", rel, NULL);
  } else {
    void *data;
    napi_value buffer;
    if (napi_create_arraybuffer(env, FIELDS * sizeof(double), &data, &buffer) == napi_ok &&
        napi_create_typedarray(env, napi_float64_array, FIELDS, buffer, 0, &result) == napi_ok) {
      stat_numbers(&st, data);
    } else {
      result = throw_enomem(env);
    }
  }
  free(rel);
  return result;
}

static napi_value open_at(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: openAt(rootFd, rel, flags, mode)";
  napi_value argv[4];
  int32_t rootfd, flags, mode;
  char *rel;
  if (root_rel(env, info, 4, argv, &rootfd, &rel, usage)) return NULL;
  if (!argv[2] || !argv[3] || napi_get_value_int32(env, argv[2], &flags) != napi_ok || napi_get_value_int32(env, argv[3], &mode) != napi_ok) {
    free(rel);
    return throw_usage(env, usage);
  }
  int fd = open_beneath(rootfd, rel, flags, (mode_t)mode);
  napi_value result = NULL;
  if (fd < 0) throw_errno(env, errno, "open", rel, NULL);
  else napi_create_int32(env, fd, &result);
  free(rel);
  return result;
}

static napi_value mkdir_at(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: mkdirAt(rootFd, rel, mode)";
  napi_value argv[3];
  int32_t rootfd, mode;
  char *rel;
  if (root_rel(env, info, 3, argv, &rootfd, &rel, usage)) return NULL;
  if (!argv[2] || napi_get_value_int32(env, argv[2], &mode) != napi_ok) {
    free(rel);
    return throw_usage(env, usage);
  }
  const char *leaf;
  int borrowed, created = 0, fd = -1;
  const char *syscall = "mkdir";
  int dir = open_parent(rootfd, rel, &leaf, &borrowed);
  if (dir >= 0) {
    if (mkdirat(dir, leaf, (mode_t)mode) == 0) created = 1;
    if (created || errno == EEXIST) {
      /* Made or already there: either way only a real folder on the root's filesystem is opened (a symlink or
       * another mount put there meanwhile fails), and everything set on it afterwards goes through this fd. */
      syscall = "open";
      fd = open_beneath(dir, leaf, O_RDONLY | O_DIRECTORY, 0);
    }
  }
  int err = errno;
  close_parent(dir, borrowed);
  napi_value result = NULL;
  if (fd < 0) {
    throw_errno(env, err, syscall, rel, NULL);
  } else {
    napi_value fd_value, created_value;
    napi_create_object(env, &result);
    napi_create_int32(env, fd, &fd_value);
    napi_get_boolean(env, created, &created_value);
    napi_set_named_property(env, result, "fd", fd_value);
    napi_set_named_property(env, result, "created", created_value);
  }
  free(rel);
  return result;
}

static napi_value unlink_at(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: unlinkAt(rootFd, rel, ino)";
  napi_value argv[3];
  int32_t rootfd;
  double ino = NAN;
  char *rel;
  if (root_rel(env, info, 3, argv, &rootfd, &rel, usage)) return NULL;
  if (argv[2] && napi_get_value_double(env, argv[2], &ino) != napi_ok) {
    free(rel);
    return throw_usage(env, usage);
  }
  const char *leaf;
  int borrowed, rc = 0;
  /* 1 removed; 0 not there, or another inode (left alone); -1 the folder holding it is not there. */
  int32_t outcome = 0;
  const char *syscall = "unlink";
  int dir = open_parent(rootfd, rel, &leaf, &borrowed);
  if (dir < 0) {
    rc = -1;
  } else if (!isnan(ino)) {
    /* Only the inode we made: a name someone else put there meanwhile stays. */
    struct stat st;
    syscall = "lstat";
    rc = fstatat(dir, leaf, &st, AT_SYMLINK_NOFOLLOW);
    if (rc == 0 && (double)st.st_ino != ino) rc = 1;
  }
  if (rc == 0) {
    syscall = "unlink";
    rc = unlinkat(dir, leaf, 0);
    outcome = rc == 0;
  }
  int err = errno;
  close_parent(dir, borrowed);
  napi_value result = NULL;
  if (rc < 0 && dir < 0 && err == ENOENT) outcome = -1;
  if (rc < 0 && err != ENOENT) throw_errno(env, err, syscall, rel, NULL);
  else napi_create_int32(env, outcome, &result);
  free(rel);
  return result;
}

/*
 * Whether the folder fd is the one the caller checked (its inode), when one is given (NaN: any). A folder that a
 * user renamed away and replaced by another of the same name since the check is not: ESTALE.
 */
static int same_folder(int dir, double ino) {
  struct stat st;
  if (isnan(ino)) return 0;
  if (fstat(dir, &st) != 0) return -1;
  if ((double)st.st_ino != ino) {
    errno = ESTALE;
    return -1;
  }
  return 0;
}

/* renameAt and linkAt: one call from a name beneath one root to a name beneath another (or the same), the
 * destination's folder checked to be the one the caller made or checked (toDirIno). */
static napi_value two_names(napi_env env, napi_callback_info info, int link, const char *usage) {
  size_t argc = 5;
  napi_value argv[5] = {NULL, NULL, NULL, NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t from_root, to_root;
  double dir_ino = NAN;
  if (fd_arg(env, argv[0], &from_root, usage) || fd_arg(env, argv[2], &to_root, usage)) return NULL;
  if (argv[4] && napi_get_value_double(env, argv[4], &dir_ino) != napi_ok) return throw_usage(env, usage);
  char *from = string_arg(env, argv[1], "from");
  if (!from) return NULL;
  char *to = string_arg(env, argv[3], "to");
  if (!to) {
    free(from);
    return NULL;
  }
  const char *from_leaf, *to_leaf;
  int from_borrowed, to_borrowed = 1, rc = -1;
  int from_dir = open_parent(from_root, from, &from_leaf, &from_borrowed);
  int to_dir = from_dir < 0 ? -1 : open_parent(to_root, to, &to_leaf, &to_borrowed);
  if (to_dir >= 0 && same_folder(to_dir, dir_ino) == 0)
    rc = link ? linkat(from_dir, from_leaf, to_dir, to_leaf, 0) : renameat2(from_dir, from_leaf, to_dir, to_leaf, RENAME_NOREPLACE);
  int err = errno;
  close_parent(from_dir, from_borrowed);
  close_parent(to_dir, to_borrowed);
  if (rc != 0) throw_errno(env, err, link ? "link" : "rename", from, to);
  free(from);
  free(to);
  return NULL;
}

static napi_value rename_at(napi_env env, napi_callback_info info) {
  return two_names(env, info, 0, "fts-native: renameAt(fromRootFd, from, toRootFd, to, toDirIno)");
}

static napi_value link_at(napi_env env, napi_callback_info info) {
  return two_names(env, info, 1, "fts-native: linkAt(fromRootFd, from, toRootFd, to, toDirIno)");
}

static napi_value rmdir_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t rootfd;
  char *rel;
  if (root_rel(env, info, 2, argv, &rootfd, &rel, "fts-native: rmdirAt(rootFd, rel)")) return NULL;
  const char *leaf;
  int borrowed;
  int dir = open_parent(rootfd, rel, &leaf, &borrowed);
  int rc = dir < 0 ? -1 : unlinkat(dir, leaf, AT_REMOVEDIR);
  int err = errno;
  close_parent(dir, borrowed);
  if (rc != 0) throw_errno(env, err, "rmdir", rel, NULL);
  free(rel);
  return NULL;
}

static napi_value readlink_at(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int32_t rootfd;
  char *rel;
  if (root_rel(env, info, 2, argv, &rootfd, &rel, "fts-native: readlinkAt(rootFd, rel)")) return NULL;
  const char *leaf;
  int borrowed;
  char target[PATH_MAX + 1];
  int dir = open_parent(rootfd, rel, &leaf, &borrowed);
  ssize_t n = dir < 0 ? -1 : readlinkat(dir, leaf, target, PATH_MAX);
  int err = errno;
  close_parent(dir, borrowed);
  napi_value result = NULL;
  if (n < 0) throw_errno(env, err, "readlink", rel, NULL);
  else napi_create_string_utf8(env, target, (size_t)n, &result);
  free(rel);
  return result;
}

static napi_value access_at(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: accessAt(rootFd, relDir, mode)";
  napi_value argv[3];
  int32_t rootfd, mode;
  char *rel;
  if (root_rel(env, info, 3, argv, &rootfd, &rel, usage)) return NULL;
  if (!argv[2] || napi_get_value_int32(env, argv[2], &mode) != napi_ok) {
    free(rel);
    return throw_usage(env, usage);
  }
  int dir = open_dir_beneath(rootfd, rel, O_PATH);
  /* "." of the folder's own fd: the check is on the folder that was resolved, not on a path again. */
  int ok = dir >= 0 && faccessat(dir, ".", mode, 0) == 0;
  if (dir >= 0) close(dir);
  free(rel);
  napi_value result;
  napi_get_boolean(env, ok, &result);
  return result;
}

/* copyFileAt and copySymlinkAt: (srcFd, src, dstFd, tmp, size, mtimeMs, ino, chown). */
static napi_value copy_one(napi_env env, napi_callback_info info, int symlink, const char *usage) {
  size_t argc = 8;
  napi_value argv[8] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t srcfd, dstfd;
  double stamp[3];
  bool chown = false;
  if (argc < 8 || fd_arg(env, argv[0], &srcfd, usage) || fd_arg(env, argv[2], &dstfd, usage)) return argc < 8 ? throw_usage(env, usage) : NULL;
  if (napi_get_value_double(env, argv[4], &stamp[0]) != napi_ok || napi_get_value_double(env, argv[5], &stamp[1]) != napi_ok ||
      napi_get_value_double(env, argv[6], &stamp[2]) != napi_ok || napi_get_value_bool(env, argv[7], &chown) != napi_ok)
    return throw_usage(env, usage);
  Buffers *b = symlink ? NULL : buffers_of(env);
  if (!symlink && !b) return throw_enomem(env);
  char *src = string_arg(env, argv[1], "src");
  if (!src) return NULL;
  char *tmp = string_arg(env, argv[3], "tmp");
  if (!tmp) {
    free(src);
    return NULL;
  }
  CopyResult r;
  Failure f = {0, NULL, NULL, 0};
  const char *src_leaf, *tmp_leaf;
  int src_borrowed, tmp_borrowed = 1, rc = -1;
  int src_dir = open_parent(srcfd, src, &src_leaf, &src_borrowed);
  int tmp_dir = src_dir < 0 ? -1 : open_parent(dstfd, tmp, &tmp_leaf, &tmp_borrowed);
  if (src_dir < 0 || tmp_dir < 0) {
    f.err = errno;
    f.syscall = "open";
    f.on_tmp = src_dir >= 0;
  } else if (symlink) {
    rc = copy_symlink(src_dir, src_leaf, tmp_dir, tmp_leaf, stamp, chown, &r, &f);
  } else {
    rc = copy_file(b, -1, src_dir, src_leaf, tmp_dir, tmp_leaf, stamp, chown, &r, &f);
  }
  close_parent(src_dir, src_borrowed);
  close_parent(tmp_dir, tmp_borrowed);
  napi_value value = copy_outcome(env, rc, &r, &f, src, tmp);
  free(src);
  free(tmp);
  if (rc != 0) {
    napi_throw(env, value);
    return NULL;
  }
  return value;
}

static napi_value copy_file_at(napi_env env, napi_callback_info info) {
  return copy_one(env, info, 0, "fts-native: copyFileAt(srcRootFd, src, dstRootFd, tmp, size, mtimeMs, ino, chown)");
}

static napi_value copy_symlink_at(napi_env env, napi_callback_info info) {
  return copy_one(env, info, 1, "fts-native: copySymlinkAt(srcRootFd, src, dstRootFd, tmp, size, mtimeMs, ino, chown)");
}

static napi_value copy_xattrs_and_times(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: copyXattrsAndTimes(fromFd, toFd, fromName, toName, atimeMs, mtimeMs, ctimeMs)";
  size_t argc = 7;
  napi_value argv[7] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t from, to;
  double atime_ms, mtime_ms, ctime_ms;
  if (argc < 7 || fd_arg(env, argv[0], &from, usage) || fd_arg(env, argv[1], &to, usage)) return argc < 7 ? throw_usage(env, usage) : NULL;
  if (napi_get_value_double(env, argv[4], &atime_ms) != napi_ok || napi_get_value_double(env, argv[5], &mtime_ms) != napi_ok ||
      napi_get_value_double(env, argv[6], &ctime_ms) != napi_ok)
    return throw_usage(env, usage);
  Buffers *b = buffers_of(env);
  if (!b) return throw_enomem(env);
  char *src = string_arg(env, argv[2], "fromName");
  if (!src) return NULL;
  char *tmp = string_arg(env, argv[3], "toName");
  if (!tmp) {
    free(src);
    return NULL;
  }
  Failure f = {0, NULL, NULL, 0};
  struct stat st;
  if (copy_xattrs(b, from, to, &f) == 0) {
    if (fstat(from, &st) != 0) {
      f.err = errno;
      f.syscall = "fstat";
    } else if (ms_of(st.st_mtim) != mtime_ms || ms_of(st.st_ctim) != ctime_ms) {
      /* The times given are the ones the caller checked; a source changed since gets no copy. */
      f.changed = "changed while it was copied";
    } else {
      /* The source's own nanoseconds, unless its atime moved since (a read without O_NOATIME): then the
       * atime the caller saw. */
      struct timespec times[2] = {ms_of(st.st_atim) == atime_ms ? st.st_atim : timespec_of(atime_ms), st.st_mtim};
      if (futimens(to, times) != 0) {
        f.err = errno;
        f.syscall = "futimens";
        f.on_tmp = 1;
      }
    }
  }
  if (f.changed) napi_throw(env, changed_error(env, f.changed));
  else if (f.syscall) throw_errno(env, f.err, f.syscall, f.on_tmp ? tmp : src, NULL);
  free(src);
  free(tmp);
  return NULL;
}

static napi_value copy_xattrs_fd(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: copyXattrsFd(fromFd, toFd)";
  size_t argc = 2;
  napi_value argv[2] = {NULL, NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t from, to;
  if (fd_arg(env, argv[0], &from, usage) || fd_arg(env, argv[1], &to, usage)) return NULL;
  Buffers *b = buffers_of(env);
  if (!b) return throw_enomem(env);
  Failure f = {0, NULL, NULL, 0};
  if (copy_xattrs(b, from, to, &f) != 0) throw_errno(env, f.err, f.syscall, f.on_tmp ? "(the new folder)" : "(its source folder)", NULL);
  return NULL;
}

static napi_value xattrs_of_fd(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: xattrsOfFd(fd)";
  size_t argc = 1;
  napi_value argv[1] = {NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (fd_arg(env, argv[0], &fd, usage)) return NULL;
  Buffers *b = buffers_of(env);
  if (!b) return throw_enomem(env);
  napi_value result;
  CHECK(napi_create_object(env, &result));
  ssize_t len;
  int tries = 0;
  while ((len = flistxattr(fd, b->names, b->names_cap)) < 0) {
    if (errno == ENOTSUP) return result;
    ssize_t want = errno == ERANGE && ++tries <= 8 ? flistxattr(fd, NULL, 0) : -1;
    char *bigger = want < 0 ? NULL : realloc(b->names, (size_t)want + 256);
    if (!bigger) {
      throw_errno(env, errno ? errno : ENOMEM, "listxattr", "(fd)", NULL);
      return NULL;
    }
    b->names = bigger;
    b->names_cap = (size_t)want + 256;
  }
  for (ssize_t off = 0; off < len; off += (ssize_t)strlen(b->names + off) + 1) {
    const char *name = b->names + off;
    ssize_t vlen = fgetxattr(fd, name, NULL, 0);
    if (vlen < 0) continue;
    void *data;
    napi_value buf;
    CHECK(napi_create_buffer(env, (size_t)vlen, &data, &buf));
    ssize_t got = vlen ? fgetxattr(fd, name, data, (size_t)vlen) : 0;
    /* A value that changed size since its size was asked: the caller's comparison sees a difference. */
    if (got != vlen) continue;
    CHECK(napi_set_named_property(env, result, name, buf));
  }
  return result;
}

static napi_value free_bytes(napi_env env, napi_callback_info info) {
  static const char *usage = "fts-native: freeBytes(fd)";
  size_t argc = 1;
  napi_value argv[1] = {NULL};
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fd;
  if (fd_arg(env, argv[0], &fd, usage)) return NULL;
  struct statfs s;
  if (fstatfs(fd, &s) != 0) {
    throw_errno(env, errno, "fstatfs", "(root)", NULL);
    return NULL;
  }
  napi_value result;
  CHECK(napi_create_double(env, (double)s.f_bavail * (double)s.f_bsize, &result));
  return result;
}

static napi_value uses_openat2(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, beneath_uses_openat2(), &result);
  return result;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"readDirAt", NULL, read_dir_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"lstatAt", NULL, lstat_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"openAt", NULL, open_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"mkdirAt", NULL, mkdir_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unlinkAt", NULL, unlink_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"renameAt", NULL, rename_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"linkAt", NULL, link_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rmdirAt", NULL, rmdir_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readlinkAt", NULL, readlink_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"accessAt", NULL, access_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyFileAt", NULL, copy_file_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copySymlinkAt", NULL, copy_symlink_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyBatchAt", NULL, copy_batch_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"renameBatchAt", NULL, rename_batch_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"removeUnchangedAt", NULL, remove_unchanged_at, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syncfs", NULL, sync_fs, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyXattrsAndTimes", NULL, copy_xattrs_and_times, NULL, NULL, NULL, napi_enumerable, NULL},
      {"copyXattrsFd", NULL, copy_xattrs_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"xattrsOfFd", NULL, xattrs_of_fd, NULL, NULL, NULL, napi_enumerable, NULL},
      {"freeBytes", NULL, free_bytes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"usesOpenat2", NULL, uses_openat2, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_value fields;
  napi_create_uint32(env, FIELDS, &fields);
  napi_set_named_property(env, exports, "FIELDS", fields);
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}
