//! Who is calling the chat backend, what they may reach, and how often they may call.

/// Who is calling, from a verified, unrevoked access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub admin: bool,
}

impl Caller {
    /// Owners and admins may act on a resource; everyone else is told it does not exist.
    pub fn may_access(&self, owner: i64) -> bool {
        self.admin || self.user_id == owner
    }
}

/// The per-caller rate limit: at most `max` requests per window of `window_seconds`, counted
/// for every execution environment at once (`rate#chat#<user>#<window>` counters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u64,
    pub window_seconds: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_and_admins_reach_a_resource() {
        let (alice, admin) = (Caller { user_id: 1, admin: false }, Caller { user_id: 9, admin: true });
        assert!(alice.may_access(1) && !alice.may_access(2));
        assert!(admin.may_access(2));
    }
}
