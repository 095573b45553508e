// The classic-BPF interpreter that judges seccomp filters in user space
// (tests, `audit check` comparing a live process's filter with the plan's,
// the filter cache's check): random programs on random seccomp_data. It
// must never crash, read outside the program, seccomp_data or its scratch
// memory, or run longer than the program (classic BPF jumps forward only).
// Properties: a program bpf_check accepts (one the kernel would load) runs
// to a return on any data, and no run executes more instructions than the
// program has.
//
// Input: sizeof(seccomp_data) bytes of data, then 8 bytes per instruction.
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "fuzz_support.h"
#include "ringfence/enforcer/bpf_program.h"

using namespace ringfence;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < sizeof(seccomp_data)) return 0;
  seccomp_data sd{};
  std::memcpy(&sd, data, sizeof sd);
  data += sizeof sd;
  size -= sizeof sd;
  enforcer::BpfProgram program;
  for (std::size_t i = 0; i + sizeof(sock_filter) <= size && program.insns.size() <= BPF_MAXINSNS; i += sizeof(sock_filter)) {
    sock_filter in{};
    std::memcpy(&in, data + i, sizeof in);
    program.insns.push_back(in);
  }
  std::string check_error, run_error;
  const bool accepted = enforcer::bpf_check(program, &check_error);
  FUZZ_CHECK(accepted == check_error.empty(), "a refused program says why");
  const auto result = enforcer::bpf_run(program, sd, &run_error);
  if (result) {
    FUZZ_CHECK(result->executed >= 1 && result->executed <= program.insns.size(),
               "no instruction runs twice: the program ran at most once through");
  } else {
    FUZZ_CHECK(!run_error.empty(), "a run that fails says why");
  }
  if (accepted) FUZZ_CHECK(result.has_value(), "a program the kernel would load returns on any data");
  return 0;
}
