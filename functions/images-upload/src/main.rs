//! POST /images — seed 001 §4 `uploadImage(file)`: multipart/form-data with a `file` field, or
//! the raw image with its content type (`?filename=` names it). Checked from its bytes, stored
//! under a key of ours, publicly readable; answers 201 with the key and public URL.

use shared::AppError;
use shared::adapters::s3::S3Images;
use shared::domain::images::ImageService;
use shared::transport::http::upload::read_upload;
use shared::transport::http::{self, Body, Request, Response};

async fn handle(images: &ImageService<S3Images>, req: Request) -> Result<Response<Body>, AppError> {
    let upload = read_upload(req, images.policy.max_bytes).await?;
    let image = images.upload(upload.bytes, upload.filename.as_deref(), upload.declared).await?;
    let mut resp = http::json(201, &image);
    if let Ok(location) = image.url.parse() {
        resp.headers_mut().insert("location", location);
    }
    Ok(resp)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), http::Error> {
    shared::logging::init();
    let images = ImageService::<S3Images>::from_env().await?;
    http::serve(|req| handle(&images, req)).await
}
