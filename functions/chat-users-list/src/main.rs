//! GET /api/v1/users — every account, by id, paginated (admins).

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::chat::api(), handlers::chat::users::list).await
}
