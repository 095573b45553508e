// File-level helpers the log's writers share.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "ringfence/base/status.h"

namespace ringfence::audit {

// The last complete line of the file (without its newline), or "" for an
// empty file. A torn last line (no newline: a writer died mid-write) is not
// a record; the next record follows the last complete one.
std::string last_complete_line(int fd);

// The log's directory and its parents, each made 0700 if missing.
Status ensure_log_dir(const std::string& path);

// A record's field read as untrusted text: its value when it has the type
// asked for, else `otherwise`. json::value() throws type_error when a field
// has another type, and an edited log must be reported, not end the reader
// (`audit verify` did on {"seq":"x"}; found by tests/fuzz/audit_log.cpp).
inline std::string string_member(const nlohmann::json& j, const char* key, const std::string& otherwise = "") {
  if (!j.is_object()) return otherwise;
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : otherwise;
}
inline std::uint64_t unsigned_member(const nlohmann::json& j, const char* key, std::uint64_t otherwise) {
  if (!j.is_object()) return otherwise;
  const auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : otherwise;
}

}  // namespace ringfence::audit
