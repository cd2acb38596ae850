//! What the image service needs from an object store (S3 in `adapters::s3`, in memory in
//! `adapters::memory`).

use crate::domain::error::AppError;
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// An object to write, with everything the store keeps about it.
pub struct NewObject {
    pub key: String,
    pub bytes: bytes::Bytes,
    pub content_type: &'static str,
    pub metadata: BTreeMap<String, String>,
    pub content_disposition: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ListedObject {
    pub key: String,
    pub size: u64,
}

#[derive(Debug, Clone)]
pub struct ObjectInfo {
    pub size: u64,
    pub content_type: Option<String>,
    pub metadata: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresignedPut {
    pub url: String,
    /// Headers the client must send exactly as given: they are part of the signature.
    pub headers: BTreeMap<String, String>,
}

/// The operations the image service needs from an object store, one method each.
pub trait ImageStore: Send + Sync {
    fn put(&self, object: NewObject) -> impl Future<Output = Result<(), AppError>> + Send;
    /// Keys under `prefix` in ascending order, after `start_after`; `bool` = more follow.
    fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: i32,
    ) -> impl Future<Output = Result<(Vec<ListedObject>, bool), AppError>> + Send;
    fn head(&self, key: &str) -> impl Future<Output = Result<Option<ObjectInfo>, AppError>> + Send;
    /// The first `len` bytes of an object: fewer if it is shorter, none if it is empty.
    fn read_prefix(&self, key: &str, len: u64) -> impl Future<Output = Result<Vec<u8>, AppError>> + Send;
    /// Server-side copy with new content type and metadata (nothing passes through the function).
    fn copy(&self, from: &str, to: NewObject) -> impl Future<Output = Result<(), AppError>> + Send;
    fn delete(&self, key: &str) -> impl Future<Output = Result<(), AppError>> + Send;
    fn presign_put(
        &self,
        key: &str,
        content_type: &'static str,
        content_length: u64,
        metadata: &BTreeMap<String, String>,
        ttl: Duration,
    ) -> impl Future<Output = Result<PresignedPut, AppError>> + Send;
}
