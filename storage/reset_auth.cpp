#include "storage/reset_auth.hpp"

#include "storage/admin.hpp"
#include "storage/approvals.hpp"
#include "storage/auth_codes.hpp"
#include "storage/identity_links.hpp"
#include "storage/totp_sessions.hpp"

namespace telclaude::storage {

reset_auth_counts reset_auth(database& db) {
  identity_links links{db};
  admin admin_slot{db};
  auth_codes codes{db};
  approvals pending{db};
  totp_sessions factors{db};
  auto tx = db.begin_immediate();
  reset_auth_counts counts;
  counts.links = links.remove_all();
  counts.admins = admin_slot.clear() ? 1 : 0;
  counts.codes = codes.remove_all();
  counts.approvals = pending.remove_all();
  counts.totp_sessions = factors.remove_all();
  tx.commit();
  return counts;
}

} // namespace telclaude::storage
