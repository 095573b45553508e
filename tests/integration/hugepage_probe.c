/* The huge page probe: maps one 2 MiB huge page (MAP_HUGETLB) and writes to
 * it, in a child, and prints one line: "hugepage ok", "hugepage ERRNO-NAME"
 * when mmap refused it (a hugetlb reservation limit, or no free huge page)
 * or "hugepage SIGBUS" when the first write was refused (a hugetlb limit on
 * a kernel without reservation limits, before Linux 5.7). The huge page
 * tests run it with and without a limit. Static: it runs in the busybox
 * test rootfs. Exits 0 when it printed its line. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void) {
  const size_t size = 2 * 1024 * 1024;
  const pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    char* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
    if (p == MAP_FAILED) {
      const char* name = strerrorname_np(errno);
      printf("hugepage %s\n", name ? name : "error");
      return 0;
    }
    memset(p, 1, size);
    printf("hugepage ok\n");
    return 0;
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return 1;
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    printf("hugepage SIG%s\n", name ? name : "NAL");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 0;
}
