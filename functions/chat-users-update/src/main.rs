//! PUT /api/v1/users/{id} — `{"email"?, "role"?}`: users change their email, admins also roles.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::users::update).await
}
