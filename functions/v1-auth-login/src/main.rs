//! POST /api/v1/auth/login — a login session with device info, an access and a refresh token.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::auth(), handlers::chat::auth::login).await
}
