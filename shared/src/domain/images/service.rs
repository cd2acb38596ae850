//! The image service: uploads checked from their bytes and stored under keys of its own,
//! listings newest first, and presigned uploads checked before they are published.

use super::formats::{ImageFormat, SNIFF_BYTES, inspect, mismatch};
use super::keys::{
    ORIGINAL_NAME_METADATA, PUBLIC_PREFIX, STAGING_PREFIX, object_id, parse_object_id, percent_decode_name,
    percent_encode_name, validate_filename,
};
use super::policy::{ImagePolicy, MAX_PAGE_SIZE};
use super::ports::{ImageStore, NewObject, ObjectInfo};
use super::views::{Image, ImagePage, PresignedUpload};
use crate::domain::error::{AppError, ErrorCode};
use chrono::Utc;
use std::collections::BTreeMap;

pub struct ImageService<S> {
    pub store: S,
    pub policy: ImagePolicy,
    /// Base of public URLs, without a trailing slash: `<base>/<key>`.
    pub public_base_url: String,
}

impl<S: ImageStore> ImageService<S> {
    pub fn public_url(&self, key: &str) -> String {
        format!("{}/{key}", self.public_base_url)
    }

    fn stored_object(key: String, bytes: bytes::Bytes, format: ImageFormat, original_name: Option<&str>) -> NewObject {
        let mut metadata = BTreeMap::new();
        let mut content_disposition = None;
        if let Some(name) = original_name {
            let encoded = percent_encode_name(name);
            metadata.insert(ORIGINAL_NAME_METADATA.to_string(), encoded.clone());
            // Downloads get the original name back; RFC 6266/8187 form, so any name is safe.
            content_disposition = Some(format!("inline; filename*=UTF-8''{encoded}"));
        }
        NewObject { key, bytes, content_type: format.content_type(), metadata, content_disposition }
    }

    /// Stores an image that arrived in the request body. Everything is checked before the one
    /// `PutObject`, which is atomic: a refused upload leaves nothing behind.
    /// `declared` is the client's content type, when it named one we accept: it must agree
    /// with the bytes, so a client bug shows instead of silently storing another type.
    pub async fn upload(
        &self,
        bytes: bytes::Bytes,
        original_name: Option<&str>,
        declared: Option<ImageFormat>,
    ) -> Result<Image, AppError> {
        let len = bytes.len() as u64;
        let inspected = inspect(&bytes, len, self.policy.max_bytes as u64, &self.policy)?;
        if let Some(declared) = declared.filter(|d| *d != inspected.format) {
            return Err(mismatch(inspected.format, declared));
        }
        let original_name = original_name.map(validate_filename).transpose()?;
        let now = Utc::now();
        let key = format!("{PUBLIC_PREFIX}{}", object_id(now, inspected.format));
        self.store.put(Self::stored_object(key.clone(), bytes, inspected.format, original_name.as_deref())).await?;
        Ok(Image {
            url: self.public_url(&key),
            key,
            size: len,
            content_type: inspected.format.content_type(),
            uploaded_at: now,
            width: Some(inspected.width),
            height: Some(inspected.height),
            original_name,
        })
    }

    /// Newest first. The cursor is the last key of the previous page.
    pub async fn list(&self, cursor: Option<&str>, limit: i32) -> Result<ImagePage, AppError> {
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(AppError::new(ErrorCode::InvalidLimit, format!("limit must be between 1 and {MAX_PAGE_SIZE}")));
        }
        if let Some(c) = cursor {
            let valid = c.strip_prefix(PUBLIC_PREFIX).and_then(parse_object_id).is_some();
            if !valid {
                return Err(AppError::new(ErrorCode::InvalidCursor, "cursor is not one this API returned"));
            }
        }
        let (objects, more) = self.store.list(PUBLIC_PREFIX, cursor, limit).await?;
        let images: Vec<Image> = objects
            .into_iter()
            .filter_map(|o| {
                // Objects not written by this service (wrong shape) are not listed as images.
                let (uploaded_at, format) = o.key.strip_prefix(PUBLIC_PREFIX).and_then(parse_object_id)?;
                Some(Image {
                    url: self.public_url(&o.key),
                    size: o.size,
                    content_type: format.content_type(),
                    // The key's time, not LastModified: it orders the listing and has milliseconds.
                    uploaded_at,
                    key: o.key,
                    width: None,
                    height: None,
                    original_name: None,
                })
            })
            .collect();
        let next_cursor = if more { images.last().map(|i| i.key.clone()) } else { None };
        Ok(ImagePage { images, next_cursor })
    }

    /// A presigned PUT into the private staging prefix, with content type, size and original
    /// name signed in: the store refuses an upload that differs.
    pub async fn presign(
        &self,
        content_type: &str,
        size: u64,
        original_name: Option<&str>,
    ) -> Result<PresignedUpload, AppError> {
        let format = ImageFormat::from_content_type(content_type).ok_or_else(|| {
            AppError::new(
                ErrorCode::UnsupportedImageType,
                format!("contentType must be one of {}", ImageFormat::allowed_content_types()),
            )
        })?;
        if size == 0 {
            return Err(AppError::new(ErrorCode::EmptyFile, "size must be at least 1 byte"));
        }
        if size > self.policy.max_presigned_bytes {
            return Err(AppError::new(
                ErrorCode::FileTooLarge,
                format!("presigned uploads are limited to {} bytes", self.policy.max_presigned_bytes),
            ));
        }
        let original_name = original_name.map(validate_filename).transpose()?;
        let id = object_id(Utc::now(), format);
        let mut metadata = BTreeMap::new();
        if let Some(name) = &original_name {
            metadata.insert(ORIGINAL_NAME_METADATA.to_string(), percent_encode_name(name));
        }
        let ttl = self.policy.presign_ttl;
        let presigned = self
            .store
            .presign_put(&format!("{STAGING_PREFIX}{id}"), format.content_type(), size, &metadata, ttl)
            .await?;
        Ok(PresignedUpload {
            public_url: self.public_url(&format!("{PUBLIC_PREFIX}{id}")),
            upload_id: id,
            method: "PUT",
            url: presigned.url,
            headers: presigned.headers,
            expires_at: Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default(),
            max_bytes: size,
        })
    }

    /// Checks a presigned upload's bytes and publishes it (server-side copy to the public
    /// prefix, then removal of the staged object). A refused upload is deleted. Completing
    /// twice answers with the same image.
    pub async fn complete(&self, upload_id: &str) -> Result<(Image, bool), AppError> {
        let (_, signed_format) = parse_object_id(upload_id)
            .ok_or_else(|| AppError::new(ErrorCode::InvalidUploadId, "uploadId is not one this API issued"))?;
        let staged_key = format!("{STAGING_PREFIX}{upload_id}");
        let public_key = format!("{PUBLIC_PREFIX}{upload_id}");
        let Some(staged) = self.store.head(&staged_key).await? else {
            return match self.store.head(&public_key).await? {
                Some(done) => Ok((self.image_from_info(public_key, signed_format, &done), false)),
                None => Err(AppError::new(ErrorCode::UploadNotFound, "no upload with this id is waiting")),
            };
        };
        // An empty object has no first byte to read (a ranged GET of it is a 416), and nothing
        // to sniff: `inspect` refuses it as EMPTY_FILE from its size alone.
        let head = if staged.size == 0 { Vec::new() } else { self.store.read_prefix(&staged_key, SNIFF_BYTES).await? };
        let checked = inspect(&head, staged.size, self.policy.max_presigned_bytes, &self.policy)
            .and_then(|i| if i.format == signed_format { Ok(i) } else { Err(mismatch(i.format, signed_format)) });
        let inspected = match checked {
            Ok(i) => i,
            Err(refused) => {
                self.store.delete(&staged_key).await?;
                return Err(refused);
            }
        };
        let original_name = staged.metadata.get(ORIGINAL_NAME_METADATA).and_then(|v| percent_decode_name(v));
        let target =
            Self::stored_object(public_key.clone(), bytes::Bytes::new(), inspected.format, original_name.as_deref());
        self.store.copy(&staged_key, target).await?;
        self.store.delete(&staged_key).await?;
        let mut image = self.image_from_info(public_key, inspected.format, &staged);
        image.width = Some(inspected.width);
        image.height = Some(inspected.height);
        Ok((image, true))
    }

    fn image_from_info(&self, key: String, format: ImageFormat, info: &ObjectInfo) -> Image {
        let uploaded_at =
            key.strip_prefix(PUBLIC_PREFIX).and_then(parse_object_id).map(|(at, _)| at).unwrap_or_else(Utc::now);
        Image {
            url: self.public_url(&key),
            key,
            size: info.size,
            content_type: format.content_type(),
            uploaded_at,
            width: None,
            height: None,
            original_name: info.metadata.get(ORIGINAL_NAME_METADATA).and_then(|v| percent_decode_name(v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adapters::memory::MemoryImages;
    use crate::domain::images::formats::tests::policy;
    use crate::domain::images::samples;
    use std::time::Duration;

    fn service() -> ImageService<MemoryImages> {
        ImageService { store: MemoryImages::default(), policy: policy(), public_base_url: "http://s3/images".into() }
    }

    #[tokio::test]
    async fn upload_then_list_pages_newest_first() {
        let svc = service();
        let mut keys = Vec::new();
        for name in ["a.png", "b.png", "c.png"] {
            keys.push(svc.upload(samples::png().into(), Some(name), None).await.unwrap().key);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let first = svc.list(None, 2).await.unwrap();
        assert_eq!(first.images.iter().map(|i| i.key.as_str()).collect::<Vec<_>>(), [&keys[2], &keys[1]]);
        let second = svc.list(first.next_cursor.as_deref(), 2).await.unwrap();
        assert_eq!(second.images[0].key, keys[0]);
        assert!(second.next_cursor.is_none());
        assert_eq!(svc.list(Some("images/../secret"), 2).await.unwrap_err().code(), "INVALID_CURSOR");
        assert_eq!(svc.list(None, 0).await.unwrap_err().code(), "INVALID_LIMIT");
    }

    #[tokio::test]
    async fn refused_uploads_write_nothing() {
        let svc = service();
        assert!(svc.upload(bytes::Bytes::from_static(b"GIF89a-not-really"), Some("x.gif"), None).await.is_err());
        assert_eq!(
            svc.upload(samples::png().into(), Some("../x.png"), None).await.unwrap_err().code(),
            "INVALID_FILENAME"
        );
        let declared = Some(ImageFormat::Jpeg);
        assert_eq!(
            svc.upload(samples::png().into(), None, declared).await.unwrap_err().code(),
            "CONTENT_TYPE_MISMATCH"
        );
        assert!(svc.store.keys().is_empty());
    }

    #[tokio::test]
    async fn presigned_uploads_are_checked_before_publication() {
        let svc = service();
        let good = svc.presign("image/png", 68, Some("big.png")).await.unwrap();
        assert_eq!(good.headers["content-type"], "image/png");
        let meta = BTreeMap::from([(ORIGINAL_NAME_METADATA.to_string(), "big.png".to_string())]);
        svc.store.insert(&format!("{STAGING_PREFIX}{}", good.upload_id), samples::png(), "image/png", meta);
        let (image, created) = svc.complete(&good.upload_id).await.unwrap();
        assert!(created);
        assert_eq!(image.original_name.as_deref(), Some("big.png"));
        assert_eq!(svc.store.keys(), [format!("{PUBLIC_PREFIX}{}", good.upload_id)]);
        let (again, created) = svc.complete(&good.upload_id).await.unwrap();
        assert_eq!((again.key, created), (image.key, false));

        let liar = svc.presign("image/jpeg", 68, None).await.unwrap();
        svc.store.insert(&format!("{STAGING_PREFIX}{}", liar.upload_id), samples::png(), "image/jpeg", BTreeMap::new());
        assert_eq!(svc.complete(&liar.upload_id).await.unwrap_err().code(), "CONTENT_TYPE_MISMATCH");
        assert_eq!(svc.store.keys().len(), 1, "the refused upload was deleted");

        let empty = svc.presign("image/png", 68, None).await.unwrap();
        svc.store.insert(&format!("{STAGING_PREFIX}{}", empty.upload_id), Vec::new(), "image/png", BTreeMap::new());
        assert_eq!(svc.complete(&empty.upload_id).await.unwrap_err().code(), "EMPTY_FILE");
        assert_eq!(svc.store.keys().len(), 1, "the empty upload was deleted");

        assert_eq!(svc.complete("../../etc").await.unwrap_err().code(), "INVALID_UPLOAD_ID");
        assert_eq!(svc.presign("text/html", 10, None).await.unwrap_err().code(), "UNSUPPORTED_IMAGE_TYPE");
        assert_eq!(svc.presign("image/png", 5000, None).await.unwrap_err().code(), "FILE_TOO_LARGE");
    }
}
