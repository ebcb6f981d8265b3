#define BOOST_TEST_MODULE redactor
#include <boost/test/unit_test.hpp>

#include <random>

#include "actors/redactor.hpp"
#include "security/secret_examples.hpp"
#include "tests/actors/actor_fixture.hpp"

using namespace telclaude;

namespace {

/// What reached the outbox: every chunk, in order, and how it ended.
struct sent {
  std::vector<std::string> chunks;
  int ends = 0;
  bool discarded = false;
};

outbox_actor::behavior_type recording_outbox(outbox_actor::pointer,
                                             std::shared_ptr<sent> out) {
  return {
    [out](atom::reply_text, reply_target&, std::string& text) {
      out->chunks.push_back(std::move(text));
    },
    [](atom::reply_progress, reply_target&, std::string&) {},
    [out](atom::reply_end, reply_target&, bool discard) {
      ++out->ends;
      out->discarded = discard;
    },
    [](atom::send_text, std::int64_t, std::string&, std::int64_t) {},
    [](atom::prompt, std::int64_t, std::string&, std::vector<button>&,
       std::int64_t) {},
    [](atom::qr_photo, std::int64_t, std::string&, std::string&,
       std::int64_t) {},
    [](atom::cb_answer, std::string&, std::string&) {},
    [](atom::typing, std::int64_t) {},
    [](atom::drain) { return true; },
  };
}

struct fixture : testing::actor_fixture {
  std::shared_ptr<const security::redaction_engine> engine
    = security::redaction_engine::compile({});
  std::shared_ptr<sent> out = std::make_shared<sent>();
  outbox_actor outbox = sys.spawn(recording_outbox, out);

  ~fixture() {
    caf::anon_send_exit(outbox, caf::exit_reason::user_shutdown);
    run();
  }

  /// Streams `pieces` through a fresh redactor actor, one event each.
  std::string stream(const std::vector<std::string>& pieces,
                     bool discard = false) {
    out->chunks.clear();
    out->ends = 0;
    auto red = sys.spawn(redactor, engine, outbox, reply_target{1, 2, 3, 4});
    for (auto& p : pieces)
      caf::anon_send(red, atom::output_v, p);
    caf::anon_send(red, atom::output_end_v, discard);
    run();
    std::string all;
    for (auto& c : out->chunks)
      all += c;
    return all;
  }
};

} // namespace

BOOST_FIXTURE_TEST_CASE(every_family_split_across_events_stays_hidden,
                        fixture) {
  std::mt19937_64 rng{7};
  for (auto& ex : security::make_secret_examples(rng)) {
    auto expected = engine->redact(ex.text);
    for (int round = 0; round < 20; ++round) {
      // Cut the text into events of 1..24 bytes, as token deltas arrive.
      std::vector<std::string> pieces;
      for (std::size_t i = 0; i < ex.text.size();) {
        auto n = std::min<std::size_t>(1 + rng() % 24, ex.text.size() - i);
        pieces.push_back(ex.text.substr(i, n));
        i += n;
      }
      auto got = stream(pieces);
      BOOST_REQUIRE_MESSAGE(got == expected, ex.family);
      // Nothing the outbox ever held (so no preview, no edit) revealed it.
      BOOST_REQUIRE_MESSAGE(!security::reveals_any(got, ex.values),
                            ex.family);
      BOOST_TEST(out->ends == 1);
    }
  }
}

BOOST_FIXTURE_TEST_CASE(safe_text_is_released_before_the_stream_ends,
                        fixture) {
  auto red = sys.spawn(redactor, engine, outbox, reply_target{1, 2, 3, 4});
  caf::anon_send(red, atom::output_v,
                 std::string{"The build passed on the first try. "});
  run();
  // Released while the agent is still writing (only a short tail held).
  BOOST_REQUIRE(!out->chunks.empty());
  BOOST_TEST(out->chunks.front().starts_with("The build passed"));
  BOOST_TEST(out->ends == 0);
  caf::anon_send(red, atom::output_end_v, false);
  run();
  BOOST_TEST(out->ends == 1);
}

BOOST_FIXTURE_TEST_CASE(discard_ends_the_reply_unsent, fixture) {
  stream({"No conversation found"}, true);
  BOOST_TEST(out->ends == 1);
  BOOST_TEST(out->discarded);
}
