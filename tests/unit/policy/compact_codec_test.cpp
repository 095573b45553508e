// What the binary embeds already read — the built-in seccomp base and the
// shipped profiles — is what their TOML files say, every value with its
// line and column, and embedded data that is damaged is an error, never a
// crash or a partial base or profile.
#include "compact_codec.h"

#include <gmock/gmock.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "compile_context.h"
#include "ringfence/policy/loader.h"

namespace ringfence::policy {
namespace {

using ::testing::HasSubstr;

// The base as the build-time generator reads it.
SeccompBase base_from_toml() {
  std::ifstream in(std::string(RINGFENCE_SOURCE_DIR) + "/profiles/seccomp/default.toml");
  std::ostringstream text;
  text << in.rdbuf();
  Diagnostics diags;
  auto layer = read_layer(text.str(), kDefaultSeccompBase, -1, diags);
  EXPECT_TRUE(layer) << diags.format();
  SeccompBase base;
  if (!layer) return base;
  for (auto r : layer->data.seccomp.rules.items) {
    r.layer = -1;
    base.rules.push_back(std::move(r));
  }
  base.default_action = layer->data.seccomp.default_action;
  base.default_errno = layer->data.seccomp.default_errno;
  return base;
}

TEST(BaseCodec, TheEmbeddedBaseIsTheTomlFile) {
  const SeccompBase toml = base_from_toml();
  ASSERT_GT(toml.rules.size(), 10u);
  Diagnostics diags;
  auto embedded = decode_seccomp_base(default_seccomp_base_encoded(), kDefaultSeccompBase, diags);
  ASSERT_TRUE(embedded) << diags.format();
  ASSERT_EQ(embedded->rules.size(), toml.rules.size());
  // Field by field, through the same writer: the encodings are equal.
  EXPECT_EQ(encode_seccomp_base(*embedded), encode_seccomp_base(toml));
  // And by hand, for what the writer could lose on both sides alike.
  for (std::size_t i = 0; i < toml.rules.size(); ++i) {
    const auto& a = embedded->rules[i];
    const auto& b = toml.rules[i];
    EXPECT_EQ(a.loc.line, b.loc.line);
    EXPECT_EQ(a.loc.file, kDefaultSeccompBase);
    EXPECT_EQ(a.layer, -1);
    EXPECT_EQ(a.action.value, b.action.value);
    EXPECT_EQ(a.errno_ret.is_set(), b.errno_ret.is_set());
    EXPECT_EQ(a.errno_ret.value.number, b.errno_ret.value.number);
    EXPECT_EQ(a.comment.value, b.comment.value);
    EXPECT_EQ(a.min_kernel.value, b.min_kernel.value);
    ASSERT_EQ(a.syscalls.value.size(), b.syscalls.value.size());
    for (std::size_t n = 0; n < b.syscalls.value.size(); ++n) {
      EXPECT_EQ(a.syscalls.value[n].value, b.syscalls.value[n].value);
      EXPECT_EQ(a.syscalls.value[n].loc.line, b.syscalls.value[n].loc.line);
      EXPECT_EQ(a.syscalls.value[n].loc.column, b.syscalls.value[n].loc.column);
    }
    ASSERT_EQ(a.args.value.size(), b.args.value.size());
    for (std::size_t n = 0; n < b.args.value.size(); ++n) {
      EXPECT_EQ(a.args.value[n].index.value, b.args.value[n].index.value);
      EXPECT_EQ(a.args.value[n].op.value, b.args.value[n].op.value);
      EXPECT_EQ(a.args.value[n].value.value.bits, b.args.value[n].value.value.bits);
      EXPECT_EQ(a.args.value[n].mask.value.bits, b.args.value[n].mask.value.bits);
    }
    EXPECT_EQ(a.caps.value.size(), b.caps.value.size());
    EXPECT_EQ(a.arches.value.size(), b.arches.value.size());
  }
  EXPECT_EQ(embedded->default_action.value, toml.default_action.value);
}

TEST(BaseCodec, EveryValueRoundTrips) {
  SeccompBase base;
  SeccompRuleEntry r;
  r.syscalls = {StringList{{"odd name: with a colon 12 ", {"f", 3, 4}, -1}, {"", {"f", 5, 6}, -1}}, {"f", 2, 1}};
  r.errno_ret = {ErrnoValue{-1}, {"f", 7, 8}};
  SeccompArgEntry arg;
  arg.index = {5, {"f", 9, 10}};
  arg.value = {ArgValue{0xffffffffffffffffULL}, {"f", 11, 12}};
  arg.width = {-32, {"f", 13, 14}};
  arg.loc = {"f", 9, 1};
  r.args = {{arg}, {"f", 9, 1}};
  r.comment = {"a line\nand another", {"f", 15, 16}};
  r.loc = {"f", 2, 1};
  base.rules.push_back(r);
  base.default_errno = {ErrnoValue{38}, {"f", 20, 1}};
  const std::string encoded = encode_seccomp_base(base);
  Diagnostics diags;
  auto back = decode_seccomp_base(encoded, "f", diags);
  ASSERT_TRUE(back) << diags.format();
  EXPECT_EQ(encode_seccomp_base(*back), encoded);
  const auto& b = back->rules.at(0);
  EXPECT_EQ(b.syscalls.value.at(0).value, "odd name: with a colon 12 ");
  EXPECT_EQ(b.syscalls.value.at(1).value, "");
  EXPECT_EQ(b.errno_ret.value.number, -1);
  EXPECT_EQ(b.args.value.at(0).value.value.bits, 0xffffffffffffffffULL);
  EXPECT_EQ(b.args.value.at(0).width.value, -32);
  EXPECT_EQ(b.args.value.at(0).loc.line, 9u);
  EXPECT_FALSE(b.args.value.at(0).mask.is_set());
  EXPECT_EQ(b.comment.value, "a line\nand another");
  EXPECT_EQ(b.comment.origin.column, 16u);
  EXPECT_FALSE(back->default_action.is_set());
  EXPECT_EQ(back->default_errno.value.number, 38);
}

TEST(BaseCodec, DamagedDataIsAnErrorNotAPartialBase) {
  const std::string_view whole = default_seccomp_base_encoded();
  ASSERT_FALSE(whole.empty());
  for (std::size_t cut = 0; cut < whole.size(); cut += 97) {
    Diagnostics diags;
    EXPECT_FALSE(decode_seccomp_base(whole.substr(0, cut), kDefaultSeccompBase, diags)) << "cut at " << cut;
    EXPECT_THAT(diags.format(), HasSubstr("the built-in seccomp base is damaged"));
  }
  for (const std::string& bad :
       {std::string(whole) + "7 ", std::string("x") + std::string(whole), std::string("99999999999999999999999 ")}) {
    Diagnostics diags;
    EXPECT_FALSE(decode_seccomp_base(bad, kDefaultSeccompBase, diags));
  }
}

// Two profiles walked together, field by field, by their own `fields`
// lists (not by the codec): values, origins, locations and layers. Each
// difference is noted with its path.
struct Same {
  std::vector<std::string> differences;
  std::string path;

  static std::string where(const SourceLocation& l) { return fmt::format("{}:{}:{}", l.file, l.line, l.column); }
  void differ(const std::string& what) { differences.push_back(path + ": " + what); }
  void at(const SourceLocation& a, const SourceLocation& b, const char* what) {
    if (!(a == b)) differ(fmt::format("{} {} vs {}", what, where(a), where(b)));
  }
  template <class T>
  void value(const T& a, const T& b) {
    if (!(a == b)) differ("values differ");
  }
  template <class T>
  void value(const std::vector<T>& a, const std::vector<T>& b) {
    if (a.size() != b.size()) return differ(fmt::format("{} vs {} entries", a.size(), b.size()));
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string outer = path;
      path += fmt::format("[{}]", i);
      entry(a[i], b[i]);
      path = outer;
    }
  }
  template <class V>
  void value(const std::map<std::string, Located<V>>& a, const std::map<std::string, Located<V>>& b) {
    if (a.size() != b.size()) return differ(fmt::format("{} vs {} keys", a.size(), b.size()));
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
      if (i->first != j->first) return differ(fmt::format("key {} vs {}", i->first, j->first));
      const std::string outer = path;
      path += "." + i->first;
      entry(i->second, j->second);
      path = outer;
    }
  }
  template <class V>
  void entry(const Located<V>& a, const Located<V>& b) {
    value(a.value, b.value);
    at(a.loc, b.loc, "location");
    if (a.layer != b.layer) differ(fmt::format("layer {} vs {}", a.layer, b.layer));
  }
  template <class T>
  void entry(const T& a, const T& b) {
    T::fields(*this, a, b);
    at(a.loc, b.loc, "location");
    if (a.layer != b.layer) differ(fmt::format("layer {} vs {}", a.layer, b.layer));
  }
  template <class T>
  void operator()(const char* key, const Setting<T>& a, const Setting<T>& b) {
    const std::string outer = path;
    path += std::string(".") + key;
    if (a.is_set() != b.is_set()) differ("set on one side only");
    value(a.value, b.value);
    at(a.origin, b.origin, "origin");
    path = outer;
  }
  template <class T>
  void operator()(const char* key, const Accumulated<T>& a, const Accumulated<T>& b) {
    const std::string outer = path;
    path += std::string(".") + key;
    value(a.items, b.items);
    path = outer;
  }
  template <class Section>
  void operator()(const char* key, const Section& a, const Section& b) {
    const std::string outer = path;
    path += std::string(".") + key;
    Section::fields(*this, a, b);
    path = outer;
  }
};

std::vector<std::string> differences(const Profile& a, const Profile& b) {
  Same same;
  Profile::fields(same, a, b);
  return same.differences;
}

std::string source_text(const std::string& relative) {
  std::ifstream in(std::string(RINGFENCE_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ShippedProfiles, EachEmbeddedCopyIsWhatTheTomlReaderReads) {
  const auto names = shipped_profile_names();
  ASSERT_EQ(names.size(), 6u);
  for (const auto& name : names) {
    const std::string file = "shipped:" + name + ".toml";
    Diagnostics read_diags, decode_diags;
    auto read = read_layer(source_text("profiles/" + name + ".toml"), file, 0, read_diags);
    ASSERT_TRUE(read) << read_diags.format();
    EXPECT_TRUE(read_diags.empty()) << read_diags.format();
    auto encoded = shipped_profile_encoded(name);
    ASSERT_TRUE(encoded) << name;
    auto decoded = decode_profile(*encoded, file, decode_diags);
    ASSERT_TRUE(decoded) << decode_diags.format();
    EXPECT_THAT(differences(*decoded, read->data), ::testing::IsEmpty()) << name;
    EXPECT_TRUE(read->data.profile.name.is_set()) << name;
  }
  EXPECT_FALSE(shipped_profile_encoded("no-such-profile"));
  EXPECT_FALSE(shipped_profile_encoded("seccomp/default"));
}

// The comparison above sees a difference where there is one.
TEST(ShippedProfiles, TheComparisonSeesADifference) {
  Diagnostics diags;
  auto a = decode_profile(*shipped_profile_encoded("strict"), "f", diags);
  ASSERT_TRUE(a) << diags.format();
  auto b = *a;
  b.landlock.read_only.value.back().loc.column += 1;
  auto c = *a;
  c.resources.memory.value.bytes += 1;
  auto d = *a;
  d.seccomp.rules.items.front().layer = 2;
  EXPECT_THAT(differences(*a, b), ::testing::ElementsAre(HasSubstr(".landlock.read_only[")));
  EXPECT_THAT(differences(*a, c), ::testing::ElementsAre(HasSubstr(".resources.memory: values differ")));
  EXPECT_THAT(differences(*a, d), ::testing::ElementsAre(HasSubstr(".seccomp.rules[0]: layer 0 vs 2")));
}

// A profile with a value of every type the schema has, and odd ones: each
// comes back as the TOML reader read it.
TEST(ShippedProfiles, AValueOfEveryTypeRoundTrips) {
  const std::string text = R"([profile]
schema = 1
name = "every-type"
description = "a \"quoted\" line\nand 12: a second"
extends = "default"
privileged = false

[user]
uid = 65534
gid = 65534
groups = ["audio", "video"]

[user.namespace]
enabled = true
auto = false
uid_map = [{ inside = 0, outside = 100000, count = 65536 }]
setgroups = "deny"

[capabilities]
add = ["NET_BIND_SERVICE", "CHOWN"]
drop = ["ALL"]
ambient = ["NET_BIND_SERVICE"]

[[devices.allow]]
path = "/dev/fuse"
type = "c"
major = 10
minor = "*"
access = "rwm"
mode = 0o666

[ipc]
mode = "private"
shm_size = "64M"

[seccomp]
default_errno = "ENOSYS"
audit = false

[[seccomp.rules]]
syscalls = ["personality"]
action = "errno"
errno = 1
args = [{ index = 0, op = "masked_eq", value = -1, mask = "0xffffffff00000000" }]
comment = "x"

[landlock]
read_only = ["/usr", "..."]

[resources]
memory = "1.5g"
memory_swap = -1
cpus = 1.3
pids_limit = 100
oom_score_adj = -500

[rlimits]
nofile = { soft = 1024, hard = 4096 }
nproc = "unlimited"

[filesystem]
readonly_root = true
tmpfs = [{ path = "/tmp", size = "64m", mode = 0o1777, noexec = true }]
volumes = [{ source = "/srv", target = "/srv", readonly = true }]

[process]
env = { LANG = "C.UTF-8", EMPTY = "" }
umask = "0027"
)";
  Diagnostics diags;
  auto read = read_layer(text, "every.toml", 0, diags);
  ASSERT_TRUE(read) << diags.format();
  ASSERT_FALSE(diags.has_errors()) << diags.format();
  const std::string encoded = encode_profile(read->data);
  auto back = decode_profile(encoded, "every.toml", diags);
  ASSERT_TRUE(back) << diags.format();
  EXPECT_THAT(differences(*back, read->data), ::testing::IsEmpty());
  EXPECT_EQ(back->resources.cpus.value.cpus, 1.3);
  EXPECT_TRUE(back->resources.memory_swap.value.unlimited);
  EXPECT_EQ(back->rlimits.value.at("nofile").value.hard, 4096u);
  EXPECT_EQ(back->devices.allow.items.at(0).minor.value.value, -1);
  EXPECT_EQ(back->process.env.value.at("EMPTY").value, "");
  EXPECT_EQ(encode_profile(*back), encoded);
}

TEST(ShippedProfiles, DamagedDataIsAnErrorNotAPartialProfile) {
  const std::string_view whole = *shipped_profile_encoded("default");
  for (std::size_t cut = 0; cut < whole.size(); cut += 61) {
    Diagnostics diags;
    EXPECT_FALSE(decode_profile(whole.substr(0, cut), "shipped:default.toml", diags)) << "cut at " << cut;
    EXPECT_THAT(diags.format(), HasSubstr("the built-in copy of this shipped profile is damaged"));
  }
  Diagnostics diags;
  EXPECT_FALSE(decode_profile(std::string(whole) + "1 ", "shipped:default.toml", diags));
}

}  // namespace
}  // namespace ringfence::policy
