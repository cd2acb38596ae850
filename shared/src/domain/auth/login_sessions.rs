//! The caller's login sessions — the devices it is logged in on — newest first, a page at a
//! time, with the one its token belongs to marked.

use super::ports::{LoginSession, LoginSessionStore, TokenStore, UserStore};
use super::service::Identity;
use super::tokens::Claims;
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::paging::{Keyset, Page};

impl<U: UserStore + LoginSessionStore, T: TokenStore> Identity<U, T> {
    /// The bearer's login sessions, active and ended, newest first: `limit` of them after the
    /// page that `cursor` ends.
    pub async fn login_sessions(
        &self,
        claims: &Claims,
        limit: i64,
        cursor: Option<&str>,
    ) -> Result<Page<LoginSession>, AppError> {
        let user_id: i64 =
            claims.sub.parse().map_err(|_| AppError::new(ErrorCode::InvalidToken, "the token is invalid"))?;
        let before = Keyset::after(cursor)?;
        let rows = self.users.login_sessions(user_id, before, limit + 1).await?;
        let current = claims.sid.as_deref();
        Ok(Page::of(rows, limit, |s| Keyset { created_at: s.created_at, id: s.id }.encode()).map(|mut s| {
            s.current = current == Some(s.id.to_string().as_str());
            s
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{MemoryTokens, MemoryUsers};
    use crate::domain::auth::passwords::{MIN_PBKDF2_ITERATIONS, PasswordHasher};
    use crate::domain::auth::tokens::TokenService;
    use crate::domain::auth::tokens::tests::{settings, user};
    use crate::domain::auth::{Credentials, LoginContext};

    #[tokio::test]
    async fn sessions_are_listed_newest_first_with_the_current_one_marked() {
        let hasher = PasswordHasher::new(MIN_PBKDF2_ITERATIONS).unwrap();
        let id = Identity {
            users: MemoryUsers::with([user(hasher.hash("pw").unwrap())]),
            token_store: MemoryTokens::default(),
            hasher,
            tokens: TokenService::new(settings(&"k".repeat(32))),
            refresh_ttl: std::time::Duration::from_secs(3600),
        };
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let phone = LoginContext { user_agent: Some("phone".into()), source_ip: Some("198.51.100.1".into()) };
        let laptop = LoginContext { user_agent: Some("laptop".into()), source_ip: None };
        let first = id.login(&creds, &phone, "t", true).await.unwrap();
        let second = id.login(&creds, &laptop, "t", true).await.unwrap();

        let page = id.login_sessions(&second.token.claims, 1, None).await.unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].user_agent.as_deref(), Some("laptop"));
        assert!(page.items[0].current);
        let next = page.next_cursor.expect("a second page");
        let rest = id.login_sessions(&second.token.claims, 1, Some(&next)).await.unwrap();
        assert_eq!(rest.items[0].user_agent.as_deref(), Some("phone"));
        assert_eq!(rest.items[0].ip.as_deref(), Some("198.51.100.1"));
        assert!(!rest.items[0].current && rest.next_cursor.is_none());

        id.logout(&first.token.claims, "t").await.unwrap();
        let all = id.login_sessions(&second.token.claims, 10, None).await.unwrap();
        assert_eq!(all.items[1].end_reason.as_deref(), Some("logout"));
        assert!(all.items[0].ended_at.is_none() && all.items[1].ended_at.is_some());
        assert_eq!(
            id.login_sessions(&second.token.claims, 10, Some("nope")).await.unwrap_err().code(),
            "INVALID_CURSOR"
        );
    }
}
