//! Authentication: password hashing, access and refresh tokens, logging in and out,
//! registration and token introspection — the rules shared by the auth, bookstore auth and chat
//! services. Storage sits behind the traits of [`ports`]; nothing here knows PostgreSQL or
//! DynamoDB.

pub mod introspection;
pub mod login;
pub mod login_sessions;
pub mod passwords;
pub mod ports;
pub mod refresh;
pub mod registration;
pub mod service;
pub mod tokens;
pub mod users;

pub use introspection::{Introspection, IntrospectionClients, IntrospectionDetails, TokenIntrospection};
pub use login::{Credentials, LoginContext, LoginOutcome};
pub use passwords::{DEFAULT_PBKDF2_ITERATIONS, MIN_PBKDF2_ITERATIONS, PasswordHasher, Verification};
pub use ports::{
    LoginSession, LoginSessionStore, RefreshStore, RegistrationStore, Rotation, SessionStart, StoredRefresh,
    TokenStore, UserStore,
};
pub use refresh::Refreshed;
pub use registration::{Registrar, Registration, UserRegistered, register};
pub use service::{Auth, Identity};
pub use tokens::{Claims, IssuedToken, TokenService, TokenSettings, TokenType, bearer_token};
#[cfg(feature = "openapi")]
pub use users::UserRole;
pub use users::{NewUser, UserProfile, UserRecord, UserSummary};
