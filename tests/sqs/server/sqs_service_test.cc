// SqsService without sockets: parse_request -> service -> render, in both protocols.
#include "sqs/server/sqs_service.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/async.h"

namespace sluice::sqs::server {
namespace {

using protocol::HttpReply;
using protocol::HttpRequestView;

struct Call {
  std::string target = "/";
  std::string amz_target;
  std::string body;
};

asio::awaitable<void> run_call(SqsService* service, Call call, std::optional<HttpReply>* out) {
  const HttpRequestView view{
      .target = call.target, .amz_target = call.amz_target, .body = call.body};
  *out = co_await service->handle(view, "localhost:9324");
}

asio::awaitable<void> send_after(SqsService* service, std::chrono::milliseconds delay,
                                 std::optional<HttpReply>* out,
                                 std::chrono::steady_clock::time_point* sent_at) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  timer.expires_after(delay);
  boost::system::error_code ec;
  auto token = asio::redirect_error(asio::use_awaitable, ec);
  co_await timer.async_wait(token);
  *sent_at = std::chrono::steady_clock::now();
  Call call{.body = "Action=SendMessage&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fq&MessageBody=hi"};
  co_await run_call(service, std::move(call), out);
}

class SqsServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sqs_service_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto manager = queues::QueueManager::open(dir_, {});
    ASSERT_TRUE(manager.is_ok()) << manager.status().to_string();
    manager_ = std::move(*manager);
    service_ = std::make_unique<SqsService>(*manager_, pool_, SqsServiceOptions{});
  }
  void TearDown() override {
    service_.reset();
    pool_.join();
    if (manager_) {
      EXPECT_TRUE(manager_->close().is_ok());
    }
    manager_.reset();
    std::filesystem::remove_all(dir_);
  }

  HttpReply call(Call request) {
    std::optional<HttpReply> reply;
    io_.restart();
    asio::co_spawn(io_, run_call(service_.get(), std::move(request), &reply), asio::detached);
    io_.run();
    return *reply;
  }
  HttpReply query(std::string body) { return call(Call{.body = std::move(body)}); }
  HttpReply json(std::string action, std::string body) {
    return call(Call{.amz_target = "AmazonSQS." + action, .body = std::move(body)});
  }

  std::filesystem::path dir_;
  // Outlives the pool: a finished pool job may still hold a timer of this io_context until
  // the pool is joined (see common/async.h).
  asio::io_context io_;
  asio::thread_pool pool_{2};
  std::unique_ptr<queues::QueueManager> manager_;
  std::unique_ptr<SqsService> service_;
};

TEST_F(SqsServiceTest, CreateQueueReturnsUrlFromHostHeader) {
  HttpReply reply = query("Action=CreateQueue&QueueName=q");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.body.find("<QueueUrl>http://localhost:9324/000000000000/q</QueueUrl>"),
            std::string::npos)
      << reply.body;
  reply = json("GetQueueUrl", R"({"QueueName":"q"})");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, R"({"QueueUrl":"http://localhost:9324/000000000000/q"})");
}

TEST_F(SqsServiceTest, SendReceiveDeleteOverJson) {
  ASSERT_EQ(query("Action=CreateQueue&QueueName=q").status, 200);
  HttpReply sent =
      json("SendMessage", R"({"QueueUrl":"http://h/000000000000/q","MessageBody":"hi"})");
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_NE(sent.body.find(R"("MD5OfMessageBody":"49f68a5c8493ec2c0bf489821c21fc3b")"),
            std::string::npos)
      << sent.body;
  HttpReply got = json("ReceiveMessage", R"({"QueueUrl":"http://h/000000000000/q"})");
  ASSERT_EQ(got.status, 200);
  const size_t at = got.body.find(R"("ReceiptHandle":")");
  ASSERT_NE(at, std::string::npos) << got.body;
  const size_t start = at + 17;
  const std::string handle = got.body.substr(start, got.body.find('"', start) - start);
  HttpReply deleted =
      json("DeleteMessage",
           R"({"QueueUrl":"http://h/000000000000/q","ReceiptHandle":")" + handle + "\"}");
  EXPECT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(deleted.body, "{}");
}

TEST_F(SqsServiceTest, RequestToTheQueuePathNamesTheQueue) {
  ASSERT_EQ(query("Action=CreateQueue&QueueName=q").status, 200);
  HttpReply sent =
      call(Call{.target = "/000000000000/q", .body = "Action=SendMessage&MessageBody=x"});
  EXPECT_EQ(sent.status, 200) << sent.body;
}

TEST_F(SqsServiceTest, ErrorsInEachProtocol) {
  HttpReply missing = query("Action=GetQueueUrl&QueueName=nope");
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("AWS.SimpleQueueService.NonExistentQueue"), std::string::npos);
  HttpReply json_missing = json("GetQueueUrl", R"({"QueueName":"nope"})");
  EXPECT_EQ(json_missing.status, 400);
  EXPECT_NE(json_missing.body.find("com.amazonaws.sqs#QueueDoesNotExist"), std::string::npos);
  HttpReply no_source =
      query("Action=StartMessageMoveTask&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A0%3Aq");
  EXPECT_EQ(no_source.status, 404);
  EXPECT_NE(no_source.body.find("<Code>ResourceNotFoundException</Code>"), std::string::npos)
      << no_source.body;
  HttpReply unknown = query("Action=Frobnicate");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("InvalidAction"), std::string::npos);
}

TEST_F(SqsServiceTest, MessageMoveTasksInBothProtocols) {
  ASSERT_EQ(query("Action=CreateQueue&QueueName=dlq").status, 200);
  HttpReply source = json("CreateQueue", R"({"QueueName":"src","Attributes":{"RedrivePolicy":)"
                                         R"("{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:)"
                                         R"(000000000000:dlq\",\"maxReceiveCount\":2}"}})");
  ASSERT_EQ(source.status, 200) << source.body;
  HttpReply started = query(
      "Action=StartMessageMoveTask&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A000000000000%3Adlq");
  ASSERT_EQ(started.status, 200) << started.body;
  EXPECT_NE(started.body.find("<StartMessageMoveTaskResult><TaskHandle>"), std::string::npos);
  // Nothing to move: the task completes on its first step.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  HttpReply listed;
  do {
    listed = json("ListMessageMoveTasks",
                  R"({"SourceArn":"arn:aws:sqs:us-east-1:000000000000:dlq","MaxResults":10})");
    ASSERT_EQ(listed.status, 200) << listed.body;
  } while (listed.body.find("COMPLETED") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline);
  EXPECT_NE(listed.body.find(R"({"Results":[{"Status":"COMPLETED","SourceArn":)"),
            std::string::npos)
      << listed.body;
  EXPECT_NE(listed.body.find(R"("ApproximateNumberOfMessagesMoved":0,)"), std::string::npos);
  HttpReply xml = query(
      "Action=ListMessageMoveTasks&SourceArn=arn%3Aaws%3Asqs%3Aus-east-1%3A000000000000%3Adlq");
  EXPECT_NE(xml.body.find("<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry><Status>"
                          "COMPLETED</Status>"),
            std::string::npos)
      << xml.body;
  HttpReply cancel = json("CancelMessageMoveTask", R"({"TaskHandle":"nope"})");
  EXPECT_EQ(cancel.status, 404);
  EXPECT_NE(cancel.body.find("ResourceNotFoundException"), std::string::npos);
}

TEST_F(SqsServiceTest, LongPollReturnsWhenAMessageArrives) {
  ASSERT_EQ(query("Action=CreateQueue&QueueName=q").status, 200);
  std::optional<HttpReply> polled;
  std::optional<HttpReply> sent;
  std::chrono::steady_clock::time_point sent_at;
  const auto started = std::chrono::steady_clock::now();
  Call poll{.body =
                "Action=ReceiveMessage&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fq"
                "&WaitTimeSeconds=5"};
  io_.restart();
  asio::co_spawn(io_, run_call(service_.get(), std::move(poll), &polled), asio::detached);
  asio::co_spawn(io_, send_after(service_.get(), std::chrono::milliseconds(200), &sent, &sent_at),
                 asio::detached);
  io_.run();
  const auto finished = std::chrono::steady_clock::now();
  ASSERT_TRUE(polled && sent);
  EXPECT_NE(polled->body.find("<Body>hi</Body>"), std::string::npos) << polled->body;
  EXPECT_LT(finished - sent_at, std::chrono::milliseconds(500));
  EXPECT_LT(finished - started, std::chrono::seconds(3));
}

TEST_F(SqsServiceTest, EmptyLongPollEndsAtItsWaitTime) {
  ASSERT_EQ(query("Action=CreateQueue&QueueName=q").status, 200);
  const auto started = std::chrono::steady_clock::now();
  HttpReply reply =
      query("Action=ReceiveMessage&QueueUrl=http%3A%2F%2Fx%2F000000000000%2Fq&WaitTimeSeconds=1");
  const auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body.find("<Message>"), std::string::npos);
  EXPECT_GE(elapsed, std::chrono::milliseconds(950));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
}

}  // namespace
}  // namespace sluice::sqs::server
