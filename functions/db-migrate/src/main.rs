//! Applies the SQL migrations (refinery) to PostgreSQL. Invoked once after each deploy (and by
//! the local cloud's start-up) rather than on every cold start of the request functions;
//! answers `{"applied": [...]}`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::invoke(app::auth::database(), handlers::operations::migrate).await
}
