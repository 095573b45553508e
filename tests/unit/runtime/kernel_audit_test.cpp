// The kernel's audit records as the supervisor reads them: what a socket
// too full to queue them could not take is counted, not silently lost.
#include "../../../runtime/src/kernel_audit.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstddef>
#include <iterator>
#include <thread>

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

constexpr int kRecords = 200;

// kRecords seccomp `log` records of this process's, from a thread whose
// filter (its own alone) logs getppid.
bool make_log_records() {
  bool made = false;
  std::thread([&made] {
    sock_filter insns[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog prog{static_cast<unsigned short>(std::size(insns)), insns};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return;
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) return;
    for (int i = 0; i < kRecords; ++i) (void)syscall(SYS_getppid);
    made = true;
  }).join();
  return made;
}

TEST(KernelAudit, WhatAFullSocketCouldNotQueueIsCountedAsDropped) {
  // A socket with the smallest receive buffer, in place of open()'s 32 MiB:
  // a few records fill it.
  Fd fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT));
  ASSERT_TRUE(fd.valid());
  const int tiny = 1;
  ASSERT_EQ(setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &tiny, sizeof tiny), 0);
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = AUDIT_NLGRP_READLOG;
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0)
    GTEST_SKIP() << "cannot read the kernel's audit records here (CAP_AUDIT_READ)";
  auto reader = KernelAuditReader::adopt(std::move(fd));
  ASSERT_TRUE(reader.ok()) << reader.status().message;
  ASSERT_TRUE(make_log_records());

  // Asked before anything is read, so that the count is the socket's and
  // not what a read learnt of an overrun; the kernel sends the records from
  // a thread of its own, so it is asked until they have overrun it.
  std::uint64_t dropped = 0;
  for (int tries = 0; tries < 400 && (dropped = reader->dropped()) == 0; ++tries) usleep(5000);
  EXPECT_GT(dropped, 0u) << "no drop was counted";
  int ours = 0;
  for (int tries = 0; tries < 400 && ours + static_cast<int>(reader->dropped()) < kRecords; ++tries) {
    reader->drain([&](const audit::KernelRecord& r) {
      if (r.type == audit::kKernelSeccomp && r.number("pid") == static_cast<std::uint64_t>(getpid()) &&
          r.number("syscall") == SYS_getppid)
        ++ours;
    });
    usleep(5000);
  }
  EXPECT_LT(ours, kRecords) << "the socket held every record: nothing was dropped";
  // Each of ours was read or counted (the count may hold other processes'
  // records too).
  EXPECT_GE(ours + static_cast<int>(reader->dropped()), kRecords);
}

}  // namespace
}  // namespace ringfence::runtime
