#pragma once

#include <cstddef>

namespace telclaude::sandbox {

/// Writes all `size` bytes (retrying short writes and EINTR); false on
/// an error or a closed peer.
bool write_all(int fd, const char* data, std::size_t size);

/// Copies bytes both ways between two connected stream sockets until
/// both directions have ended; an end of one direction is passed on as
/// a half-close (shutdown SHUT_WR). Closes neither socket.
void relay_both_ways(int a, int b);

} // namespace telclaude::sandbox
