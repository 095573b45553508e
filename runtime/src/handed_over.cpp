// ringfence-supervisor: the small supervisor, exec'd by ringfence in its own
// place once the program runs (handover.h). It carries on exactly where
// ringfence stopped: the same loop (supervisor.h), the same end
// (sandbox_end.h, or a monitor's stop event).
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "handover.h"
#include "kernel_audit.h"
#include "output_log.h"
#include "ringfence/audit/log_writer.h"
#include "ringfence/base/exit_codes.h"
#include "ringfence/base/text_file.h"
#include "ringfence/enforcer/pidfd.h"
#include "ringfence/enforcer/process.h"
#include "sandbox_end.h"
#include "steps.h"
#include "supervisor.h"

namespace ringfence::runtime {
namespace {

void say(const std::string& line) { std::fprintf(stderr, "ringfence: %s\n", line.c_str()); }

// The memfd is read through /proc (a regular file there) and closed.
Result<Handover> read_handover(int fd) {
  auto text = read_text_file("/proc/self/fd/" + std::to_string(fd));
  close(fd);
  if (!text) return Status::failure("read the supervisor's handover: " + text.status().message, text.status().err);
  const auto j = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return Status::failure("the supervisor's handover is not JSON", EINVAL);
  return handover_from_json(j);
}

void report(const Handover& h, const std::string& text) {
  if (h.report >= 0) (void)ringfence::write_all(h.report, text);
}

// Without its description, or what it describes, the sandbox cannot be
// supervised, nor audited: it is not left to run (the same rule as a start
// whose record cannot be written).
//   run:     the program is this process's child: it is killed here, its
//            stop recorded with the reason, its remains removed, and
//            `run --detach` told why (it exits 125).
//   monitor: the starter kills the process when told "-" and why (a
//            create or an exec that fails).
[[noreturn]] void kill_unsupervised(const Status& why, Handover* h = nullptr) {
  const std::string said = "the sandbox's supervisor could not carry on, so the sandbox is stopped (SIGKILL): " +
                           why.message;
  say(said);
  if (h && h->end == Handover::End::Monitor) {
    report(*h, "-" + why.message);
    _exit(1);
  }
  if (h) report(*h, said + "\n");
  if (h) {
    Fd pidfd(h->pidfd);
    enforcer::pidfd_signal(pidfd.get(), SIGKILL);
  } else if (auto children = read_text_file("/proc/self/task/" + std::to_string(getpid()) + "/children")) {
    std::istringstream pids(*children);
    for (pid_t pid; pids >> pid;) kill(pid, SIGKILL);
  }
  while (wait(nullptr) > 0) {
  }
  if (h) {
    std::optional<audit::LogWriter> log;
    if (!h->audit_log.empty()) log.emplace(h->audit_log, audit::FsyncPolicy::Record);
    (void)append_record(log ? &*log : nullptr, h->sandbox,
                        {{"event", "sandbox.stop"},
                         {"profile", h->state.profile},
                         {"plan_sha256", h->state.plan_sha256},
                         {"exit_status", kExitRuntimeError},
                         {"reason", "its supervisor could not carry on: " + why.message}});
    // As a start that failed: nothing of it is left (`run --detach` said
    // 125), but its records.
    h->state.exit_status = kExitRuntimeError;
    clean_up(h->state_root, h->state_dir, &h->state, /*remove=*/true, h->cgroup, say);
  }
  _exit(kExitRuntimeError);
}

}  // namespace

int run_handed_over(int argc, char** argv) {
  if (argc != 4 || std::strcmp(argv[1], "--handover") != 0) {
    std::fprintf(stderr, "ringfence-supervisor: ringfence runs this program itself, for a running sandbox\n");
    return kExitRuntimeError;
  }
  char* end = nullptr;
  const long fd = std::strtol(argv[2], &end, 10);
  if (*end != '\0' || fd < 3) kill_unsupervised(Status::failure("no handover descriptor", EBADF));
  auto handed = read_handover(static_cast<int>(fd));
  if (!handed) kill_unsupervised(handed.status());
  Handover& h = *handed;
  // The exec was made with a real gid of another value so that the kernel
  // made this image non-dumpable from its start (handover.h); the real gid
  // goes back, and non-dumpable is made sure of (a host whose
  // fs.suid_dumpable is 1 would have left it dumpable).
  if (h.restore_rgid >= 0 && setresgid(static_cast<gid_t>(h.restore_rgid), -1, -1) != 0)
    kill_unsupervised(Status::from_errno("put the real gid back"), &h);
  if (geteuid() == 0)
    if (Status st = enforcer::set_not_dumpable(); !st) kill_unsupervised(st, &h);
  prctl(PR_SET_NAME, "rf-supervisor");
  std::vector<int> keep{0, 1, 2};
  for (int held : {h.pidfd, h.exits, h.listener, h.denials, h.output_file, h.output_pipe, h.report})
    if (held >= 0) keep.push_back(held);
  if (Status st = enforcer::close_descriptors(keep); !st) kill_unsupervised(st, &h);
  if (fault_injected("small-supervisor"))
    kill_unsupervised(Status::failure("injected failure (RINGFENCE_FAIL_STEP)", EIO), &h);

  std::optional<audit::LogWriter> log;
  if (!h.audit_log.empty())
    log.emplace(h.audit_log, h.audit_fsync_record ? audit::FsyncPolicy::Record : audit::FsyncPolicy::Batch);
  SupervisorRules rules;
  if (h.filter) rules.filter = &*h.filter;
  if (h.supervise) {
    rules.supervise = *h.supervise;
    rules.has_supervise = true;
  }
  Supervisor supervisor(rules, h.child, SupervisorAudit{log ? &*log : nullptr, h.sandbox, nullptr});
  if (Status st = supervisor.prepare(Fd(h.pidfd)); !st) kill_unsupervised(st, &h);
  if (!h.forward) supervisor.stop_forwarding();
  if (h.exits >= 0) {
    enforcer::ProcessExitWatch exits;
    exits.adopt(Fd(h.exits), h.child);
    supervisor.watch_exit(std::move(exits));
  }
  if (h.listener >= 0) supervisor.set_listener(Fd(h.listener));
  if (h.cgroup && h.watch_cgroup) supervisor.watch_cgroup(*h.cgroup, h.seen);
  if (h.denials >= 0) {
    auto reader = KernelAuditReader::adopt(Fd(h.denials));
    if (!reader) kill_unsupervised(reader.status(), &h);
    supervisor.watch_denials(std::move(*reader), h.denial_source);
  }
  std::optional<OutputLog> output;
  if (h.output_pipe >= 0) {
    auto adopted = OutputLog::adopt(h.state_root, h.sandbox, Fd(h.output_file), Fd(h.output_pipe), h.output_max);
    if (!adopted) kill_unsupervised(adopted.status(), &h);
    output.emplace(std::move(*adopted));
    supervisor.pump_output(&*output);
  }
  report(h, h.end == Handover::End::Run ? "started " + h.sandbox + "\n" : "+");
  if (h.report >= 0) close(h.report);

  int exit_code = supervisor.run();
  auto recorder = [&](nlohmann::json event) {
    return append_record(log ? &*log : nullptr, h.sandbox, std::move(event));
  };
  if (h.end == Handover::End::Monitor) {
    (void)recorder(with_exit_status(nlohmann::json::parse(h.stop_event), exit_code));
    return 0;
  }
  exit_code = record_stop(supervisor, exit_code, h.state, h.quiet, recorder, say);
  h.state.exit_status = exit_code;
  clean_up(h.state_root, h.state_dir, &h.state, h.remove, h.cgroup, say);
  return exit_code;
}

}  // namespace ringfence::runtime
