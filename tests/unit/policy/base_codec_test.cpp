// The built-in seccomp base: what the binary embeds is what
// profiles/seccomp/default.toml says, every value with its line and
// column, and embedded data that is damaged is an error, never a crash or a
// partial base.
#include "base_codec.h"

#include <gmock/gmock.h>

#include <fstream>
#include <sstream>

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

}  // namespace
}  // namespace ringfence::policy
