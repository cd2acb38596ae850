//! POST /api/auth/logout — revokes the bearer's token everywhere; `UserLoggedOut` to `auth-events`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::auth::auth(), handlers::bookstore_auth::logout).await
}
