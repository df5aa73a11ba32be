// A real etcd for tests: Debian's etcd binary started on free loopback ports in a temporary
// directory, one member or several forming one cluster, killed and removed at the end.
// Members can be killed (SIGKILL) or paused (SIGSTOP/SIGCONT) to test failover.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace sluice::cluster::testing {

class EtcdProcess {
 public:
  // Starts `members` etcd processes as one cluster and waits (at most 15 s) until every one
  // answers /v3/maintenance/status; aborts the test binary's current test (ADD_FAILURE) and
  // returns nullptr when it cannot.
  static std::unique_ptr<EtcdProcess> start(int members = 1);
  ~EtcdProcess();
  EtcdProcess(const EtcdProcess&) = delete;
  EtcdProcess& operator=(const EtcdProcess&) = delete;

  // "http://127.0.0.1:P" of one member, and every member's, comma-separated (`--etcd`).
  std::string endpoint(int member) const;
  std::string endpoints() const;
  int size() const { return static_cast<int>(members_.size()); }

  void kill(int member);    // SIGKILL, and reaps it
  void pause(int member);   // SIGSTOP
  void resume(int member);  // SIGCONT

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    pid_t pid = -1;
  };
  EtcdProcess() = default;
  bool spawn(Member& member, const std::string& initial_cluster);
  bool wait_ready(const Member& member);

  std::filesystem::path dir_;
  std::vector<Member> members_;
};

// A free TCP port on 127.0.0.1, found by binding port 0 (the kernel does not hand it out
// again at once).
int free_port();

}  // namespace sluice::cluster::testing
