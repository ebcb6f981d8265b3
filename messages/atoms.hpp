#pragma once

#include <caf/type_id.hpp>

// Atoms of the system, in one namespace (at most 10 characters each; only
// letters, digits, space and `_` survive CAF's encoding).
CAF_ADD_ATOM(telclaude, telclaude::atom, poll, "poll")
CAF_ADD_ATOM(telclaude, telclaude::atom, inbox_add, "inbox_add")
CAF_ADD_ATOM(telclaude, telclaude::atom, inbox_done, "inbox_done")
CAF_ADD_ATOM(telclaude, telclaude::atom, inbox_pend, "inbox_pend")
CAF_ADD_ATOM(telclaude, telclaude::atom, offset, "offset")
CAF_ADD_ATOM(telclaude, telclaude::atom, sess_get, "sess_get")
CAF_ADD_ATOM(telclaude, telclaude::atom, sess_put, "sess_put")
CAF_ADD_ATOM(telclaude, telclaude::atom, output, "output")
CAF_ADD_ATOM(telclaude, telclaude::atom, output_end, "output_end")
CAF_ADD_ATOM(telclaude, telclaude::atom, reply_text, "reply_text")
CAF_ADD_ATOM(telclaude, telclaude::atom, reply_end, "reply_end")
CAF_ADD_ATOM(telclaude, telclaude::atom, send_text, "send_text")
CAF_ADD_ATOM(telclaude, telclaude::atom, typing, "typing")
CAF_ADD_ATOM(telclaude, telclaude::atom, line, "line")
CAF_ADD_ATOM(telclaude, telclaude::atom, eof, "eof")
CAF_ADD_ATOM(telclaude, telclaude::atom, timeout, "timeout")
CAF_ADD_ATOM(telclaude, telclaude::atom, kill, "kill")
CAF_ADD_ATOM(telclaude, telclaude::atom, started, "started")
CAF_ADD_ATOM(telclaude, telclaude::atom, finished, "finished")
CAF_ADD_ATOM(telclaude, telclaude::atom, expire, "expire")
CAF_ADD_ATOM(telclaude, telclaude::atom, sweep, "sweep")
CAF_ADD_ATOM(telclaude, telclaude::atom, count, "count")
CAF_ADD_ATOM(telclaude, telclaude::atom, drain, "drain")
CAF_ADD_ATOM(telclaude, telclaude::atom, gate, "gate")
CAF_ADD_ATOM(telclaude, telclaude::atom, refused, "refused")
CAF_ADD_ATOM(telclaude, telclaude::atom, prompt, "prompt")
CAF_ADD_ATOM(telclaude, telclaude::atom, cb_answer, "cb_answer")
CAF_ADD_ATOM(telclaude, telclaude::atom, qr_photo, "qr_photo")
