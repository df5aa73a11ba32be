// A real process appends with fsync=always and is SIGKILLed at random moments; after each
// kill the log reopens and every append the child reported as complete must be there,
// byte for byte, and nothing corrupt may ever be read back.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <map>
#include <random>

#include "storage/partition_log.h"
#include "storage/record_batch.h"
#include "storage/test_util.h"

namespace sluice::storage {
namespace {

using testing::make_batch;
using testing::TempDir;

constexpr int kKills = 50;

// Batch number n of the sequence: deterministic, so the parent can rebuild what was sent.
// Sizes vary from ~100 B to ~200 KiB so that kills land inside large writes too.
std::string batch_number(int64_t n) {
  const int records = 1 + static_cast<int>(n % 7);
  const size_t value_size = (n % 5 == 0) ? 30'000 : 16 + static_cast<size_t>(n % 13) * 40;
  return make_batch(records, value_size, 1'700'000'000'000 + n, static_cast<uint64_t>(n));
}

struct Report {
  int64_t n;
  int64_t base_offset;
};

// Child: opens the log, appends batch numbers starting at `first`, and writes a Report to
// `fd` after each append returns. Never returns.
[[noreturn]] void run_appender(const std::filesystem::path& dir, int64_t first, int fd) {
  LogConfig config;
  config.fsync = FsyncPolicy::always();
  config.segment_bytes = 1 << 20;  // small segments: kills also land around rolls
  auto log = PartitionLog::open(dir, config);
  if (!log.is_ok()) _exit(3);
  for (int64_t n = first;; ++n) {
    std::string batch = batch_number(n);
    auto result = (*log)->append(std::span<char>(batch.data(), batch.size()), 1);
    if (!result.is_ok()) _exit(4);
    const Report report{n, result->base_offset};
    if (::write(fd, &report, sizeof(report)) != sizeof(report)) _exit(5);
  }
}

TEST(CrashTest, AcknowledgedAppendsSurviveFiftySigkills) {
  TempDir dir;
  const auto log_dir = dir.path() / "p0";
  std::mt19937 rng(std::random_device{}());
  std::map<int64_t, int64_t> acknowledged;  // batch number -> base offset
  int64_t next_n = 0;

  for (int kill_round = 0; kill_round < kKills; ++kill_round) {
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(pipe_fds[0]);
      run_appender(log_dir, next_n, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    ::usleep(std::uniform_int_distribution<useconds_t>(5'000, 60'000)(rng));
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int wait_status = 0;
    ASSERT_EQ(::waitpid(child, &wait_status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(wait_status))
        << "appender exited on its own: " << WEXITSTATUS(wait_status);
    // Reports in the pipe were written after append() returned: those are acknowledged.
    Report report;
    ssize_t got;
    while ((got = ::read(pipe_fds[0], &report, sizeof(report))) == sizeof(report)) {
      acknowledged[report.n] = report.base_offset;
      next_n = report.n + 1;
    }
    ::close(pipe_fds[0]);

    // Reopen (recovery runs) and check every acknowledged batch, byte for byte.
    auto log = PartitionLog::open(log_dir, LogConfig{});
    ASSERT_TRUE(log.is_ok()) << log.status().to_string();
    const auto stored = testing::read_all_batches(**log);  // fails on any corrupt batch
    std::map<int64_t, std::string> by_offset;
    for (const auto& bytes : stored) {
      auto batch = RecordBatchView::parse(bytes);
      ASSERT_TRUE(batch.is_ok() && batch->crc_matches()) << "corrupt batch read back";
      by_offset[batch->base_offset()] = bytes;
    }
    for (const auto& [n, base_offset] : acknowledged) {
      auto it = by_offset.find(base_offset);
      ASSERT_NE(it, by_offset.end()) << "acknowledged batch " << n << " at offset " << base_offset
                                     << " lost after kill " << kill_round;
      std::string expected = batch_number(n);
      stamp_base_offset(expected.data(), base_offset);
      stamp_leader_epoch(expected.data(), 1);
      ASSERT_EQ(it->second, expected) << "batch " << n << " differs after kill " << kill_round;
    }
    // A batch written but not reported (killed before the report) may survive; the next
    // child continues after it, so renumber from what is actually in the log.
    if (!stored.empty()) {
      const int64_t end = (*log)->log_end_offset();
      const auto last = RecordBatchView::parse(stored.back());
      if (last->base_offset() > (acknowledged.empty() ? -1 : acknowledged.rbegin()->second)) {
        // Unreported but durable: the child wrote batch next_n there before dying.
        acknowledged[next_n] = last->base_offset();
        ++next_n;
      }
      ASSERT_EQ(end, last->last_offset() + 1);
    }
    ASSERT_TRUE((*log)->close().is_ok());
    // The clean close above would let the next child skip the scan; force the unclean path.
    std::filesystem::remove(log_dir / format::kCleanShutdownFile);
  }
  EXPECT_GT(acknowledged.size(), static_cast<size_t>(kKills));
}

}  // namespace
}  // namespace sluice::storage
