// The classic consumer-group protocol (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) as a
// service: group membership, generations, leader election, session and rebalance timeouts,
// static membership, and client-side assignment passed through untouched. Committed
// offsets live in an OffsetStore. No sockets and no wire formats: the Kafka handlers turn
// requests into these calls and GroupError into Kafka's error codes.
//
// Calls that must wait (a join until the rebalance completes, a follower's sync until the
// leader's assignment arrives) take a callback, invoked exactly once, possibly from another
// thread's call or from tick(). Callbacks run without the coordinator's lock held.
//
// Thread-safe. Time comes from tick(now) and the `now` of each call, so tests drive it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "groups/offset_store.h"

namespace sluice::groups {

enum class GroupError {
  kNone,
  kUnknownMemberId,
  kIllegalGeneration,
  kRebalanceInProgress,
  kInconsistentGroupProtocol,
  kInvalidSessionTimeout,
  kMemberIdRequired,
  kFencedInstanceId,
  kInvalidGroupId,
  kGroupIdNotFound,
  kNonEmptyGroup,
  kGroupSubscribedToTopic,
  kStorageError,
};

struct GroupConfig {
  int32_t min_session_timeout_ms = 6000;  // Kafka's group.min.session.timeout.ms
  int32_t max_session_timeout_ms = 1800000;
  // A new group waits this long for more members before its first generation (Kafka's
  // group.initial.rebalance.delay.ms), so that consumers starting together share one.
  int64_t initial_rebalance_delay_ms = 3000;
};

struct JoinProtocol {
  std::string name;
  std::string metadata;
};

struct JoinRequest {
  std::string group_id;
  std::string member_id;  // empty on a first join
  std::optional<std::string> group_instance_id;
  std::string protocol_type;
  std::vector<JoinProtocol> protocols;
  int32_t session_timeout_ms = 0;
  int32_t rebalance_timeout_ms = 0;
  std::string client_id;
  std::string client_host;
  // JoinGroup v4+: a first join gets MEMBER_ID_REQUIRED and its id, then joins again.
  bool require_known_member_id = false;
};

struct MemberSubscription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string metadata;
};

struct JoinResult {
  GroupError error = GroupError::kNone;
  int32_t generation = -1;
  std::string protocol_type;
  std::string protocol_name;
  std::string leader_id;
  std::string member_id;
  std::vector<MemberSubscription> members;  // only in the leader's result
};

struct SyncRequest {
  std::string group_id;
  int32_t generation = -1;
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::map<std::string, std::string> assignments;  // from the leader: member id -> bytes
};

struct SyncResult {
  GroupError error = GroupError::kNone;
  std::string protocol_type;
  std::string protocol_name;
  std::string assignment;
};

struct MemberDescription {
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::string client_id;
  std::string client_host;
  std::string metadata;  // the subscription for the chosen protocol
  std::string assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
  std::string protocol_type;
  std::string protocol_name;
  std::vector<MemberDescription> members;
};

// The topics a member's protocol metadata subscribes to (for the "consumer" protocol type,
// the topics of its ConsumerProtocolSubscription); empty when it cannot tell. The groups
// service does not read protocol bytes itself: the front end that knows them supplies this.
using SubscribedTopics = std::function<std::vector<std::string>(const std::string& protocol_type,
                                                                const std::string& metadata)>;

struct OffsetDeleteResult {
  GroupError error = GroupError::kNone;  // for the whole group
  std::vector<GroupError> partitions;    // one per requested partition, in order
};

struct OffsetCommitRequest {
  std::string group_id;
  int32_t generation = -1;  // -1 with an empty member id: a standalone (assign()) consumer
  std::string member_id;
  std::optional<std::string> group_instance_id;
  std::vector<std::pair<TopicPartition, CommittedOffset>> offsets;
};

class GroupCoordinator {
 public:
  GroupCoordinator(OffsetStore& offsets, GroupConfig config) : offsets_(offsets), config_(config) {}

  void join(const JoinRequest& request, int64_t now_ms, std::function<void(JoinResult)> done);
  void sync(const SyncRequest& request, int64_t now_ms, std::function<void(SyncResult)> done);
  GroupError heartbeat(const std::string& group_id, const std::string& member_id,
                       const std::optional<std::string>& group_instance_id, int32_t generation,
                       int64_t now_ms);
  // Removes members (by member id, or by instance id when the member id is empty).
  // Returns one error per member, in order.
  std::vector<GroupError> leave(
      const std::string& group_id,
      const std::vector<std::pair<std::string, std::optional<std::string>>>& members,
      int64_t now_ms);

  GroupError commit_offsets(const OffsetCommitRequest& request, int64_t now_ms);

  std::vector<GroupDescription> list_groups() const;
  std::optional<GroupDescription> describe_group(const std::string& group_id) const;
  // Deletes an empty group and its committed offsets.
  GroupError delete_group(const std::string& group_id);
  // OffsetDelete: removes the group's committed offsets of `partitions`. As in Kafka, an
  // empty group loses them all; a group with members keeps those of topics its members
  // subscribe to (kGroupSubscribedToTopic per partition), and a group with members whose
  // protocol type is not "consumer" keeps everything (kNonEmptyGroup). kGroupIdNotFound
  // when the group has neither members nor committed offsets.
  OffsetDeleteResult delete_offsets(const std::string& group_id,
                                    const std::vector<TopicPartition>& partitions,
                                    const SubscribedTopics& subscribed_topics);

  // Expires members whose session ran out and completes rebalances whose time is up.
  void tick(int64_t now_ms);

 private:
  struct Member {
    std::string id;
    std::optional<std::string> instance_id;
    std::string client_id;
    std::string client_host;
    std::string protocol_type;
    std::vector<JoinProtocol> protocols;
    int32_t session_timeout_ms = 0;
    int32_t rebalance_timeout_ms = 0;
    int64_t last_heartbeat_ms = 0;
    std::string assignment;
    std::function<void(JoinResult)> awaiting_join;
    std::function<void(SyncResult)> awaiting_sync;
  };
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };
  struct Group {
    std::string id;
    State state = State::kEmpty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol_name;
    std::string leader_id;
    std::map<std::string, Member> members;
    std::map<std::string, std::string> static_members;  // instance id -> member id
    std::map<std::string, int64_t> pending_members;     // ids handed out, not yet joined
    int64_t rebalance_deadline_ms = 0;
    bool initial_rebalance = false;  // the first generation after being empty
  };
  // Work to run once the lock is released.
  using Deferred = std::vector<std::function<void()>>;

  Group& group(const std::string& id);
  void prepare_rebalance(Group& group, int64_t now_ms, Deferred& deferred);
  void maybe_complete_join(Group& group, int64_t now_ms, Deferred& deferred);
  void complete_join(Group& group, int64_t now_ms, Deferred& deferred);
  void remove_member(Group& group, const std::string& member_id, int64_t now_ms,
                     Deferred& deferred);
  static std::string state_name(State state);
  GroupDescription describe(const Group& group) const;
  std::string new_member_id(const std::string& client_id);

  OffsetStore& offsets_;
  const GroupConfig config_;
  mutable std::mutex mu_;
  std::map<std::string, Group> groups_;  // GUARDED_BY(mu_)
  uint64_t next_member_number_ = 0;      // GUARDED_BY(mu_)
};

}  // namespace sluice::groups
