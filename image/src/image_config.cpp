#include "ringfence/image/image_config.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace ringfence::image {
namespace {

using nlohmann::json;

std::vector<std::string> strings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) throw std::runtime_error(fmt::format("{} is not a list", key));
  for (const auto& s : *it) out.push_back(s.get<std::string>());
  return out;
}

std::string text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return "";
  return it->get<std::string>();
}

}  // namespace

Result<ImageConfig> parse_image_config(const std::string& text_in, const std::string& what) {
  try {
    const json j = json::parse(text_in);
    if (!j.is_object()) return Status::failure(what + ": not a JSON object", EBADMSG);
    ImageConfig c;
    c.os = text(j, "os");
    c.architecture = text(j, "architecture");
    if (auto cfg = j.find("config"); cfg != j.end() && cfg->is_object()) {
      c.entrypoint = strings(*cfg, "Entrypoint");
      c.cmd = strings(*cfg, "Cmd");
      c.env = strings(*cfg, "Env");
      c.working_dir = text(*cfg, "WorkingDir");
      c.user = text(*cfg, "User");
      if (auto hc = cfg->find("Healthcheck"); hc != cfg->end() && hc->is_object()) {
        const auto test = strings(*hc, "Test");
        c.healthcheck = !test.empty() && test.front() != "NONE";
      }
      if (auto labels = cfg->find("Labels"); labels != cfg->end() && labels->is_object())
        for (const auto& [k, v] : labels->items())
          if (v.is_string()) c.labels[k] = v.get<std::string>();
    }
    auto rootfs = j.find("rootfs");
    if (rootfs == j.end() || !rootfs->is_object() || text(*rootfs, "type") != "layers")
      return Status::failure(what + ": no rootfs of type \"layers\"", EBADMSG);
    for (const auto& id : strings(*rootfs, "diff_ids")) {
      auto d = parse_digest(id);
      if (!d) return Status::failure(what + ": rootfs.diff_ids: " + d.status().message, EBADMSG);
      c.diff_ids.push_back(*d);
    }
    if (c.diff_ids.empty()) return Status::failure(what + ": no layers (rootfs.diff_ids is empty)", EBADMSG);
    return c;
  } catch (const std::exception& e) {
    return Status::failure(fmt::format("{}: {}", what, e.what()), EBADMSG);
  }
}

}  // namespace ringfence::image
