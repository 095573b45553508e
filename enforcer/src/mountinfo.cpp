#include "ringfence/enforcer/mountinfo.h"

#include <sstream>

#include "file_io.h"

namespace ringfence::enforcer {
namespace {

// Mount points escape space, tab, newline and backslash as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      const std::string oct = s.substr(i + 1, 3);
      if (oct.size() == 3 && oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

bool MountInfo::has_option(const std::string& opt) const {
  std::stringstream in(options);
  std::string o;
  while (std::getline(in, o, ','))
    if (o == opt) return true;
  return false;
}

std::vector<MountInfo> parse_mountinfo(const std::string& text) {
  std::vector<MountInfo> out;
  std::stringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::stringstream in(line);
    MountInfo m;
    std::string major_minor, field;
    if (!(in >> m.id >> m.parent >> major_minor >> m.root >> m.mount_point >> m.options)) continue;
    // optional fields up to "-"
    while (in >> field && field != "-") m.optional.push_back(field);
    in >> m.fstype >> m.source >> m.super_options;
    m.dev = major_minor;
    m.root = unescape(m.root);
    m.mount_point = unescape(m.mount_point);
    m.source = unescape(m.source);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<MountInfo> read_mountinfo(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) return {};
  return parse_mountinfo(text);
}

}  // namespace ringfence::enforcer
