/*
 * The verified copy of a small file (copy-core.mjs says what it promises) in about 16 system calls and no
 * JavaScript objects per step, and the copy of a symlink. Every path is a leaf in a folder fd that beneath.c
 * opened from a root: nothing here resolves a path from "/".
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

void free_buffers(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Buffers *b = data;
  free(b->data);
  free(b->verify);
  free(b->names);
  free(b->value);
  free(b);
}

Buffers *new_buffers(void) {
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

Buffers *buffers_of(napi_env env) {
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

int copy_xattrs(Buffers *b, int from, int to, Failure *f) {
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

int same_stamp(const struct stat *st, double size, double mtime_ms, double ino) {
  return (double)st->st_size == size && ms_of(st->st_mtim) == mtime_ms && (double)st->st_ino == ino;
}

int open_source(int dirfd, const char *leaf) {
  /* O_NONBLOCK: a fifo swapped in since the scan is refused by the copy, not waited on. O_NOATIME is for the
   * owner or root: a source left in place (changed, failed) keeps the atime it had. */
  int fd = open_beneath(dirfd, leaf, O_RDONLY | O_NOATIME | O_NONBLOCK, 0);
  if (fd < 0 && errno == EPERM) fd = open_beneath(dirfd, leaf, O_RDONLY | O_NONBLOCK, 0);
  return fd;
}

int copy_file(Buffers *b, int in, int srcdir, const char *srcleaf, int tmpdir, const char *tmpleaf, const double *stamp, int chown,
              CopyResult *out, Failure *f) {
  if (in < 0) in = open_source(srcdir, srcleaf);
  if (in < 0) return fail_errno(f, "open");
  int outfd = -1, rc = -1, made = 0;
  EVP_MD_CTX *md = NULL;
  struct stat before, after, landed;
  if (fstat(in, &before) != 0) {
    fail_errno(f, "fstat");
    goto done;
  }
  if (!S_ISREG(before.st_mode) || !same_stamp(&before, stamp[0], stamp[1], stamp[2])) {
    f->changed = "changed since the scan";
    goto done;
  }
  outfd = open_beneath(tmpdir, tmpleaf, O_RDWR | O_CREAT | O_EXCL, 0600);
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
    unlinkat(tmpdir, tmpleaf, 0);
    errno = saved;
  }
  return rc;
}

int copy_symlink(int srcdir, const char *srcleaf, int tmpdir, const char *tmpleaf, const double *stamp, int chown, CopyResult *out, Failure *f) {
  char target[PATH_MAX + 1], check[PATH_MAX + 1];
  struct stat before, landed;
  if (fstatat(srcdir, srcleaf, &before, AT_SYMLINK_NOFOLLOW) != 0) return fail_errno(f, "lstat");
  if (!S_ISLNK(before.st_mode) || !same_stamp(&before, stamp[0], stamp[1], stamp[2])) {
    f->changed = "changed since the scan";
    return -1;
  }
  ssize_t n = readlinkat(srcdir, srcleaf, target, PATH_MAX);
  if (n < 0) return fail_errno(f, "readlink");
  target[n] = '\0';
  if ((off_t)n != before.st_size) {
    f->changed = "changed since the scan";
    return -1;
  }
  if (symlinkat(target, tmpdir, tmpleaf) != 0) {
    f->on_tmp = 1;
    return fail_errno(f, "symlink");
  }
  /* Owner and nanosecond times on the link itself, never on what it points to. */
  struct timespec times[2] = {before.st_atim, before.st_mtim};
  int rc = -1;
  if (chown && fchownat(tmpdir, tmpleaf, before.st_uid, before.st_gid, AT_SYMLINK_NOFOLLOW) != 0) {
    fail_errno(f, "lchown");
  } else if (utimensat(tmpdir, tmpleaf, times, AT_SYMLINK_NOFOLLOW) != 0) {
    fail_errno(f, "lutimes");
  } else if (fstatat(tmpdir, tmpleaf, &landed, AT_SYMLINK_NOFOLLOW) != 0) {
    fail_errno(f, "lstat");
  } else {
    ssize_t m = S_ISLNK(landed.st_mode) ? readlinkat(tmpdir, tmpleaf, check, PATH_MAX) : -1;
    if (m != n || memcmp(check, target, (size_t)n) != 0) {
      f->err = EIO;
      f->syscall = "verify";
    } else {
      rc = 0;
    }
  }
  if (rc != 0) {
    f->on_tmp = 1;
    int saved = errno;
    unlinkat(tmpdir, tmpleaf, 0);
    errno = saved;
    return -1;
  }
  unsigned int hlen = 0;
  if (EVP_Digest(target, (size_t)n, out->hash, &hlen, EVP_sha256(), NULL) != 1 || hlen != 32) {
    unlinkat(tmpdir, tmpleaf, 0);
    f->err = EIO;
    f->syscall = "sha256";
    return -1;
  }
  out->tmp_ino = (double)landed.st_ino;
  out->src_ctime_ms = ms_of(before.st_ctim);
  return 0;
}

napi_value copy_outcome(napi_env env, int rc, const CopyResult *r, const Failure *f, const char *src, const char *tmp) {
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
