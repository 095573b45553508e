// The suite's set-up: which runtime, the image, the daemons; and their end.
#include "engines.h"

#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/core.h>

#include "drivers.h"

namespace ringfence::etest {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Polls `ready` every 50 ms until it holds or `seconds` pass.
bool wait_until(const std::function<bool()>& ready, int seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(seconds);
  while (Clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return ready();
}

// Starts a daemon in its own session, output to `log`; returns its pid.
pid_t spawn_daemon(const std::vector<std::string>& argv, const std::string& log) {
  const pid_t pid = fork();
  if (pid == 0) {
    setsid();
    const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    const int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
    dup2(null, 0);
    dup2(out, 1);
    dup2(out, 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

bool alive(pid_t pid) { return waitpid(pid, nullptr, WNOHANG) == 0; }

// SIGTERM, a wait for the daemon to exit, then SIGKILL.
void stop_daemon(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    if (waitpid(pid, nullptr, WNOHANG) == pid) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
}

std::string tail(const std::string& path) {
  const std::string text = read_file(path);
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

bool executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

// The runtime under test, and a line that says why it was chosen.
std::string choose_runtime(std::string& why) {
  if (const char* env = std::getenv("RINGFENCE_OCI_RUNTIME"); env && *env) {
    why = "from RINGFENCE_OCI_RUNTIME";
    return env;
  }
  const std::string oci = (fs::path(RINGFENCE_BINARY).parent_path() / "ringfence-oci").string();
  if (executable(oci)) {
    why = "the ringfence-oci next to the ringfence binary under test";
    return oci;
  }
  // crun (1.8) refuses a hybrid cgroup host whose unified hierarchy has
  // controllers ("cgroups in hybrid mode not supported"); runc runs there.
  const std::string unified = trim(read_file("/sys/fs/cgroup/unified/cgroup.controllers"));
  if (!unified.empty() && executable("/usr/sbin/runc")) {
    why = "no ringfence-oci; crun cannot run on this hybrid cgroup host (v2 controllers: " + unified + ")";
    return "/usr/sbin/runc";
  }
  why = "no ringfence-oci next to " + std::string(RINGFENCE_BINARY);
  return "/usr/bin/crun";
}

// Limits an engine may set without CAP_SYS_RESOURCE: the hard limits this
// process has (podman asks for 1048576 open files by default, which a host
// without that capability cannot grant).
std::pair<rlim_t, rlim_t> grantable_limits() {
  rlimit nofile{}, nproc{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  getrlimit(RLIMIT_NPROC, &nproc);
  // podman lowers its own NPROC to 32768 before it starts the runtime.
  return {nofile.rlim_max, std::min<rlim_t>(nproc.rlim_max, 32768)};
}

// Unmounts whatever an engine left mounted under `dir` (deepest first).
void unmount_under(const std::string& dir) {
  std::vector<std::string> targets;
  std::istringstream in(read_file("/proc/self/mountinfo"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, target;
    fields >> id >> parent >> dev >> root >> target;
    if (target.rfind(dir + "/", 0) == 0) targets.push_back(target);
  }
  std::sort(targets.rbegin(), targets.rend());
  for (const auto& t : targets) umount2(t.c_str(), MNT_DETACH);
}

// Removes the empty directories of a tree, deepest first (cgroups cannot be
// removed recursively; a directory still in use stays).
void rmdir_tree(const fs::path& top) {
  std::error_code ec;
  if (!fs::is_directory(top, ec)) return;
  std::vector<fs::path> dirs;
  for (auto it = fs::recursive_directory_iterator(top, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_directory(ec)) dirs.push_back(it->path());
  std::sort(dirs.rbegin(), dirs.rend());
  for (const auto& d : dirs) rmdir(d.c_str());
  rmdir(top.c_str());
}

// What the engines leave outside their private directories: the cgroup
// parents they make in every hierarchy, and the paths containerd 1.6 and
// dockerd hard-code under /run. Only empty directories go, so a host's own
// engines keep theirs.
void remove_engine_leftovers() {
  for (const char* parent : {"docker", "libpod_parent", "ringfence-engines"}) {
    std::error_code ec;
    for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) rmdir_tree(h.path() / parent);
    rmdir_tree(fs::path("/sys/fs/cgroup") / parent);
  }
  for (const char* dir : {"/run/containerd/runc/ringfence-engines", "/run/containerd/runc/moby", "/run/containerd/runc",
                          "/run/containerd/s", "/run/containerd/fifo", "/run/containerd", "/run/docker/plugins",
                          "/run/docker", "/run/runc", "/run/crun"})
    rmdir(dir);
}

// podman keeps a blob cache at this fixed path for root (containers/image has
// no flag for it); the suite removes it only if it made it.
constexpr const char* kPodmanBlobCache = "/var/lib/containers/cache/blob-info-cache-v1.boltdb";

class TearDownAtExit : public ::testing::Environment {
 public:
  void SetUp() override { Engines::get().set_up(); }
  void TearDown() override { Engines::get().tear_down(); }
};
[[maybe_unused]] const auto* const registered = ::testing::AddGlobalTestEnvironment(new TearDownAtExit);

}  // namespace

Engines& Engines::get() {
  static Engines engines;
  return engines;
}

EngineSlot& Engines::slot(const std::string& engine) { return slots_[engine]; }

void Engines::set_up() {
  if (set_up_) return;
  set_up_ = true;
  const auto started = Clock::now();
  blob_cache_existed_ = fs::exists(kPodmanBlobCache);
  std::string why;
  runtime_ = choose_runtime(why);
  std::cerr << "[engines] OCI runtime: " << runtime_ << " (" << why << ")\n";
  if (geteuid() != 0) {
    unavailable_ = "the engine tests need root";
    return;
  }
  if (!executable(runtime_)) {
    unavailable_ = "the OCI runtime " + runtime_ + " is not executable";
    return;
  }
  char tmpl[] = "/tmp/ringfence-engines.XXXXXX";
  if (!mkdtemp(tmpl)) {
    unavailable_ = "mkdtemp failed";
    return;
  }
  dir_ = tmpl;
  chmod(dir_.c_str(), 0711);  // containers running as a user must reach their rootfs

  // The busybox rootfs of the integration tests (built once per build directory).
  const std::string rootfs = RINGFENCE_TEST_ROOTFS;
  const Output made = run_command({RINGFENCE_SOURCE_DIR "/tests/integration/make-rootfs.sh", rootfs});
  const std::string tar = dir_ + "/rootfs.tar";
  const Output tarred = run_command({"tar", "-C", rootfs, "-cf", tar, "."});
  if (made.status != 0 || tarred.status != 0) {
    unavailable_ = "cannot build the busybox rootfs: " + made.all() + tarred.all();
    return;
  }
  const auto [nofile, nproc] = grantable_limits();
  const std::string ulimits[] = {fmt::format("nofile={}:{}", nofile, nofile), fmt::format("nproc={}:{}", nproc, nproc)};

  // podman: its own storage, run root and temporary directory; the runtime
  // registered in a private containers.conf and named on the command line.
  {
    const std::string p = dir_ + "/podman";
    fs::create_directories(p);
    std::ofstream(p + "/containers.conf") << fmt::format(
        "[containers]\nnetns = \"none\"\ndefault_ulimits = [\"{}\", \"{}\"]\n"
        "[engine]\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\nruntime = \"ringfence\"\n"
        "[engine.runtimes]\nringfence = [\"{}\"]\n",
        ulimits[0], ulimits[1], runtime_);
    std::ofstream(p + "/storage.conf") << fmt::format(
        "[storage]\ndriver = \"vfs\"\nrunroot = \"{0}/runroot\"\ngraphroot = \"{0}/root\"\n", p);
    auto engine = std::make_unique<DockerLike>(
        "podman",
        std::vector<std::string>{"podman", "--root", p + "/root", "--runroot", p + "/runroot", "--tmpdir", p + "/tmp",
                                 "--storage-driver", "vfs", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
                                 "--runtime", runtime_},
        std::vector<std::string>{"--network", "none"},
        std::map<std::string, std::string>{{"CONTAINERS_CONF", p + "/containers.conf"},
                                           {"CONTAINERS_STORAGE_CONF", p + "/storage.conf"}});
    const Output imported = engine->cli({"import", tar, kImage});
    if (imported.status == 0) {
      slots_["podman"].engine = std::move(engine);
    } else {
      slots_["podman"].unavailable = "podman cannot import the image: " + imported.all();
    }
  }

  // containerd: one daemon for ctr (namespace ringfence-engines) and dockerd (moby).
  const std::string c = dir_ + "/containerd";
  const std::string csock = c + "/containerd.sock";
  fs::create_directories(c);
  std::ofstream(c + "/config.toml") << fmt::format(
      "version = 2\nroot = \"{0}/root\"\nstate = \"{0}/state\"\n"
      "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n"
      "[grpc]\n  address = \"{0}/containerd.sock\"\n[ttrpc]\n  address = \"{0}/containerd.sock.ttrpc\"\n"
      "[debug]\n  address = \"\"\n[metrics]\n  address = \"\"\n",
      c);
  std::vector<std::string> ctr_base = {"ctr", "--address", csock, "-n", "ringfence-engines"};
  bool containerd_up = false;
  if (!executable("/usr/bin/containerd")) {
    slots_["ctr"].unavailable = slots_["docker"].unavailable = "containerd is not installed";
  } else {
    const pid_t pid = spawn_daemon({"/usr/bin/containerd", "--config", c + "/config.toml"}, c + "/log");
    daemons_.push_back(pid);
    std::vector<std::string> version = ctr_base;
    version.push_back("version");
    containerd_up = wait_until([&] { return alive(pid) && run_command(version, {10, {}}).status == 0; }, 60);
    if (!containerd_up) {
      slots_["ctr"].unavailable = slots_["docker"].unavailable = "containerd did not start: " + tail(c + "/log");
    }
  }

  // dockerd on that containerd, with the runtime added as "ringfence".
  if (containerd_up) {
    const std::string d = dir_ + "/docker";
    fs::create_directories(d);
    std::ofstream(d + "/daemon.json") << "{}\n";
    const std::vector<std::string> client = {"/usr/bin/docker", "-H", "unix://" + d + "/docker.sock"};
    if (!executable("/usr/sbin/dockerd")) {
      slots_["docker"].unavailable = "docker.io is not installed";
    } else {
      const pid_t pid = spawn_daemon(
          {"/usr/sbin/dockerd", "--host", "unix://" + d + "/docker.sock", "--data-root", d + "/data", "--exec-root",
           d + "/exec", "--pidfile", d + "/docker.pid", "--config-file", d + "/daemon.json", "--containerd", csock,
           "--storage-driver", "vfs", "--bridge", "none", "--iptables=false", "--ip6tables=false", "--ip-masq=false",
           "--exec-opt", "native.cgroupdriver=cgroupfs", "--default-ulimit", ulimits[0], "--add-runtime",
           "ringfence=" + runtime_},
          d + "/log");
      daemons_.insert(daemons_.begin(), pid);  // stopped before containerd
      std::vector<std::string> version = client;
      version.insert(version.end(), {"version", "--format", "{{.Server.Version}}"});
      if (!wait_until([&] { return alive(pid) && run_command(version, {10, {}}).status == 0; }, 60)) {
        slots_["docker"].unavailable = "dockerd did not start: " + tail(d + "/log");
      } else {
        auto engine = std::make_unique<DockerLike>("docker", client,
                                                   std::vector<std::string>{"--runtime", "ringfence", "--network", "none"});
        const Output imported = engine->cli({"import", tar, kImage});
        if (imported.status == 0) {
          slots_["docker"].engine = std::move(engine);
        } else {
          slots_["docker"].unavailable = "docker cannot import the image: " + imported.all();
        }
      }
    }
  }

  // ctr imports an image archive; podman or docker saves one.
  if (containerd_up) {
    const std::string archive = dir_ + "/image.tar";
    Output saved{1, "", "no engine to save the image with"};
    if (auto* p = dynamic_cast<DockerLike*>(slots_["podman"].engine.get())) {
      saved = p->cli({"save", "--format", "docker-archive", "-o", archive, kImage});
    } else if (auto* d = dynamic_cast<DockerLike*>(slots_["docker"].engine.get())) {
      saved = d->cli({"save", "-o", archive, kImage});
    }
    auto engine = std::make_unique<Ctr>(
        ctr_base, std::vector<std::string>{"--snapshotter", "native", "--runc-binary", runtime_});
    const Output imported =
        saved.status == 0 ? engine->cli({"image", "import", "--snapshotter", "native", archive}) : saved;
    if (imported.status == 0) {
      slots_["ctr"].engine = std::move(engine);
    } else {
      slots_["ctr"].unavailable = "ctr cannot import the image: " + imported.all();
    }
  }
  for (const auto& [name, s] : slots_)
    std::cerr << "[engines] " << name << ": " << (s.engine ? "ready" : s.unavailable) << "\n";
  std::cerr << fmt::format("[engines] set-up took {} ms\n",
                           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
}

void Engines::tear_down() {
  const auto started = Clock::now();
  for (auto& [name, s] : slots_)
    if (auto* d = dynamic_cast<DriverEngine*>(s.engine.get())) d->remove_all();
  slots_.clear();
  for (pid_t pid : daemons_) stop_daemon(pid);
  daemons_.clear();
  if (!dir_.empty()) {
    unmount_under(dir_);
    std::error_code ec;
    fs::remove_all(dir_, ec);
    if (ec) std::cerr << "[engines] cannot remove " << dir_ << ": " << ec.message() << "\n";
    dir_.clear();
  }
  remove_engine_leftovers();
  if (!blob_cache_existed_ && fs::exists(kPodmanBlobCache)) {
    fs::remove(kPodmanBlobCache);
    rmdir("/var/lib/containers/cache");
    rmdir("/var/lib/containers");
  }
  std::cerr << fmt::format("[engines] tear-down took {} ms\n",
                           std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started).count());
}

std::vector<std::string> engine_names() { return {"podman", "docker", "ctr"}; }

void EngineTest::SetUp() {
  Engines& engines = Engines::get();
  if (!engines.unavailable().empty()) GTEST_SKIP() << engines.unavailable();
  EngineSlot& s = engines.slot(GetParam());
  if (!s.engine) GTEST_SKIP() << GetParam() << " cannot run here: " << s.unavailable;
  engine_ = s.engine.get();
}

void EngineTest::TearDown() {
  for (const auto& i : ids_) {
    if (engine_->listed(i)) engine_->remove(i);
    EXPECT_FALSE(engine_->listed(i)) << i << " was left behind";
  }
}

bool EngineTest::flags_for(const std::string& check, std::vector<std::string>& flags) {
  const Applies& a = applies(check, GetParam());
  if (!a.flags) return false;
  flags = expand(*a.flags);
  return true;
}

std::string EngineTest::id(const std::string& base) {
  std::string i = fmt::format("rf-{}-{}-{}", base, GetParam(), getpid());
  ids_.push_back(i);
  return i;
}

}  // namespace ringfence::etest
