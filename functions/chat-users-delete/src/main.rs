//! DELETE /api/v1/users/{id} — removes an account and everything it owns (admins only).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::users::delete).await
}
