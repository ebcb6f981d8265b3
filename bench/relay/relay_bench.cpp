// The relay under load: the real actors (store, outbox, audit, gatekeeper,
// router, chat sessions, poller) wired as the supervisor wires them, over
// real SQLite files and the loopback Bot API enforcing Telegram's limits;
// the agent is an in-process scripted run behind the agent_launcher seam
// (it measures the Telegram side, not process spawning). Three modes:
//   outbound  1,000 chats, staggered, each streaming a reply: 429s, budget
//             use while demand exceeds it, fairness, first text->visible.
//   inbound   updates/s through getUpdates, the durable inbox, the
//             gatekeeper (group commits) and routing to the sessions.
//   memory    resident memory per idle chat session (10,000 sessions,
//             against a baseline of 0 in the same run).
// Each mode checks its results are right before it reports a figure, and
// the process exits 1 when a target is missed (2 on a wrong result).

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <sys/statfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <set>
#include <thread>

#include "bench/relay/relay_rig.hpp"
#include "storage/audit_log.hpp"
#include "storage/database.hpp"
#include "testing/loopback_bot_api.hpp"

namespace telclaude::bench {
namespace {

using namespace std::chrono_literals;

struct verdict {
  bool wrong = false;   // a result was incorrect: exit 2
  bool missed = false;  // a target was missed: exit 1
  void check(bool ok, const std::string& what) {
    std::printf("  %-58s %s\n", what.c_str(), ok ? "ok" : "MISSED");
    missed |= !ok;
  }
  void require(bool ok, const std::string& what) {
    if (!ok) {
      std::printf("  WRONG: %s\n", what.c_str());
      wrong = true;
    }
  }
};

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double seconds(steady::duration d) {
  return std::chrono::duration<double>(d).count();
}

template <class Pred>
bool wait_until(Pred pred, std::chrono::milliseconds limit) {
  auto end = steady::now() + limit;
  while (!pred()) {
    if (steady::now() > end)
      return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// --- inbound ---------------------------------------------------------------

void inbound(const std::filesystem::path& dir, std::int64_t chats,
             int per_chat, double target, verdict& v) {
  testing::loopback_bot_api_options aopts;
  aopts.enforce_limits = true;
  testing::loopback_bot_api api{aopts};
  rig_options o;
  o.data_dir = dir;
  o.chats = chats;
  auto runs = std::make_shared<instant_runs>();
  o.launch = instant_launcher(runs);
  o.on_start = [runs](relay_rig& r) { runs->store = r.store(); };
  relay_rig rig{o, &api};
  const auto total = static_cast<std::uint64_t>(chats * per_chat);
  // Every update waits in the Bot API before the relay starts polling.
  for (int m = 0; m < per_chat; ++m)
    for (std::int64_t c = 0; c < chats; ++c)
      api.post_message(o.first_chat + c, o.first_chat + c,
                       "message " + std::to_string(m));
  rig.start();
  auto t0 = steady::now();
  bool all = wait_until([&] { return runs->launched.load() >= total; },
                        std::chrono::milliseconds{600'000});
  auto elapsed = steady::now() - t0;
  rig.sync_store();
  rig.sync_audit();
  auto rate = static_cast<double>(runs->launched.load()) / seconds(elapsed);

  // Correct? Every update routed to its session exactly once, each
  // audited as allowed, none left pending in the inbox.
  v.require(all, "every update reached its chat session");
  std::set<std::int64_t> ids(runs->update_ids.begin(), runs->update_ids.end());
  v.require(ids.size() == runs->update_ids.size(),
            "no update ran twice");
  v.require(ids.size() == total, "one turn per update (" +
                                   std::to_string(ids.size()) + " of " +
                                   std::to_string(total) + ")");
  rig.stop();
  auto db = storage::database::open(dir / "telclaude.db");
  auto q = db.prepare("SELECT count(*) FROM audit_log WHERE event = "
                      "'request' AND verdict = 'allowed'");
  q.step();
  v.require(static_cast<std::uint64_t>(q.column_int64(0)) == total,
            "every update audited as allowed");
  auto p = db.prepare("SELECT count(*) FROM inbox WHERE done_ms IS NULL");
  p.step();
  v.require(p.column_int64(0) == 0, "no update left pending in the inbox");

  std::printf("inbound: %llu updates (%lld chats x %d) through getUpdates, "
              "the inbox, the gatekeeper and routing in %.2f s\n",
              static_cast<unsigned long long>(total),
              static_cast<long long>(chats), per_chat, seconds(elapsed));
  std::printf("  %.0f updates/s (target >= %.0f)\n", rate, target);
  v.check(rate >= target, "inbound updates/s");
}

// --- memory ----------------------------------------------------------------

void memory(const std::filesystem::path& dir, std::int64_t sessions,
            double target_kib, verdict& v) {
  testing::loopback_bot_api api;
  rig_options o;
  o.data_dir = dir;
  o.chats = sessions;
  o.poll = false;
  auto runs = std::make_shared<instant_runs>();
  o.launch = instant_launcher(runs);
  o.on_start = [runs](relay_rig& r) { runs->store = r.store(); };
  relay_rig rig{o, &api};
  rig.start();
  auto route = [&](std::int64_t chat, std::int64_t update) {
    chat_message m;
    m.update_id = update;
    m.chat_id = chat;
    m.user_id = chat;
    m.chat_type = "private";
    m.message_id = 1;
    m.text = "hello";
    m.has_text = true;
    caf::anon_send(rig.router(), std::move(m));
  };
  // Warm up every actor and thread once (one session), then let it go.
  std::this_thread::sleep_for(200ms);
  auto base = resident_bytes();
  std::printf("memory: baseline with 0 sessions: %.1f MiB resident\n",
              static_cast<double>(base) / (1 << 20));
  for (std::int64_t i = 0; i < sessions; ++i)
    route(o.first_chat + i, i + 1);
  bool all = wait_until(
    [&] { return runs->launched.load() >= std::uint64_t(sessions); },
    std::chrono::milliseconds{600'000});
  rig.sync_store();
  rig.sync_audit();
  std::this_thread::sleep_for(500ms);
  auto live = rig.sessions();
  auto after = resident_bytes();
  v.require(all, "every session ran its turn");
  v.require(live == std::uint64_t(sessions),
            "the router holds every session (" + std::to_string(live) + ")");
  auto per = (static_cast<double>(after) - static_cast<double>(base))
             / static_cast<double>(sessions) / 1024.0;
  std::printf("  with %lld idle sessions: %.1f MiB resident; %.2f KiB per "
              "session (target <= %.0f KiB)\n",
              static_cast<long long>(sessions),
              static_cast<double>(after) / (1 << 20), per, target_kib);
  v.check(per <= target_kib, "resident memory per idle session");
  rig.stop();
}

// --- outbound --------------------------------------------------------------

struct outbound_options {
  std::int64_t chats = 1000;
  double arrival_rate = 25;  // new turns per second
  int chunks = 150;
  std::chrono::milliseconds interval{1000};
};

void outbound(const std::filesystem::path& dir, const outbound_options& oo,
              verdict& v) {
  testing::loopback_bot_api_options aopts;
  aopts.enforce_limits = true;
  testing::loopback_bot_api api{aopts};
  const double budget = 30;  // aopts.overall: 30 per second
  rig_options o;
  o.data_dir = dir;
  o.chats = oo.chats;
  auto runs = std::make_shared<scripted_runs>();
  runs->chunks = oo.chunks;
  runs->interval = oo.interval;
  o.launch = scripted_launcher(runs);
  o.on_start = [runs](relay_rig& r) {
    runs->engine = r.engine();
    runs->outbox = r.outbox();
  };
  relay_rig rig{o, &api};
  rig.start();
  auto t0 = steady::now();
  // The chats write in turn, `arrival_rate` per second.
  for (std::int64_t c = 0; c < oo.chats; ++c) {
    std::this_thread::sleep_until(
      t0 + std::chrono::duration_cast<steady::duration>(
             std::chrono::duration<double>(double(c) / oo.arrival_rate)));
    api.post_message(o.first_chat + c, o.first_chat + c, "tell me a story");
  }
  auto last_arrival = steady::now();
  bool all = wait_until(
    [&] { return runs->finished.load() >= std::uint64_t(oo.chats); },
    std::chrono::milliseconds{3'600'000});
  auto done_by = steady::now() + std::chrono::minutes{2};
  auto finals_in = [&] {
    for (std::int64_t c = 0; c < oo.chats; ++c) {
      auto ms = api.messages(o.first_chat + c);
      auto want = scripted_reply(o.first_chat + c, oo.chunks);
      while (!want.empty() && want.back() == ' ')
        want.pop_back();
      if (ms.empty() || ms.back().text != want)
        return false;
    }
    return true;
  };
  while (!finals_in() && steady::now() < done_by)
    std::this_thread::sleep_for(500ms);
  auto t_end = steady::now();
  rig.stop();

  // Correct? Each chat shows its whole reply, once, in one message.
  std::size_t wrong_final = 0, duplicates = 0;
  for (std::int64_t c = 0; c < oo.chats; ++c) {
    auto ms = api.messages(o.first_chat + c);
    auto want = scripted_reply(o.first_chat + c, oo.chunks);
    while (!want.empty() && want.back() == ' ')
      want.pop_back();
    std::size_t visible = 0;
    for (auto& m : ms)
      if (!m.deleted && m.text.find("c" + std::to_string(o.first_chat + c)
                                    + "x") != std::string::npos)
        ++visible;
    if (visible != 1)
      ++duplicates;
    if (ms.empty() || ms.back().text != want) {
      if (wrong_final++ == 0)
        std::printf("  chat %lld shows %zu message(s), the last: \"%s\"; "
                    "wanted \"%s\"\n",
                    static_cast<long long>(o.first_chat + c), ms.size(),
                    ms.empty() ? "" : ms.back().text.c_str(), want.c_str());
    }
  }
  v.require(all, "every scripted turn finished");
  v.require(wrong_final == 0, std::to_string(wrong_final)
                                + " chats do not show their whole reply");
  v.require(duplicates == 0, std::to_string(duplicates)
                               + " chats show their reply more than once");

  // What the Bot API saw.
  auto calls = api.calls();
  std::size_t throttled = 0;
  std::map<std::int64_t, steady::time_point> visible_at;
  std::vector<steady::time_point> served;
  std::vector<std::pair<std::int64_t, steady::time_point>> served_by_chat;
  const std::regex marker{"c([0-9]+)x"};
  for (auto& call : calls) {
    bool paced = call.method == "sendMessage"
                 || call.method == "editMessageText";
    if (!paced)
      continue;
    if (call.status == 429)
      ++throttled;
    if (call.status != 200)
      continue;
    served.push_back(call.at);
    std::int64_t chat = 0;
    auto id = call.params.value("chat_id", nlohmann::json{});
    if (id.is_number())
      chat = id.get<std::int64_t>();
    else if (id.is_string())
      chat = std::stoll(id.get<std::string>());
    served_by_chat.emplace_back(chat, call.at);
    auto text = call.params.value("text", std::string{});
    std::smatch m;
    if (std::regex_search(text, m, marker)) {
      auto c = std::stoll(m[1]);
      if (!visible_at.contains(c))
        visible_at[c] = call.at;
    }
  }
  // Demand exceeds the budget while every chat has a turn streaming: from
  // the last arrival until the first turn ends.
  steady::time_point first_end = t_end;
  for (auto& [c, t] : runs->ended)
    first_end = std::min(first_end, t);
  auto w0 = last_arrival, w1 = first_end;
  double window = seconds(w1 - w0);
  std::size_t in_window = 0;
  for (auto t : served)
    if (t >= w0 && t < w1)
      ++in_window;
  std::map<std::int64_t, std::size_t> per_chat;
  for (std::int64_t c = 0; c < oo.chats; ++c)
    per_chat[o.first_chat + c] = 0;
  for (auto& [c, t] : served_by_chat)
    if (t >= w0 && t < w1 && per_chat.contains(c))
      ++per_chat[c];
  std::size_t most = 0, least = SIZE_MAX;
  for (auto& [c, n] : per_chat) {
    most = std::max(most, n);
    least = std::min(least, n);
  }
  std::vector<double> latency;
  for (auto& [c, t] : runs->first_text) {
    auto i = visible_at.find(c);
    latency.push_back(i == visible_at.end() ? 1e9 : seconds(i->second - t));
  }
  std::sort(latency.begin(), latency.end());
  auto pct = [&](double p) {
    if (latency.empty())
      return 0.0;
    auto i = static_cast<std::size_t>(p * double(latency.size() - 1));
    return latency[i];
  };
  double use = window > 0 ? double(in_window) / (budget * window) : 0;
  double fair = least == 0 ? 1e9 : double(most) / double(least);

  std::printf("outbound: %lld chats, %.0f new turns/s, each streaming %d "
              "chunks %lld ms apart (scripted in-process agent through the "
              "real redactor); %.1f s in all\n",
              static_cast<long long>(oo.chats), oo.arrival_rate, oo.chunks,
              static_cast<long long>(oo.interval.count()),
              seconds(t_end - t0));
  std::printf("  sends+edits answered 200: %zu; 429s received: %zu\n",
              served.size(), throttled);
  std::printf("  saturated window (last arrival .. first turn end): %.1f s, "
              "%zu sends+edits = %.1f/s of %.0f/s\n",
              window, in_window, window > 0 ? in_window / window : 0.0,
              budget);
  std::printf("  per chat in the window: most %zu, least %zu\n", most,
              least);
  std::printf("  first text -> visible: p50 %.3f s, p90 %.3f s, p99 %.3f s, "
              "max %.3f s\n",
              pct(0.5), pct(0.9), pct(0.99), pct(1.0));
  v.check(throttled == 0, "zero 429s received");
  v.check(window >= 10 && use >= 0.9,
          "budget used while demand exceeds it >= 90% (" +
            std::to_string(int(use * 100)) + "%)");
  v.check(fair <= 1.5, "fairness most/least served <= 1.5 (" +
                         std::to_string(fair).substr(0, 4) + ")");
  v.check(pct(0.99) <= 1.5, "p99 first text -> visible <= 1.5 s");
}

} // namespace
} // namespace telclaude::bench

int main(int argc, char** argv) {
  using namespace telclaude::bench;
  CLI::App app{"telclaude relay load benchmark"};
  std::string mode = "all";
  std::string dir_arg;
  std::int64_t chats = 1000;
  int per_chat = 20;
  std::int64_t sessions = 10'000;
  outbound_options oo;
  long long interval_ms = 1000;
  double inbound_target = 5000;
  double memory_target = 16;
  app.add_option("--mode", mode, "outbound, inbound, memory or all")
    ->check(CLI::IsMember({"outbound", "inbound", "memory", "all"}));
  app.add_option("--dir", dir_arg,
                 "data directory (SQLite files; default: a new one under "
                 "the current directory, removed afterwards)");
  app.add_option("--chats", chats, "chats (outbound and inbound)");
  app.add_option("--per-chat", per_chat, "inbound: updates per chat");
  app.add_option("--sessions", sessions, "memory: idle sessions");
  app.add_option("--arrival-rate", oo.arrival_rate,
                 "outbound: new turns per second");
  app.add_option("--chunks", oo.chunks, "outbound: chunks per reply");
  app.add_option("--chunk-ms", interval_ms,
                 "outbound: milliseconds between chunks");
  app.add_option("--inbound-target", inbound_target, "updates/s to reach");
  app.add_option("--memory-target", memory_target, "KiB per session");
  CLI11_PARSE(app, argc, argv);
  oo.chats = chats;
  oo.interval = std::chrono::milliseconds{interval_ms};
  spdlog::set_level(std::getenv("RELAY_BENCH_DEBUG") ? spdlog::level::debug
                                                   : spdlog::level::warn);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);

  std::filesystem::path root = dir_arg.empty()
                                 ? std::filesystem::current_path()
                                     / ("relay-bench-" + std::to_string(
                                                           ::getpid()))
                                 : std::filesystem::path{dir_arg};
  struct statfs fs{};
  std::filesystem::create_directories(root);
  ::statfs(root.c_str(), &fs);
  struct utsname un{};
  ::uname(&un);
  std::printf("relay_bench --mode %s --chats %lld --per-chat %d --sessions "
              "%lld --arrival-rate %.0f --chunks %d --chunk-ms %lld\n",
              mode.c_str(), static_cast<long long>(chats), per_chat,
              static_cast<long long>(sessions), oo.arrival_rate, oo.chunks,
              interval_ms);
  std::printf("machine: %s %s, %u cores, load %s; data in %s (%s, "
              "synchronous=FULL); spdlog at warn\n",
              un.sysname, un.release, std::thread::hardware_concurrency(),
              load_average().c_str(), root.c_str(),
              fs.f_type == 0x01021994 ? "tmpfs" : "disk");
  verdict v;
  auto run = [&](const char* name, auto&& f) {
    auto d = root / name;
    std::filesystem::remove_all(d);
    f(d);
    if (dir_arg.empty())
      std::filesystem::remove_all(d);
  };
  if (mode == "inbound" || mode == "all")
    run("inbound", [&](auto& d) {
      inbound(d, chats, per_chat, inbound_target, v);
    });
  if (mode == "memory" || mode == "all")
    run("memory", [&](auto& d) { memory(d, sessions, memory_target, v); });
  if (mode == "outbound" || mode == "all")
    run("outbound", [&](auto& d) { outbound(d, oo, v); });
  if (dir_arg.empty())
    std::filesystem::remove_all(root);
  if (v.wrong) {
    std::printf("result: WRONG (see above)\n");
    return 2;
  }
  std::printf("result: %s\n", v.missed ? "a target was MISSED" : "all "
                                                                "targets met");
  return v.missed ? 1 : 0;
}
