//! GET /images — images with their public URLs, newest first, paged by `?limit=` and `?cursor=`.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::images::service(), handlers::images::list).await
}
