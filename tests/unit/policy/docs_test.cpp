// Keeps the documentation true to the code:
//
//  - docs/profiles.md documents every key of the schema. The schema is walked
//    through the `fields` lists of profile.h, the same lists the TOML reader
//    and the merge use, so a key added there without documentation fails here.
//    Convention (stated at the top of docs/profiles.md): a key is written as
//    its full dotted path in backticks, `seccomp.rules.args.index`; a table as
//    `[user.namespace]`; an array of tables as `[[seccomp.rules]]`; each rlimit
//    name as `rlimits.nofile`. In the other direction, every backticked dotted
//    path in the document that starts with a top-level table name must exist.
//
//  - docs/plan.md explains every row of the order table (plan_order.cpp), in
//    the same order, each under a heading
//        ### N. `step.name()` — phase
//    numbered from 1; a step that has two rows has two headings.
//
//  - docs/seccomp.md lists, between its "default-refuses" markers, exactly
//    the calls the default base refuses by rules of its own (where it departs
//    from Docker 20.10, which refuses only by leaving calls out), and between
//    its "strict-refuses" markers exactly the calls strict.toml's rules name.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "ringfence/policy/compiler.h"
#include "ringfence/policy/names.h"
#include "ringfence/policy/plan.h"
#include "ringfence/policy/profile.h"

namespace ringfence::test {
namespace {

using namespace ringfence::policy;

std::string read_doc(const std::string& relative) {
  std::ifstream in(std::string(RINGFENCE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// ---- walking the schema ------------------------------------------------------

// Accepts any field, so that HasFields can ask whether T::fields(v, t) compiles.
struct AnyVisitor {
  template <class F>
  void operator()(const char*, F&) {}
};

template <class T>
concept HasFields = requires(AnyVisitor& v, T& t) { T::fields(v, t); };

// How a schema path has to appear in docs/profiles.md.
enum class Kind {
  Key,           // `a.b`
  Table,         // `[a.b]`
  ArrayOfTables  // `[[a.b]]`
};

struct DocKey {
  std::string path;
  Kind kind;

  std::string spelling() const {
    switch (kind) {
      case Kind::Key: return "`" + path + "`";
      case Kind::Table: return "`[" + path + "]`";
      case Kind::ArrayOfTables: return "`[[" + path + "]]`";
    }
    return path;
  }
};

// Mirrors the dispatch of merge.cpp's visitors: plain settings are keys;
// Setting<std::vector<Entry>> is a key whose entries have keys of their own
// (uid_map = [{ inside = 0, ... }]); Accumulated<Entry> is an array of tables;
// Accumulated<Located<std::string>> is a list-valued key; a section struct is
// a table; the [rlimits] map is a table whose keys are the rlimit names.
struct SchemaWalker {
  std::string prefix;
  std::vector<DocKey>* out;

  std::string path(const char* key) const { return prefix.empty() ? std::string(key) : prefix + "." + key; }

  template <class T>
  void recurse(const std::string& at) {
    SchemaWalker inner{at, out};
    T object{};
    T::fields(inner, object);
  }

  template <class T>
  void operator()(const char* key, Setting<T>&) {
    out->push_back({path(key), Kind::Key});
  }

  template <class T>
    requires HasFields<T>
  void operator()(const char* key, Setting<std::vector<T>>&) {
    out->push_back({path(key), Kind::Key});
    recurse<T>(path(key));
  }

  // [rlimits]; process.env (a map of strings) is a plain key.
  void operator()(const char* key, Setting<KeyedMap<RlimitValue>>&) {
    out->push_back({path(key), Kind::Table});
    for (const auto& name : rlimit_names()) out->push_back({path(key) + "." + name, Kind::Key});
  }

  template <class T>
  void operator()(const char* key, Accumulated<T>&) {
    if constexpr (HasFields<T>) {
      out->push_back({path(key), Kind::ArrayOfTables});
      recurse<T>(path(key));
    } else {
      out->push_back({path(key), Kind::Key});
    }
  }

  template <class T>
    requires HasFields<T>
  void operator()(const char* key, T&) {
    out->push_back({path(key), Kind::Table});
    recurse<T>(path(key));
  }
};

std::vector<DocKey> schema_keys() {
  std::vector<DocKey> keys;
  SchemaWalker walker{"", &keys};
  Profile profile;
  Profile::fields(walker, profile);
  return keys;
}

TEST(Docs, TheSchemaWalkFindsTheNestedKeys) {
  // A guard for the walker itself: if it stopped recursing, the test below
  // would pass on far too few keys.
  std::set<std::string> paths;
  for (const auto& k : schema_keys()) paths.insert(k.spelling());
  for (const char* expected :
       {"`[user.namespace]`", "`user.namespace.uid_map.inside`", "`[[seccomp.rules]]`", "`seccomp.rules.args.mask`",
        "`[[devices.allow]]`", "`devices.allow.minor`", "`[[filesystem.tmpfs]]`", "`filesystem.volumes.recursive`",
        "`[[lint.ignore]]`", "`lint.ignore.reason`", "`[rlimits]`", "`rlimits.nofile`", "`capabilities.add`",
        "`process.env`", "`user.namespace.auto`"})
    EXPECT_TRUE(paths.count(expected)) << expected;
  EXPECT_GT(paths.size(), 120u);
}

TEST(Docs, ProfilesMdDocumentsEveryKeyOfTheSchema) {
  const std::string doc = read_doc("docs/profiles.md");
  ASSERT_FALSE(doc.empty()) << "docs/profiles.md is missing";
  std::vector<std::string> missing;
  for (const auto& k : schema_keys())
    if (doc.find(k.spelling()) == std::string::npos) missing.push_back(k.spelling());
  EXPECT_TRUE(missing.empty()) << "docs/profiles.md does not document " << missing.size() << " key(s):\n  "
                               << [&] {
                                    std::string s;
                                    for (const auto& m : missing) s += m + "\n  ";
                                    return s;
                                  }();
}

TEST(Docs, ProfilesMdNamesNoKeyThatDoesNotExist) {
  const std::string doc = read_doc("docs/profiles.md");
  ASSERT_FALSE(doc.empty());
  std::set<std::string> known;
  std::set<std::string> top;
  for (const auto& k : schema_keys()) {
    known.insert(k.path);
    top.insert(k.path.substr(0, k.path.find('.')));
  }
  for (const auto& [step, phase] : plan_order_rows()) known.insert(step);  // step names read like keys
  static const std::regex dotted(R"(`\[{0,2}([a-z_]+(?:\.[A-Za-z0-9_]+)+)\]{0,2}`)");
  std::vector<std::string> unknown;
  for (auto it = std::sregex_iterator(doc.begin(), doc.end(), dotted); it != std::sregex_iterator(); ++it) {
    const std::string path = (*it)[1];
    if (!top.count(path.substr(0, path.find('.')))) continue;  // not a profile key (a file name, ...)
    if (known.count(path)) continue;
    if (path.starts_with("process.env.")) continue;  // a variable name: process.env.PATH
    unknown.push_back(path);
  }
  EXPECT_TRUE(unknown.empty()) << "docs/profiles.md names keys the schema does not have: " << [&] {
    std::string s;
    for (const auto& u : unknown) s += "\n  " + u;
    return s;
  }();
}

// ---- the plan order ------------------------------------------------------------

TEST(Docs, PlanMdExplainsEveryStepInTheOrderOfTheTable) {
  const std::string doc = read_doc("docs/plan.md");
  ASSERT_FALSE(doc.empty()) << "docs/plan.md is missing";
  static const std::regex heading(R"(^### (\d+)\. `([^`]+)` — ([a-z-]+)\s*$)");
  std::vector<std::pair<std::string, std::string>> documented;
  std::istringstream lines(doc);
  std::string line;
  int expected_number = 1;
  while (std::getline(lines, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, heading)) continue;
    EXPECT_EQ(std::stoi(m[1]), expected_number) << "step headings are numbered 1, 2, 3...: " << line;
    ++expected_number;
    documented.emplace_back(m[2], m[3]);
  }
  const auto rows = plan_order_rows();
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(documented, rows) << "docs/plan.md must have one '### N. `name` — phase' heading per row of "
                                 "plan_order.cpp, in the same order";
}

TEST(Docs, PlanMdDescribesEveryPhase) {
  const std::string doc = read_doc("docs/plan.md");
  std::set<std::string> phases;
  for (const auto& [step, phase] : plan_order_rows()) phases.insert(phase);
  for (const auto& phase : phases) EXPECT_NE(doc.find("`" + phase + "`"), std::string::npos) << phase;
}

// ---- seccomp.md -------------------------------------------------------------------

// The calls in the first column of the table between "<!-- NAME: begin -->"
// and "<!-- NAME: end -->", one per row, written `call`.
std::set<std::string> table_calls(const std::string& doc, const std::string& name) {
  static const std::regex row(R"(^\| `([a-z0-9_]+)` \|.*\|$)");
  std::set<std::string> out;
  std::istringstream lines(doc);
  std::string line;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line == "<!-- " + name + ": begin -->") inside = true;
    if (line == "<!-- " + name + ": end -->") inside = false;
    std::smatch m;
    if (inside && std::regex_match(line, m, row)) {
      EXPECT_TRUE(out.insert(m[1]).second) << "listed twice: " << m[1];
    }
  }
  return out;
}

// What the rules from `file` in `profile`'s filter name, for the rules that
// answer EPERM.
std::set<std::string> refused_by_rules_of(const std::string& profile, const std::string& file) {
  const Compiled c = compile({profile});
  EXPECT_TRUE(c.ok()) << c.diags.format();
  std::set<std::string> out;
  if (!c.ok()) return out;
  const auto& filter = (*c.plan->params<policy::StepKind::SeccompCompile>());
  for (const auto& rule : filter.rules)
    if (rule.from.file == file && rule.action.kind == SeccompActionKind::Errno && rule.action.errno_value == 1)
      out.insert(rule.syscalls.begin(), rule.syscalls.end());
  return out;
}

TEST(Docs, SeccompMdListsEveryCallTheDefaultRefusesUnlikeDocker) {
  const std::string doc = read_doc("docs/seccomp.md");
  ASSERT_FALSE(doc.empty()) << "docs/seccomp.md is missing";
  const auto listed = table_calls(doc, "default-refuses");
  EXPECT_FALSE(listed.empty());
  EXPECT_EQ(listed, refused_by_rules_of("default", "shipped:seccomp/default.toml"));
}

TEST(Docs, SeccompMdListsEveryCallStrictRefusesBeyondDefault) {
  const std::string doc = read_doc("docs/seccomp.md");
  const auto listed = table_calls(doc, "strict-refuses");
  EXPECT_FALSE(listed.empty());
  EXPECT_EQ(listed, refused_by_rules_of("strict", "shipped:strict.toml"));
}

}  // namespace
}  // namespace ringfence::test
