//! POST /api/v1/auth/logout — ends the login session and revokes its tokens.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::auth(), handlers::chat::auth::logout).await
}
