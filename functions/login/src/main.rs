//! POST /login — credentials → an access token (HS256, 1 h) registered in the token store;
//! `UserLoggedIn` to `auth-events` through the transactional outbox.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::auth(), handlers::auth::login).await
}
