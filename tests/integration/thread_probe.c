/* A two-thread target for the compliance check: with "differ" its second
 * thread drops CAP_KILL from its own bounding set (a per-thread attribute),
 * so that only one thread differs from the profile; with "same" both
 * threads keep what the sandbox gave them. The second thread then names
 * itself "probe-ready", and both wait to be checked. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#ifndef CAP_KILL
#define CAP_KILL 5
#endif

static int differ;

static void* second(void* arg) {
  (void)arg;
  if (differ && prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0) != 0) perror("prctl(PR_CAPBSET_DROP)");
  /* The test waits for this name in /proc/PID/task/TID/comm: the thread is
   * there and has done what its mode asks, so the check sees the final state. */
  if (prctl(PR_SET_NAME, "probe-ready", 0, 0, 0) != 0) perror("prctl(PR_SET_NAME)");
  for (;;) pause();
  return NULL;
}

int main(int argc, char** argv) {
  pthread_t t;
  differ = argc > 1 && strcmp(argv[1], "differ") == 0;
  if (pthread_create(&t, NULL, second, NULL) != 0) return 1;
  for (;;) pause();
}
