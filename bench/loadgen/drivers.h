// The drivers of bench/loadgen, one file each. `address` is HOST:PORT (or a URL for SQS).
#pragma once

#include <memory>
#include <string>

#include "loadgen/driver.h"

namespace sluice::loadgen {

// Kafka wire protocol over librdkafka: Sluice's topics, or any Kafka/Redpanda broker.
// `acks` is librdkafka's acks ("all" or "1").
std::unique_ptr<Driver> make_kafka_driver(std::string bootstrap, std::string acks);
// The SQS JSON 1.0 API over Boost.Beast keep-alive connections: Sluice's queues.
std::unique_ptr<Driver> make_sqs_driver(std::string endpoint);
// NATS JetStream over libnats: a file-storage stream and a shared pull consumer.
std::unique_ptr<Driver> make_jetstream_driver(std::string address);
// RabbitMQ over librabbitmq (AMQP 0-9-1) with publisher confirms; `queue_type` is "quorum",
// "classic" (non-durable, transient messages: the out-of-the-box queue) or "stream".
std::unique_ptr<Driver> make_rabbitmq_driver(std::string address, std::string queue_type);
// Redis Streams over hiredis: XADD, and XREADGROUP + XACK in one consumer group.
std::unique_ptr<Driver> make_redis_driver(std::string address);

}  // namespace sluice::loadgen
