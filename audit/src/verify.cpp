#include "ringfence/audit/verify.h"

#include <fcntl.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "log_file.h"
#include "ringfence/audit/log.h"
#include "ringfence/audit/log_rotation.h"
#include "ringfence/base/fd.h"

namespace ringfence::audit {

namespace {

std::string short_hash(const std::string& h) { return h.substr(0, 12); }

bool read_whole(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream all;
  all << in.rdbuf();
  out = all.str();
  return true;
}

// A writer killed in the middle of a batch leaves the start of a record
// without its end; the next writer ends that line and chains its first
// record to the last complete one (LogWriter::sync_end). Such a line is the
// beginning of the record due at its place — `{"v":1,"seq":N,` with N the
// next sequence number, or a prefix of that — and the line after it, if
// any, is record N chained to record N-1. Anything else is an insertion.
bool torn_and_recovered(std::string_view line, std::string_view next, std::uint64_t prev_seq,
                        const std::string& prev_hash) {
  const std::string due = fmt::format(R"({{"v":{},"seq":{},)", kSchemaVersion, prev_seq + 1);
  const bool starts_right = line.size() >= due.size() ? line.substr(0, due.size()) == due
                                                      : std::string_view(due).substr(0, line.size()) == line;
  if (line.empty() || !starts_right) return false;
  if (next.empty()) return true;
  const auto after = nlohmann::json::parse(next, nullptr, false);
  return !after.is_discarded() && after.is_object() && unsigned_member(after, "seq", 0) == prev_seq + 1 &&
         string_member(after, "prev") == prev_hash;
}

// Walks the records of every file in order, one file in memory at a time.
class Walk {
 public:
  // Rotated files oldest first, then the log itself, which must exist.
  Walk(const std::string& path, const VerifyOptions& options) : options_(options) { r_.files = log_files(path); }

  VerifyResult run() {
    for (std::size_t i = 0; i < r_.files.size(); ++i) {
      std::string text;
      if (!read_whole(r_.files[i], text)) {
        r_.readable = false;
        r_.intact = false;
        r_.file = r_.files[i];
        r_.problem = fmt::format("cannot read {}", r_.files[i]);
        return r_;
      }
      const bool last_file = i + 1 == r_.files.size();
      if (!walk_file(r_.files[i], text, last_file, last_file ? std::string() : first_line_of(r_.files[i + 1])))
        return r_;
    }
    finish();
    return r_;
  }

 private:
  static std::string first_line_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string line;
    std::getline(in, line);
    return line;
  }

  // "line N", or "FILE line N" once the log spans rotated files.
  std::string at(const std::string& file, std::size_t line) const {
    return r_.files.size() == 1 ? fmt::format("line {}", line) : fmt::format("{} line {}", file, line);
  }

  bool broken(const std::string& file, std::size_t line, std::string problem) {
    r_.intact = false;
    r_.file = file;
    r_.line = line;
    r_.problem = std::move(problem);
    return false;
  }

  bool walk_file(const std::string& file, const std::string& text, bool last_file, const std::string& next_file_head) {
    std::size_t line_no = 0, start = 0;
    while (start < text.size()) {
      const auto nl = text.find('\n', start);
      ++line_no;
      if (nl == std::string::npos) {
        if (!last_file)
          return broken(file, line_no, fmt::format("{} is incomplete, and newer files follow it: it was cut",
                                                   at(file, line_no)));
        // No newline: the record was never finished (a writer killed
        // mid-write, or the file cut). Everything before it stands.
        r_.torn_tail = true;
        r_.file = file;
        r_.line = line_no;
        r_.problem = fmt::format("{} is incomplete: the log ends in the middle of a record", at(file, line_no));
        return true;
      }
      const std::string_view line(text.data() + start, nl - start);
      start = nl + 1;
      std::string_view next;
      if (start < text.size()) {
        const auto next_nl = text.find('\n', start);
        next = std::string_view(text).substr(start, next_nl == std::string::npos ? std::string::npos : next_nl - start);
      } else {
        next = next_file_head;
      }
      if (!record(file, line_no, line, next)) return false;
    }
    return true;
  }

  bool record(const std::string& file, std::size_t line_no, std::string_view line, std::string_view next) {
    const auto rec = nlohmann::json::parse(line, nullptr, false);
    if (rec.is_discarded() || !rec.is_object()) {
      if (torn_and_recovered(line, next, prev_seq_, prev_hash_)) {
        r_.torn_lines.emplace_back(file, line_no);
        return true;
      }
      return broken(file, line_no, fmt::format("{} is not a JSON record: it was edited or inserted", at(file, line_no)));
    }
    if (!rec.contains("seq") || !rec["seq"].is_number_unsigned() || !rec.contains("prev") || !rec["prev"].is_string() ||
        unsigned_member(rec, "v", 0) != static_cast<std::uint64_t>(kSchemaVersion))
      return broken(file, line_no, fmt::format("{} lacks the chain fields (v, seq, prev)", at(file, line_no)));
    const auto seq = rec["seq"].get<std::uint64_t>();
    const auto& prev = rec["prev"].get_ref<const std::string&>();
    if (!started_) {
      // The oldest file still here: the chain starts at genesis, or (its
      // older files removed) at whatever it chains from.
      if (seq == 1 && prev != kGenesis)
        return broken(file, line_no, "the first record was edited: its prev is not the start of a chain");
      // Every file but the first begins with the rotation that made it, so
      // only a chain that starts there may start after record 1 (the older
      // files removed by whoever keeps them); anything else lost its head.
      if (seq != 1 && string_member(rec, "event") != "log.rotated")
        return broken(file, line_no, fmt::format("the log starts at record {}, which does not begin a file: the "
                                                 "records before it were removed",
                                                 seq));
      started_ = true;
      r_.first_seq = seq;
    } else {
      const bool chained = prev == prev_hash_;
      if (seq == prev_seq_ + 1 && !chained) {
        --r_.records;  // the previous record, counted good, is the edited one
        return broken(prev_file_, prev_line_,
                      fmt::format("record {} ({}) was edited: its hash is not the one record {} ({}) holds", prev_seq_,
                                  at(prev_file_, prev_line_), seq, at(file, line_no)));
      }
      if (seq > prev_seq_ + 1)
        return broken(file, line_no, fmt::format("records {} to {} are missing before {}: they were removed",
                                                 prev_seq_ + 1, seq - 1, at(file, line_no)));
      if (seq <= prev_seq_)
        return broken(file, line_no, fmt::format("record {} at {} comes after record {}: records were "
                                                 "reordered or inserted",
                                                 seq, at(file, line_no), prev_seq_));
    }
    const std::string hash = record_hash(line);
    for (const auto& head : options_.expect)
      if (head.seq == seq && head.hash != hash)
        return broken(file, line_no, fmt::format("record {} is not the one whose head was shipped ({}…, here {}…): "
                                                 "it was replaced",
                                                 seq, short_hash(head.hash), short_hash(hash)));
    if (string_member(rec, "event") == "log.seal" && !seal(file, line_no, rec, seq, prev)) return false;
    prev_hash_ = hash;
    prev_seq_ = seq;
    prev_file_ = file;
    prev_line_ = line_no;
    ++r_.records;
    if (options_.on_record) options_.on_record(rec);
    if (just_sealed_)
      just_sealed_ = false;  // the seal is not after itself
    else if (r_.sealed_through != 0)
      ++r_.unsealed;
    return true;
  }

  bool seal(const std::string& file, std::size_t line_no, const nlohmann::json& rec, std::uint64_t seq,
            const std::string& prev) {
    ++r_.seals;
    const std::string id = string_member(rec, "log_id");
    if (!rec.contains("epoch") || !rec["epoch"].is_number_unsigned() || !rec.contains("seal") ||
        !rec["seal"].is_string() || id.empty())
      return broken(file, line_no, fmt::format("the seal at {} lacks its fields (log_id, epoch, seal)", at(file, line_no)));
    const auto epoch = rec["epoch"].get<std::uint64_t>();
    auto [it, first] = last_epoch_.try_emplace(id, epoch);
    if (!first) {
      // The same epoch twice is a writer that crashed between writing a
      // seal and moving its key on; anything else is a gap or a reorder.
      if (epoch > it->second + 1)
        return broken(file, line_no,
                      fmt::format("seals {} to {} are missing before {}: records were removed and the log "
                                  "sealed again with a later key",
                                  it->second + 1, epoch - 1, at(file, line_no)));
      if (epoch < it->second)
        return broken(file, line_no, fmt::format("the seal at {} (epoch {}) comes after epoch {}: seals were reordered",
                                                 at(file, line_no), epoch, it->second));
      it->second = epoch;
    } else if (epoch != 0 && r_.first_seq == 1) {
      // setup-keys writes seal 0 at once; in a log that still has its first
      // record, a key's first seal of a later epoch means seals were cut.
      return broken(file, line_no, fmt::format("the first seal of key {} is epoch {}, not 0: seals 0 to {} and the "
                                               "records they sealed were removed",
                                               id, epoch, epoch - 1));
    }
    if (!options_.key) {
      mark_sealed(seq, rec);
      return true;
    }
    if (id != options_.key->log_id) {
      if (std::find(r_.other_log_ids.begin(), r_.other_log_ids.end(), id) == r_.other_log_ids.end())
        r_.other_log_ids.push_back(id);
      return true;
    }
    if (epoch < key_epoch_) {
      key_ = key_for_epoch(options_.key->key, epoch);
      key_epoch_ = epoch;
    }
    while (key_epoch_ < epoch) {
      key_ = evolve(key_);
      ++key_epoch_;
    }
    if (seal_mac(key_, id, epoch, seq, string_member(rec, "time"), prev) != rec["seal"].get<std::string>())
      return broken(file, line_no, fmt::format("the seal at {} does not verify with this key: it was forged, "
                                               "or a record before it was changed and the chain rebuilt",
                                               at(file, line_no)));
    mark_sealed(seq, rec);
    r_.seals_checked = true;
    return true;
  }

  void mark_sealed(std::uint64_t seq, const nlohmann::json& rec) {
    r_.sealed_through = seq;
    r_.sealed_at = string_member(rec, "time");
    r_.unsealed = 0;
    just_sealed_ = true;
  }

  void finish() {
    r_.last = Head{prev_seq_, started_ ? prev_hash_ : std::string(kGenesis)};
    r_.last_hash = r_.last.hash;
    for (const auto& head : options_.expect) {
      if (head.seq > prev_seq_) {
        broken(r_.files.back(), 0, fmt::format("the log ends at record {}, but record {} was shipped as its head: "
                                               "the log was cut",
                                               prev_seq_, head.seq));
        return;
      }
      if (head.seq < r_.first_seq) {
        broken(r_.files.front(), 0, fmt::format("record {}, shipped as a head, is in files no longer here (the log "
                                                "now starts at record {})",
                                                head.seq, r_.first_seq));
        return;
      }
    }
    if (options_.key && !r_.seals_checked) {
      broken(r_.files.back(), 0, r_.seals == 0
                                     ? std::string("the log has no seal: nothing in it is proven by this key")
                                     : std::string("none of the log's seals was made with this key: it is not the log "
                                                   "this key seals"));
    }
  }

  const VerifyOptions& options_;
  VerifyResult r_;
  bool started_ = false;
  std::string prev_hash_ = kGenesis;
  std::uint64_t prev_seq_ = 0;
  std::string prev_file_;
  std::size_t prev_line_ = 0;
  std::map<std::string, std::uint64_t> last_epoch_;  // per sealing key (log id)
  SealKey key_{};
  std::uint64_t key_epoch_ = ~std::uint64_t{0};
  bool just_sealed_ = false;
};

}  // namespace

Result<Head> parse_head(const std::string& text) {
  const auto colon = text.find(':');
  const auto bad = Status::failure(fmt::format("'{}' is not a head: give SEQ:HASH as `ringfence audit head` prints it",
                                               text));
  if (colon == std::string::npos || colon == 0) return bad;
  Head h;
  const std::string seq = text.substr(0, colon);
  h.hash = text.substr(colon + 1);
  if (seq.size() > 19 || !std::all_of(seq.begin(), seq.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      h.hash.size() != 64 ||
      !std::all_of(h.hash.begin(), h.hash.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return bad;
  h.seq = std::stoull(seq);
  if (h.seq == 0) return bad;
  return h;
}

VerifyResult verify_log(const std::string& path, const VerifyOptions& options) { return Walk(path, options).run(); }

Result<Head> log_head(const std::string& path) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Status::from_errno("read " + path);
  const std::string last = last_complete_line(fd.get());
  const auto j = nlohmann::json::parse(last, nullptr, false);
  if (last.empty() || j.is_discarded() || !j.is_object() || !j.contains("seq") || !j["seq"].is_number_unsigned())
    return Status::failure(path + " has no complete record");
  return Head{j["seq"].get<std::uint64_t>(), record_hash(last)};
}

}  // namespace ringfence::audit
