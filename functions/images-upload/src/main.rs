//! POST /images — an image (a multipart `file` field, or the raw bytes), checked from its bytes
//! and stored publicly under a key of the service's own.

use shared::{app, handlers, transport::lambda};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda::Error> {
    lambda::http(app::images::service(), handlers::images::upload).await
}
