// The metadata store on etcd 3.4, through its v3 JSON gateway (cluster mode). Every call is
// one POST (etcd_transport.h: deadlines, failover between members); watches are long-lived
// streamed POSTs to /v3/watch on a thread each (etcd_watch.h).
//
// etcd itself gives the guarantees the interface promises: strictly serialisable KV
// operations and transactions, one revision counter, lease expiry on the leader.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cluster/etcd_transport.h"
#include "cluster/metadata_store.h"

namespace sluice::cluster {

class EtcdMetadataStore final : public MetadataStore {
 public:
  // `endpoints`: "http://host:port[,...]", every member of one etcd cluster.
  static StoreResult<std::unique_ptr<EtcdMetadataStore>> connect(std::string_view endpoints,
                                                                 EtcdTransportOptions options = {});

  explicit EtcdMetadataStore(std::shared_ptr<EtcdTransport> transport);

  StoreResult<std::optional<KeyValue>> get(const std::string& key) override;
  StoreResult<ReadResult> range_prefix(const std::string& prefix) override;
  StoreResult<Revision> put(const std::string& key, const std::string& value,
                            LeaseId lease = 0) override;
  StoreResult<Revision> remove(const std::string& key) override;
  StoreResult<Revision> txn(const std::vector<Guard>& guards,
                            const std::vector<WriteOp>& ops) override;
  StoreResult<Lease> grant_lease(int64_t ttl_seconds) override;
  StoreResult<int64_t> keep_alive(LeaseId lease) override;
  StoreStatus revoke_lease(LeaseId lease) override;
  StoreResult<std::unique_ptr<Watch>> watch_prefix(const std::string& prefix,
                                                   Revision from_revision,
                                                   WatchCallback callback) override;
  StoreStatus compact(Revision revision) override;

  // GET /v3/maintenance/status on the preferred member: OK when it answers.
  StoreStatus status();

 private:
  std::shared_ptr<EtcdTransport> transport_;
};

}  // namespace sluice::cluster
