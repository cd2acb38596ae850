//! Identity: password hashing, JWT issuing/verification and the login use case.
//! Free of AWS and database types: storage sits behind [`UserStore`].

use crate::config::JwtConfig;
use crate::error::AppError;
use crate::events::{EventEnvelope, USER_LOGGED_IN, UserLoggedIn};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pbkdf2::Pbkdf2;
use pbkdf2::password_hash::{
    PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString, rand_core::OsRng,
};
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::sync::OnceLock;

/// OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. See docs/identity.md for the cost.
pub const DEFAULT_PBKDF2_ITERATIONS: u32 = 600_000;
const MIN_PBKDF2_ITERATIONS: u32 = 10_000;
const MAX_USERNAME_LEN: usize = 64;
const MAX_PASSWORD_LEN: usize = 1024;

/// PBKDF2-HMAC-SHA256 in the self-describing PHC string format
/// (`$pbkdf2-sha256$i=600000,l=32$<salt>$<hash>`), so the cost can change without a migration.
#[derive(Debug, Clone)]
pub struct PasswordHasher {
    iterations: u32,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Verification {
    Invalid,
    Valid { needs_rehash: bool },
}

impl PasswordHasher {
    pub fn new(iterations: u32) -> Result<Self, crate::error::ConfigError> {
        if iterations < MIN_PBKDF2_ITERATIONS {
            return Err(crate::error::ConfigError::Invalid {
                name: "PBKDF2_ITERATIONS",
                reason: format!("must be at least {MIN_PBKDF2_ITERATIONS}"),
            });
        }
        Ok(Self { iterations })
    }

    pub fn from_env() -> Result<Self, crate::error::ConfigError> {
        Self::new(crate::config::parse_or("PBKDF2_ITERATIONS", DEFAULT_PBKDF2_ITERATIONS)?)
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub fn hash(&self, password: &str) -> Result<String, AppError> {
        let salt = SaltString::generate(&mut OsRng);
        let params = pbkdf2::Params { rounds: self.iterations, output_length: 32 };
        Pbkdf2
            .hash_password_customized(
                password.as_bytes(),
                Some(pbkdf2::Algorithm::Pbkdf2Sha256.ident()),
                None,
                params,
                &salt,
            )
            .map(|h| h.to_string())
            .map_err(|e| AppError::internal(format!("password hashing failed: {e}")))
    }

    /// Constant-time comparison (done by `password-hash`). A malformed stored hash counts as
    /// a mismatch, so a corrupt row can never log anybody in.
    pub fn verify(&self, password: &str, stored: &str) -> Verification {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Verification::Invalid;
        };
        if Pbkdf2.verify_password(password.as_bytes(), &parsed).is_err() {
            return Verification::Invalid;
        }
        let current_params = parsed.algorithm == pbkdf2::Algorithm::Pbkdf2Sha256.ident()
            && pbkdf2::Params::try_from(&parsed)
                .map(|p| p.rounds == self.iterations)
                .unwrap_or(false);
        Verification::Valid { needs_rehash: !current_params }
    }

    /// Burns the same time as a real verification, so a login for an unknown user cannot be
    /// told apart from a wrong password by its latency.
    pub fn verify_dummy(&self, password: &str) {
        static DUMMY: OnceLock<(u32, String)> = OnceLock::new();
        let (iterations, hash) = DUMMY.get_or_init(|| {
            let hash = self.hash("dummy-password-for-timing").unwrap_or_default();
            (self.iterations, hash)
        });
        if *iterations == self.iterations {
            let _ = self.verify(password, hash);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub username: String,
    pub role: String,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    pub jti: String,
}

pub struct IssuedToken {
    pub token: String,
    pub claims: Claims,
    pub expires_in: u64,
}

/// HS256 only: the algorithm is pinned on both sides, so `alg: none` or an RS/HS key
/// confusion is rejected before the signature is even looked at.
pub struct TokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    config: JwtConfig,
}

impl TokenService {
    pub fn new(config: JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[config.issuer.as_str()]);
        validation.set_audience(&[config.audience.as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(config.secret.as_bytes()),
            decoding: DecodingKey::from_secret(config.secret.as_bytes()),
            validation,
            config,
        }
    }

    pub fn issue(&self, user: &UserRecord) -> Result<IssuedToken, AppError> {
        let now = chrono::Utc::now().timestamp();
        let ttl = self.config.ttl.as_secs();
        let claims = Claims {
            sub: user.id.to_string(),
            username: user.username.clone(),
            role: user.role.clone(),
            iss: self.config.issuer.clone(),
            aud: self.config.audience.clone(),
            iat: now,
            exp: now + ttl as i64,
            jti: uuid::Uuid::new_v4().to_string(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing token failed: {e}")))?;
        Ok(IssuedToken { token, claims, expires_in: ttl })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                match e.kind() {
                    ErrorKind::ExpiredSignature => {
                        AppError::unauthorized("TOKEN_EXPIRED", "the token has expired")
                    }
                    _ => AppError::unauthorized("INVALID_TOKEN", "the token is invalid"),
                }
            })
    }
}

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: i64,
    pub username: String,
    pub role: String,
    pub password_hash: String,
}

/// Login request body. Unknown fields are refused so typos do not pass silently.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl Credentials {
    pub fn validate(&self) -> Result<(), AppError> {
        if self.username.trim().is_empty() || self.password.is_empty() {
            return Err(AppError::bad_request(
                "VALIDATION_FAILED",
                "username and password must not be empty",
            ));
        }
        if self.username.chars().count() > MAX_USERNAME_LEN || self.password.len() > MAX_PASSWORD_LEN {
            return Err(AppError::bad_request(
                "VALIDATION_FAILED",
                format!(
                    "username is limited to {MAX_USERNAME_LEN} characters and password to {MAX_PASSWORD_LEN} bytes"
                ),
            ));
        }
        Ok(())
    }
}

/// Request metadata recorded with a login (device info of seed 004).
#[derive(Debug, Clone, Default)]
pub struct LoginContext {
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
}

pub trait UserStore: Send + Sync {
    fn find_by_username(
        &self,
        username: &str,
    ) -> impl Future<Output = Result<Option<UserRecord>, AppError>> + Send;

    /// Records a successful login and queues its event in the outbox, in one transaction:
    /// either both happen or neither does. `new_hash` upgrades the stored hash.
    fn complete_login(
        &self,
        user_id: i64,
        new_hash: Option<String>,
        queue: &str,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<(), AppError>> + Send;
}

pub struct LoginOutcome {
    pub token: IssuedToken,
    pub event: EventEnvelope,
}

fn invalid_credentials() -> AppError {
    // One answer for unknown user and wrong password: no user enumeration.
    AppError::unauthorized("INVALID_CREDENTIALS", "invalid username or password")
}

pub async fn login<S: UserStore>(
    store: &S,
    hasher: &PasswordHasher,
    tokens: &TokenService,
    credentials: &Credentials,
    context: &LoginContext,
) -> Result<LoginOutcome, AppError> {
    credentials.validate()?;
    let Some(user) = store.find_by_username(credentials.username.trim()).await? else {
        hasher.verify_dummy(&credentials.password);
        return Err(invalid_credentials());
    };
    let needs_rehash = match hasher.verify(&credentials.password, &user.password_hash) {
        Verification::Invalid => return Err(invalid_credentials()),
        Verification::Valid { needs_rehash } => needs_rehash,
    };
    let new_hash = if needs_rehash { Some(hasher.hash(&credentials.password)?) } else { None };
    let token = tokens.issue(&user)?;
    let event = EventEnvelope::new(
        USER_LOGGED_IN,
        "identity.login",
        UserLoggedIn {
            user_id: user.id,
            username: user.username.clone(),
            user_agent: context.user_agent.clone(),
            source_ip: context.source_ip.clone(),
            token_id: Some(token.claims.jti.clone()),
        },
    )
    .map_err(AppError::internal)?;
    store
        .complete_login(user.id, new_hash, crate::config::AUTH_EVENTS, &event)
        .await?;
    Ok(LoginOutcome { token, event })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
    use std::sync::Mutex;
    use std::time::Duration;

    const FAST: u32 = MIN_PBKDF2_ITERATIONS;

    fn jwt_config(secret: &str) -> JwtConfig {
        JwtConfig {
            secret: secret.to_string(),
            issuer: "test-issuer".into(),
            audience: "test-aud".into(),
            ttl: Duration::from_secs(3600),
        }
    }

    fn user(hash: String) -> UserRecord {
        UserRecord { id: 1, username: "alice".into(), role: "user".into(), password_hash: hash }
    }

    #[derive(Default)]
    struct MemoryStore {
        users: Vec<UserRecord>,
        logins: Mutex<Vec<(i64, Option<String>, String)>>,
    }

    impl UserStore for MemoryStore {
        async fn find_by_username(&self, username: &str) -> Result<Option<UserRecord>, AppError> {
            Ok(self.users.iter().find(|u| u.username == username).cloned())
        }
        async fn complete_login(
            &self,
            user_id: i64,
            new_hash: Option<String>,
            queue: &str,
            _event: &EventEnvelope,
        ) -> Result<(), AppError> {
            self.logins.lock().unwrap().push((user_id, new_hash, queue.to_string()));
            Ok(())
        }
    }

    #[test]
    fn hash_is_self_describing_and_verifies() {
        let h = PasswordHasher::new(FAST).unwrap();
        let stored = h.hash("correct horse").unwrap();
        assert!(stored.starts_with(&format!("$pbkdf2-sha256$i={FAST},l=32$")), "{stored}");
        assert_eq!(h.verify("correct horse", &stored), Verification::Valid { needs_rehash: false });
        assert_eq!(h.verify("wrong", &stored), Verification::Invalid);
        assert_eq!(h.verify("correct horse", "not a phc string"), Verification::Invalid);
    }

    #[test]
    fn changed_iterations_ask_for_rehash() {
        let old = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let newer = PasswordHasher::new(FAST * 2).unwrap();
        assert_eq!(newer.verify("pw", &old), Verification::Valid { needs_rehash: true });
    }

    #[test]
    fn too_few_iterations_are_refused() {
        assert!(PasswordHasher::new(1000).is_err());
    }

    #[test]
    fn tokens_round_trip_and_pin_the_algorithm() {
        let svc = TokenService::new(jwt_config(&"k".repeat(32)));
        let issued = svc.issue(&user(String::new())).unwrap();
        let claims = svc.verify(&issued.token).unwrap();
        assert_eq!(claims.sub, "1");
        assert_eq!(claims.exp - claims.iat, 3600);

        // alg: none with the same claims
        let b64 = |s: &str| URL_SAFE_NO_PAD.encode(s);
        let payload = serde_json::to_string(&claims).unwrap();
        let forged = format!("{}.{}.", b64(r#"{"alg":"none","typ":"JWT"}"#), b64(&payload));
        assert_eq!(svc.verify(&forged).unwrap_err().code(), "INVALID_TOKEN");

        let other = TokenService::new(jwt_config(&"x".repeat(32)));
        assert_eq!(other.verify(&issued.token).unwrap_err().code(), "INVALID_TOKEN");
    }

    #[tokio::test]
    async fn login_succeeds_and_queues_event_in_the_same_step() {
        let hasher = PasswordHasher::new(FAST).unwrap();
        let store = MemoryStore { users: vec![user(hasher.hash("pw").unwrap())], ..Default::default() };
        let tokens = TokenService::new(jwt_config(&"k".repeat(32)));
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = login(&store, &hasher, &tokens, &creds, &LoginContext::default()).await.unwrap();
        assert_eq!(out.event.event_type, USER_LOGGED_IN);
        let data: UserLoggedIn = out.event.data_as().unwrap();
        assert_eq!(data.token_id.as_deref(), Some(out.token.claims.jti.as_str()));
        assert_eq!(store.logins.lock().unwrap().as_slice(), &[(1, None, "auth-events".to_string())]);
    }

    #[tokio::test]
    async fn unknown_user_and_wrong_password_get_the_same_answer() {
        let hasher = PasswordHasher::new(FAST).unwrap();
        let store = MemoryStore { users: vec![user(hasher.hash("pw").unwrap())], ..Default::default() };
        let tokens = TokenService::new(jwt_config(&"k".repeat(32)));
        let ctx = LoginContext::default();
        let wrong = Credentials { username: "alice".into(), password: "nope".into() };
        let unknown = Credentials { username: "bob".into(), password: "pw".into() };
        let a = login(&store, &hasher, &tokens, &wrong, &ctx).await.err().unwrap();
        let b = login(&store, &hasher, &tokens, &unknown, &ctx).await.err().unwrap();
        assert_eq!((a.status(), a.code(), a.public_message()), (b.status(), b.code(), b.public_message()));
        assert_eq!(a.status(), 401);
        assert!(store.logins.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn outdated_hash_is_upgraded_on_login() {
        let old = PasswordHasher::new(FAST).unwrap();
        let current = PasswordHasher::new(FAST + 1).unwrap();
        let store = MemoryStore { users: vec![user(old.hash("pw").unwrap())], ..Default::default() };
        let tokens = TokenService::new(jwt_config(&"k".repeat(32)));
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        login(&store, &current, &tokens, &creds, &LoginContext::default()).await.unwrap();
        let logins = store.logins.lock().unwrap();
        let new_hash = logins[0].1.as_deref().unwrap();
        assert_eq!(current.verify("pw", new_hash), Verification::Valid { needs_rehash: false });
    }

    #[test]
    fn empty_and_oversized_credentials_are_bad_requests() {
        let empty = Credentials { username: " ".into(), password: "x".into() };
        assert_eq!(empty.validate().unwrap_err().code(), "VALIDATION_FAILED");
        let long = Credentials { username: "a".repeat(65), password: "x".into() };
        assert_eq!(long.validate().unwrap_err().status(), 400);
    }
}
