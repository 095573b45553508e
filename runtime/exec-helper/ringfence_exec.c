/* ringfence-exec: the last program a sandbox's first process execs, and the
 * one that execs the sandbox's command (and, with an init, stays as PID 1).
 *
 * Why it exists: until the command's own execve succeeds, the process doing
 * it is a clone of the ringfence binary, and the kernel resolves a script's
 * interpreter (#!/proc/self/exe) or an ELF's PT_INTERP in that process: the
 * host's ringfence would run inside the sandbox with a handle on itself
 * (runc CVE-2019-5736). ringfence runs this program instead from a sealed
 * memfd, so at the command's exec /proc/self/exe is a copy nobody can write,
 * and nothing in the sandbox ever maps the host binary. It is also the
 * sandbox's init, a few kilobytes instead of a fork of ringfence.
 *
 * No C library: ringfence copies it into a memfd at every start, so it must
 * stay small. Arguments: see runtime/include/ringfence/runtime/exec_abi.h. */
#include <asm/ioctls.h>
#include <asm/signal.h>
#include <linux/fcntl.h>
#include <linux/prctl.h>
#include <linux/wait.h>

#include "ringfence/runtime/exec_abi.h"
#include "syscall.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#define RF_EXIT_CANNOT_EXECUTE 126
#define RF_EXIT_NOT_FOUND 127
#define RF_ENOENT 2
#define RF_EINTR 4

/* The compiler may emit calls to these for struct copies. */
void* memset(void* d, int c, unsigned long n) {
  unsigned char* p = d;
  while (n--) *p++ = (unsigned char)c;
  return d;
}
void* memcpy(void* d, const void* s, unsigned long n) {
  unsigned char* p = d;
  const unsigned char* q = s;
  while (n--) *p++ = *q++;
  return d;
}

static unsigned long length(const char* s) {
  unsigned long n = 0;
  while (s[n]) ++n;
  return n;
}

static int same(const char* a, const char* b) {
  while (*a && *a == *b) ++a, ++b;
  return *a == *b;
}

static __attribute__((noreturn)) void leave(int code) {
  for (;;) rf_syscall(__NR_exit_group, code, 0, 0, 0, 0, 0);
}

static void say(const char* text) { rf_syscall(__NR_write, 2, text, length(text), 0, 0, 0); }

/* A non-negative decimal; -1 for anything else. */
static long number(const char* s) {
  long n = 0;
  if (!*s) return -1;
  for (; *s; ++s) {
    if (*s < '0' || *s > '9' || n > 100000000) return -1;
    n = n * 10 + (*s - '0');
  }
  return n;
}

static void append(char* dst, unsigned long size, const char* src) {
  unsigned long n = length(dst);
  while (*src && n + 1 < size) dst[n++] = *src++;
  dst[n] = 0;
}

static const char* error_text(long err) {
  switch (err) {
    case 1: return "Operation not permitted";
    case 2: return "No such file or directory";
    case 7: return "Argument list too long";
    case 8: return "Exec format error";
    case 12: return "Cannot allocate memory";
    case 13: return "Permission denied";
    case 20: return "Not a directory";
    case 21: return "Is a directory";
    case 26: return "Text file busy";
    case 36: return "File name too long";
    case 40: return "Too many levels of symbolic links";
    default: return "exec failed";
  }
}

/* The exec failed: say so on the sync channel (ringfence prints it as
 * "step 'process.exec' failed: PATH: REASON" and exits 126 or 127). */
static __attribute__((noreturn)) void exec_failed(int sync, const char* path, long err) {
  struct rf_sync_wire w;
  if (sync < 0) { /* started by an OCI `start`: only stderr is left */
    say("ringfence-exec: ");
    say(path);
    say(": ");
    say(error_text(err));
    say("\n");
    leave(err == RF_ENOENT ? RF_EXIT_NOT_FOUND : RF_EXIT_CANNOT_EXECUTE);
  }
  memset(&w, 0, sizeof w);
  w.kind = RF_MSG_STEP_FAILED;
  w.err = (int)err;
  append(w.step, sizeof w.step, "process.exec");
  append(w.text, sizeof w.text, path);
  append(w.text, sizeof w.text, ": ");
  append(w.text, sizeof w.text, error_text(err));
  rf_syscall(__NR_write, sync, &w, sizeof w, 0, 0, 0);
  leave(err == RF_ENOENT ? RF_EXIT_NOT_FOUND : RF_EXIT_CANNOT_EXECUTE);
}

static __attribute__((noreturn)) void run(int sync, long program, const char* path, char** argv, char** envp) {
  long err = program >= 0 ? rf_syscall(__NR_execveat, program, "", argv, envp, AT_EMPTY_PATH, 0)
                          : rf_syscall(__NR_execve, path, argv, envp, 0, 0, 0);
  exec_failed(sync, path, -err);
}

static const int forwarded[] = {RF_FORWARDED_SIGNALS};

static unsigned long signal_bit(int sig) { return 1UL << (sig - 1); }

/* PID 1: the command is its child; signals from the supervisor are passed
 * on to it, every orphan is reaped, and the command's status is the init's. */
/* The init's command line, as ps and /proc/1/cmdline show it: its own name,
 * not the command's (which the command's process shows). The argument
 * strings lie end to end; the command has its own copy since the fork. */
static void retitle(char** argv, long argc) {
  char* start = argv[0];
  char* end = argv[argc - 1] + length(argv[argc - 1]) + 1;
  memset(start, 0, (unsigned long)(end - start));
  memcpy(start, "ringfence-init", sizeof "ringfence-init" <= (unsigned long)(end - start) ? sizeof "ringfence-init" : 1);
}

/* In the init's child, before the command: when stdin is the session's
 * terminal (run -t) and the init's group is its foreground, the command
 * gets a process group of its own and the foreground, as tini does. The
 * pty's Ctrl-C then reaches the command once, from the line discipline;
 * in the init's group it would also reach the init, which forwards what it
 * gets, and the command would see it twice. */
static void own_foreground_group(void) {
  int foreground = 0;
  if (rf_syscall(__NR_ioctl, 0, TIOCGPGRP, &foreground, 0, 0, 0) != 0) return; /* not our terminal */
  if (foreground != rf_syscall(__NR_getpgid, 0, 0, 0, 0, 0, 0)) return;
  if (rf_syscall(__NR_setpgid, 0, 0, 0, 0, 0, 0) != 0) return;
  const int self = (int)rf_syscall(__NR_getpid, 0, 0, 0, 0, 0, 0);
  /* A background group that sets the foreground gets SIGTTOU unless it
   * blocks it. */
  unsigned long ttou = signal_bit(SIGTTOU), mask = 0;
  rf_syscall(__NR_rt_sigprocmask, SIG_BLOCK, &ttou, &mask, sizeof ttou, 0, 0);
  rf_syscall(__NR_ioctl, 0, TIOCSPGRP, &self, 0, 0, 0);
  rf_syscall(__NR_rt_sigprocmask, SIG_SETMASK, &mask, 0, sizeof mask, 0, 0);
}

static __attribute__((noreturn)) void init(int sync, long program, const char* path, char** argv, char** envp,
                                           char** own_argv, long own_argc) {
  unsigned long waited = signal_bit(SIGCHLD), previous = 0;
  for (unsigned i = 0; i < sizeof forwarded / sizeof forwarded[0]; ++i) waited |= signal_bit(forwarded[i]);
  /* The command may not trace or inject into its init, which relays the
   * supervisor's signals: without CAP_SYS_PTRACE, even as root, it cannot
   * open /proc/1/mem, exe, root or cwd. Before the fork, so that there is
   * no moment when the command runs and the init is still open to it; the
   * command's own exec makes it dumpable again. */
  rf_syscall(__NR_prctl, PR_SET_DUMPABLE, 0, 0, 0, 0, 0);
  /* Blocked before the fork, so that no signal falls between the fork and the wait. */
  rf_syscall(__NR_rt_sigprocmask, SIG_BLOCK, &waited, &previous, sizeof waited, 0, 0);
  const long child = rf_syscall(__NR_clone, SIGCHLD, 0, 0, 0, 0, 0);
  if (child < 0) exec_failed(sync, path, -child);
  if (child == 0) {
    own_foreground_group();
    rf_syscall(__NR_rt_sigprocmask, SIG_SETMASK, &previous, 0, sizeof previous, 0, 0);
    run(sync, program, path, argv, envp);
  }
  /* The command's copy of the sync socket closes at its exec; this one
   * must go now for the supervisor to see that exec. */
  rf_syscall(__NR_close, sync, 0, 0, 0, 0, 0);
  rf_syscall(__NR_prctl, PR_SET_NAME, "ringfence-init", 0, 0, 0, 0);
  retitle(own_argv, own_argc);

  for (;;) {
    unsigned char info[128];
    const long sig = rf_syscall(__NR_rt_sigtimedwait, &waited, info, 0, sizeof waited, 0, 0);
    if (sig == -RF_EINTR || sig < 0) continue;
    if (sig != SIGCHLD) {
      rf_syscall(__NR_kill, child, sig, 0, 0, 0, 0);
      continue;
    }
    int status = 0;
    long reaped;
    while ((reaped = rf_syscall(__NR_wait4, -1, &status, WNOHANG, 0, 0, 0)) > 0) {
      if (reaped != child) continue;
      if ((status & 0x7f) == 0) leave((status >> 8) & 0xff);  /* exited */
      leave(128 + (status & 0x7f));                            /* killed by a signal */
    }
  }
}

__attribute__((noreturn, used)) void rf_main(long* stack) {
  const long argc = stack[0];
  char** argv = (char**)(stack + 1);
  char** envp = argv + argc + 1;
  /* Anything else — someone running it by hand, or a script naming it as
   * its interpreter — gets nothing. */
  if (argc <= RF_EXEC_FIXED_ARGS ||
      (!same(argv[1], RF_EXEC_MODE_EXEC) && !same(argv[1], RF_EXEC_MODE_INIT) && !same(argv[1], RF_EXEC_MODE_START))) {
    say("ringfence-exec: starts a sandbox's command for ringfence; it runs nothing by itself\n");
    leave(RF_EXIT_CANNOT_EXECUTE);
  }
  const long sync = number(argv[2]);
  const long program = same(argv[3], "-") ? -1 : number(argv[3]);
  const char* path = argv[4];
  if (sync < 0 || (program < 0 && !same(argv[3], "-"))) {
    say("ringfence-exec: bad descriptor arguments\n");
    leave(RF_EXIT_CANNOT_EXECUTE);
  }
  /* Neither descriptor may reach the command. */
  rf_syscall(__NR_fcntl, sync, F_SETFD, FD_CLOEXEC, 0, 0, 0);
  if (program >= 0) rf_syscall(__NR_fcntl, program, F_SETFD, FD_CLOEXEC, 0, 0, 0);
  if (same(argv[1], RF_EXEC_MODE_START)) {
    /* Until `start` writes its byte; a signal (the engine's kill) ends the
     * wait as it would end the process. */
    char byte;
    long n;
    do n = rf_syscall(__NR_read, sync, &byte, 1, 0, 0, 0);
    while (n == -RF_EINTR);
    if (n != 1) {
      say("ringfence-exec: the start FIFO failed before start\n");
      leave(RF_EXIT_CANNOT_EXECUTE);
    }
    rf_syscall(__NR_close, sync, 0, 0, 0, 0, 0);
    run(-1, program, path, argv + RF_EXEC_FIXED_ARGS, envp);
  }
  if (same(argv[1], RF_EXEC_MODE_INIT)) init((int)sync, program, path, argv + RF_EXEC_FIXED_ARGS, envp, argv, argc);
  run((int)sync, program, path, argv + RF_EXEC_FIXED_ARGS, envp);
}

#if defined(__x86_64__)
__asm__(".text\n.global _start\n_start:\n xor %rbp, %rbp\n mov %rsp, %rdi\n and $-16, %rsp\n call rf_main\n hlt\n");
#elif defined(__aarch64__)
__asm__(".text\n.global _start\n_start:\n mov x29, #0\n mov x30, #0\n mov x0, sp\n bl rf_main\n brk #0\n");
#endif
