#include "pg/connection.h"

#include <gtest/gtest.h>

#include "pg/test_cluster.h"

namespace vigil::pg {
namespace {

TEST(DatabaseUrlTest, AcceptsPostgresqlUrls) {
  EXPECT_TRUE(CheckDatabaseUrl("postgresql:///vigil?host=/run/postgresql").ok());
  EXPECT_TRUE(CheckDatabaseUrl("postgres://ledger@db.example:5432/vigil").ok());
}

TEST(DatabaseUrlTest, RefusesOtherText) {
  EXPECT_FALSE(CheckDatabaseUrl("").ok());
  EXPECT_FALSE(CheckDatabaseUrl("host=/tmp dbname=vigil").ok());
  EXPECT_FALSE(CheckDatabaseUrl("mysql://x/y").ok());
  EXPECT_FALSE(CheckDatabaseUrl("postgresql:///vigil?host=/a b").ok());
  EXPECT_FALSE(CheckDatabaseUrl("postgresql:///vigil\n").ok());
  EXPECT_FALSE(CheckDatabaseUrl("postgresql:///" + std::string(kMaxDatabaseUrl, 'a')).ok());
}

TEST(DatabaseUrlTest, RedactsPasswords) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://ledger:s3cret@db/vigil"),
            "postgresql://ledger:***@db/vigil");
  EXPECT_EQ(RedactDatabaseUrl("postgresql:///vigil?user=l&password=s3cret&port=1"),
            "postgresql:///vigil?user=l&password=***&port=1");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://ledger@db/vigil"), "postgresql://ledger@db/vigil");
}

TEST(ConnectionTest, AppliesTheSessionBounds) {
  auto cluster = SharedTestCluster();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message();
  auto url = (*cluster)->CreateDatabase("connection_bounds");
  ASSERT_TRUE(url.ok()) << url.error().message();
  SessionSettings settings{.url = *url};
  settings.statement_timeout = std::chrono::milliseconds(300);
  auto connection = Connection::Open(settings);
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  EXPECT_TRUE((*connection)->Exec("CREATE TABLE t (x int)").ok());
  // A statement that runs past statement_timeout is cancelled, and the session goes on.
  Status slow = (*connection)->Exec("SELECT pg_sleep(2)");
  ASSERT_FALSE(slow.ok());
  EXPECT_NE(slow.error().message().find("statement timeout"), std::string::npos)
      << slow.error().message();
  EXPECT_TRUE((*connection)->Exec("INSERT INTO t VALUES (1)").ok());
}

TEST(ConnectionTest, NamesAnUnreachableServerWithoutItsPassword) {
  auto connection = Connection::Open(
      {.url = "postgresql://ledger:s3cret@/vigil?host=/nonexistent&connect_timeout=2"});
  ASSERT_FALSE(connection.ok());
  const std::string message = connection.error().message();
  EXPECT_EQ(message.find("s3cret"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot connect to PostgreSQL"), std::string::npos) << message;
  EXPECT_EQ(connection.error().code(), ErrorCode::kMissingEnv);  // exit 3, not bad input
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(ConnectionTest, ReconnectsAfterTheServerRestarts) {
  auto cluster = SharedTestCluster();
  ASSERT_TRUE(cluster.ok()) << cluster.error().message();
  auto url = (*cluster)->CreateDatabase("connection_restart");
  ASSERT_TRUE(url.ok()) << url.error().message();
  auto connection = Connection::Open({.url = *url});
  ASSERT_TRUE(connection.ok()) << connection.error().message();
  ASSERT_TRUE((*connection)->Exec("CREATE TABLE t (x int)").ok());
  ASSERT_TRUE((*cluster)->CrashAndRestart().ok());
  Status lost = (*connection)->Exec("INSERT INTO t VALUES (1)");
  EXPECT_FALSE(lost.ok());
  EXPECT_TRUE((*connection)->Exec("INSERT INTO t VALUES (2)").ok());
}

}  // namespace
}  // namespace vigil::pg
