// The SQS actions over the queue service: one parsed request in, one protocol-shaped HTTP
// reply out. No sockets here (listener.h owns those), so tests drive it directly:
//
//   SqsService service(manager, blocking_pool, {});
//   HttpReply reply = co_await service.handle(http_request_view, "127.0.0.1:9324");
//
// Every call into the queue service that may touch the disk runs on the blocking pool. Sends,
// receives and deletes write there and return; the coroutine then waits for the write's
// durability ticket without holding any thread, and may run on any executor (the listener
// runs it on the connection's strand). ReceiveMessage long-polls: it
// subscribes to the queue, sleeps until the wait time is over or the next delayed or
// in-flight message becomes visible, and is woken at once by a send or a visibility change.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "common/asio.h"
#include "common/metrics.h"
#include "common/status.h"
#include "queues/move_task.h"
#include "queues/queue_manager.h"
#include "sqs/protocol/errors.h"
#include "sqs/protocol/request.h"
#include "sqs/protocol/value.h"

namespace sluice::sqs::server {

struct SqsServiceOptions {
  // "HOST:PORT" put in queue URLs; empty: the request's Host header.
  std::string advertised_host;
  std::string account_id = "000000000000";
  // Used when a request has neither an advertised host nor a Host header.
  std::string fallback_host = "127.0.0.1:9324";
};

class SqsService {
 public:
  SqsService(queues::QueueManager& queues, asio::thread_pool& blocking_pool,
             SqsServiceOptions options);

  // Parses, runs and renders one request. `host` is the request's Host header ("" when
  // absent). Never fails: errors come back as the protocol's error reply.
  asio::awaitable<protocol::HttpReply> handle(protocol::HttpRequestView http, std::string host);

  // Runs one parsed request and returns its result Value or an error Status (carrying an
  // SQS error code, see protocol::make_error).
  asio::awaitable<Result<protocol::Value>> execute(const protocol::SqsRequest& request,
                                                   const std::string& host);

  // The URL of queue `name` for a client that reached us as `host`.
  std::string queue_url(const std::string& name, const std::string& host) const;

 private:
  // Runs `work` on the blocking pool and returns what it returned.
  asio::awaitable<Result<protocol::Value>> blocking(std::function<Result<protocol::Value>()> work);
  asio::awaitable<Result<protocol::Value>> receive_message(const protocol::SqsRequest& request);
  // SendMessage(Batch) and DeleteMessage(Batch): the write on the pool, then a wait for its
  // durability that holds no thread.
  asio::awaitable<Result<protocol::Value>> send_messages(const protocol::SqsRequest& request);
  asio::awaitable<Result<protocol::Value>> delete_messages(const protocol::SqsRequest& request);

  queues::QueueManager& queues_;
  asio::thread_pool& blocking_pool_;
  const SqsServiceOptions options_;
  std::mutex permissions_mu_;     // serializes AddPermission/RemovePermission's Policy edits
  queues::MoveTasks move_tasks_;  // StartMessageMoveTask and friends; moves on its own thread
  // Per action, created up front so that the request path takes no lock.
  std::map<std::string, metrics::Histogram*, std::less<>> latency_;
};

}  // namespace sluice::sqs::server
