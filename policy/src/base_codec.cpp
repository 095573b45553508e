#include "base_codec.h"

#include <charconv>
#include <type_traits>

namespace ringfence::policy {
namespace {

// The format: the fields of each rule in the order of their `fields`
// visitor, so that neither side names a key. Numbers are decimal and end
// with a space; a string is its length, a colon and its bytes. A setting is
// 1 and its value and origin, or 0 when unset; a list is its length and
// its items. Nothing is parsed into a document first: the reader builds
// the rules as it reads (a fresh process decoded the JSON this replaced in
// about 1.4 ms, docs/performance.md).
struct Writer {
  std::string out;

  template <class N>
  void num(N n) {
    out += std::to_string(n);
    out += ' ';
  }
  void str(std::string_view s) {
    out += std::to_string(s.size());
    out += ':';
    out.append(s);
  }
  void at(const SourceLocation& l) {
    num(l.line);
    num(l.column);
  }

  template <class T>
  void value(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) str(v);
    else if constexpr (std::is_same_v<T, ErrnoValue>) num(std::int64_t{v.number});
    else if constexpr (std::is_same_v<T, ArgValue>) num(v.bits);
    else if constexpr (std::is_same_v<T, std::int64_t>) num(v);
    else static_assert(std::is_same_v<T, void>, "a seccomp rule field the base codec cannot write");
  }
  // A list of names (a vector too, but of located strings, not of rules).
  void value(const StringList& v) {
    num(v.size());
    for (const auto& item : v) {
      str(item.value);
      at(item.loc);
    }
  }
  template <class T>
  void value(const std::vector<T>& entries) {
    num(entries.size());
    for (const auto& e : entries) entry(e);
  }
  template <class T>
  void entry(const T& e) {
    T::fields(*this, e);
    at(e.loc);
  }
  template <class T>
  void operator()(const char*, const Setting<T>& s) {
    num(s.is_set() ? 1 : 0);
    if (!s.is_set()) return;
    value(s.value);
    at(s.origin);
  }
};

struct Reader {
  std::string_view in;
  const std::string& file;
  std::size_t pos = 0;
  bool damaged = false;

  // A decimal number ending with `mark`; 0 once the data is damaged.
  template <class N = std::uint64_t>
  N num(char mark = ' ') {
    N n = 0;
    const char* end = in.data() + in.size();
    auto [next, ec] = std::from_chars(in.data() + pos, end, n);
    if (ec != std::errc() || next == end || *next != mark) return fail(), N{0};
    pos = static_cast<std::size_t>(next - in.data()) + 1;
    return n;
  }
  std::string str() {
    const auto n = num<std::size_t>(':');
    if (damaged || n > in.size() - pos) return fail(), std::string();
    std::string s(in.substr(pos, n));
    pos += n;
    return s;
  }
  SourceLocation at() {
    const auto line = num();
    const auto column = num();
    return {file, static_cast<std::uint32_t>(line), static_cast<std::uint32_t>(column)};
  }
  void fail() {
    damaged = true;
    pos = in.size();  // every later read fails too
  }

  template <class T>
  void value(T& v) {
    if constexpr (std::is_same_v<T, std::string>) v = str();
    else if constexpr (std::is_same_v<T, ErrnoValue>) v.number = static_cast<int>(num<std::int64_t>());
    else if constexpr (std::is_same_v<T, ArgValue>) v.bits = num();
    else if constexpr (std::is_same_v<T, std::int64_t>) v = num<std::int64_t>();
    else static_assert(std::is_same_v<T, void>, "a seccomp rule field the base codec cannot read");
  }
  void value(StringList& v) {
    const auto n = num();
    for (std::uint64_t i = 0; i < n && !damaged; ++i) {
      std::string item = str();
      v.push_back({std::move(item), at(), -1});
    }
  }
  template <class T>
  void value(std::vector<T>& entries) {
    const auto n = num();
    for (std::uint64_t i = 0; i < n && !damaged; ++i) entries.push_back(entry<T>());
  }
  template <class T>
  T entry() {
    T e;
    T::fields(*this, e);
    e.loc = at();
    e.layer = -1;
    return e;
  }
  template <class T>
  void operator()(const char*, Setting<T>& s) {
    if (num() == 0) return;
    value(s.value);
    s.origin = at();
  }
};

}  // namespace

std::string encode_seccomp_base(const SeccompBase& base) {
  Writer w;
  w.value(base.rules);
  w("default_action", base.default_action);
  w("default_errno", base.default_errno);
  return std::move(w.out);
}

std::optional<SeccompBase> decode_seccomp_base(std::string_view encoded, const std::string& file,
                                               Diagnostics& diags) {
  Reader r{encoded, file};
  SeccompBase base;
  r.value(base.rules);
  r("default_action", base.default_action);
  r("default_errno", base.default_errno);
  if (r.damaged || r.pos != encoded.size()) {
    diags.error({file, 0, 0}, "the built-in seccomp base is damaged (rebuild ringfence)");
    return std::nullopt;
  }
  return base;
}

}  // namespace ringfence::policy
