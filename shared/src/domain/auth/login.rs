//! Logging in and proving who you are: credentials checked against the stored hash (unknown
//! users cost the same time), a registered access token, optionally a login session with a
//! refresh token, and `UserLoggedIn` queued in the same transaction.

use super::passwords::Verification;
use super::ports::{SessionStart, StoredRefresh, TokenStore, UserStore};
use super::service::Identity;
use super::tokens::{Claims, IssuedToken, bearer_token, new_refresh_token, refresh_expiry};
use super::users::UserRecord;
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::events::{AUTH_EVENTS, EventEnvelope, USER_LOGGED_IN, UserLoggedIn};
use serde::Deserialize;

const MAX_USERNAME_LEN: usize = 64;
const MAX_PASSWORD_LEN: usize = 1024;

/// Login request body. Unknown fields are refused so typos do not pass silently.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    /// Matched case-insensitively; surrounding whitespace is ignored. Must not be blank.
    #[cfg_attr(
        feature = "openapi",
        schema(
            example = "alice",
            min_length = 1,
            max_length = 64,
            pattern = r"^[^\u0000]*[^\u0000\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000][^\u0000]*$"
        )
    )]
    pub username: String,
    /// At most 1024 bytes (UTF-8).
    #[cfg_attr(feature = "openapi", schema(example = "correct horse battery staple", min_length = 1, max_length = 1024, format = Password))]
    pub password: String,
}

impl Credentials {
    pub fn validate(&self) -> Result<(), AppError> {
        if self.username.trim().is_empty() || self.password.is_empty() {
            return Err(AppError::new(ErrorCode::ValidationFailed, "username and password must not be empty"));
        }
        // No username has one, and PostgreSQL text cannot hold it (the lookup failed: a 500).
        if self.username.contains('\0') {
            return Err(AppError::new(ErrorCode::ValidationFailed, "username must not contain the NUL character"));
        }
        if self.username.chars().count() > MAX_USERNAME_LEN || self.password.len() > MAX_PASSWORD_LEN {
            return Err(AppError::new(
                ErrorCode::ValidationFailed,
                format!(
                    "username is limited to {MAX_USERNAME_LEN} characters and password to {MAX_PASSWORD_LEN} bytes"
                ),
            ));
        }
        Ok(())
    }
}

/// Request metadata recorded with a login (device info of the chat service).
#[derive(Debug, Clone, Default)]
pub struct LoginContext {
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
}

pub struct LoginOutcome {
    pub user: UserRecord,
    pub token: IssuedToken,
    pub event: EventEnvelope,
    /// The session id and the refresh token (plain, returned once to the client).
    pub session: Option<(uuid::Uuid, String)>,
}

fn invalid_credentials() -> AppError {
    // One answer for unknown user and wrong password: no user enumeration.
    AppError::new(ErrorCode::InvalidCredentials, "invalid username or password")
}

impl<U: UserStore, T: TokenStore> Identity<U, T> {
    /// Checks the credentials, issues an access token registered in the token store and, when
    /// `with_session`, a login session with a refresh token; queues `UserLoggedIn`.
    pub async fn login(
        &self,
        credentials: &Credentials,
        context: &LoginContext,
        source: &str,
        with_session: bool,
    ) -> Result<LoginOutcome, AppError> {
        credentials.validate()?;
        let Some(user) = self.users.find_by_username(credentials.username.trim()).await? else {
            self.hasher.verify_dummy(&credentials.password);
            return Err(invalid_credentials());
        };
        let needs_rehash = match self.hasher.verify(&credentials.password, &user.password_hash) {
            Verification::Invalid => return Err(invalid_credentials()),
            Verification::Valid { needs_rehash } => needs_rehash,
        };
        let new_hash = if needs_rehash { Some(self.hasher.hash(&credentials.password)?) } else { None };
        let jti = uuid::Uuid::new_v4().to_string();
        let (session, refresh_plain) = if with_session {
            let (plain, hash) = new_refresh_token();
            let start = SessionStart {
                id: uuid::Uuid::now_v7(),
                user_agent: context.user_agent.clone(),
                source_ip: context.source_ip.clone(),
                refresh: StoredRefresh { hash, expires_at: refresh_expiry(self.refresh_ttl), access_jti: jti.clone() },
            };
            (Some(start), Some(plain))
        } else {
            (None, None)
        };
        let token = self.tokens.issue_with(&user, jti, session.as_ref().map(|s| s.id))?;
        let event = EventEnvelope::new(
            USER_LOGGED_IN,
            source,
            UserLoggedIn {
                user_id: user.id,
                username: user.username.clone(),
                user_agent: context.user_agent.clone(),
                source_ip: context.source_ip.clone(),
                token_id: Some(token.claims.jti.clone()),
            },
        )
        .map_err(AppError::internal)?;
        // Registered first: a token the client receives is always known to the store. If the
        // transaction then fails, the orphan entry only expires.
        self.token_store.register(&token.claims).await?;
        self.users.complete_login(user.id, new_hash, session.as_ref(), AUTH_EVENTS, &event).await?;
        let session = session.zip(refresh_plain).map(|(s, plain)| (s.id, plain));
        Ok(LoginOutcome { user, token, event, session })
    }

    /// Verifies an `Authorization: Bearer` header: signature, algorithm, issuer, audience,
    /// expiry, then that the token was not revoked. Fails closed when the store is down.
    pub async fn authenticate(&self, authorization: Option<&str>) -> Result<Claims, AppError> {
        let token = bearer_token(authorization)?;
        let claims = self.tokens.verify(token)?;
        if !self.token_store.is_active(&claims.jti).await? {
            return Err(AppError::new(ErrorCode::TokenRevoked, "the token has been revoked"));
        }
        if !self.users.user_exists(&claims.sub).await? {
            return Err(AppError::new(ErrorCode::InvalidToken, "the token is invalid"));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::{CompletedLogin, MemoryTokens, MemoryUsers};
    use crate::domain::auth::introspection::Introspection;
    use crate::domain::auth::passwords::{MIN_PBKDF2_ITERATIONS, PasswordHasher};
    use crate::domain::auth::tokens::TokenService;
    use crate::domain::auth::tokens::tests::{settings, user};
    use std::time::Duration;

    const FAST: u32 = MIN_PBKDF2_ITERATIONS;

    fn identity(users: MemoryUsers, iterations: u32) -> Identity<MemoryUsers, MemoryTokens> {
        Identity {
            users,
            token_store: MemoryTokens::default(),
            hasher: PasswordHasher::new(iterations).unwrap(),
            tokens: TokenService::new(settings(&"k".repeat(32))),
            refresh_ttl: Duration::from_secs(3600),
        }
    }

    #[tokio::test]
    async fn login_succeeds_registers_the_token_and_queues_the_event() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryUsers::with([user(hash)]), FAST);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = id.login(&creds, &LoginContext::default(), "test", false).await.unwrap();
        assert_eq!(out.event.event_type, USER_LOGGED_IN);
        let data: UserLoggedIn = out.event.data_as().unwrap();
        assert_eq!(data.token_id.as_deref(), Some(out.token.claims.jti.as_str()));
        assert_eq!(
            id.users.logins.lock().unwrap().as_slice(),
            &[CompletedLogin { user_id: 1, new_hash: None, queue: "auth-events".into() }]
        );
        assert!(out.session.is_none());
        let header = format!("Bearer {}", out.token.token);
        assert_eq!(id.authenticate(Some(&header)).await.unwrap().sub, "1");
        assert!(id.introspect(&out.token.token).await.unwrap().active);

        id.token_store.revoke(&out.token.claims.jti).await.unwrap();
        assert_eq!(id.authenticate(Some(&header)).await.unwrap_err().code(), "TOKEN_REVOKED");
        assert_eq!(id.introspect(&out.token.token).await.unwrap(), Introspection::inactive());
    }

    #[tokio::test]
    async fn a_token_dies_with_its_user() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryUsers::with([user(hash)]), FAST);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = id.login(&creds, &LoginContext::default(), "test", false).await.unwrap();
        id.users.users.lock().unwrap().clear();
        let header = format!("Bearer {}", out.token.token);
        assert_eq!(id.authenticate(Some(&header)).await.unwrap_err().code(), "INVALID_TOKEN");
        assert_eq!(id.introspect(&out.token.token).await.unwrap(), Introspection::inactive());
    }

    #[tokio::test]
    async fn session_login_returns_a_refresh_token_tied_to_the_session() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryUsers::with([user(hash)]), FAST);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = id.login(&creds, &LoginContext::default(), "test", true).await.unwrap();
        let (sid, refresh) = out.session.unwrap();
        assert_eq!(out.token.claims.sid, Some(sid.to_string()));
        assert!(refresh.len() >= 43);
    }

    #[tokio::test]
    async fn unknown_user_and_wrong_password_get_the_same_answer() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryUsers::with([user(hash)]), FAST);
        let ctx = LoginContext::default();
        let wrong = Credentials { username: "alice".into(), password: "nope".into() };
        let unknown = Credentials { username: "bob".into(), password: "pw".into() };
        let a = id.login(&wrong, &ctx, "t", false).await.err().unwrap();
        let b = id.login(&unknown, &ctx, "t", false).await.err().unwrap();
        assert_eq!((a.status(), a.code(), a.public_message()), (b.status(), b.code(), b.public_message()));
        assert_eq!(a.status(), 401);
        assert!(id.users.logins.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn outdated_hash_is_upgraded_on_login() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryUsers::with([user(hash)]), FAST + 1);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        id.login(&creds, &LoginContext::default(), "t", false).await.unwrap();
        let logins = id.users.logins.lock().unwrap();
        let new_hash = logins[0].new_hash.as_deref().unwrap();
        assert_eq!(id.hasher.verify("pw", new_hash), Verification::Valid { needs_rehash: false });
    }

    #[test]
    fn empty_and_oversized_credentials_are_bad_requests() {
        let empty = Credentials { username: " ".into(), password: "x".into() };
        assert_eq!(empty.validate().unwrap_err().code(), "VALIDATION_FAILED");
        let long = Credentials { username: "a".repeat(65), password: "x".into() };
        assert_eq!(long.validate().unwrap_err().status(), 400);
        // It reached PostgreSQL and came back as a 500 (found by localstack/api-schema.sh).
        let nul = Credentials { username: "al\u{0}ice".into(), password: "x".into() };
        assert_eq!(nul.validate().unwrap_err().code(), "VALIDATION_FAILED");
    }
}
