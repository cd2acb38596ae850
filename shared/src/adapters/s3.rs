//! Amazon S3 (or any S3-compatible store: LocalStack, SeaweedFS, MinIO) as the image store.
//! The endpoint and bucket are configuration (`config::ImageStoreConfig`); the same code runs
//! against all of them.

use crate::config::{ImageStoreConfig, ObjectAcl};
use crate::domain::error::{AppError, Dependency};
use crate::domain::images::{ImageStore, ListedObject, NewObject, ObjectInfo, PresignedPut};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{MetadataDirective, ObjectCannedAcl};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

/// Keys are unique and never rewritten, so public copies may be cached for good.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

#[derive(Clone)]
pub struct S3Images {
    client: aws_sdk_s3::Client,
    bucket: String,
    /// `public-read` where the store honours object ACLs; `None` where the bucket policy on
    /// the images prefix does the job (AWS buckets with ACLs disabled, SeaweedFS).
    acl: Option<ObjectCannedAcl>,
    public_base_url: String,
}

fn s3_error<E>(e: SdkError<E>) -> AppError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let status = e.raw_response().map(|r| r.status().as_u16());
    let code = e.code().map(str::to_string);
    let detail = aws_sdk_s3::error::DisplayErrorContext(e);
    match (status, code.as_deref()) {
        // Transport failures, timeouts, 5xx, and a bucket that vanished (an emulator restarted
        // before provisioning) are the store being unavailable: clients may retry.
        (None, _) | (Some(500..), _) | (_, Some("NoSuchBucket")) => AppError::unavailable(Dependency::S3, detail),
        _ => AppError::internal(detail),
    }
}

impl S3Images {
    /// The store of `config`; the SDK's region names the bucket's public URL on AWS.
    pub fn new(sdk: &aws_config::SdkConfig, config: &ImageStoreConfig) -> Self {
        let mut s3 = aws_sdk_s3::config::Builder::from(sdk);
        if let Some(endpoint) = &config.endpoint {
            // Emulators and MinIO-likes serve path-style; virtual hosts would need DNS per bucket.
            s3 = s3.endpoint_url(endpoint).force_path_style(true);
        }
        let acl = match config.acl {
            ObjectAcl::BucketPolicy => None,
            ObjectAcl::PublicRead => Some(ObjectCannedAcl::PublicRead),
        };
        let bucket = config.bucket.clone();
        let region = sdk.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
        let public_base_url = config.public_base_url.clone().unwrap_or_else(|| match &config.endpoint {
            Some(endpoint) => format!("{endpoint}/{bucket}"),
            None => format!("https://{bucket}.s3.{region}.amazonaws.com"),
        });
        Self { client: aws_sdk_s3::Client::from_conf(s3.build()), bucket, acl, public_base_url }
    }

    pub fn public_base_url(&self) -> &str {
        &self.public_base_url
    }

    pub async fn ping(&self) -> Result<Option<serde_json::Value>, AppError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(s3_error)?;
        Ok(Some(serde_json::json!({ "bucket": self.bucket })))
    }
}

fn to_hash_map(m: &BTreeMap<String, String>) -> Option<HashMap<String, String>> {
    (!m.is_empty()).then(|| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
}

impl ImageStore for S3Images {
    async fn put(&self, o: NewObject) -> Result<(), AppError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&o.key)
            .content_type(o.content_type)
            .content_length(o.bytes.len() as i64)
            .cache_control(IMMUTABLE)
            .set_content_disposition(o.content_disposition)
            .set_metadata(to_hash_map(&o.metadata))
            .set_acl(self.acl.clone())
            .body(ByteStream::from(o.bytes))
            .send()
            .await
            .map_err(s3_error)?;
        Ok(())
    }

    async fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: i32,
    ) -> Result<(Vec<ListedObject>, bool), AppError> {
        let out = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_start_after(start_after.map(str::to_string))
            .max_keys(limit)
            .send()
            .await
            .map_err(s3_error)?;
        let objects = out
            .contents()
            .iter()
            .filter_map(|o| {
                Some(ListedObject { key: o.key()?.to_string(), size: o.size().unwrap_or_default().max(0) as u64 })
            })
            .collect();
        Ok((objects, out.is_truncated().unwrap_or(false)))
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, AppError> {
        match self.client.head_object().bucket(&self.bucket).key(key).send().await {
            Ok(out) => Ok(Some(ObjectInfo {
                size: out.content_length().unwrap_or_default().max(0) as u64,
                content_type: out.content_type().map(str::to_string),
                metadata: out.metadata().map(|m| m.clone().into_iter().collect()).unwrap_or_default(),
            })),
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 404) => Ok(None),
            Err(e) => Err(s3_error(e)),
        }
    }

    async fn read_prefix(&self, key: &str, len: u64) -> Result<Vec<u8>, AppError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", len.saturating_sub(1)))
            .send()
            .await
        {
            Ok(out) => out,
            // 416 InvalidRange: the object has no first byte, i.e. it is empty.
            Err(e) if e.raw_response().is_some_and(|r| r.status().as_u16() == 416) => return Ok(Vec::new()),
            Err(e) => return Err(s3_error(e)),
        };
        let bytes = out.body.collect().await.map_err(|e| AppError::unavailable(Dependency::S3, e))?;
        Ok(bytes.into_bytes().to_vec())
    }

    async fn copy(&self, from: &str, to: NewObject) -> Result<(), AppError> {
        self.client
            .copy_object()
            .bucket(&self.bucket)
            // Keys are ours (digits, hex, '-', '.', '/'): nothing to percent-encode.
            .copy_source(format!("{}/{from}", self.bucket))
            .key(&to.key)
            .metadata_directive(MetadataDirective::Replace)
            .content_type(to.content_type)
            .cache_control(IMMUTABLE)
            .set_content_disposition(to.content_disposition)
            .set_metadata(to_hash_map(&to.metadata))
            .set_acl(self.acl.clone())
            .send()
            .await
            .map_err(s3_error)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), AppError> {
        self.client.delete_object().bucket(&self.bucket).key(key).send().await.map_err(s3_error)?;
        Ok(())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &'static str,
        content_length: u64,
        metadata: &BTreeMap<String, String>,
        ttl: Duration,
    ) -> Result<PresignedPut, AppError> {
        let presigning = PresigningConfig::expires_in(ttl).map_err(AppError::internal)?;
        let presigned = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .content_length(content_length as i64)
            .set_metadata(to_hash_map(metadata))
            .presigned(presigning)
            .await
            .map_err(s3_error)?;
        // Only what the signature covers; the SDK also adds tracing headers the client must not copy.
        let headers = presigned
            .headers()
            .map(|(k, v)| (k.to_ascii_lowercase(), v.to_string()))
            .filter(|(k, _)| k == "content-type" || k == "content-length" || k.starts_with("x-amz-"))
            .collect();
        Ok(PresignedPut { url: presigned.uri().to_string(), headers })
    }
}
