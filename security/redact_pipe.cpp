#include "security/redact_pipe.hpp"

#include "security/redaction_stream.hpp"

#include <nlohmann/json.hpp>

#include <istream>
#include <ostream>
#include <vector>

namespace telclaude::security {

namespace {

std::size_t write_findings(redaction_stream& stream, std::ostream* json) {
  const auto found = stream.take_findings();
  if (json != nullptr) {
    for (const auto& f : found) {
      *json << nlohmann::json{{"id", f.pattern_id},
                              {"begin", f.begin},
                              {"end", f.end}}
                 .dump()
            << '\n';
    }
  }
  return found.size();
}

} // namespace

redact_pipe_result redact_pipe(const redaction_engine& engine,
                               std::istream& in, std::ostream& out,
                               std::size_t chunk,
                               std::ostream* findings_json) {
  redaction_stream stream(engine.shared_from_this());
  // Reads are large whatever `chunk` is; `chunk` only shapes the writes.
  std::vector<char> buffer(std::max<std::size_t>(chunk, 64 * 1024));
  std::string safe;
  redact_pipe_result result;
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    for (std::size_t i = 0; i < got; i += chunk) {
      stream.write(std::string_view(buffer.data() + i,
                                    std::min(chunk, got - i)),
                   safe);
    }
    result.bytes += got;
    out.write(safe.data(), static_cast<std::streamsize>(safe.size()));
    safe.clear();
    result.findings += write_findings(stream, findings_json);
  }
  stream.finish(safe);
  out.write(safe.data(), static_cast<std::streamsize>(safe.size()));
  out.flush();
  result.findings += write_findings(stream, findings_json);
  return result;
}

} // namespace telclaude::security
