//! The chat backend (`/api/v1`): chat sessions owned by users, their messages, vendor and
//! sellers, and user management, behind the auth service's tokens and a per-caller rate limit.
//! A resource of another user is answered as not found (404), so ids reveal nothing; admins see
//! everything. Storage sits behind the traits of [`ports`].

pub mod accounts;
pub mod business;
pub mod caller;
pub mod conversations;
pub mod deleted;
pub mod messages;
pub mod ports;
pub mod sellers;
pub mod service;
pub mod sessions;
mod text;
pub mod users;
pub mod vendors;

pub use crate::domain::paging::{DEFAULT_PAGE_SIZE, Keyset, MAX_PAGE_SIZE, Page};
pub use caller::{Caller, RateLimit};
pub use deleted::Deleted;
pub use messages::{EditMessage, Message, MessageKind, NewMessage};
pub use ports::{AccountStore, ChatSessionStore, MessageStore, Owned, SellerStore, Sequenced, VendorStore};
pub use sellers::{Seller, SellerInput};
pub use service::Chat;
pub use sessions::{ChatSession, SessionInput};
pub use users::{DeletedUser, Role, User, UserUpdate};
pub use vendors::{Vendor, VendorInput};
