#include "groups/group_coordinator.h"

#include <algorithm>
#include <cstdio>
#include <random>

namespace sluice::groups {
namespace {

// A member id handed out with MEMBER_ID_REQUIRED is forgotten if it never joins.
constexpr int64_t kPendingMemberTimeoutMs = 5 * 60 * 1000;

}  // namespace

GroupCoordinator::Group& GroupCoordinator::group(const std::string& id) {
  auto [it, created] = groups_.try_emplace(id);
  if (created) it->second.id = id;
  return it->second;
}

std::string GroupCoordinator::new_member_id(const std::string& client_id) {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char suffix[40];
  std::snprintf(suffix, sizeof(suffix), "-%llu-%016llx",
                static_cast<unsigned long long>(++next_member_number_),
                static_cast<unsigned long long>(rng()));
  return (client_id.empty() ? std::string("member") : client_id) + suffix;
}

void GroupCoordinator::join(const JoinRequest& request, int64_t now_ms,
                            std::function<void(JoinResult)> done) {
  Deferred deferred;
  auto answer = [&](GroupError error, std::string member_id) {
    JoinResult result;
    result.error = error;
    result.member_id = std::move(member_id);
    deferred.push_back([done, result] { done(result); });
  };
  {
    std::lock_guard lock(mu_);
    if (request.group_id.empty()) {
      answer(GroupError::kInvalidGroupId, request.member_id);
    } else if (request.session_timeout_ms < config_.min_session_timeout_ms ||
               request.session_timeout_ms > config_.max_session_timeout_ms) {
      answer(GroupError::kInvalidSessionTimeout, request.member_id);
    } else {
      Group& g = group(request.group_id);
      // The request must share a protocol with every current member.
      bool compatible =
          g.members.empty() || g.protocol_type.empty() || g.protocol_type == request.protocol_type;
      // (Not a structured binding: clang before 16 cannot capture one in the lambda below.)
      for (const auto& entry : g.members) {
        const auto& member = entry.second;
        if (entry.first == request.member_id) continue;
        const bool overlap = std::any_of(
            request.protocols.begin(), request.protocols.end(), [&](const JoinProtocol& p) {
              return std::any_of(member.protocols.begin(), member.protocols.end(),
                                 [&](const JoinProtocol& q) { return q.name == p.name; });
            });
        compatible = compatible && overlap && member.protocol_type == request.protocol_type;
      }
      std::string member_id = request.member_id;
      if (request.protocols.empty() || !compatible) {
        answer(GroupError::kInconsistentGroupProtocol, member_id);
      } else if (member_id.empty() && request.group_instance_id) {
        // A static member (re)joining: it takes over its instance's place, fencing the old id.
        member_id = new_member_id(request.client_id);
        if (auto old = g.static_members.find(*request.group_instance_id);
            old != g.static_members.end()) {
          auto node = g.members.extract(old->second);
          if (!node.empty()) {
            if (node.mapped().awaiting_join) {
              auto callback = std::move(node.mapped().awaiting_join);
              deferred.push_back([callback] {
                JoinResult fenced;
                fenced.error = GroupError::kFencedInstanceId;
                callback(fenced);
              });
            }
            node.key() = member_id;
            node.mapped().id = member_id;
            node.mapped().awaiting_join = nullptr;
            node.mapped().awaiting_sync = nullptr;
            if (g.leader_id == old->second) g.leader_id = member_id;
            g.members.insert(std::move(node));
          }
        }
      } else if (member_id.empty() && request.require_known_member_id) {
        member_id = new_member_id(request.client_id);
        g.pending_members[member_id] = now_ms;
        answer(GroupError::kMemberIdRequired, member_id);
        member_id.clear();
      } else if (member_id.empty()) {
        member_id = new_member_id(request.client_id);
      } else if (!g.members.contains(member_id) && !g.pending_members.contains(member_id)) {
        answer(GroupError::kUnknownMemberId, member_id);
        member_id.clear();
      } else if (request.group_instance_id &&
                 g.static_members[*request.group_instance_id] != member_id) {
        answer(GroupError::kFencedInstanceId, member_id);
        member_id.clear();
      }

      if (!member_id.empty() && deferred.empty()) {
        g.pending_members.erase(member_id);
        Member& member = g.members[member_id];
        member.id = member_id;
        member.instance_id = request.group_instance_id;
        member.client_id = request.client_id;
        member.client_host = request.client_host;
        member.protocol_type = request.protocol_type;
        member.protocols = request.protocols;
        member.session_timeout_ms = request.session_timeout_ms;
        member.rebalance_timeout_ms =
            std::max(request.rebalance_timeout_ms, request.session_timeout_ms);
        member.last_heartbeat_ms = now_ms;
        member.awaiting_join = std::move(done);
        if (request.group_instance_id) g.static_members[*request.group_instance_id] = member_id;
        if (g.state != State::kPreparingRebalance) prepare_rebalance(g, now_ms, deferred);
        maybe_complete_join(g, now_ms, deferred);
      }
    }
  }
  for (auto& work : deferred) work();
}

void GroupCoordinator::prepare_rebalance(Group& g, int64_t now_ms, Deferred& deferred) {
  // Members waiting for an assignment of the old generation must rejoin instead.
  for (auto& [id, member] : g.members) {
    if (!member.awaiting_sync) continue;
    auto callback = std::move(member.awaiting_sync);
    member.awaiting_sync = nullptr;
    deferred.push_back([callback] {
      SyncResult result;
      result.error = GroupError::kRebalanceInProgress;
      callback(result);
    });
  }
  int64_t timeout = 0;
  for (const auto& [id, member] : g.members)
    timeout = std::max<int64_t>(timeout, member.rebalance_timeout_ms);
  if (g.state == State::kEmpty) timeout = std::min(timeout, config_.initial_rebalance_delay_ms);
  g.initial_rebalance = g.state == State::kEmpty;
  g.rebalance_deadline_ms = now_ms + timeout;
  g.state = State::kPreparingRebalance;
}

void GroupCoordinator::maybe_complete_join(Group& g, int64_t now_ms, Deferred& deferred) {
  if (g.state != State::kPreparingRebalance) return;
  const bool all_joined = std::all_of(g.members.begin(), g.members.end(), [](const auto& entry) {
    return bool(entry.second.awaiting_join);
  });
  // A new group waits out its initial delay so that members starting together share the
  // first generation; later rebalances finish as soon as everyone is back.
  if (now_ms >= g.rebalance_deadline_ms || (all_joined && !g.initial_rebalance)) {
    complete_join(g, now_ms, deferred);
  }
}

void GroupCoordinator::complete_join(Group& g, int64_t now_ms, Deferred& deferred) {
  // Members that did not rejoin in time are out of the group.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (it->second.awaiting_join) {
      ++it;
      continue;
    }
    if (it->second.instance_id) g.static_members.erase(*it->second.instance_id);
    it = g.members.erase(it);
  }
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    g.protocol_name.clear();
    g.leader_id.clear();
    return;
  }
  // The protocol every member supports that most members prefer (Kafka's vote).
  const auto& first = g.members.begin()->second;
  std::vector<std::string> candidates;
  for (const auto& protocol : first.protocols) {
    const bool everyone = std::all_of(g.members.begin(), g.members.end(), [&](const auto& entry) {
      return std::any_of(entry.second.protocols.begin(), entry.second.protocols.end(),
                         [&](const JoinProtocol& p) { return p.name == protocol.name; });
    });
    if (everyone) candidates.push_back(protocol.name);
  }
  std::map<std::string, int> votes;
  for (const auto& [id, member] : g.members) {
    for (const auto& protocol : member.protocols) {
      if (std::find(candidates.begin(), candidates.end(), protocol.name) != candidates.end()) {
        ++votes[protocol.name];
        break;
      }
    }
  }
  g.protocol_name = candidates.front();
  for (const auto& name : candidates) {
    if (votes[name] > votes[g.protocol_name]) g.protocol_name = name;
  }
  g.protocol_type = first.protocol_type;
  if (!g.members.contains(g.leader_id)) g.leader_id = g.members.begin()->first;
  g.state = State::kCompletingRebalance;

  std::vector<MemberSubscription> subscriptions;
  for (const auto& [id, member] : g.members) {
    for (const auto& protocol : member.protocols) {
      if (protocol.name == g.protocol_name) {
        subscriptions.push_back({id, member.instance_id, protocol.metadata});
      }
    }
  }
  for (auto& [id, member] : g.members) {
    JoinResult result;
    result.generation = g.generation;
    result.protocol_type = g.protocol_type;
    result.protocol_name = g.protocol_name;
    result.leader_id = g.leader_id;
    result.member_id = id;
    if (id == g.leader_id) result.members = subscriptions;
    auto callback = std::move(member.awaiting_join);
    member.awaiting_join = nullptr;
    member.last_heartbeat_ms = now_ms;
    deferred.push_back([callback, result] { callback(result); });
  }
}

void GroupCoordinator::sync(const SyncRequest& request, int64_t now_ms,
                            std::function<void(SyncResult)> done) {
  Deferred deferred;
  SyncResult immediate;
  bool answer_now = true;
  {
    std::lock_guard lock(mu_);
    auto found = groups_.find(request.group_id);
    Member* member = nullptr;
    if (found != groups_.end()) {
      auto it = found->second.members.find(request.member_id);
      if (it != found->second.members.end()) member = &it->second;
    }
    if (!member) {
      immediate.error = GroupError::kUnknownMemberId;
    } else if (request.group_instance_id && member->instance_id != request.group_instance_id) {
      immediate.error = GroupError::kFencedInstanceId;
    } else if (request.generation != found->second.generation) {
      immediate.error = GroupError::kIllegalGeneration;
    } else {
      Group& g = found->second;
      member->last_heartbeat_ms = now_ms;
      immediate.protocol_type = g.protocol_type;
      immediate.protocol_name = g.protocol_name;
      if (g.state == State::kPreparingRebalance) {
        immediate.error = GroupError::kRebalanceInProgress;
      } else if (g.state == State::kStable) {
        immediate.assignment = member->assignment;
      } else if (g.state == State::kCompletingRebalance) {
        answer_now = false;
        member->awaiting_sync = std::move(done);
        if (request.member_id == g.leader_id) {
          for (auto& [id, m] : g.members) {
            auto it = request.assignments.find(id);
            m.assignment = it == request.assignments.end() ? std::string() : it->second;
          }
          g.state = State::kStable;
          for (auto& [id, m] : g.members) {
            if (!m.awaiting_sync) continue;
            SyncResult result;
            result.protocol_type = g.protocol_type;
            result.protocol_name = g.protocol_name;
            result.assignment = m.assignment;
            auto callback = std::move(m.awaiting_sync);
            m.awaiting_sync = nullptr;
            deferred.push_back([callback, result] { callback(result); });
          }
        }
      } else {
        immediate.error = GroupError::kUnknownMemberId;
      }
    }
  }
  if (answer_now) done(immediate);
  for (auto& work : deferred) work();
}

GroupError GroupCoordinator::heartbeat(const std::string& group_id, const std::string& member_id,
                                       const std::optional<std::string>& group_instance_id,
                                       int32_t generation, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto found = groups_.find(group_id);
  if (found == groups_.end()) return GroupError::kUnknownMemberId;
  Group& g = found->second;
  auto it = g.members.find(member_id);
  if (it == g.members.end()) return GroupError::kUnknownMemberId;
  if (group_instance_id && it->second.instance_id != group_instance_id) {
    return GroupError::kFencedInstanceId;
  }
  if (generation != g.generation) return GroupError::kIllegalGeneration;
  it->second.last_heartbeat_ms = now_ms;
  return g.state == State::kPreparingRebalance ? GroupError::kRebalanceInProgress
                                               : GroupError::kNone;
}

void GroupCoordinator::remove_member(Group& g, const std::string& member_id, int64_t now_ms,
                                     Deferred& deferred) {
  auto node = g.members.extract(member_id);
  if (node.empty()) return;
  Member& member = node.mapped();
  if (member.instance_id) g.static_members.erase(*member.instance_id);
  if (member.awaiting_join) {
    auto callback = std::move(member.awaiting_join);
    deferred.push_back([callback] {
      JoinResult result;
      result.error = GroupError::kUnknownMemberId;
      callback(result);
    });
  }
  if (member.awaiting_sync) {
    auto callback = std::move(member.awaiting_sync);
    deferred.push_back([callback] {
      SyncResult result;
      result.error = GroupError::kUnknownMemberId;
      callback(result);
    });
  }
  if (g.state == State::kStable || g.state == State::kCompletingRebalance) {
    prepare_rebalance(g, now_ms, deferred);
  }
  maybe_complete_join(g, now_ms, deferred);
}

std::vector<GroupError> GroupCoordinator::leave(
    const std::string& group_id,
    const std::vector<std::pair<std::string, std::optional<std::string>>>& members,
    int64_t now_ms) {
  Deferred deferred;
  std::vector<GroupError> errors;
  {
    std::lock_guard lock(mu_);
    auto found = groups_.find(group_id);
    for (const auto& [member_id, instance_id] : members) {
      if (found == groups_.end()) {
        errors.push_back(GroupError::kUnknownMemberId);
        continue;
      }
      Group& g = found->second;
      std::string id = member_id;
      if (id.empty() && instance_id) {
        auto it = g.static_members.find(*instance_id);
        if (it != g.static_members.end()) id = it->second;
      }
      auto it = g.members.find(id);
      if (it == g.members.end()) {
        errors.push_back(GroupError::kUnknownMemberId);
      } else if (instance_id && it->second.instance_id != instance_id) {
        errors.push_back(GroupError::kFencedInstanceId);
      } else {
        remove_member(g, id, now_ms, deferred);
        errors.push_back(GroupError::kNone);
      }
    }
  }
  for (auto& work : deferred) work();
  return errors;
}

void GroupCoordinator::tick(int64_t now_ms) {
  Deferred deferred;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, g] : groups_) {
      std::vector<std::string> expired;
      for (const auto& [member_id, member] : g.members) {
        // A member waiting in JoinGroup is bounded by the rebalance deadline instead.
        if (!member.awaiting_join &&
            now_ms - member.last_heartbeat_ms > member.session_timeout_ms) {
          expired.push_back(member_id);
        }
      }
      for (const auto& member_id : expired) remove_member(g, member_id, now_ms, deferred);
      std::erase_if(g.pending_members, [now_ms](const auto& entry) {
        return now_ms - entry.second > kPendingMemberTimeoutMs;
      });
      maybe_complete_join(g, now_ms, deferred);
    }
  }
  for (auto& work : deferred) work();
}

GroupError GroupCoordinator::commit_offsets(const OffsetCommitRequest& request, int64_t now_ms) {
  {
    std::lock_guard lock(mu_);
    if (request.group_id.empty()) return GroupError::kInvalidGroupId;
    Group& g = group(request.group_id);
    const bool standalone = request.generation < 0 && request.member_id.empty();
    if (standalone) {
      // assign()-style consumers may commit only into a group nobody is a member of.
      if (!g.members.empty()) return GroupError::kIllegalGeneration;
    } else {
      auto it = g.members.find(request.member_id);
      if (it == g.members.end()) return GroupError::kUnknownMemberId;
      if (request.group_instance_id && it->second.instance_id != request.group_instance_id) {
        return GroupError::kFencedInstanceId;
      }
      if (request.generation != g.generation) return GroupError::kIllegalGeneration;
      if (g.state == State::kCompletingRebalance) return GroupError::kRebalanceInProgress;
      it->second.last_heartbeat_ms = now_ms;
    }
  }
  // The fsync happens outside the lock: other groups keep going meanwhile.
  return offsets_.commit(request.group_id, request.offsets).is_ok() ? GroupError::kNone
                                                                    : GroupError::kStorageError;
}

std::string GroupCoordinator::state_name(State state) {
  switch (state) {
    case State::kEmpty:
      return "Empty";
    case State::kPreparingRebalance:
      return "PreparingRebalance";
    case State::kCompletingRebalance:
      return "CompletingRebalance";
    case State::kStable:
      return "Stable";
  }
  return "Dead";
}

GroupDescription GroupCoordinator::describe(const Group& g) const {
  GroupDescription description;
  description.group_id = g.id;
  description.state = state_name(g.state);
  description.protocol_type = g.protocol_type;
  description.protocol_name = g.protocol_name;
  for (const auto& [id, member] : g.members) {
    MemberDescription m{id, member.instance_id, member.client_id, member.client_host,
                        "", member.assignment};
    for (const auto& protocol : member.protocols) {
      if (protocol.name == g.protocol_name) m.metadata = protocol.metadata;
    }
    description.members.push_back(std::move(m));
  }
  return description;
}

std::vector<GroupDescription> GroupCoordinator::list_groups() const {
  std::lock_guard lock(mu_);
  std::vector<GroupDescription> all;
  for (const auto& [id, g] : groups_) all.push_back(describe(g));
  // Groups known only by their committed offsets (after a restart) are listed as empty.
  for (const auto& name : offsets_.groups()) {
    if (!groups_.contains(name)) all.push_back(GroupDescription{name, "Empty", "consumer", "", {}});
  }
  return all;
}

std::optional<GroupDescription> GroupCoordinator::describe_group(
    const std::string& group_id) const {
  std::lock_guard lock(mu_);
  auto found = groups_.find(group_id);
  if (found != groups_.end()) return describe(found->second);
  if (!offsets_.fetch_all(group_id).empty()) {
    return GroupDescription{group_id, "Empty", "consumer", "", {}};
  }
  return std::nullopt;
}

GroupError GroupCoordinator::delete_group(const std::string& group_id) {
  {
    std::lock_guard lock(mu_);
    auto found = groups_.find(group_id);
    if (found != groups_.end() && !found->second.members.empty()) return GroupError::kNonEmptyGroup;
    if (found == groups_.end() && offsets_.fetch_all(group_id).empty()) {
      return GroupError::kGroupIdNotFound;
    }
    if (found != groups_.end()) groups_.erase(found);
  }
  return offsets_.remove(group_id, {}).is_ok() ? GroupError::kNone : GroupError::kStorageError;
}

OffsetDeleteResult GroupCoordinator::delete_offsets(const std::string& group_id,
                                                    const std::vector<TopicPartition>& partitions,
                                                    const SubscribedTopics& subscribed_topics) {
  OffsetDeleteResult result;
  result.partitions.assign(partitions.size(), GroupError::kNone);
  std::vector<TopicPartition> removable;
  // Under the lock, so that no member joins with a subscription between the check and the
  // removal.
  std::lock_guard lock(mu_);
  auto found = groups_.find(group_id);
  const bool has_members = found != groups_.end() && !found->second.members.empty();
  if (!has_members && offsets_.fetch_all(group_id).empty()) {
    result.error = GroupError::kGroupIdNotFound;
    return result;
  }
  std::set<std::string> subscribed;
  if (has_members) {
    const Group& group = found->second;
    if (group.protocol_type != "consumer") {
      result.error = GroupError::kNonEmptyGroup;
      return result;
    }
    for (const auto& [id, member] : group.members) {
      // The protocol the group chose, or while none is chosen yet, the member's first.
      const JoinProtocol* chosen = member.protocols.empty() ? nullptr : &member.protocols.front();
      for (const auto& protocol : member.protocols) {
        if (protocol.name == group.protocol_name) chosen = &protocol;
      }
      if (chosen == nullptr) continue;
      for (auto& topic : subscribed_topics(group.protocol_type, chosen->metadata)) {
        subscribed.insert(std::move(topic));
      }
    }
  }
  for (size_t i = 0; i < partitions.size(); ++i) {
    if (subscribed.contains(partitions[i].topic)) {
      result.partitions[i] = GroupError::kGroupSubscribedToTopic;
    } else {
      removable.push_back(partitions[i]);
    }
  }
  if (!removable.empty() && !offsets_.remove(group_id, removable).is_ok()) {
    result.error = GroupError::kStorageError;
  }
  return result;
}

}  // namespace sluice::groups
