/* A burst of denied system calls for the audit tests and benchmark:
 * mkdirat(AT_FDCWD, "/ringfence-burst", i) for i = 0..N-1, each refused by a
 * `notify` rule, so each is one notification for the supervisor. The mode
 * argument carries i, so that the log shows whether every call was recorded
 * and in order. Prints how many calls were refused with EACCES, how many
 * failed otherwise, and the calls per second it saw. Static: it runs in the
 * busybox test rootfs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  const long n = argc > 1 ? atol(argv[1]) : 1000;
  long denied = 0, other = 0;
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (long i = 0; i < n; ++i) {
    if (syscall(SYS_mkdirat, AT_FDCWD, "/ringfence-burst", (unsigned long)i) == 0) {
      ++other;
      continue;
    }
    if (errno == EACCES) ++denied;
    else ++other;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  const double secs = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
  printf("denied=%ld other=%ld per_second=%.0f\n", denied, other, secs > 0 ? (double)n / secs : 0.0);
  return 0;
}
