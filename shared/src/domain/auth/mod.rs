//! Identity: password hashing, JWT issuing/verification and the login use case.
//! Free of AWS and database types: storage sits behind [`UserStore`].

use crate::config::JwtConfig;
use crate::domain::error::AppError;
use crate::domain::error::ErrorCode;
use crate::domain::events::{EventEnvelope, USER_LOGGED_IN, UserLoggedIn};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use pbkdf2::Pbkdf2;
use pbkdf2::password_hash::{Output, PasswordHash, PasswordVerifier as _, Salt, SaltString, rand_core::OsRng};
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
    pub fn new(iterations: u32) -> Result<Self, crate::config::ConfigError> {
        if iterations < MIN_PBKDF2_ITERATIONS {
            return Err(crate::config::ConfigError::Invalid {
                name: "PBKDF2_ITERATIONS",
                reason: format!("must be at least {MIN_PBKDF2_ITERATIONS}"),
            });
        }
        Ok(Self { iterations })
    }

    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        Self::new(crate::config::parse_or("PBKDF2_ITERATIONS", DEFAULT_PBKDF2_ITERATIONS)?)
    }

    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub fn hash(&self, password: &str) -> Result<String, AppError> {
        let failed = |e: pbkdf2::password_hash::Error| AppError::internal(format!("password hashing failed: {e}"));
        let salt = SaltString::generate(&mut OsRng);
        let params = pbkdf2::Params { rounds: self.iterations, output_length: 32 };
        let mut out = [0u8; 32];
        derive_sha256(password.as_bytes(), salt.as_salt(), self.iterations, &mut out).map_err(failed)?;
        let hash = PasswordHash {
            algorithm: pbkdf2::Algorithm::Pbkdf2Sha256.ident(),
            version: None,
            params: params.try_into().map_err(failed)?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(failed)?),
        };
        Ok(hash.to_string())
    }

    /// Constant-time comparison (done by `password-hash`). A malformed stored hash counts as
    /// a mismatch, so a corrupt row can never log anybody in.
    pub fn verify(&self, password: &str, stored: &str) -> Verification {
        let Ok(parsed) = PasswordHash::new(stored) else {
            return Verification::Invalid;
        };
        let matches = if parsed.algorithm == pbkdf2::Algorithm::Pbkdf2Sha256.ident() {
            verify_sha256(password.as_bytes(), &parsed)
        } else {
            // Other PBKDF2 variants are never written, only accepted if found.
            Pbkdf2.verify_password(password.as_bytes(), &parsed).is_ok()
        };
        if !matches {
            return Verification::Invalid;
        }
        let current_params = parsed.algorithm == pbkdf2::Algorithm::Pbkdf2Sha256.ident()
            && pbkdf2::Params::try_from(&parsed).map(|p| p.rounds == self.iterations).unwrap_or(false);
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

/// PBKDF2-HMAC-SHA256 with a PHC salt, through `kdf` (compiled optimised in debug builds too).
fn derive_sha256(
    password: &[u8],
    salt: Salt<'_>,
    rounds: u32,
    out: &mut [u8],
) -> Result<(), pbkdf2::password_hash::Error> {
    let mut salt_bytes = [0u8; Salt::MAX_LENGTH];
    let salt_bytes = salt.decode_b64(&mut salt_bytes)?;
    kdf::pbkdf2_sha256(password, salt_bytes, rounds, out);
    Ok(())
}

/// What `Pbkdf2.verify_password` does for `pbkdf2-sha256`, with the comparison in constant time
/// (`Output`'s equality).
fn verify_sha256(password: &[u8], parsed: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else { return false };
    let Ok(params) = pbkdf2::Params::try_from(parsed) else { return false };
    if parsed.version.is_some() || params.output_length != expected.len() {
        return false;
    }
    let mut out = [0u8; Output::MAX_LENGTH];
    let out = &mut out[..expected.len()];
    derive_sha256(password, salt, params.rounds, out).is_ok() && Output::new(out).is_ok_and(|actual| actual == expected)
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
    /// Space-separated scopes (RFC 8693 style), derived from the role.
    #[serde(default)]
    pub scope: String,
    /// Login session (seed 004) the token belongs to, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Tenant of the user (seed 003), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

pub fn scope_for_role(role: &str) -> &'static str {
    match role {
        "admin" => "api admin",
        _ => "api",
    }
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
        self.issue_with(user, uuid::Uuid::new_v4().to_string(), None)
    }

    /// Issues a token with a chosen `jti` (known before the token, so it can be stored in the
    /// same transaction as the refresh token issued with it) and an optional login session.
    pub fn issue_with(
        &self,
        user: &UserRecord,
        jti: String,
        session: Option<uuid::Uuid>,
    ) -> Result<IssuedToken, AppError> {
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
            jti,
            scope: scope_for_role(&user.role).to_string(),
            sid: session.map(|s| s.to_string()),
            tenant: user.tenant_id.clone(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AppError::internal(format!("signing token failed: {e}")))?;
        Ok(IssuedToken { token, claims, expires_in: ttl })
    }

    pub fn verify(&self, token: &str) -> Result<Claims, AppError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            match e.kind() {
                ErrorKind::ExpiredSignature => AppError::new(ErrorCode::TokenExpired, "the token has expired"),
                _ => AppError::new(ErrorCode::InvalidToken, "the token is invalid"),
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
    pub tenant_id: Option<String>,
}

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

/// Request metadata recorded with a login (device info of seed 004).
#[derive(Debug, Clone, Default)]
pub struct LoginContext {
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
}

/// A refresh token as stored: only its SHA-256, never the token itself.
#[derive(Debug, Clone)]
pub struct StoredRefresh {
    pub hash: Vec<u8>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
    /// The access token issued together with it (revoked with its family).
    pub access_jti: String,
}

/// A login session (seed 004) opened by a login, with its first refresh token.
#[derive(Debug, Clone)]
pub struct SessionStart {
    pub id: uuid::Uuid,
    pub user_agent: Option<String>,
    pub source_ip: Option<String>,
    pub refresh: StoredRefresh,
}

pub trait UserStore: Send + Sync {
    fn find_by_username(&self, username: &str) -> impl Future<Output = Result<Option<UserRecord>, AppError>> + Send;

    /// Records a successful login (and its session, if any) and queues its event in the
    /// outbox, in one transaction: all of it happens or none. `new_hash` upgrades the stored hash.
    fn complete_login(
        &self,
        user_id: i64,
        new_hash: Option<String>,
        session: Option<&SessionStart>,
        queue: &str,
        event: &EventEnvelope,
    ) -> impl Future<Output = Result<(), AppError>> + Send;

    /// Whether the user a token was issued to (`sub`) still exists: a token outlives a deleted
    /// account in the token store, and must not outlive it anywhere else.
    fn user_exists(&self, subject: &str) -> impl Future<Output = Result<bool, AppError>> + Send;
}

/// Where issued access tokens are registered (DynamoDB with TTL, what Redis did in seed 002).
/// A token is valid only while its entry exists: logout deletes it, everywhere at once.
pub trait TokenStore: Send + Sync {
    fn register(&self, claims: &Claims) -> impl Future<Output = Result<(), AppError>> + Send;
    fn is_active(&self, jti: &str) -> impl Future<Output = Result<bool, AppError>> + Send;
    fn revoke(&self, jti: &str) -> impl Future<Output = Result<(), AppError>> + Send;
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

/// 32 random bytes, base64url: an opaque refresh token and the hash it is stored under.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    use base64::Engine as _;
    use pbkdf2::password_hash::rand_core::RngCore as _;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = refresh_token_hash(&token);
    (token, hash)
}

pub fn refresh_token_hash(token: &str) -> Vec<u8> {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes()).to_vec()
}

/// Everything the auth functions share: users, the token store, hashing and signing.
pub struct Identity<U, T> {
    pub users: U,
    pub token_store: T,
    pub hasher: PasswordHasher,
    pub tokens: TokenService,
    pub refresh_ttl: std::time::Duration,
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
        self.users.complete_login(user.id, new_hash, session.as_ref(), crate::config::AUTH_EVENTS, &event).await?;
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

    /// RFC 7662: any token that is not currently valid is simply `active: false`.
    pub async fn introspect(&self, token: &str) -> Result<Introspection, AppError> {
        let Ok(claims) = self.tokens.verify(token) else {
            return Ok(Introspection::inactive());
        };
        if !self.token_store.is_active(&claims.jti).await? || !self.users.user_exists(&claims.sub).await? {
            return Ok(Introspection::inactive());
        }
        Ok(Introspection::from_claims(claims))
    }
}

pub fn refresh_expiry(ttl: std::time::Duration) -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::days(30))
}

pub fn bearer_token(authorization: Option<&str>) -> Result<&str, AppError> {
    let header = authorization.map(str::trim).filter(|h| !h.is_empty());
    let Some(header) = header else {
        return Err(AppError::new(ErrorCode::MissingToken, "an Authorization: Bearer token is required"));
    };
    match header.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => Ok(token.trim()),
        _ => Err(AppError::new(ErrorCode::InvalidToken, "the Authorization header must be 'Bearer <token>'")),
    }
}

/// `POST /auth/introspect` request (RFC 7662 §2.1), form-encoded (or JSON). Other parameters
/// are ignored.
#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionRequest {
    /// The access token to introspect. Anything that is not a currently valid token of this
    /// service (malformed, expired, revoked, empty) is simply reported inactive.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl")
    )]
    pub token: String,
    /// Accepted and ignored: only access tokens are introspected.
    #[cfg_attr(feature = "openapi", schema(example = "access_token"))]
    pub token_type_hint: Option<String>,
}

/// RFC 7662 introspection response, with this system's role and tenant claims.
#[derive(Debug, Serialize, PartialEq)]
pub struct Introspection {
    pub active: bool,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub details: Option<IntrospectionDetails>,
}

/// The claims of an active token, as introspection reports them.
#[derive(Debug, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IntrospectionDetails {
    /// The user id.
    #[cfg_attr(feature = "openapi", schema(example = "42"))]
    pub sub: String,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    /// Space-separated scopes derived from the role (`api`, or `api admin` for admins).
    #[cfg_attr(feature = "openapi", schema(example = "api"))]
    pub scope: String,
    /// Expiry, seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", schema(example = 1767225600))]
    pub exp: i64,
    /// Issue time, seconds since the Unix epoch.
    #[cfg_attr(feature = "openapi", schema(example = 1767222000))]
    pub iat: i64,
    #[cfg_attr(feature = "openapi", schema(example = "rust-lambda"))]
    pub iss: String,
    #[cfg_attr(feature = "openapi", schema(example = "rust-lambda-api"))]
    pub aud: String,
    /// The token's id.
    #[cfg_attr(feature = "openapi", schema(format = Uuid))]
    pub jti: String,
    pub token_type: TokenType,
    #[cfg_attr(feature = "openapi", schema(value_type = UserRole))]
    pub role: String,
    /// The user's tenant (seed 003); absent when the user has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "acme"))]
    pub tenant_id: Option<String>,
}

/// `{"active": false}`, or `active: true` with the token's claims: a `oneOf`, since an
/// inactive answer carries nothing else (RFC 7662 §2.2).
#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for Introspection {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AdditionalProperties, AllOfBuilder, ObjectBuilder, OneOfBuilder, Schema, Type};
        use utoipa::openapi::{Ref, RefOr};
        let active = |value: bool| {
            ObjectBuilder::new()
                .property("active", ObjectBuilder::new().schema_type(Type::Boolean).enum_values(Some([value])))
                .required("active")
        };
        let inactive = active(false)
            .title(Some("inactive"))
            .description(Some("Not a currently valid token of this service: nothing else is said"))
            .additional_properties(Some(AdditionalProperties::<Schema>::FreeForm(false)));
        let active = AllOfBuilder::new()
            .title(Some("active"))
            .description(Some("A valid, unrevoked access token of this service, with its claims"))
            .item(active(true))
            .item(Ref::from_schema_name(<IntrospectionDetails as utoipa::ToSchema>::name()));
        RefOr::T(Schema::OneOf(
            OneOfBuilder::new()
                .description(Some("RFC 7662 introspection response"))
                .item(inactive)
                .item(active)
                .build(),
        ))
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for Introspection {
    fn schemas(schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>) {
        use utoipa::PartialSchema as _;
        schemas.push((IntrospectionDetails::name().into(), IntrospectionDetails::schema()));
        IntrospectionDetails::schemas(schemas);
    }
}

impl Introspection {
    pub fn inactive() -> Self {
        Self { active: false, details: None }
    }

    pub fn from_claims(c: Claims) -> Self {
        Self {
            active: true,
            details: Some(IntrospectionDetails {
                sub: c.sub,
                username: c.username,
                scope: c.scope,
                exp: c.exp,
                iat: c.iat,
                iss: c.iss,
                aud: c.aud,
                jti: c.jti,
                token_type: TokenType::Bearer,
                role: c.role,
                tenant_id: c.tenant,
            }),
        }
    }
}

// ------------------------------------------------------------------------------------------------
// What the token-issuing routes answer (their JSON, field for field).

/// The type of every access token issued here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TokenType {
    Bearer,
}

/// A user's role (the `users.role` check constraint; roles travel as text).
#[cfg(feature = "openapi")]
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum UserRole {
    User,
    Admin,
}

/// The user a login was for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserSummary {
    #[cfg_attr(feature = "openapi", schema(example = 42))]
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(example = "alice"))]
    pub username: String,
    #[cfg_attr(feature = "openapi", schema(value_type = UserRole))]
    pub role: String,
}

impl From<&UserRecord> for UserSummary {
    fn from(u: &UserRecord) -> Self {
        Self { id: u.id, username: u.username.clone(), role: u.role.clone() }
    }
}

/// `POST /login` (seed 001): the access token.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct AccessToken {
    /// HS256 JWT for `Authorization: Bearer`, registered in the token store until it expires
    /// or the user logs out.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub token: String,
    pub token_type: TokenType,
    /// Seconds until the token expires (`JWT_TTL_SECONDS`, 3600 by default).
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
}

impl From<&IssuedToken> for AccessToken {
    fn from(t: &IssuedToken) -> Self {
        Self { token: t.token.clone(), token_type: TokenType::Bearer, expires_in: t.expires_in }
    }
}

/// `POST /api/auth/login` (seed 002): the access token and the user.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiLogin {
    /// HS256 JWT for `Authorization: Bearer`.
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub token: String,
    /// Seconds until the token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
    pub user: UserSummary,
}

impl ApiLogin {
    pub fn new(out: &LoginOutcome) -> Self {
        Self { token: out.token.token.clone(), expires_in: out.token.expires_in, user: UserSummary::from(&out.user) }
    }
}

/// The login session a v1 login opened, with the device info recorded for it.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct LoginSessionInfo {
    pub id: uuid::Uuid,
    /// The request's `User-Agent`, null when it sent none.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "Mozilla/5.0"))]
    pub user_agent: Option<String>,
    /// The caller's address as API Gateway saw it.
    #[cfg_attr(feature = "openapi", schema(required = true, example = "203.0.113.7"))]
    pub ip: Option<String>,
}

/// `data` of `POST /api/v1/auth/login` (seed 004).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionLogin {
    /// HS256 JWT for `Authorization: Bearer`, tied to the session (`sid` claim).
    #[cfg_attr(
        feature = "openapi",
        schema(example = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJl")
    )]
    pub access_token: String,
    /// Opaque, single-use refresh token (43 characters, base64url); returned only here and by
    /// `POST /api/v1/auth/refresh`.
    #[cfg_attr(feature = "openapi", schema(example = "q3b2Y1x9Yz8m0n7v6c5x4z3a2s1d0f9g8h7j6k5l4p3"))]
    pub refresh_token: String,
    pub token_type: TokenType,
    /// Seconds until the access token expires.
    #[cfg_attr(feature = "openapi", schema(example = 3600))]
    pub expires_in: u64,
    pub session: LoginSessionInfo,
    pub user: UserSummary,
}

impl SessionLogin {
    /// None when the login opened no session (a login without `with_session`).
    pub fn new(out: &LoginOutcome, context: &LoginContext) -> Option<Self> {
        let (id, refresh_token) = out.session.clone()?;
        Some(Self {
            access_token: out.token.token.clone(),
            refresh_token,
            token_type: TokenType::Bearer,
            expires_in: out.token.expires_in,
            session: LoginSessionInfo { id, user_agent: context.user_agent.clone(), ip: context.source_ip.clone() },
            user: UserSummary::from(&out.user),
        })
    }
}

/// `POST /api/auth/logout` (seed 002).
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoggedOut {
    /// Always `logged out`.
    #[cfg_attr(feature = "openapi", schema(example = "logged out"))]
    pub message: &'static str,
}

impl LoggedOut {
    pub const fn new() -> Self {
        Self { message: "logged out" }
    }
}

impl Default for LoggedOut {
    fn default() -> Self {
        Self::new()
    }
}

/// `data` of `POST /api/v1/auth/logout`: the login session that ended.
#[derive(Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SessionLogout {
    /// The token's login session (`sid`); null for a token issued without one (`/login`,
    /// `/api/auth/login`), whose logout revokes only that token.
    #[cfg_attr(feature = "openapi", schema(required = true, value_type = Option<uuid::Uuid>))]
    pub session_id: Option<String>,
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
        UserRecord { id: 1, username: "alice".into(), role: "user".into(), password_hash: hash, tenant_id: None }
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
            _session: Option<&SessionStart>,
            queue: &str,
            _event: &EventEnvelope,
        ) -> Result<(), AppError> {
            self.logins.lock().unwrap().push((user_id, new_hash, queue.to_string()));
            Ok(())
        }
        async fn user_exists(&self, subject: &str) -> Result<bool, AppError> {
            Ok(self.users.iter().any(|u| u.id.to_string() == subject))
        }
    }

    #[derive(Default)]
    struct MemoryTokens(Mutex<Vec<String>>);

    impl TokenStore for MemoryTokens {
        async fn register(&self, claims: &Claims) -> Result<(), AppError> {
            self.0.lock().unwrap().push(claims.jti.clone());
            Ok(())
        }
        async fn is_active(&self, jti: &str) -> Result<bool, AppError> {
            Ok(self.0.lock().unwrap().iter().any(|j| j == jti))
        }
        async fn revoke(&self, jti: &str) -> Result<(), AppError> {
            self.0.lock().unwrap().retain(|j| j != jti);
            Ok(())
        }
    }

    fn identity(users: MemoryStore, iterations: u32) -> Identity<MemoryStore, MemoryTokens> {
        Identity {
            users,
            token_store: MemoryTokens::default(),
            hasher: PasswordHasher::new(iterations).unwrap(),
            tokens: TokenService::new(jwt_config(&"k".repeat(32))),
            refresh_ttl: Duration::from_secs(3600),
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
    fn the_fast_path_agrees_with_the_pbkdf2_crate_both_ways() {
        use pbkdf2::password_hash::PasswordHasher as _;
        let h = PasswordHasher::new(FAST).unwrap();
        // Ours verifies with the crate's own verifier ...
        let ours = h.hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Pbkdf2.verify_password(b"correct horse", &parsed).is_ok());
        assert!(Pbkdf2.verify_password(b"correct hors", &parsed).is_err());
        // ... and the crate's hash, with the same salt and cost, is byte for byte ours.
        let salt = parsed.salt.unwrap();
        let params = pbkdf2::Params { rounds: FAST, output_length: 32 };
        let theirs = Pbkdf2
            .hash_password_customized(
                b"correct horse",
                Some(pbkdf2::Algorithm::Pbkdf2Sha256.ident()),
                None,
                params,
                salt,
            )
            .unwrap()
            .to_string();
        assert_eq!(theirs, ours);
        // A stored hash whose length does not match its l= parameter never verifies.
        let tampered = ours.replace(",l=32$", ",l=31$");
        assert_eq!(h.verify("correct horse", &tampered), Verification::Invalid);
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
    async fn login_succeeds_registers_the_token_and_queues_the_event() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryStore { users: vec![user(hash)], ..Default::default() }, FAST);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = id.login(&creds, &LoginContext::default(), "test", false).await.unwrap();
        assert_eq!(out.event.event_type, USER_LOGGED_IN);
        let data: UserLoggedIn = out.event.data_as().unwrap();
        assert_eq!(data.token_id.as_deref(), Some(out.token.claims.jti.as_str()));
        assert_eq!(id.users.logins.lock().unwrap().as_slice(), &[(1, None, "auth-events".to_string())]);
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
        let mut id = identity(MemoryStore { users: vec![user(hash)], ..Default::default() }, FAST);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = id.login(&creds, &LoginContext::default(), "test", false).await.unwrap();
        id.users.users.clear();
        let header = format!("Bearer {}", out.token.token);
        assert_eq!(id.authenticate(Some(&header)).await.unwrap_err().code(), "INVALID_TOKEN");
        assert_eq!(id.introspect(&out.token.token).await.unwrap(), Introspection::inactive());
    }

    #[tokio::test]
    async fn session_login_returns_a_refresh_token_tied_to_the_session() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryStore { users: vec![user(hash)], ..Default::default() }, FAST);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        let out = id.login(&creds, &LoginContext::default(), "test", true).await.unwrap();
        let (sid, refresh) = out.session.unwrap();
        assert_eq!(out.token.claims.sid, Some(sid.to_string()));
        assert!(refresh.len() >= 43);
    }

    #[tokio::test]
    async fn unknown_user_and_wrong_password_get_the_same_answer() {
        let hash = PasswordHasher::new(FAST).unwrap().hash("pw").unwrap();
        let id = identity(MemoryStore { users: vec![user(hash)], ..Default::default() }, FAST);
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
        let id = identity(MemoryStore { users: vec![user(hash)], ..Default::default() }, FAST + 1);
        let creds = Credentials { username: "alice".into(), password: "pw".into() };
        id.login(&creds, &LoginContext::default(), "t", false).await.unwrap();
        let logins = id.users.logins.lock().unwrap();
        let new_hash = logins[0].1.as_deref().unwrap();
        assert_eq!(id.hasher.verify("pw", new_hash), Verification::Valid { needs_rehash: false });
    }

    #[test]
    fn bearer_header_is_parsed_strictly() {
        assert_eq!(bearer_token(None).unwrap_err().code(), "MISSING_TOKEN");
        assert_eq!(bearer_token(Some("Basic abc")).unwrap_err().code(), "INVALID_TOKEN");
        assert_eq!(bearer_token(Some("Bearer ")).unwrap_err().code(), "INVALID_TOKEN");
        assert_eq!(bearer_token(Some("bearer abc")).unwrap(), "abc");
    }

    #[test]
    fn login_answers_keep_their_json_shape() {
        let svc = TokenService::new(jwt_config(&"k".repeat(32)));
        let token = svc.issue(&user(String::new())).unwrap();
        let jwt = token.token.clone();
        assert_eq!(
            serde_json::to_value(AccessToken::from(&token)).unwrap(),
            serde_json::json!({ "token": jwt, "tokenType": "Bearer", "expiresIn": 3600 })
        );
        let session = uuid::Uuid::now_v7();
        let out = LoginOutcome {
            user: user(String::new()),
            token,
            event: EventEnvelope::new("T", "t", ()).unwrap(),
            session: Some((session, "r".into())),
        };
        let user_json = serde_json::json!({ "id": 1, "username": "alice", "role": "user" });
        assert_eq!(
            serde_json::to_value(ApiLogin::new(&out)).unwrap(),
            serde_json::json!({ "token": jwt, "expiresIn": 3600, "user": user_json })
        );
        let context = LoginContext { user_agent: Some("ua".into()), source_ip: None };
        assert_eq!(
            serde_json::to_value(SessionLogin::new(&out, &context).unwrap()).unwrap(),
            serde_json::json!({
                "accessToken": jwt, "refreshToken": "r", "tokenType": "Bearer", "expiresIn": 3600,
                "session": { "id": session, "userAgent": "ua", "ip": null }, "user": user_json,
            })
        );
        assert_eq!(
            serde_json::to_value(SessionLogout { session_id: None }).unwrap(),
            serde_json::json!({ "sessionId": null })
        );
        assert_eq!(serde_json::to_value(LoggedOut::new()).unwrap(), serde_json::json!({ "message": "logged out" }));
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

pub mod refresh;
pub mod registration;
pub use registration::{NewUser, RegisteredUser, Registration, RegistrationStore, register};

#[cfg(all(feature = "postgres", feature = "dynamodb"))]
impl Identity<crate::adapters::postgres::Postgres, crate::adapters::dynamodb::DynamoTokens> {
    /// The production wiring: users in PostgreSQL, tokens in DynamoDB, settings from the env.
    pub fn from_env(sdk: &aws_config::SdkConfig) -> Result<Self, crate::config::ConfigError> {
        Ok(Self {
            users: crate::adapters::postgres::Postgres::from_env()?,
            token_store: crate::adapters::dynamodb::DynamoTokens::from_env(sdk)?,
            hasher: PasswordHasher::from_env()?,
            tokens: TokenService::new(JwtConfig::from_env()?),
            refresh_ttl: std::time::Duration::from_secs(crate::config::parse_or(
                "REFRESH_TOKEN_TTL_SECONDS",
                30 * 24 * 3600u64,
            )?),
        })
    }
}

/// Clients allowed to call the introspection endpoint (RFC 7662 §2.1 requires the caller to
/// authenticate): `INTROSPECTION_CLIENTS="tenant-service:<secret>,other:<secret>"`, checked
/// with HTTP Basic. Secrets are compared as SHA-256 digests, so timing reveals nothing useful.
pub struct IntrospectionClients {
    clients: Vec<(String, Vec<u8>)>,
}

impl IntrospectionClients {
    pub fn from_env() -> Result<Self, crate::config::ConfigError> {
        let raw = crate::config::required("INTROSPECTION_CLIENTS")?;
        let mut clients = Vec::new();
        for pair in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (id, secret) = pair.split_once(':').ok_or(crate::config::ConfigError::Invalid {
                name: "INTROSPECTION_CLIENTS",
                reason: "expected id:secret pairs separated by commas".into(),
            })?;
            if secret.len() < 16 {
                return Err(crate::config::ConfigError::Invalid {
                    name: "INTROSPECTION_CLIENTS",
                    reason: format!("secret of client '{id}' must be at least 16 characters"),
                });
            }
            clients.push((id.to_string(), refresh_token_hash(secret)));
        }
        Ok(Self { clients })
    }

    /// Returns the client id, or 401 INVALID_CLIENT.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<&str, AppError> {
        use base64::Engine as _;
        let invalid = || AppError::new(ErrorCode::InvalidClient, "client authentication failed");
        let encoded = authorization
            .and_then(|h| h.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
            .map(|(_, v)| v.trim())
            .ok_or_else(invalid)?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| invalid())?;
        let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
        let (id, secret) = decoded.split_once(':').ok_or_else(invalid)?;
        let digest = refresh_token_hash(secret);
        self.clients
            .iter()
            .find(|(known, expected)| known == id && *expected == digest)
            .map(|(known, _)| known.as_str())
            .ok_or_else(invalid)
    }
}

/// What the token-issuing HTTP functions share: identity plus the queue their events go to.
#[cfg(all(feature = "http", feature = "postgres", feature = "dynamodb", feature = "sqs"))]
pub mod api {
    use super::{Identity, LoginContext};
    use crate::adapters::{aws::sdk_config, dynamodb::DynamoTokens, postgres::Postgres, sqs::Sqs};
    use crate::config::{QueueConfig, dependency_timeout};
    use crate::domain::outbox::{OutboxEntry, deliver_committed};
    use crate::transport::http::{self, Request};

    pub struct AuthApi {
        pub identity: Identity<Postgres, DynamoTokens>,
        pub queue: Sqs,
    }

    impl AuthApi {
        pub async fn from_env() -> Result<Self, http::Error> {
            let sdk = sdk_config(dependency_timeout()?).await;
            Ok(Self { identity: Identity::from_env(&sdk)?, queue: Sqs::new(&sdk, QueueConfig::from_env()) })
        }

        /// Device info of the request: user agent, and the source IP as API Gateway saw it.
        pub fn login_context(req: &Request) -> LoginContext {
            LoginContext {
                user_agent: http::header_str(req, "user-agent").map(str::to_string),
                source_ip: http::source_ip(req),
            }
        }

        /// Sends an event its transaction committed to the outbox (the relay retries failures).
        pub async fn deliver(&self, entry: OutboxEntry) -> bool {
            deliver_committed(&self.identity.users, &self.queue, entry).await
        }
    }
}
