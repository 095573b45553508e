// The TOML reader on its own: where it says a problem is (line and column of
// the key or value that is wrong), what it says for each kind of value, and
// that a wrong value leaves its key unset. The corpus in tests/data/bad shows
// whole profiles; these tests pin the details one at a time.
#include <gtest/gtest.h>

#include <string>

#include "ringfence/policy/loader.h"
#include "ringfence/policy/names.h"
#include "test_support.h"

namespace ringfence::test {
namespace {

using policy::Diagnostics;

struct Read {
  std::optional<policy::Layer> layer;
  Diagnostics diags;
};

Read read(const std::string& text) {
  Read r;
  r.layer = policy::read_layer(text, "t.toml", 0, r.diags);
  return r;
}

// The one message reading `text` gives, as `validate` prints it.
std::string only_message(const std::string& text) {
  auto r = read(text);
  EXPECT_EQ(r.diags.all().size(), 1u) << r.diags.format();
  return r.diags.format();
}

// ---- where keys are -----------------------------------------------------------

TEST(ReaderLocation, UnknownKeyPointsAtTheKeyNotTheValue) {
  EXPECT_EQ(only_message("[capabilities]\n  ad = [\"CHOWN\"]\n"),
            "t.toml:2:3: error: unknown key 'ad' in [capabilities] (did you mean 'add'?)\n");
}

TEST(ReaderLocation, AKeyThatIsPartOfAnotherKeyOnTheLine) {
  // "side" is inside "inside" and "outside" too; the key is the whole word
  // right before its own value.
  EXPECT_EQ(only_message("[user.namespace]\nuid_map = [{ inside = 0, outside = 1, count = 1, side = 2 }]\n"),
            "t.toml:2:50: error: unknown key 'side' in [user.namespace.uid_map[0]] (did you mean 'inside'?)\n");
}

TEST(ReaderLocation, DottedKeysPointAtTheirComponent) {
  EXPECT_EQ(only_message("capabilities.ad = [\"CHOWN\"]\n"),
            "t.toml:1:14: error: unknown key 'ad' in [capabilities] (did you mean 'add'?)\n");
  // The unknown part is a table made by the dotted key itself.
  EXPECT_EQ(only_message("[profile]\nname = \"x\"\n\n[user]\n  namespce.enabled = true\n"),
            "t.toml:5:3: error: unknown table [user.namespce] (did you mean [user.namespace]?)\n");
  EXPECT_EQ(only_message("user . namespace . enabeld = true\n"),
            "t.toml:1:20: error: unknown key 'enabeld' in [user.namespace] (did you mean 'enabled'?)\n");
}

TEST(ReaderLocation, QuotedKeysPointAtTheOpeningQuote) {
  EXPECT_EQ(only_message("[capabilities]\n\"ad\" = []\n"),
            "t.toml:2:1: error: unknown key 'ad' in [capabilities] (did you mean 'add'?)\n");
  EXPECT_EQ(only_message("[capabilities]\n'drp' = []\n"),
            "t.toml:2:1: error: unknown key 'drp' in [capabilities] (did you mean 'drop'?)\n");
}

TEST(ReaderLocation, TableHeadersPointAtTheUnknownComponent) {
  EXPECT_EQ(only_message("[user.namespce]\nenabled = true\n"),
            "t.toml:1:7: error: unknown table [user.namespce] (did you mean [user.namespace]?)\n");
  EXPECT_EQ(only_message("[[seccomp.rulez]]\nsyscalls = [\"read\"]\n"),
            "t.toml:1:11: error: unknown key 'rulez' in [seccomp] (did you mean 'rules'?)\n");
}

TEST(ReaderLocation, ATableHeaderWhereAnotherValueBelongsPointsAtTheName) {
  EXPECT_EQ(only_message("[user.namespace.uid_map]\ninside = 0\n"),
            "t.toml:1:17: error: 'user.namespace.uid_map' must be an array of tables, not a table\n");
  EXPECT_EQ(only_message("[[filesystem.volumes]]\nsource = \"/a\"\n[filesystem.volumes.readonly]\nx = 1\n"),
            "t.toml:3:21: error: 'filesystem.volumes[0].readonly' must be true or false, not a table\n");
  // An inline table is a value: the value is pointed at.
  EXPECT_EQ(only_message("[filesystem]\ntmpfs = { path = \"/tmp\" }\n"),
            "t.toml:2:9: error: 'filesystem.tmpfs' must be an array of tables, not a table\n");
}

TEST(ReaderLocation, InsideInlineTables) {
  EXPECT_EQ(only_message("[user.namespace]\nuid_map = [{ inside = 0, outsid = 1, count = 1 }]\n"),
            "t.toml:2:26: error: unknown key 'outsid' in [user.namespace.uid_map[0]] (did you mean 'outside'?)\n");
  EXPECT_EQ(only_message("[user.namespace]\nuid_map = [{ inside = \"0\", outside = 1, count = 1 }]\n"),
            "t.toml:2:23: error: 'user.namespace.uid_map[0].inside' must be an integer, not a string\n");
}

TEST(ReaderLocation, InsideMultiLineArrays) {
  EXPECT_EQ(only_message("[filesystem]\nmasked_paths = [\n  \"/proc/kcore\",\n    5,\n]\n"),
            "t.toml:4:5: error: 'filesystem.masked_paths[1]' must be a string, not an integer\n");
  EXPECT_EQ(only_message("[user.namespace]\nuid_map = [\n  { inside = 0, outside = 1, count = 1 },\n"
                         "  { inside = 1, outside = 2, cnt = 1 },\n]\n"),
            "t.toml:4:30: error: unknown key 'cnt' in [user.namespace.uid_map[1]]\n");
}

// ---- what is said for each kind of value --------------------------------------

struct ValueCase {
  const char* toml;
  const char* message;  // after "t.toml:L:C: error: "
};

class ReaderMessage : public ::testing::TestWithParam<ValueCase> {};

TEST_P(ReaderMessage, SaysWhatIsWrongAndWhatIsAccepted) {
  auto r = read(GetParam().toml);
  ASSERT_EQ(r.diags.all().size(), 1u) << r.diags.format();
  EXPECT_EQ(r.diags.all()[0].message, GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    EachValueType, ReaderMessage,
    ::testing::Values(
        ValueCase{"[filesystem]\nreadonly_root = 1\n",
                  "'filesystem.readonly_root' must be true or false, not an integer"},
        ValueCase{"[filesystem]\nreadonly_root = \"false\"\n",
                  "'filesystem.readonly_root' must be true or false, not a string (write false without quotes)"},
        ValueCase{"[resources]\npids_limit = \"100\"\n", "'resources.pids_limit' must be an integer, not a string"},
        ValueCase{"[resources]\npids_limit = 99999999999999999999\n",
                  "'resources.pids_limit': 99999999999999999999 does not fit in a 64-bit integer"},
        ValueCase{"[resources]\npids_limit = 0x1_0000_0000_0000_0000\n",
                  "'resources.pids_limit': 0x1_0000_0000_0000_0000 does not fit in a 64-bit integer"},
        ValueCase{"[process]\nhostname = true\n", "'process.hostname' must be a string, not a boolean"},
        ValueCase{"[resources]\nmemory = 1.5\n",
                  "'resources.memory' must be a size (an integer or a string such as \"64M\"), not a float"},
        ValueCase{"[resources]\nmemory = \"64Q\"\n",
                  "'resources.memory': '64Q' is not a size (examples: 1048576, \"512k\", \"64M\", \"1.5G\")"},
        ValueCase{"[resources]\nmemory = -2\n", "'resources.memory' must not be negative (use -1 for unlimited)"},
        ValueCase{"[resources]\ncpus = \"1,5\"\n", "'resources.cpus': '1,5' is not a number of CPUs (example: 1.5)"},
        ValueCase{"[resources]\ncpus = -0.5\n", "'resources.cpus' must be a positive number of CPUs"},
        ValueCase{"[resources]\ncpus = [1]\n",
                  "'resources.cpus' must be a number of CPUs (example: 1.5), not an array"},
        ValueCase{"[seccomp]\ndefault_errno = \"EPREM\"\n",
                  "'seccomp.default_errno': unknown errno 'EPREM' (did you mean 'EPERM'?)"},
        ValueCase{"[seccomp]\ndefault_errno = 5000\n", "'seccomp.default_errno': errno 5000 is out of range 0-4095"},
        ValueCase{"[[devices.allow]]\ntype = \"c\"\nmajor = \"10\"\nminor = 1\n",
                  "'devices.allow[0].major' must be a device number or \"*\", not a string"},
        ValueCase{"[[devices.allow]]\ntype = \"c\"\nmajor = 10\nminor = 2000000\n",
                  "'devices.allow[0].minor': 2000000 is not a device number (0 to 1048575, or \"*\" for any)"},
        ValueCase{"[process]\numask = \"0o9\"\n",
                  "'process.umask': '0o9' is not an octal file mode (example: \"0755\" or 0o755)"},
        ValueCase{"[process]\numask = 0o17777\n", "'process.umask': 0o17777 is not a file mode (0o0 to 0o7777)"},
        ValueCase{"[[seccomp.rules]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
                  "args = [{ index = 0, op = \"eq\", value = \"0xfg\" }]\n",
                  "'seccomp.rules[0].args[0].value': '0xfg' is not a 64-bit number (examples: 42, \"0x7f\", -1)"},
        ValueCase{"[[seccomp.rules]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
                  "args = [{ index = 0, op = \"eq\", value = 1.0 }]\n",
                  "'seccomp.rules[0].args[0].value' must be an integer or a string such as \"0xffffffff00000000\", "
                  "not a float"},
        ValueCase{"[landlock]\nread_only = \"/usr\"\n",
                  "'landlock.read_only' must be an array of strings, not a string"},
        ValueCase{"[landlock]\nread_only = [\"/usr\", 7]\n",
                  "'landlock.read_only[1]' must be a string, not an integer"},
        ValueCase{"[user]\ngroups = [\"audio\", 4.4]\n", "'user.groups[1]' must be a string or a number, not a float"},
        ValueCase{"[capabilities]\ndrop = \"ALL\"\n", "'capabilities.drop' must be an array of strings, not a string"},
        ValueCase{"[process]\nenv = [\"A=1\"]\n", "'process.env' must be a table of strings, not an array"},
        ValueCase{"[process.env]\nA = 1\n", "'process.env.A' must be a string, not an integer"},
        ValueCase{"rlimits = 5\n", "'rlimits' must be a table, not an integer"},
        ValueCase{"[rlimits]\nnofile = 1.5\n", "'rlimits.nofile' must be a number or \"unlimited\", not a float"},
        ValueCase{"[rlimits]\nnofile = \"1024:\"\n",
                  "'rlimits.nofile': '1024:' is not a limit (examples: 1024, \"1024:4096\", \"unlimited\")"},
        ValueCase{"[rlimits]\nnofile = { soft = 1, hrad = 2 }\n",
                  "unknown key 'hrad' in [rlimits.nofile] (did you mean 'hard'?)"},
        ValueCase{"[rlimits]\nnofile = { hard = 2 }\n",
                  "'rlimits.nofile' needs 'soft' too (or write one number for both)"},
        ValueCase{"[rlimits]\nnofile = { soft = -5, hard = 2 }\n",
                  "'rlimits.nofile.soft' must not be negative (use -1 or \"unlimited\")"},
        ValueCase{"[filesystem]\ntmpfs = \"/tmp\"\n", "'filesystem.tmpfs' must be an array of tables, not a string"},
        ValueCase{"[filesystem]\ntmpfs = [\"/tmp\"]\n", "'filesystem.tmpfs[0]' must be a table, not a string"},
        ValueCase{"user = \"nobody\"\n", "'user' must be a table, not a string"},
        ValueCase{"[profile]\nnmae = \"x\"\n", "unknown key 'nmae' in [profile] (did you mean 'name'?)"},
        ValueCase{"naem = \"x\"\n", "unknown key 'naem' at the top level"}));

// ---- a wrong value leaves its key unset -----------------------------------------

TEST(ReaderUnset, AScalarWithAWrongValueStaysUnsetAndItsNeighboursAreRead) {
  auto r = read("[resources]\nmemory = \"64X\"\ncpus = 2\n");
  ASSERT_TRUE(r.layer);
  EXPECT_TRUE(r.diags.has_errors());
  EXPECT_FALSE(r.layer->data.resources.memory.is_set());
  EXPECT_TRUE(r.layer->data.resources.cpus.is_set());
  EXPECT_EQ(r.layer->data.resources.cpus.value.cpus, 2.0);
}

TEST(ReaderUnset, AListWithOneBadElementIsNotKeptWithoutIt) {
  auto r =
      read("[filesystem]\nmasked_paths = [\"/proc/kcore\", 5, \"/proc/keys\"]\nreadonly_paths = [\"/proc/sys\"]\n");
  ASSERT_TRUE(r.layer);
  EXPECT_FALSE(r.layer->data.filesystem.masked_paths.is_set());
  EXPECT_TRUE(r.layer->data.filesystem.masked_paths.value.empty());
  EXPECT_TRUE(r.layer->data.filesystem.readonly_paths.is_set());
}

TEST(ReaderUnset, AccumulatedEntriesAreAllOrNothingPerKey) {
  auto caps = read("[capabilities]\nadd = [\"CHOWN\", 5]\ndrop = [\"ALL\"]\n");
  ASSERT_TRUE(caps.layer);
  EXPECT_TRUE(caps.layer->data.capabilities.add.empty());
  EXPECT_EQ(caps.layer->data.capabilities.drop.items.size(), 1u);

  auto rules = read(
      "[[seccomp.rules]]\nsyscalls = [\"read\"]\naction = \"allow\"\n"
      "[[seccomp.rules]]\nsyscalls = [\"write\"]\naction = 7\n");
  ASSERT_TRUE(rules.layer);
  EXPECT_EQ(rules.diags.all().size(), 1u) << rules.diags.format();
  EXPECT_TRUE(rules.layer->data.seccomp.rules.empty()) << "no rule set is kept with a rule left out";
}

TEST(ReaderUnset, MapsAndArraysOfTablesAreAllOrNothing) {
  auto env = read("[process]\nenv = { A = \"1\", B = 2 }\n");
  ASSERT_TRUE(env.layer);
  EXPECT_FALSE(env.layer->data.process.env.is_set());
  EXPECT_TRUE(env.layer->data.process.env.value.empty());

  auto rlimits = read("[rlimits]\nnofile = 1024\nnproc = \"many\"\n");
  ASSERT_TRUE(rlimits.layer);
  EXPECT_FALSE(rlimits.layer->data.rlimits.is_set());
  EXPECT_TRUE(rlimits.layer->data.rlimits.value.empty());

  auto maps = read(
      "[user.namespace]\nenabled = true\n"
      "uid_map = [{ inside = 0, outside = 1, count = 1 }, { inside = 1, outside = 2, count = \"1\" }]\n");
  ASSERT_TRUE(maps.layer);
  EXPECT_FALSE(maps.layer->data.user.ns.uid_map.is_set());
  EXPECT_TRUE(maps.layer->data.user.ns.uid_map.value.empty());
  EXPECT_TRUE(maps.layer->data.user.ns.enabled.is_set());
}

TEST(ReaderUnset, AnUnknownKeyInAnEntryDropsTheKeyThatHoldsIt) {
  // An entry with a key we do not know may mean something else than what we
  // would read; keeping the rest of it would half-apply it.
  auto r = read("[[filesystem.volumes]]\nsource = \"/srv\"\ntarget = \"/srv\"\nread_only = true\n");
  ASSERT_TRUE(r.layer);
  EXPECT_TRUE(r.diags.has_errors());
  EXPECT_TRUE(r.layer->data.filesystem.volumes.empty());
}

TEST(ReaderUnset, CorrectValuesAreKeptWithTheirPlace) {
  auto r = read("[user]\ngroups = [\"audio\", 44]\n[rlimits]\nnofile = \"1024:4096\"\n");
  ASSERT_TRUE(r.layer);
  EXPECT_TRUE(r.diags.empty()) << r.diags.format();
  const auto& groups = r.layer->data.user.groups;
  ASSERT_EQ(groups.value.size(), 2u);
  EXPECT_EQ(groups.value[1].value, "44");
  EXPECT_EQ(groups.value[1].loc.column, 20u);
  const auto& nofile = r.layer->data.rlimits.value.at("nofile");
  EXPECT_EQ(nofile.value.soft, 1024u);
  EXPECT_EQ(nofile.value.hard, 4096u);
  EXPECT_EQ(nofile.loc.line, 4u);
  EXPECT_EQ(nofile.loc.column, 1u);
}

// ---- numbers at the edge of 64 bits -------------------------------------------

TEST(ReaderIntegers, TheLargestAndSmallestIntegersAreReadExactly) {
  auto r = read("[resources]\npids_limit = 9223372036854775807\noom_score_adj = -9223372036854775808\n");
  ASSERT_TRUE(r.layer);
  EXPECT_TRUE(r.diags.empty()) << r.diags.format();
  EXPECT_EQ(r.layer->data.resources.pids_limit.value, INT64_MAX);
  EXPECT_EQ(r.layer->data.resources.oom_score_adj.value, INT64_MIN);
}

TEST(ReaderIntegers, SeccompPatternsWithTheTopBitSetAreWrittenAsStringsOrNegative) {
  auto r = read(
      "[[seccomp.rules]]\nsyscalls = [\"clone\"]\naction = \"allow\"\n"
      "args = [{ index = 0, op = \"masked_eq\", value = -1, mask = \"0xffffffffffffffff\" }]\n");
  ASSERT_TRUE(r.layer);
  EXPECT_TRUE(r.diags.empty()) << r.diags.format();
  const auto& arg = r.layer->data.seccomp.rules.items.at(0).args.value.at(0);
  EXPECT_EQ(arg.value.value.bits, ~0ULL);
  EXPECT_EQ(arg.mask.value.bits, ~0ULL);
  EXPECT_EQ(only_message("[[seccomp.rules]]\nsyscalls = [\"clone\"]\naction = \"allow\"\n"
                         "args = [{ index = 0, op = \"masked_eq\", value = 0, mask = 0xffffffffffffffff }]\n"),
            "t.toml:4:58: error: 'seccomp.rules[0].args[0].mask': 0xffffffffffffffff does not fit in a 64-bit "
            "integer (write such a pattern as a string, e.g. \"0xffffffffffffffff\")\n");
}

// ---- syntax errors ----------------------------------------------------------------

TEST(ReaderSyntax, NoLayerAndOneMessageAtThePlaceOfTheMistake) {
  auto r = read("[profile]\nname = \"x\"\n\n[[filesystem.tmpfs]]\npath = \"/tmp\"\n[filesystem.tmpfs]\n");
  EXPECT_FALSE(r.layer);
  EXPECT_EQ(r.diags.format(),
            "t.toml:6:1: error: TOML syntax error: [filesystem.tmpfs] is already an array of "
            "tables ([[filesystem.tmpfs]] at line 4)\n");
  EXPECT_EQ(only_message("[resources]\npids_limit = 12abc\n"),
            "t.toml:2:14: error: TOML syntax error: '12abc' is not a value (strings need quotes: \"12abc\"; numbers "
            "are like 42, 0x2a or 1.5)\n");
  EXPECT_EQ(only_message("[resources]\npids_limit = 1 cpus = 2\n"),
            "t.toml:2:16: error: TOML syntax error: one key = value per line (found 'cpus' after the value)\n");
  EXPECT_EQ(only_message("[profile\nname = \"x\"\n"),
            "t.toml:1:1: error: TOML syntax error: the table header is not closed with ']'\n");
  EXPECT_EQ(only_message("[profile]\nname = 'x\n"),
            "t.toml:2:8: error: TOML syntax error: the string is not closed: add the closing ' on the same line\n");
}

TEST(ReaderSyntax, InputThatWouldBreakTheTomlParserIsRefusedFirst) {
  // toml11 recurses once per level: thousands of levels overflow the stack.
  const std::string deep = "[profile]\nname = \"x\"\nx = " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  auto r = read(deep);
  EXPECT_FALSE(r.layer);
  EXPECT_EQ(r.diags.format(),
            "t.toml:3:37: error: TOML: arrays and inline tables nested more than 32 levels deep "
            "are not read (a profile needs at most 3)\n");
  // Brackets in strings and comments are not nesting.
  auto quoted =
      read("[profile] # " + std::string(100, '[') + "\ndescription = \"" + std::string(100, '{') +
           "\"\n[apparmor]\nrules = [\"\"\"" + std::string(100, '[') + "\"\"\", '" + std::string(100, '{') + "']\n");
  EXPECT_TRUE(quoted.layer) << quoted.diags.format();
  // toml11 computes binary integers with a multiplication that overflows
  // from the 63rd digit on, even for leading zeros.
  const std::string digits(63, '0');
  EXPECT_EQ(only_message("[resources]\npids_limit = 0b" + digits + "1\n"),
            "t.toml:2:14: error: TOML: 0b" + digits +
                "1 has 64 binary digits; ringfence reads binary integers of "
                "at most 62 digits (write large numbers in hex, 0x...)\n");
  auto short_binary = read("[resources]\npids_limit = 0b" + std::string(61, '0') + "1\n");
  ASSERT_TRUE(short_binary.layer) << short_binary.diags.format();
  EXPECT_EQ(short_binary.layer->data.resources.pids_limit.value, 1);
}

// toml11 3.7.1 reads outside the text while it reports invalid UTF-8 in a
// literal string (tests/fuzz found it with a key 'x\x9d'): every byte is
// checked before toml11 sees the text, and UTF-8 that is valid reads.
TEST(ReaderSyntax, TextThatIsNotUtf8IsRefusedBeforeTheTomlParser) {
  EXPECT_EQ(only_message("[profile]\nname = 'ab\x9d'\n"),
            "t.toml:2:11: error: TOML: byte 0x9d is not UTF-8 text; profiles are UTF-8\n");
  EXPECT_EQ(only_message("[profile]\n'k\x9d' = 1\n"),
            "t.toml:2:3: error: TOML: byte 0x9d is not UTF-8 text; profiles are UTF-8\n");
  EXPECT_EQ(only_message("# \xc0\xaf overlong\n"), "t.toml:1:3: error: TOML: byte 0xc0 is not UTF-8 text; profiles are UTF-8\n");
  EXPECT_EQ(only_message("# \xed\xa0\x80 surrogate\n"),
            "t.toml:1:3: error: TOML: byte 0xed is not UTF-8 text; profiles are UTF-8\n");
  EXPECT_EQ(only_message("# cut \xe2\x82"), "t.toml:1:7: error: TOML: byte 0xe2 is not UTF-8 text; profiles are UTF-8\n");
  auto utf8 = read("[profile]\nname = 'x'\ndescription = '\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92'\n");
  ASSERT_TRUE(utf8.layer) << utf8.diags.format();
  EXPECT_EQ(utf8.layer->data.profile.description.value, "\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
}

// ---- suggestions --------------------------------------------------------------------

TEST(Suggestions, ShortClosedListsAllowTwoEdits) {
  const std::vector<std::string> actions = {"allow", "errno", "kill-thread", "kill-process", "trap", "log", "notify"};
  EXPECT_EQ(policy::nearest("error", actions), "errno");
  EXPECT_EQ(policy::nearest("alow", actions), "allow");
  EXPECT_FALSE(policy::nearest("deny", actions)) << "not a typo of anything";
  EXPECT_FALSE(policy::nearest("xy", std::vector<std::string>{"eq", "ne"}))
      << "two letters are two edits from anything";
  // In a long list two edits find a different word too often: one edit only.
  std::vector<std::string> many(40, "zzzzzzzz");
  many.push_back("errno");
  EXPECT_FALSE(policy::nearest("error", many));
}

}  // namespace
}  // namespace ringfence::test
