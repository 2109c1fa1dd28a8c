/*
 * Paths beneath a root, resolved from the root's directory fd and never from "/": fts-helper runs as root over
 * folders its users write, so any component of a path may be swapped for a symlink (to /etc, say) or a mount
 * at any moment. Every lookup here refuses to follow a symlink anywhere on the way and refuses to enter
 * another mount, so an operation lands on the entry below the root or fails (ELOOP, EXDEV) — never elsewhere.
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define RESOLVE_SAFE (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS)

/* -1 not probed yet, 0 the per-component walk, 1 openat2. */
static int openat2_state = -1;

int beneath_uses_openat2(void) {
  int s = __atomic_load_n(&openat2_state, __ATOMIC_RELAXED);
  if (s >= 0) return s;
  /* Tests force the walk to prove the fallback as well as the kernel's way. */
  const char *force = getenv("FTS_NATIVE_NO_OPENAT2");
  if (force && force[0] == '1') {
    s = 0;
  } else {
    struct open_how how = {.flags = O_PATH | O_CLOEXEC, .resolve = RESOLVE_SAFE};
    int fd = (int)syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
    /* ENOSYS: a kernel before 5.6; EPERM: a seccomp filter that does not know the call. */
    s = fd >= 0 || (errno != ENOSYS && errno != EPERM);
    if (fd >= 0) close(fd);
  }
  __atomic_store_n(&openat2_state, s, __ATOMIC_RELAXED);
  return s;
}

/* Whether rel is a relative path of real names: not empty, no leading or doubled '/', no '.' or '..'. */
static int valid_rel(const char *rel) {
  if (rel[0] == '\0' || rel[0] == '/') return 0;
  for (const char *p = rel;;) {
    const char *end = strchr(p, '/');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    if (!end) return 1;
    p = end + 1;
  }
}

/* An O_PATH fd on a symlink (what O_PATH | O_NOFOLLOW gives) is not a way through: ELOOP. */
static int refuse_link(int fd, dev_t dev) {
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  if (S_ISLNK(st.st_mode) || st.st_dev != dev) {
    close(fd);
    errno = S_ISLNK(st.st_mode) ? ELOOP : EXDEV;
    return -1;
  }
  return fd;
}

/* Why openat(dir, name, O_DIRECTORY | O_NOFOLLOW) failed with ENOTDIR: a symlink there is ELOOP. */
static int why_not_dir(int dir, const char *name) {
  struct stat st;
  if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) return ELOOP;
  return ENOTDIR;
}

/* The fallback for kernels without openat2: one openat(O_NOFOLLOW) per component, each folder checked to be on
 * dirfd's device (the same filesystem: no mount entered). */
static int open_walk(int dirfd, const char *rel, int flags, mode_t mode) {
  struct stat root;
  if (fstat(dirfd, &root) != 0) return -1;
  char *buf = strdup(rel);
  if (!buf) {
    errno = ENOMEM;
    return -1;
  }
  int cur = dirfd, fd = -1, err = 0;
  char *comp = buf;
  for (char *slash; (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
    *slash = '\0';
    int next = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (next < 0) err = errno == ENOTDIR ? why_not_dir(cur, comp) : errno;
    else if ((next = refuse_link(next, root.st_dev)) < 0) err = errno;
    if (cur != dirfd) close(cur);
    if (err) goto out;
    cur = next;
  }
  /* The last component: O_PATH | O_NOFOLLOW opens a symlink itself (refused below); any other open fails on one. */
  fd = openat(cur, comp, flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) err = errno == ENOTDIR && (flags & O_DIRECTORY) ? why_not_dir(cur, comp) : errno;
  else if ((fd = refuse_link(fd, root.st_dev)) < 0) err = errno;
  if (cur != dirfd) close(cur);
out:
  free(buf);
  if (err) {
    errno = err;
    return -1;
  }
  return fd;
}

int open_beneath(int dirfd, const char *rel, int flags, mode_t mode) {
  if (!valid_rel(rel)) {
    errno = EINVAL;
    return -1;
  }
  if (!beneath_uses_openat2()) return open_walk(dirfd, rel, flags, mode);
  /* RESOLVE_NO_SYMLINKS refuses a trailing symlink too, except for O_PATH | O_NOFOLLOW, which would open it. */
  struct open_how how = {
      .flags = (uint64_t)(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOFOLLOW)),
      .mode = (flags & O_CREAT) ? mode : 0,
      .resolve = RESOLVE_SAFE,
  };
  int fd;
  /* EAGAIN: a rename raced the lookup (RESOLVE_BENEATH checks for it); a few tries, then give up. */
  for (int tries = 0; (fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof how)) < 0 && errno == EAGAIN && tries < 16; tries++) {
  }
  if (fd < 0 && errno == ENOTDIR && (flags & O_DIRECTORY)) {
    /* O_DIRECTORY meets a trailing symlink as "not a folder": say ELOOP, as the walk does, when it is one. */
    struct open_how link = {.flags = O_PATH | O_NOFOLLOW | O_CLOEXEC, .resolve = RESOLVE_SAFE};
    int lfd = (int)syscall(SYS_openat2, dirfd, rel, &link, sizeof link);
    struct stat st;
    int is_link = lfd >= 0 && fstat(lfd, &st) == 0 && S_ISLNK(st.st_mode);
    if (lfd >= 0) close(lfd);
    errno = is_link ? ELOOP : ENOTDIR;
  }
  return fd;
}

int open_dir_beneath(int rootfd, const char *rel, int flags) {
  if (rel[0] == '\0') return openat(rootfd, ".", flags | O_DIRECTORY | O_CLOEXEC);
  return open_beneath(rootfd, rel, flags | O_DIRECTORY, 0);
}

int open_parent(int rootfd, const char *rel, const char **leaf, int *borrowed) {
  const char *slash = strrchr(rel, '/');
  *borrowed = 0;
  if (!slash) {
    if (!valid_rel(rel)) {
      errno = EINVAL;
      return -1;
    }
    *leaf = rel;
    *borrowed = 1;
    return rootfd;
  }
  *leaf = slash + 1;
  if (!valid_rel(*leaf)) {
    errno = EINVAL;
    return -1;
  }
  char *dir = strndup(rel, (size_t)(slash - rel));
  if (!dir) {
    errno = ENOMEM;
    return -1;
  }
  int fd = open_beneath(rootfd, dir, O_PATH | O_DIRECTORY, 0);
  int e = errno;
  free(dir);
  errno = e;
  return fd;
}

void close_parent(int fd, int borrowed) {
  if (fd >= 0 && !borrowed) close(fd);
}

void parent_cache_init(ParentCache *c, int rootfd) {
  c->rootfd = rootfd;
  c->dir = NULL;
  c->dir_len = 0;
  c->fd = -1;
  c->borrowed = 0;
}

int parent_cached(ParentCache *c, const char *rel, const char **leaf) {
  const char *slash = strrchr(rel, '/');
  size_t len = slash ? (size_t)(slash - rel) : 0;
  if (c->fd >= 0 && c->dir && c->dir_len == len && memcmp(c->dir, rel, len) == 0) {
    *leaf = slash ? slash + 1 : rel;
    if (!valid_rel(*leaf)) {
      errno = EINVAL;
      return -1;
    }
    return c->fd;
  }
  parent_cache_close(c);
  int borrowed;
  int fd = open_parent(c->rootfd, rel, leaf, &borrowed);
  if (fd < 0) return -1;
  c->dir = malloc(len + 1);
  if (!c->dir) {
    close_parent(fd, borrowed);
    errno = ENOMEM;
    return -1;
  }
  memcpy(c->dir, rel, len);
  c->dir[len] = '\0';
  c->dir_len = len;
  c->fd = fd;
  c->borrowed = borrowed;
  return fd;
}

void parent_cache_close(ParentCache *c) {
  close_parent(c->fd, c->borrowed);
  free(c->dir);
  c->dir = NULL;
  c->fd = -1;
  c->borrowed = 0;
}
