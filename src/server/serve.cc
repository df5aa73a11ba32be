#include "server/serve.h"

#include <signal.h>

#include <charconv>
#include <thread>

#include "common/asio.h"
#include "common/file.h"
#include "common/log.h"
#include "groups/group_coordinator.h"
#include "groups/offset_store.h"
#include "kafka/server/broker.h"
#include "kafka/server/listener.h"
#include "queues/queue_manager.h"
#include "server/data_dir_lock.h"
#include "sqs/server/listener.h"
#include "sqs/server/sqs_service.h"
#include "storage/fsync_policy.h"
#include "topics/producer_id_allocator.h"
#include "topics/topic_manager.h"

namespace sluice::server {

Result<ListenAddress> parse_listen_address(const std::string& text, const std::string& flag) {
  const auto bad = [&](const std::string& why) {
    return Status::invalid_argument(flag + " '" + text + "': " + why + " (expected HOST:PORT)");
  };
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return bad("no host");
  std::string host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']') return bad("unclosed [");
    host = host.substr(1, host.size() - 2);
  }
  const std::string port_text = text.substr(colon + 1);
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return bad("bad port");
  }
  return ListenAddress{host, static_cast<uint16_t>(port)};
}

void add_serve_command(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand("serve", "Run the broker (embedded single-node defaults)");
  serve->add_option("--data-dir", options->data_dir, "Directory for logs and metadata")
      ->capture_default_str();
  serve->add_option("--kafka-listen", options->kafka_listen, "Kafka protocol listener HOST:PORT")
      ->capture_default_str();
  serve->add_option("--advertised-kafka", options->advertised_kafka,
                    "HOST:PORT that Metadata tells Kafka clients to connect to "
                    "(default: the Kafka listener's address)");
  serve->add_option("--sqs-listen", options->sqs_listen, "SQS API listener HOST:PORT")
      ->capture_default_str();
  serve->add_option("--advertised-sqs", options->advertised_sqs,
                    "HOST:PORT put in the queue URLs the SQS API returns "
                    "(default: the Host header of each request)");
  serve
      ->add_option("--sqs-account-id", options->sqs_account_id,
                   "Account id in SQS queue URLs and ARNs")
      ->capture_default_str();
  serve->add_option("--sqs-region", options->sqs_region, "Region in SQS queue ARNs")
      ->capture_default_str();
  serve->add_option("--sqs-access-key", options->sqs_access_keys,
                    "ID:SECRET an SQS request may be SigV4-signed with (repeatable); with none "
                    "here or in --sqs-access-keys-file, any signature is accepted");
  serve->add_option("--sqs-access-keys-file", options->sqs_access_keys_file,
                    "File of ID:SECRET lines ('#' comments) for SQS SigV4 verification");
  serve
      ->add_option("--sqs-idle-timeout-ms", options->sqs_idle_timeout_ms,
                   "Close an SQS connection that sends nothing for this long, between requests "
                   "or stalled inside one (a long poll is not idle)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--admin-listen", options->admin_listen,
                   "Admin HTTP (health, metrics) listener HOST:PORT")
      ->capture_default_str();
  serve
      ->add_option("--fsync", options->fsync,
                   "Default fsync policy of topic logs: always, never or interval:<ms>")
      ->capture_default_str();
  serve
      ->add_option("--default-partitions", options->default_partitions,
                   "Partitions of auto-created topics and of CreateTopics with -1")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--auto-create-topics", options->auto_create_topics,
                   "Create unknown topics on Metadata and Produce")
      ->capture_default_str();
  serve
      ->add_option("--max-request-bytes", options->max_request_bytes,
                   "Largest Kafka request frame accepted; larger ones close the connection")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--retention-check-ms", options->retention_check_ms,
                   "How often retention runs over every partition")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  serve
      ->add_option("--group-initial-rebalance-delay-ms", options->group_initial_rebalance_delay_ms,
                   "How long a new consumer group waits for more members before its first "
                   "generation (Kafka's group.initial.rebalance.delay.ms)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  serve->add_option("--ports-file", options->ports_file,
                    "Write the bound listener ports here once open (for tests using port 0)");
  serve->callback([options, exit_code] { *exit_code = run_serve(*options); });
}

namespace {

// Applies retention every `period` until the io_context stops.
asio::awaitable<void> retention_loop(topics::TopicManager& topics,
                                     std::chrono::milliseconds period) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(period);
    co_await timer.async_wait(asio::use_awaitable);
    auto removed = topics.enforce_retention();
    if (!removed.is_ok()) {
      log::get("server")->warn("retention failed error=\"{}\"", removed.status().to_string());
    }
  }
}

// Expires consumer-group members and completes rebalances whose time is up.
asio::awaitable<void> group_tick_loop(groups::GroupCoordinator& coordinator) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (true) {
    timer.expires_after(std::chrono::milliseconds(100));
    co_await timer.async_wait(asio::use_awaitable);
    coordinator.tick(kafka::server::monotonic_ms());
  }
}

}  // namespace

int run_serve(const ServeOptions& options) {
  auto logger = log::get("server");
  auto fail = [&](const Status& status) {
    logger->error("cannot start: {}", status.message());
    return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
  };
  auto kafka_address = parse_listen_address(options.kafka_listen, "--kafka-listen");
  if (!kafka_address.is_ok()) return fail(kafka_address.status());
  auto sqs_address = parse_listen_address(options.sqs_listen, "--sqs-listen");
  if (!sqs_address.is_ok()) return fail(sqs_address.status());
  if (auto address = parse_listen_address(options.admin_listen, "--admin-listen");
      !address.is_ok()) {
    return fail(address.status());
  }
  if (!options.advertised_sqs.empty()) {
    auto address = parse_listen_address(options.advertised_sqs, "--advertised-sqs");
    if (!address.is_ok()) return fail(address.status());
  }
  auto fsync = storage::FsyncPolicy::parse(options.fsync);
  if (!fsync.is_ok()) return fail(fsync.status());
  auto sqs_access_keys =
      sqs::server::AccessKeys::parse(options.sqs_access_keys, options.sqs_access_keys_file);
  if (!sqs_access_keys.is_ok()) return fail(sqs_access_keys.status());

  // Block the stop signals before any thread exists so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto lock = DataDirLock::acquire(options.data_dir);
  if (!lock.is_ok()) return fail(lock.status());

  topics::TopicDefaults defaults;
  defaults.log.fsync = *fsync;
  defaults.partitions = options.default_partitions;
  auto topics =
      topics::TopicManager::open(std::filesystem::path(options.data_dir) / "topics", defaults);
  if (!topics.is_ok()) return fail(topics.status());

  auto offsets = groups::OffsetStore::open(
      std::filesystem::path(options.data_dir) / "groups" / "offsets", defaults.log);
  if (!offsets.is_ok()) return fail(offsets.status());
  groups::GroupConfig group_config;
  group_config.initial_rebalance_delay_ms = options.group_initial_rebalance_delay_ms;
  groups::GroupCoordinator coordinator(**offsets, group_config);
  auto producer_ids =
      topics::ProducerIdAllocator::open(std::filesystem::path(options.data_dir) / "producer-ids");
  if (!producer_ids.is_ok()) return fail(producer_ids.status());
  queues::QueueManagerOptions queue_options;
  queue_options.region = options.sqs_region;
  queue_options.account_id = options.sqs_account_id;
  auto queue_manager =
      queues::QueueManager::open(std::filesystem::path(options.data_dir) / "queues", queue_options);
  if (!queue_manager.is_ok()) return fail(queue_manager.status());

  asio::io_context io;
  // Appends wait for fdatasync on these threads; many of them let group commit gather
  // appends from many connections into one sync.
  asio::thread_pool blocking_pool(16);

  kafka::server::BrokerOptions broker_options;
  broker_options.auto_create_topics = options.auto_create_topics;
  kafka::server::KafkaBroker broker(kafka::server::BrokerContext{
      **topics, coordinator, **offsets, **producer_ids, blocking_pool, broker_options});
  kafka::server::ListenerOptions listener_options;
  listener_options.host = kafka_address->host;
  listener_options.port = kafka_address->port;
  listener_options.max_request_bytes = options.max_request_bytes;
  kafka::server::KafkaListener listener(io, broker, listener_options);
  if (Status status = listener.start(); !status.is_ok()) return fail(status);

  // Metadata advertises the bound port unless told otherwise.
  ListenAddress advertised{kafka_address->host, listener.port()};
  if (!options.advertised_kafka.empty()) {
    auto parsed = parse_listen_address(options.advertised_kafka, "--advertised-kafka");
    if (!parsed.is_ok()) return fail(parsed.status());
    advertised = *parsed;
  }
  broker.set_advertised(advertised.host, advertised.port);

  sqs::server::SqsServiceOptions sqs_service_options;
  sqs_service_options.advertised_host = options.advertised_sqs;
  sqs_service_options.account_id = options.sqs_account_id;
  sqs_service_options.fallback_host = sqs_address->to_string();  // for requests without Host
  sqs::server::SqsService sqs_service(**queue_manager, blocking_pool, sqs_service_options);
  sqs::server::SqsListenerOptions sqs_listener_options;
  sqs_listener_options.host = sqs_address->host;
  sqs_listener_options.port = sqs_address->port;
  sqs_listener_options.access_keys = std::move(*sqs_access_keys);
  sqs_listener_options.idle_timeout = std::chrono::milliseconds(options.sqs_idle_timeout_ms);
  sqs::server::SqsListener sqs_listener(io, sqs_service, sqs_listener_options);
  if (Status status = sqs_listener.start(); !status.is_ok()) return fail(status);

  asio::co_spawn(io,
                 retention_loop(**topics, std::chrono::milliseconds(options.retention_check_ms)),
                 asio::detached);
  asio::co_spawn(io, group_tick_loop(coordinator), asio::detached);
  const unsigned io_threads = std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < io_threads; ++i) threads.emplace_back([&io] { io.run(); });

  if (!options.ports_file.empty()) {
    Status status = write_file_atomically(options.ports_file,
                                          "kafka=" + std::to_string(listener.port()) + "\n" +
                                              "sqs=" + std::to_string(sqs_listener.port()) + "\n");
    if (!status.is_ok()) logger->error("cannot write ports file: {}", status.message());
  }
  logger->info("sluice started data_dir={} kafka={} advertised_kafka={} fsync={}", options.data_dir,
               listener_options.host + ":" + std::to_string(listener.port()),
               advertised.to_string(), fsync->to_string());
  logger->info("sqs listening={} advertised_sqs={} sigv4={}",
               sqs_listener_options.host + ":" + std::to_string(sqs_listener.port()),
               options.advertised_sqs.empty() ? "(Host header)" : options.advertised_sqs,
               sqs_listener_options.access_keys.empty()
                   ? std::string("any signature accepted")
                   : "verified against " + std::to_string(sqs_listener_options.access_keys.size()) +
                         " key(s)");
  logger->warn("the admin listener is not built yet (issue 6)");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  logger->info("stopping on signal {}", signal_number);
  listener.stop();
  sqs_listener.stop();
  io.stop();
  for (auto& thread : threads) thread.join();
  blocking_pool.join();
  if (Status status = (*queue_manager)->close(); !status.is_ok()) {
    logger->error("closing queues failed: {}", status.message());
  }
  return 0;
}

}  // namespace sluice::server
