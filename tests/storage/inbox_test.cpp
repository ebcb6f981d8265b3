#define BOOST_TEST_MODULE storage_inbox
#include <boost/test/unit_test.hpp>

#include "storage/inbox.hpp"
#include "tests/storage/temp_dir.hpp"

#include <sqlite3.h>

#include <atomic>
#include <thread>

using namespace telclaude::storage;
using telclaude::storage::test::temp_dir;

namespace {

inbox_entry update(std::int64_t id, std::int64_t chat = 42) {
  return {id, chat, R"({"update_id":)" + std::to_string(id) + "}", 1000 + id};
}

std::vector<inbox_entry> updates(std::int64_t first, std::int64_t count) {
  std::vector<inbox_entry> out;
  for (std::int64_t id = first; id < first + count; ++id)
    out.push_back(update(id));
  return out;
}

std::vector<std::int64_t> ids(const std::vector<inbox_entry>& entries) {
  std::vector<std::int64_t> out;
  for (const auto& e : entries)
    out.push_back(e.update_id);
  return out;
}

int count_commit(void* counter) {
  ++*static_cast<int*>(counter);
  return 0;
}

} // namespace

BOOST_AUTO_TEST_CASE(add_stores_a_thousand_updates_in_one_commit) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  inbox box{db};
  int commits = 0;
  sqlite3_commit_hook(db.handle(), count_commit, &commits);
  BOOST_TEST(box.add(updates(1, 1000)).size() == 1000u);
  BOOST_TEST(commits == 1);
  BOOST_TEST(box.pending_count() == 1000u);
  BOOST_TEST(*box.max_update_id() == 1000);
  sqlite3_commit_hook(db.handle(), nullptr, nullptr);
}

BOOST_AUTO_TEST_CASE(duplicates_are_ignored_and_not_counted) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  inbox box{db};
  BOOST_TEST(box.add(updates(1, 3)).size() == 3u);
  auto again = updates(2, 3);  // 2, 3 known; 4 new
  again[0].payload = "changed";
  BOOST_TEST(box.add(again).size() == 1u);
  auto pending = box.pending();
  BOOST_TEST((ids(pending) == std::vector<std::int64_t>{1, 2, 3, 4}));
  BOOST_TEST(pending[1].payload == R"({"update_id":2})");  // first one kept
  BOOST_TEST(box.add({}).size() == 0u);
}

BOOST_AUTO_TEST_CASE(entries_round_trip) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  inbox box{db};
  inbox_entry e{9007199254740993, -1001234567890, "{\"text\":\"h\u00e9\"}",
                1700000000123};
  box.add({e});
  auto pending = box.pending();
  BOOST_REQUIRE(pending.size() == 1u);
  BOOST_TEST(pending[0].update_id == e.update_id);
  BOOST_TEST(pending[0].chat_id == e.chat_id);
  BOOST_TEST(pending[0].payload == e.payload);
  BOOST_TEST(pending[0].received_ms == e.received_ms);
}

BOOST_AUTO_TEST_CASE(done_updates_leave_pending_and_are_pruned_by_age) {
  temp_dir dir;
  auto db = database::open(dir / "t.db");
  inbox box{db};
  BOOST_TEST(!box.max_update_id());
  box.add(updates(10, 4));  // 10..13
  box.mark_done(11, 5000);
  box.mark_done(12, 9000);
  box.mark_done(12, 9999);  // already done: keeps its time
  box.mark_done(99, 5000);  // unknown: ignored
  BOOST_TEST((ids(box.pending()) == std::vector<std::int64_t>{10, 13}));
  BOOST_TEST(box.pending_count() == 2u);
  BOOST_TEST(box.prune_done(9000) == 1u);  // 11 only
  BOOST_TEST(box.prune_done(9000) == 0u);
  BOOST_TEST(box.prune_done(10000) == 1u);  // 12
  BOOST_TEST(*box.max_update_id() == 13);
  BOOST_TEST(box.pending_count() == 2u);
}

BOOST_AUTO_TEST_CASE(pending_and_done_survive_close_and_reopen) {
  temp_dir dir;
  {
    auto db = database::open(dir / "t.db");
    inbox box{db};
    box.add(updates(1, 5));
    box.mark_done(1, 100);
    box.mark_done(3, 100);
  }
  auto db = database::open(dir / "t.db");
  inbox box{db};
  BOOST_TEST((ids(box.pending()) == std::vector<std::int64_t>{2, 4, 5}));
  BOOST_TEST(*box.max_update_id() == 5);
  BOOST_TEST(box.add(updates(1, 5)).size() == 0u);
}

BOOST_AUTO_TEST_CASE(read_only_inbox_counts_what_the_writer_committed) {
  temp_dir dir;
  auto writer_db = database::open(dir / "t.db");
  inbox writer{writer_db};
  writer.add(updates(1, 3));
  auto reader_db = database::open_read_only(dir / "t.db");
  inbox reader{reader_db};
  BOOST_TEST(reader.pending_count() == 3u);
  writer.mark_done(1, 1);
  BOOST_TEST(reader.pending_count() == 2u);
}

BOOST_AUTO_TEST_CASE(concurrent_reader_sees_only_whole_batches) {
  temp_dir dir;
  auto writer_db = database::open(dir / "t.db");
  inbox writer{writer_db};
  constexpr int batches = 50;
  constexpr int batch_size = 20;
  std::atomic<bool> done{false};
  std::vector<std::size_t> seen;
  std::string reader_error;

  std::thread reader_thread{[&] {
    try {
      auto reader_db = database::open_read_only(dir / "t.db");
      inbox reader{reader_db};
      while (!done.load()) {
        seen.push_back(reader.pending_count());
        reader.pending();
      }
      seen.push_back(reader.pending_count());
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  }};
  for (int b = 0; b < batches; ++b)
    writer.add(updates(1 + b * batch_size, batch_size));
  done = true;
  reader_thread.join();

  BOOST_TEST(reader_error == "");
  BOOST_REQUIRE(!seen.empty());
  BOOST_TEST(seen.back() == std::size_t{batches * batch_size});
  for (std::size_t i = 0; i < seen.size(); ++i) {
    BOOST_TEST(seen[i] % batch_size == 0u);  // never half a batch
    if (i > 0)
      BOOST_TEST(seen[i] >= seen[i - 1]);
  }
}
