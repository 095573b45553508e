// Property (b) of docs/reliability.md: a valid audit log, built here with
// the writer ringfence uses, with any one byte changed, one byte removed or
// two of its lines swapped never verifies — checked as an auditor does,
// with the head of the last record shipped elsewhere (`audit head`, then
// `audit verify --expect SEQ:HASH`): without it the end of a hash chain can
// be cut or rewritten unseen, which is what heads and seals are for.
//
// The input chooses the mutation: byte 0 its kind, bytes 1-4 the position,
// byte 5 the new value (or the second line).
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "fuzz_support.h"
#include "ringfence/audit/log.h"
#include "ringfence/audit/verify.h"

using namespace ringfence;

namespace {

struct Original {
  std::string text;
  audit::Head head;
  std::vector<std::size_t> line_starts;
};

// Six records of the kinds a sandbox's life writes, one with text that
// needs escaping.
const Original& original() {
  static const Original o = [] {
    const std::string path = fuzz::scratch_dir() + "/original.jsonl";
    const nlohmann::json events[] = {
        {{"event", "sandbox.start"}, {"sandbox", "web"}, {"plan_sha256", std::string(64, 'a')}},
        {{"event", "seccomp.denied"}, {"sandbox", "web"}, {"syscall", "mount"}, {"rule", "strict.toml:12:1"}},
        {{"event", "step.failed"}, {"sandbox", "web"}, {"step", "mount.readonly-root"}, {"reason", "EPERM \"x\"\n"}},
        {{"event", "oom.kill"}, {"sandbox", "web"}, {"pid", 7}},
        {{"event", "pids.limit"}, {"sandbox", "web"}, {"limit", 64}},
        {{"event", "sandbox.stop"}, {"sandbox", "web"}, {"exit_code", 0}},
    };
    for (const auto& e : events) {
      const auto status = audit::append_event(path, e);
      FUZZ_CHECK(status.ok(), "the writer writes the original log");
    }
    Original out;
    std::ifstream in(path, std::ios::binary);
    std::ostringstream all;
    all << in.rdbuf();
    out.text = all.str();
    const auto r = audit::verify_log(path);
    FUZZ_CHECK(r.intact && !r.torn_tail && r.records == 6, "the original log verifies");
    out.head = r.last;
    for (std::size_t i = 0; i < out.text.size(); ++i)
      if (i == 0 || out.text[i - 1] == '\n') out.line_starts.push_back(i);
    return out;
  }();
  return o;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Original& o = original();
  if (size < 6) return 0;
  const std::uint32_t at = static_cast<std::uint32_t>(data[1]) | static_cast<std::uint32_t>(data[2]) << 8 |
                           static_cast<std::uint32_t>(data[3]) << 16 | static_cast<std::uint32_t>(data[4]) << 24;
  std::string text = o.text;
  switch (data[0] % 3) {
    case 0: {  // change one byte
      const std::size_t i = at % text.size();
      if (static_cast<std::uint8_t>(text[i]) == data[5]) return 0;  // not a change
      text[i] = static_cast<char>(data[5]);
      break;
    }
    case 1:  // remove one byte
      text.erase(at % text.size(), 1);
      break;
    case 2: {  // swap two lines
      const std::size_t lines = o.line_starts.size();
      const std::size_t a = at % lines, b = data[5] % lines;
      if (a == b) return 0;
      auto line = [&](std::size_t n) {
        const std::size_t end = n + 1 < lines ? o.line_starts[n + 1] : o.text.size();
        return o.text.substr(o.line_starts[n], end - o.line_starts[n]);
      };
      text.clear();
      for (std::size_t n = 0; n < lines; ++n) text += line(n == a ? b : n == b ? a : n);
      break;
    }
  }
  const std::string path = fuzz::write_scratch("mutated.jsonl", text);
  audit::VerifyOptions options;
  options.expect.push_back(o.head);
  const auto r = audit::verify_log(path, options);
  // As `audit verify` judges: intact is exit 0, whatever torn lines it warns of.
  const bool verifies = r.readable && r.intact;
  if (verifies) std::fprintf(stderr, "this log verifies:\n%s", text.c_str());
  FUZZ_CHECK(!verifies, "a log with one byte changed, removed or two lines swapped never verifies");
  return 0;
}
