//! The image functions (`POST /images`, `GET /images`, `POST /images/uploads`,
//! `POST /images/uploads/{uploadId}/complete`): the image service over S3.

use crate::adapters::s3::S3Images;
use crate::config::{ConfigError, Env, ImageStoreConfig};
use crate::domain::images::ImageService;

/// Every image route: the service's limits and its bucket.
pub async fn service() -> Result<ImageService<S3Images>, ConfigError> {
    let env = Env::process();
    let sdk = super::aws(&env).await?;
    let store = S3Images::new(&sdk, &ImageStoreConfig::from_env(&env)?);
    Ok(ImageService {
        public_base_url: store.public_base_url().to_string(),
        store,
        policy: crate::config::image_policy(&env)?,
    })
}
