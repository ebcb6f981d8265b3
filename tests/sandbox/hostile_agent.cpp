// A hostile "agent" for the resource-caps battery: it runs inside the real
// sandbox and tries to take more than its caps allow. Each mode prints
// what it got on stdout (one line per step, flushed), so the test can tell
// how far it came whatever kills it.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

void say(const std::string& line) {
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

/// Forks up to `n` children that sleep; reports each one.
int forks(int n) {
  for (int i = 1; i <= n; ++i) {
    pid_t pid = ::fork();
    if (pid == 0) {
      ::sleep(60);
      ::_exit(0);
    }
    if (pid < 0) {
      say("refused " + std::string{std::strerror(errno)});
      return 0;
    }
    say("forked " + std::to_string(i));
  }
  return 0;
}

/// The classic bomb (every process forks forever), bounded in time so a
/// failed cap cannot take the machine down for long.
int bomb(int seconds) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds{seconds};
  say("bombing");
  while (std::chrono::steady_clock::now() < end)
    ::fork();
  ::_exit(0);
}

/// Allocates and touches `mb` MiB, 16 MiB at a time.
int alloc(int mb) {
  std::vector<char*> kept;
  for (int got = 16; got <= mb; got += 16) {
    auto* block = static_cast<char*>(std::malloc(16u << 20));
    if (block == nullptr) {
      say("refused");
      return 0;
    }
    std::memset(block, 0x5a, 16u << 20);
    kept.push_back(block);
    say("allocated " + std::to_string(got));
  }
  return 0;
}

/// Opens /dev/null `n` times.
int files(int n) {
  int opened = 0;
  for (; opened < n; ++opened)
    if (::open("/dev/null", O_RDONLY) < 0)
      break;
  say("opened " + std::to_string(opened));
  return 0;
}

/// Burns CPU until something stops it.
int spin() {
  say("spinning");
  volatile unsigned long x = 0;
  while (true)
    x = x + 1;
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2)
    return 2;
  std::string mode = argv[1];
  int n = argc > 2 ? std::atoi(argv[2]) : 0;
  if (mode == "forks")
    return forks(n);
  if (mode == "bomb")
    return bomb(n);
  if (mode == "alloc")
    return alloc(n);
  if (mode == "files")
    return files(n);
  if (mode == "spin")
    return spin();
  return 2;
}
