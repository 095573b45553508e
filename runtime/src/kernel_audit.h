// The kernel's audit records, read as they are made: a netlink socket bound
// to the audit log's read-only multicast group (AUDIT_NLGRP_READLOG, which
// needs CAP_AUDIT_READ). Every record the kernel logs reaches every such
// socket, whether or not auditd runs; the supervisor keeps its sandbox's.
//
// Why this and not seccomp user notification for every refused call: a
// notification stops the caller until the supervisor answers (about 25 µs
// a call here), a kernel record costs the caller a few microseconds and
// never waits for ringfence (docs/performance.md, "Recorded denials").
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "ringfence/audit/kernel_record.h"
#include "ringfence/base/fd.h"
#include "ringfence/base/result.h"

namespace ringfence::runtime {

class KernelAuditReader {
 public:
  // Binds the socket, with a receive buffer large enough for a burst.
  static Result<KernelAuditReader> open();
  // A socket open() made in the process that exec'd this one.
  static Result<KernelAuditReader> adopt(Fd fd);

  int fd() const { return fd_.get(); }
  // Every record queued now, without waiting, in the order the kernel sent
  // them. Returns how many were read.
  std::size_t drain(const std::function<void(const audit::KernelRecord&)>& take);
  // Records the kernel could not queue on this socket because it was full,
  // since it was opened (the socket's own drop counter).
  std::uint64_t dropped() const;
  // Waits (at most `timeout_ms`) until every record the kernel made before
  // this call has been read. The kernel sends its records in the order it
  // made them, so a record this process makes now (a seccomp `log` action
  // of a short-lived thread of its own, which needs no enabled audit and
  // leaves one line in the host's audit log) comes after all of them. False
  // when the marker could not be made or did not come back in time.
  bool drain_until_now(int timeout_ms, const std::function<void(const audit::KernelRecord&)>& take);

 private:
  explicit KernelAuditReader(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
  bool overrun_ = false;
};

// Makes `count` records of this process's in the kernel's audit log: a
// short-lived thread loads, for itself only, a filter whose `log` action
// covers getppid (seccomp_data's `nr`), and calls it `count` times; each
// record has this process's pid. False when the thread or its filter could
// not be made. drain_until_now's marker is one of them.
bool make_own_log_records(unsigned count);

// The kernel's audit state (AUDIT_GET; needs CAP_AUDIT_CONTROL): whether
// it is enabled — Landlock logs its denials only then; seccomp's records
// are made either way — and how many records it has lost since boot.
struct KernelAuditStatus {
  bool enabled = false;
  std::uint32_t lost = 0;
};
std::optional<KernelAuditStatus> kernel_audit_status();

}  // namespace ringfence::runtime
