/*
 * The attacker of symlink-race.test.ts, as a separate process: a user with write access to flux and space who
 * swaps an entry (a folder or a file) for a symlink to a place outside the roots and back, as fast as the CPU
 * allows, while root graduates. Each swap is one renameat2(RENAME_EXCHANGE) of the entry with a symlink made
 * beside it under a name the scan excludes, so the entry's name always exists: it is the real entry, or the
 * symlink, never nothing. On SIGTERM every entry is put back and the number of swaps printed as JSON.
 *
 * Usage: swapper PATH STASH TARGET [PATH STASH TARGET ...]   (STASH: where the symlink waits, then the entry)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;

static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  if (argc < 4 || (argc - 1) % 3 != 0) {
    fprintf(stderr, "usage: swapper PATH STASH TARGET [...]\n");
    return 2;
  }
  int n = (argc - 1) / 3;
  int swapped[64] = {0};
  if (n > 64) return 2;
  for (int i = 0; i < n; i++) {
    const char *stash = argv[2 + 3 * i], *target = argv[3 + 3 * i];
    if (symlink(target, stash) != 0) {
      fprintf(stderr, "symlink %s: %s\n", stash, strerror(errno));
      return 1;
    }
  }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  printf("ready\n");
  fflush(stdout);
  unsigned long swaps = 0, failures = 0;
  int last_errno = 0;
  while (!stopping) {
    for (int i = 0; i < n; i++) {
      const char *path = argv[1 + 3 * i], *stash = argv[2 + 3 * i];
      if (renameat2(AT_FDCWD, path, AT_FDCWD, stash, RENAME_EXCHANGE) == 0) {
        swapped[i] ^= 1;
        swaps++;
      } else {
        failures++;
        last_errno = errno;
      }
    }
  }
  /* Put every entry back: the real one at its name, the symlink removed. */
  for (int i = 0; i < n; i++) {
    const char *path = argv[1 + 3 * i], *stash = argv[2 + 3 * i];
    if (swapped[i] && renameat2(AT_FDCWD, path, AT_FDCWD, stash, RENAME_EXCHANGE) != 0) {
      fprintf(stderr, "restore %s: %s\n", path, strerror(errno));
      return 1;
    }
    unlink(stash);
  }
  printf("{\"swaps\":%lu,\"failures\":%lu,\"lastError\":\"%s\"}\n", swaps, failures, last_errno ? strerror(last_errno) : "");
  return 0;
}
