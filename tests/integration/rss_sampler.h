// Samples the resident memory of the ringfence processes a test started
// (every process whose command line names the test's state root: the
// foreground runs, the detached supervisors, exec, kill, delete) while the
// test runs, for the stress test's report.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "leaks.h"

namespace ringfence::itest {

class RssSampler {
 public:
  explicit RssSampler(std::string marker) : marker_(std::move(marker)), thread_([this] { loop(); }) {}
  ~RssSampler() { stop(); }
  RssSampler(const RssSampler&) = delete;
  RssSampler& operator=(const RssSampler&) = delete;

  void stop() {
    done_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // The highest VmHWM (the kernel's own peak RSS of a process) seen in one
  // ringfence process, and the highest sum of VmRSS over those alive at once.
  std::uint64_t peak_process_kib() const { return peak_process_; }
  std::uint64_t peak_total_kib() const { return peak_total_; }
  int most_at_once() const { return most_; }
  int samples() const { return samples_; }

 private:
  static std::uint64_t field_kib(const std::string& status, const char* name) {
    const auto at = status.find(name);
    if (at == std::string::npos) return 0;
    std::istringstream in(status.substr(at + std::string(name).size()));
    std::uint64_t kib = 0;
    in >> kib;
    return kib;
  }

  void loop() {
    while (!done_) {
      std::uint64_t total = 0;
      int alive = 0;
      for (pid_t pid : processes_mentioning(marker_)) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/status");
        std::stringstream s;
        s << in.rdbuf();
        const std::string status = s.str();
        const std::uint64_t hwm = field_kib(status, "VmHWM:");
        if (hwm == 0) continue;  // gone meanwhile, or a zombie
        ++alive;
        total += field_kib(status, "VmRSS:");
        if (hwm > peak_process_) peak_process_ = hwm;
      }
      if (total > peak_total_) peak_total_ = total;
      if (alive > most_) most_ = alive;
      ++samples_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::string marker_;
  std::atomic<bool> done_{false};
  std::atomic<std::uint64_t> peak_process_{0}, peak_total_{0};
  std::atomic<int> most_{0}, samples_{0};
  std::thread thread_;  // last: it starts once everything above is made
};

}  // namespace ringfence::itest
