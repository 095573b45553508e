// Docker/OCI seccomp JSON in and out. The JSON is turned into the same rule
// entries a TOML profile produces, so that one resolver (compile_seccomp.cpp)
// decides what every rule means.
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include "ringfence/policy/names.h"
#include "ringfence/policy/oci_export.h"
#include "ringfence/policy/seccomp_base.h"
#include "ringfence/policy/seccomp_vocab.h"

namespace ringfence::policy {
namespace {

using nlohmann::json;

struct DockerAction {
  const char* constant;
  const char* action;  // ringfence's name
};
constexpr DockerAction kDockerActions[] = {
    {"SCMP_ACT_ALLOW", "allow"},          {"SCMP_ACT_ERRNO", "errno"},
    {"SCMP_ACT_KILL", "kill-thread"},     {"SCMP_ACT_KILL_THREAD", "kill-thread"},
    {"SCMP_ACT_KILL_PROCESS", "kill-process"}, {"SCMP_ACT_TRAP", "trap"},
    {"SCMP_ACT_LOG", "log"},              {"SCMP_ACT_NOTIFY", "notify"},
};

struct DockerOp {
  const char* constant;
  const char* op;
};
constexpr DockerOp kDockerOps[] = {
    {"SCMP_CMP_NE", "ne"}, {"SCMP_CMP_LT", "lt"}, {"SCMP_CMP_LE", "le"},          {"SCMP_CMP_EQ", "eq"},
    {"SCMP_CMP_GE", "ge"}, {"SCMP_CMP_GT", "gt"}, {"SCMP_CMP_MASKED_EQ", "masked_eq"},
};

std::optional<std::string> action_from_docker(const std::string& constant) {
  for (const auto& a : kDockerActions)
    if (constant == a.constant) return std::string(a.action);
  return std::nullopt;
}

std::string action_to_docker(SeccompActionKind kind) {
  switch (kind) {
    case SeccompActionKind::Allow: return "SCMP_ACT_ALLOW";
    case SeccompActionKind::Errno: return "SCMP_ACT_ERRNO";
    case SeccompActionKind::KillThread: return "SCMP_ACT_KILL_THREAD";
    case SeccompActionKind::KillProcess: return "SCMP_ACT_KILL_PROCESS";
    case SeccompActionKind::Trap: return "SCMP_ACT_TRAP";
    case SeccompActionKind::Log: return "SCMP_ACT_LOG";
    case SeccompActionKind::Notify: return "SCMP_ACT_NOTIFY";
  }
  return "SCMP_ACT_ERRNO";
}

std::string op_to_docker(SeccompOp op) {
  for (const auto& o : kDockerOps)
    if (seccomp_op_from_name(o.op) == op) return o.constant;
  return "SCMP_CMP_EQ";
}

// nlohmann reports the byte offset of a syntax error; turn it into a line
// and a column.
SourceLocation offset_location(std::string_view text, std::size_t offset, const std::string& file) {
  SourceLocation at{file, 1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++at.line;
      at.column = 1;
    } else {
      ++at.column;
    }
  }
  return at;
}

class JsonImporter {
 public:
  JsonImporter(const std::string& file, Diagnostics& diags) : file_(file), diags_(diags) {}

  std::optional<SeccompBase> run(const json& doc) {
    if (!doc.is_object()) return fail("", "a seccomp profile must be a JSON object");
    SeccompBase base;
    for (const auto& [key, value] : doc.items()) {
      if (key == "defaultAction") {
        auto a = action(value, "defaultAction");
        if (!a) return std::nullopt;
        base.default_action = Setting<std::string>{*a, here()};
      } else if (key == "defaultErrnoRet" || key == "defaultErrno") {
        if (!read_errno(doc, "defaultErrnoRet", "defaultErrno", "", base.default_errno)) return std::nullopt;
      } else if (key == "syscalls") {
        if (!value.is_array()) return fail(key, "must be an array");
        for (std::size_t i = 0; i < value.size(); ++i) {
          auto rule = read_rule(value[i], fmt::format("syscalls[{}]", i));
          if (!rule) return std::nullopt;
          if (!rule->syscalls.value.empty()) base.rules.push_back(std::move(*rule));
        }
      } else if (key == "archMap" || key == "architectures" || key == "listenerPath" ||
                 key == "listenerMetadata" || key == "flags") {
        // Which architectures a filter covers is ringfence's decision (the
        // native one and its sub-architectures); the listener is always the
        // supervisor; flags are chosen by the enforcer.
      } else {
        diags_.warning(here(), fmt::format("{}: unknown key '{}' ignored", file_, key));
      }
    }
    if (base.default_errno.is_set() && !base.default_action.is_set())
      return fail("defaultErrnoRet", "needs defaultAction SCMP_ACT_ERRNO");
    return base;
  }

 private:
  SourceLocation here() const { return SourceLocation{file_, 0, 0}; }

  std::nullopt_t fail(const std::string& where, const std::string& message) {
    diags_.error(here(), where.empty() ? message : fmt::format("{}: {}", where, message));
    return std::nullopt;
  }

  std::optional<std::string> action(const json& value, const std::string& where) {
    if (!value.is_string()) {
      fail(where, "must be a string such as \"SCMP_ACT_ERRNO\"");
      return std::nullopt;
    }
    auto a = action_from_docker(value.get<std::string>());
    if (!a) {
      std::vector<std::string> known;
      for (const auto& d : kDockerActions) known.emplace_back(d.constant);
      fail(where, fmt::format("unsupported action '{}'{}", value.get<std::string>(),
                              did_you_mean(value.get<std::string>(), known)));
    }
    return a;
  }

  // The range a TOML profile accepts. get<int>() of a larger number would
  // wrap, and the enforcer would pass the low 16 bits to libseccomp: 65537
  // would quietly become EPERM.
  std::optional<ErrnoValue> errno_value(const json& value, const std::string& where) {
    // (An unsigned number above INT64_MAX reads as negative here.)
    if (!value.is_number_integer() || value.get<std::int64_t>() < 0 || value.get<std::int64_t>() > 4095) {
      fail(where, "must be an errno number from 0 to 4095");
      return std::nullopt;
    }
    return ErrnoValue{value.get<int>()};
  }

  // An errno as Docker writes it (`errnoRet`: 38) and as podman's files
  // also name it (`errno`: "ENOSYS"); when both are there they must agree.
  bool read_errno(const json& obj, const char* number_key, const char* name_key, const std::string& where,
                  Setting<ErrnoValue>& out) {
    std::optional<ErrnoValue> number, named;
    if (obj.contains(number_key) && !obj[number_key].is_null()) {
      number = errno_value(obj[number_key], where + number_key);
      if (!number) return false;
    }
    if (obj.contains(name_key) && !obj[name_key].is_null()) {
      const json& v = obj[name_key];
      const auto n = v.is_string() ? errno_from_name(v.get<std::string>()) : std::nullopt;
      if (!n) {
        fail(where + name_key, fmt::format("must be an errno name such as \"EPERM\"{}",
                                           v.is_string() ? did_you_mean(v.get<std::string>(), all_errno_names()) : ""));
        return false;
      }
      named = ErrnoValue{*n};
    }
    if (number && named && *number != *named) {
      fail(where + name_key, fmt::format("{} is {} but {} says {}", name_key, errno_name(named->number), number_key,
                                         number->number));
      return false;
    }
    if (number || named) out = Setting<ErrnoValue>{number ? *number : *named, here()};
    return true;
  }

  std::optional<StringList> string_list(const json& value, const std::string& where) {
    StringList out;
    if (value.is_null()) return out;
    if (!value.is_array()) {
      fail(where, "must be an array of strings");
      return std::nullopt;
    }
    for (const auto& v : value) {
      if (!v.is_string()) {
        fail(where, "must be an array of strings");
        return std::nullopt;
      }
      out.push_back(Located<std::string>{v.get<std::string>(), here(), -1});
    }
    return out;
  }

  std::optional<SeccompRuleEntry> read_rule(const json& r, const std::string& where) {
    if (!r.is_object()) {
      fail(where, "must be an object");
      return std::nullopt;
    }
    SeccompRuleEntry rule;
    rule.loc = here();
    rule.layer = -1;
    StringList names;
    if (r.contains("names")) {
      auto n = string_list(r["names"], where + ".names");
      if (!n) return std::nullopt;
      names = std::move(*n);
    }
    if (r.contains("name") && r["name"].is_string())  // the pre-2016 format
      names.push_back(Located<std::string>{r["name"].get<std::string>(), here(), -1});
    // Skip unknown names here, as Docker does; the rule keeps the rest.
    StringList known;
    for (auto& n : names) {
      if (syscall_known(n.value)) {
        known.push_back(std::move(n));
      } else {
        diags_.warning(here(), fmt::format("{}: unknown syscall '{}' skipped", where, n.value));
      }
    }
    rule.syscalls = Setting<StringList>{std::move(known), here()};
    if (!r.contains("action")) {
      fail(where, "needs an action");
      return std::nullopt;
    }
    auto a = action(r["action"], where + ".action");
    if (!a) return std::nullopt;
    rule.action = Setting<std::string>{*a, here()};
    if (!read_errno(r, "errnoRet", "errno", where + ".", rule.errno_ret)) return std::nullopt;
    if (r.contains("args") && !r["args"].is_null()) {
      if (!r["args"].is_array()) {
        fail(where + ".args", "must be an array");
        return std::nullopt;
      }
      std::vector<SeccompArgEntry> args;
      for (std::size_t i = 0; i < r["args"].size(); ++i) {
        auto arg = read_arg(r["args"][i], fmt::format("{}.args[{}]", where, i));
        if (!arg) return std::nullopt;
        args.push_back(*arg);
      }
      if (!args.empty()) rule.args = Setting<std::vector<SeccompArgEntry>>{std::move(args), here()};
    }
    for (auto [key, include, caps, arches] :
         {std::tuple{"includes", true, &rule.caps, &rule.arches}, {"excludes", false, &rule.not_caps, &rule.not_arches}}) {
      if (!r.contains(key) || r[key].is_null()) continue;
      const json& c = r[key];
      if (!c.is_object()) {
        fail(where + "." + key, "must be an object");
        return std::nullopt;
      }
      for (const auto& [k, v] : c.items()) {
        if (k == "caps" || k == "arches") {
          auto list = string_list(v, fmt::format("{}.{}.{}", where, key, k));
          if (!list) return std::nullopt;
          if (!list->empty()) *(k == "caps" ? caps : arches) = Setting<StringList>{std::move(*list), here()};
        } else if (k == "minKernel" && include) {
          if (!v.is_string()) {
            fail(where + ".includes.minKernel", "must be a string");
            return std::nullopt;
          }
          rule.min_kernel = Setting<std::string>{v.get<std::string>(), here()};
        } else {
          fail(fmt::format("{}.{}.{}", where, key, k), "is not supported");
          return std::nullopt;
        }
      }
    }
    if (r.contains("comment") && r["comment"].is_string() && !r["comment"].get<std::string>().empty())
      rule.comment = Setting<std::string>{r["comment"].get<std::string>(), here()};
    return rule;
  }

  std::optional<SeccompArgEntry> read_arg(const json& a, const std::string& where) {
    if (!a.is_object() || !a.contains("index") || !a.contains("op") || !a.contains("value")) {
      fail(where, "needs index, value and op");
      return std::nullopt;
    }
    if (!a["index"].is_number_unsigned() || !a["value"].is_number_integer() ||
        (a.contains("valueTwo") && !a["valueTwo"].is_number_integer()) || !a["op"].is_string()) {
      fail(where, "index, value and valueTwo must be numbers and op a string");
      return std::nullopt;
    }
    // Six arguments: a larger index would only fail later, in libseccomp.
    if (a["index"].get<std::uint64_t>() > 5) {
      fail(where + ".index", fmt::format("{} is not an argument index (0 to 5)", a["index"].get<std::uint64_t>()));
      return std::nullopt;
    }
    std::string op;
    for (const auto& o : kDockerOps)
      if (a["op"].get<std::string>() == o.constant) op = o.op;
    if (op.empty()) {
      fail(where + ".op", fmt::format("unknown comparison '{}'", a["op"].get<std::string>()));
      return std::nullopt;
    }
    SeccompArgEntry arg;
    arg.loc = here();
    arg.layer = -1;
    arg.index = Setting<std::int64_t>{a["index"].get<std::int64_t>(), here()};
    arg.op = Setting<std::string>{op, here()};
    const auto value = a["value"].get<std::uint64_t>();
    const auto value_two = a.contains("valueTwo") ? a["valueTwo"].get<std::uint64_t>() : 0;
    if (op == "masked_eq") {
      // Docker (like libseccomp) puts the mask first: (arg & value) == valueTwo.
      arg.mask = Setting<ArgValue>{ArgValue{value}, here()};
      arg.value = Setting<ArgValue>{ArgValue{value_two}, here()};
    } else {
      arg.value = Setting<ArgValue>{ArgValue{value}, here()};
    }
    return arg;
  }

  std::string file_;
  Diagnostics& diags_;
};

}  // namespace

std::optional<SeccompBase> import_seccomp_json(std::string_view text, const std::string& file, Diagnostics& diags) {
  json doc;
  try {
    doc = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." -> the part after ": "
    const auto colon = what.find(": ");
    diags.error(offset_location(text, e.byte > 0 ? e.byte - 1 : 0, file),
                "invalid JSON: " + (colon == std::string::npos ? what : what.substr(colon + 2)));
    return std::nullopt;
  } catch (const json::exception& e) {
    // Not a syntax error but still no document: a number out of every
    // range ("1e590", out_of_range.406). Uncaught, it ended the process
    // (found by tests/fuzz).
    diags.error(offset_location(text, 0, file), std::string("invalid JSON: ") + e.what());
    return std::nullopt;
  }
  // An OCI config.json carries the profile under linux.seccomp.
  if (doc.is_object() && doc.contains("linux") && doc["linux"].is_object() && doc["linux"].contains("seccomp"))
    doc = doc["linux"]["seccomp"];
  return JsonImporter(file, diags).run(doc);
}

namespace {

// Whether the exported action says its errno: always for errno; for
// notify, the answer ringfence's supervisor gives when it refuses, only when
// it is not EPERM, which is what reading a notify rule without one gives.
// runc, crun and youki use errnoRet for SCMP_ACT_ERRNO and SCMP_ACT_TRACE
// only, so they ignore it here; without it, `[seccomp] base` on the export
// answered EPERM where the profile said EACCES (found by
// tests/fuzz/seccomp_roundtrip.cpp).
bool carries_errno(const SeccompAction& action) {
  return action.kind == SeccompActionKind::Errno || (action.kind == SeccompActionKind::Notify && action.errno_value != 1);
}

json syscalls_json(const SeccompFilter& filter) {
  json syscalls = json::array();
  for (const auto& rule : filter.rules) {
    json r;
    r["names"] = rule.syscalls;
    r["action"] = action_to_docker(rule.action.kind);
    if (carries_errno(rule.action)) r["errnoRet"] = rule.action.errno_value;
    json args = json::array();
    for (const auto& c : rule.conditions) {
      if (c.op == SeccompOp::MaskedEq) {
        args.push_back(json{{"index", c.index}, {"value", c.mask}, {"valueTwo", c.value}, {"op", op_to_docker(c.op)}});
      } else {
        args.push_back(json{{"index", c.index}, {"value", c.value}, {"valueTwo", 0}, {"op", op_to_docker(c.op)}});
      }
    }
    r["args"] = args;
    if (!rule.comment.empty()) r["comment"] = rule.comment;
    syscalls.push_back(std::move(r));
  }
  return syscalls;
}

json default_action_json(const SeccompFilter& filter) {
  json out = json::object();
  out["defaultAction"] = action_to_docker(filter.default_action.kind);
  if (carries_errno(filter.default_action)) out["defaultErrnoRet"] = filter.default_action.errno_value;
  return out;
}

}  // namespace

std::string export_seccomp_json(const SeccompFilter& filter) {
  json out = default_action_json(filter);
  if (!filter.arches.empty()) {
    json subs = json::array();
    for (std::size_t i = 1; i < filter.arches.size(); ++i) subs.push_back(docker_arch_constant(filter.arches[i]));
    out["archMap"] = json::array({json{{"architecture", docker_arch_constant(filter.arches[0])},
                                       {"subArchitectures", subs}}});
  }
  out["syscalls"] = syscalls_json(filter);
  return out.dump(2) + "\n";
}

nlohmann::json seccomp_to_oci(const SeccompFilter& filter) {
  json out = default_action_json(filter);
  json arches = json::array();
  for (const auto& a : filter.arches) arches.push_back(docker_arch_constant(a));
  out["architectures"] = arches;
  out["syscalls"] = syscalls_json(filter);
  return out;
}

}  // namespace ringfence::policy
