//! The object store of the image service.

use super::lock;
use crate::domain::error::{AppError, ErrorCode};
use crate::domain::images::{ImageStore, ListedObject, NewObject, ObjectInfo, PresignedPut};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Bytes, content type, metadata.
type Object = (Vec<u8>, String, BTreeMap<String, String>);

/// Objects by key, listed in key order as S3 lists them.
#[derive(Default)]
pub struct MemoryImages {
    pub objects: Mutex<BTreeMap<String, Object>>,
}

impl MemoryImages {
    pub fn keys(&self) -> Vec<String> {
        lock(&self.objects).keys().cloned().collect()
    }

    /// Puts an object as a client's presigned upload would.
    pub fn insert(&self, key: &str, bytes: Vec<u8>, content_type: &str, metadata: BTreeMap<String, String>) {
        lock(&self.objects).insert(key.to_string(), (bytes, content_type.to_string(), metadata));
    }
}

impl ImageStore for MemoryImages {
    async fn put(&self, o: NewObject) -> Result<(), AppError> {
        // What S3 refuses: user metadata and headers are ASCII (the original name travels
        // percent-encoded).
        if o.metadata.values().any(|v| !v.is_ascii()) || o.content_disposition.as_deref().is_some_and(|c| !c.is_ascii())
        {
            return Err(AppError::internal(format!("object {}: metadata and headers must be ASCII", o.key)));
        }
        self.insert(&o.key, o.bytes.to_vec(), o.content_type, o.metadata);
        Ok(())
    }

    async fn list(&self, prefix: &str, after: Option<&str>, limit: i32) -> Result<(Vec<ListedObject>, bool), AppError> {
        let objects = lock(&self.objects);
        let mut matching = objects
            .iter()
            .filter(|(k, _)| k.starts_with(prefix) && after.is_none_or(|a| k.as_str() > a))
            .map(|(k, (b, _, _))| ListedObject { key: k.clone(), size: b.len() as u64 });
        let page: Vec<_> = matching.by_ref().take(usize::try_from(limit).unwrap_or(0)).collect();
        Ok((page, matching.next().is_some()))
    }

    async fn head(&self, key: &str) -> Result<Option<ObjectInfo>, AppError> {
        Ok(lock(&self.objects).get(key).map(|(b, ct, m)| ObjectInfo {
            size: b.len() as u64,
            content_type: Some(ct.clone()),
            metadata: m.clone(),
        }))
    }

    async fn read_prefix(&self, key: &str, len: u64) -> Result<Vec<u8>, AppError> {
        let objects = lock(&self.objects);
        let (b, _, _) = objects.get(key).ok_or_else(|| AppError::new(ErrorCode::NotFound, "no object"))?;
        Ok(b[..b.len().min(usize::try_from(len).unwrap_or(usize::MAX))].to_vec())
    }

    async fn copy(&self, from: &str, to: NewObject) -> Result<(), AppError> {
        let bytes = lock(&self.objects).get(from).map(|(b, _, _)| b.clone()).unwrap_or_default();
        self.insert(&to.key, bytes, to.content_type, to.metadata);
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), AppError> {
        lock(&self.objects).remove(key);
        Ok(())
    }

    async fn presign_put(
        &self,
        key: &str,
        content_type: &'static str,
        len: u64,
        _metadata: &BTreeMap<String, String>,
        _ttl: Duration,
    ) -> Result<PresignedPut, AppError> {
        let headers = BTreeMap::from([
            ("content-type".to_string(), content_type.to_string()),
            ("content-length".to_string(), len.to_string()),
        ]);
        Ok(PresignedPut { url: format!("memory://{key}"), headers })
    }
}
