//! GET /api/v1/users/{id} — a user's profile (the user or an admin; 404 otherwise).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::users::get).await
}
