//! POST /images/uploads — for images too big for an API Gateway payload: a presigned PUT into
//! a private staging area, with content type, size and file name signed in. After the PUT,
//! `POST /images/uploads/{uploadId}/complete` checks the bytes and publishes the image.

use shared::AppError;
use shared::adapters::s3::S3Images;
use shared::domain::images::{ImageService, PresignRequest};
use shared::transport::http::{self, Body, Request, Response};

async fn handle(images: &ImageService<S3Images>, req: Request) -> Result<Response<Body>, AppError> {
    let body: PresignRequest = http::parse_json(&req, 4 * 1024)?;
    let upload = images.presign(&body.content_type, body.size, body.filename.as_deref()).await?;
    Ok(http::json(201, &upload))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let images = ImageService::<S3Images>::from_env().await?;
    http::serve(|req| handle(&images, req)).await
}
