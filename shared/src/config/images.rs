//! The image service: its limits (`IMAGES_MAX_BYTES`, …) and where its objects live
//! (`IMAGES_BUCKET`, `IMAGES_S3_ENDPOINT`, …).

use super::{ConfigError, Env};
use crate::domain::images::ImagePolicy;

/// `IMAGES_MAX_BYTES` (`POST /images`, 4 MiB), `IMAGES_PRESIGN_MAX_BYTES` (50 MiB),
/// `IMAGES_MAX_PIXELS` (100 million), `IMAGES_PRESIGN_TTL_SECONDS` (900).
pub fn image_policy(env: &Env) -> Result<ImagePolicy, ConfigError> {
    let max_bytes = env.parse_or("IMAGES_MAX_BYTES", ImagePolicy::DEFAULT_MAX_BYTES)?;
    if max_bytes > ImagePolicy::PAYLOAD_CEILING_BYTES {
        tracing::warn!(max_bytes, "IMAGES_MAX_BYTES is above what an API Gateway payload can carry after base64");
    }
    Ok(ImagePolicy {
        max_bytes,
        max_presigned_bytes: env.parse_or("IMAGES_PRESIGN_MAX_BYTES", ImagePolicy::DEFAULT_MAX_PRESIGNED_BYTES)?,
        max_pixels: env.parse_or("IMAGES_MAX_PIXELS", ImagePolicy::DEFAULT_MAX_PIXELS)?,
        presign_ttl: env.duration_secs("IMAGES_PRESIGN_TTL_SECONDS", ImagePolicy::DEFAULT_PRESIGN_TTL.as_secs())?,
    })
}

/// The ACL written on public objects (`IMAGES_OBJECT_ACL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectAcl {
    /// No ACL: the bucket policy on the images prefix makes them public (AWS buckets with ACLs
    /// disabled, SeaweedFS). The default, also spelled `none`.
    BucketPolicy,
    /// `public-read`, where the store honours object ACLs.
    PublicRead,
}

/// The object store of the image service (S3 or an S3-compatible store).
#[derive(Debug, Clone)]
pub struct ImageStoreConfig {
    /// `IMAGES_BUCKET` (required).
    pub bucket: String,
    /// `IMAGES_S3_ENDPOINT`, else `AWS_ENDPOINT_URL_S3`, else `AWS_ENDPOINT_URL`, without a
    /// trailing slash: points images at another store than the rest of AWS (e.g. SeaweedFS
    /// standing in for MinIO while SQS is on LocalStack). Unset on AWS.
    pub endpoint: Option<String>,
    pub acl: ObjectAcl,
    /// `IMAGES_PUBLIC_BASE_URL` (a CDN in front), without a trailing slash; unset, the store's
    /// own URL of the bucket.
    pub public_base_url: Option<String>,
}

impl ImageStoreConfig {
    pub fn from_env(env: &Env) -> Result<Self, ConfigError> {
        let bucket = env.required("IMAGES_BUCKET")?;
        let endpoint = env
            .first_of(&["IMAGES_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"])
            .map(|(_, e)| e.trim_end_matches('/').to_string());
        let acl = match env.optional("IMAGES_OBJECT_ACL").as_deref() {
            None | Some("none") => ObjectAcl::BucketPolicy,
            Some("public-read") => ObjectAcl::PublicRead,
            Some(other) => {
                return Err(ConfigError::Invalid {
                    name: "IMAGES_OBJECT_ACL",
                    reason: format!("'{other}' is not one of: public-read, none"),
                });
            }
        };
        let public_base_url = env.optional("IMAGES_PUBLIC_BASE_URL").map(|u| u.trim_end_matches('/').to_string());
        Ok(Self { bucket, endpoint, acl, public_base_url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn limits_have_defaults_and_name_their_variable_when_wrong() {
        let policy = image_policy(&Env::from_pairs::<&str, &str>([])).unwrap();
        assert_eq!((policy.max_bytes, policy.max_presigned_bytes), (4 * 1024 * 1024, 50 * 1024 * 1024));
        assert_eq!((policy.max_pixels, policy.presign_ttl), (100_000_000, Duration::from_secs(900)));
        let err = image_policy(&Env::from_pairs([("IMAGES_MAX_PIXELS", "lots")])).unwrap_err().to_string();
        assert!(err.contains("IMAGES_MAX_PIXELS"), "{err}");
    }

    #[test]
    fn the_store_endpoint_falls_back_to_the_aws_endpoints() {
        let env = Env::from_pairs([
            ("IMAGES_BUCKET", "images"),
            ("AWS_ENDPOINT_URL", "http://aws:4566"),
            ("AWS_ENDPOINT_URL_S3", "http://s3:8333/"),
            ("IMAGES_PUBLIC_BASE_URL", "https://cdn.example.com/"),
        ]);
        let config = ImageStoreConfig::from_env(&env).unwrap();
        assert_eq!(config.endpoint.as_deref(), Some("http://s3:8333"));
        assert_eq!(config.public_base_url.as_deref(), Some("https://cdn.example.com"));
        assert_eq!(config.acl, ObjectAcl::BucketPolicy);
        let env = Env::from_pairs([("IMAGES_BUCKET", "b"), ("IMAGES_OBJECT_ACL", "private")]);
        assert!(ImageStoreConfig::from_env(&env).unwrap_err().to_string().contains("IMAGES_OBJECT_ACL"));
        assert!(matches!(
            ImageStoreConfig::from_env(&Env::from_pairs::<&str, &str>([])),
            Err(ConfigError::Missing("IMAGES_BUCKET"))
        ));
    }
}
