/* Errors shaped like Node's own, argument helpers, and time conversions shared by fts-native's parts. */
#include "common.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Node's own formula (lib/internal/fs/utils.js msFromTimeSpec), in doubles: the numbers compare equal to a
 * Stats object's *Ms fields. -ffp-contract=off keeps the compiler from fusing it into one rounding. */
double ms_of(struct timespec t) { return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6; }

struct timespec timespec_of(double ms) {
  double sec = floor(ms / 1e3);
  struct timespec t = {(time_t)sec, (long)llround((ms - sec * 1e3) * 1e6)};
  if (t.tv_nsec >= 1000000000L) {
    t.tv_sec++;
    t.tv_nsec -= 1000000000L;
  }
  return t;
}

void stat_numbers(const struct stat *st, double *o) {
  o[F_DEV] = (double)st->st_dev;
  o[F_INO] = (double)st->st_ino;
  o[F_MODE] = (double)st->st_mode;
  o[F_NLINK] = (double)st->st_nlink;
  o[F_UID] = (double)st->st_uid;
  o[F_GID] = (double)st->st_gid;
  o[F_SIZE] = (double)st->st_size;
  o[F_BLOCKS] = (double)st->st_blocks;
  o[F_ATIME] = ms_of(st->st_atim);
  o[F_MTIME] = ms_of(st->st_mtim);
  o[F_CTIME] = ms_of(st->st_ctim);
}

napi_value errno_error(napi_env env, int err, const char *syscall, const char *path, const char *dest) {
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

void throw_errno(napi_env env, int err, const char *syscall, const char *path, const char *dest) {
  napi_value error = errno_error(env, err, syscall, path, dest);
  if (error) napi_throw(env, error);
  else napi_throw_error(env, "ENOMEM", "out of memory");
}

napi_value changed_error(napi_env env, const char *why) {
  napi_value code, message, error;
  napi_create_string_utf8(env, "FTS_CHANGED", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  return error;
}

void reject_with(napi_env env, napi_deferred deferred, const char *message) {
  napi_value text, error;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, NULL, text, &error);
  napi_reject_deferred(env, deferred, error);
}

napi_value throw_enomem(napi_env env) {
  napi_throw_error(env, "ENOMEM", "out of memory");
  return NULL;
}

napi_value throw_usage(napi_env env, const char *usage) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
  return NULL;
}

char *string_arg(napi_env env, napi_value value, const char *what) {
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

int fd_arg(napi_env env, napi_value value, int32_t *out, const char *usage) {
  if (!value || napi_get_value_int32(env, value, out) != napi_ok || *out < 0) {
    throw_usage(env, usage);
    return -1;
  }
  return 0;
}

uint32_t count_strings(const char *s, size_t len) {
  uint32_t n = 0;
  for (size_t off = 0; off < len; off += strlen(s + off) + 1) n++;
  return n;
}

int typed_arg(napi_env env, napi_value value, napi_typedarray_type want, void **data, size_t *length, const char *usage) {
  napi_typedarray_type type;
  bool is_typed = false;
  if (!value || napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, data, NULL, NULL) != napi_ok || type != want) {
    throw_usage(env, usage);
    return -1;
  }
  return 0;
}
