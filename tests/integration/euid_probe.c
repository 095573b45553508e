/* The SUID tests' probe: prints the real, effective and saved user ids it
 * runs with. process_test.cpp installs a copy, setuid root, in a copy of the
 * test rootfs. busybox cannot serve: it drops a setuid bit by itself for
 * every applet but a few (CONFIG_FEATURE_SUID), so a setuid busybox shell
 * never shows euid 0 whatever the sandbox does. Linked statically so that it
 * runs in the busybox rootfs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

int main(void) {
  uid_t r = 0, e = 0, s = 0;
  if (getresuid(&r, &e, &s) != 0) return 1;
  printf("ruid=%u euid=%u suid=%u\n", (unsigned)r, (unsigned)e, (unsigned)s);
  return 0;
}
