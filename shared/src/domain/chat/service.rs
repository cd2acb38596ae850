//! The chat backend's state, and who is calling it: every request is authenticated with the
//! auth service's rules, then counted against the caller's rate limit.

use super::caller::{Caller, RateLimit};
use crate::domain::auth::{Identity, TokenStore, UserStore};
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::ratelimit::{RateCounter, RateLimiter};

/// What the chat functions share: the token checks, the store of chat sessions, messages,
/// vendors, sellers and accounts (`D`, one database), and the rate limit.
pub struct Chat<D, U, T, C> {
    pub identity: Identity<U, T>,
    pub store: D,
    pub limiter: RateLimiter<C>,
    pub rate_limit: RateLimit,
}

impl<D, U: UserStore, T: TokenStore, C: RateCounter> Chat<D, U, T, C> {
    /// The authenticated caller of an `Authorization` header, counted against the rate limit
    /// (429 RATE_LIMITED beyond it).
    pub async fn caller(&self, authorization: Option<&str>) -> Result<Caller, AppError> {
        let claims = self.identity.authenticate(authorization).await?;
        let user_id: i64 =
            claims.sub.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))?;
        let RateLimit { max, window_seconds } = self.rate_limit;
        let now = chrono::Utc::now().timestamp();
        self.limiter
            .check(&format!("chat#{user_id}"), max, window_seconds, now)
            .await
            .into_result(max, window_seconds)?;
        Ok(Caller { user_id, admin: claims.role == "admin" })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryChat, MemoryCounter, MemoryTokens, MemoryUsers};
    use crate::domain::auth::tokens::tests::settings;
    use crate::domain::auth::{MIN_PBKDF2_ITERATIONS, PasswordHasher, TokenService, UserRecord};

    pub(crate) type TestChat = Chat<MemoryChat, MemoryUsers, MemoryTokens, MemoryCounter>;

    pub(crate) const ALICE: Caller = Caller { user_id: 1, admin: false };
    pub(crate) const BOB: Caller = Caller { user_id: 2, admin: false };
    pub(crate) const ADMIN: Caller = Caller { user_id: 9, admin: true };

    const ACCOUNTS: [(i64, &str, &str); 3] = [(1, "alice", "user"), (2, "bob", "user"), (9, "root", "admin")];

    /// Alice and Bob (users) and an admin, allowed `max` requests per window each.
    pub(crate) fn chat(max: u64) -> TestChat {
        let records = ACCOUNTS.map(|(id, username, role)| UserRecord {
            id,
            username: username.into(),
            role: role.into(),
            password_hash: String::new(),
            tenant_id: None,
        });
        Chat {
            identity: Identity {
                users: MemoryUsers::with(records),
                token_store: MemoryTokens::default(),
                hasher: PasswordHasher::new(MIN_PBKDF2_ITERATIONS).unwrap(),
                tokens: TokenService::new(settings(&"k".repeat(32))),
                refresh_ttl: std::time::Duration::from_secs(3600),
            },
            store: MemoryChat::with_accounts(ACCOUNTS),
            limiter: RateLimiter::new(MemoryCounter::default()),
            rate_limit: RateLimit { max, window_seconds: 3600 },
        }
    }

    /// An `Authorization` header with a registered access token of user `id`.
    pub(crate) async fn bearer(chat: &TestChat, id: i64) -> String {
        let user = crate::adapters::memory::lock(&chat.identity.users.users).iter().find(|u| u.id == id).cloned();
        let issued = chat.identity.tokens.issue(&user.expect("a known user")).unwrap();
        chat.identity.token_store.register(&issued.claims).await.unwrap();
        format!("Bearer {}", issued.token)
    }

    #[tokio::test]
    async fn the_caller_is_the_tokens_user_and_admins_are_admins() {
        let chat = chat(100);
        let alice = chat.caller(Some(&bearer(&chat, 1).await)).await.unwrap();
        assert_eq!((alice.user_id, alice.admin), (1, false));
        let admin = chat.caller(Some(&bearer(&chat, 9).await)).await.unwrap();
        assert_eq!((admin.user_id, admin.admin), (9, true));
        assert_eq!(chat.caller(None).await.unwrap_err().code(), "MISSING_TOKEN");
        assert_eq!(chat.caller(Some("Bearer x.y.z")).await.unwrap_err().code(), "INVALID_TOKEN");
    }

    #[tokio::test]
    async fn the_token_of_a_deleted_account_stands_for_no_one() {
        let chat = chat(100);
        let token = bearer(&chat, 2).await;
        crate::adapters::memory::lock(&chat.identity.users.users).retain(|u| u.id != 2);
        assert_eq!(chat.caller(Some(&token)).await.unwrap_err().code(), "INVALID_TOKEN");
    }

    #[tokio::test]
    async fn each_caller_has_their_own_rate_limit() {
        let chat = chat(2);
        let (alice, bob) = (bearer(&chat, 1).await, bearer(&chat, 2).await);
        for _ in 0..2 {
            chat.caller(Some(&alice)).await.unwrap();
        }
        match chat.caller(Some(&alice)).await.unwrap_err() {
            AppError::RateLimited { retry_after_seconds, message } => {
                assert!((1..=3600).contains(&retry_after_seconds), "{retry_after_seconds}");
                assert_eq!(message, "rate limit of 2 requests per 3600 s reached");
            }
            other => panic!("{other:?}"),
        }
        chat.caller(Some(&bob)).await.unwrap();
        let keys: Vec<String> = crate::adapters::memory::lock(&chat.limiter.counter.hits).keys().cloned().collect();
        assert!(keys.iter().all(|k| k.starts_with("rate#chat#1#") || k.starts_with("rate#chat#2#")), "{keys:?}");
    }
}
