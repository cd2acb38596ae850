//! POST /api/auth/login — credentials → an access token with the user; `UserLoggedIn` to `auth-events`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::auth(), handlers::bookstore_auth::login).await
}
