#include "actors/supervisor.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/agent_slots.hpp"
#include "actors/audit.hpp"
#include "actors/gatekeeper.hpp"
#include "actors/observer.hpp"
#include "actors/outbox.hpp"
#include "actors/poller.hpp"
#include "actors/router.hpp"
#include "access/totp_factor.hpp"
#include "actors/store.hpp"
#include "actors/totp_client.hpp"
#include "core/error.hpp"
#include "sandbox/environment.hpp"
#include "sandbox/probe.hpp"
#include "sandbox/relay_sandbox.hpp"
#include "security/redaction_engine.hpp"
#include "storage/database.hpp"
#include "telegram/bot_api_client.hpp"
#include "telegram/update_parser.hpp"

namespace telclaude {

namespace fs = std::filesystem;

namespace {

struct relay_config : caf::actor_system_config {
  relay_config() {
    add_message_types<caf::id_block::telclaude>();
    // CAF's own logging is compiled out of Debian's build; spdlog logs.
    set("logger.verbosity", caf::atom("quiet"));
  }
};

void make_private_dir(const fs::path& dir, const char* what) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir))
    throw user_error("relay.data_dir",
                     std::string{"cannot create the "} + what + " " + dir.string()
                       + ": " + ec.message()
                       + "; set TELCLAUDE_DATA_DIR to a writable directory");
  ::chmod(dir.c_str(), 0700);
}

chat::scope to_scope(config::session_scope s) {
  return s == config::session_scope::global ? chat::scope::global
                                            : chat::scope::per_sender;
}

/// Waits until `h` has terminated.
template <class Handle>
void await_down(caf::scoped_actor& self, const Handle& h) {
  if (!h)
    return;
  self->monitor(h);
  self->receive([](const caf::down_msg&) {});
}

} // namespace

security::redaction_settings
redaction_settings_from(const config::secret_filter_settings& f) {
  security::redaction_settings rs;
  for (auto& p : f.additional_patterns)
    rs.additional_patterns.push_back({p.id, p.pattern});
  rs.entropy.enabled = f.entropy_enabled;
  rs.entropy.threshold = f.entropy_threshold;
  rs.entropy.min_length = f.entropy_min_length;
  return rs;
}

access::access_options access_options_from(const config::settings& s) {
  access::access_options o;
  const auto& sec = s.security;
  o.mode = sec.profile;
  // The loader refuses the test profile without the variable; the gate
  // checks it once more.
  const char* flag = std::getenv("TELCLAUDE_ENABLE_TEST_PROFILE");
  o.test_profile_enabled = flag && std::string_view{flag} == "1";
  o.allowed_chats.insert(s.telegram.allowed_chats.begin(),
                         s.telegram.allowed_chats.end());
  o.default_tier = sec.permissions.default_tier;
  const auto& rl = sec.rate_limits;
  auto limits = [](const config::rate_limit& r) {
    return security::window_limits{r.per_minute, r.per_hour};
  };
  o.limits.global = limits(rl.global);
  o.limits.per_user = limits(rl.per_user);
  for (auto t : all_tiers)
    o.limits.per_tier[static_cast<std::size_t>(t)] = limits(rl.for_tier(t));
  for (const auto& [user, perm] : sec.permissions.users) {
    o.user_tiers[user] = perm.tier;
    if (perm.limit)
      o.limits.user_overrides[user] = limits(*perm.limit);
  }
  o.reset_triggers = s.reply.session.reset_triggers;
  o.totp_session_ttl = std::chrono::minutes{sec.totp.session_ttl_minutes};
  o.allow_skip_totp = sec.totp.allow_skip;
  return o;
}

data_dir_lock::data_dir_lock(const std::filesystem::path& data_dir) {
  auto lock_file = data_dir / "relay.lock";
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0 || ::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
    throw user_error("relay.running",
                     "another telclaude relay is already using "
                       + data_dir.string()
                       + "; stop it first, or give this one its own "
                         "TELCLAUDE_DATA_DIR");
  }
}

data_dir_lock::~data_dir_lock() {
  if (fd_ >= 0)
    ::close(fd_);
}

relay_plan plan_relay(const config::settings& settings) {
  relay_plan plan;
  plan.settings = settings;
  const auto& data_dir = settings.data_dir;
  make_private_dir(data_dir, "data directory");
  plan.lock = std::make_shared<const data_dir_lock>(data_dir);
  plan.database_file = data_dir / "telclaude.db";

  auto spec = std::make_shared<agent_spec>();
  spec->engine = security::redaction_engine::compile(
    redaction_settings_from(settings.security.secret_filter));

  auto env = sandbox::process_environment();
  sandbox::require_sandbox(sandbox::probe(env));

  auto program = sandbox::resolve_command(settings.agent.command,
                                          agent::path_of(env));
  auto workdir = settings.agent.workdir;
  if (workdir == data_dir / "workdir")
    make_private_dir(workdir, "agent workdir");
  if (!fs::is_directory(workdir))
    throw user_error("config.workdir",
                     "agent.workdir: " + workdir.string()
                       + " is not a directory; create it or point "
                         "agent.workdir at the project the agent works on");

  // The workdir is mounted into the sandbox, writable: nothing of the
  // relay's own may be under it (the database, the 2FA vault, its socket).
  auto inside = [](const fs::path& path, const fs::path& dir) {
    auto rel = fs::weakly_canonical(path).lexically_relative(
      fs::weakly_canonical(dir));
    return !rel.empty() && *rel.begin() != "..";
  };
  if (inside(data_dir, workdir))
    throw user_error("config.workdir",
                     "agent.workdir: " + workdir.string()
                       + " contains the data dir " + data_dir.string()
                       + ", which the agent could then read and change (the "
                         "database, the 2FA vault); point agent.workdir at a "
                         "project directory, or move TELCLAUDE_DATA_DIR out "
                         "of it");
  if (inside(settings.security.totp.socket_path, workdir))
    throw user_error("config.workdir",
                     "agent.workdir: " + workdir.string()
                       + " contains the TOTP socket "
                       + settings.security.totp.socket_path.string()
                       + "; move TELCLAUDE_TOTP_SOCKET out of it");

  // One egress proxy and one base policy; each run's tier then decides
  // whether the workdir is writable (sandbox::run_sandbox in agent_run).
  sandbox::relay_sandbox_options box;
  box.workdir = fs::canonical(workdir).string();
  box.data_dir = data_dir.string();
  box.program = program;
  box.extra_env_names = settings.sandbox.env_allow;
  box.allowed_domains = settings.sandbox.network.allowed_domains;
  box.allow_hosts = settings.sandbox.network.allow_hosts;
  const char* home = std::getenv("HOME");
  box.hidden = sandbox::relay_hidden_paths(
    data_dir.string(),
    {settings.config_path.string(),
     settings.security.audit.log_file.string(),
     settings.security.totp.socket_path.string()},
    home ? home : "");
  auto built = sandbox::prepare_relay_sandbox(box, env);
  if (!built.self_test.ok) {
    if (settings.security.profile != security_profile::test)
      sandbox::require_self_test(built.self_test);
    spdlog::warn("sandbox: self-test failed ({}); going on only because "
                 "the profile is \"test\"",
                 built.self_test.problem);
  }
  spec->policy = built.base;
  spec->egress = built.proxy;
  spec->deny_write = settings.sandbox.deny_write;
  spec->command = {program};
  spec->model = settings.agent.model.value_or("");
  spec->extra_args = settings.agent.extra_args;
  spec->timeout = std::chrono::seconds{settings.reply.timeout_seconds};
  spec->caps = caps_from(settings.sandbox.limits);
  spec->cgroups = std::make_shared<const sandbox::cgroup_root>(
    sandbox::cgroup_root::detect());
  spdlog::info("sandbox: caps {}; run cgroups: {}",
               sandbox::describe(spec->caps), spec->cgroups->describe());
  plan.agent = std::move(spec);
  return plan;
}

namespace {

/// The security observer of the strict profile (null otherwise, or when
/// `security.observer.enabled` is false: every request then waits for an
/// approval). Its model runs in the agent's own sandbox policy.
observer_actor start_observer(caf::actor_system& sys,
                              const config::settings& s,
                              const agent_spec& agent, audit_actor audit) {
  const auto& o = s.security.observer;
  if (s.security.profile != security_profile::strict)
    return {};
  if (!o.enabled) {
    spdlog::warn("relay: strict profile with security.observer.enabled "
                 "false: every request waits for an approval");
    return {};
  }
  auto spec = std::make_shared<const classifier_spec>(classifier_spec_from(
    agent.policy, agent.command,
    (s.data_dir / "sandbox" / "observer-home").string(), o.model,
    std::chrono::milliseconds{o.max_latency_ms}));
  observer_options opts;
  opts.danger_threshold = o.danger_threshold;
  opts.fallback = o.fallback_on_timeout;
  opts.failure_threshold = o.circuit_breaker.failure_threshold;
  opts.reset = std::chrono::milliseconds{o.circuit_breaker.reset_ms};
  spdlog::info("relay: security observer on (model {}, maxLatencyMs {}, "
               "fallback {}, breaker {} failures / {} ms)",
               o.model, o.max_latency_ms, to_string(opts.fallback),
               opts.failure_threshold, opts.reset.count());
  return sys.spawn(observer, spec, opts, std::move(audit));
}

} // namespace

supervisor::supervisor(relay_plan plan, const clock& wall)
  : plan_(std::move(plan)), wall_(wall) {
}

supervisor::~supervisor() {
  stop();
}

void supervisor::start() {
  const auto& s = plan_.settings;
  if (!plan_.lock)
    plan_.lock = std::make_shared<const data_dir_lock>(s.data_dir);
  auto db = std::make_shared<storage::database>(
    storage::database::open(plan_.database_file));

  cfg_ = std::make_unique<relay_config>();
  sys_ = std::make_unique<caf::actor_system>(*cfg_);
  stopped_ = false;

  telegram::client_options copts;
  poll_client_ = std::make_shared<telegram::bot_api_client>(
    s.telegram.api_base_url, s.telegram.bot_token, copts);
  send_client_ = std::make_shared<telegram::bot_api_client>(
    s.telegram.api_base_url, s.telegram.bot_token, copts);

  store_ = sys_->spawn<caf::detached>(store, db, &wall_);
  // A few connections, one outbox worker thread each, so replies to many
  // chats are not serialised behind one HTTP round trip (the outbox's
  // pacer decides what goes when).
  std::vector<std::shared_ptr<telegram::bot_api_client>> send_clients{
    send_client_};
  for (int i = 1; i < 6; ++i)
    send_clients.push_back(std::make_shared<telegram::bot_api_client>(
      s.telegram.api_base_url, s.telegram.bot_token, copts));
  outbox_ = caf::actor_cast<outbox_actor>(sys_->spawn<caf::detached>(
    outbox, send_clients, store_, outbox_options{}));

  auto engine = plan_.agent->engine;
  access::redact_fn redact = [engine](std::string_view text) {
    return engine->redact(text);
  };
  std::shared_ptr<storage::database> audit_db;
  std::shared_ptr<storage::audit_file> audit_file;
  if (s.security.audit.enabled) {
    audit_db = std::make_shared<storage::database>(
      storage::database::open(plan_.database_file));
    audit_file
      = std::make_shared<storage::audit_file>(s.security.audit.log_file);
  }
  audit_ = sys_->spawn<caf::detached>(audit, audit_db, audit_file, redact);
  totp_client_ = sys_->spawn<caf::detached>(
    totp_client, std::shared_ptr<access::second_factor>{
                   std::make_shared<access::totp_factor>(
                     s.security.totp.socket_path)});
  auto aopts = access_options_from(s);
  if (auto me = poll_client_->get_me())
    aopts.bot_username = me.value().username;
  else
    spdlog::warn("relay: getMe failed ({}); commands addressed to any "
                 "@bot are taken as ours", me.error().message);
  std::shared_ptr<access::second_factor> factor{
    std::make_shared<actor_factor>(*sys_, totp_client_)};
  auto gate_db = std::make_shared<storage::database>(
    storage::database::open(plan_.database_file));
  if (auto obs = start_observer(*sys_, s, *plan_.agent, audit_)) {
    gatekeeper_ = sys_->spawn<caf::detached>(
      observed_gatekeeper, gate_db, std::move(aopts), &wall_, redact, audit_,
      std::chrono::milliseconds{std::chrono::minutes{1}}, factor, obs);
  } else {
    gatekeeper_ = sys_->spawn<caf::detached>(
      gatekeeper, gate_db, std::move(aopts), &wall_, redact, audit_,
      std::chrono::milliseconds{std::chrono::minutes{1}}, factor);
  }
  spdlog::info("relay: security profile {}", to_string(s.security.profile));

  session_deps deps;
  deps.store = store_;
  deps.audit = audit_;
  deps.outbox = outbox_;
  slots_ = start_agent_slots(*sys_, plan_.database_file,
                             s.sandbox.limits, plan_.agent->cgroups.get(),
                             outbox_, audit_, wall_);
  deps.launch = make_agent_launcher(
    *sys_, with_slots(plan_.agent, slots_), outbox_);
  deps.conversation.reset_triggers = s.reply.session.reset_triggers;
  deps.conversation.queue_notice_delay
    = std::chrono::milliseconds{s.reply.queue_notice_ms};
  deps.conversation.idle_timeout
    = std::chrono::minutes{s.reply.session.idle_minutes};
  deps.typing_interval
    = std::chrono::seconds{s.reply.typing_interval_seconds};
  deps.wall = &wall_;
  router_options ropts;
  ropts.allowed_chats = s.telegram.allowed_chats;
  ropts.scope = to_scope(s.reply.session.scope);
  ropts.replies_enabled = s.reply.enabled;
  ropts.gatekeeper = gatekeeper_;
  if (!s.reply.enabled)
    spdlog::warn("relay: inbound.reply.enabled is false: messages are "
                 "received and stored but not answered");
  ropts.secrets = [engine = plan_.agent->engine](std::string_view text) {
    std::vector<std::string> kinds;
    if (!engine->contains_secret(text))
      return kinds;
    std::vector<security::finding> found;
    engine->redact(text, &found);
    for (auto& f : found)
      if (f.pattern_id != "high-entropy"
          && std::find(kinds.begin(), kinds.end(), f.pattern_id) == kinds.end())
        kinds.push_back(f.pattern_id);
    return kinds;
  };
  router_ = sys_->spawn(router, ropts, deps);

  // Replay what was stored but not answered before the last stop, then
  // poll from after everything stored.
  caf::scoped_actor self{*sys_};
  std::vector<stored_update> pending;
  std::int64_t offset = 0;
  caf::error failure;
  self->request(store_, caf::infinite, atom::inbox_pend_v)
    .receive([&](std::vector<stored_update>& xs) { pending = std::move(xs); },
             [&](caf::error& err) { failure = err; });
  self->request(store_, caf::infinite, atom::offset_v)
    .receive([&](std::int64_t x) { offset = x; },
             [&](caf::error& err) { failure = err; });
  if (failure) {
    stop();
    throw user_error("storage.unavailable",
                     "cannot read the inbox in " + plan_.database_file.string()
                       + ": " + sys_->render(failure));
  }
  for (auto& p : pending) {
    auto u = telegram::parse_update(p.payload);
    auto msg = u ? to_chat_message(*u) : std::nullopt;
    if (!msg) {
      spdlog::warn("supervisor: stored update {} is unreadable; dropped",
                   p.update_id);
      self->send(store_, atom::inbox_done_v, p.update_id);
      continue;
    }
    self->send(router_, std::move(*msg));
  }
  if (!pending.empty())
    spdlog::info("supervisor: {} updates from before the last stop are "
                 "answered first", pending.size());

  poller_options popts;
  popts.timeout_s = s.telegram.polling.timeout;
  popts.limit = s.telegram.polling.limit;
  popts.reconnect.initial_ms = s.telegram.reconnect.initial_ms;
  popts.reconnect.max_ms = s.telegram.reconnect.max_ms;
  popts.reconnect.factor = s.telegram.reconnect.factor;
  popts.reconnect.jitter = s.telegram.reconnect.jitter;
  popts.reconnect.max_attempts
    = static_cast<std::uint32_t>(s.telegram.reconnect.max_attempts);
  poller_ = sys_->spawn<caf::detached>(poller, poll_client_, store_, router_,
                                       popts, offset);
  auto flag = poller_failed_;
  caf::actor_cast<caf::abstract_actor*>(poller_)->attach_functor(
    [flag](const caf::error& reason) {
      if (reason && reason != caf::exit_reason::user_shutdown)
        flag->store(true);
    });
  spdlog::info("relay: polling {} from offset {} for {} allowed chats",
               "Telegram", offset, s.telegram.allowed_chats.size());
}

void supervisor::stop() {
  if (stopped_ || !sys_)
    return;
  stopped_ = true;
  caf::scoped_actor self{*sys_};
  // Reverse start order. The poller may be inside a long poll: cancel it.
  if (poller_) {
    poll_client_->cancel();
    self->send_exit(poller_, caf::exit_reason::user_shutdown);
    await_down(self, poller_);
  }
  if (router_) {
    self->send_exit(router_, caf::exit_reason::user_shutdown);
    await_down(self, router_);
  }
  if (slots_) {
    // Every run ended with its session; the queue holds nothing.
    self->send_exit(slots_, caf::exit_reason::user_shutdown);
    await_down(self, slots_);
  }
  if (gatekeeper_) {
    self->send_exit(gatekeeper_, caf::exit_reason::user_shutdown);
    await_down(self, gatekeeper_);
  }
  if (totp_client_) {
    self->send_exit(totp_client_, caf::exit_reason::user_shutdown);
    await_down(self, totp_client_);
  }
  if (outbox_) {
    // Replies already handed over go out before the outbox stops.
    self->request(outbox_, std::chrono::seconds{30}, atom::drain_v)
      .receive([](bool) {}, [](caf::error&) {});
    send_client_->cancel();
    self->send_exit(outbox_, caf::exit_reason::user_shutdown);
    await_down(self, outbox_);
  }
  if (audit_) {
    // Every record handed over is written before the audit stops.
    self->request(audit_, std::chrono::seconds{30}, atom::drain_v)
      .receive([](bool) {}, [](caf::error&) {});
    self->send_exit(audit_, caf::exit_reason::user_shutdown);
    await_down(self, audit_);
  }
  if (store_) {
    self->send_exit(store_, caf::exit_reason::user_shutdown);
    await_down(self, store_);
  }
  poller_ = nullptr;
  router_ = nullptr;
  slots_ = nullptr;
  gatekeeper_ = nullptr;
  totp_client_ = nullptr;
  outbox_ = nullptr;
  audit_ = nullptr;
  store_ = nullptr;
}

} // namespace telclaude
