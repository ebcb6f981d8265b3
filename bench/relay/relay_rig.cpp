#include "bench/relay/relay_rig.hpp"

#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>

#include "actors/audit.hpp"
#include "actors/gatekeeper.hpp"
#include "actors/outbox.hpp"
#include "actors/poller.hpp"
#include "actors/redactor.hpp"
#include "actors/router.hpp"
#include "actors/store.hpp"
#include "storage/admin.hpp"
#include "storage/audit_file.hpp"
#include "storage/database.hpp"
#include "storage/identity_links.hpp"
#include "telegram/bot_api_client.hpp"
#include "testing/loopback_bot_api.hpp"

namespace telclaude::bench {

// As the relay's own config (supervisor.cpp): nothing tuned for the bench.
bench_config::bench_config() {
  add_message_types<caf::id_block::telclaude>();
  set("logger.verbosity", caf::atom("quiet"));
}

namespace {

template <class Handle>
void await_down(caf::scoped_actor& self, const Handle& h) {
  if (!h)
    return;
  self->monitor(h);
  self->receive([](const caf::down_msg&) {});
}

/// Links every chat's user READ_ONLY and makes an admin (not one of
/// them), as `telclaude link` and the admin claim would have.
void seed(const rig_options& o) {
  auto db = storage::database::open(o.data_dir / "telclaude.db");
  auto now = to_unix_ms(system_clock::instance().now());
  auto tx = db.begin_immediate();
  (void) storage::admin{db}.claim(1, now);
  storage::identity_links links{db};
  for (std::int64_t i = 0; i < o.chats; ++i)
    links.upsert({o.first_chat + i, "READ_ONLY", now, "relay_bench"});
  tx.commit();
}

} // namespace

relay_rig::relay_rig(rig_options opts, testing::loopback_bot_api* api)
  : opts_(std::move(opts)), api_(api) {
  std::filesystem::create_directories(opts_.data_dir);
  engine_ = security::redaction_engine::compile({});
  seed(opts_);
}

relay_rig::~relay_rig() {
  stop();
  // ~actor_system waits for every detached actor's thread, and one kept
  // alive by a pending timer (a poll or sweep re-armed before the exit)
  // can hold it for a minute; the bench's process ends soon after, so the
  // stopped system is left to it.
  (void) sys_.release();
  (void) cfg_.release();
}

void relay_rig::start() {
  auto file = opts_.data_dir / "telclaude.db";
  auto db = std::make_shared<storage::database>(storage::database::open(file));
  cfg_ = std::make_unique<bench_config>();
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  started_ = true;
  telegram::client_options copts;
  poll_client_ = std::make_shared<telegram::bot_api_client>(
    api_->base_url(), api_->token(), copts);
  for (int i = 0; i < 6; ++i)
    send_clients_.push_back(std::make_shared<telegram::bot_api_client>(
      api_->base_url(), api_->token(), copts));

  store_ = sys_->spawn<caf::detached>(telclaude::store, db, &system_clock::instance());
  outbox_ = sys_->spawn<caf::detached>(telclaude::outbox, send_clients_, store_,
                                       outbox_options{});
  auto engine = engine_;
  access::redact_fn redact = [engine](std::string_view text) {
    return engine->redact(text);
  };
  std::shared_ptr<storage::database> audit_db;
  std::shared_ptr<storage::audit_file> audit_file;
  if (opts_.audit) {
    audit_db
      = std::make_shared<storage::database>(storage::database::open(file));
    audit_file
      = std::make_shared<storage::audit_file>(opts_.data_dir / "audit.jsonl");
  }
  audit_ = sys_->spawn<caf::detached>(audit, audit_db, audit_file, redact);

  access::access_options aopts;
  for (std::int64_t i = 0; i < opts_.chats; ++i)
    aopts.allowed_chats.insert(opts_.first_chat + i);
  // Generous limits: the bench measures throughput, not refusals.
  aopts.limits.global = {10'000'000, 100'000'000};
  aopts.limits.per_user = {10'000, 100'000};
  for (auto& t : aopts.limits.per_tier)
    t = {10'000'000, 100'000'000};
  aopts.bot_username = "telclaude_test_bot";
  gatekeeper_ = sys_->spawn<caf::detached>(
    gatekeeper,
    std::make_shared<storage::database>(storage::database::open(file)),
    // The sweep re-arms a timer that keeps the actor alive until it
    // fires: short, so the bench ends soon after stop().
    std::move(aopts), &system_clock::instance(), redact, audit_,
    std::chrono::milliseconds{2000},
    std::shared_ptr<access::second_factor>{});

  session_deps deps;
  deps.store = store_;
  deps.audit = audit_;
  deps.outbox = outbox_;
  deps.launch = opts_.launch;
  router_options ropts;
  for (std::int64_t i = 0; i < opts_.chats; ++i)
    ropts.allowed_chats.push_back(opts_.first_chat + i);
  ropts.gatekeeper = gatekeeper_;
  ropts.secrets = [engine](std::string_view text) {
    std::vector<std::string> kinds;
    if (engine->contains_secret(text))
      kinds.push_back("secret");
    return kinds;
  };
  router_ = sys_->spawn(telclaude::router, ropts, deps);
  if (opts_.on_start)
    opts_.on_start(*this);

  if (opts_.poll) {
    poller_options popts;
    popts.timeout_s = 1;
    popts.limit = 100;
    popts.min_empty_interval = std::chrono::milliseconds{0};
    poller_ = sys_->spawn<caf::detached>(poller, poll_client_, store_,
                                         router_, popts, std::int64_t{0});
  }
}

void relay_rig::stop() {
  if (!started_)
    return;
  started_ = false;
  caf::scoped_actor self{*sys_};
  if (poller_) {
    poll_client_->cancel();
    self->send_exit(poller_, caf::exit_reason::user_shutdown);
    await_down(self, poller_);
  }
  self->send_exit(router_, caf::exit_reason::user_shutdown);
  await_down(self, router_);
  self->send_exit(gatekeeper_, caf::exit_reason::user_shutdown);
  await_down(self, gatekeeper_);
  self->request(outbox_, std::chrono::seconds{30}, atom::drain_v)
    .receive([](bool) {}, [](caf::error&) {});
  for (auto& c : send_clients_)
    c->cancel();
  self->send_exit(outbox_, caf::exit_reason::user_shutdown);
  await_down(self, outbox_);
  self->request(audit_, std::chrono::seconds{30}, atom::drain_v)
    .receive([](bool) {}, [](caf::error&) {});
  self->send_exit(audit_, caf::exit_reason::user_shutdown);
  await_down(self, audit_);
  self->send_exit(store_, caf::exit_reason::user_shutdown);
  await_down(self, store_);
  poller_ = nullptr;
  router_ = nullptr;
  gatekeeper_ = nullptr;
  outbox_ = nullptr;
  audit_ = nullptr;
  store_ = nullptr;
}

std::uint64_t relay_rig::sessions() {
  caf::scoped_actor self{*sys_};
  std::uint64_t n = 0;
  self->request(router_, caf::infinite, atom::count_v)
    .receive([&](std::uint64_t x) { n = x; }, [](caf::error&) {});
  return n;
}

void relay_rig::sync_store() {
  caf::scoped_actor self{*sys_};
  self->request(store_, caf::infinite, atom::offset_v)
    .receive([](std::int64_t) {}, [](caf::error&) {});
}

void relay_rig::sync_audit() {
  caf::scoped_actor self{*sys_};
  self->request(audit_, caf::infinite, atom::drain_v)
    .receive([](bool) {}, [](caf::error&) {});
}

agent_launcher instant_launcher(std::shared_ptr<instant_runs> runs) {
  return [runs](const run_request& req, const chat_session_actor& session) {
    {
      std::lock_guard lock{runs->mutex};
      runs->update_ids.push_back(req.target.update_id);
    }
    ++runs->launched;
    caf::anon_send(runs->store, atom::inbox_done_v, req.target.update_id);
    run_outcome out;
    out.ok = true;
    caf::anon_send(session, atom::finished_v, req.turn, out);
    return agent_run_actor{};
  };
}

std::string scripted_chunk(std::int64_t chat_id, int k) {
  if (k == 0)
    return "c" + std::to_string(chat_id) + "x ";
  return "w" + std::to_string(k) + " ";
}

std::string scripted_reply(std::int64_t chat_id, int chunks) {
  std::string out;
  for (int k = 0; k < chunks; ++k)
    out += scripted_chunk(chat_id, k);
  return out;
}

namespace {

/// One scripted turn: streams its chunks through a redactor, ends the
/// reply, then reports `finished` to the session.
caf::behavior scripted_run(caf::event_based_actor* self,
                           std::shared_ptr<scripted_runs> runs,
                           redactor_actor red, chat_session_actor session,
                           std::int64_t chat_id, std::uint64_t turn) {
  auto k = std::make_shared<int>(0);
  self->send(self, atom::output_v);
  return {
    [=](atom::output) {
      if (*k == 0) {
        std::lock_guard lock{runs->mutex};
        runs->first_text[chat_id] = steady::now();
      }
      spdlog::debug("scripted run {}: chunk {}", chat_id, *k);
      self->send(red, atom::output_v, scripted_chunk(chat_id, *k));
      if (++*k < runs->chunks) {
        self->delayed_send(self, runs->interval, atom::output_v);
        return;
      }
      self->send(red, atom::output_end_v, false);
      {
        std::lock_guard lock{runs->mutex};
        runs->ended[chat_id] = steady::now();
      }
      run_outcome out;
      out.ok = true;
      self->send(session, atom::finished_v, turn, out);
      ++runs->finished;
      self->quit();
    },
  };
}

} // namespace

agent_launcher scripted_launcher(std::shared_ptr<scripted_runs> runs) {
  return [runs](const run_request& req, const chat_session_actor& session) {
    ++runs->launched;
    auto& sys = caf::actor_cast<caf::abstract_actor*>(session)->home_system();
    auto red = sys.spawn(redactor, runs->engine, runs->outbox, req.target);
    sys.spawn(scripted_run, runs, red, session, req.target.chat_id, req.turn);
    return agent_run_actor{};
  };
}

std::size_t resident_bytes() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Rss:", 0) == 0) {
      std::istringstream ss(line.substr(4));
      std::size_t kib = 0;
      ss >> kib;
      return kib * 1024;
    }
  return 0;
}

} // namespace telclaude::bench
