//! Image delivery: uploads checked from their bytes, stored under keys the service chooses,
//! listed newest first, and presigned uploads for files too big for an API Gateway payload.
//! Free of AWS types: the object store is the [`ImageStore`] port (S3 in `adapters::s3`, in
//! memory in `adapters::memory`).

pub mod formats;
pub mod keys;
pub mod policy;
pub mod ports;
#[cfg(test)]
pub(crate) mod samples;
pub mod service;
pub mod views;

pub use formats::{ImageFormat, Inspected, SNIFF_BYTES, inspect, mismatch};
pub use keys::{
    ORIGINAL_NAME_METADATA, PUBLIC_PREFIX, STAGING_PREFIX, object_id, parse_object_id, percent_decode_name,
    percent_encode_name, validate_filename,
};
pub use policy::{DEFAULT_PAGE_SIZE, ImagePolicy, MAX_PAGE_SIZE};
pub use ports::{ImageStore, ListedObject, NewObject, ObjectInfo, PresignedPut};
pub use service::ImageService;
pub use views::{Image, ImagePage, PresignRequest, PresignedUpload};
#[cfg(feature = "openapi")]
pub use views::{ImageContentType, PresignedMethod};
