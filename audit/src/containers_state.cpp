// Reading OCI runtimes' state directories: runc's (and so Docker's,
// containerd's and podman's when they use runc) state.json, crun's status.
// Neither format is a standard; each is read for the few fields the scan
// needs, and anything else in the file is ignored.
#include <filesystem>
#include <limits>

#include <fmt/core.h>
#include <nlohmann/json.hpp>

#include "ringfence/audit/containers.h"
#include "ringfence/base/text_file.h"

namespace ringfence::audit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* state_file_of(const std::string& runtime) { return runtime == "crun" ? "status" : "state.json"; }

std::optional<json> parse_object(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  return j;
}

// A number that may have been written as a string (crun has done both).
std::uint64_t number_in(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return 0;
  if (it->is_number_unsigned()) return it->get<std::uint64_t>();
  if (it->is_number_integer() && it->get<std::int64_t>() > 0) return static_cast<std::uint64_t>(it->get<std::int64_t>());
  if (it->is_string()) {
    try {
      return std::stoull(it->get<std::string>());
    } catch (...) {
    }
  }
  return 0;
}

// A pid as a state file records it; 0 (no pid) when it is not one a
// process can have. Not cast blindly: 4294967297 is no pid, and cast to
// pid_t it would be 1, the host's init, judged as the container.
pid_t pid_in(const json& j, const char* key) {
  const std::uint64_t n = number_in(j, key);
  return n <= static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max()) ? static_cast<pid_t>(n) : 0;
}

std::string string_in(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A config.json's annotations, for a runtime (crun) whose state file does
// not carry them. A file that is gone or unreadable has none.
std::map<std::string, std::string> config_annotations(const std::string& file) {
  std::map<std::string, std::string> out;
  auto text = read_text_file(file);
  if (!text) return out;
  auto config = parse_object(*text);
  if (!config) return out;
  const auto it = config->find("annotations");
  if (it == config->end() || !it->is_object()) return out;
  for (const auto& [k, v] : it->items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

void describe(FoundContainer& c, const std::string& ns, const std::string& runtime) {
  c.ref.runtime = runtime;
  c.ref.engine = engine_of(c.ref.annotations, ns, runtime);
  c.ref.image = image_of(c.ref.annotations);
  c.ref.name = name_of(c.ref.annotations);
}

bool is_plain_directory(const fs::path& p) {
  std::error_code ec;
  const auto st = fs::symlink_status(p, ec);
  return !ec && fs::is_directory(st);
}

}  // namespace

std::vector<StateDir> default_state_dirs() {
  std::vector<StateDir> dirs = {
      {"runc", "/run/runc", ""},             // runc itself, and podman with runc
      {"crun", "/run/crun", ""},             // crun itself, and podman with crun
      {"runc", "/run/containerd/runc", ""},  // containerd's runc shim: /run/containerd/runc/NS/ID
  };
  // dockerd's runtimes keep their state under its exec root, in runc's
  // layout whatever the runtime is: /run/docker/runtime-runc/moby/ID for
  // every runtime run through runc's shim (ringfence-oci too), and
  // runtime-NAME for others.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/run/docker", ec))
    if (entry.path().filename().string().starts_with("runtime-") && is_plain_directory(entry.path()))
      dirs.push_back({"runc", entry.path().string(), ""});
  return dirs;
}

std::string engine_of(const std::map<std::string, std::string>& annotations, const std::string& ns,
                      const std::string& runtime) {
  if (const auto it = annotations.find("io.container.manager"); it != annotations.end() && it->second == "libpod")
    return "podman";
  for (const auto& [k, v] : annotations)
    if (k.rfind("io.kubernetes.cri.", 0) == 0 || k.rfind("io.kubernetes.cri-o.", 0) == 0) return "kubernetes";
  if (ns == "k8s.io") return "kubernetes";
  if (ns == "moby") return "docker";
  if (!ns.empty()) return "containerd";
  return runtime;
}

std::string image_of(const std::map<std::string, std::string>& annotations) {
  for (const char* key : {"io.kubernetes.cri.image-name", "io.kubernetes.cri-o.ImageName", "io.containerd.image.name",
                          "org.opencontainers.image.ref.name", "org.opencontainers.image.base.name"})
    if (const auto it = annotations.find(key); it != annotations.end() && !it->second.empty()) return it->second;
  return "";
}

std::string name_of(const std::map<std::string, std::string>& annotations) {
  const auto get = [&](const char* key) {
    const auto it = annotations.find(key);
    return it == annotations.end() ? std::string() : it->second;
  };
  if (auto c = get("io.kubernetes.cri.container-name"); !c.empty()) {
    const auto pod = get("io.kubernetes.cri.sandbox-name");
    return pod.empty() ? c : pod + "/" + c;
  }
  for (const char* key : {"io.kubernetes.cri-o.ContainerName", "nerdctl/name", "io.podman.annotations.name"})
    if (auto v = get(key); !v.empty()) return v;
  return "";
}

std::optional<FoundContainer> parse_runc_state(const std::string& text, const std::string& ns) {
  auto j = parse_object(text);
  if (!j || !j->contains("init_process_pid")) return std::nullopt;
  FoundContainer c;
  c.ref.id = string_in(*j, "id");
  c.ref.pid = pid_in(*j, "init_process_pid");
  c.start_time = number_in(*j, "init_process_start");
  if (c.ref.id.empty() || c.ref.pid <= 0) return std::nullopt;
  if (const auto config = j->find("config"); config != j->end() && config->is_object()) {
    c.rootfs = string_in(*config, "rootfs");
    // runc keeps the bundle and every annotation as "key=value" labels.
    if (const auto labels = config->find("labels"); labels != config->end() && labels->is_array())
      for (const auto& l : *labels) {
        if (!l.is_string()) continue;
        const std::string s = l.get<std::string>();
        const auto eq = s.find('=');
        if (eq == std::string::npos) continue;
        if (s.compare(0, eq, "bundle") == 0)
          c.bundle = s.substr(eq + 1);
        else
          c.ref.annotations[s.substr(0, eq)] = s.substr(eq + 1);
      }
  }
  describe(c, ns, "runc");
  return c;
}

std::optional<FoundContainer> parse_ringfence_state(const std::string& text, const std::string& ns) {
  auto j = parse_object(text);
  if (!j) return std::nullopt;
  const auto own = j->find("ringfence");
  if (own == j->end() || !own->is_object()) return std::nullopt;
  FoundContainer c;
  c.ref.id = string_in(*j, "id");
  c.ref.pid = pid_in(*j, "pid");
  c.start_time = number_in(*own, "pid_start_time");
  c.rootfs = string_in(*own, "rootfs");
  c.bundle = string_in(*j, "bundle");
  const std::string status = string_in(*j, "status");
  c.started = status != "created" && status != "creating";
  if (c.ref.id.empty() || c.ref.pid <= 0) return std::nullopt;
  if (const auto a = j->find("annotations"); a != j->end() && a->is_object())
    for (const auto& [k, v] : a->items())
      if (v.is_string()) c.ref.annotations[k] = v.get<std::string>();
  describe(c, ns, "ringfence");
  return c;
}

std::optional<FoundContainer> parse_crun_status(const std::string& text, const std::string& id, const std::string& ns,
                                               std::map<std::string, std::string> annotations) {
  auto j = parse_object(text);
  if (!j || !j->contains("pid") || id.empty()) return std::nullopt;
  FoundContainer c;
  c.ref.id = id;
  c.ref.pid = pid_in(*j, "pid");
  c.start_time = number_in(*j, "process-start-time");
  c.rootfs = string_in(*j, "rootfs");
  c.bundle = string_in(*j, "bundle");
  // crun records the rootfs as config.json wrote it: relative to the bundle.
  if (!c.rootfs.empty() && !c.rootfs.starts_with('/') && !c.bundle.empty()) c.rootfs = c.bundle + "/" + c.rootfs;
  if (c.ref.pid <= 0) return std::nullopt;
  c.ref.annotations = std::move(annotations);
  describe(c, ns, "crun");
  return c;
}

std::vector<FoundContainer> read_state_dir(const StateDir& dir, std::vector<std::string>& warnings) {
  std::vector<FoundContainer> out;
  const char* file = state_file_of(dir.runtime);
  auto read_one = [&](const fs::path& container_dir, const std::string& ns) {
    const fs::path state = container_dir / file;
    auto text = read_text_file(state.string());
    if (!text) {
      warnings.push_back(fmt::format("{}: {}", state.string(), text.status().message));
      return;
    }
    const std::string id = container_dir.filename().string();
    // crun keeps a copy of config.json beside its status: the annotations
    // as created, whatever became of the bundle since.
    std::optional<FoundContainer> c;
    if (dir.runtime == "crun")
      c = parse_crun_status(*text, id, ns, config_annotations((container_dir / "config.json").string()));
    else if (dir.runtime == "runc")
      c = parse_runc_state(*text, ns);
    // ringfence's own root, and an engine's runc directory when the engine
    // runs ringfence-oci as its "runc" (containerd's shim, dockerd).
    bool created = false;
    if (!c && dir.runtime != "crun") {
      c = parse_ringfence_state(*text, ns);
      created = c && !c->started;
    }
    if (!c) {
      warnings.push_back(fmt::format("{}: not a {} state file", state.string(), dir.runtime));
      return;
    }
    c->ref.source = state.string();
    // Both runtimes hold a created container's init on this FIFO until
    // `start`: its process is not yet what it will run as.
    std::error_code fifo_ec;
    c->started = !created && !fs::exists(fs::symlink_status(container_dir / "exec.fifo", fifo_ec));
    if (!dir.engine.empty()) c->ref.engine = dir.engine;
    out.push_back(std::move(*c));
  };
  std::error_code ec;
  // Flat (runc --root DIR: DIR/ID/state.json) or one namespace deep
  // (containerd: DIR/NS/ID/state.json); a directory is a container when it
  // holds the state file. Symlinks are not followed: the layout is the
  // runtime's, and nothing in it is a link.
  for (const auto& entry : fs::directory_iterator(dir.dir, ec)) {
    if (!is_plain_directory(entry.path()) || entry.path().filename().string().starts_with('.')) continue;
    if (fs::exists(fs::symlink_status(entry.path() / file, ec))) {
      read_one(entry.path(), "");
      continue;
    }
    std::error_code inner;
    for (const auto& sub : fs::directory_iterator(entry.path(), inner))
      if (is_plain_directory(sub.path()) && fs::exists(fs::symlink_status(sub.path() / file, inner)))
        read_one(sub.path(), entry.path().filename().string());
  }
  return out;
}

}  // namespace ringfence::audit
