#include "compact_codec.h"

#include <bit>
#include <charconv>
#include <type_traits>

namespace ringfence::policy {
namespace {

// The format: the fields of each struct in the order of its `fields`
// visitor, so that neither side names a key. Numbers are decimal and end
// with a space; a string is its length, a colon and its bytes. A setting is
// 1 and its value and origin, or 0 when unset; a list or a map is its
// length and its items; a location is its line and column (the file is the
// one being decoded, the layer the reader's). Nothing is parsed into a
// document first: the reader builds the structs as it reads.
//
// Writer and Reader walk the same fields in the same order, so the two
// must change together; compact_codec_test.cpp checks every shipped profile
// and the base against the TOML reader, field by field.
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
    else if constexpr (std::is_same_v<T, bool>) num(v ? 1 : 0);
    else if constexpr (std::is_same_v<T, std::int64_t>) num(v);
    else if constexpr (std::is_same_v<T, ErrnoValue>) num(std::int64_t{v.number});
    else if constexpr (std::is_same_v<T, ArgValue>) num(v.bits);
    else if constexpr (std::is_same_v<T, DeviceNumber>) num(v.value);
    else if constexpr (std::is_same_v<T, FileMode>) num(v.bits);
    else if constexpr (std::is_same_v<T, CpuCount>) num(std::bit_cast<std::uint64_t>(v.cpus));  // exact
    else if constexpr (std::is_same_v<T, ByteSize>) {
      num(v.bytes);
      num(v.unlimited ? 1 : 0);
    } else if constexpr (std::is_same_v<T, RlimitValue>) {
      num(v.soft);
      num(v.hard);
    } else static_assert(std::is_same_v<T, void>, "a profile field the compact codec cannot write");
  }
  template <class T>
  void value(const std::vector<T>& entries) {
    num(entries.size());
    for (const auto& e : entries) entry(e);
  }
  template <class V>
  void value(const std::map<std::string, Located<V>>& m) {
    num(m.size());
    for (const auto& [key, item] : m) {
      str(key);
      entry(item);
    }
  }
  template <class V>
  void entry(const Located<V>& e) {
    value(e.value);
    at(e.loc);
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
  template <class T>
  void operator()(const char*, const Accumulated<T>& a) {
    value(a.items);
  }
  template <class Section>
  void operator()(const char*, const Section& s) {
    Section::fields(*this, s);
  }
};

struct Reader {
  std::string_view in;
  const std::string& file;
  int layer;  // what every located value and entry is tagged with
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
    const auto line = num<std::uint32_t>();
    const auto column = num<std::uint32_t>();
    return {file, line, column};
  }
  void fail() {
    damaged = true;
    pos = in.size();  // every later read fails too
  }

  template <class T>
  void value(T& v) {
    if constexpr (std::is_same_v<T, std::string>) v = str();
    else if constexpr (std::is_same_v<T, bool>) v = num() != 0;
    else if constexpr (std::is_same_v<T, std::int64_t>) v = num<std::int64_t>();
    else if constexpr (std::is_same_v<T, ErrnoValue>) v.number = num<int>();
    else if constexpr (std::is_same_v<T, ArgValue>) v.bits = num();
    else if constexpr (std::is_same_v<T, DeviceNumber>) v.value = num<std::int64_t>();
    else if constexpr (std::is_same_v<T, FileMode>) v.bits = num<std::uint32_t>();
    else if constexpr (std::is_same_v<T, CpuCount>) v.cpus = std::bit_cast<double>(num());
    else if constexpr (std::is_same_v<T, ByteSize>) {
      v.bytes = num<std::int64_t>();
      v.unlimited = num() != 0;
    } else if constexpr (std::is_same_v<T, RlimitValue>) {
      v.soft = num();
      v.hard = num();
    } else static_assert(std::is_same_v<T, void>, "a profile field the compact codec cannot read");
  }
  template <class T>
  void value(std::vector<T>& entries) {
    const auto n = num();
    for (std::uint64_t i = 0; i < n && !damaged; ++i) entry(entries.emplace_back());
  }
  template <class V>
  void value(std::map<std::string, Located<V>>& m) {
    const auto n = num();
    for (std::uint64_t i = 0; i < n && !damaged; ++i) {
      std::string key = str();
      entry(m[std::move(key)]);
    }
  }
  template <class V>
  void entry(Located<V>& e) {
    value(e.value);
    e.loc = at();
    e.layer = layer;
  }
  template <class T>
  void entry(T& e) {
    T::fields(*this, e);
    e.loc = at();
    e.layer = layer;
  }

  template <class T>
  void operator()(const char*, Setting<T>& s) {
    if (num() == 0) return;
    value(s.value);
    s.origin = at();
  }
  template <class T>
  void operator()(const char*, Accumulated<T>& a) {
    value(a.items);
  }
  template <class Section>
  void operator()(const char*, Section& s) {
    Section::fields(*this, s);
  }

  // Whether all of `in` was read, and nothing was damaged.
  bool whole() const { return !damaged && pos == in.size(); }
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
  Reader r{encoded, file, -1};
  SeccompBase base;
  r.value(base.rules);
  r("default_action", base.default_action);
  r("default_errno", base.default_errno);
  if (!r.whole()) {
    diags.error({file, 0, 0}, "the built-in seccomp base is damaged (rebuild ringfence)");
    return std::nullopt;
  }
  return base;
}

std::string encode_profile(const Profile& profile) {
  Writer w;
  Profile::fields(w, profile);
  return std::move(w.out);
}

std::optional<Profile> decode_profile(std::string_view encoded, const std::string& file, Diagnostics& diags) {
  Reader r{encoded, file, 0};
  Profile profile;
  Profile::fields(r, profile);
  if (!r.whole()) {
    diags.error({file, 0, 0}, "the built-in copy of this shipped profile is damaged (rebuild ringfence)");
    return std::nullopt;
  }
  return profile;
}

}  // namespace ringfence::policy
