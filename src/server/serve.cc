#include "server/serve.h"

#include <signal.h>
#include <unistd.h>

#include <iostream>
#include <sstream>
#include <thread>

#include "admin/admin_server.h"
#include "cluster/local_placement.h"
#include "common/asio.h"
#include "common/file_system.h"
#include "common/log.h"
#include "groups/group_coordinator.h"
#include "groups/offset_store.h"
#include "kafka/server/broker.h"
#include "kafka/server/listener.h"
#include "net/server.h"
#include "queues/queue_manager.h"
#include "server/admin_endpoints.h"
#include "server/cluster_node.h"
#include "server/data_dir_identity.h"
#include "server/data_dir_lock.h"
#include "sqs/server/listener.h"
#include "sqs/server/sqs_service.h"
#include "storage/fsync_policy.h"
#include "topics/producer_id_allocator.h"
#include "topics/topic_manager.h"

extern char** environ;

namespace sluice::server {

void add_serve_command(CLI::App& app, int* exit_code) {
  struct Args {
    std::map<std::string, std::string> raw;  // key -> flag text
    std::vector<std::pair<std::string, CLI::Option*>> options;
    std::string config_file;
    bool print_config = false;
    std::string format = "text";
    std::string ports_file;
  };
  auto args = std::make_shared<Args>();
  CLI::App* serve = app.add_subcommand("serve", "Run the broker (embedded single-node defaults)");
  serve->add_option("--config", args->config_file,
                    "TOML configuration file (keys in docs/configuration.md)");
  serve->add_flag("--print-config", args->print_config,
                  "Print the effective configuration and where each value came from, then exit");
  serve->add_option("--format", args->format, "Format of --print-config: text (TOML) or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  serve->add_option("--ports-file", args->ports_file,
                    "Write the bound listener ports here once ready (for tests using port 0)");
  const ServeOptions defaults;
  for (const ConfigKey& key : config_keys()) {
    std::string help =
        key.help + " [" + key.key + ", " + key.env() + "; default: '" + key.get(defaults) + "']";
    CLI::Option* option = serve->add_option(key.flag, args->raw[key.key], help);
    // The one list-valued key: `--sqs-access-key A:x --sqs-access-key B:y` joins to "A:x,B:y".
    if (key.key == "sqs.access_keys") {
      option->delimiter(',')->multi_option_policy(CLI::MultiOptionPolicy::Join);
    }
    args->options.emplace_back(key.key, option);
  }
  serve->callback([args, exit_code] {
    ConfigInputs inputs;
    if (!args->config_file.empty()) inputs.file = args->config_file;
    inputs.env = config_env_from(environ);
    for (const auto& [key, option] : args->options) {
      if (option->count() > 0) inputs.flags[key] = args->raw[key];
    }
    auto config = load_config(inputs);
    if (!config.is_ok()) {
      std::cerr << "sluice serve: " << config.status().message() << "\n";
      *exit_code = 2;
      return;
    }
    if (args->print_config) {
      std::cout << render_config(*config, args->format);
      *exit_code = 0;
      return;
    }
    config->options.ports_file = args->ports_file;
    *exit_code = run_serve(config->options);
  });
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

void apply_log_levels(const ServeOptions& options) {
  log::set_default_level(*log::parse_level(options.log_level));  // checked by the config
  std::stringstream items(options.log_components);
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t eq = item.find('=');
    log::set_level(item.substr(0, eq), *log::parse_level(item.substr(eq + 1)));
  }
}

// The io_context's threads; stopped and joined at the latest when this goes out of scope,
// which is before anything declared earlier (the services they use) is destroyed.
class IoThreads {
 public:
  explicit IoThreads(asio::io_context& io) : io_(io) {}
  ~IoThreads() { stop(); }
  void start(unsigned count) {
    for (unsigned i = 0; i < count; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  void stop() {
    io_.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
  }

 private:
  asio::io_context& io_;
  std::vector<std::thread> threads_;
};

// One line on what start-up found: the proof that a clean stop needs no recovery scan.
void log_recovery(const storage::RecoveryTally& tally) {
  auto logger = log::get("server");
  const int64_t scanned = tally.logs - tally.clean - tally.fresh;
  if (tally.logs == tally.fresh) {
    logger->info("first start: no logs to recover logs={}", tally.logs);
  } else if (scanned == 0) {
    logger->info("clean shutdown: no recovery needed logs={} new={}", tally.logs, tally.fresh);
  } else {
    logger->warn(
        "unclean shutdown: recovery scanned the newest segment of {} logs logs={} clean={} "
        "truncated_bytes={}",
        scanned, tally.logs, tally.clean, tally.truncated_bytes);
  }
}

}  // namespace

int run_serve(const ServeOptions& options) {
  apply_log_levels(options);
  auto logger = log::get("server");
  auto fail = [&](const Status& status) {
    logger->error("cannot start: {}", status.message());
    return status.code() == StatusCode::kInvalidArgument ? 2 : 1;
  };
  auto kafka_address = parse_listen_address(options.kafka_listen, "kafka.listen");
  if (!kafka_address.is_ok()) return fail(kafka_address.status());
  auto sqs_address = parse_listen_address(options.sqs_listen, "sqs.listen");
  if (!sqs_address.is_ok()) return fail(sqs_address.status());
  auto admin_address = parse_listen_address(options.admin_listen, "admin.listen");
  if (!admin_address.is_ok()) return fail(admin_address.status());
  auto fsync = storage::FsyncPolicy::parse(options.fsync);
  if (!fsync.is_ok()) return fail(fsync.status());
  std::vector<std::string> access_key_list;
  std::stringstream access_key_items(options.sqs_access_keys);
  for (std::string item; std::getline(access_key_items, item, ',');) {
    access_key_list.push_back(item);
  }
  auto sqs_access_keys =
      sqs::server::AccessKeys::parse(access_key_list, options.sqs_access_keys_file);
  if (!sqs_access_keys.is_ok()) return fail(sqs_access_keys.status());

  // Block the stop signals before any thread exists so that only sigwait sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto lock = DataDirLock::acquire(options.data_dir);
  if (!lock.is_ok()) return fail(lock.status());

  // The admin listener opens first, on a thread of its own, so /healthz answers and /readyz
  // says 503 while the logs recover, and metrics answer even when the client loop is busy.
  asio::io_context admin_io;
  admin::AdminServerOptions admin_options;
  admin_options.host = admin_address->host;
  admin_options.port = admin_address->port;
  admin::AdminServer admin_server(admin_io, admin_options);
  AdminEndpoints endpoints(admin_server);
  if (Status status = admin_server.start(); !status.is_ok()) return fail(status);
  IoThreads admin_thread(admin_io);
  admin_thread.start(1);

  // The one place the broker picks its disk: every service below gets it explicitly.
  FileSystem& fs = FileSystem::posix();
  const bool clustered = !options.cluster_etcd.empty();
  const auto node_id = static_cast<int32_t>(options.node_id);
  if (Status status = claim_data_dir(
          fs, options.data_dir, DataDirIdentity{clustered ? options.cluster_name : "", node_id});
      !status.is_ok()) {
    return fail(status);
  }
  topics::TopicDefaults defaults;
  defaults.log.fsync = *fsync;
  defaults.partitions = static_cast<int32_t>(options.default_partitions);
  // In cluster mode a partition serves clients only once its state says this broker leads.
  defaults.lead_new_partitions = !clustered;
  auto topics =
      topics::TopicManager::open(std::filesystem::path(options.data_dir) / "topics", defaults, fs);
  if (!topics.is_ok()) return fail(topics.status());

  // Cluster mode: etcd reached and the cluster's state read before anything is served.
  std::unique_ptr<ClusterNode> cluster_node;
  std::unique_ptr<cluster::LocalPlacement> local_placement;
  cluster::Placement* placement = nullptr;
  if (clustered) {
    ClusterNodeOptions cluster_options;
    cluster_options.node_id = node_id;
    cluster_options.etcd = options.cluster_etcd;
    cluster_options.cluster = options.cluster_name;
    cluster_options.rack = options.cluster_rack;
    cluster_options.lease_ttl_seconds = options.cluster_lease_ttl_s;
    cluster_options.replica_lag_time_max_ms = options.replica_lag_time_max_ms;
    cluster_options.default_partitions = defaults.partitions;
    auto connected = ClusterNode::connect(cluster_options);
    if (!connected.is_ok()) return fail(connected.status());
    cluster_node = std::move(*connected);
    placement = &cluster_node->placement();
  } else {
    local_placement = std::make_unique<cluster::LocalPlacement>(**topics, node_id, "sluice-local");
    placement = local_placement.get();
  }

  auto offsets = groups::OffsetStore::open(
      std::filesystem::path(options.data_dir) / "groups" / "offsets", defaults.log, fs);
  if (!offsets.is_ok()) return fail(offsets.status());
  groups::GroupConfig group_config;
  group_config.initial_rebalance_delay_ms = options.group_initial_rebalance_delay_ms;
  groups::GroupCoordinator coordinator(**offsets, group_config);
  auto producer_ids =
      clustered ? Result<std::unique_ptr<topics::ProducerIdAllocator>>(
                      topics::ProducerIdAllocator::from(cluster_node->producer_id_source()))
                : topics::ProducerIdAllocator::open(
                      std::filesystem::path(options.data_dir) / "producer-ids", fs);
  if (!producer_ids.is_ok()) return fail(producer_ids.status());
  queues::QueueManagerOptions queue_options;
  queue_options.region = options.sqs_region;
  queue_options.account_id = options.sqs_account_id;
  queue_options.fs = &fs;
  auto queue_manager =
      queues::QueueManager::open(std::filesystem::path(options.data_dir) / "queues", queue_options);
  if (!queue_manager.is_ok()) return fail(queue_manager.status());

  storage::RecoveryTally tally = (*topics)->recovery();
  tally.add((*offsets)->recovery());
  tally.merge((*queue_manager)->recovery());
  log_recovery(tally);

  asio::io_context io;
  // Disk work runs on these threads: writes (into the page cache; durability is waited for
  // on tickets, holding no thread), reads, metadata files, and the few calls that still
  // block on an fdatasync (group-offset commits, checkpoints, DLQ moves).
  asio::thread_pool blocking_pool(16);
  kafka::server::BrokerOptions broker_options;
  broker_options.auto_create_topics = options.auto_create_topics;
  kafka::server::KafkaBroker broker(kafka::server::BrokerContext{
      **topics, *placement, coordinator, **offsets, **producer_ids, blocking_pool, broker_options});
  kafka::server::ListenerOptions listener_options;
  listener_options.host = kafka_address->host;
  listener_options.port = kafka_address->port;
  listener_options.max_request_bytes = options.max_request_bytes;
  kafka::server::KafkaListener listener(io, broker, listener_options);

  if (Status status = listener.start(); !status.is_ok()) return fail(status);

  // Metadata advertises the bound port unless told otherwise.
  ListenAddress advertised{kafka_address->host, listener.port()};
  if (!options.advertised_kafka.empty()) {
    auto parsed = parse_listen_address(options.advertised_kafka, "kafka.advertised");
    if (!parsed.is_ok()) return fail(parsed.status());
    advertised = *parsed;
  }
  if (local_placement) local_placement->set_advertised(advertised.host, advertised.port);

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

  if (cluster_node) {
    // Logs follow the cluster's topics and leaders before the first request is served;
    // then this broker registers and stands for controller.
    cluster_node->start(
        **topics, {{"kafka", advertised.to_string()},
                   {"sqs", sqs_address->host + ":" + std::to_string(sqs_listener.port())},
                   {"admin", admin_address->host + ":" + std::to_string(admin_server.port())}});
  }
  asio::co_spawn(io,
                 retention_loop(**topics, std::chrono::milliseconds(options.retention_check_ms)),
                 asio::detached);
  asio::co_spawn(io, group_tick_loop(coordinator), asio::detached);
  IoThreads threads(io);
  threads.start(std::max(2u, std::thread::hardware_concurrency()));

  const std::string kafka_bound = kafka_address->host + ":" + std::to_string(listener.port());
  const std::string sqs_bound = sqs_address->host + ":" + std::to_string(sqs_listener.port());
  std::function<uint64_t()> leader_elections;
  if (cluster_node) {
    leader_elections = [node = cluster_node.get()] { return node->leader_elections(); };
  }
  const BrokerServices services{**topics,    *placement,   std::move(leader_elections),
                                **offsets,   coordinator,  **queue_manager,
                                listener,    sqs_listener, options.data_dir,
                                kafka_bound, sqs_bound};
  endpoints.attach(&services);

  if (!options.ports_file.empty()) {
    // Absolute, so that the atomic write can sync the file's directory even for "ports".
    Status status =
        write_file_atomically(fs, std::filesystem::absolute(options.ports_file),
                              "kafka=" + std::to_string(listener.port()) + "\n" +
                                  "sqs=" + std::to_string(sqs_listener.port()) + "\n" +
                                  "admin=" + std::to_string(admin_server.port()) + "\n");
    if (!status.is_ok()) logger->error("cannot write ports file: {}", status.message());
  }
  logger->info("sluice ready data_dir={} kafka={} advertised_kafka={} fsync={}", options.data_dir,
               kafka_bound, advertised.to_string(), fsync->to_string());
  if (clustered) {
    logger->info("cluster mode cluster={} node_id={} etcd={} rack={}", options.cluster_name,
                 node_id, options.cluster_etcd,
                 options.cluster_rack.empty() ? "(none)" : options.cluster_rack);
  }
  logger->info("sqs listening={} advertised_sqs={} sigv4={} admin={}:{}", sqs_bound,
               options.advertised_sqs.empty() ? "(Host header)" : options.advertised_sqs,
               sqs_listener_options.access_keys.empty()
                   ? std::string("any signature accepted")
                   : "verified against " + std::to_string(sqs_listener_options.access_keys.size()) +
                         " key(s)",
               admin_address->host, admin_server.port());

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  const auto stop_started = std::chrono::steady_clock::now();
  logger->info("stopping on signal {}: no new connections, finishing requests in flight",
               signal_number);
  endpoints.set_draining();
  const int64_t left =
      net::drain({&listener, &sqs_listener}, std::chrono::milliseconds(options.shutdown_drain_ms));
  if (left > 0) {
    logger->warn("drain time over, closing connections requests_in_flight={}", left);
  }
  listener.stop();
  sqs_listener.stop();
  // Leaves the cluster now (lease revoked): other brokers take over its partitions and the
  // controller's role without waiting for the lease to expire.
  if (cluster_node) cluster_node->stop();
  admin_server.stop();
  endpoints.detach();
  threads.stop();
  blocking_pool.join();

  // Every log closes cleanly (flushed, fsynced, marked), so the next start skips recovery.
  bool clean = true;
  if (Status status = (*queue_manager)->close(); !status.is_ok()) {
    logger->error("closing queues failed: {}", status.message());
    clean = false;
  }
  (*topics)->close();  // logs its own failures per partition
  if (Status status = (*offsets)->close(); !status.is_ok()) {
    logger->error("closing group offsets failed: {}", status.message());
    clean = false;
  }
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - stop_started)
                        .count();
  if (!clean) {
    logger->error("stopped with errors took_ms={}", took);
    return 1;
  }
  logger->info("stopped cleanly: every log flushed and closed took_ms={}", took);
  return 0;
}

}  // namespace sluice::server
