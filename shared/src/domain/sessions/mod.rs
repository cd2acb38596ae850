//! Sessions and last connections: session documents recorded from login and logout events or
//! created through the session API, who may see and change them, and "when did this user last
//! connect", as a timestamp and relative to now. Storage sits behind the traits of [`ports`].

pub mod access;
pub mod last_connection;
pub mod ports;
pub mod recording;
pub mod records;
pub mod requests;
#[cfg(feature = "identity")]
pub mod service;
pub mod views;

pub use access::{authorize, parse_user_id};
pub use last_connection::{LastConnection, LastConnections, relative_to, validate_username};
pub use ports::{SessionStore, UserDirectory};
pub use recording::{EventOutcome, apply_auth_event};
pub use records::{LogoutRecord, NewApiSession, SessionRecord};
pub use requests::{CreateSession, UpdateSession, parse_limit, validate_metadata};
#[cfg(feature = "identity")]
pub use service::{Caller, SessionService};
#[cfg(feature = "identity")]
pub use views::TokenVerification;
pub use views::{SessionList, SessionView, SessionsEnded};
#[cfg(feature = "openapi")]
pub use views::{SessionOrigin, SessionStatus};
