#include "etcd_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "cluster/etcd_metadata_store.h"

namespace sluice::cluster::testing {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

std::unique_ptr<EtcdProcess> EtcdProcess::start(int members) {
  std::unique_ptr<EtcdProcess> etcd(new EtcdProcess());
  std::string tmpl = (std::filesystem::temp_directory_path() / "sluice-etcd-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return nullptr;
  }
  etcd->dir_ = tmpl;
  std::string initial_cluster;
  for (int i = 0; i < members; ++i) {
    Member member{"e" + std::to_string(i), free_port(), free_port(), -1};
    if (!initial_cluster.empty()) initial_cluster += ",";
    initial_cluster += member.name + "=http://127.0.0.1:" + std::to_string(member.peer_port);
    etcd->members_.push_back(member);
  }
  for (auto& member : etcd->members_) {
    if (!etcd->spawn(member, initial_cluster)) return nullptr;
  }
  for (const auto& member : etcd->members_) {
    if (!etcd->wait_ready(member)) {
      ADD_FAILURE() << "etcd " << member.name << " did not become ready; log in " << etcd->dir_;
      return nullptr;
    }
  }
  return etcd;
}

bool EtcdProcess::spawn(Member& member, const std::string& initial_cluster) {
  const std::string client = "http://127.0.0.1:" + std::to_string(member.client_port);
  const std::string peer = "http://127.0.0.1:" + std::to_string(member.peer_port);
  const std::string data = (dir_ / member.name).string();
  const std::string log = (dir_ / (member.name + ".log")).string();
  // Short raft timings: elections among the test's members settle in well under a second,
  // and etcd's minimum lease TTL (1.5 election timeouts, rounded up) is 1 s.
  std::vector<std::string> args = {"etcd",
                                   "--name",
                                   member.name,
                                   "--data-dir",
                                   data,
                                   "--listen-client-urls",
                                   client,
                                   "--advertise-client-urls",
                                   client,
                                   "--listen-peer-urls",
                                   peer,
                                   "--initial-advertise-peer-urls",
                                   peer,
                                   "--initial-cluster",
                                   initial_cluster,
                                   "--initial-cluster-state",
                                   "new",
                                   "--heartbeat-interval",
                                   "25",
                                   "--election-timeout",
                                   "250",
                                   "--log-level",
                                   "warn"};
  const pid_t pid = ::fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork failed";
    return false;
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls until exec. It dies with the test process,
    // so a crashed test leaves no etcd behind.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execvp("etcd", argv.data());
    ::_exit(127);
  }
  member.pid = pid;
  return true;
}

bool EtcdProcess::wait_ready(const Member& member) {
  EtcdTransportOptions options;
  options.request_timeout = std::chrono::milliseconds(500);
  options.connect_timeout = std::chrono::milliseconds(200);
  auto store =
      EtcdMetadataStore::connect("http://127.0.0.1:" + std::to_string(member.client_port), options);
  if (!store.is_ok()) return false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    // Status answers once the member serves requests; a put proves it has a leader.
    if ((*store)->status().is_ok() && (*store)->get("/ready-probe").is_ok()) return true;
    int status = 0;
    if (::waitpid(member.pid, &status, WNOHANG) == member.pid) return false;  // it exited
    std::this_thread::sleep_for(std::chrono::milliseconds(20));               // polling pace
  }
  return false;
}

EtcdProcess::~EtcdProcess() {
  for (int i = 0; i < size(); ++i) kill(i);
  std::error_code ignored;
  if (!dir_.empty() && std::getenv("SLUICE_KEEP_ETCD") == nullptr)
    std::filesystem::remove_all(dir_, ignored);
}

std::string EtcdProcess::endpoint(int member) const {
  return "http://127.0.0.1:" + std::to_string(members_[member].client_port);
}

std::string EtcdProcess::endpoints() const {
  std::string out;
  for (int i = 0; i < size(); ++i) out += (i ? "," : "") + endpoint(i);
  return out;
}

void EtcdProcess::kill(int member) {
  Member& m = members_[member];
  if (m.pid <= 0) return;
  ::kill(m.pid, SIGKILL);
  int status = 0;
  ::waitpid(m.pid, &status, 0);
  m.pid = -1;
}

void EtcdProcess::pause(int member) {
  ::kill(members_[member].pid, SIGSTOP);
}
void EtcdProcess::resume(int member) {
  ::kill(members_[member].pid, SIGCONT);
}

}  // namespace sluice::cluster::testing
