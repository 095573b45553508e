// The kernel's audit records as the supervisor reads them: what a socket
// too full to queue them could not take is counted, not silently lost.
#include "../../../runtime/src/kernel_audit.h"

#include <linux/audit.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace ringfence::runtime {
namespace {

constexpr unsigned kRecords = 200;

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
  ASSERT_TRUE(make_own_log_records(kRecords));

  // Asked before anything is read, so that the count is the socket's and
  // not what a read learnt of an overrun; the kernel sends the records from
  // a thread of its own, so it is asked until they have overrun it.
  std::uint64_t dropped = 0;
  for (int tries = 0; tries < 400 && (dropped = reader->dropped()) == 0; ++tries) usleep(5000);
  EXPECT_GT(dropped, 0u) << "no drop was counted";
  std::uint64_t ours = 0;
  for (int tries = 0; tries < 400 && ours + reader->dropped() < kRecords; ++tries) {
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
  EXPECT_GE(ours + reader->dropped(), kRecords);
}

}  // namespace
}  // namespace ringfence::runtime
