//! GET /api/sessions/verify — the bearer token is valid (signature, expiry, not revoked) and the
//! session it opened has not been ended.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::sessions::api(), handlers::sessions::verify).await
}
