// A prefix watch on etcd: one streamed POST to /v3/watch, read on a thread of its own.
//
// The stream is resumed after any failure (a member dying, a reset, a canceled watch) from
// the revision after the last one delivered, on the next member, so the callback sees every
// revision once and in order. It ends only when the revision to resume from is compacted
// (kCompacted, once) or the watch is destroyed.
//
// A member that goes silent without closing the connection (a network partition) is not yet
// detected: that needs progress notifications, whose interval etcd 3.4 fixes at 10 minutes
// unless started with --experimental-watch-progress-notify-interval.
#pragma once

#include <memory>
#include <string>

#include "cluster/etcd_transport.h"
#include "cluster/metadata_store.h"

namespace sluice::cluster {

std::unique_ptr<Watch> start_etcd_watch(std::shared_ptr<EtcdTransport> transport,
                                        std::string prefix, Revision from_revision,
                                        WatchCallback callback);

}  // namespace sluice::cluster
